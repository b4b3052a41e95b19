import { act, fireEvent, screen, waitFor, within } from '@testing-library/react';
import { describe, expect, it, vi } from 'vitest';

import { STATUS_KEY } from '../features/users/queryKeys';
import { ADA_STATUS, mockCommands, renderWithClient, user } from '../test/ipcMock';
import { WorkspaceShell } from './WorkspaceShell';

const SYNC_REPORT = { users: 1, groups: 0, memberships: 0, outOfScopeDropped: 0, startedAt: '', finishedAt: '' };

function renderShell(onSignOut = () => {}) {
  const calls = mockCommands({
    get_status: () => ADA_STATUS,
    list_users: () => ({ total: 1, rows: [user('anna.schmidt', 'EMEA/DE')] }),
    sync_directory: () => SYNC_REPORT,
    list_grants: () => [],
    get_grant_mode: () => ({ mode: 'server', explanation: '' }),
  });
  const rendered = renderWithClient(<WorkspaceShell onSignIn={() => {}} onSignOut={onSignOut} />, (client) =>
    client.setQueryData(STATUS_KEY, ADA_STATUS),
  );
  return { calls, ...rendered };
}

function press(key: string, init: KeyboardEventInit = {}, target: EventTarget = document.body) {
  act(() => {
    target.dispatchEvent(new KeyboardEvent('keydown', { key, bubbles: true, cancelable: true, ...init }));
  });
}

const palette = () => screen.queryByRole('dialog', { name: 'Command palette' });

describe('command palette', () => {
  it('opens on Ctrl+K as a labelled dialog listing sections and actions with their shortcuts', async () => {
    renderShell();
    await screen.findByTestId('users-screen');
    expect(palette()).toBeNull();
    press('k', { ctrlKey: true });
    const dialog = await screen.findByRole('dialog', { name: 'Command palette' });
    const options = within(dialog).getAllByRole('option').map((o) => o.textContent);
    expect(options).toContain('Go to GrantsAlt+2');
    expect(options).toContain('Open SettingsAlt+8');
    expect(options).toContain('Search users/');
    expect(options).toEqual(expect.arrayContaining(['Sync now', 'Sign out']));
    expect(document.activeElement, 'focus moves into the palette').toBe(within(dialog).getByRole('combobox'));
  });

  it('opens on Cmd+K too, and Escape closes it and gives focus back', async () => {
    renderShell();
    await screen.findByTestId('users-screen');
    const grantsTab = screen.getByRole('button', { name: 'Grants' });
    grantsTab.focus();
    press('k', { metaKey: true }, grantsTab);
    const dialog = await screen.findByRole('dialog', { name: 'Command palette' });
    fireEvent.keyDown(within(dialog).getByRole('combobox'), { key: 'Escape' });
    await waitFor(() => expect(palette()).toBeNull());
    await waitFor(() => expect(document.activeElement, 'focus returns where it was').toBe(grantsTab));
  });

  it('filters as the admin types and goes to the chosen section', async () => {
    renderShell();
    await screen.findByTestId('users-screen');
    press('k', { ctrlKey: true });
    const dialog = await screen.findByRole('dialog', { name: 'Command palette' });
    fireEvent.change(within(dialog).getByRole('combobox'), { target: { value: 'settings' } });
    await waitFor(() => expect(within(dialog).queryByRole('option', { name: 'Sign out' })).toBeNull());
    const best = within(dialog).getAllByRole('option')[0];
    expect(best?.textContent, 'the best match comes first').toMatch(/Settings/);
    fireEvent.click(within(dialog).getByRole('option', { name: /Go to Settings/ }));
    expect(await screen.findByTestId('settings-screen')).toBeTruthy();
    await waitFor(() => expect(palette()).toBeNull());
  });

  it('runs Sync now where the admin is, and Sign out through the session', async () => {
    const onSignOut = vi.fn();
    const { calls } = renderShell(onSignOut);
    await screen.findByTestId('users-screen');
    fireEvent.click(screen.getByRole('button', { name: 'Grants' }));
    press('k', { ctrlKey: true });
    fireEvent.click(await screen.findByRole('option', { name: 'Sync now' }));
    await waitFor(() => expect(calls.filter((c) => c.command === 'sync_directory')).toHaveLength(1));
    expect(screen.getByTestId('grants-screen'), 'the sync runs in the bar above the screen').toBeTruthy();
    press('k', { ctrlKey: true });
    fireEvent.click(await screen.findByRole('option', { name: 'Sign out' }));
    expect(onSignOut).toHaveBeenCalledTimes(1);
  });

  it('Search users leaves focus in the users search box, not where the palette was opened', async () => {
    renderShell();
    await screen.findByTestId('users-screen');
    const grantsTab = screen.getByRole('button', { name: 'Grants' });
    fireEvent.click(grantsTab);
    grantsTab.focus();
    press('k', { ctrlKey: true }, grantsTab);
    fireEvent.click(await screen.findByRole('option', { name: /Search users/ }));
    const search = await screen.findByTestId('user-search');
    await waitFor(() => expect(document.activeElement).toBe(search));
    await new Promise((resolve) => setTimeout(resolve, 10));
    expect(document.activeElement, 'still there after the palette has closed').toBe(search);
  });
});

