import { fireEvent, render, screen } from '@testing-library/react';
import { describe, expect, it } from 'vitest';

import { App } from '../../app/App';
import { createQueryClient } from '../../app/queryClient';
import { ADA_STATUS, mockCommands } from '../../test/ipcMock';

describe('session', () => {
  it('signs out and returns to the welcome screen', async () => {
    const calls = mockCommands({
      resume_workspace: () => ADA_STATUS,
      restore_session: () => ADA_STATUS,
      list_users: () => ({ total: 0, rows: [] }),
      sign_out: () => null,
    });
    render(<App queryClient={createQueryClient()} />);
    fireEvent.click(await screen.findByTestId('sign-out'));
    expect(await screen.findByTestId('welcome')).toBeTruthy();
    expect(calls.some((c) => c.command === 'sign_out')).toBe(true);
  });

  it('forgets the workspace from Settings and returns to the welcome screen', async () => {
    const calls = mockCommands({
      resume_workspace: () => ADA_STATUS,
      restore_session: () => ADA_STATUS,
      get_status: () => ADA_STATUS,
      list_users: () => ({ total: 0, rows: [] }),
      forget_workspace: () => null,
    });
    render(<App queryClient={createQueryClient()} />);
    fireEvent.click(await screen.findByRole('button', { name: 'Settings' }));
    fireEvent.click(await screen.findByRole('button', { name: 'Forget this workspace on this computer…' }));
    fireEvent.click(screen.getByRole('button', { name: 'Forget this workspace' }));
    expect(await screen.findByTestId('welcome')).toBeTruthy();
    expect(calls.filter((c) => c.command === 'forget_workspace').map((c) => c.args.discardQueued)).toEqual([false]);
    expect(
      calls.some((c) => c.command === 'sign_out'),
      'the core signed out while forgetting; a second sign-out would fail on the closed workspace',
    ).toBe(false);
  });

  it('offers to sign in again when the cached workspace has no session', async () => {
    const calls = mockCommands({
      resume_workspace: () => ({ ...ADA_STATUS, signedIn: false }),
      list_users: () => ({ total: 0, rows: [] }),
      sign_in: () => new Promise(() => {}),
    });
    render(<App queryClient={createQueryClient()} />);
    fireEvent.click(await screen.findByTestId('sign-in'));
    expect(await screen.findByTestId('signing-in')).toBeTruthy();
    expect(calls.some((c) => c.command === 'sign_in')).toBe(true);
  });
});
