import { useQuery } from '@tanstack/react-query';
import { useState } from 'react';
import { useTranslation } from 'react-i18next';

import { ErrorNotice } from '../../app/ErrorNotice';
import { QueryState } from '../../app/QueryState';
import {
  approveGrant,
  extendGrant,
  getGrantMode,
  issueGrant,
  listGrants,
  rejectGrant,
  revokeGrant,
  type GrantQuery,
  type GrantStatus,
} from '../../ipc';
import { ChangeOutcomeNotice } from '../changes/ChangeOutcomeNotice';
import { GRANT_MODE_KEY, GRANTS_KEY } from '../changes/queryKeys';
import { useChange } from '../changes/useChange';
import { ExpiringTimeline } from './ExpiringTimeline';
import { GrantsTable } from './GrantsTable';
import { IssueGrantForm } from './IssueGrantForm';

const STATUSES: readonly GrantStatus[] = ['pending', 'active', 'expired', 'revoked', 'rejected'];

function isStatus(value: string): value is GrantStatus {
  return (STATUSES as readonly string[]).includes(value);
}

export function GrantsScreen() {
  const { t } = useTranslation();
  const [status, setStatus] = useState<GrantStatus | ''>('');
  const [expiringWithin, setExpiringWithin] = useState('');
  const [issuing, setIssuing] = useState(false);
  const days = Number.parseInt(expiringWithin, 10);
  const query: GrantQuery = {
    ...(status ? { status } : {}),
    ...(Number.isFinite(days) && days >= 0 ? { expiringWithinDays: days } : {}),
  };
  const grants = useQuery({ queryKey: [...GRANTS_KEY, query], queryFn: () => listGrants(query) });
  const mode = useQuery({ queryKey: GRANT_MODE_KEY, queryFn: getGrantMode });
  const change = useChange();

  return (
    <section className="screen grants-screen" aria-labelledby="grants-title" data-testid="grants-screen">
      <h1 id="grants-title">{t('grants.title')}</h1>
      {mode.data && (
        <p className="notice" data-testid="grant-mode">
          <strong>{t('grants.mode', { mode: mode.data.mode })}</strong> {mode.data.explanation}
        </p>
      )}
      {mode.isError && <ErrorNotice error={mode.error} testId="grant-mode-error" />}
      <div className="toolbar">
        <label>
          {t('common.status')}
          <select value={status} onChange={(e) => setStatus(isStatus(e.target.value) ? e.target.value : '')}>
            <option value="">{t('grants.all')}</option>
            {STATUSES.map((s) => (
              <option key={s} value={s}>
                {t(`grants.status.${s}`)}
              </option>
            ))}
          </select>
        </label>
        <label>
          {t('grants.expiringWithin')}
          <input
            type="number"
            min={0}
            value={expiringWithin}
            onChange={(e) => setExpiringWithin(e.target.value)}
            className="narrow"
          />
        </label>
        <button type="button" className="primary" onClick={() => setIssuing((v) => !v)} aria-expanded={issuing}>
          {issuing ? t('grants.closeForm') : t('grants.newGrant')}
        </button>
      </div>
      {issuing && <IssueGrantForm busy={change.busy} onIssue={(request) => change.run(() => issueGrant(request))} />}
      {change.error !== null && <ErrorNotice error={change.error} testId="change-error" />}
      {change.outcome && <ChangeOutcomeNotice outcome={change.outcome} />}
      <QueryState
        query={grants}
        name="grants"
        loading={t('grants.loading')}
        isEmpty={(data) => data.length === 0}
        empty={status || expiringWithin ? t('grants.emptyFiltered') : t('grants.empty')}
      >
        {(data) => (
          <GrantsTable
            grants={data}
            busy={change.busy}
            onExtend={(grant, until) => change.run(() => extendGrant(grant.id, until))}
            onRevoke={(grant) => change.run(() => revokeGrant(grant.id))}
            onApprove={(grant) => change.run(() => approveGrant(grant.id))}
            onReject={(grant) => change.run(() => rejectGrant(grant.id))}
          />
        )}
      </QueryState>
      <ExpiringTimeline />
    </section>
  );
}
