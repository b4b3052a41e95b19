import { useCallback, useSyncExternalStore } from 'react';

import { isLanguage, type Language } from './i18n/languages';

/**
 * The admin's preferences, kept on this machine in localStorage under one key. This module is
 * their only reader and writer: whatever is stored is validated field by field, so a value
 * from an older version or a hand edit falls back to the default instead of breaking the app.
 */

export const PREFERENCES_KEY = 'bailiwick.preferences';

export type LanguageChoice = 'system' | Language;
export const THEME_CHOICES = ['system', 'light', 'dark'] as const;
export type ThemeChoice = (typeof THEME_CHOICES)[number];

/** Days before a managed grant ends that the admin is told; the bounds keep the notice useful. */
export const LEAD_TIME_MIN_DAYS = 1;
export const LEAD_TIME_MAX_DAYS = 30;

export interface Preferences {
  language: LanguageChoice;
  theme: ThemeChoice;
  leadTimeDays: number;
}

export const DEFAULT_PREFERENCES: Preferences = { language: 'system', theme: 'system', leadTimeDays: 7 };

function isThemeChoice(value: unknown): value is ThemeChoice {
  return typeof value === 'string' && (THEME_CHOICES as readonly string[]).includes(value);
}

function isLeadTime(value: unknown): value is number {
  return Number.isInteger(value) && (value as number) >= LEAD_TIME_MIN_DAYS && (value as number) <= LEAD_TIME_MAX_DAYS;
}

/** The preferences a stored string holds; anything missing, unknown or out of range is the default. */
export function parsePreferences(raw: string | null): Preferences {
  if (raw === null) return DEFAULT_PREFERENCES;
  let stored: unknown;
  try {
    stored = JSON.parse(raw);
  } catch {
    return DEFAULT_PREFERENCES;
  }
  if (typeof stored !== 'object' || stored === null) return DEFAULT_PREFERENCES;
  const { language, theme, leadTimeDays } = stored as Record<string, unknown>;
  return {
    language: language === 'system' || isLanguage(language) ? language : DEFAULT_PREFERENCES.language,
    theme: isThemeChoice(theme) ? theme : DEFAULT_PREFERENCES.theme,
    leadTimeDays: isLeadTime(leadTimeDays) ? leadTimeDays : DEFAULT_PREFERENCES.leadTimeDays,
  };
}

/** Storage can be unavailable (disabled, or full when writing): preferences then live for the session only. */
function readRaw(): string | null {
  try {
    return window.localStorage.getItem(PREFERENCES_KEY);
  } catch {
    return null;
  }
}

let cachedRaw: string | null | undefined;
let cached: Preferences = DEFAULT_PREFERENCES;
/** Set when storage refused a write, so the choice still holds until the app closes. */
let unsaved: Preferences | null = null;
const listeners = new Set<() => void>();

export function readPreferences(): Preferences {
  if (unsaved) return unsaved;
  const raw = readRaw();
  if (raw !== cachedRaw) {
    cachedRaw = raw;
    cached = parsePreferences(raw);
  }
  return cached;
}

export function writePreferences(change: Partial<Preferences>): void {
  const next = parsePreferences(JSON.stringify({ ...readPreferences(), ...change }));
  try {
    window.localStorage.setItem(PREFERENCES_KEY, JSON.stringify(next));
    unsaved = null;
  } catch {
    unsaved = next;
  }
  for (const listener of listeners) listener();
}

function subscribe(listener: () => void): () => void {
  listeners.add(listener);
  // Another window of the app changed them.
  const onStorage = (event: StorageEvent) => {
    if (event.key === PREFERENCES_KEY || event.key === null) listener();
  };
  window.addEventListener('storage', onStorage);
  return () => {
    listeners.delete(listener);
    window.removeEventListener('storage', onStorage);
  };
}

/** The current preferences and a setter that stores a change and re-renders every reader. */
export function usePreferences(): [Preferences, (change: Partial<Preferences>) => void] {
  const preferences = useSyncExternalStore(subscribe, readPreferences);
  const update = useCallback((change: Partial<Preferences>) => writePreferences(change), []);
  return [preferences, update];
}
