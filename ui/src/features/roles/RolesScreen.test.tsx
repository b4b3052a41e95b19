import { fireEvent, screen, waitFor, within } from '@testing-library/react';
import { useState } from 'react';
import { describe, expect, it, vi } from 'vitest';

import { WorkspaceShell } from '../../app/WorkspaceShell';
import type { RoleView, UserQuery } from '../../ipc';
import { ADA_STATUS, mockCommands, rejectWith, renderWithClient, user } from '../../test/ipcMock';
import { CONTENT_AUTHOR, TEMPLATE_DESIGNER } from '../../test/operationFixtures';
import { STATUS_KEY } from '../users/queryKeys';
import { HOLDERS_PAGE_SIZE } from './RoleHolders';
import { RolesScreen } from './RolesScreen';

const APPROVER_ROLE: RoleView = { ...TEMPLATE_DESIGNER, sensitivity: 'high', confers: ['approve-grants', 'issue-grants'] };

const READS = {
  get_status: () => ADA_STATUS,
  list_roles: () => [APPROVER_ROLE, CONTENT_AUTHOR],
  list_users: () => ({ total: 2, rows: [user('anna.schmidt', 'EMEA/DE'), user('jean.dupont', 'EMEA/FR')] }),
};

function userQueries(calls: { command: string; args: Record<string, unknown> }[]): UserQuery[] {
  return calls.filter((c) => c.command === 'list_users').map((c) => c.args.query as UserQuery);
}

/** The screen with its selection kept by a parent, as the shell keeps it. */
function RolesWithSelection({ onOpenUser }: { onOpenUser: (id: string) => void }) {
  const [selected, setSelected] = useState<string | null>(null);
  return <RolesScreen selected={selected} onSelect={setSelected} onOpenUser={onOpenUser} />;
}

function renderRoles(onOpenUser = vi.fn()) {
  renderWithClient(<RolesWithSelection onOpenUser={onOpenUser} />);
  return { onOpenUser };
}

