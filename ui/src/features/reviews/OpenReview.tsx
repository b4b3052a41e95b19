import { useMutation, useQueryClient } from '@tanstack/react-query';
import { useEffect, useRef, useState } from 'react';

import { ErrorNotice } from '../../app/ErrorNotice';
import { decideReview, type DecisionDetails, type ReviewDecision, type ReviewItem, type ReviewView } from '../../ipc';
import { AUDIT_KEY } from '../changes/queryKeys';
import { addDays, dayOf, shortTime, startOfDay } from '../grants/grantDates';
import { REVIEW_KEY } from './queryKeys';
import {
  ALL_ITEMS,
  HINTS,
  itemLabel,
  progressOf,
  selectionOf,
  shownItems,
  withSaved,
  type ItemView,
  type Progress,
  type SortKey,
} from './reviewItems';

interface OpenReviewProps {
  view: ReviewView;
  submitting: boolean;
  onSubmit: () => void;
}

interface DecisionRequest {
  items: number[];
  decision: ReviewDecision;
  details: DecisionDetails;
}

/** The open review: progress, filters, the items with their decisions, bulk actions and submit. */
export function OpenReview({ view, submitting, onSubmit }: OpenReviewProps) {
  const queryClient = useQueryClient();
  const { review, items } = view;
  const [itemView, setItemView] = useState<ItemView>(ALL_ITEMS);
  const [selected, setSelected] = useState<Set<number>>(new Set());
  const [note, setNote] = useState('');
  const [shortening, setShortening] = useState(false);
  const [confirming, setConfirming] = useState(false);
  const decide = useMutation({
    mutationFn: ({ items: chosen, decision, details }: DecisionRequest) =>
      decideReview(selectionOf(chosen), decision, details),
    onSuccess: (saved) => {
      // The core has saved them; show them at once rather than after a reload of the whole review.
      queryClient.setQueryData<ReviewView | null>(REVIEW_KEY, (old) =>
        old ? { ...old, items: withSaved(old.items, saved) } : old,
      );
      setSelected(new Set());
      setNote('');
      setShortening(false);
    },
    onSettled: () => queryClient.invalidateQueries({ queryKey: AUDIT_KEY }),
  });
  const run = (chosen: number[], decision: ReviewDecision, newUntil?: string) => {
    const trimmed = note.trim();
    decide.mutate({
      items: chosen,
      decision,
      details: { ...(newUntil ? { newUntil } : {}), ...(trimmed ? { note: trimmed } : {}) },
    });
  };

  const shown = shownItems(items, itemView);
  const chosen = items.filter((i) => selected.has(i.item));
  const progress = progressOf(items);
  const allShownSelected = shown.length > 0 && shown.every((i) => selected.has(i.item));
  const toggle = (item: number, on: boolean) =>
    setSelected((old) => {
      const next = new Set(old);
      if (on) next.add(item);
      else next.delete(item);
      return next;
    });
  const toggleShown = (on: boolean) =>
    setSelected((old) => {
      const next = new Set(old);
      for (const i of shown) {
        if (on) next.add(i.item);
        else next.delete(i.item);
      }
      return next;
    });
  const sortBy = (key: SortKey) =>
    setItemView((old) => ({
      ...old,
      sort: key,
      direction: old.sort === key && old.direction === 'ascending' ? 'descending' : 'ascending',
    }));

  return (
    <div className="open-review" data-testid="open-review">
      <p data-testid="review-progress">
        Review {review.id} of {review.bu ?? 'your whole scope'}, started by {review.startedBy}:{' '}
        <strong>
          {progress.decided} of {progress.total} decided
        </strong>
        .{' '}
        <progress value={progress.decided} max={Math.max(progress.total, 1)} aria-label="Items decided" />
      </p>

      <div className="toolbar" role="group" aria-label="Filters">
        <label>
          <span>
            <input
              type="checkbox"
              checked={itemView.undecidedOnly}
              onChange={(e) => setItemView((old) => ({ ...old, undecidedOnly: e.target.checked }))}
            />{' '}
            Undecided only
          </span>
        </label>
        <label>
          Hint
          <select
            value={itemView.hint ?? ''}
            onChange={(e) =>
              setItemView((old) => ({ ...old, hint: HINTS.find((h) => h === e.target.value) ?? null }))
            }
          >
            <option value="">Any hint or none</option>
            {HINTS.map((hint) => (
              <option key={hint} value={hint}>
                {hint}
              </option>
            ))}
          </select>
        </label>
      </div>

      <div className="toolbar" role="group" aria-label="Decide the selected items">
        <span data-testid="selected-count">{chosen.length} selected</span>
        <label>
          Note (optional)
          <input value={note} onChange={(e) => setNote(e.target.value)} placeholder="Why" />
        </label>
        <button
          type="button"
          disabled={chosen.length === 0 || decide.isPending}
          onClick={() => run(chosen.map((i) => i.item), 'keep')}
        >
          Keep selected
        </button>
        <button
          type="button"
          disabled={chosen.length === 0 || decide.isPending}
          onClick={() => run(chosen.map((i) => i.item), 'revoke')}
        >
          Revoke selected
        </button>
        <button
          type="button"
          disabled={chosen.length === 0 || decide.isPending}
          aria-expanded={shortening}
          onClick={() => setShortening((open) => !open)}
        >
          Shorten selected…
        </button>
      </div>
      {shortening && (
        <ShortenForm
          chosen={chosen}
          busy={decide.isPending}
          onShorten={(newUntil) => run(chosen.map((i) => i.item), 'shorten', newUntil)}
          onCancel={() => setShortening(false)}
        />
      )}
      {decide.isError && <ErrorNotice error={decide.error} testId="decide-error" />}

      {shown.length === 0 ? (
        <div className="table-state" data-testid="review-items-empty">
          No item matches these filters.
        </div>
      ) : (
        <table className="review-table" aria-label="Review items" data-testid="review-table">
          <thead>
            <tr>
              <th scope="col">
                <input
                  type="checkbox"
                  aria-label="Select all shown"
                  checked={allShownSelected}
                  onChange={(e) => toggleShown(e.target.checked)}
                />
              </th>
              <th scope="col">#</th>
              <SortHeader label="User" sortKey="user" view={itemView} onSort={sortBy} />
              <SortHeader label="Role" sortKey="role" view={itemView} onSort={sortBy} />
              <th scope="col">Kind</th>
              <th scope="col">Hints</th>
              <th scope="col">Decision</th>
              <th scope="col">Note</th>
              <th scope="col">Decide</th>
            </tr>
          </thead>
          <tbody>
            {shown.map((item) => (
              <ItemRow
                key={item.item}
                item={item}
                selected={selected.has(item.item)}
                busy={decide.isPending}
                onSelect={(on) => toggle(item.item, on)}
                onDecide={(decision) => run([item.item], decision)}
                onShorten={() => {
                  setSelected(new Set([item.item]));
                  setShortening(true);
                }}
              />
            ))}
          </tbody>
        </table>
      )}

      <div className="toolbar">
        <button type="button" className="primary" disabled={submitting} onClick={() => setConfirming(true)}>
          {submitting ? 'Submitting…' : 'Submit review'}
        </button>
      </div>
      {confirming && (
        <ConfirmSubmit
          reviewId={review.id}
          progress={progress}
          onConfirm={() => {
            setConfirming(false);
            onSubmit();
          }}
          onCancel={() => setConfirming(false)}
        />
      )}
    </div>
  );
}

