import { useQuery } from '@tanstack/react-query';
import { useState } from 'react';

import { ErrorNotice } from '../../app/ErrorNotice';
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
import { GrantsTable } from './GrantsTable';
import { IssueGrantForm } from './IssueGrantForm';

const STATUSES: readonly GrantStatus[] = ['pending', 'active', 'expired', 'revoked', 'rejected'];

function isStatus(value: string): value is GrantStatus {
  return (STATUSES as readonly string[]).includes(value);
}

export function GrantsScreen() {
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
      <h1 id="grants-title">Grants</h1>
      {mode.data && (
        <p className="notice" data-testid="grant-mode">
          <strong>Grant mode: {mode.data.mode}.</strong> {mode.data.explanation}
        </p>
      )}
      {mode.isError && <ErrorNotice error={mode.error} testId="grant-mode-error" />}
      <div className="toolbar">
        <label>
          Status
          <select value={status} onChange={(e) => setStatus(isStatus(e.target.value) ? e.target.value : '')}>
            <option value="">All</option>
            {STATUSES.map((s) => (
              <option key={s} value={s}>
                {s}
              </option>
            ))}
          </select>
        </label>
        <label>
          Expiring within (days)
          <input
            type="number"
            min={0}
            value={expiringWithin}
            onChange={(e) => setExpiringWithin(e.target.value)}
            className="narrow"
          />
        </label>
        <button type="button" className="primary" onClick={() => setIssuing((v) => !v)} aria-expanded={issuing}>
          {issuing ? 'Close the form' : 'New grant'}
        </button>
      </div>
      {issuing && <IssueGrantForm busy={change.busy} onIssue={(request) => change.run(() => issueGrant(request))} />}
      {change.error !== null && <ErrorNotice error={change.error} testId="change-error" />}
      {change.outcome && <ChangeOutcomeNotice outcome={change.outcome} />}
      {grants.isPending ? (
        <div className="table-state" data-testid="grants-loading" aria-busy="true">
          Loading grants…
        </div>
      ) : grants.isError ? (
        <ErrorNotice error={grants.error} testId="grants-error" />
      ) : grants.data.length === 0 ? (
        <div className="table-state" data-testid="grants-empty">
          {status || expiringWithin ? 'No grant matches these filters.' : 'No grants in your business units.'}
        </div>
      ) : (
        <GrantsTable
          grants={grants.data}
          busy={change.busy}
          onExtend={(grant, until) => change.run(() => extendGrant(grant.id, until))}
          onRevoke={(grant) => change.run(() => revokeGrant(grant.id))}
          onApprove={(grant) => change.run(() => approveGrant(grant.id))}
          onReject={(grant) => change.run(() => rejectGrant(grant.id))}
        />
      )}
    </section>
  );
}
