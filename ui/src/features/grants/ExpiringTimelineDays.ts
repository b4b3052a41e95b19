import type { Grant } from '../../ipc';

const DAY_MS = 86_400_000;

/** The active grants that end on one calendar day, soonest first. */
export interface ExpiringDay {
  /** The day in the zone it was grouped in, `2026-11-27`. */
  day: string;
  /** Days from `now`'s day: 0 is today, 1 tomorrow. */
  offset: number;
  grants: Grant[];
}

interface Window {
  now: Date;
  leadTimeDays: number;
  /** The zone whose calendar days group the grants; the system's when absent (as the formatters use). */
  timeZone?: string | undefined;
}

/**
 * The active grants that end after `now` and within `leadTimeDays` of it, grouped by the calendar
 * day they end on in `timeZone`. The window is counted in hours from `now` (the same lead time
 * the expiry notification uses), the grouping in calendar days, so "tomorrow" means the next date
 * in the admin's zone, not 24 hours later.
 */
export function groupExpiringByDay(grants: readonly Grant[], { now, leadTimeDays, timeZone }: Window): ExpiringDay[] {
  const start = now.getTime();
  const end = start + leadTimeDays * DAY_MS;
  const dayOf = dayKeyFormat(timeZone);
  const today = dayOf(now);
  const ending = grants
    .map((grant) => ({ grant, until: Date.parse(grant.validUntil) }))
    // An unreadable end (NaN) fails both comparisons and is left out rather than guessed at.
    .filter(({ grant, until }) => grant.status === 'active' && until > start && until <= end)
    .sort((a, b) => a.until - b.until || a.grant.user.localeCompare(b.grant.user));
  const days: ExpiringDay[] = [];
  for (const { grant, until } of ending) {
    const day = dayOf(new Date(until));
    const last = days.at(-1);
    if (last?.day === day) last.grants.push(grant);
    else days.push({ day, offset: daysBetween(today, day), grants: [grant] });
  }
  return days;
}

/** `2026-11-27` for the calendar day an instant falls on in `timeZone`. */
function dayKeyFormat(timeZone: string | undefined): (time: Date) => string {
  const format = new Intl.DateTimeFormat('en-US', {
    year: 'numeric',
    month: '2-digit',
    day: '2-digit',
    ...(timeZone ? { timeZone } : {}),
  });
  return (time) => {
    const parts = Object.fromEntries(format.formatToParts(time).map((part) => [part.type, part.value]));
    return `${parts.year ?? ''}-${parts.month ?? ''}-${parts.day ?? ''}`;
  };
}

function daysBetween(from: string, to: string): number {
  return Math.round((Date.parse(`${to}T00:00:00Z`) - Date.parse(`${from}T00:00:00Z`)) / DAY_MS);
}
