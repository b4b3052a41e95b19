import { fireEvent, screen, waitFor, within } from '@testing-library/react';
import { describe, expect, it } from 'vitest';

import { WorkspaceShell } from '../../app/WorkspaceShell';
import type { AuditEntry, Permission, UserDetail as UserDetailData } from '../../ipc';
import { ADA_STATUS, mockCommands, rejectWith, renderWithClient, user } from '../../test/ipcMock';
import { CONTENT_AUTHOR, GRANT_LENGTH_REFUSAL, TEMPLATE_DESIGNER, grant, outcome } from '../../test/operationFixtures';
import { STATUS_KEY } from './queryKeys';
import { UserDetail } from './UserDetail';

const ANNA = user('anna.schmidt', 'EMEA/DE');
const ANNA_DETAIL: UserDetailData = {
  user: ANNA,
  grants: [grant('g1'), grant('g2', { status: 'pending' })],
  actions: null,
  history: [],
};

/** An audit entry about anna, as the core lists them (oldest first). */
function entry(seq: number, action: string, target: string, outcome: string, at: string): AuditEntry {
  return { seq, at, actor: 'ada.emea', action, target, before: null, after: null, outcome, rule: null, detail: null, opId: null, prevHash: '', hash: '' };
}

const ALLOWED: Permission = { allowed: true, needsApproval: false };
const SEPARATION: Permission = {
  allowed: false,
  needsApproval: false,
  refusal: {
    rule: 'separation-of-duties',
    message: 'anna.schmidt holds Exstream Content Author, which may not be combined with Template Designer',
    remedy: 'remove one of the two roles first',
  },
};
const NO_SCOPE: Permission = {
  allowed: false,
  needsApproval: false,
  refusal: { rule: 'capability', message: 'user.disable needs the manage-users capability', remedy: 'ask central IT' },
};
/** What policy says about anna: she may not be disabled by this admin, nor given Template Designer in any way. */
const ANNA_WITH_ACTIONS: UserDetailData = {
  ...ANNA_DETAIL,
  actions: {
    setActive: NO_SCOPE,
    edit: ALLOWED,
    roles: [
      { role: 'Exstream Content Author', held: true, remove: ALLOWED, issueGrant: ALLOWED },
      { role: 'Template Designer', held: false, assign: SEPARATION, issueGrant: SEPARATION },
    ],
  },
};

function renderDetail() {
  return renderWithClient(<UserDetail user={ANNA.id} onClose={() => {}} />);
}

const READS = {
  get_user: () => ANNA_DETAIL,
  list_roles: () => [TEMPLATE_DESIGNER, CONTENT_AUTHOR],
};

