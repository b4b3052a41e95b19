import { useMutation, useQuery } from '@tanstack/react-query';
import { useState } from 'react';

import { ErrorNotice } from '../../app/ErrorNotice';
import {
  exportAudit,
  listAudit,
  listServerAudit,
  verifyAudit,
  type AuditCheck,
  type AuditEntry,
  type AuditFormat,
  type AuditQuery,
  type ServerAuditEvent,
} from '../../ipc';
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
      <ServerAuditPanel />
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

/** The directory's newest events shown beside the local log. */
export const SERVER_AUDIT_SHOWN = 200;

/**
 * The directory's own audit events: what every admin (and the directory itself, as expiries)
 * did, not only what this machine did. It needs the network, so offline it says so and the
 * local log above still works.
 */
function ServerAuditPanel() {
  const events = useQuery({
    queryKey: [...AUDIT_KEY, 'directory', SERVER_AUDIT_SHOWN],
    queryFn: () => listServerAudit(SERVER_AUDIT_SHOWN),
  });
  return (
    <section className="server-audit" aria-labelledby="server-audit-title" data-testid="server-audit">
      <h2 id="server-audit-title">Directory's events</h2>
      {events.isPending ? (
        <div className="table-state" data-testid="server-audit-loading" aria-busy="true">
          Asking the directory for its audit events…
        </div>
      ) : events.isError ? (
        <ErrorNotice error={events.error} testId="server-audit-error" />
      ) : events.data === null ? (
        <div className="table-state" data-testid="server-audit-none">
          The directory keeps no audit events of its own; the local log above is the record.
        </div>
      ) : events.data.length === 0 ? (
        <div className="table-state" data-testid="server-audit-empty">
          The directory has no audit events yet.
        </div>
      ) : (
        <ServerAuditTable events={events.data} />
      )}
    </section>
  );
}

function ServerAuditTable({ events }: { events: ServerAuditEvent[] }) {
  return (
    <table className="audit-table" aria-label="Directory's audit events" data-testid="server-audit-table">
      <thead>
        <tr>
          <th scope="col">When</th>
          <th scope="col">Who</th>
          <th scope="col">Action</th>
          <th scope="col">Target</th>
          <th scope="col">Outcome</th>
        </tr>
      </thead>
      <tbody>
        {events.map((event, index) => (
          <tr key={typeof event.id === 'string' ? event.id : index} data-testid="server-audit-row" data-outcome={event.outcome}>
            <td title={event.time}>{event.time ? event.time.slice(0, 19).replace('T', ' ') : ''}</td>
            <td>{event.actor ?? ''}</td>
            <td className="mono">{event.action ?? ''}</td>
            <td>{event.target?.display ?? event.target?.value ?? ''}</td>
            <td>
              {event.outcome && <span className={`chip chip--${event.outcome}`}>{event.outcome}</span>}
            </td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}
