import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { useTranslation } from 'react-i18next';

import { ErrorNotice } from '../../app/ErrorNotice';
import { useFormatters } from '../../app/i18n/format';
import { QueryState } from '../../app/QueryState';
import { listConflicts, listOutbox, pushOutbox, resolveConflict, type Conflict, type OutboxEntry, type PushReport } from '../../ipc';
import { describeOperation } from '../changes/describeOperation';
import { CONFLICTS_KEY, OUTBOX_KEY } from '../changes/queryKeys';
import { PushReportText } from '../changes/PushReportText';
import { CHANGED_BY_A_CHANGE } from '../changes/useChange';

export function OutboxScreen() {
  const { t } = useTranslation();
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
      <h1 id="outbox-title">{t('outbox.title')}</h1>
      <div className="toolbar">
        <button type="button" className="primary" onClick={() => push.mutate()} disabled={push.isPending}>
          {push.isPending ? t('outbox.sending') : t('outbox.sendNow')}
        </button>
      </div>
      {push.isError && <ErrorNotice error={push.error} testId="push-error" />}
      {push.data && <PushSummary report={push.data} />}
      <QueryState
        query={outbox}
        name="outbox"
        loading={t('outbox.loading')}
        isEmpty={() => pending.length === 0}
        empty={t('outbox.empty')}
      >
        {() => <OutboxTable entries={pending} />}
      </QueryState>

      <h2>{t('outbox.conflicts')}</h2>
      {resolve.isError && <ErrorNotice error={resolve.error} testId="resolve-error" />}
      {resolve.data?.notSent && (
        <div className="notice notice--offline" role="status" data-testid="resolve-queued">
          {t('outbox.requeued', { reason: resolve.data.notSent })}
        </div>
      )}
      <QueryState
        query={conflicts}
        name="conflicts"
        loading={t('outbox.loadingConflicts')}
        isEmpty={(data) => data.length === 0}
        empty={t('outbox.noConflicts')}
      >
        {(data) =>
          data.map((conflict) => (
            <ConflictView
              key={conflict.id}
              conflict={conflict}
              busy={resolve.isPending}
              onResolve={(keepMine) => resolve.mutate({ id: conflict.id, keepMine })}
            />
          ))
        }
      </QueryState>
    </section>
  );
}

function PushSummary({ report }: { report: PushReport }) {
  return (
    <div className="notice" role="status" data-testid="push-report">
      <PushReportText report={report} />
    </div>
  );
}

function OutboxTable({ entries }: { entries: OutboxEntry[] }) {
  const { t } = useTranslation();
  const format = useFormatters();
  return (
    <table className="outbox-table" aria-label={t('outbox.table')} data-testid="outbox-table">
      <thead>
        <tr>
          <th scope="col">{t('outbox.recorded')}</th>
          <th scope="col">{t('outbox.change')}</th>
          <th scope="col">{t('outbox.state')}</th>
          <th scope="col">{t('outbox.attempts')}</th>
          <th scope="col">{t('outbox.error')}</th>
        </tr>
      </thead>
      <tbody>
        {entries.map((entry) => (
          <tr key={entry.id} data-testid="outbox-row" data-state={entry.state}>
            <td title={entry.createdAt}>{format.dateTime(entry.createdAt)}</td>
            <td>{describeOperation(entry.operation, t)}</td>
            <td>
              <span className={`chip chip--${entry.state}`}>{t(`outbox.states.${entry.state}`)}</span>
            </td>
            <td>{entry.attempts}</td>
            <td data-testid="outbox-error-cell">
              {entry.lastError ?? ''}
              {entry.rule && <span className="chip"> {t('common.rule', { rule: entry.rule })}</span>}
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
  const { t } = useTranslation();
  const what = describeOperation(conflict.mine, t);
  return (
    <article className="conflict" aria-label={t('outbox.conflict', { what })} data-testid="conflict">
      <h3>{what}</h3>
      <div className="side-by-side">
        <figure>
          <figcaption>{t('outbox.mine', { version: conflict.baseVersion ?? t('common.unknown') })}</figcaption>
          <pre data-testid="conflict-mine">{JSON.stringify(conflict.mine, null, 2)}</pre>
        </figure>
        <figure>
          <figcaption>{t('outbox.theirs', { version: conflict.theirsVersion ?? t('common.unknown') })}</figcaption>
          <pre data-testid="conflict-theirs">
            {conflict.theirs === null ? t('outbox.gone') : JSON.stringify(conflict.theirs, null, 2)}
          </pre>
        </figure>
      </div>
      <div className="toolbar">
        <button type="button" disabled={busy} aria-label={t('outbox.keepMineLabel', { what })} onClick={() => onResolve(true)}>
          {t('outbox.keepMine')}
        </button>
        <button type="button" disabled={busy} aria-label={t('outbox.takeTheirsLabel', { what })} onClick={() => onResolve(false)}>
          {t('outbox.takeTheirs')}
        </button>
      </div>
    </article>
  );
}
