import { describe, expect, it } from 'vitest';

import { sectionIndexOf, sectionShortcut } from './shortcuts';

function altDigit(digit: number, extra: Partial<KeyboardEventInit> = {}): KeyboardEvent {
  return new KeyboardEvent('keydown', { altKey: true, code: `Digit${digit}`, ...extra });
}

describe('section shortcuts', () => {
  it('numbers sections 1 to 9 and then 0, as the keyboard row does', () => {
    expect(sectionShortcut(0, false)).toBe('Alt+1');
    expect(sectionShortcut(8, false)).toBe('Alt+9');
    expect(sectionShortcut(9, false)).toBe('Alt+0');
    expect(sectionShortcut(9, true)).toBe('⌥0');
  });

  it('reads Alt+digit back to the same section, and nothing else', () => {
    expect(sectionIndexOf(altDigit(1))).toBe(0);
    expect(sectionIndexOf(altDigit(9))).toBe(8);
    expect(sectionIndexOf(altDigit(0))).toBe(9);
    expect(sectionIndexOf(altDigit(2, { ctrlKey: true }))).toBeNull();
    expect(sectionIndexOf(new KeyboardEvent('keydown', { code: 'Digit2' }))).toBeNull();
    expect(sectionIndexOf(new KeyboardEvent('keydown', { altKey: true, code: 'KeyA' }))).toBeNull();
  });
});
