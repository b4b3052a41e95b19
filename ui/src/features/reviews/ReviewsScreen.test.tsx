import { fireEvent, screen, waitFor, within } from '@testing-library/react';
import { afterEach, describe, expect, it, vi } from 'vitest';

import type { ReviewItem, ReviewView, Submission } from '../../ipc';
import { ADA_STATUS, mockCommands, rejectWith, renderWithClient, type RecordedCall } from '../../test/ipcMock';
import { ReviewsScreen } from './ReviewsScreen';

function item(n: number, fields: Partial<ReviewItem> = {}): ReviewItem {
  return {
    item: n,
    kind: 'assignment',
    userId: `id-user${n}`,
    userName: `user${n}`,
    userBu: 'EMEA/DE',
    role: 'Exstream Content Author',
    roleId: 'grp-ca',
    baseVersion: 'W/"1"',
    hints: [],
    decision: null,
    ...fields,
  };
}

function grantItem(n: number, fields: Partial<ReviewItem> = {}): ReviewItem {
  return item(n, {
    kind: 'grant',
    role: 'Template Designer',
    roleId: 'grp-td',
    grantId: `gr-${n}`,
    grantBu: 'EMEA/DE',
    validUntil: '2027-03-01T00:00:00Z',
    ...fields,
  });
}

const ITEMS: ReviewItem[] = [
  item(1, { userName: 'zoe.martin', hints: ['partner'] }),
  grantItem(2, { userName: 'anna.schmidt', hints: ['expiring'] }),
  item(3, { userName: 'bob.jones', hints: ['leaver'] }),
  grantItem(4, { userName: 'carla.rossi', decision: 'keep' }),
  grantItem(5, { userName: 'dirk.weber', hints: ['partner', 'mover'] }),
  grantItem(6, { userName: 'eva.klein' }),
  grantItem(7, { userName: 'finn.berg', hints: ['sensitive'] }),
];

function openReview(items: ReviewItem[] = ITEMS): ReviewView {
  return {
    review: {
      id: 'ab12cd34',
      startedAt: '2026-11-27T09:00:00Z',
      startedBy: 'Ada Lovelace',
      bu: 'EMEA/DE',
      open: true,
      submittedAt: null,
    },
    items,
  };
}

function submittedReview(): ReviewView {
  const view = openReview([
    item(1, { decision: 'keep', outcome: 'kept' }),
    item(2, { decision: 'revoke', opId: 'op-2', outcome: 'applied' }),
    item(3, { decision: 'revoke', opId: 'op-3', outcome: 'conflict' }),
    item(4),
  ]);
  return { ...view, review: { ...view.review, open: false, submittedAt: '2026-11-27T12:00:00Z' } };
}

function decisionsOf(calls: RecordedCall[]) {
  return calls.filter((c) => c.command === 'decide_review').map((c) => c.args);
}

/** The saved items a decide_review call answers with, as the core does. */
function decided(args: Record<string, unknown>, numbers: number[]): ReviewItem[] {
  return ITEMS.filter((i) => numbers.includes(i.item)).map((i) => ({
    ...i,
    decision: args.decision as ReviewItem['decision'],
    ...(typeof args.note === 'string' ? { note: args.note } : {}),
  }));
}

afterEach(() => {
  vi.restoreAllMocks();
});

