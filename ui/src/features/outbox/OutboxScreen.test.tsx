import { fireEvent, screen, within } from '@testing-library/react';
import { describe, expect, it } from 'vitest';

import type { Conflict } from '../../ipc';
import { mockCommands, rejectWith, renderWithClient } from '../../test/ipcMock';
import { outboxEntry } from '../../test/operationFixtures';
import { OutboxScreen } from './OutboxScreen';

const CONFLICT: Conflict = {
  id: 7,
  opId: 'op-conflict',
  detectedAt: '2026-11-27T10:05:00Z',
  action: 'user.edit',
  target: 'user anna.schmidt',
  mine: { op: 'edit-user', userId: 'id-anna', userName: 'anna.schmidt', changes: { email: 'anna@new.example' } },
  baseVersion: 'W/"1"',
  theirs: { id: 'id-anna', userName: 'anna.schmidt', emails: [{ value: 'anna@other.example' }] },
  theirsVersion: 'W/"2"',
  resolution: null,
};

const ENTRIES = [
  outboxEntry('queued', { lastError: 'the IAM cannot be reached', attempts: 2 }),
  outboxEntry('failed', { lastError: 'the directory refused the change', rule: 'scope' }),
  outboxEntry('conflict'),
];

describe('outbox', () => {
  it('shows a loading state, then queued and failed entries with their errors', async () => {
    let answer: (value: unknown) => void = () => {};
    mockCommands({ list_outbox: () => new Promise((resolve) => (answer = resolve)), list_conflicts: () => [] });
    renderWithClient(<OutboxScreen />);
    expect(await screen.findByTestId('outbox-loading')).toBeTruthy();
    answer(ENTRIES);
    const rows = await screen.findAllByTestId('outbox-row');
    expect(rows.map((r) => r.getAttribute('data-state'))).toEqual(['queued', 'failed']);
    const [, failed] = rows;
    if (!failed) throw new Error('the failed entry is listed');
    expect(within(failed).getByTestId('outbox-error-cell').textContent).toContain('rule scope');
  });

  it('says when nothing is waiting', async () => {
    mockCommands({ list_outbox: () => [], list_conflicts: () => [] });
    renderWithClient(<OutboxScreen />);
    expect(await screen.findByTestId('outbox-empty')).toBeTruthy();
    expect(await screen.findByTestId('conflicts-empty')).toBeTruthy();
  });

  it('shows why the outbox cannot be read', async () => {
    mockCommands({
      list_outbox: () => rejectWith({ code: 'failure', message: 'the local cache: disk I/O error', retryable: false }),
      list_conflicts: () => [],
    });
    renderWithClient(<OutboxScreen />);
    expect((await screen.findByTestId('outbox-error')).textContent).toContain('disk I/O error');
  });

  it('sends now and reports what the push did', async () => {
    let sent = false;
    const calls = mockCommands({
      list_outbox: () => (sent ? [] : ENTRIES),
      list_conflicts: () => [],
      push_outbox: () => {
        sent = true;
        return { applied: 1, failed: 0, conflicts: 0, remaining: 0 };
      },
    });
    renderWithClient(<OutboxScreen />);
    await screen.findAllByTestId('outbox-row');
    fireEvent.click(screen.getByRole('button', { name: 'Send now' }));
    expect((await screen.findByTestId('push-report')).textContent).toContain('1 applied');
    expect(await screen.findByTestId('outbox-empty')).toBeTruthy();
    expect(calls.filter((c) => c.command === 'push_outbox')).toHaveLength(1);
  });

  it('says the IAM is unreachable when sending offline, and keeps the entries', async () => {
    mockCommands({
      list_outbox: () => ENTRIES,
      list_conflicts: () => [],
      push_outbox: () =>
        rejectWith({ code: 'offline', message: 'sending changes needs the network, and 127.0.0.1 cannot be reached', retryable: true }),
    });
    renderWithClient(<OutboxScreen />);
    fireEvent.click(await screen.findByRole('button', { name: 'Send now' }));
    expect((await screen.findByTestId('push-error')).textContent).toContain('The IAM cannot be reached');
    expect(screen.getAllByTestId('outbox-row')).toHaveLength(2);
  });
});

describe('conflicts', () => {
  it('shows mine and theirs side by side', async () => {
    mockCommands({ list_outbox: () => ENTRIES, list_conflicts: () => [CONFLICT] });
    renderWithClient(<OutboxScreen />);
    const conflict = await screen.findByRole('article', { name: 'Conflict: edit user anna.schmidt' });
    expect(within(conflict).getByTestId('conflict-mine').textContent).toContain('anna@new.example');
    expect(within(conflict).getByTestId('conflict-theirs').textContent).toContain('anna@other.example');
  });

  it('keeps mine and says it is queued again when offline', async () => {
    const calls = mockCommands({
      list_outbox: () => ENTRIES,
      list_conflicts: () => [CONFLICT],
      resolve_conflict: () => ({ notSent: 'the IAM cannot be reached' }),
    });
    renderWithClient(<OutboxScreen />);
    fireEvent.click(await screen.findByRole('button', { name: 'Keep mine: edit user anna.schmidt' }));
    expect(await screen.findByTestId('resolve-queued')).toBeTruthy();
    expect(calls.find((c) => c.command === 'resolve_conflict')?.args).toEqual({ id: 7, keepMine: true });
  });

  it('takes theirs', async () => {
    let resolved = false;
    const calls = mockCommands({
      list_outbox: () => ENTRIES,
      list_conflicts: () => (resolved ? [] : [CONFLICT]),
      resolve_conflict: () => {
        resolved = true;
        return {};
      },
    });
    renderWithClient(<OutboxScreen />);
    fireEvent.click(await screen.findByRole('button', { name: 'Take theirs: edit user anna.schmidt' }));
    expect(await screen.findByTestId('conflicts-empty')).toBeTruthy();
    expect(calls.find((c) => c.command === 'resolve_conflict')?.args).toEqual({ id: 7, keepMine: false });
  });
});
