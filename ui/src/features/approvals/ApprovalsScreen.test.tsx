import { fireEvent, screen, waitFor, within } from '@testing-library/react';
import { describe, expect, it } from 'vitest';

import { formattersFor } from '../../app/i18n/format';
import { WorkspaceShell } from '../../app/WorkspaceShell';
import type { WorkspaceStatus } from '../../ipc';
import { ADA_STATUS, mockCommands, rejectWith, renderWithClient, user } from '../../test/ipcMock';
import { grant, outcome } from '../../test/operationFixtures';
import { STATUS_KEY } from '../users/queryKeys';
import { ApprovalsScreen } from './ApprovalsScreen';
import { isOwnRequest } from './fourEyes';

/** Ada may approve; the requests below are Bob's unless a test says otherwise. */
const APPROVER: WorkspaceStatus = {
  ...ADA_STATUS,
  admin: { subject: 'ada.emea', displayName: 'Ada Lovelace', buScopes: ['EMEA'], capabilities: ['issue-grants', 'approve-grants'] },
};
const ADMIN = APPROVER.admin as NonNullable<WorkspaceStatus['admin']>;

const BOBS = grant('g-bob', {
  status: 'pending',
  user: 'jean.dupont',
  requester: 'Bob Builder',
  validFrom: '2026-12-01T00:00:00Z',
  validUntil: '2026-12-15T00:00:00Z',
  justification: 'year-end print run',
});
const ADAS = grant('g-ada', { status: 'pending', user: 'anna.schmidt', requester: 'Ada Lovelace' });

const READS = { get_status: () => APPROVER, list_grants: () => [BOBS, ADAS] };

function renderInbox(status: WorkspaceStatus = APPROVER) {
  return renderWithClient(<ApprovalsScreen />, (client) => client.setQueryData(STATUS_KEY, status));
}

const item = (id: string) => screen.getAllByTestId('approval').find((a) => a.dataset.grantId === id) as HTMLElement;