describe('reviews: none yet', () => {
  it('shows a loading state, then offers to start a review', async () => {
    let answer: (value: unknown) => void = () => {};
    mockCommands({ get_review: () => new Promise((resolve) => (answer = resolve)), get_status: () => ADA_STATUS });
    renderWithClient(<ReviewsScreen onOpenOutbox={() => {}} />);
    expect(await screen.findByTestId('reviews-loading')).toBeTruthy();
    answer(null);
    expect((await screen.findByTestId('reviews-none')).textContent).toContain('No access review yet');
    expect(screen.getByRole('button', { name: 'Start review' })).toBeTruthy();
  });

  it('starts a review of the whole scope, then shows its items', async () => {
    const calls = mockCommands({ get_review: () => null, get_status: () => ADA_STATUS, start_review: () => openReview() });
    renderWithClient(<ReviewsScreen onOpenOutbox={() => {}} />);
    const scope = await screen.findByRole('combobox', { name: 'Business unit' });
    await waitFor(() => expect(within(scope).getByRole('option', { name: 'EMEA' })).toBeTruthy());
    fireEvent.click(screen.getByRole('button', { name: 'Start review' }));
    expect(await screen.findAllByTestId('review-row')).toHaveLength(7);
    expect(calls.find((c) => c.command === 'start_review')?.args).toEqual({ bu: null });
    expect(screen.getByTestId('review-progress').textContent).toContain('1 of 7 decided');
  });

  it('starts a review of one business unit typed in', async () => {
    const calls = mockCommands({ get_review: () => null, get_status: () => ADA_STATUS, start_review: () => openReview() });
    renderWithClient(<ReviewsScreen onOpenOutbox={() => {}} />);
    fireEvent.change(await screen.findByRole('combobox', { name: 'Business unit' }), { target: { value: '#other' } });
    fireEvent.change(screen.getByRole('textbox', { name: 'Business unit path' }), { target: { value: ' EMEA/DE ' } });
    fireEvent.click(screen.getByRole('button', { name: 'Start review' }));
    await screen.findAllByTestId('review-row');
    expect(calls.find((c) => c.command === 'start_review')?.args).toEqual({ bu: 'EMEA/DE' });
  });

  it('shows the rule when the admin lacks the review capability', async () => {
    mockCommands({
      get_review: () => null,
      get_status: () => ADA_STATUS,
      start_review: () =>
        rejectWith({
          code: 'refused',
          rule: 'capability',
          retryable: false,
          message:
            'access reviews need the review capability, which Ada Lovelace does not hold (ask central IT for the review capability on these business units)',
        }),
    });
    renderWithClient(<ReviewsScreen onOpenOutbox={() => {}} />);
    fireEvent.click(await screen.findByRole('button', { name: 'Start review' }));
    const error = await screen.findByTestId('start-error');
    expect(within(error).getByTestId('refusal-rule').textContent).toBe('capability');
    expect(error.textContent).toContain('ask central IT for the review capability');
  });

  it('shows why the review cannot be read', async () => {
    mockCommands({ get_review: () => rejectWith({ code: 'usage', message: 'no workspace is open', retryable: false }) });
    renderWithClient(<ReviewsScreen onOpenOutbox={() => {}} />);
    expect((await screen.findByTestId('reviews-error')).textContent).toContain('no workspace is open');
  });
});

