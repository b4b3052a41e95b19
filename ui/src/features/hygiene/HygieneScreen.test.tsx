import { fireEvent, screen, waitFor, within } from '@testing-library/react';
import { describe, expect, it } from 'vitest';

import type { Finding } from '../../ipc';
import { mockCommands, rejectWith, renderWithClient } from '../../test/ipcMock';
import { outboxEntry } from '../../test/operationFixtures';
import { HygieneScreen } from './HygieneScreen';

const FINDINGS: Finding[] = [
  {
    id: 'leaver:id-bob',
    kind: 'leaver',
    user: 'bob.leaver',
    detail: 'disabled, still holds 1 roles and 0 open grants',
    fix: 'remove the 1 catalog roles and revoke the grants',
  },
  {
    id: 'mover:g-7',
    kind: 'mover',
    user: 'carla.mover',
    detail: 'grant g-7 for EMEA/FR, but carla.mover is in EMEA/DE',
    fix: 'revoke the grant',
  },
  {
    id: 'expiring:g-9',
    kind: 'expiring',
    user: 'anna.schmidt',
    detail: 'Template Designer ends 2026-11-30',
    fix: 'extend it by 30 days',
  },
];

describe('hygiene', () => {
  it('shows a loading state, then the findings grouped by kind', async () => {
    let answer: (value: unknown) => void = () => {};
    mockCommands({ list_findings: () => new Promise((resolve) => (answer = resolve)) });
    renderWithClient(<HygieneScreen />);
    expect(await screen.findByTestId('hygiene-loading')).toBeTruthy();
    answer(FINDINGS);
    const groups = await screen.findAllByTestId('finding-group');
    expect(groups.map((g) => g.getAttribute('data-kind'))).toEqual(['leaver', 'mover', 'expiring']);
    const leaver = within(groups[0] as HTMLElement);
    expect(leaver.getByText('bob.leaver')).toBeTruthy();
    expect(leaver.getByText(/still holds 1 roles/)).toBeTruthy();
    expect(leaver.getByRole('button', { name: 'Fix: remove the 1 catalog roles and revoke the grants' })).toBeTruthy();
  });

  it('says when there is nothing to clean up', async () => {
    mockCommands({ list_findings: () => [] });
    renderWithClient(<HygieneScreen />);
    expect((await screen.findByTestId('hygiene-empty')).textContent).toContain('Nothing to clean up');
  });

  it('fixes a finding, says it is done and reads the findings again', async () => {
    let fixed = false;
    const calls = mockCommands({
      list_findings: () => (fixed ? FINDINGS.slice(1) : FINDINGS),
      fix_finding: () => {
        fixed = true;
        return { entries: [outboxEntry('done', { action: 'role.remove', target: 'Template Designer of bob.leaver' })] };
      },
    });
    renderWithClient(<HygieneScreen />);
    fireEvent.click(await screen.findByRole('button', { name: /^Fix: remove the 1 catalog roles/ }));
    const notice = await screen.findByTestId('fix-outcome');
    expect(notice.getAttribute('data-tone')).toBe('done');
    expect(notice.textContent).toContain('Fixed: 1 change done.');
    expect(calls.find((c) => c.command === 'fix_finding')?.args).toEqual({ id: 'leaver:id-bob' });
    await waitFor(() => expect(screen.queryByText('bob.leaver')).toBeNull());
    expect(calls.filter((c) => c.command === 'list_findings')).toHaveLength(2);
  });

  it('says a fix is queued when the IAM cannot be reached', async () => {
    mockCommands({
      list_findings: () => FINDINGS,
      fix_finding: () => ({ entries: [outboxEntry('queued')], notSent: 'sending changes needs the network' }),
    });
    renderWithClient(<HygieneScreen />);
    fireEvent.click(await screen.findByRole('button', { name: 'Fix: revoke the grant' }));
    const notice = await screen.findByTestId('fix-outcome');
    expect(notice.getAttribute('data-tone')).toBe('queued');
    expect(notice.textContent).toContain('Queued 1 change, will be sent when the IAM can be reached');
    expect(notice.textContent).toContain('sending changes needs the network');
  });

  it('shows the rule when policy refuses the fix', async () => {
    mockCommands({
      list_findings: () => FINDINGS,
      fix_finding: () =>
        rejectWith({
          code: 'refused',
          message: 'Template Designer may be granted for 90 days at most (rule grant-length). Ask for a shorter extension.',
          retryable: false,
          rule: 'grant-length',
        }),
    });
    renderWithClient(<HygieneScreen />);
    fireEvent.click(await screen.findByRole('button', { name: 'Fix: extend it by 30 days' }));
    const error = await screen.findByTestId('fix-error');
    expect(error.textContent).toContain('Refused by policy: rule grant-length');
    expect(within(error).getByTestId('refusal-rule').textContent).toBe('grant-length');
  });

  it('shows why the findings cannot be read', async () => {
    mockCommands({ list_findings: () => rejectWith({ code: 'failure', message: 'the local cache: database is locked', retryable: false }) });
    renderWithClient(<HygieneScreen />);
    expect((await screen.findByTestId('hygiene-error')).textContent).toContain('database is locked');
  });
});
