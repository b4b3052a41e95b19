#!/usr/bin/env python3
"""A stand-in for the system browser in tests (installed as `xdg-open` or given as $BROWSER).

Like a real browser it returns at once and works in the background: it follows redirects with
a cookie jar, fills any sign-in form that has `username` and `password` fields with
$FAKE_BROWSER_USER / $FAKE_BROWSER_PASSWORD, and stops at the app's loopback callback (whose
page it fetches, as a browser would). What it saw is appended to $FAKE_BROWSER_LOG as JSON lines,
so a test can tell a refused password from a completed sign-in. It only talks to loopback.
"""
import html.parser
import http.cookiejar
import json
import os
import sys
import urllib.error
import urllib.parse
import urllib.request

MAX_STEPS = 20


class FormParser(html.parser.HTMLParser):
    def __init__(self):
        super().__init__()
        self.forms = []

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "form":
            self.forms.append({"action": attrs.get("action", ""), "method": attrs.get("method", "get").lower(), "fields": {}})
        elif tag in ("input", "button") and self.forms and attrs.get("name"):
            if tag == "button" and attrs.get("type", "submit") != "submit":
                return
            self.forms[-1]["fields"].setdefault(attrs["name"], attrs.get("value") or "")


def log(event):
    path = os.environ.get("FAKE_BROWSER_LOG")
    if path:
        with open(path, "a", encoding="utf-8") as f:
            f.write(json.dumps(event) + "\n")


def loopback(url):
    host = urllib.parse.urlsplit(url).hostname
    return host in ("127.0.0.1", "localhost", "::1")


def browse(start):
    jar = http.cookiejar.CookieJar()
    opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(jar))
    url, data, posted_credentials = start, None, False
    for _ in range(MAX_STEPS):
        if not loopback(url):
            log({"event": "refused-non-loopback", "url": url})
            return
        try:
            response = opener.open(urllib.request.Request(url, data=data), timeout=15)
            status, final, body = response.status, response.geturl(), response.read().decode("utf-8", "replace")
        except urllib.error.HTTPError as e:
            status, final, body = e.code, e.geturl(), e.read().decode("utf-8", "replace")
        parsed = urllib.parse.urlsplit(final)
        if parsed.path == "/callback":
            log({"event": "callback", "status": status, "body": body[:2000]})
            return
        parser = FormParser()
        parser.feed(body)
        form = next((f for f in parser.forms if "username" in f["fields"] and "password" in f["fields"]), None)
        if form is None:
            form = next((f for f in parser.forms if f["method"] == "post"), None)
        if form is None:
            log({"event": "stuck", "status": status, "url": final, "body": body[:2000]})
            return
        if "username" in form["fields"]:
            if posted_credentials:
                # We already posted credentials and got the form back: the password was refused.
                log({"event": "sign-in-refused", "status": status, "body": body[:2000]})
                return
            posted_credentials = True
            form["fields"]["username"] = os.environ.get("FAKE_BROWSER_USER", "")
            form["fields"]["password"] = os.environ.get("FAKE_BROWSER_PASSWORD", "")
        url = urllib.parse.urljoin(final, form["action"] or final)
        encoded = urllib.parse.urlencode(form["fields"])
        if form["method"] == "post":
            data = encoded.encode()
        else:
            url, data = url + ("&" if "?" in url else "?") + encoded, None
    log({"event": "too-many-steps", "url": url})


def main():
    if len(sys.argv) < 2:
        print("usage: fake-browser URL", file=sys.stderr)
        return 2
    if os.fork() != 0:
        return 0  # like xdg-open: return once the "browser" runs
    try:
        browse(sys.argv[1])
    except Exception as e:  # noqa: BLE001 - a test browser reports, never crashes silently
        log({"event": "error", "error": repr(e)})
    return 0


if __name__ == "__main__":
    sys.exit(main())