describe('reviews: open review', () => {
  it('filters by hint and by undecided', async () => {
    mockCommands({ get_review: () => openReview() });
    renderWithClient(<ReviewsScreen onOpenOutbox={() => {}} />);
    await screen.findAllByTestId('review-row');
    fireEvent.change(screen.getByRole('combobox', { name: 'Hint' }), { target: { value: 'partner' } });
    const partners = screen.getAllByTestId('review-row').map((r) => r.getAttribute('data-item'));
    expect(partners, 'only the items with the partner hint').toEqual(['1', '5']);
    fireEvent.change(screen.getByRole('combobox', { name: 'Hint' }), { target: { value: '' } });
    fireEvent.click(screen.getByRole('checkbox', { name: 'Undecided only' }));
    const undecided = screen.getAllByTestId('review-row').map((r) => r.getAttribute('data-item'));
    expect(undecided, 'item 4 is decided already').toEqual(['1', '2', '3', '5', '6', '7']);
  });

  it('sorts by user', async () => {
    mockCommands({ get_review: () => openReview() });
    renderWithClient(<ReviewsScreen onOpenOutbox={() => {}} />);
    await screen.findAllByTestId('review-row');
    fireEvent.click(screen.getByRole('button', { name: 'Sort by user' }));
    const users = screen.getAllByTestId('review-row').map((r) => r.getAttribute('data-item'));
    expect(users).toEqual(['2', '3', '4', '5', '6', '7', '1']);
  });

  it('revokes a selection in bulk with one compact selection string and a note', async () => {
    const calls = mockCommands({
      get_review: () => openReview(),
      decide_review: (args) => decided(args, [2, 5, 6, 7]),
    });
    renderWithClient(<ReviewsScreen onOpenOutbox={() => {}} />);
    await screen.findAllByTestId('review-row');
    for (const n of [7, 2, 6, 5]) {
      fireEvent.click(screen.getByRole('checkbox', { name: new RegExp(`^Select item ${n}:`) }));
    }
    expect(screen.getByTestId('selected-count').textContent).toBe('4 selected');
    fireEvent.change(screen.getByRole('textbox', { name: 'Note (optional)' }), { target: { value: ' left the team ' } });
    fireEvent.click(screen.getByRole('button', { name: 'Revoke selected' }));
    await waitFor(() => expect(screen.getByTestId('review-progress').textContent).toContain('5 of 7 decided'));
    expect(decisionsOf(calls)).toEqual([{ selection: '2,5-7', decision: 'revoke', newUntil: null, note: 'left the team' }]);
    const row = screen.getAllByTestId('review-row').find((r) => r.getAttribute('data-item') === '5');
    expect(row?.getAttribute('data-decision')).toBe('revoke');
    expect(screen.getByTestId('selected-count').textContent, 'the selection is cleared once saved').toBe('0 selected');
  });

  it('selects all shown items after filtering, and keeps them', async () => {
    const calls = mockCommands({ get_review: () => openReview(), decide_review: (args) => decided(args, [1, 5]) });
    renderWithClient(<ReviewsScreen onOpenOutbox={() => {}} />);
    await screen.findAllByTestId('review-row');
    fireEvent.change(screen.getByRole('combobox', { name: 'Hint' }), { target: { value: 'partner' } });
    fireEvent.click(screen.getByRole('checkbox', { name: 'Select all shown' }));
    fireEvent.click(screen.getByRole('button', { name: 'Keep selected' }));
    await waitFor(() => expect(decisionsOf(calls)).toHaveLength(1));
    expect(decisionsOf(calls)[0]).toEqual({ selection: '1,5', decision: 'keep', newUntil: null, note: null });
  });

  it('decides one item from its row', async () => {
    const calls = mockCommands({ get_review: () => openReview(), decide_review: (args) => decided(args, [3]) });
    renderWithClient(<ReviewsScreen onOpenOutbox={() => {}} />);
    fireEvent.click(await screen.findByRole('button', { name: 'Revoke Exstream Content Author for bob.jones' }));
    await waitFor(() => expect(decisionsOf(calls)).toHaveLength(1));
    expect(decisionsOf(calls)[0]?.selection).toBe('3');
    expect(screen.queryByRole('button', { name: /^Shorten Exstream Content Author for bob.jones/ }), 'assignments cannot be shortened').toBeNull();
  });

  it('shortening needs a date, then sends it as the new end', async () => {
    const calls = mockCommands({ get_review: () => openReview(), decide_review: (args) => decided(args, [2]) });
    renderWithClient(<ReviewsScreen onOpenOutbox={() => {}} />);
    fireEvent.click(await screen.findByRole('button', { name: 'Shorten Template Designer for anna.schmidt…' }));
    const form = screen.getByRole('group', { name: 'Shorten the selected grants' });
    fireEvent.click(within(form).getByRole('button', { name: 'Shorten 1 grant' }));
    expect(screen.getByTestId('shorten-problem').textContent).toContain('Shorten needs a date');
    expect(decisionsOf(calls), 'nothing is sent without a date').toEqual([]);
    fireEvent.change(within(form).getByLabelText('New end'), { target: { value: '2027-01-15' } });
    fireEvent.click(within(form).getByRole('button', { name: 'Shorten 1 grant' }));
    await waitFor(() => expect(decisionsOf(calls)).toHaveLength(1));
    expect(decisionsOf(calls)[0]).toEqual({ selection: '2', decision: 'shorten', newUntil: '2027-01-15T00:00:00Z', note: null });
  });

  it('refuses to shorten a permanent assignment before asking the core', async () => {
    const calls = mockCommands({ get_review: () => openReview() });
    renderWithClient(<ReviewsScreen onOpenOutbox={() => {}} />);
    await screen.findAllByTestId('review-row');
    fireEvent.click(screen.getByRole('checkbox', { name: /^Select item 1:/ }));
    fireEvent.click(screen.getByRole('checkbox', { name: /^Select item 2:/ }));
    fireEvent.click(screen.getByRole('button', { name: 'Shorten selected…' }));
    fireEvent.change(screen.getByLabelText('New end'), { target: { value: '2027-01-15' } });
    fireEvent.click(screen.getByRole('button', { name: 'Shorten 2 grants' }));
    expect(screen.getByTestId('shorten-problem').textContent).toContain('Only grants can be shortened');
    expect(decisionsOf(calls)).toEqual([]);
  });

  it('shows a decision the core refused', async () => {
    mockCommands({
      get_review: () => openReview(),
      decide_review: () =>
        rejectWith({ code: 'usage', message: 'item 4 does not exist or was submitted already', retryable: false }),
    });
    renderWithClient(<ReviewsScreen onOpenOutbox={() => {}} />);
    fireEvent.click(await screen.findByRole('button', { name: 'Keep Template Designer for carla.rossi' }));
    expect((await screen.findByTestId('decide-error')).textContent).toContain('submitted already');
  });

  it('confirms with the counts, submits, and shows the submission with its conflicts', async () => {
    const submission: Submission = {
      review: 'ab12cd34',
      kept: 1,
      queued: 2,
      refused: 0,
      undecided: 4,
      push: { applied: 1, failed: 0, conflicts: 1, remaining: 0 },
    };
    let submitted = false;
    const onOpenOutbox = vi.fn();
    const reviewNow = openReview([
      ...ITEMS.slice(0, 4),
      grantItem(5, { decision: 'revoke' }),
      grantItem(6, { decision: 'shorten', newUntil: '2027-01-15T00:00:00Z' }),
      ITEMS[6] as ReviewItem,
    ]);
    const calls = mockCommands({
      get_review: () => (submitted ? submittedReview() : reviewNow),
      get_status: () => ADA_STATUS,
      submit_review: () => {
        submitted = true;
        return submission;
      },
    });
    renderWithClient(<ReviewsScreen onOpenOutbox={onOpenOutbox} />);
    fireEvent.click(await screen.findByRole('button', { name: 'Submit review' }));
    const confirm = screen.getByRole('alertdialog', { name: 'Submit review ab12cd34?' });
    expect(within(confirm).getByTestId('confirm-counts').textContent).toBe(
      '1 kept, 1 to revoke, 1 to shorten, 4 undecided.',
    );
    expect(calls.some((c) => c.command === 'submit_review'), 'nothing is submitted before confirming').toBe(false);
    fireEvent.click(within(confirm).getByRole('button', { name: 'Submit' }));
    const summary = await screen.findByTestId('submission');
    expect(summary.textContent).toContain('1 kept, 2 changes queued, 0 refused by policy, 4 undecided');
    expect(within(summary).getByTestId('submission-push').textContent).toContain('1 applied, 0 failed, 1 conflicts');
    fireEvent.click(within(summary).getByRole('button', { name: 'Resolve the conflicts in the Outbox' }));
    expect(onOpenOutbox).toHaveBeenCalledTimes(1);
    expect(await screen.findByTestId('last-review'), 'the closed review is shown as the last one').toBeTruthy();
    expect(screen.getByRole('button', { name: 'Start review' })).toBeTruthy();
  });

  it('moves focus into the confirmation, and Escape cancels without submitting', async () => {
    const calls = mockCommands({ get_review: () => openReview() });
    renderWithClient(<ReviewsScreen onOpenOutbox={() => {}} />);
    fireEvent.click(await screen.findByRole('button', { name: 'Submit review' }));
    const confirm = screen.getByRole('alertdialog');
    expect(document.activeElement, 'the safe choice has the focus').toBe(within(confirm).getByRole('button', { name: 'Cancel' }));
    fireEvent.keyDown(confirm, { key: 'Escape' });
    expect(screen.queryByRole('alertdialog')).toBeNull();
    expect(calls.some((c) => c.command === 'submit_review')).toBe(false);
  });

  it('says the changes wait in the outbox when submitted offline', async () => {
    mockCommands({
      get_review: () => openReview(),
      submit_review: () => ({ review: 'ab12cd34', kept: 0, queued: 3, refused: 0, undecided: 4 }),
    });
    renderWithClient(<ReviewsScreen onOpenOutbox={() => {}} />);
    fireEvent.click(await screen.findByRole('button', { name: 'Submit review' }));
    fireEvent.click(screen.getByRole('button', { name: 'Submit' }));
    expect((await screen.findByTestId('submission-push')).textContent).toContain('Offline: the changes wait in the outbox');
  });
});

