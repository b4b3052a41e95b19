import { useMutation, useQuery } from '@tanstack/react-query';
import { useState } from 'react';
import { useTranslation } from 'react-i18next';

import { ErrorNotice } from '../../app/ErrorNotice';
import { useFormatters } from '../../app/i18n/format';
import { QueryState } from '../../app/QueryState';
import {
  exportAudit,
  listAudit,
  listServerAudit,
  verifyAudit,
  type AuditCheck,
  type AuditFormat,
  type AuditQuery,
  type ServerAuditEvent,
} from '../../ipc';
import { useDebouncedValue } from '../users/useDebouncedValue';
import { AUDIT_KEY } from '../changes/queryKeys';
import { AuditTable } from './AuditTable';
import { actionLabel, KNOWN_ACTIONS } from './auditLabels';
import { offerDownload } from './offerDownload';

/** The newest entries shown; the export has the same filter and limit. */
export const AUDIT_SHOWN = 500;

const MIME: Record<AuditFormat, string> = { csv: 'text/csv', json: 'application/json' };

export function AuditScreen() {
  const { t } = useTranslation();
  const [target, setTarget] = useState('');
  const [actor, setActor] = useState('');
  const [action, setAction] = useState('');
  const debouncedTarget = useDebouncedValue(target.trim(), 200);
  const debouncedActor = useDebouncedValue(actor.trim(), 200);
  const query: AuditQuery = {
    last: AUDIT_SHOWN,
    ...(debouncedTarget ? { target: debouncedTarget } : {}),
    ...(debouncedActor ? { actor: debouncedActor } : {}),
    ...(action ? { action } : {}),
  };
  const empty =
    debouncedActor || action
      ? t('audit.emptyFiltered')
      : debouncedTarget
        ? t('audit.emptyTarget', { target: debouncedTarget })
        : t('audit.empty');
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
      <h1 id="audit-title">{t('audit.title')}</h1>
      <div className="toolbar">
        <input
          type="search"
          className="search"
          aria-label={t('audit.filter')}
          placeholder={t('audit.filterPlaceholder')}
          value={target}
          onChange={(e) => setTarget(e.target.value)}
          spellCheck={false}
        />
        <input
          type="search"
          aria-label={t('audit.actor')}
          placeholder={t('audit.actorPlaceholder')}
          value={actor}
          onChange={(e) => setActor(e.target.value)}
          spellCheck={false}
        />
        <select aria-label={t('audit.action')} value={action} onChange={(e) => setAction(e.target.value)}>
          <option value="">{t('audit.anyAction')}</option>
          {KNOWN_ACTIONS.map((code) => (
            <option key={code} value={code}>
              {actionLabel(t, code)}
            </option>
          ))}
        </select>
        <button type="button" onClick={() => verify.mutate()} disabled={verify.isPending}>
          {verify.isPending ? t('audit.verifying') : t('audit.verify')}
        </button>
        <button type="button" onClick={() => download.mutate('csv')} disabled={download.isPending}>
          {t('common.exportCsv')}
        </button>
        <button type="button" onClick={() => download.mutate('json')} disabled={download.isPending}>
          {t('common.exportJson')}
        </button>
      </div>
      {verify.isError && <ErrorNotice error={verify.error} testId="verify-error" />}
      {verify.data && <VerifyResult check={verify.data} />}
      {download.isError && <ErrorNotice error={download.error} testId="export-error" />}
      <QueryState
        query={entries}
        name="audit"
        loading={t('audit.loading')}
        isEmpty={(data) => data.length === 0}
        empty={empty}
      >
        {(data) => <AuditTable entries={data} label={t('audit.table')} testId="audit-table" />}
      </QueryState>
      <ServerAuditPanel />
    </section>
  );
}

function VerifyResult({ check }: { check: AuditCheck }) {
  const { t } = useTranslation();
  if (check.intact) {
    return (
      <div className="notice" role="status" data-testid="verify-result" data-intact="true">
        {check.entries !== undefined ? t('audit.intactChecked', { count: check.entries }) : t('audit.intact')}
      </div>
    );
  }
  return (
    <div className="notice notice--error" role="alert" data-testid="verify-result" data-intact="false">
      <strong>{t('audit.problems')}</strong>
      <ul>
        {check.problems.map((problem) => (
          <li key={problem}>{problem}</li>
        ))}
      </ul>
    </div>
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
  const { t } = useTranslation();
  const events = useQuery({
    queryKey: [...AUDIT_KEY, 'directory', SERVER_AUDIT_SHOWN],
    queryFn: () => listServerAudit(SERVER_AUDIT_SHOWN),
  });
  return (
    <section className="server-audit" aria-labelledby="server-audit-title" data-testid="server-audit">
      <h2 id="server-audit-title">{t('audit.serverTitle')}</h2>
      <QueryState
        query={events}
        name="server-audit"
        loading={t('audit.serverLoading')}
        isEmpty={(data) => data !== null && data.length === 0}
        empty={t('audit.serverEmpty')}
      >
        {(data) =>
          data === null ? (
            <div className="table-state" data-testid="server-audit-none">
              {t('audit.serverNone')}
            </div>
          ) : (
            <ServerAuditTable events={data} />
          )
        }
      </QueryState>
    </section>
  );
}

function ServerAuditTable({ events }: { events: ServerAuditEvent[] }) {
  const { t } = useTranslation();
  const format = useFormatters();
  return (
    <table className="audit-table" aria-label={t('audit.serverTable')} data-testid="server-audit-table">
      <thead>
        <tr>
          <th scope="col">{t('common.when')}</th>
          <th scope="col">{t('common.who')}</th>
          <th scope="col">{t('common.action')}</th>
          <th scope="col">{t('common.target')}</th>
          <th scope="col">{t('common.outcome')}</th>
        </tr>
      </thead>
      <tbody>
        {events.map((event, index) => (
          <tr key={typeof event.id === 'string' ? event.id : index} data-testid="server-audit-row" data-outcome={event.outcome}>
            <td title={event.time}>{event.time ? format.dateTime(event.time) : ''}</td>
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
