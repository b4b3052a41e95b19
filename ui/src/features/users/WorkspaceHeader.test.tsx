import { fireEvent, render, screen } from '@testing-library/react';
import { describe, expect, it, vi } from 'vitest';

import type { SyncProgress } from '../../ipc';
import { ADA_STATUS } from '../../test/ipcMock';
import { WorkspaceHeader } from './WorkspaceHeader';

function renderHeader(progress: SyncProgress | null, syncing = true) {
  const onCancelSync = vi.fn();
  render(
    <WorkspaceHeader
      status={ADA_STATUS}
      syncing={syncing}
      progress={progress}
      onSync={() => {}}
      onCancelSync={onCancelSync}
      onSignIn={() => {}}
      onSignOut={() => {}}
    />,
  );
  return onCancelSync;
}

describe('sync progress in the header', () => {
  it('shows items, the pace and the time left, and offers to cancel', () => {
    const onCancelSync = renderHeader({
      phase: 'users',
      fetched: 12_000,
      total: 100_282,
      pages: 24,
      perSecond: 2345.6,
      remainingSeconds: 41,
    });
    const text = screen.getByTestId('data-age').textContent ?? '';
    expect(text).toContain('12,000 of 100,282');
    expect(text).toContain('2,346/s');
    expect(text).toContain('about 41 seconds left');
    fireEvent.click(screen.getByTestId('cancel-sync'));
    expect(onCancelSync).toHaveBeenCalledTimes(1);
  });

  it('says minutes for a long wait, and leaves the pace out until there is one', () => {
    renderHeader({ phase: 'users', fetched: 500, total: 1_000_000, pages: 1, perSecond: 900, remainingSeconds: 1110 });
    expect(screen.getByTestId('data-age').textContent).toContain('about 19 minutes left');
  });

  it('says the id listing of an incremental sync looks for removed users, with its pace', () => {
    renderHeader({ phase: 'userIds', fetched: 40_000, total: 99_279, pages: 20, perSecond: 80_000, remainingSeconds: 1 });
    const text = screen.getByTestId('data-age').textContent ?? '';
    expect(text).toContain('Checking for removed users: 40,000 of 99,279 listed');
    expect(text).toContain('80,000/s');
    expect(text).not.toContain('Fetching');
  });

  it('says how many came so far when the server gives no total, and no time left', () => {
    renderHeader({ phase: 'users', fetched: 1_500, total: null, pages: 3, perSecond: 2345.6, remainingSeconds: null });
    const text = screen.getByTestId('data-age').textContent ?? '';
    expect(text).toContain('Fetching users: 1,500 so far (2,346/s)');
    expect(text).not.toContain(' of ');
    expect(text).not.toContain('left');
  });

  it('has no pace before the first page, and no cancel button when no sync runs', () => {
    renderHeader({ phase: 'groups', fetched: 0, total: 0, pages: 0, perSecond: 0, remainingSeconds: null });
    expect(screen.getByTestId('data-age').textContent).not.toContain('/s');
    renderHeader(null, false);
    expect(screen.getAllByTestId('cancel-sync')).toHaveLength(1);
  });
});
