import { useEffect, useState } from 'react';

import { initI18n } from './i18n/i18n';
import { systemLanguage, type Language } from './i18n/languages';
import type { LanguageChoice, Preferences, ThemeChoice } from './preferences';

export type Theme = 'light' | 'dark';

const DARK_QUERY = '(prefers-color-scheme: dark)';

function systemPrefersDark(): boolean {
  return typeof window.matchMedia === 'function' && window.matchMedia(DARK_QUERY).matches;
}

export function resolveTheme(choice: ThemeChoice, prefersDark: boolean = systemPrefersDark()): Theme {
  if (choice === 'system') return prefersDark ? 'dark' : 'light';
  return choice;
}

export function resolveLanguage(choice: LanguageChoice): Language {
  return choice === 'system' ? systemLanguage() : choice;
}

/**
 * Puts preferences into effect on the document: the `data-theme` the stylesheet keys its
 * colours on, the `lang` screen readers and hyphenation read, and i18next's language. Called
 * once before the first render (no flash of the wrong theme or language) and on every change.
 */
export function applyPreferences(preferences: Pick<Preferences, 'language' | 'theme'>, prefersDark?: boolean): void {
  const root = document.documentElement;
  const language = resolveLanguage(preferences.language);
  root.dataset.theme = resolveTheme(preferences.theme, prefersDark);
  root.lang = language;
  initI18n(language);
}

/** Whether the system is in dark mode now, following the system's switch while the app runs. */
function useSystemPrefersDark(): boolean {
  const [dark, setDark] = useState(systemPrefersDark);
  useEffect(() => {
    if (typeof window.matchMedia !== 'function') return;
    const query = window.matchMedia(DARK_QUERY);
    const onChange = (event: MediaQueryListEvent) => setDark(event.matches);
    query.addEventListener('change', onChange);
    return () => query.removeEventListener('change', onChange);
  }, []);
  return dark;
}

/** The system's preferred languages as they change (the `languagechange` event), for "System". */
function useSystemLanguages(): string {
  const [languages, setLanguages] = useState(() => navigator.languages.join(','));
  useEffect(() => {
    const onChange = () => setLanguages(navigator.languages.join(','));
    window.addEventListener('languagechange', onChange);
    return () => window.removeEventListener('languagechange', onChange);
  }, []);
  return languages;
}

/** Keeps the document in step with the preferences and, for "System", with the system itself. */
export function useAppliedPreferences({ language, theme }: Preferences): void {
  const prefersDark = useSystemPrefersDark();
  const systemLanguages = useSystemLanguages();
  useEffect(() => {
    applyPreferences({ language, theme }, prefersDark);
  }, [language, theme, prefersDark, systemLanguages]);
}
