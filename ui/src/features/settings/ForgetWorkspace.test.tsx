import { fireEvent, screen, waitFor, within } from '@testing-library/react';
import { describe, expect, it, vi } from 'vitest';

import { ADA_STATUS, mockCommands, rejectWith, renderWithClient, type Handler } from '../../test/ipcMock';
import { STATUS_KEY } from '../users/queryKeys';
import { SettingsScreen } from './SettingsScreen';

const QUEUED =
  '2 change(s) are still in the outbox and would be lost; push them first (`bailiwick outbox push`), or forget anyway with --discard-queued';

function renderSettings(forget: Handler, status = ADA_STATUS) {
  const calls = mockCommands({ get_status: () => status, forget_workspace: forget });
  const onWorkspaceForgotten = vi.fn();
  const onOpenOutbox = vi.fn();
  renderWithClient(<SettingsScreen onWorkspaceForgotten={onWorkspaceForgotten} onOpenOutbox={onOpenOutbox} />, (client) =>
    client.setQueryData(STATUS_KEY, status),
  );
  const forgets = () => calls.filter((c) => c.command === 'forget_workspace').map((c) => c.args.discardQueued);
  return { forgets, onWorkspaceForgotten, onOpenOutbox };
}

async function openConfirmation() {
  fireEvent.click(await screen.findByRole('button', { name: 'Forget this workspace on this computer…' }));
  return screen.getByRole('alertdialog', { name: 'Forget demo on this computer?' });
}

describe('this workspace', () => {
  it('says the cache is encrypted with its key in the system keyring', async () => {
    renderSettings(() => null);
    expect((await screen.findByTestId('settings-cache-encryption')).textContent).toBe(
      'Encrypted on this computer; the key is in the system keyring',
    );
  });

  it('says when the profile keeps the cache unencrypted', async () => {
    renderSettings(() => null, { ...ADA_STATUS, cacheEncrypted: false });
    expect((await screen.findByTestId('settings-cache-encryption')).textContent).toBe(
      'Not encrypted (the profile turns encryption off)',
    );
  });
});

describe('forget this workspace', () => {
  it('explains what is deleted, and forgets without discarding when confirmed', async () => {
    const { forgets, onWorkspaceForgotten } = renderSettings(() => null);
    const dialog = await openConfirmation();
    const described = document.getElementById(dialog.getAttribute('aria-describedby') ?? '');
    for (const deleted of ['signed out', 'cached directory', 'outbox', 'local audit log', 'access reviews']) {
      expect(described?.textContent, `the confirmation names ${deleted}`).toContain(deleted);
    }
    expect(described?.textContent).toContain('The directory itself is not changed');
    expect(document.activeElement, 'focus starts on the safe choice').toBe(
      within(dialog).getByRole('button', { name: 'Cancel' }),
    );
    expect(forgets(), 'nothing is deleted before the confirmation').toEqual([]);

    fireEvent.click(within(dialog).getByRole('button', { name: 'Forget this workspace' }));
    await waitFor(() => expect(onWorkspaceForgotten).toHaveBeenCalledTimes(1));
    expect(forgets(), 'queued changes are never discarded by the first confirmation').toEqual([false]);
  });

  it('offers to discard queued changes when the core refuses, and only then forgets with discarding', async () => {
    const { forgets, onWorkspaceForgotten, onOpenOutbox } = renderSettings((args) =>
      args.discardQueued ? null : rejectWith({ code: 'usage', message: QUEUED, retryable: false }),
    );
    const dialog = await openConfirmation();
    fireEvent.click(within(dialog).getByRole('button', { name: 'Forget this workspace' }));

    const refusal = await screen.findByTestId('forget-queued');
    expect(refusal.textContent, 'the core says how many').toContain('2 change(s) are still in the outbox');
    expect(onWorkspaceForgotten, 'a refusal leaves the workspace open').not.toHaveBeenCalled();
    expect(within(dialog).queryByRole('button', { name: 'Forget this workspace' })).toBeNull();

    fireEvent.click(within(dialog).getByRole('button', { name: 'Open the Outbox' }));
    expect(onOpenOutbox).toHaveBeenCalledTimes(1);

    fireEvent.click(within(dialog).getByRole('button', { name: 'Forget anyway and discard queued changes' }));
    await waitFor(() => expect(onWorkspaceForgotten).toHaveBeenCalledTimes(1));
    expect(forgets()).toEqual([false, true]);
  });

  it('does nothing when cancelled, by the button or by Escape', async () => {
    const { forgets, onWorkspaceForgotten } = renderSettings(() => null);
    let dialog = await openConfirmation();
    fireEvent.click(within(dialog).getByRole('button', { name: 'Cancel' }));
    expect(screen.queryByRole('alertdialog')).toBeNull();
    expect(document.activeElement, 'focus goes back to the button that opened it').toBe(
      screen.getByTestId('forget-workspace'),
    );

    dialog = await openConfirmation();
    fireEvent.keyDown(dialog, { key: 'Escape' });
    expect(screen.queryByRole('alertdialog')).toBeNull();
    expect(forgets()).toEqual([]);
    expect(onWorkspaceForgotten).not.toHaveBeenCalled();
  });

  it('shows any other failure and stays in the workspace', async () => {
    const { forgets, onWorkspaceForgotten } = renderSettings(() =>
      rejectWith({ code: 'failure', message: 'cannot delete the cache folder: permission denied', retryable: false }),
    );
    const dialog = await openConfirmation();
    fireEvent.click(within(dialog).getByRole('button', { name: 'Forget this workspace' }));
    expect((await screen.findByTestId('forget-error')).textContent).toContain('permission denied');
    expect(screen.queryByTestId('forget-queued'), 'not mistaken for queued changes').toBeNull();
    expect(screen.queryByRole('button', { name: 'Forget anyway and discard queued changes' })).toBeNull();
    expect(forgets()).toEqual([false]);
    expect(onWorkspaceForgotten).not.toHaveBeenCalled();
  });
});
