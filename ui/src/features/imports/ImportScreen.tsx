import { useMutation, useQueryClient } from '@tanstack/react-query';
import { useState } from 'react';
import { useTranslation } from 'react-i18next';

import { ErrorNotice } from '../../app/ErrorNotice';
import { importCsv, type ImportKind } from '../../ipc';
import { CHANGED_BY_A_CHANGE } from '../changes/useChange';
import { FINDINGS_KEY } from '../hygiene/queryKeys';
import { ImportResult } from './ImportResult';

const KINDS: readonly ImportKind[] = ['users', 'assignments'];

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
  const { t } = useTranslation();
  const queryClient = useQueryClient();
  const [kind, setKind] = useState<ImportKind>('users');
  const [file, setFile] = useState<ChosenFile | null>(null);
  const [readError, setReadError] = useState<string | null>(null);
  // The file and kind travel with each run rather than being read from state inside mutationFn:
  // the mutation takes its options from the last committed render, so a click right after the
  // file was read could otherwise still see no file.
  const run = useMutation({
    mutationFn: ({ dryRun, chosen, of }: { dryRun: boolean; chosen: ChosenFile | null; of: ImportKind }) => {
      if (!chosen) throw new Error(t('import.chooseFirst'));
      return importCsv(of, chosen.text, dryRun);
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
      setReadError(
        t('import.cannotRead', { name: chosen.name, reason: error instanceof Error ? error.message : String(error) }),
      );
    }
  };

  return (
    <section className="screen import-screen" aria-labelledby="import-title" data-testid="import-screen">
      <h1 id="import-title">{t('import.title')}</h1>
      <div className="toolbar">
        <fieldset>
          <legend>{t('import.fileHolds')}</legend>
          {KINDS.map((k) => (
            <label key={k} title={t('import.columnsTitle', { columns: t(`import.columns.${k}`) })}>
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
              {t(`import.kind.${k}`)}
            </label>
          ))}
        </fieldset>
        <label>
          {t('import.csvFile')}{' '}
          <input type="file" accept=".csv,text/csv" aria-label={t('import.csvFile')} onChange={(e) => void choose(e.target.files?.[0])} />
        </label>
        <button type="button" disabled={!file || run.isPending} onClick={() => run.mutate({ dryRun: true, chosen: file, of: kind })}>
          {t('import.check')}
        </button>
        <button
          type="button"
          disabled={!file || run.isPending || !checked || checked.report.queued === 0}
          onClick={() => run.mutate({ dryRun: false, chosen: file, of: kind })}
        >
          {t('import.import')}
        </button>
      </div>
      <p className="hint">{t('import.hint', { columns: t(`import.columns.${kind}`) })}</p>
      {readError && (
        <div className="notice notice--error" role="alert" data-testid="import-read-error">
          {readError}
        </div>
      )}
      {run.isPending && (
        <div className="table-state" data-testid="import-busy" aria-busy="true">
          {run.variables.dryRun
            ? t('import.checking', { name: file?.name ?? '' })
            : t('import.importing', { name: file?.name ?? '' })}
        </div>
      )}
      {run.isError && <ErrorNotice error={run.error} testId="import-error" />}
      {run.data && <ImportResult outcome={run.data} />}
    </section>
  );
}
