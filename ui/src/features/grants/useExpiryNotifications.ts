import { useQuery } from '@tanstack/react-query';
import { useEffect, useRef, useState } from 'react';
import { useTranslation } from 'react-i18next';

import { useFormatters } from '../../app/i18n/format';
import { usePreferences } from '../../app/preferences';
import { listGrants, mayShowNotifications, showNotification, type Grant, type GrantQuery } from '../../ipc';
import { GRANTS_KEY } from '../changes/queryKeys';
import { dueNotices, noticeKey, pruneNotified, readNotified, writeNotified } from './expiryNotices';

/**
 * Every grant, unfiltered: the same query (and cache entry) as the Grants list without filters and
 * the Expiring soon timeline, so the notices cost no read of their own when those are shown, and a
 * sync — which invalidates every query — reads them afresh.
 */
const ALL_GRANTS: GrantQuery = {};

/** Reads go to the local cache, so this is cheap; it moves "now" on while the app stays open. */
export const EXPIRY_CHECK_INTERVAL_MS = 15 * 60_000;

/**
 * The first check waits this long after the workspace opens: the start belongs to the users
 * table, and reading every grant at the same moment slowed its first rows.
 */
export const FIRST_CHECK_DELAY_MS = 3_000;

const systemClock = () => new Date();

interface ExpiryNotificationOptions {
  /** "Now" for the lead time; tests pass a fixed one. Must be stable across renders. */
  clock?: () => Date;
  /** How long after mounting the first check runs (`FIRST_CHECK_DELAY_MS`). */
  firstCheckDelayMs?: number;
}

/**
 * Desktop notifications for the grants the admin manages that end within their notification lead
 * time (Settings): each grant once per end, one notice summing up when several are due at once.
 * Permission is asked once, the first time something is due; when it is refused, nothing is
 * shown, nothing is remembered (so the notices come if it is granted later), and no error either.
 * Mounted by the workspace shell, so it runs whatever screen is open.
 */
export function useExpiryNotifications({
  clock = systemClock,
  firstCheckDelayMs = FIRST_CHECK_DELAY_MS,
}: ExpiryNotificationOptions = {}): void {
  const { t } = useTranslation();
  const format = useFormatters();
  const [{ leadTimeDays }] = usePreferences();
  const [started, setStarted] = useState(firstCheckDelayMs <= 0);
  useEffect(() => {
    if (started) return;
    const timer = setTimeout(() => setStarted(true), firstCheckDelayMs);
    return () => clearTimeout(timer);
  }, [started, firstCheckDelayMs]);
  const grants = useQuery({
    queryKey: [...GRANTS_KEY, ALL_GRANTS],
    queryFn: () => listGrants(ALL_GRANTS),
    enabled: started,
    refetchInterval: EXPIRY_CHECK_INTERVAL_MS,
    refetchIntervalInBackground: true,
  });
  const permission = useRef<Promise<boolean> | null>(null);
  // One check at a time, each reading what the last one remembered: React may run the effect
  // twice (StrictMode), and a refetch may land while the permission question is still open.
  const checks = useRef<Promise<void>>(Promise.resolve());

  const data = grants.data;
  const readAt = grants.dataUpdatedAt;
  useEffect(() => {
    if (!data) return;
    // One grant by its name; several summed up, led by the first to end.
    const describe = (due: Grant[], first: Grant) => {
      const about = { role: first.role, user: first.user, bu: first.bu, time: format.dateTime(first.validUntil) };
      return due.length === 1
        ? { title: t('expiryNotice.oneTitle'), body: t('expiryNotice.oneBody', about) }
        : { title: t('expiryNotice.severalTitle', { count: due.length }), body: t('expiryNotice.severalBody', about) };
    };
    const check = async () => {
      const now = clock();
      const stored = readNotified();
      const notified = pruneNotified(stored, now);
      const due = dueNotices(data, { now, leadTimeDays, notified });
      const [first] = due;
      if (!first) {
        if (notified.size !== stored.size) writeNotified(notified);
        return;
      }
      permission.current ??= mayShowNotifications();
      if (!(await permission.current)) return;
      const { title, body } = describe(due, first);
      showNotification(title, body);
      writeNotified(new Set([...notified, ...due.map(noticeKey)]));
    };
    // A failed check must not stop the ones after it.
    checks.current = checks.current.then(check).catch(() => undefined);
  }, [data, readAt, leadTimeDays, clock, t, format]);
}
