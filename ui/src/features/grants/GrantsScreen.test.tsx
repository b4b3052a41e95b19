import { fireEvent, screen, waitFor, within } from '@testing-library/react';
import { describe, expect, it } from 'vitest';

import type { AdminContext, GrantQuery } from '../../ipc';
import { ADA_STATUS, mockCommands, rejectWith, renderWithClient } from '../../test/ipcMock';
import { CONTENT_AUTHOR, GRANT_LENGTH_REFUSAL, TEMPLATE_DESIGNER, grant, outcome } from '../../test/operationFixtures';
import { GrantsScreen } from './GrantsScreen';

const SERVER_MODE = { mode: 'server', explanation: 'the directory holds the grants and ends each one on time by itself' };
const GRANTS = [grant('g-active'), grant('g-pending', { status: 'pending', user: 'jean.dupont' })];

const READS = {
  list_grants: () => GRANTS,
  get_grant_mode: () => SERVER_MODE,
  list_roles: () => [TEMPLATE_DESIGNER, CONTENT_AUTHOR],
};

/** Ada Lovelace (the fixtures' requester) with `capabilities`. */
function adminWith(capabilities: AdminContext['capabilities']): AdminContext {
  return { subject: 'ada.emea', displayName: 'Ada Lovelace', buScopes: ['EMEA'], capabilities };
}

function queriesOf(calls: { command: string; args: Record<string, unknown> }[]): GrantQuery[] {
  return calls.filter((c) => c.command === 'list_grants').map((c) => c.args.query as GrantQuery);
}

async function chooseRole(form: HTMLElement, name: string) {
  const role = within(form).getByRole('combobox', { name: 'Role' });
  await waitFor(() => expect(within(role).getAllByRole('option').length).toBeGreaterThan(1));
  fireEvent.change(role, { target: { value: name } });
}