describe('approvals inbox', () => {
  it('lists the pending grants with requester, user, role, window with its zone and justification', async () => {
    const calls = mockCommands(READS);
    renderInbox();
    expect(await screen.findAllByTestId('approval')).toHaveLength(2);
    expect(calls.find((c) => c.command === 'list_grants')?.args, 'only pending grants are asked for').toEqual({
      query: { status: 'pending' },
    });
    const bob = item('g-bob');
    expect(within(bob).getByTestId('approval-requester').textContent).toBe('Bob Builder');
    expect(bob.textContent).toContain('jean.dupont');
    expect(bob.textContent).toContain('Template Designer');
    expect(within(bob).getByTestId('approval-justification').textContent).toBe('year-end print run');
    const format = formattersFor('en');
    expect(within(bob).getByTestId('approval-window').textContent).toBe(
      `${format.dateTime('2026-12-01T00:00:00Z')} to ${format.dateTime('2026-12-15T00:00:00Z')}`,
    );
    expect(within(bob).getByTestId('approval-window').textContent, 'the window names its zone').toMatch(/[A-Z]{2,}|GMT|UTC/);
  });

  it('approves through approve_grant and reports the outcome', async () => {
    const calls = mockCommands({ ...READS, approve_grant: () => outcome('done', {}, { action: 'grant.approve', operation: { op: 'approve-grant', grantId: 'g-bob', role: 'Template Designer' } }) });
    renderInbox();
    fireEvent.click(await screen.findByRole('button', { name: 'Approve Template Designer for jean.dupont' }));
    expect((await screen.findByTestId('change-outcome')).textContent).toContain('Done: approve grant g-bob (Template Designer).');
    expect(calls.find((c) => c.command === 'approve_grant')?.args).toEqual({ id: 'g-bob' });
    await waitFor(
      () => expect(calls.filter((c) => c.command === 'list_grants').length, 'the inbox reads again').toBeGreaterThan(1),
    );
  });

  it('rejects through reject_grant and shows the directory’s refusal with its rule', async () => {
    const calls = mockCommands({
      ...READS,
      reject_grant: () => outcome('failed', {}, { action: 'grant.reject', lastError: 'the directory refused', rule: 'four-eyes' }),
    });
    renderInbox();
    fireEvent.click(await screen.findByRole('button', { name: 'Reject Template Designer for jean.dupont' }));
    const notice = await screen.findByTestId('change-outcome');
    expect(notice.getAttribute('data-tone')).toBe('failed');
    expect(calls.find((c) => c.command === 'reject_grant')?.args).toEqual({ id: 'g-bob' });
  });

  it('disables Approve and Reject on the admin’s own request and names the four-eyes rule', async () => {
    mockCommands(READS);
    renderInbox();
    await screen.findAllByTestId('approval');
    const approve = screen.getByRole('button', { name: 'Approve Template Designer for anna.schmidt' }) as HTMLButtonElement;
    const reject = screen.getByRole('button', { name: 'Reject Template Designer for anna.schmidt' }) as HTMLButtonElement;
    expect(approve.disabled, 'four eyes: never the requester').toBe(true);
    expect(reject.disabled).toBe(true);
    const rule = within(item('g-ada')).getByTestId('four-eyes-rule');
    expect(rule.textContent).toContain('Four eyes: you requested this grant; another admin with approve-grants must decide');
    expect(within(rule).getByTestId('refusal-rule').textContent).toBe('four-eyes');
    expect(approve.getAttribute('aria-describedby'), 'the rule is the disabled button’s description').toBe(rule.id);
    const others = screen.getByRole('button', { name: 'Approve Template Designer for jean.dupont' }) as HTMLButtonElement;
    expect(others.disabled, 'another admin’s request can be decided').toBe(false);
    expect(within(item('g-bob')).queryByTestId('four-eyes-rule')).toBeNull();
  });

  it('recognises the admin’s own request by subject as well as by name, in any case', () => {
    expect(isOwnRequest(grant('g', { requester: 'ADA.EMEA ' }), ADMIN)).toBe(true);
    expect(isOwnRequest(grant('g', { requester: 'ada lovelace' }), ADMIN)).toBe(true);
    expect(isOwnRequest(grant('g', { requester: 'Bob Builder' }), ADMIN)).toBe(false);
  });

  it('says when nothing waits for approval', async () => {
    mockCommands({ ...READS, list_grants: () => [] });
    renderInbox();
    expect((await screen.findByTestId('approvals-empty')).textContent).toBe('No grant is waiting for approval.');
  });

  it('shows why the pending grants cannot be read', async () => {
    mockCommands({ ...READS, list_grants: () => rejectWith({ code: 'usage', message: 'no workspace is open', retryable: false }) });
    renderInbox();
    expect((await screen.findByTestId('approvals-error')).textContent).toContain('no workspace is open');
  });

  it('shows a loading state while the pending grants are read', async () => {
    mockCommands({ ...READS, list_grants: () => new Promise(() => {}) });
    renderInbox();
    expect(await screen.findByTestId('approvals-loading')).toBeTruthy();
  });

  it('says decisions are queued while offline', async () => {
    mockCommands({ ...READS, get_status: () => ({ ...APPROVER, offline: true }) });
    renderInbox({ ...APPROVER, offline: true });
    expect((await screen.findByTestId('approvals-offline')).textContent).toContain('wait in the outbox');
    expect(await screen.findAllByTestId('approval')).toHaveLength(2);
  });

  it('explains, without reading grants, that deciding needs approve-grants', async () => {
    const calls = mockCommands({ ...READS, get_status: () => ADA_STATUS });
    renderInbox(ADA_STATUS);
    expect((await screen.findByTestId('approvals-not-allowed')).textContent).toContain('approve-grants');
    expect(calls.filter((c) => c.command === 'list_grants')).toHaveLength(0);
  });
});

describe('approvals in the workspace', () => {
  function renderShell(status: WorkspaceStatus) {
    mockCommands({
      get_status: () => status,
      list_users: () => ({ total: 1, rows: [user('anna.schmidt', 'EMEA/DE')] }),
      list_grants: () => [BOBS],
    });
    renderWithClient(<WorkspaceShell onSignIn={() => {}} onSignOut={() => {}} />, (client) =>
      client.setQueryData(STATUS_KEY, status),
    );
  }

  it('offers the Approvals section to an admin who may approve, with its shortcut', async () => {
    renderShell(APPROVER);
    await screen.findByTestId('users-screen');
    const nav = screen.getByRole('navigation', { name: 'Sections' });
    const tab = within(nav).getByRole('button', { name: 'Approvals' });
    expect(tab.getAttribute('title')).toMatch(/^Approvals \((Alt\+|⌥)/);
    fireEvent.click(tab);
    expect(await screen.findAllByTestId('approval')).toHaveLength(1);
  });

  it('hides the Approvals section from an admin without approve-grants, keeping the others’ shortcuts', async () => {
    renderShell(ADA_STATUS);
    await screen.findByTestId('users-screen');
    const nav = screen.getByRole('navigation', { name: 'Sections' });
    expect(within(nav).queryByRole('button', { name: 'Approvals' })).toBeNull();
    expect(within(nav).getByRole('button', { name: 'Roles' }).getAttribute('title')).toMatch(/9\)$/);
  });
});
