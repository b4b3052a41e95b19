import { act, fireEvent, screen, waitFor, within } from '@testing-library/react';
import { afterEach, describe, expect, it, vi } from 'vitest';

import type { UserQuery } from '../../ipc';
import { ADA_STATUS, mockCommands, rejectWith, renderWithClient, user } from '../../test/ipcMock';
import { STATUS_KEY } from './queryKeys';
import { UsersWithBar } from '../../test/UsersWithBar';
import { SEARCH_DEBOUNCE_MS } from './UsersScreen';

const USERS = [user('anna.schmidt', 'EMEA/DE'), user('jean.dupont', 'EMEA/FR'), user('anders.berg', 'EMEA/SE')];

function renderUsers(status = ADA_STATUS) {
  return renderWithClient(<UsersWithBar onSignIn={() => {}} onSignOut={() => {}} />, (client) =>
    client.setQueryData(STATUS_KEY, status),
  );
}

function queryOf(args: Record<string, unknown>): UserQuery {
  return args.query as UserQuery;
}

afterEach(() => {
  vi.useRealTimers();
});

describe('users table', () => {
  it('shows a loading state until the first page arrives, then the rows', async () => {
    let answer: (value: unknown) => void = () => {};
    mockCommands({
      get_status: () => ADA_STATUS,
      list_users: () => new Promise((resolve) => (answer = resolve)),
    });
    renderUsers();
    expect(await screen.findByTestId('users-loading')).toBeTruthy();

    answer({ total: USERS.length, rows: USERS });
    const rows = await screen.findAllByTestId('user-row');
    expect(rows.map((r) => r.getAttribute('data-user-name'))).toEqual(['anna.schmidt', 'jean.dupont', 'anders.berg']);
    const [firstRow] = rows;
    if (!firstRow) throw new Error('the first row is rendered');
    expect(within(firstRow).getByTestId('cell-bu').textContent).toBe('EMEA/DE');
  });

  it('asks for nothing but the first page until its rows are shown', async () => {
    let answer: (value: unknown) => void = () => {};
    const calls = mockCommands({
      get_status: () => ADA_STATUS,
      list_users: () => new Promise((resolve) => (answer = resolve)),
      list_roles: () => [],
      list_business_units: () => [],
    });
    renderUsers();
    await screen.findByTestId('users-loading');
    // The core answers one call at a time per cache: the roles' holder counts or the BU tree
    // asked for now would queue before the rows (they did: 0.2 s of a 1.2 s start).
    expect(new Set(calls.map((c) => c.command))).toEqual(new Set(['list_users']));

    answer({ total: USERS.length, rows: USERS });
    await screen.findAllByTestId('user-row');
    await waitFor(() => expect(calls.map((c) => c.command)).toContain('list_business_units'));
  });

  it('renders only the visible rows of a large directory and fetches later pages on demand', async () => {
    const calls = mockCommands({
      get_status: () => ADA_STATUS,
      list_users: (args) => {
        const { offset, limit } = queryOf(args);
        const rows = Array.from({ length: limit }, (_, i) => user(`user.${offset + i}`, 'EMEA/DE'));
        return { total: 100_000, rows };
      },
    });
    renderUsers({ ...ADA_STATUS, cachedUsers: 100_000 });
    const rows = await screen.findAllByTestId('user-row');
    expect(rows.length).toBeGreaterThan(5);
    expect(rows.length).toBeLessThan(100);
    expect(calls.filter((c) => c.command === 'list_users').map((c) => queryOf(c.args).offset)).toEqual([0]);
  });

  it('explains an empty cache and an empty search differently', async () => {
    mockCommands({ get_status: () => ADA_STATUS, list_users: () => ({ total: 0, more: false, rows: [] }) });
    renderUsers({ ...ADA_STATUS, signedIn: false, lastSyncAt: null, cachedUsers: 0 });
    expect((await screen.findByTestId('users-empty')).textContent).toContain('Press Sync');

    fireEvent.change(screen.getByTestId('user-search'), { target: { value: 'nobody' } });
    await waitFor(() => expect(screen.getByTestId('users-empty').textContent).toContain('matches “nobody”'));
  });

  it('says when more users match than were counted, in the count and after the last row', async () => {
    mockCommands({
      get_status: () => ADA_STATUS,
      list_users: (args) => (queryOf(args).search ? { total: 3, more: true, rows: USERS } : { total: 1, more: false, rows: [USERS[0]] }),
    });
    renderUsers({ ...ADA_STATUS, cachedUsers: 1_000_000 });
    expect(await screen.findAllByTestId('user-row')).toHaveLength(1);
    expect(screen.queryByTestId('users-more')).toBeNull();

    fireEvent.change(screen.getByTestId('user-search'), { target: { value: 'northwind' } });
    await waitFor(() => expect(screen.getByTestId('users-count').textContent).toBe('more than 3 of 1,000,000 users'));
    expect(screen.getAllByTestId('user-row')).toHaveLength(3);
    expect(screen.getByTestId('users-more').textContent).toBe('More than 3 users match. Narrow the search or the filters to see the others.');
  });

  it('shows a specific message when the cache cannot be read', async () => {
    mockCommands({
      get_status: () => ADA_STATUS,
      list_users: () =>
        rejectWith({ code: 'failure', message: 'the local cache is from a newer Bailiwick (schema 9, this build knows up to 1)', retryable: false }),
    });
    renderUsers();
    const error = await screen.findByTestId('users-error');
    expect(error.textContent).toContain('newer Bailiwick');
  });

  it('marks cached data as offline and still lists it', async () => {
    mockCommands({ get_status: () => ADA_STATUS, list_users: () => ({ total: 1, rows: [USERS[0]] }) });
    renderUsers({ ...ADA_STATUS, signedIn: false, offline: true });
    expect(await screen.findByTestId('offline-banner')).toBeTruthy();
    expect(screen.getByTestId('offline-badge').textContent).toBe('Offline');
    expect(await screen.findAllByTestId('user-row')).toHaveLength(1);
    expect(screen.queryByTestId('sync')).toBeNull();
    expect(screen.getByTestId('sign-in')).toBeTruthy();
  });

  it('shows who is signed in, their scopes and the age of the data', async () => {
    mockCommands({ get_status: () => ADA_STATUS, list_users: () => ({ total: 0, more: false, rows: [] }) });
    renderUsers();
    expect((await screen.findByTestId('bu-scopes')).textContent).toBe('EMEA');
    expect(screen.getByTestId('capabilities').textContent).toContain('manage-users');
    expect(screen.getByTestId('data-age').textContent).toContain('3 minutes ago');
  });
});