describe('grants list', () => {
  it('shows a loading state, then the grants and the grant mode with its meaning', async () => {
    let answer: (value: unknown) => void = () => {};
    mockCommands({ ...READS, list_grants: () => new Promise((resolve) => (answer = resolve)) });
    renderWithClient(<GrantsScreen />);
    expect(await screen.findByTestId('grants-loading')).toBeTruthy();
    answer(GRANTS);
    expect(await screen.findAllByTestId('grant-row')).toHaveLength(2);
    const mode = screen.getByTestId('grant-mode');
    expect(mode.textContent).toContain('Grant mode: server');
    expect(mode.textContent).toContain('ends each one on time');
  });

  it('explains an empty list', async () => {
    mockCommands({ ...READS, list_grants: () => [] });
    renderWithClient(<GrantsScreen />);
    expect((await screen.findByTestId('grants-empty')).textContent).toContain('No grants');
  });

  it('shows why the grants cannot be read', async () => {
    mockCommands({
      ...READS,
      list_grants: () => rejectWith({ code: 'usage', message: 'no workspace is open', retryable: false }),
    });
    renderWithClient(<GrantsScreen />);
    expect((await screen.findByTestId('grants-error')).textContent).toContain('no workspace is open');
  });

  it('filters by status and by days to expiry', async () => {
    const calls = mockCommands(READS);
    renderWithClient(<GrantsScreen />);
    await screen.findAllByTestId('grant-row');
    fireEvent.change(screen.getByRole('combobox', { name: 'Status' }), { target: { value: 'pending' } });
    fireEvent.change(screen.getByRole('spinbutton', { name: 'Expiring within (days)' }), { target: { value: '7' } });
    await waitFor(() => expect(queriesOf(calls)).toContainEqual({ status: 'pending', expiringWithinDays: 7 }));
    expect(queriesOf(calls)[0]).toEqual({});
  });

  it('offers Approve and Reject on pending grants only', async () => {
    mockCommands(READS);
    renderWithClient(<GrantsScreen />);
    await screen.findAllByTestId('grant-row');
    expect(screen.getByRole('button', { name: 'Approve Template Designer for jean.dupont' })).toBeTruthy();
    expect(screen.getByRole('button', { name: 'Reject Template Designer for jean.dupont' })).toBeTruthy();
    expect(screen.queryByRole('button', { name: 'Approve Template Designer for anna.schmidt' })).toBeNull();
    expect(screen.getByRole('button', { name: 'Revoke Template Designer for anna.schmidt' })).toBeTruthy();
  });

  it('disables Approve and Reject with the rule when policy forbids this admin to decide', async () => {
    const approver = adminWith(['approve-grants']);
    const grants = [
      grant('g-own', { status: 'pending', user: 'jean.dupont', requester: 'Ada Lovelace' }),
      grant('g-other', { status: 'pending', user: 'kenji.sato', requester: 'Bob Builder' }),
    ];
    mockCommands({ ...READS, list_grants: () => grants, get_status: () => ({ ...ADA_STATUS, admin: approver }) });
    renderWithClient(<GrantsScreen />);
    const own = await screen.findByRole('button', { name: 'Approve Template Designer for jean.dupont' });
    await waitFor(() => expect((own as HTMLButtonElement).disabled).toBe(true));
    expect((screen.getByRole('button', { name: 'Reject Template Designer for jean.dupont' }) as HTMLButtonElement).disabled).toBe(true);
    const rule = screen.getByTestId('decision-rule');
    expect(rule.textContent).toContain('four-eyes');
    expect(own.getAttribute('aria-describedby')).toBe(rule.id);
    const other = screen.getByRole('button', { name: 'Approve Template Designer for kenji.sato' }) as HTMLButtonElement;
    expect(other.disabled, 'another admin\'s request may be decided').toBe(false);
  });

  it('names the missing capability to an admin who may not approve', async () => {
    const reviewer = adminWith(['review']);
    mockCommands({ ...READS, get_status: () => ({ ...ADA_STATUS, admin: reviewer }) });
    renderWithClient(<GrantsScreen />);
    const approve = await screen.findByRole('button', { name: 'Approve Template Designer for jean.dupont' });
    await waitFor(() => expect((approve as HTMLButtonElement).disabled).toBe(true));
    expect(screen.getByTestId('decision-rule').textContent).toContain('approve-grants capability');
  });

  it('approves a pending grant and reports the outcome', async () => {
    const calls = mockCommands({ ...READS, approve_grant: () => outcome('done', {}, { action: 'grant.approve', operation: { op: 'approve-grant', grantId: 'g-pending', role: 'Template Designer' } }) });
    renderWithClient(<GrantsScreen />);
    fireEvent.click(await screen.findByRole('button', { name: 'Approve Template Designer for jean.dupont' }));
    expect((await screen.findByTestId('change-outcome')).textContent).toContain('Done: approve grant g-pendin (Template Designer).');
    expect(calls.find((c) => c.command === 'approve_grant')?.args).toEqual({ id: 'g-pending' });
  });

  it('extends a grant to a new end day', async () => {
    const calls = mockCommands({ ...READS, extend_grant: () => outcome('done', {}, { action: 'grant.extend' }) });
    renderWithClient(<GrantsScreen />);
    fireEvent.click(await screen.findByRole('button', { name: 'Extend Template Designer for anna.schmidt' }));
    fireEvent.change(screen.getByLabelText('New end of Template Designer for anna.schmidt'), { target: { value: '2026-12-20' } });
    fireEvent.click(screen.getByRole('button', { name: 'Confirm extending Template Designer for anna.schmidt' }));
    await screen.findByTestId('change-outcome');
    expect(calls.find((c) => c.command === 'extend_grant')?.args).toEqual({ id: 'g-active', validUntil: '2026-12-20T00:00:00Z' });
  });

  it('says a revocation is queued when the IAM cannot be reached', async () => {
    mockCommands({ ...READS, revoke_grant: () => outcome('queued', { notSent: 'the IAM cannot be reached' }, { action: 'grant.revoke' }) });
    renderWithClient(<GrantsScreen />);
    fireEvent.click(await screen.findByRole('button', { name: 'Revoke Template Designer for anna.schmidt' }));
    expect((await screen.findByTestId('change-outcome')).textContent).toContain('Queued, will be sent');
  });

  it('shows a failure the directory reported with its rule', async () => {
    mockCommands({
      ...READS,
      reject_grant: () => outcome('failed', {}, { action: 'grant.reject', lastError: 'the directory refused: four eyes', rule: 'four-eyes' }),
    });
    renderWithClient(<GrantsScreen />);
    fireEvent.click(await screen.findByRole('button', { name: 'Reject Template Designer for jean.dupont' }));
    const notice = await screen.findByTestId('change-outcome');
    expect(notice.getAttribute('data-tone')).toBe('failed');
    expect(within(notice).getByTestId('refusal-rule').textContent).toBe('four-eyes');
  });
});

