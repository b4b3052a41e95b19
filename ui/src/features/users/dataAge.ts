import type { TFunction } from 'i18next';
import { useEffect, useState } from 'react';

import type { Formatters } from '../../app/i18n/format';

const UNITS: [Intl.RelativeTimeFormatUnit, number][] = [
  ['day', 86_400_000],
  ['hour', 3_600_000],
  ['minute', 60_000],
];

/** "synced 3 minutes ago", in the admin's language; `now` is passed in so tests do not depend on the clock. */
export function describeDataAge(lastSyncAt: string | null, now: Date, t: TFunction, format: Formatters): string {
  if (!lastSyncAt) return t('dataAge.never');
  const at = new Date(lastSyncAt);
  if (Number.isNaN(at.getTime())) return t('dataAge.never');
  const elapsed = now.getTime() - at.getTime();
  for (const [unit, ms] of UNITS) {
    if (elapsed >= ms) return t('dataAge.ago', { age: format.relative(-Math.floor(elapsed / ms), unit) });
  }
  return t('dataAge.justNow');
}

/** The current time, refreshed every `intervalMs`, so relative ages stay true while the app is open. */
export function useNow(intervalMs = 30_000): Date {
  const [now, setNow] = useState(() => new Date());
  useEffect(() => {
    const timer = setInterval(() => setNow(new Date()), intervalMs);
    return () => clearInterval(timer);
  }, [intervalMs]);
  return now;
}
