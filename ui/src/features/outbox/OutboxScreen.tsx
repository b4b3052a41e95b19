import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';

import { ErrorNotice } from '../../app/ErrorNotice';
import { listConflicts, listOutbox, pushOutbox, resolveConflict, type Conflict, type OutboxEntry, type PushReport } from '../../ipc';
import { CONFLICTS_KEY, OUTBOX_KEY } from '../changes/queryKeys';
import { CHANGED_BY_A_CHANGE } from '../changes/useChange';

export function OutboxScreen() {
  const queryClient = useQueryClient();
  const outbox = useQuery({ queryKey: OUTBOX_KEY, queryFn: listOutbox });
  const conflicts = useQuery({ queryKey: CONFLICTS_KEY, queryFn: listConflicts });
  const refresh = async () => {
    await Promise.all(CHANGED_BY_A_CHANGE.map((queryKey) => queryClient.invalidateQueries({ queryKey })));
  };
  const push = useMutation({ mutationFn: pushOutbox, onSettled: refresh });
  const resolve = useMutation({
    mutationFn: ({ id, keepMine }: { id: number; keepMine: boolean }) => resolveConflict(id, keepMine),
    onSettled: refresh,
  });
  const pending = outbox.data?.filter((e) => e.state !== 'conflict') ?? [];

  return (
    <section className="screen outbox-screen" aria-labelledby="outbox-title" data-testid="outbox-screen">
      <h1 id="outbox-title">Outbox</h1>
      <div className="toolbar">
        <button type="button" className="primary" onClick={() => push.mutate()} disabled={push.isPending}>
          {push.isPending ? 'Sending…' : 'Send now'}
        </button>
      </div>
      {push.isError && <ErrorNotice error={push.error} testId="push-error" />}
      {push.data && <PushSummary report={push.data} />}
      {outbox.isPending ? (
        <div className="table-state" data-testid="outbox-loading" aria-busy="true">
          Loading the outbox…
        </div>
      ) : outbox.isError ? (
        <ErrorNotice error={outbox.error} testId="outbox-error" />
      ) : pending.length === 0 ? (
        <div className="table-state" data-testid="outbox-empty">
          Nothing waiting: every change has been sent.
        </div>
      ) : (
        <OutboxTable entries={pending} />
      )}

      <h2>Conflicts</h2>
      {resolve.isError && <ErrorNotice error={resolve.error} testId="resolve-error" />}
      {resolve.data?.notSent && (
        <div className="notice notice--offline" role="status" data-testid="resolve-queued">
          Your change is queued again and will be sent when the IAM can be reached. ({resolve.data.notSent})
        </div>
      )}
      {conflicts.isPending ? (
        <div className="table-state" data-testid="conflicts-loading" aria-busy="true">
          Loading conflicts…
        </div>
      ) : conflicts.isError ? (
        <ErrorNotice error={conflicts.error} testId="conflicts-error" />
      ) : conflicts.data.length === 0 ? (
        <div className="table-state" data-testid="conflicts-empty">
          No conflicts.
        </div>
      ) : (
        conflicts.data.map((conflict) => (
          <ConflictView
            key={conflict.id}
            conflict={conflict}
            busy={resolve.isPending}
            onResolve={(keepMine) => resolve.mutate({ id: conflict.id, keepMine })}
          />
        ))
      )}
    </section>
  );
}

function PushSummary({ report }: { report: PushReport }) {
  return (
    <div className="notice" role="status" data-testid="push-report">
      Sent: {report.applied} applied, {report.failed} failed, {report.conflicts} conflicts, {report.remaining} still
      queued.{report.stopped ? ` Stopped early: ${report.stopped}` : ''}
    </div>
  );
}

function OutboxTable({ entries }: { entries: OutboxEntry[] }) {
  return (
    <table className="outbox-table" aria-label="Outbox" data-testid="outbox-table">
      <thead>
        <tr>
          <th scope="col">Recorded</th>
          <th scope="col">Change</th>
          <th scope="col">State</th>
          <th scope="col">Attempts</th>
          <th scope="col">Error</th>
        </tr>
      </thead>
      <tbody>
        {entries.map((entry) => (
          <tr key={entry.id} data-testid="outbox-row" data-state={entry.state}>
            <td title={entry.createdAt}>{entry.createdAt.slice(0, 16).replace('T', ' ')}</td>
            <td>
              {entry.action} {entry.target}
            </td>
            <td>
              <span className={`chip chip--${entry.state}`}>{entry.state}</span>
            </td>
            <td>{entry.attempts}</td>
            <td data-testid="outbox-error-cell">
              {entry.lastError ?? ''}
              {entry.rule && <span className="chip"> rule {entry.rule}</span>}
            </td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}

interface ConflictViewProps {
  conflict: Conflict;
  busy: boolean;
  onResolve: (keepMine: boolean) => void;
}

function ConflictView({ conflict, busy, onResolve }: ConflictViewProps) {
  const what = `${conflict.action} ${conflict.target}`;
  return (
    <article className="conflict" aria-label={`Conflict: ${what}`} data-testid="conflict">
      <h3>{what}</h3>
      <div className="side-by-side">
        <figure>
          <figcaption>Mine (your change, based on version {conflict.baseVersion ?? 'unknown'})</figcaption>
          <pre data-testid="conflict-mine">{JSON.stringify(conflict.mine, null, 2)}</pre>
        </figure>
        <figure>
          <figcaption>Theirs (the directory now, version {conflict.theirsVersion ?? 'unknown'})</figcaption>
          <pre data-testid="conflict-theirs">
            {conflict.theirs === null ? 'The directory no longer has this resource.' : JSON.stringify(conflict.theirs, null, 2)}
          </pre>
        </figure>
      </div>
      <div className="toolbar">
        <button type="button" disabled={busy} aria-label={`Keep mine: ${what}`} onClick={() => onResolve(true)}>
          Keep mine
        </button>
        <button type="button" disabled={busy} aria-label={`Take theirs: ${what}`} onClick={() => onResolve(false)}>
          Take theirs
        </button>
      </div>
    </article>
  );
}
