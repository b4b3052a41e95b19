import { useMutation, useQueryClient } from '@tanstack/react-query';
import { useState } from 'react';

import { ErrorNotice } from '../../app/ErrorNotice';
import { importCsv, type ImportKind, type ImportOutcome, type ImportRow } from '../../ipc';
import { CHANGED_BY_A_CHANGE } from '../changes/useChange';
import { FINDINGS_KEY } from '../hygiene/queryKeys';

const KINDS: { kind: ImportKind; label: string; columns: string }[] = [
  { kind: 'users', label: 'Users', columns: 'userName, bu (required); type, givenName, familyName, email' },
  { kind: 'assignments', label: 'Role assignments', columns: 'user, role' },
];

interface ChosenFile {
  name: string;
  text: string;
}

/**
 * CSV imports: check the file first (a dry run: every row through the cache facts and policy,
 * nothing recorded), then import it, which queues the rows and sends them like any change. An
 * import run again skips the rows already done or queued, so it resumes instead of repeating.
 */
export function ImportScreen() {
  const queryClient = useQueryClient();
  const [kind, setKind] = useState<ImportKind>('users');
  const [file, setFile] = useState<ChosenFile | null>(null);
  const [readError, setReadError] = useState<string | null>(null);
  const run = useMutation({
    mutationFn: ({ dryRun }: { dryRun: boolean }) => {
      if (!file) throw new Error('choose a CSV file first');
      return importCsv(kind, file.text, dryRun);
    },
    onSettled: async (_result, _error, { dryRun }) => {
      if (dryRun) return;
      await Promise.all(
        [...CHANGED_BY_A_CHANGE, FINDINGS_KEY].map((queryKey) => queryClient.invalidateQueries({ queryKey })),
      );
    },
  });
  const checked = run.data?.report.dryRun === true ? run.data : null;

  const choose = async (chosen: File | undefined) => {
    run.reset();
    setReadError(null);
    setFile(null);
    if (!chosen) return;
    try {
      setFile({ name: chosen.name, text: await chosen.text() });
    } catch (error) {
      setReadError(`${chosen.name} cannot be read: ${error instanceof Error ? error.message : String(error)}`);
    }
  };

  return (
    <section className="screen import-screen" aria-labelledby="import-title" data-testid="import-screen">
      <h1 id="import-title">Import</h1>
      <div className="toolbar">
        <fieldset>
          <legend>What the file holds</legend>
          {KINDS.map(({ kind: k, label, columns }) => (
            <label key={k} title={`Columns: ${columns}`}>
              <input
                type="radio"
                name="import-kind"
                value={k}
                checked={kind === k}
                onChange={() => {
                  setKind(k);
                  run.reset();
                }}
              />{' '}
              {label}
            </label>
          ))}
        </fieldset>
        <label>
          CSV file{' '}
          <input type="file" accept=".csv,text/csv" aria-label="CSV file" onChange={(e) => void choose(e.target.files?.[0])} />
        </label>
        <button type="button" disabled={!file || run.isPending} onClick={() => run.mutate({ dryRun: true })}>
          Check
        </button>
        <button
          type="button"
          disabled={!file || run.isPending || !checked || checked.report.queued === 0}
          onClick={() => run.mutate({ dryRun: false })}
        >
          Import
        </button>
      </div>
      <p className="hint">
        Columns: {KINDS.find((k) => k.kind === kind)?.columns}. Check the file first; Import records the rows that
        would be queued and sends them.
      </p>
      {readError && (
        <div className="notice notice--error" role="alert" data-testid="import-read-error">
          {readError}
        </div>
      )}
      {run.isPending && (
        <div className="table-state" data-testid="import-busy" aria-busy="true">
          {run.variables.dryRun ? 'Checking' : 'Importing'} {file?.name}…
        </div>
      )}
      {run.isError && <ErrorNotice error={run.error} testId="import-error" />}
      {run.data && <ImportResult outcome={run.data} />}
    </section>
  );
}

function ImportResult({ outcome }: { outcome: ImportOutcome }) {
  const { report, push, notSent } = outcome;
  const verb = report.dryRun ? 'would be queued' : 'queued';
  return (
    <>
      <div className="notice" role="status" data-testid="import-summary" data-dry-run={report.dryRun}>
        {report.dryRun ? 'Check: ' : 'Imported: '}
        {report.queued} rows {verb}, {report.skipped} skipped (done or queued already), {report.refused} refused by
        policy, {report.invalid} invalid.
        {push &&
          ` Sent: ${push.applied} applied, ${push.failed} failed, ${push.conflicts} conflicts, ${push.remaining} still queued.`}
      </div>
      {notSent && (
        <div className="notice notice--offline" role="status" data-testid="import-not-sent">
          The IAM cannot be reached now; the rows wait in the outbox and are sent later. ({notSent})
        </div>
      )}
      <ImportRows rows={report.rows} />
    </>
  );
}

function ImportRows({ rows }: { rows: ImportRow[] }) {
  return (
    <table className="import-table" aria-label="Rows" data-testid="import-rows">
      <thead>
        <tr>
          <th scope="col">Line</th>
          <th scope="col">Row</th>
          <th scope="col">Outcome</th>
          <th scope="col">Detail</th>
        </tr>
      </thead>
      <tbody>
        {rows.map((row) => (
          <tr key={row.line} data-testid="import-row" data-outcome={row.outcome}>
            <td>{row.line}</td>
            <td>{row.subject}</td>
            <td>
              <span className={`chip chip--${row.outcome}`}>{row.outcome}</span>
              {row.refusal && <span className="chip"> rule {row.refusal.rule}</span>}
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