describe('search', () => {
  it('queries the core once the typing pauses, with the search text', async () => {
    vi.useFakeTimers({ shouldAdvanceTime: true });
    const calls = mockCommands({
      get_status: () => ADA_STATUS,
      list_users: (args) => {
        const search = queryOf(args).search ?? '';
        const rows = USERS.filter((u) => u.userName.includes(search));
        return { total: rows.length, rows };
      },
    });
    renderUsers();
    await screen.findAllByTestId('user-row');
    const searchBox = screen.getByTestId('user-search');
    for (const text of ['a', 'an', 'ann', 'anna']) fireEvent.change(searchBox, { target: { value: text } });

    const searches = () => calls.filter((c) => c.command === 'list_users').map((c) => queryOf(c.args).search);
    expect(searches()).toEqual([undefined]);

    await act(async () => {
      await vi.advanceTimersByTimeAsync(SEARCH_DEBOUNCE_MS + 10);
    });
    await waitFor(() => expect(searches()).toEqual([undefined, 'anna']));
    await waitFor(() =>
      expect(screen.getAllByTestId('user-row').map((r) => r.getAttribute('data-user-name'))).toEqual(['anna.schmidt']),
    );
  });

  it('filters by BU (a tree with counts), type, status and role, and clears them', async () => {
    const calls = mockCommands({
      get_status: () => ADA_STATUS,
      list_users: (args) => {
        const query = queryOf(args);
        const rows = USERS.filter((u) => !query.bu || u.bu === query.bu || u.bu?.startsWith(`${query.bu}/`));
        return { total: rows.length, rows };
      },
      list_business_units: () => [
        { bu: 'EMEA/DE', users: 1 },
        { bu: 'EMEA/FR', users: 1 },
        { bu: 'EMEA/SE', users: 1 },
      ],
      list_roles: () => [{ name: 'Compliance Reviewer', groupId: 'g1', holders: 2, sensitivity: 'high' as const, partner_allowed: false }],
    });
    renderUsers();
    await screen.findAllByTestId('user-row');
    const bu = screen.getByTestId('filter-bu') as HTMLSelectElement;
    await waitFor(() => expect(bu.options.length).toBe(5));
    expect([...bu.options].map((o) => o.textContent)).toEqual(['All', 'EMEA (3)', '\u00a0\u00a0DE (1)', '\u00a0\u00a0FR (1)', '\u00a0\u00a0SE (1)']);

    fireEvent.change(bu, { target: { value: 'EMEA/FR' } });
    await waitFor(() =>
      expect(screen.getAllByTestId('user-row').map((r) => r.getAttribute('data-user-name'))).toEqual(['jean.dupont']),
    );
    expect(screen.getByTestId('users-count').textContent).toBe('1 of 3 users');
    const roleSelect = screen.getByTestId('filter-role') as HTMLSelectElement;
    await waitFor(() => expect(roleSelect.options.length).toBe(2));
    fireEvent.change(screen.getByTestId('filter-status'), { target: { value: 'disabled' } });
    fireEvent.change(screen.getByTestId('filter-type'), { target: { value: 'partner' } });
    fireEvent.change(roleSelect, { target: { value: 'Compliance Reviewer' } });
    const last = () => queryOf(calls.filter((c) => c.command === 'list_users').at(-1)?.args ?? {});
    await waitFor(() =>
      expect(last()).toMatchObject({ bu: 'EMEA/FR', active: false, type: 'partner', role: 'Compliance Reviewer', offset: 0 }),
    );

    fireEvent.click(screen.getByTestId('clear-filters'));
    // Back to the unfiltered rows (the first answer, still cached).
    await waitFor(() => expect(screen.getAllByTestId('user-row')).toHaveLength(3));
    expect(screen.queryByTestId('clear-filters')).toBeNull();
  });

  it('focuses the search box on /', async () => {
    mockCommands({ get_status: () => ADA_STATUS, list_users: () => ({ total: 0, more: false, rows: [] }) });
    renderUsers();
    const searchBox = await screen.findByTestId('user-search');
    expect(document.activeElement).not.toBe(searchBox);
    fireEvent.keyDown(window, { key: '/' });
    expect(document.activeElement).toBe(searchBox);
  });
});