describe('user detail', () => {
  it('shows a loading state, then the attributes, roles and grants', async () => {
    let answer: (value: unknown) => void = () => {};
    mockCommands({ ...READS, get_user: () => new Promise((resolve) => (answer = resolve)) });
    renderDetail();
    expect(await screen.findByTestId('user-loading')).toBeTruthy();
    answer(ANNA_DETAIL);
    expect((await screen.findByTestId('user-title')).textContent).toBe('anna schmidt');
    expect(screen.getByRole('list', { name: 'Roles held' }).textContent).toContain('Exstream Content Author');
    expect(screen.getAllByTestId('grant-row')).toHaveLength(2);
    expect(screen.getByRole('button', { name: 'Disable' })).toBeTruthy();
  });

  it("shows the user's history from the audit log, newest first, or says there is none", async () => {
    const history = [
      entry(3, 'role.assign', 'Exstream Content Author of anna.schmidt', 'applied', '2026-03-01T09:00:00Z'),
      entry(7, 'grant.revoke', 'grant g1 (Compliance Reviewer)', 'queued', '2026-03-02T10:30:00Z'),
    ];
    mockCommands({ ...READS, get_user: () => ({ ...ANNA_DETAIL, history }) });
    const { unmount } = renderDetail();
    const table = await screen.findByRole('table', { name: 'What happened to this user and their grants, newest first' });
    const rows = within(table).getAllByTestId('audit-row');
    expect(rows.map((row) => row.querySelector('td')?.textContent)).toEqual(['7', '3']);
    expect(rows[0]?.textContent).toContain('grant g1 (Compliance Reviewer)');
    expect(rows[1]?.querySelector('[data-action]')?.textContent).not.toBe('role.assign');
    expect(screen.queryByTestId('user-history-empty')).toBeNull();
    unmount();

    mockCommands(READS);
    renderDetail();
    expect((await screen.findByTestId('user-history-empty')).textContent).toContain('Nothing recorded');
    expect(screen.queryByTestId('user-history')).toBeNull();
  });

  it('says so when the user is not in the cache', async () => {
    mockCommands({
      ...READS,
      get_user: () => rejectWith({ code: 'failure', message: 'no user ghost in your business units (as last synced)', retryable: false }),
    });
    renderDetail();
    expect((await screen.findByTestId('user-error')).textContent).toContain('no user ghost');
  });

  it('disables the user and says it is done', async () => {
    const calls = mockCommands({
      ...READS,
      set_user_active: () => outcome('done', {}, { action: 'user.disable', operation: { op: 'set-user-active', userId: 'id-anna.schmidt', userName: 'anna.schmidt', active: false } }),
    });
    renderDetail();
    fireEvent.click(await screen.findByRole('button', { name: 'Disable' }));
    const notice = await screen.findByTestId('change-outcome');
    expect(notice.textContent).toContain('Done: disable user anna.schmidt.');
    expect(calls.find((c) => c.command === 'set_user_active')?.args).toEqual({ user: ANNA.id, active: false });
  });

  it('shows the rule and the remedy when policy refuses a role assignment', async () => {
    const calls = mockCommands({
      ...READS,
      assign_role: () =>
        rejectWith({
          code: 'refused',
          message: 'refused: anna.schmidt is a partner and Template Designer is not for partners (rule partner-allowed). Ask central IT.',
          retryable: false,
          rule: 'partner-allowed',
        }),
    });
    renderDetail();
    const select = await screen.findByRole('combobox', { name: 'Role to assign' });
    await waitFor(() => expect(within(select).getAllByRole('option').length).toBeGreaterThan(1));
    fireEvent.change(select, { target: { value: 'Template Designer' } });
    fireEvent.click(screen.getByRole('button', { name: 'Assign role' }));
    const error = await screen.findByTestId('change-error');
    expect(within(error).getByTestId('refusal-rule').textContent).toBe('partner-allowed');
    expect(error.textContent).toContain('Ask central IT.');
    expect(calls.find((c) => c.command === 'assign_role')?.args).toEqual({ user: ANNA.id, role: 'Template Designer' });
  });

  it('says a change made offline is queued and will be sent', async () => {
    mockCommands({
      ...READS,
      remove_role: () =>
        outcome('queued', { notSent: 'sending changes needs the network, and 127.0.0.1 cannot be reached' }, { action: 'role.remove' }),
    });
    renderDetail();
    fireEvent.click(await screen.findByRole('button', { name: 'Remove role Exstream Content Author' }));
    const notice = await screen.findByTestId('change-outcome');
    expect(notice.getAttribute('data-tone')).toBe('queued');
    expect(notice.textContent).toContain('Queued, will be sent when the IAM can be reached');
  });

  it('issues a grant for this user with the role policy shown', async () => {
    const calls = mockCommands({ ...READS, issue_grant: () => outcome('done', { needsApproval: true }, { action: 'grant.issue' }) });
    renderDetail();
    const form = await screen.findByRole('form', { name: 'Issue grant' });
    const role = within(form).getByRole('combobox', { name: 'Role' });
    await waitFor(() => expect(within(role).getAllByRole('option').length).toBeGreaterThan(1));
    fireEvent.change(role, { target: { value: 'Template Designer' } });
    expect(within(form).getByTestId('policy-max-days').textContent).toBe('30');
    fireEvent.change(within(form).getByLabelText('From'), { target: { value: '2026-12-01' } });
    fireEvent.change(within(form).getByLabelText('Until'), { target: { value: '2026-12-15' } });
    fireEvent.change(within(form).getByLabelText('Justification'), { target: { value: 'print run' } });
    fireEvent.click(within(form).getByRole('button', { name: 'Issue grant' }));
    expect((await screen.findByTestId('change-outcome')).textContent).toContain('second admin');
    expect(calls.find((c) => c.command === 'issue_grant')?.args).toEqual({
      request: {
        user: 'anna.schmidt',
        role: 'Template Designer',
        bu: 'EMEA/DE',
        validFrom: '2026-12-01T00:00:00Z',
        validUntil: '2026-12-15T00:00:00Z',
        justification: 'print run',
      },
    });
  });
});