describe('keyboard shortcuts', () => {
  it('Alt+digit switches sections, as each tab’s tooltip says', async () => {
    renderShell();
    await screen.findByTestId('users-screen');
    const grantsTab = screen.getByRole('button', { name: 'Grants' });
    expect(grantsTab.getAttribute('title')).toMatch(/^Grants \((Alt\+|⌥)2\)$/);
    press('2', { altKey: true, code: 'Digit2' });
    expect(await screen.findByTestId('grants-screen')).toBeTruthy();
    expect(grantsTab.getAttribute('aria-current')).toBe('page');
    press('1', { altKey: true, code: 'Digit1' });
    expect(await screen.findByTestId('users-screen')).toBeTruthy();
  });

  it('/ on another section opens Users with the search box focused, but types / in a text field', async () => {
    renderShell();
    await screen.findByTestId('users-screen');
    fireEvent.click(screen.getByRole('button', { name: 'Grants' }));
    const days = await screen.findByRole('spinbutton', { name: 'Expiring within (days)' });
    days.focus();
    press('/', {}, days);
    expect(screen.getByTestId('grants-screen'), 'typing in a field stays on the screen').toBeTruthy();
    press('/');
    const search = await screen.findByTestId('user-search');
    await waitFor(() => expect(document.activeElement).toBe(search));
  });
});

describe('the bar above every screen', () => {
  it('shows the offline banner with the data age, and a sync with its progress and Cancel, on any screen', async () => {
    let progress: { onmessage: (event: unknown) => void } | undefined;
    let finish: (value: unknown) => void = () => {};
    const offline = { ...ADA_STATUS, offline: true };
    const calls = mockCommands({
      get_status: () => offline,
      list_users: () => ({ total: 1, rows: [user('anna.schmidt', 'EMEA/DE')] }),
      sync_directory: (args) => {
        progress = args.progress as typeof progress;
        return new Promise((resolve) => (finish = resolve));
      },
      cancel_sync: () => null,
      list_grants: () => [],
      get_grant_mode: () => ({ mode: 'server', explanation: '' }),
      list_audit: () => [],
    });
    renderWithClient(<WorkspaceShell onSignIn={() => {}} onSignOut={() => {}} initialSection="audit" />, (client) =>
      client.setQueryData(STATUS_KEY, offline),
    );
    await screen.findByTestId('audit-screen');
    const banner = screen.getByTestId('offline-banner');
    expect(banner.textContent).toContain('Offline: the IAM cannot be reached');
    expect(banner.textContent).toContain('synced 3 minutes ago');

    fireEvent.click(screen.getByRole('button', { name: 'Grants' }));
    await screen.findByTestId('grants-screen');
    expect(screen.getByTestId('offline-banner')).toBeTruthy();
    fireEvent.click(screen.getByTestId('sync'));
    await waitFor(() => expect(progress).toBeDefined());
    act(() => progress?.onmessage({ phase: 'users', fetched: 500, total: 1000, pages: 1, perSecond: 250, remainingSeconds: 2 }));
    expect(screen.getByTestId('data-age').textContent).toContain('500');
    fireEvent.click(screen.getByTestId('cancel-sync'));
    await waitFor(() => expect(calls.some((c) => c.command === 'cancel_sync')).toBe(true));
    act(() => finish(SYNC_REPORT));
    await waitFor(() => expect(screen.queryByTestId('cancel-sync')).toBeNull());
  });
});
