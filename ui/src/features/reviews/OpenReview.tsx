import { useMutation, useQueryClient } from '@tanstack/react-query';
import { useEffect, useRef, useState } from 'react';
import { useTranslation } from 'react-i18next';

import { ErrorNotice } from '../../app/ErrorNotice';
import { useFormatters } from '../../app/i18n/format';
import { decideReview, type DecisionDetails, type ReviewDecision, type ReviewItem, type ReviewView } from '../../ipc';
import { AUDIT_KEY } from '../changes/queryKeys';
import { addDays, dayOf, startOfDay } from '../grants/grantDates';
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
  const { t } = useTranslation();
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
        {t('reviews.open.progress', {
          id: review.id,
          bu: review.bu ?? t('reviews.open.yourWholeScope'),
          by: review.startedBy,
        })}{' '}
        <strong>{t('reviews.open.decided', { decided: progress.decided, total: progress.total })}</strong>.{' '}
        <progress
          value={progress.decided}
          max={Math.max(progress.total, 1)}
          aria-label={t('reviews.open.itemsDecided')}
        />
      </p>

      <div className="toolbar" role="group" aria-label={t('reviews.open.filters')}>
        <label>
          <span>
            <input
              type="checkbox"
              checked={itemView.undecidedOnly}
              onChange={(e) => setItemView((old) => ({ ...old, undecidedOnly: e.target.checked }))}
            />{' '}
            {t('reviews.open.undecidedOnly')}
          </span>
        </label>
        <label>
          {t('reviews.open.hint')}
          <select
            value={itemView.hint ?? ''}
            onChange={(e) =>
              setItemView((old) => ({ ...old, hint: HINTS.find((h) => h === e.target.value) ?? null }))
            }
          >
            <option value="">{t('reviews.open.anyHint')}</option>
            {HINTS.map((hint) => (
              <option key={hint} value={hint}>
                {t(`reviews.hint.${hint}`)}
              </option>
            ))}
          </select>
        </label>
      </div>

      <div className="toolbar" role="group" aria-label={t('reviews.open.decideSelected')}>
        <span data-testid="selected-count">{t('reviews.open.selected', { count: chosen.length })}</span>
        <label>
          {t('reviews.open.noteOptional')}
          <input value={note} onChange={(e) => setNote(e.target.value)} placeholder={t('reviews.open.notePlaceholder')} />
        </label>
        <button
          type="button"
          disabled={chosen.length === 0 || decide.isPending}
          onClick={() => run(chosen.map((i) => i.item), 'keep')}
        >
          {t('reviews.open.keepSelected')}
        </button>
        <button
          type="button"
          disabled={chosen.length === 0 || decide.isPending}
          onClick={() => run(chosen.map((i) => i.item), 'revoke')}
        >
          {t('reviews.open.revokeSelected')}
        </button>
        <button
          type="button"
          disabled={chosen.length === 0 || decide.isPending}
          aria-expanded={shortening}
          onClick={() => setShortening((open) => !open)}
        >
          {t('reviews.open.shortenSelected')}
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
          {t('reviews.open.noMatch')}
        </div>
      ) : (
        <table className="review-table" aria-label={t('reviews.open.table')} data-testid="review-table">
          <thead>
            <tr>
              <th scope="col">
                <input
                  type="checkbox"
                  aria-label={t('reviews.open.selectAll')}
                  checked={allShownSelected}
                  onChange={(e) => toggleShown(e.target.checked)}
                />
              </th>
              <th scope="col">#</th>
              <SortHeader
                label={t('common.user')}
                sortLabel={t('reviews.open.sortByUser')}
                sortKey="user"
                view={itemView}
                onSort={sortBy}
              />
              <SortHeader
                label={t('common.role')}
                sortLabel={t('reviews.open.sortByRole')}
                sortKey="role"
                view={itemView}
                onSort={sortBy}
              />
              <th scope="col">{t('reviews.open.kind')}</th>
              <th scope="col">{t('reviews.open.hints')}</th>
              <th scope="col">{t('reviews.open.decision')}</th>
              <th scope="col">{t('common.note')}</th>
              <th scope="col">{t('reviews.open.decide')}</th>
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
          {submitting ? t('reviews.open.submitting') : t('reviews.open.submit')}
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
  const { t } = useTranslation();
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
      <strong id="confirm-submit-title">{t('reviews.confirm.title', { id: reviewId })}</strong>
      <span id="confirm-counts" data-testid="confirm-counts">
        {t('reviews.confirm.counts', {
          keep: progress.keep,
          revoke: progress.revoke,
          shorten: progress.shorten,
          undecided: progress.total - progress.decided,
        })}
      </span>
      <span>{t('reviews.confirm.explanation')}</span>
      <div>
        <button type="button" className="primary" onClick={onConfirm}>
          {t('reviews.confirm.submit')}
        </button>{' '}
        <button type="button" ref={cancel} onClick={onCancel}>
          {t('common.cancel')}
        </button>
      </div>
    </div>
  );
}

