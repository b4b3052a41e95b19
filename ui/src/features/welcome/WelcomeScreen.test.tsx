import { act, fireEvent, screen, waitFor, within } from '@testing-library/react';
import { afterEach, describe, expect, it, vi } from 'vitest';

import { App } from '../../app/App';
import { createQueryClient } from '../../app/queryClient';
import { render } from '@testing-library/react';
import { ADA_STATUS, mockCommands, rejectWith, user } from '../../test/ipcMock';

function renderApp() {
  return render(<App queryClient={createQueryClient()} />);
}

afterEach(() => {
  vi.useRealTimers();
});

describe('welcome', () => {
  it('is shown when there is no workspace to resume', async () => {
    mockCommands({ resume_workspace: () => null });
    renderApp();
    expect(await screen.findByTestId('welcome')).toBeTruthy();
    expect(screen.getByTestId('open-demo').textContent).toBe('Open the demo workspace');
    expect((screen.getByTestId('open-profile') as HTMLButtonElement).disabled).toBe(true);
  });

  it('lists the recent workspaces, most recent first, and opens the one chosen', async () => {
    const calls = mockCommands({
      resume_workspace: () => null,
      list_recent_workspaces: () => [
        { kind: 'profile', path: '/etc/bailiwick/emea.toml', name: 'otds-emea', openedAt: '2026-11-27T16:20:00Z' },
        { kind: 'demo', name: 'demo', openedAt: '2026-11-20T09:00:00Z' },
      ],
      open_profile_workspace: () => new Promise(() => {}),
    });
    renderApp();
    const list = await screen.findByRole('list', { name: 'Recent workspaces' });
    const buttons = within(list).getAllByTestId('recent-workspace');
    expect(buttons.map((button) => button.getAttribute('aria-label'))).toEqual([
      'Open otds-emea (/etc/bailiwick/emea.toml)',
      'Open demo (the demo IAM inside the app)',
    ]);
    expect(buttons[0]?.textContent).toContain('opened');
    fireEvent.click(buttons[0] as HTMLElement);
    await waitFor(() => expect(calls.some((c) => c.command === 'open_profile_workspace')).toBe(true));
    expect(calls.find((c) => c.command === 'open_profile_workspace')?.args).toEqual({ path: '/etc/bailiwick/emea.toml' });
    await waitFor(() => expect((screen.getAllByTestId('recent-workspace')[1] as HTMLButtonElement).disabled).toBe(true));
  });

  it('shows no recent workspaces section when none was opened yet', async () => {
    mockCommands({ resume_workspace: () => null, list_recent_workspaces: () => [] });
    renderApp();
    expect(await screen.findByTestId('welcome')).toBeTruthy();
    await waitFor(() => expect(screen.queryByRole('list', { name: 'Recent workspaces' })).toBeNull());
    expect(screen.queryByTestId('recent-workspace')).toBeNull();
  });

  it('opens the demo, waits in the browser with the sign-in URL, then shows the users', async () => {
    let finishSignIn: (value: unknown) => void = () => {};
    const calls = mockCommands({
      resume_workspace: () => null,
      list_recent_workspaces: () => [],
      open_demo_workspace: () => ({ ...ADA_STATUS, signedIn: false, admin: null, lastSyncAt: null, cachedUsers: 0 }),
      sign_in: (args) => {
        const events = args.events as { onmessage: (event: unknown) => void };
        events.onmessage({ kind: 'browser-opened', url: 'http://127.0.0.1:47474/authorize?client_id=bailiwick-desktop' });
        return new Promise((resolve) => {
          finishSignIn = resolve;
        });
      },
      get_status: () => ADA_STATUS,
      list_users: () => ({ total: 0, rows: [] }),
    });
    renderApp();
    fireEvent.click(await screen.findByTestId('open-demo'));

    expect(await screen.findByText('Continue in your browser…')).toBeTruthy();
    expect((await screen.findByTestId('sign-in-url')).textContent).toContain('/authorize?client_id=bailiwick-desktop');

    finishSignIn(ADA_STATUS);
    expect(await screen.findByTestId('users-screen')).toBeTruthy();
    expect(screen.getByTestId('admin-name').textContent).toBe('Ada Lovelace');
    expect(calls.map((c) => c.command).slice(0, 4)).toEqual([
      'resume_workspace',
      'list_recent_workspaces',
      'open_demo_workspace',
      'sign_in',
    ]);
  });

  it('opens a profile by the path typed in', async () => {
    const calls = mockCommands({
      resume_workspace: () => null,
      open_profile_workspace: () => rejectWith({ code: 'usage', message: 'profile /tmp/x.toml: cannot read the file', retryable: false }),
    });
    renderApp();
    fireEvent.change(await screen.findByTestId('profile-path'), { target: { value: ' /tmp/x.toml ' } });
    fireEvent.click(screen.getByTestId('open-profile'));

    const error = await screen.findByTestId('welcome-error');
    expect(error.textContent).toContain('cannot read the file');
    expect(calls.find((c) => c.command === 'open_profile_workspace')?.args).toEqual({ path: '/tmp/x.toml' });
  });

  it('goes straight to the cached users when the last workspace resumes offline', async () => {
    mockCommands({
      resume_workspace: () => ({ ...ADA_STATUS, signedIn: false, offline: true }),
      list_users: () => ({ total: 0, rows: [] }),
    });
    renderApp();
    expect(await screen.findByTestId('users-screen')).toBeTruthy();
    expect(screen.getByTestId('offline-badge')).toBeTruthy();
    expect(screen.queryByTestId('welcome')).toBeNull();
  });

  it('shows the cached users before the stored session is restored, then says it is offline', async () => {
    let finishRestore: (value: unknown) => void = () => {};
    const calls = mockCommands({
      resume_workspace: () => ADA_STATUS,
      restore_session: () =>
        new Promise((resolve) => {
          finishRestore = resolve;
        }),
      list_users: () => ({ total: 1, rows: [user('ada.emea', 'EMEA')] }),
    });
    renderApp();
    expect(await screen.findByTestId('user-row')).toBeTruthy();
    await waitFor(() => expect(calls.map((c) => c.command)).toContain('restore_session'));
    const order = calls.map((c) => c.command);
    expect(order.indexOf('list_users'), 'the rows are asked for first').toBeLessThan(order.indexOf('restore_session'));
    expect(screen.queryByTestId('offline-badge'), 'nothing is known to be offline yet').toBeNull();
    expect(screen.getByTestId('connecting-badge').textContent).toBe('Connecting…');
    expect((screen.getByTestId('sync') as HTMLButtonElement).disabled, 'a sync would refresh the same token').toBe(true);

    finishRestore({ ...ADA_STATUS, offline: true });
    expect(await screen.findByTestId('offline-badge')).toBeTruthy();
    expect(screen.queryByTestId('connecting-badge')).toBeNull();
    expect(screen.getAllByTestId('user-row')).toHaveLength(1);
  });

  it('returns to the welcome screen when a restore finds neither a session nor cached users', async () => {
    mockCommands({
      resume_workspace: () => ({ ...ADA_STATUS, cachedUsers: 0 }),
      restore_session: () => ({ ...ADA_STATUS, signedIn: false, cachedUsers: 0 }),
      list_users: () => ({ total: 0, rows: [] }),
    });
    renderApp();
    expect(await screen.findByTestId('welcome')).toBeTruthy();
  });

  it('does not restore the session of a workspace the admin has already left', async () => {
    vi.useFakeTimers({ shouldAdvanceTime: true });
    const calls = mockCommands({
      resume_workspace: () => ADA_STATUS,
      restore_session: () => ADA_STATUS,
      // The rows never come, so the restore waits for its deadline.
      list_users: () => new Promise(() => {}),
      sign_out: () => null,
    });
    renderApp();
    fireEvent.click(await screen.findByTestId('sign-out'));
    expect(await screen.findByTestId('welcome')).toBeTruthy();
    await act(async () => {
      await vi.advanceTimersByTimeAsync(2_500);
    });
    expect(calls.map((c) => c.command)).not.toContain('restore_session');
  });

  it('draws a resumed workspace with its first rows already in it', async () => {
    const calls = mockCommands({
      resume_workspace: () => ({ ...ADA_STATUS, signedIn: false }),
      list_users: () => ({ total: 2, rows: [user('anna.schmidt', 'EMEA/DE'), user('jean.dupont', 'EMEA/FR')] }),
    });
    renderApp();
    await screen.findByTestId('users-screen');
    // In the same frame as the workspace: no loading state in between.
    expect(screen.queryByTestId('users-loading')).toBeNull();
    expect(screen.getAllByTestId('user-row')).toHaveLength(2);
    expect(calls.map((c) => c.command).slice(0, 2)).toEqual(['resume_workspace', 'list_users']);
  });

  it('draws a resumed workspace without its rows when they are slow to come', async () => {
    vi.useFakeTimers({ shouldAdvanceTime: true });
    mockCommands({ resume_workspace: () => ({ ...ADA_STATUS, signedIn: false }), list_users: () => new Promise(() => {}) });
    renderApp();
    await act(async () => {
      await vi.advanceTimersByTimeAsync(600);
    });
    expect(await screen.findByTestId('users-loading')).toBeTruthy();
  });

  it('reads nothing from a locked cache before drawing the workspace', async () => {
    const calls = mockCommands({ resume_workspace: () => ({ ...ADA_STATUS, signedIn: false, cacheLocked: true }) });
    renderApp();
    await screen.findByTestId('users-screen');
    expect(calls.map((c) => c.command)).not.toContain('list_users');
  });

  it('does not restore a session that was never stored', async () => {
    const calls = mockCommands({
      resume_workspace: () => ({ ...ADA_STATUS, signedIn: false }),
      list_users: () => ({ total: 0, rows: [] }),
    });
    renderApp();
    expect(await screen.findByTestId('users-screen')).toBeTruthy();
    expect(calls.map((c) => c.command)).not.toContain('restore_session');
  });

  it('says why sign-in failed and offers to try again', async () => {
    mockCommands({
      resume_workspace: () => null,
      open_demo_workspace: () => ({ ...ADA_STATUS, signedIn: false }),
      sign_in: () => rejectWith({ code: 'offline', message: 'sign-in needs the network', retryable: true }),
    });
    renderApp();
    fireEvent.click(await screen.findByTestId('open-demo'));
    const error = await screen.findByTestId('sign-in-error');
    expect(error.textContent).toContain('The IAM cannot be reached');
    await waitFor(() => expect(screen.getByText('Try again')).toBeTruthy());
  });
});