describe('actions policy forbids', () => {
  it('are disabled with the rule that forbids them, before the admin tries', async () => {
    const calls = mockCommands({ ...READS, get_user: () => ANNA_WITH_ACTIONS });
    renderDetail();
    const disable = await screen.findByRole('button', { name: 'Disable' });
    expect((disable as HTMLButtonElement).disabled).toBe(true);
    const why = document.getElementById(disable.getAttribute('aria-describedby') ?? '');
    expect(why?.textContent).toContain('capability');
    expect(why?.textContent).toContain('ask central IT');

    const remove = screen.getByRole('button', { name: 'Remove role Exstream Content Author' });
    expect((remove as HTMLButtonElement).disabled).toBe(false);

    const select = screen.getByRole('combobox', { name: 'Role to assign' });
    await waitFor(() => expect(within(select).getAllByRole('option').length).toBeGreaterThan(1));
    expect(within(select).getByRole('option', { name: 'Template Designer (not allowed: separation-of-duties)' })).toBeTruthy();
    fireEvent.change(select, { target: { value: 'Template Designer' } });
    const assign = screen.getByRole('button', { name: 'Assign role' });
    expect((assign as HTMLButtonElement).disabled).toBe(true);
    const assignWhy = document.getElementById(assign.getAttribute('aria-describedby') ?? '');
    expect(within(assignWhy as HTMLElement).getByTestId('refusal-rule').textContent).toBe('separation-of-duties');
    expect(assignWhy?.textContent).toContain('remove one of the two roles first');

    const form = screen.getByRole('form', { name: 'Issue grant' });
    fireEvent.change(within(form).getByRole('combobox', { name: 'Role' }), { target: { value: 'Template Designer' } });
    fireEvent.change(within(form).getByLabelText('Justification'), { target: { value: 'print run' } });
    expect((within(form).getByRole('button', { name: 'Issue grant' }) as HTMLButtonElement).disabled).toBe(true);
    expect(within(form).getByTestId('forbidden-action').textContent).toContain('separation-of-duties');

    expect(calls.filter((c) => ['set_user_active', 'assign_role', 'issue_grant'].includes(c.command))).toEqual([]);
  });

  it('leave allowed actions enabled', async () => {
    mockCommands({ ...READS, get_user: () => ANNA_WITH_ACTIONS });
    renderDetail();
    const form = await screen.findByRole('form', { name: 'Issue grant' });
    const role = within(form).getByRole('combobox', { name: 'Role' });
    await waitFor(() => expect(within(role).getAllByRole('option').length).toBeGreaterThan(1));
    fireEvent.change(role, { target: { value: 'Exstream Content Author' } });
    fireEvent.change(within(form).getByLabelText('Justification'), { target: { value: 'print run' } });
    expect((within(form).getByRole('button', { name: 'Issue grant' }) as HTMLButtonElement).disabled).toBe(false);
    expect(within(form).queryByTestId('forbidden-action')).toBeNull();
  });
});

describe('navigation', () => {
  it('opens a user from the users table and goes back', async () => {
    mockCommands({ ...READS, get_status: () => ADA_STATUS, list_users: () => ({ total: 1, rows: [ANNA] }) });
    renderWithClient(<WorkspaceShell onSignIn={() => {}} onSignOut={() => {}} />, (client) =>
      client.setQueryData(STATUS_KEY, ADA_STATUS),
    );
    fireEvent.click(await screen.findByRole('button', { name: 'Open anna.schmidt' }));
    expect(await screen.findByTestId('user-title')).toBeTruthy();
    fireEvent.click(screen.getByRole('button', { name: 'Back to users' }));
    expect(await screen.findByTestId('users-screen')).toBeTruthy();
  });

  it('switches between the sections', async () => {
    mockCommands({
      ...READS,
      get_status: () => ADA_STATUS,
      list_users: () => ({ total: 0, rows: [] }),
      list_grants: () => [],
      get_grant_mode: () => ({ mode: 'ledger', explanation: 'Bailiwick keeps the grant windows' }),
      list_outbox: () => [],
      list_conflicts: () => [],
      list_audit: () => [],
    });
    renderWithClient(<WorkspaceShell onSignIn={() => {}} onSignOut={() => {}} />, (client) =>
      client.setQueryData(STATUS_KEY, ADA_STATUS),
    );
    const nav = screen.getByRole('navigation', { name: 'Sections' });
    fireEvent.click(within(nav).getByRole('button', { name: 'Grants' }));
    expect(await screen.findByTestId('grants-screen')).toBeTruthy();
    expect(within(nav).getByRole('button', { name: 'Grants' }).getAttribute('aria-current')).toBe('page');
    fireEvent.click(within(nav).getByRole('button', { name: 'Outbox' }));
    expect(await screen.findByTestId('outbox-screen')).toBeTruthy();
    fireEvent.click(within(nav).getByRole('button', { name: 'Audit' }));
    expect(await screen.findByTestId('audit-screen')).toBeTruthy();
  });
});

// Keeps the refusal fixture used: a grant refused from the detail shows its rule too.
describe('grant refusal from the detail', () => {
  it('names the grant-length rule', async () => {
    mockCommands({ ...READS, revoke_grant: () => rejectWith(GRANT_LENGTH_REFUSAL) });
    renderDetail();
    const [first] = await screen.findAllByRole('button', { name: 'Revoke Template Designer for anna.schmidt' });
    if (!first) throw new Error('a revoke button per open grant');
    fireEvent.click(first);
    expect((await screen.findByTestId('refusal-rule')).textContent).toBe('grant-length');
  });
});
