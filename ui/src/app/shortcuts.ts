/**
 * The app's keyboard shortcuts, in one place so that what a key does and what the tooltips and
 * the command palette say about it cannot drift apart.
 *
 * Sections are switched with Alt+digit (⌥digit on macOS), not with a `g`-then-letter sequence: a
 * chord needs no timer or pending state, works from inside a text field, and matches by
 * `event.code`, so it holds on keyboards where Alt+digit types a character (German, French).
 */

export function isMacPlatform(): boolean {
  return typeof navigator !== 'undefined' && /Mac|iPhone|iPad/.test(navigator.platform || navigator.userAgent);
}

/** How the palette's shortcut is written on this platform. */
export function paletteShortcut(mac: boolean = isMacPlatform()): string {
  return mac ? '⌘K' : 'Ctrl+K';
}

/** How the shortcut of the section at `index` (0-based) is written: Alt+1 … Alt+9, then Alt+0 for the tenth. */
export function sectionShortcut(index: number, mac: boolean = isMacPlatform()): string {
  return `${mac ? '⌥' : 'Alt+'}${(index + 1) % 10}`;
}

export const SEARCH_SHORTCUT = '/';

export function isPaletteKey(event: KeyboardEvent): boolean {
  return (event.ctrlKey || event.metaKey) && !event.altKey && event.key.toLowerCase() === 'k';
}

/** The 0-based section index an Alt+digit press asks for (Alt+0 is the tenth, as on the keyboard's row), or null. */
export function sectionIndexOf(event: KeyboardEvent): number | null {
  if (!event.altKey || event.ctrlKey || event.metaKey) return null;
  const digit = /^Digit([0-9])$/.exec(event.code)?.[1];
  return digit === undefined ? null : (Number(digit) + 9) % 10;
}

/** Whether a key press goes into a text field, where `/` is a character and not a shortcut. */
export function isTyping(target: EventTarget | null): boolean {
  return target instanceof Element && target.closest('input, textarea, select, [contenteditable="true"]') !== null;
}

export function isSearchKey(event: KeyboardEvent): boolean {
  return event.key === SEARCH_SHORTCUT && !event.ctrlKey && !event.metaKey && !event.altKey && !isTyping(event.target);
}