interface SortHeaderProps {
  label: string;
  /** The button's accessible name ("Sort by user"). */
  sortLabel: string;
  sortKey: SortKey;
  view: ItemView;
  onSort: (key: SortKey) => void;
}

function SortHeader({ label, sortLabel, sortKey, view, onSort }: SortHeaderProps) {
  const current = view.sort === sortKey;
  return (
    <th scope="col" aria-sort={current ? view.direction : 'none'}>
      <button type="button" className="link" aria-label={sortLabel} onClick={() => onSort(sortKey)}>
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
  const { t } = useTranslation();
  const format = useFormatters();
  const label = itemLabel(item, t);
  return (
    <tr data-testid="review-row" data-item={item.item} data-decision={item.decision ?? 'undecided'}>
      <td>
        <input
          type="checkbox"
          aria-label={t('reviews.open.selectItem', { item: item.item, label })}
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
        {t(`reviews.itemKind.${item.kind}`)}
        {item.validUntil && (
          <div className="muted" title={item.validUntil}>
            {t('reviews.open.until', { date: format.dateTime(item.validUntil) })}
          </div>
        )}
      </td>
      <td>
        <span className="chips">
          {item.hints.map((hint) => (
            <span key={hint} className={`chip chip--${hint}`}>
              {t(`reviews.hint.${hint}`)}
            </span>
          ))}
        </span>
      </td>
      <td data-testid="review-decision">
        {item.decision ? t(`reviews.decisionName.${item.decision}`) : t('common.none')}
        {item.decision === 'shorten' &&
          item.newUntil &&
          t('reviews.open.shortenedTo', { date: format.dateTime(item.newUntil) })}
      </td>
      <td>{item.note ?? ''}</td>
      <td>
        <button type="button" disabled={busy} aria-label={t('reviews.open.keepLabel', { label })} aria-pressed={item.decision === 'keep'} onClick={() => onDecide('keep')}>
          {t('reviews.open.keep')}
        </button>{' '}
        <button type="button" disabled={busy} aria-label={t('reviews.open.revokeLabel', { label })} aria-pressed={item.decision === 'revoke'} onClick={() => onDecide('revoke')}>
          {t('reviews.open.revoke')}
        </button>
        {item.kind === 'grant' && (
          <>
            {' '}
            <button type="button" disabled={busy} aria-label={t('reviews.open.shortenLabel', { label })} aria-pressed={item.decision === 'shorten'} onClick={onShorten}>
              {t('reviews.open.shorten')}
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
  const { t } = useTranslation();
  const [day, setDay] = useState('');
  const [problem, setProblem] = useState<string | null>(null);
  const assignments = chosen.filter((i) => i.kind !== 'grant');
  const apply = () => {
    if (assignments.length > 0) {
      const items = assignments.map((i) => t('reviews.shortenForm.item', { item: i.item })).join(', ');
      setProblem(t('reviews.shortenForm.onlyGrants', { items }));
    } else if (day === '') {
      setProblem(t('reviews.shortenForm.needsDate'));
    } else {
      setProblem(null);
      onShorten(startOfDay(day));
    }
  };
  return (
    <div className="toolbar" role="group" aria-label={t('reviews.shortenForm.label')} data-testid="shorten-form">
      <label>
        {t('reviews.shortenForm.newEnd')}
        <input type="date" value={day} min={dayOf(addDays(new Date(), 1))} onChange={(e) => setDay(e.target.value)} />
      </label>
      <button type="button" disabled={busy || chosen.length === 0} onClick={apply}>
        {t('reviews.shortenForm.apply', { count: chosen.length })}
      </button>
      <button type="button" onClick={onCancel}>
        {t('common.cancel')}
      </button>
      {problem && (
        <span className="notice notice--error" role="alert" data-testid="shorten-problem">
          {problem}
        </span>
      )}
    </div>
  );
}
