/** The languages Bailiwick ships texts for; every one is bundled, none is fetched. */
export const LANGUAGES = ['en', 'de', 'fr', 'ja'] as const;
export type Language = (typeof LANGUAGES)[number];

/** Each language by its own name, as a language menu shows it whatever the current language is. */
export const LANGUAGE_NAMES: Record<Language, string> = {
  en: 'English',
  de: 'Deutsch',
  fr: 'Français',
  ja: '日本語',
};

export function isLanguage(value: unknown): value is Language {
  return typeof value === 'string' && (LANGUAGES as readonly string[]).includes(value);
}

/** The first of the system's preferred languages that Bailiwick speaks (`de-AT` → `de`); else English. */
export function systemLanguage(preferred: readonly string[] = systemLocales()): Language {
  for (const tag of preferred) {
    const base = tag.toLowerCase().split('-')[0];
    if (isLanguage(base)) return base;
  }
  return 'en';
}

/** The system's locale tags, most preferred first (`navigator.languages` falls back to `navigator.language`). */
export function systemLocales(): readonly string[] {
  if (typeof navigator === 'undefined') return [];
  return navigator.languages.length > 0 ? navigator.languages : [navigator.language];
}

/**
 * The locale dates and numbers are formatted in: the system's own tag when it is of the chosen
 * language (an admin in Vienna gets `de-AT` dates), else the language itself.
 */
export function formattingLocale(language: Language, preferred: readonly string[] = systemLocales()): string {
  return preferred.find((tag) => tag.toLowerCase().split('-')[0] === language) ?? language;
}
