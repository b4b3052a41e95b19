/// <reference types="node" />
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

import { describe, expect, it } from 'vitest';

// Read from disk: Vitest hands CSS imports (even `?raw`) to tests as empty strings.
const css = readFileSync(join(dirname(fileURLToPath(import.meta.url)), 'theme.css'), 'utf8');

/** The custom properties one theme's rule sets (`--text: #1b1f24;` …). */
function themeColours(selector: string): Map<string, string> {
  const start = css.indexOf(selector);
  const block = css.slice(css.indexOf('{', start) + 1, css.indexOf('}', start));
  return new Map([...block.matchAll(/--([\w-]+):\s*(#[0-9a-f]{6})/gi)].map((m) => [m[1] ?? '', m[2] ?? '']));
}

/** WCAG 2 relative luminance and contrast ratio. */
function luminance(hex: string): number {
  const channels = [1, 3, 5].map((i) => Number.parseInt(hex.slice(i, i + 2), 16) / 255);
  const [r = 0, g = 0, b = 0] = channels.map((c) => (c <= 0.03928 ? c / 12.92 : ((c + 0.055) / 1.055) ** 2.4));
  return 0.2126 * r + 0.7152 * g + 0.0722 * b;
}

function contrast(a: string, b: string): number {
  const [light, dark] = [luminance(a), luminance(b)].sort((x, y) => y - x) as [number, number];
  return (light + 0.05) / (dark + 0.05);
}

/** Every text colour with each background it is drawn on in theme.css. */
const TEXT_ON_BACKGROUND: [string, string][] = [
  ['text', 'bg'],
  ['text', 'surface'],
  ['text', 'surface-2'],
  ['text', 'row-hover'],
  ['muted', 'bg'],
  ['muted', 'surface'],
  ['muted', 'surface-2'],
  ['accent', 'surface'],
  ['accent', 'surface-2'],
  ['accent', 'bg'],
  ['accent-text', 'accent'],
  ['danger', 'danger-bg'],
  ['warn', 'warn-bg'],
];

describe('theme colours', () => {
  for (const [theme, selector] of [
    ['light', ":root[data-theme='light']"],
    ['dark', ":root[data-theme='dark']"],
  ] as const) {
    it(`meet WCAG AA (4.5:1) for text in the ${theme} theme`, () => {
      const colours = themeColours(selector);
      for (const [fg, bg] of TEXT_ON_BACKGROUND) {
        const ratio = contrast(colours.get(fg) ?? '', colours.get(bg) ?? '');
        expect(ratio, `--${fg} on --${bg} in ${theme} is ${ratio.toFixed(2)}:1`).toBeGreaterThanOrEqual(4.5);
      }
    });

    it(`give the ${theme} focus ring 3:1 against the surfaces it is drawn on`, () => {
      const colours = themeColours(selector);
      for (const bg of ['bg', 'surface', 'surface-2']) {
        const ratio = contrast(colours.get('focus') ?? '', colours.get(bg) ?? '');
        expect(ratio, `--focus on --${bg} in ${theme} is ${ratio.toFixed(2)}:1`).toBeGreaterThanOrEqual(3);
      }
    });
  }
});
