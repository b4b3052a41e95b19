import { useQuery } from '@tanstack/react-query';
import { useMemo } from 'react';
import { useTranslation } from 'react-i18next';

import { useFormatters } from '../../app/i18n/format';
import { formattingLocale, isLanguage } from '../../app/i18n/languages';
import { usePreferences } from '../../app/preferences';
import { QueryState } from '../../app/QueryState';
import { listGrants, type GrantQuery } from '../../ipc';
import { GRANTS_KEY } from '../changes/queryKeys';
import { groupExpiringByDay, type ExpiringDay } from './ExpiringTimelineDays';

/**
 * Every grant, unfiltered: the same query (and cache entry) as the Grants list without filters,
 * so the timeline costs no read of its own, and it stays whole while the admin filters the list.
 * The window is applied here rather than with `expiringWithinDays`, so that the lead time and
 * "today" are the admin's, in their zone.
 */
const ALL_GRANTS: GrantQuery = {};

interface ExpiringTimelineProps {
  /** The moment "today" and the lead time count from; by default, when the grants were read. */
  now?: Date;
}

/** The active grants ending within the notification lead time, grouped by the day they end. */
export function ExpiringTimeline({ now }: ExpiringTimelineProps) {
  const { t } = useTranslation();
  const [{ leadTimeDays }] = usePreferences();
  const grants = useQuery({ queryKey: [...GRANTS_KEY, ALL_GRANTS], queryFn: () => listGrants(ALL_GRANTS) });
  // Counting from when the grants were read keeps render pure and moves "today" on with each refresh.
  const asOf = now?.getTime() ?? grants.dataUpdatedAt;
  const days = useMemo(
    () => (grants.data ? groupExpiringByDay(grants.data, { now: new Date(asOf), leadTimeDays }) : []),
    [grants.data, asOf, leadTimeDays],
  );

  return (
    <section className="expiring" aria-labelledby="expiring-title" data-testid="expiring-timeline">
      <h2 id="expiring-title">{t('expiring.title', { count: leadTimeDays })}</h2>
      <QueryState
        query={grants}
        name="expiring"
        loading={t('grants.loading')}
        isEmpty={() => days.length === 0}
        empty={t('expiring.empty', { count: leadTimeDays })}
      >
        {() => (
          <ol className="role-list expiring-days" aria-label={t('expiring.list')}>
            {days.map((day) => (
              <ExpiringDayItem key={day.day} day={day} />
            ))}
          </ol>
        )}
      </QueryState>
    </section>
  );
}

function ExpiringDayItem({ day }: { day: ExpiringDay }) {
  const { t, i18n } = useTranslation();
  const format = useFormatters();
  const language = isLanguage(i18n.resolvedLanguage) ? i18n.resolvedLanguage : 'en';
  const first = day.grants[0];
  const label =
    day.offset === 0
      ? t('expiring.today')
      : day.offset === 1
        ? t('expiring.tomorrow')
        : first
          ? new Intl.DateTimeFormat(formattingLocale(language), { weekday: 'long', day: 'numeric', month: 'long' }).format(
              new Date(first.validUntil),
            )
          : day.day;
  const headingId = `expiring-day-${day.day}`;
  return (
    <li data-testid="expiring-day" data-day={day.day} data-offset={day.offset}>
      <h3 id={headingId} className="small">
        {label} <span className="chip">{t('expiring.count', { count: day.grants.length })}</span>
      </h3>
      <ul aria-labelledby={headingId}>
        {day.grants.map((grant) => (
          <li key={grant.id} data-testid="expiring-grant" data-grant-id={grant.id}>
            <span className="mono">{grant.user}</span> · {grant.role} ·{' '}
            <time dateTime={grant.validUntil}>{t('expiring.ends', { time: format.dateTime(grant.validUntil) })}</time>
          </li>
        ))}
      </ul>
    </li>
  );
}
