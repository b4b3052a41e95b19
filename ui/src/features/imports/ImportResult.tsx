import { useTranslation } from 'react-i18next';

import type { ImportOutcome, ImportRow } from '../../ipc';
import { PushReportText } from '../changes/PushReportText';

/**
 * A report row by row (a CSV import, or a change to the users selected in the users table)
 * with its counts and, when rows were queued, what sending them did.
 */
export function ImportResult({ outcome, summary = 'import' }: { outcome: ImportOutcome; summary?: 'import' | 'selection' }) {
  const { t } = useTranslation();
  const { report, push, notSent } = outcome;
  const counts = { queued: report.queued, skipped: report.skipped, refused: report.refused, invalid: report.invalid };
  return (
    <>
      <div className="notice" role="status" data-testid="import-summary" data-dry-run={report.dryRun}>
        {summary === 'selection'
          ? t('selection.summary', counts)
          : report.dryRun
            ? t('import.summaryCheck', counts)
            : t('import.summaryImported', counts)}
        {push && (
          <>
            {' '}
            <PushReportText report={push} />
          </>
        )}
      </div>
      {notSent && (
        <div className="notice notice--offline" role="status" data-testid="import-not-sent">
          {t('import.notSent', { reason: notSent })}
        </div>
      )}
      {summary === 'import' && report.rows.length === 0 ? (
        <div className="table-state" data-testid="import-empty">
          {t('import.noRows')}
        </div>
      ) : (
        <ImportRows rows={report.rows} />
      )}
    </>
  );
}

function ImportRows({ rows }: { rows: ImportRow[] }) {
  const { t } = useTranslation();
  return (
    <table className="import-table" aria-label={t('import.rows')} data-testid="import-rows">
      <thead>
        <tr>
          <th scope="col">{t('import.line')}</th>
          <th scope="col">{t('import.row')}</th>
          <th scope="col">{t('common.outcome')}</th>
          <th scope="col">{t('common.detail')}</th>
        </tr>
      </thead>
      <tbody>
        {rows.map((row) => (
          <tr key={row.line} data-testid="import-row" data-outcome={row.outcome}>
            <td>{row.line}</td>
            <td>{row.subject}</td>
            <td>
              <span className={`chip chip--${row.outcome}`}>{t(`import.rowOutcome.${row.outcome}`)}</span>
              {row.refusal && <span className="chip"> {t('common.rule', { rule: row.refusal.rule })}</span>}
            </td>
            <td>
              {row.message}
              {row.refusal && ` ${row.refusal.remedy}`}
            </td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}
