import { describe, expect, it } from 'vitest';

import { DEFAULT_PREFERENCES, parsePreferences, PREFERENCES_KEY, readPreferences, writePreferences } from './preferences';

describe('stored preferences', () => {
  it('are the defaults when nothing is stored', () => {
    expect(parsePreferences(null)).toEqual(DEFAULT_PREFERENCES);
    expect(DEFAULT_PREFERENCES).toEqual({ language: 'system', theme: 'system', leadTimeDays: 7 });
  });

  it('fall back to the defaults when the stored value is not JSON or not an object', () => {
    for (const corrupt of ['{"language":', 'not json', '42', 'null', '"dark"', '[]']) {
      expect(parsePreferences(corrupt), `stored ${corrupt}`).toEqual(DEFAULT_PREFERENCES);
    }
  });

  it('keep each valid field and replace each invalid one by its default', () => {
    const stored = JSON.stringify({ language: 'ja', theme: 'purple', leadTimeDays: 45, extra: true });
    expect(parsePreferences(stored)).toEqual({ language: 'ja', theme: 'system', leadTimeDays: 7 });
    expect(parsePreferences(JSON.stringify({ language: 'xx', theme: 'dark', leadTimeDays: 30 }))).toEqual({
      language: 'system',
      theme: 'dark',
      leadTimeDays: 30,
    });
    for (const days of [0, 31, 2.5, '7', null]) {
      expect(parsePreferences(JSON.stringify({ leadTimeDays: days })).leadTimeDays, `lead time ${String(days)}`).toBe(7);
    }
  });

  it('read corrupt storage as the defaults instead of failing', () => {
    window.localStorage.setItem(PREFERENCES_KEY, '{{{');
    expect(readPreferences()).toEqual(DEFAULT_PREFERENCES);
  });

  it('are written under one key and read back', () => {
    writePreferences({ theme: 'dark' });
    writePreferences({ language: 'fr', leadTimeDays: 14 });
    expect(JSON.parse(window.localStorage.getItem(PREFERENCES_KEY) ?? 'null')).toEqual({
      language: 'fr',
      theme: 'dark',
      leadTimeDays: 14,
    });
    expect(readPreferences()).toEqual({ language: 'fr', theme: 'dark', leadTimeDays: 14 });
    expect(window.localStorage.length, 'one key holds them all').toBe(1);
  });
});
