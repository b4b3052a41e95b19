import { useEffect, useState } from 'react';

const UNITS: [Intl.RelativeTimeFormatUnit, number][] = [
  ['day', 86_400_000],
  ['hour', 3_600_000],
  ['minute', 60_000],
];

/** "synced 3 minutes ago"; `now` is passed in so tests do not depend on the clock. */
export function describeDataAge(lastSyncAt: string | null, now: Date, locale?: string): string {
  if (!lastSyncAt) return 'never synced';
  const at = new Date(lastSyncAt);
  if (Number.isNaN(at.getTime())) return 'never synced';
  const elapsed = now.getTime() - at.getTime();
  if (elapsed < 60_000) return 'synced just now';
  const format = new Intl.RelativeTimeFormat(locale, { numeric: 'auto' });
  for (const [unit, ms] of UNITS) {
    if (elapsed >= ms) return `synced ${format.format(-Math.floor(elapsed / ms), unit)}`;
  }
  return 'synced just now';
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
