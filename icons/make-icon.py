#!/usr/bin/env python3
"""Draws Bailiwick's app icon (1024x1024 RGBA PNG) with the standard library only.

A white shield (the admin's jurisdiction) holding a short list of users, on a blue rounded
square. Shapes are signed distance functions, so edges are anti-aliased analytically.
`npm run tauri icon icons/app-icon.png -- -o icons` derives every platform size from it (then
delete the android/, ios/ and Windows Store Square*/StoreLogo outputs: this is a desktop app).
"""
import math
import struct
import sys
import zlib

SIZE = 1024


def rounded_rect(x, y, cx, cy, hw, hh, r):
    qx, qy = abs(x - cx) - hw + r, abs(y - cy) - hh + r
    outside = math.hypot(max(qx, 0.0), max(qy, 0.0))
    return outside + min(max(qx, qy), 0.0) - r


def circle(x, y, cx, cy, r):
    return math.hypot(x - cx, y - cy) - r


# The shield: a rectangle on top, a pointed arc below (two circles through the sides and the tip).
LEFT, RIGHT, TOP, WAIST, TIP = 312.0, 712.0, 232.0, 520.0, 812.0
HALF = (RIGHT - LEFT) / 2
DEPTH = TIP - WAIST
ARC_R = (HALF * HALF + DEPTH * DEPTH) / (2 * HALF)


def shield(x, y):
    # Rounded only at the top: cut flat at the waist, where the arcs continue at full width.
    upper = max(rounded_rect(x, y, 512.0, (TOP + WAIST + 100) / 2, HALF, (WAIST + 100 - TOP) / 2, 44.0), y - WAIST)
    lens = max(circle(x, y, LEFT + ARC_R, WAIST, ARC_R), circle(x, y, RIGHT - ARC_R, WAIST, ARC_R))
    lower = max(lens, WAIST - y)
    return min(upper, lower)


ROWS = [(372.0, 230.0), (480.0, 190.0), (588.0, 140.0)]


def user_rows(x, y):
    d = 1e9
    for cy, length in ROWS:
        d = min(d, circle(x, y, 404.0, cy, 30.0))
        d = min(d, rounded_rect(x, y, 456.0 + length / 2, cy, length / 2, 19.0, 19.0))
    return d


def coverage(d):
    return min(max(0.5 - d, 0.0), 1.0)


def mix(a, b, t):
    return tuple(a[i] + (b[i] - a[i]) * t for i in range(3))


def pixel(x, y):
    bg = coverage(rounded_rect(x, y, 512.0, 512.0, 456.0, 456.0, 184.0))
    if bg == 0.0:
        return (0, 0, 0, 0)
    t = (x + y) / (2 * SIZE)
    colour = mix((76, 124, 246), (40, 52, 170), t)
    colour = mix(colour, (255, 255, 255), coverage(shield(x, y)))
    colour = mix(colour, mix((62, 104, 232), (46, 66, 190), t), coverage(user_rows(x, y)))
    return (round(colour[0]), round(colour[1]), round(colour[2]), round(255 * bg))


def png(width, height, rows):
    def chunk(kind, data):
        body = kind + data
        return struct.pack(">I", len(data)) + body + struct.pack(">I", zlib.crc32(body) & 0xFFFFFFFF)

    raw = b"".join(b"\x00" + bytes(row) for row in rows)
    header = struct.pack(">IIBBBBB", width, height, 8, 6, 0, 0, 0)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", zlib.compress(raw, 9)) + chunk(b"IEND", b"")


def main(out):
    rows = []
    for j in range(SIZE):
        row = []
        for i in range(SIZE):
            row.extend(pixel(i + 0.5, j + 0.5))
        rows.append(row)
    with open(out, "wb") as f:
        f.write(png(SIZE, SIZE, rows))


if __name__ == "__main__":
    main(sys.argv[1] if len(sys.argv) > 1 else "app-icon.png")
