import { useTranslation } from 'react-i18next';

import { useFormatters } from '../../app/i18n/format';
import type { AuditEntry } from '../../ipc';
import { actionLabel, outcomeLabel } from './auditLabels';

interface AuditTableProps {
  entries: AuditEntry[];
  /** The table's accessible name. */
  label: string;
  testId: string;
}

/** Entries of the local audit log, in the order given: the Audit screen and a user's history. */
export function AuditTable({ entries, label, testId }: AuditTableProps) {
  const { t } = useTranslation();
  const format = useFormatters();
  return (
    <table className="audit-table" aria-label={label} data-testid={testId}>
      <thead>
        <tr>
          <th scope="col">#</th>
          <th scope="col">{t('common.when')}</th>
          <th scope="col">{t('common.who')}</th>
          <th scope="col">{t('common.action')}</th>
          <th scope="col">{t('common.target')}</th>
          <th scope="col">{t('common.outcome')}</th>
          <th scope="col">{t('common.detail')}</th>
        </tr>
      </thead>
      <tbody>
        {entries.map((entry) => (
          <tr key={entry.seq} data-testid="audit-row" data-outcome={entry.outcome}>
            <td>{entry.seq}</td>
            <td title={entry.at}>{format.dateTime(entry.at)}</td>
            <td>{entry.actor}</td>
            <td title={entry.action} data-action={entry.action}>
              {actionLabel(t, entry.action)}
            </td>
            <td>{entry.target}</td>
            <td>
              <span className={`chip chip--${entry.outcome}`}>{outcomeLabel(t, entry.outcome)}</span>
              {entry.rule && <span className="chip"> {t('common.rule', { rule: entry.rule })}</span>}
            </td>
            <td>{entry.detail ?? ''}</td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}
