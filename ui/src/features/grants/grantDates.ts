/** A day as a date input holds it (`2026-12-31`), in UTC like the CLI's dates. */
export function dayOf(time: Date): string {
  return time.toISOString().slice(0, 10);
}

/** Midnight UTC of a date input's day, as RFC 3339: the same instant the CLI reads `2026-12-31` as. */
export function startOfDay(day: string): string {
  return `${day}T00:00:00Z`;
}

export function addDays(time: Date, days: number): Date {
  return new Date(time.getTime() + days * 86_400_000);
}

/** Whole days from one date input's day to another's (negative when `until` is earlier). */
export function daysBetween(from: string, until: string): number {
  return Math.round((Date.parse(startOfDay(until)) - Date.parse(startOfDay(from))) / 86_400_000);
}

