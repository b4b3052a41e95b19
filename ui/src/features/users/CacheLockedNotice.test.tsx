import { fireEvent, screen, within } from '@testing-library/react';
import { describe, expect, it, vi } from 'vitest';

import { ADA_STATUS, mockCommands, rejectWith, renderWithClient } from '../../test/ipcMock';
import { STATUS_KEY } from './queryKeys';
import { UsersWithBar } from '../../test/UsersWithBar';

const LOCKED = { ...ADA_STATUS, cacheLocked: true };

function renderLocked(status = LOCKED) {
  const calls = mockCommands({
    get_status: () => status,
    // What the core answers while the cache is locked, should anything ask.
    list_users: () =>
      rejectWith({ code: 'sign-in-needed', message: 'the cache of demo is locked; sign in again to unlock it', retryable: false }),
  });
  const onSignIn = vi.fn();
  renderWithClient(<UsersWithBar onSignIn={onSignIn} onSignOut={() => {}} />, (client) =>
    client.setQueryData(STATUS_KEY, status),
  );
  return { calls, onSignIn };
}

describe('locked cache', () => {
  it('says why the users are not shown, names the IAM, and reads nothing from the cache', async () => {
    const { calls } = renderLocked();
    const notice = await screen.findByTestId('cache-locked');
    expect(notice.textContent).toContain(
      'This cache is locked: it has not been confirmed by http://127.0.0.1:47474/ for longer than the profile allows. Sign in again to unlock it.',
    );
    expect(screen.queryByTestId('users-error'), 'a notice, not an error').toBeNull();
    expect(screen.queryByTestId('user-search')).toBeNull();
    expect(calls.filter((c) => c.command === 'list_users'), 'every read would be refused').toEqual([]);
  });

  it('puts Sign in in the header instead of Sync, even with a refresh token kept', async () => {
    const { onSignIn } = renderLocked();
    const header = await screen.findByTestId('workspace-header');
    expect(within(header).getByTestId('locked-badge').textContent).toBe('Locked');
    expect(within(header).queryByTestId('sync')).toBeNull();
    expect(within(header).getByTestId('sign-out'), 'signing out stays possible').toBeTruthy();
    fireEvent.click(within(header).getByRole('button', { name: 'Sign in' }));
    expect(onSignIn).toHaveBeenCalledTimes(1);
  });

  it('shows the same notice when signed out', async () => {
    renderLocked({ ...LOCKED, signedIn: false, offline: true });
    expect(await screen.findByTestId('cache-locked')).toBeTruthy();
    expect(screen.getByTestId('sign-in')).toBeTruthy();
    expect(screen.queryByTestId('sign-out')).toBeNull();
  });

  it('shows no lock while the cache is confirmed', async () => {
    mockCommands({ get_status: () => ADA_STATUS, list_users: () => ({ total: 0, rows: [] }) });
    renderWithClient(<UsersWithBar onSignIn={() => {}} onSignOut={() => {}} />, (client) =>
      client.setQueryData(STATUS_KEY, ADA_STATUS),
    );
    expect(await screen.findByTestId('user-search')).toBeTruthy();
    expect(screen.queryByTestId('cache-locked')).toBeNull();
    expect(screen.queryByTestId('locked-badge')).toBeNull();
  });
});
