import i18next, { type i18n } from 'i18next';
import { initReactI18next } from 'react-i18next';

import { de } from './de';
import { en } from './en';
import { fr } from './fr';
import { ja } from './ja';
import type { Language } from './languages';

/** Every locale, bundled into the app: the UI never loads texts over the network or from the core. */
export const RESOURCES = {
  en: { translation: en },
  de: { translation: de },
  fr: { translation: fr },
  ja: { translation: ja },
} as const;

/**
 * The app's one i18next instance, initialised synchronously (the texts are in the bundle), so
 * the first render is already in the right language and components need no Suspense.
 */
export function initI18n(language: Language): i18n {
  if (!i18next.isInitialized) {
    void i18next.use(initReactI18next).init({
      resources: RESOURCES,
      lng: language,
      fallbackLng: 'en',
      supportedLngs: ['en', 'de', 'fr', 'ja'],
      initAsync: false,
      // React escapes what it renders; escaping here too would show `&amp;` in names.
      interpolation: { escapeValue: false },
      returnNull: false,
    });
  } else if (i18next.language !== language) {
    void i18next.changeLanguage(language);
  }
  return i18next;
}