describe('issue grant form', () => {
  it('shows the chosen role policy and warns about a too long grant', async () => {
    mockCommands(READS);
    renderWithClient(<GrantsScreen />);
    fireEvent.click(await screen.findByRole('button', { name: 'New grant' }));
    const form = screen.getByRole('form', { name: 'Issue grant' });
    await chooseRole(form, 'Template Designer');
    expect(within(form).getByTestId('policy-max-days').textContent).toBe('30');
    expect(within(form).getByTestId('policy-partner').textContent).toBe('not allowed');
    expect(within(form).getByTestId('policy-approval').textContent).toContain('second admin');
    fireEvent.change(within(form).getByLabelText('From'), { target: { value: '2026-12-01' } });
    fireEvent.change(within(form).getByLabelText('Until'), { target: { value: '2027-01-15' } });
    expect(within(form).getByTestId('grant-too-long').textContent).toContain('45 days');
  });

  it('shows the rule and the remedy when policy refuses the grant', async () => {
    const calls = mockCommands({ ...READS, issue_grant: () => rejectWith(GRANT_LENGTH_REFUSAL) });
    renderWithClient(<GrantsScreen />);
    fireEvent.click(await screen.findByRole('button', { name: 'New grant' }));
    const form = screen.getByRole('form', { name: 'Issue grant' });
    fireEvent.change(within(form).getByLabelText('User'), { target: { value: 'anna.schmidt' } });
    await chooseRole(form, 'Template Designer');
    fireEvent.change(within(form).getByLabelText('Business unit'), { target: { value: 'EMEA/DE' } });
    fireEvent.change(within(form).getByLabelText('From'), { target: { value: '2026-12-01' } });
    fireEvent.change(within(form).getByLabelText('Until'), { target: { value: '2027-01-15' } });
    fireEvent.change(within(form).getByLabelText('Justification'), { target: { value: 'print run' } });
    fireEvent.click(within(form).getByRole('button', { name: 'Issue grant' }));
    const error = await screen.findByTestId('change-error');
    expect(error.textContent).toContain('Refused by policy: rule grant-length');
    expect(error.textContent).toContain('Shorten the grant to 30 days or less.');
    expect(calls.find((c) => c.command === 'issue_grant')?.args.request).toMatchObject({
      validFrom: '2026-12-01T00:00:00Z',
      validUntil: '2027-01-15T00:00:00Z',
    });
  });

  it('keeps Issue grant disabled until the form is complete', async () => {
    mockCommands(READS);
    renderWithClient(<GrantsScreen />);
    fireEvent.click(await screen.findByRole('button', { name: 'New grant' }));
    const form = screen.getByRole('form', { name: 'Issue grant' });
    const submit = within(form).getByRole('button', { name: 'Issue grant' });
    expect((submit as HTMLButtonElement).disabled).toBe(true);
  });
});
