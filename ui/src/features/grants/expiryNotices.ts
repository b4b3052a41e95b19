import type { Grant } from '../../ipc';
import { groupExpiringByDay } from './ExpiringTimelineDays';

/**
 * Which expiring grants to announce, and the memory of those already announced. A notice is
 * remembered by grant *and* end: extending a grant gives it a new end, so it is announced again
 * when that end comes near, while an unchanged grant is announced once however often the grants
 * are read, the app restarted, or the lead time changed.
 */

/** localStorage key of the announced notices: a JSON array of `noticeKey`s. */
export const NOTIFIED_KEY = 'bailiwick.expiryNotified';

/** `g-1@1796083200000`: the grant and the instant it ends (parsed, so `Z` and `+00:00` agree). */
export function noticeKey(grant: Grant): string {
  return `${grant.id}@${Date.parse(grant.validUntil)}`;
}

/** The instant a key's notice is about; NaN for a key that is not one. */
function endOf(key: string): number {
  return Number(key.slice(key.lastIndexOf('@') + 1));
}

interface DueWindow {
  now: Date;
  leadTimeDays: number;
  notified: ReadonlySet<string>;
}

/**
 * The active grants that end within the lead time and were not announced yet, soonest first.
 * The window is the Expiring soon timeline's, so a notice never names a grant the Grants screen
 * does not list there.
 */
export function dueNotices(grants: readonly Grant[], { now, leadTimeDays, notified }: DueWindow): Grant[] {
  return groupExpiringByDay(grants, { now, leadTimeDays })
    .flatMap((day) => day.grants)
    .filter((grant) => !notified.has(noticeKey(grant)));
}

/** The keys still worth keeping: a notice whose end has passed can never be due again. */
export function pruneNotified(keys: ReadonlySet<string>, now: Date): Set<string> {
  return new Set([...keys].filter((key) => endOf(key) > now.getTime()));
}

/** Set when storage refused a write, so that notices are not repeated until the app closes. */
let unsaved: Set<string> | null = null;

/** The announced notices; unreadable or foreign contents count as none. */
export function readNotified(): Set<string> {
  if (unsaved) return new Set(unsaved);
  let raw: string | null;
  try {
    raw = window.localStorage.getItem(NOTIFIED_KEY);
  } catch {
    return new Set();
  }
  if (raw === null) return new Set();
  try {
    const stored: unknown = JSON.parse(raw);
    return new Set(Array.isArray(stored) ? stored.filter((key): key is string => typeof key === 'string') : []);
  } catch {
    return new Set();
  }
}

export function writeNotified(keys: ReadonlySet<string>): void {
  try {
    window.localStorage.setItem(NOTIFIED_KEY, JSON.stringify([...keys]));
    unsaved = null;
  } catch {
    unsaved = new Set(keys);
  }
}