describe('sync', () => {
  it('syncs a first sign-in automatically and refreshes the table afterwards', async () => {
    let synced = false;
    const calls = mockCommands({
      get_status: () => ({ ...ADA_STATUS, lastSyncAt: synced ? new Date().toISOString() : null }),
      sync_directory: () => {
        synced = true;
        return { users: 3, groups: 1, memberships: 3, outOfScopeDropped: 0, startedAt: '', finishedAt: '' };
      },
      list_users: () => (synced ? { total: USERS.length, rows: USERS } : { total: 0, rows: [] }),
    });
    renderUsers({ ...ADA_STATUS, lastSyncAt: null, cachedUsers: 0 });
    expect(await screen.findAllByTestId('user-row')).toHaveLength(3);
    expect(calls.filter((c) => c.command === 'sync_directory')).toHaveLength(1);
    expect(screen.getByTestId('data-age').textContent).toContain('just now');
  });

  it('says the IAM is unreachable when a sync fails offline', async () => {
    mockCommands({
      get_status: () => ADA_STATUS,
      list_users: () => ({ total: 0, more: false, rows: [] }),
      sync_directory: () => rejectWith({ code: 'offline', message: 'sync needs the network', retryable: true }),
    });
    renderUsers();
    fireEvent.click(await screen.findByTestId('sync'));
    expect((await screen.findByTestId('sync-error')).textContent).toContain('The IAM cannot be reached');
  });
});