interface ConfirmSubmitProps {
  reviewId: string;
  progress: Progress;
  onConfirm: () => void;
  onCancel: () => void;
}

/** Asks before submitting, with what will happen; focus moves into it and Escape cancels. */
function ConfirmSubmit({ reviewId, progress, onConfirm, onCancel }: ConfirmSubmitProps) {
  const cancel = useRef<HTMLButtonElement>(null);
  useEffect(() => cancel.current?.focus(), []);
  return (
    <div
      className="notice"
      role="alertdialog"
      aria-labelledby="confirm-submit-title"
      aria-describedby="confirm-counts"
      data-testid="confirm-submit"
      onKeyDown={(e) => {
        if (e.key === 'Escape') onCancel();
      }}
    >
      <strong id="confirm-submit-title">Submit review {reviewId}?</strong>
      <span id="confirm-counts" data-testid="confirm-counts">
        {progress.keep} kept, {progress.revoke} to revoke, {progress.shorten} to shorten,{' '}
        {progress.total - progress.decided} undecided.
      </span>
      <span>
        Revocations and shortenings are sent to the directory (or queued while it cannot be reached). The review is
        closed afterwards; undecided items stay as they are.
      </span>
      <div>
        <button type="button" className="primary" onClick={onConfirm}>
          Submit
        </button>{' '}
        <button type="button" ref={cancel} onClick={onCancel}>
          Cancel
        </button>
      </div>
    </div>
  );
}

