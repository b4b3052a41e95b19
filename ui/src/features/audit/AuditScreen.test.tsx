import { fireEvent, screen, waitFor, within } from '@testing-library/react';
import i18next from 'i18next';
import { afterEach, describe, expect, it, vi } from 'vitest';

import { formattersFor } from '../../app/i18n/format';
import { formattingLocale } from '../../app/i18n/languages';
import type { AuditEntry } from '../../ipc';
import { mockCommands, rejectWith, renderWithClient } from '../../test/ipcMock';
import { AuditScreen } from './AuditScreen';

function entry(seq: number, fields: Partial<AuditEntry> = {}): AuditEntry {
  return {
    seq,
    at: '2026-11-27T10:00:00.000000Z',
    actor: 'Ada Lovelace',
    action: 'role.assign',
    target: 'Template Designer of anna.schmidt',
    before: null,
    after: null,
    outcome: 'applied',
    rule: null,
    detail: null,
    opId: 'op-1',
    prevHash: '0'.repeat(64),
    hash: 'a'.repeat(64),
    ...fields,
  };
}

const ENTRIES = [entry(1), entry(2, { outcome: 'refused', rule: 'four-eyes', detail: 'needs a second admin' })];

afterEach(async () => {
  vi.restoreAllMocks();
  await i18next.changeLanguage('en');
});

