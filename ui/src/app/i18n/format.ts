import { useTranslation } from 'react-i18next';

import { formattingLocale, isLanguage } from './languages';

export interface Formatters {
  /** Day and time with the zone it is shown in ("1 Dec 2026, 01:00 CET"): a grant window is unambiguous. */
  dateTime: (rfc3339: string) => string;
  /** The day alone, in the same zone. */
  date: (rfc3339: string) => string;
  number: (value: number) => string;
  /** "3 minutes ago", "gestern". */
  relative: (value: number, unit: Intl.RelativeTimeFormatUnit) => string;
  /** A length of time in the largest unit that keeps it readable: "41 seconds", "3 minutes", "1.5 hours". */
  duration: (seconds: number) => string;
}

/** An Intl formatter built on first use: building one loads locale data and is not cheap. */
function once<T>(build: () => T): () => T {
  let built: T | undefined;
  return () => (built ??= build());
}

/**
 * Formatters for `locale`, in `timeZone` (the system's when absent). A value that is not a date
 * is shown as it came, rather than as "Invalid Date". Each Intl formatter is built when first
 * used: a start that shows numbers only builds the number format.
 */
export function formattersFor(locale: string, timeZone?: string): Formatters {
  const zone = timeZone ? { timeZone } : {};
  const dateTime = once(
    () =>
      new Intl.DateTimeFormat(locale, {
        year: 'numeric',
        month: 'short',
        day: 'numeric',
        hour: '2-digit',
        minute: '2-digit',
        timeZoneName: 'short',
        ...zone,
      }),
  );
  const date = once(() => new Intl.DateTimeFormat(locale, { dateStyle: 'medium', ...zone }));
  const number = once(() => new Intl.NumberFormat(locale));
  const relative = once(() => new Intl.RelativeTimeFormat(locale, { numeric: 'auto' }));
  const unit = (name: 'second' | 'minute' | 'hour', digits: number) =>
    once(
      () => new Intl.NumberFormat(locale, { style: 'unit', unit: name, unitDisplay: 'long', maximumFractionDigits: digits }),
    );
  const [seconds, minutes, hours] = [unit('second', 0), unit('minute', 0), unit('hour', 1)];
  const duration = (value: number) => {
    if (value < 90) return seconds().format(Math.max(0, Math.round(value)));
    if (value < 90 * 60) return minutes().format(Math.round(value / 60));
    return hours().format(value / 3600);
  };
  const safely = (format: () => Intl.DateTimeFormat) => (rfc3339: string) => {
    const time = new Date(rfc3339);
    return Number.isNaN(time.getTime()) ? rfc3339 : format().format(time);
  };
  return {
    dateTime: safely(dateTime),
    date: safely(date),
    number: (value) => number().format(value),
    relative: (value, unit) => relative().format(value, unit),
    duration,
  };
}

/** One set of formatters per locale for the whole app (every table cell and header uses them). */
const SHARED = new Map<string, Formatters>();

// The shared formatters keep the system time zone they were built in, and a laptop that travels
// changes zone while the app runs: they are built afresh whenever the window comes back into
// view (after a sleep, or from behind other windows), so what renders next shows the new zone.
globalThis.document?.addEventListener('visibilitychange', () => {
  if (document.visibilityState === 'visible') SHARED.clear();
});

/** The formatters of the current language, in the system's time zone. */
export function useFormatters(): Formatters {
  const { i18n } = useTranslation();
  const language = isLanguage(i18n.resolvedLanguage) ? i18n.resolvedLanguage : 'en';
  const locale = formattingLocale(language);
  let formatters = SHARED.get(locale);
  if (!formatters) {
    formatters = formattersFor(locale);
    SHARED.set(locale, formatters);
  }
  return formatters;
}