describe('reviews: last review', () => {
  it('summarises the submitted review and exports its report as CSV', async () => {
    const created: Blob[] = [];
    vi.spyOn(URL, 'createObjectURL').mockImplementation((blob) => {
      created.push(blob as Blob);
      return 'blob:review';
    });
    vi.spyOn(URL, 'revokeObjectURL').mockImplementation(() => {});
    const click = vi.spyOn(HTMLAnchorElement.prototype, 'click').mockImplementation(() => {});
    const csv = 'review,item,kind\r\nab12cd34,1,assignment\r\n';
    const calls = mockCommands({ get_review: () => submittedReview(), get_status: () => ADA_STATUS, export_review: () => csv });
    renderWithClient(<ReviewsScreen onOpenOutbox={() => {}} />);
    const summary = await screen.findByTestId('last-review-summary');
    expect(summary.textContent).toContain('4 items, 1 kept, 2 revoked, 0 shortened, 1 undecided');
    expect(screen.getByTestId('last-review-outcomes').textContent).toContain('1 conflict');
    fireEvent.click(screen.getByRole('button', { name: 'Export report (CSV)' }));
    await waitFor(() => expect(click).toHaveBeenCalledTimes(1));
    expect(await created[0]?.text()).toBe(csv);
    expect(calls.find((c) => c.command === 'export_review')?.args).toEqual({ format: 'csv' });
  });
});