describe('roles screen', () => {
  it('shows a loading state, then each role with its policy, capabilities and holder count', async () => {
    let answer: (value: unknown) => void = () => {};
    mockCommands({ ...READS, list_roles: () => new Promise((resolve) => (answer = resolve)) });
    renderRoles();
    expect(await screen.findByTestId('roles-loading')).toBeTruthy();
    answer([APPROVER_ROLE, CONTENT_AUTHOR]);
    const rows = await screen.findAllByTestId('role-row');
    expect(rows.map((r) => r.dataset.role)).toEqual(['Template Designer', 'Exstream Content Author']);
    const designer = within(rows[0] as HTMLElement).getAllByRole('cell').map((c) => c.textContent);
    expect(designer, 'sensitivity, partners, max days, approval, confers, holders').toEqual([
      'high',
      'not allowed',
      '30',
      'needs a second admin (four eyes)',
      'approve-grantsissue-grants',
      '4',
    ]);
    const author = within(rows[1] as HTMLElement).getAllByRole('cell').map((c) => c.textContent);
    expect(author).toEqual(['low', 'allowed', '90', 'not needed', '—', '12']);
  });

  it('lists the holders of the chosen role, a page at a time', async () => {
    const many = Array.from({ length: HOLDERS_PAGE_SIZE }, (_, i) => user(`user${i}`, 'EMEA/DE'));
    const calls = mockCommands({
      ...READS,
      list_users: (args) => {
        const query = args.query as UserQuery;
        return query.offset === 0 ? { total: HOLDERS_PAGE_SIZE + 1, rows: many } : { total: HOLDERS_PAGE_SIZE + 1, rows: [user('last.one', 'EMEA/FR')] };
      },
    });
    renderRoles();
    const show = await screen.findByRole('button', { name: 'Show the holders of Template Designer' });
    expect(show.getAttribute('aria-pressed')).toBe('false');
    fireEvent.click(show);
    expect(show.getAttribute('aria-pressed')).toBe('true');
    const holders = await screen.findByRole('region', { name: 'Holders of Template Designer' });
    expect(await within(holders).findAllByTestId('holder-row')).toHaveLength(HOLDERS_PAGE_SIZE);
    expect(within(holders).getByTestId('holders-range').textContent).toBe('1–50 of 51');
    expect(userQueries(calls)).toEqual([{ role: 'Template Designer', offset: 0, limit: HOLDERS_PAGE_SIZE }]);
    expect((within(holders).getByRole('button', { name: 'Previous' }) as HTMLButtonElement).disabled).toBe(true);

    fireEvent.click(within(holders).getByRole('button', { name: 'Next' }));
    await waitFor(() => expect(within(holders).getAllByTestId('holder-row')).toHaveLength(1));
    expect(userQueries(calls).at(-1)).toEqual({ role: 'Template Designer', offset: HOLDERS_PAGE_SIZE, limit: HOLDERS_PAGE_SIZE });
    expect(within(holders).getByTestId('holders-range').textContent).toBe('51–51 of 51');
    expect((within(holders).getByRole('button', { name: 'Next' }) as HTMLButtonElement).disabled, 'the last page').toBe(true);
  });

  it('opens a holder by id', async () => {
    mockCommands(READS);
    const { onOpenUser } = renderRoles();
    fireEvent.click(await screen.findByRole('button', { name: 'Show the holders of Exstream Content Author' }));
    fireEvent.click(await screen.findByRole('button', { name: 'Open jean.dupont' }));
    expect(onOpenUser).toHaveBeenCalledWith('id-jean.dupont');
  });

  it('says when nobody holds the role', async () => {
    mockCommands({ ...READS, list_users: () => ({ total: 0, rows: [] }) });
    renderRoles();
    fireEvent.click(await screen.findByRole('button', { name: 'Show the holders of Template Designer' }));
    expect((await screen.findByTestId('role-holders-empty')).textContent).toBe(
      'Nobody in your business units holds Template Designer.',
    );
  });

  it('explains an empty catalog', async () => {
    mockCommands({ ...READS, list_roles: () => [] });
    renderRoles();
    expect((await screen.findByTestId('roles-empty')).textContent).toBe('The catalog has no roles.');
  });

  it('shows why the catalog cannot be read', async () => {
    mockCommands({ ...READS, list_roles: () => rejectWith({ code: 'usage', message: 'no workspace is open', retryable: false }) });
    renderRoles();
    expect((await screen.findByTestId('roles-error')).textContent).toContain('no workspace is open');
  });

  it('says the roles are the cached ones while offline', async () => {
    mockCommands({ ...READS, get_status: () => ({ ...ADA_STATUS, offline: true }) });
    renderRoles();
    expect((await screen.findByTestId('roles-offline')).textContent).toContain('cached when you last synced');
    expect(await screen.findAllByTestId('role-row'), 'the cached catalog is still shown').toHaveLength(2);
  });
});

describe('roles in the workspace', () => {
  it('opens a holder’s detail and comes back to the same role’s holders', async () => {
    mockCommands({
      ...READS,
      list_grants: () => [],
      get_user: () => ({ user: user('jean.dupont', 'EMEA/FR'), grants: [], actions: null, history: [] }),
    });
    renderWithClient(<WorkspaceShell onSignIn={() => {}} onSignOut={() => {}} initialSection="roles" />, (client) =>
      client.setQueryData(STATUS_KEY, ADA_STATUS),
    );
    fireEvent.click(await screen.findByRole('button', { name: 'Show the holders of Template Designer' }));
    fireEvent.click(await screen.findByRole('button', { name: 'Open jean.dupont' }));
    expect(await screen.findByTestId('user-detail')).toBeTruthy();
    expect(screen.getByRole('button', { name: 'Roles' }).getAttribute('aria-current'), 'still in Roles').toBe('page');
    fireEvent.click(screen.getByRole('button', { name: 'Back to users' }));
    expect(await screen.findByRole('region', { name: 'Holders of Template Designer' })).toBeTruthy();
  });
});