describe('audit', () => {
  it('shows a loading state, then the entries with refusals and their rule', async () => {
    let answer: (value: unknown) => void = () => {};
    mockCommands({ list_audit: () => new Promise((resolve) => (answer = resolve)) });
    renderWithClient(<AuditScreen />);
    expect(await screen.findByTestId('audit-loading')).toBeTruthy();
    answer(ENTRIES);
    const rows = await screen.findAllByTestId('audit-row');
    expect(rows).toHaveLength(2);
    expect(rows[1]?.textContent).toContain('rule four-eyes');
  });

  it('names actions and outcomes in the admin’s language, keeping the code the log records', async () => {
    await i18next.changeLanguage('de');
    const entries = [
      entry(1),
      entry(2, { action: 'grant.expire', outcome: 'refused' }),
      entry(3, { action: 'ledger.rebuild', outcome: 'postponed' }),
    ];
    mockCommands({ list_audit: () => entries });
    renderWithClient(<AuditScreen />);
    const rows = await screen.findAllByTestId('audit-row');
    const cells = rows.map((row) => Array.from(row.querySelectorAll('td')).map((cell) => cell.textContent));
    expect(cells.map((row) => [row[3], row[5]])).toEqual([
      ['Rolle zugewiesen', 'ausgeführt'],
      ['Freigabe abgelaufen', 'abgelehnt'],
      // A code this version has no words for (a newer Bailiwick wrote it) is shown as recorded.
      ['ledger.rebuild', 'postponed'],
    ]);
    expect(rows[0]?.querySelector('[data-action]')?.getAttribute('title')).toBe('role.assign');
  });

  it('explains an empty log', async () => {
    mockCommands({ list_audit: () => [] });
    renderWithClient(<AuditScreen />);
    expect((await screen.findByTestId('audit-empty')).textContent).toContain('Nothing has been done');
  });

  it('shows why the log cannot be read', async () => {
    mockCommands({ list_audit: () => rejectWith({ code: 'failure', message: 'the local cache: database is locked', retryable: false }) });
    renderWithClient(<AuditScreen />);
    expect((await screen.findByTestId('audit-error')).textContent).toContain('database is locked');
  });

  it('verifies an intact log', async () => {
    mockCommands({ list_audit: () => ENTRIES, verify_audit: () => ({ intact: true, entries: 2, problems: [] }) });
    renderWithClient(<AuditScreen />);
    fireEvent.click(await screen.findByRole('button', { name: 'Verify' }));
    const result = await screen.findByTestId('verify-result');
    expect(result.getAttribute('data-intact')).toBe('true');
    expect(result.textContent).toContain('2 entries checked');
  });

  it('lists the problems of a tampered log', async () => {
    mockCommands({
      list_audit: () => ENTRIES,
      verify_audit: () => ({ intact: false, problems: ['entry 2 was changed after it was written'] }),
    });
    renderWithClient(<AuditScreen />);
    fireEvent.click(await screen.findByRole('button', { name: 'Verify' }));
    const result = await screen.findByTestId('verify-result');
    expect(result.getAttribute('data-intact')).toBe('false');
    expect(result.textContent).toContain('entry 2 was changed after it was written');
  });

  it('exports CSV as a download through a Blob URL', async () => {
    const created: Blob[] = [];
    vi.spyOn(URL, 'createObjectURL').mockImplementation((blob) => {
      created.push(blob as Blob);
      return 'blob:audit';
    });
    vi.spyOn(URL, 'revokeObjectURL').mockImplementation(() => {});
    const click = vi.spyOn(HTMLAnchorElement.prototype, 'click').mockImplementation(() => {});
    const csv = 'seq,at,actor\r\n1,2026-11-27T10:00:00Z,Ada Lovelace\r\n';
    const calls = mockCommands({ list_audit: () => ENTRIES, export_audit: () => csv });
    renderWithClient(<AuditScreen />);
    fireEvent.click(await screen.findByRole('button', { name: 'Export CSV' }));
    await waitFor(() => expect(click).toHaveBeenCalledTimes(1));
    expect(await created[0]?.text()).toBe(csv);
    expect(created[0]?.type).toBe('text/csv');
    expect(calls.find((c) => c.command === 'export_audit')?.args).toEqual({ query: { last: 500 }, format: 'csv' });
  });

  it('filters by target', async () => {
    const calls = mockCommands({ list_audit: () => ENTRIES });
    renderWithClient(<AuditScreen />);
    await screen.findAllByTestId('audit-row');
    fireEvent.change(screen.getByRole('searchbox', { name: 'Filter by target' }), { target: { value: 'anna' } });
    await waitFor(() =>
      expect(calls.filter((c) => c.command === 'list_audit').map((c) => c.args.query)).toContainEqual({ last: 500, target: 'anna' }),
    );
  });

  it('filters by who and by action too, and says when nothing matches', async () => {
    const calls = mockCommands({ list_audit: (args) => ((args.query as { action?: string }).action ? [] : ENTRIES) });
    renderWithClient(<AuditScreen />);
    await screen.findAllByTestId('audit-row');
    fireEvent.change(screen.getByRole('searchbox', { name: 'Filter by who' }), { target: { value: 'ada.emea' } });
    const action = screen.getByRole('combobox', { name: 'Filter by action' });
    expect(within(action).getByRole('option', { name: 'grant revoked' }).getAttribute('value')).toBe('grant.revoke');
    fireEvent.change(action, { target: { value: 'grant.revoke' } });
    await waitFor(() =>
      expect(calls.filter((c) => c.command === 'list_audit').map((c) => c.args.query)).toContainEqual({
        last: 500,
        actor: 'ada.emea',
        action: 'grant.revoke',
      }),
    );
    expect((await screen.findByTestId('audit-empty')).textContent).toBe('No audit entry matches these filters.');
  });

  it("shows the directory's events beside the local log", async () => {
    const calls = mockCommands({
      list_audit: () => ENTRIES,
      list_server_audit: () => [
        {
          id: 'ev-1',
          time: '2026-11-27T09:00:00Z',
          actor: 'bea.admin',
          action: 'grant.expire',
          target: { type: 'grant', value: 'g-1', display: 'Template Designer of anna.schmidt' },
          outcome: 'applied',
        },
        {
          id: 'ev-2',
          time: '2026-11-27T09:05:00Z',
          actor: 'ada.emea',
          action: 'role.assign',
          target: { type: 'user', value: 'u-2', display: 'Printer of bob' },
          outcome: 'denied',
        },
      ],
    });
    renderWithClient(<AuditScreen />);
    const rows = await screen.findAllByTestId('server-audit-row');
    expect(rows).toHaveLength(2);
    // In the admin's locale and time zone, with the zone named; the exact instant stays in the title.
    expect(rows[0]?.textContent).toContain(formattersFor(formattingLocale('en')).dateTime('2026-11-27T09:00:00Z'));
    expect(rows[0]?.querySelector('td')?.getAttribute('title')).toBe('2026-11-27T09:00:00Z');
    expect(rows[0]?.textContent).toContain('bea.admin');
    expect(rows[0]?.textContent).toContain('grant.expire');
    expect(rows[0]?.textContent).toContain('Template Designer of anna.schmidt');
    expect(rows[1]?.getAttribute('data-outcome')).toBe('denied');
    expect(calls.find((c) => c.command === 'list_server_audit')?.args).toEqual({ last: 200 });
  });

  it('says when the directory keeps no audit events', async () => {
    mockCommands({ list_audit: () => ENTRIES, list_server_audit: () => null });
    renderWithClient(<AuditScreen />);
    expect((await screen.findByTestId('server-audit-none')).textContent).toContain('keeps no audit events');
  });

  it("shows the offline notice for the directory's events and keeps the local log", async () => {
    mockCommands({
      list_audit: () => ENTRIES,
      list_server_audit: () =>
        rejectWith({ code: 'offline', message: 'reading the directory\'s audit events needs the network', retryable: true }),
    });
    renderWithClient(<AuditScreen />);
    const error = await screen.findByTestId('server-audit-error');
    expect(error.textContent).toContain('The IAM cannot be reached');
    expect(await screen.findAllByTestId('audit-row')).toHaveLength(2);
  });
});
