import { useMutation, useQuery } from '@tanstack/react-query';
import { useState } from 'react';

import { ErrorNotice } from '../../app/ErrorNotice';
import { exportAudit, listAudit, verifyAudit, type AuditCheck, type AuditEntry, type AuditFormat, type AuditQuery } from '../../ipc';
import { useDebouncedValue } from '../users/useDebouncedValue';
import { AUDIT_KEY } from '../changes/queryKeys';
import { offerDownload } from './offerDownload';

/** The newest entries shown; the export has the same filter and limit. */
export const AUDIT_SHOWN = 500;

const MIME: Record<AuditFormat, string> = { csv: 'text/csv', json: 'application/json' };

export function AuditScreen() {
  const [target, setTarget] = useState('');
  const debouncedTarget = useDebouncedValue(target.trim(), 200);
  const query: AuditQuery = { last: AUDIT_SHOWN, ...(debouncedTarget ? { target: debouncedTarget } : {}) };
  const entries = useQuery({ queryKey: [...AUDIT_KEY, query], queryFn: () => listAudit(query) });
  const verify = useMutation({ mutationFn: verifyAudit });
  const download = useMutation({
    mutationFn: async (format: AuditFormat) => {
      const text = await exportAudit(query, format);
      offerDownload(text, `bailiwick-audit.${format}`, MIME[format]);
    },
  });

  return (
    <section className="screen audit-screen" aria-labelledby="audit-title" data-testid="audit-screen">
      <h1 id="audit-title">Audit</h1>
      <div className="toolbar">
        <input
          type="search"
          className="search"
          aria-label="Filter by target"
          placeholder="Filter by target (user, grant id)"
          value={target}
          onChange={(e) => setTarget(e.target.value)}
          spellCheck={false}
        />
        <button type="button" onClick={() => verify.mutate()} disabled={verify.isPending}>
          {verify.isPending ? 'Verifying…' : 'Verify'}
        </button>
        <button type="button" onClick={() => download.mutate('csv')} disabled={download.isPending}>
          Export CSV
        </button>
        <button type="button" onClick={() => download.mutate('json')} disabled={download.isPending}>
          Export JSON
        </button>
      </div>
      {verify.isError && <ErrorNotice error={verify.error} testId="verify-error" />}
      {verify.data && <VerifyResult check={verify.data} />}
      {download.isError && <ErrorNotice error={download.error} testId="export-error" />}
      {entries.isPending ? (
        <div className="table-state" data-testid="audit-loading" aria-busy="true">
          Loading the audit log…
        </div>
      ) : entries.isError ? (
        <ErrorNotice error={entries.error} testId="audit-error" />
      ) : entries.data.length === 0 ? (
        <div className="table-state" data-testid="audit-empty">
          {debouncedTarget ? `No audit entry about “${debouncedTarget}”.` : 'Nothing has been done through Bailiwick yet.'}
        </div>
      ) : (
        <AuditTable entries={entries.data} />
      )}
    </section>
  );
}

function VerifyResult({ check }: { check: AuditCheck }) {
  if (check.intact) {
    return (
      <div className="notice" role="status" data-testid="verify-result" data-intact="true">
        The audit log is intact{check.entries !== undefined ? ` (${check.entries} entries checked)` : ''}.
      </div>
    );
  }
  return (
    <div className="notice notice--error" role="alert" data-testid="verify-result" data-intact="false">
      <strong>The audit log has problems:</strong>
      <ul>
        {check.problems.map((problem) => (
          <li key={problem}>{problem}</li>
        ))}
      </ul>
    </div>
  );
}

function AuditTable({ entries }: { entries: AuditEntry[] }) {
  return (
    <table className="audit-table" aria-label="Audit entries" data-testid="audit-table">
      <thead>
        <tr>
          <th scope="col">#</th>
          <th scope="col">When</th>
          <th scope="col">Who</th>
          <th scope="col">Action</th>
          <th scope="col">Target</th>
          <th scope="col">Outcome</th>
          <th scope="col">Detail</th>
        </tr>
      </thead>
      <tbody>
        {entries.map((entry) => (
          <tr key={entry.seq} data-testid="audit-row" data-outcome={entry.outcome}>
            <td>{entry.seq}</td>
            <td title={entry.at}>{entry.at.slice(0, 19).replace('T', ' ')}</td>
            <td>{entry.actor}</td>
            <td className="mono">{entry.action}</td>
            <td>{entry.target}</td>
            <td>
              <span className={`chip chip--${entry.outcome}`}>{entry.outcome}</span>
              {entry.rule && <span className="chip"> rule {entry.rule}</span>}
            </td>
            <td>{entry.detail ?? ''}</td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}