describe('bulk select', () => {
  it('ticks rows one by one and by range, and changes the selected users at once', async () => {
    const calls = mockCommands({
      get_status: () => ADA_STATUS,
      list_users: () => ({ total: USERS.length, more: false, rows: USERS }),
      list_roles: () => [{ name: 'Compliance Reviewer', holders: [] }],
      change_selection: () => ({
        report: {
          dryRun: false,
          queued: 1,
          skipped: 1,
          refused: 0,
          invalid: 0,
          rows: [
            { line: 1, subject: 'anna.schmidt', outcome: 'queued', message: 'queued role.assign' },
            { line: 2, subject: 'anders.berg', outcome: 'skipped', message: 'holds the role already' },
          ],
        },
      }),
    });
    renderUsers();
    const boxes = await screen.findAllByTestId('select-user');
    expect(screen.queryByTestId('selection-bar')).toBeNull();

    const [anna, jean, anders] = boxes;
    if (!anna || !jean || !anders) throw new Error('three rows');
    fireEvent.click(anna);
    expect(screen.getByTestId('selection-count').textContent).toBe('1 selected');
    fireEvent.click(anders, { shiftKey: true });
    expect(screen.getByTestId('selection-count').textContent).toBe('3 selected');
    fireEvent.click(jean);
    expect(screen.getByTestId('selection-count').textContent).toBe('2 selected');
    expect(screen.getAllByTestId('user-row').map((row) => row.getAttribute('data-selected'))).toEqual(['true', 'false', 'true']);

    const bar = within(screen.getByTestId('selection-bar'));
    const assign = bar.getByRole('button', { name: 'Assign role' });
    expect(assign).toHaveProperty('disabled', true);
    await waitFor(() => expect(bar.getByRole('option', { name: 'Compliance Reviewer' })).toBeTruthy());
    fireEvent.change(screen.getByTestId('selection-role'), { target: { value: 'Compliance Reviewer' } });
    fireEvent.click(assign);

    const summary = await screen.findByTestId('import-summary');
    expect(summary.textContent).toContain('1 changes queued, 1 skipped');
    const sent = calls.filter((c) => c.command === 'change_selection').map((c) => c.args);
    expect(sent).toEqual([
      { users: ['id-anna.schmidt', 'id-anders.berg'], change: { kind: 'assignRole', role: 'Compliance Reviewer' }, dryRun: false },
    ]);
    expect(screen.getAllByTestId('import-row').map((row) => row.getAttribute('data-outcome'))).toEqual(['queued', 'skipped']);

    fireEvent.click(screen.getByRole('button', { name: 'Disable' }));
    await waitFor(() => expect(calls.filter((c) => c.command === 'change_selection')).toHaveLength(2));
    expect(calls.filter((c) => c.command === 'change_selection')[1]?.args.change).toEqual({ kind: 'setActive', active: false });

    fireEvent.click(screen.getByRole('button', { name: 'Clear selection' }));
    expect(screen.queryByTestId('selection-bar')).toBeNull();
    expect(screen.queryByTestId('selection-result')).toBeNull();
  });

  it('shows why the whole change failed', async () => {
    mockCommands({
      get_status: () => ADA_STATUS,
      list_users: () => ({ total: USERS.length, more: false, rows: USERS }),
      list_roles: () => [],
      change_selection: () => rejectWith({ code: 'usage', message: 'select at least one user', retryable: false }),
    });
    renderUsers();
    const [first] = await screen.findAllByTestId('select-user');
    if (!first) throw new Error('a row');
    fireEvent.click(first);
    fireEvent.click(screen.getByRole('button', { name: 'Enable' }));
    expect((await screen.findByTestId('selection-error')).textContent).toContain('select at least one user');
  });
});