interface SortHeaderProps {
  label: string;
  sortKey: SortKey;
  view: ItemView;
  onSort: (key: SortKey) => void;
}

function SortHeader({ label, sortKey, view, onSort }: SortHeaderProps) {
  const current = view.sort === sortKey;
  return (
    <th scope="col" aria-sort={current ? view.direction : 'none'}>
      <button type="button" className="link" aria-label={`Sort by ${label.toLowerCase()}`} onClick={() => onSort(sortKey)}>
        {label}
        {current ? (view.direction === 'ascending' ? ' ▲' : ' ▼') : ''}
      </button>
    </th>
  );
}

interface ItemRowProps {
  item: ReviewItem;
  selected: boolean;
  busy: boolean;
  onSelect: (on: boolean) => void;
  onDecide: (decision: ReviewDecision) => void;
  onShorten: () => void;
}

function ItemRow({ item, selected, busy, onSelect, onDecide, onShorten }: ItemRowProps) {
  const label = itemLabel(item);
  return (
    <tr data-testid="review-row" data-item={item.item} data-decision={item.decision ?? 'undecided'}>
      <td>
        <input
          type="checkbox"
          aria-label={`Select item ${item.item}: ${label}`}
          checked={selected}
          onChange={(e) => onSelect(e.target.checked)}
        />
      </td>
      <td>{item.item}</td>
      <td>
        {item.userName}
        {item.userBu && <div className="muted">{item.userBu}</div>}
      </td>
      <td>{item.role}</td>
      <td>
        {item.kind === 'grant' ? 'grant' : 'assignment'}
        {item.validUntil && <div className="muted">until {shortTime(item.validUntil)}</div>}
      </td>
      <td>
        <span className="chips">
          {item.hints.map((hint) => (
            <span key={hint} className={`chip chip--${hint}`}>
              {hint}
            </span>
          ))}
        </span>
      </td>
      <td data-testid="review-decision">
        {item.decision ?? '—'}
        {item.decision === 'shorten' && item.newUntil && ` to ${shortTime(item.newUntil)}`}
      </td>
      <td>{item.note ?? ''}</td>
      <td>
        <button type="button" disabled={busy} aria-label={`Keep ${label}`} aria-pressed={item.decision === 'keep'} onClick={() => onDecide('keep')}>
          Keep
        </button>{' '}
        <button type="button" disabled={busy} aria-label={`Revoke ${label}`} aria-pressed={item.decision === 'revoke'} onClick={() => onDecide('revoke')}>
          Revoke
        </button>
        {item.kind === 'grant' && (
          <>
            {' '}
            <button type="button" disabled={busy} aria-label={`Shorten ${label}…`} aria-pressed={item.decision === 'shorten'} onClick={onShorten}>
              Shorten…
            </button>
          </>
        )}
      </td>
    </tr>
  );
}

interface ShortenFormProps {
  chosen: ReviewItem[];
  busy: boolean;
  onShorten: (newUntil: string) => void;
  onCancel: () => void;
}

/** The new end of the selected grants; the core checks it lies between now and each grant's end. */
function ShortenForm({ chosen, busy, onShorten, onCancel }: ShortenFormProps) {
  const [day, setDay] = useState('');
  const [problem, setProblem] = useState<string | null>(null);
  const assignments = chosen.filter((i) => i.kind !== 'grant');
  const apply = () => {
    if (assignments.length > 0) {
      setProblem(`Only grants can be shortened; keep or revoke ${assignments.map((i) => `item ${i.item}`).join(', ')}.`);
    } else if (day === '') {
      setProblem('Shorten needs a date: choose the new end.');
    } else {
      setProblem(null);
      onShorten(startOfDay(day));
    }
  };
  return (
    <div className="toolbar" role="group" aria-label="Shorten the selected grants" data-testid="shorten-form">
      <label>
        New end
        <input type="date" value={day} min={dayOf(addDays(new Date(), 1))} onChange={(e) => setDay(e.target.value)} />
      </label>
      <button type="button" disabled={busy || chosen.length === 0} onClick={apply}>
        Shorten {chosen.length} {chosen.length === 1 ? 'grant' : 'grants'}
      </button>
      <button type="button" onClick={onCancel}>
        Cancel
      </button>
      {problem && (
        <span className="notice notice--error" role="alert" data-testid="shorten-problem">
          {problem}
        </span>
      )}
    </div>
  );
}
