import { fireEvent, screen } from '@testing-library/react';
import { describe, expect, it } from 'vitest';

import { WorkspaceShell } from '../../app/WorkspaceShell';
import { ADA_STATUS, mockCommands, renderWithClient } from '../../test/ipcMock';

describe('reviews in the workspace', () => {
  it('is a section of its own, and a submission with conflicts leads to the Outbox', async () => {
    mockCommands({
      get_review: () => ({
        review: { id: 'ab12cd34', startedAt: '2026-11-27T09:00:00Z', startedBy: 'Ada Lovelace', bu: null, open: true, submittedAt: null },
        items: [],
      }),
      get_status: () => ADA_STATUS,
      submit_review: () => ({
        review: 'ab12cd34',
        kept: 0,
        queued: 1,
        refused: 0,
        undecided: 0,
        push: { applied: 0, failed: 0, conflicts: 1, remaining: 0 },
      }),
      list_outbox: () => [],
      list_conflicts: () => [],
    });
    renderWithClient(<WorkspaceShell onSignIn={() => {}} onSignOut={() => {}} initialSection="reviews" />);
    const tab = screen.getByRole('button', { name: 'Reviews' });
    expect(tab.getAttribute('aria-current'), 'the Reviews tab is the current one').toBe('page');
    fireEvent.click(await screen.findByRole('button', { name: 'Submit review' }));
    fireEvent.click(screen.getByRole('button', { name: 'Submit' }));
    fireEvent.click(await screen.findByRole('button', { name: 'Resolve the conflicts in the Outbox' }));
    expect(await screen.findByTestId('outbox-screen')).toBeTruthy();
  });
});
