import { fireEvent, screen, waitFor } from '@testing-library/react';
import { describe, expect, it } from 'vitest';

import type { ImportReport } from '../../ipc';
import { mockCommands, rejectWith, renderWithClient } from '../../test/ipcMock';
import { ImportScreen } from './ImportScreen';

const CSV = 'user,role\nanna.schmidt,Template Designer\nbob,Printer\nmax.partner,Admin\n,Printer\n';

function report(dryRun: boolean): ImportReport {
  return {
    dryRun,
    queued: 1,
    skipped: 1,
    refused: 1,
    invalid: 1,
    rows: [
      { line: 2, subject: 'anna.schmidt → Template Designer', outcome: 'queued', message: 'assign Template Designer', ...(dryRun ? {} : { change: 'op-1' }) },
      { line: 3, subject: 'bob → Printer', outcome: 'skipped', message: 'bob holds Printer already' },
      {
        line: 4,
        subject: 'max.partner → Admin',
        outcome: 'refused',
        message: 'partners may not hold Admin',
        refusal: { rule: 'partner-allowed', message: 'partners may not hold Admin', remedy: 'Ask a global admin.' },
      },
      { line: 5, subject: '', outcome: 'invalid', message: 'the user is missing' },
    ],
  };
}

async function chooseFile() {
  const file = new File([CSV], 'assignments.csv', { type: 'text/csv' });
  fireEvent.click(screen.getByRole('radio', { name: /Role assignments/ }));
  fireEvent.change(screen.getByLabelText('CSV file'), { target: { files: [file] } });
  await waitFor(() => expect(screen.getByRole('button', { name: 'Check' }).hasAttribute('disabled')).toBe(false));
}

describe('import', () => {
  it('checks a file and shows what each row would do', async () => {
    const calls = mockCommands({ import_csv: (args) => ({ report: report(args.dryRun === true) }) });
    renderWithClient(<ImportScreen />);
    expect(screen.getByRole('button', { name: 'Import' }).hasAttribute('disabled')).toBe(true);
    await chooseFile();
    fireEvent.click(screen.getByRole('button', { name: 'Check' }));
    const summary = await screen.findByTestId('import-summary');
    expect(summary.getAttribute('data-dry-run')).toBe('true');
    expect(summary.textContent).toContain('1 rows would be queued, 1 skipped');
    const rows = screen.getAllByTestId('import-row');
    expect(rows.map((r) => r.getAttribute('data-outcome'))).toEqual(['queued', 'skipped', 'refused', 'invalid']);
    expect(rows[2]?.textContent).toContain('rule partner-allowed');
    expect(rows[2]?.textContent).toContain('Ask a global admin.');
    expect(calls).toEqual([{ command: 'import_csv', args: { kind: 'assignments', text: CSV, dryRun: true } }]);
    expect(screen.getByRole('button', { name: 'Import' }).hasAttribute('disabled')).toBe(false);
  });

  it('imports after the check and says what sending did', async () => {
    const calls = mockCommands({
      import_csv: (args) =>
        args.dryRun === true
          ? { report: report(true) }
          : { report: report(false), push: { applied: 1, failed: 0, conflicts: 0, remaining: 0 } },
    });
    renderWithClient(<ImportScreen />);
    await chooseFile();
    fireEvent.click(screen.getByRole('button', { name: 'Check' }));
    await screen.findByTestId('import-summary');
    fireEvent.click(screen.getByRole('button', { name: 'Import' }));
    await waitFor(() => expect(screen.getByTestId('import-summary').getAttribute('data-dry-run')).toBe('false'));
    const summary = screen.getByTestId('import-summary');
    expect(summary.textContent).toContain('1 rows queued');
    expect(summary.textContent).toContain('Sent: 1 applied, 0 failed');
    expect(calls.map((c) => c.args.dryRun)).toEqual([true, false]);
    expect(screen.getByRole('button', { name: 'Import' }).hasAttribute('disabled')).toBe(true);
  });

  it('says imported rows wait in the outbox when the IAM cannot be reached', async () => {
    mockCommands({
      import_csv: (args) =>
        args.dryRun === true ? { report: report(true) } : { report: report(false), notSent: 'sending changes needs the network' },
    });
    renderWithClient(<ImportScreen />);
    await chooseFile();
    fireEvent.click(screen.getByRole('button', { name: 'Check' }));
    await screen.findByTestId('import-summary');
    fireEvent.click(screen.getByRole('button', { name: 'Import' }));
    expect((await screen.findByTestId('import-not-sent')).textContent).toContain('sending changes needs the network');
  });

  it('says it is checking while the core reads the file, with Check and Import disabled', async () => {
    let answer: (value: unknown) => void = () => {};
    mockCommands({ import_csv: () => new Promise((resolve) => (answer = resolve)) });
    renderWithClient(<ImportScreen />);
    await chooseFile();
    fireEvent.click(screen.getByRole('button', { name: 'Check' }));
    expect((await screen.findByTestId('import-busy')).textContent).toBe('Checking assignments.csv…');
    expect(screen.getByRole('button', { name: 'Check' }).hasAttribute('disabled')).toBe(true);
    expect(screen.getByRole('button', { name: 'Import' }).hasAttribute('disabled')).toBe(true);
    answer({ report: report(true) });
    await screen.findByTestId('import-summary');
    expect(screen.queryByTestId('import-busy')).toBeNull();
  });

  it('says when the file has no rows, and offers nothing to import', async () => {
    mockCommands({ import_csv: () => ({ report: { dryRun: true, queued: 0, skipped: 0, refused: 0, invalid: 0, rows: [] } }) });
    renderWithClient(<ImportScreen />);
    await chooseFile();
    fireEvent.click(screen.getByRole('button', { name: 'Check' }));
    expect((await screen.findByTestId('import-empty')).textContent).toContain('no rows below its header');
    expect(screen.queryByTestId('import-rows')).toBeNull();
    expect(screen.getByRole('button', { name: 'Import' }).hasAttribute('disabled')).toBe(true);
  });

  it('shows why the core refused the file, and imports nothing', async () => {
    const calls = mockCommands({
      import_csv: () => rejectWith({ code: 'usage', message: 'line 1: the columns must be user,role', retryable: false }),
    });
    renderWithClient(<ImportScreen />);
    await chooseFile();
    fireEvent.click(screen.getByRole('button', { name: 'Check' }));
    expect((await screen.findByTestId('import-error')).textContent).toContain('line 1: the columns must be user,role');
    expect(screen.getByRole('button', { name: 'Import' }).hasAttribute('disabled')).toBe(true);
    expect(calls.every((c) => c.args.dryRun === true)).toBe(true);
  });
});
