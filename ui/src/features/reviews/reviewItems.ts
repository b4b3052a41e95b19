import type { TFunction } from 'i18next';

import type { ReviewHint, ReviewItem } from '../../ipc';

/** Every hint, in the order the core sorts them. */
export const HINTS: ReviewHint[] = [
  'partner',
  'sensitive',
  'separation-of-duties',
  'leaver',
  'mover',
  'expiring',
  'long-standing',
];

export type SortKey = 'item' | 'user' | 'role';
export type SortDirection = 'ascending' | 'descending';

export interface ItemView {
  undecidedOnly: boolean;
  /** Only items with this hint; null for all. */
  hint: ReviewHint | null;
  sort: SortKey;
  direction: SortDirection;
}

export const ALL_ITEMS: ItemView = { undecidedOnly: false, hint: null, sort: 'item', direction: 'ascending' };

/** The items the table shows: filtered, then sorted (ties stay in item order). */
export function shownItems(items: ReviewItem[], view: ItemView): ReviewItem[] {
  const shown = items
    .filter((i) => !view.undecidedOnly || i.decision === null)
    .filter((i) => view.hint === null || i.hints.includes(view.hint));
  const text = (i: ReviewItem) => (view.sort === 'user' ? i.userName : view.sort === 'role' ? i.role : '');
  const sign = view.direction === 'ascending' ? 1 : -1;
  return shown.sort((a, b) => sign * (text(a).localeCompare(text(b)) || a.item - b.item));
}

/**
 * The selection string the core reads (`2,5-7`) for a set of item numbers: runs of consecutive
 * numbers become ranges, so a bulk decision on hundreds of items stays one short argument.
 */
export function selectionOf(items: Iterable<number>): string {
  const numbers = [...new Set(items)].sort((a, b) => a - b);
  const runs: [number, number][] = [];
  for (const n of numbers) {
    const last = runs[runs.length - 1];
    if (last && n === last[1] + 1) last[1] = n;
    else runs.push([n, n]);
  }
  const parts = runs.map(([start, end]) => (start === end ? `${start}` : `${start}-${end}`));
  return parts.join(',');
}

export interface Progress {
  decided: number;
  total: number;
  keep: number;
  revoke: number;
  shorten: number;
}

export function progressOf(items: ReviewItem[]): Progress {
  const count = (decision: string) => items.filter((i) => i.decision === decision).length;
  return {
    decided: items.filter((i) => i.decision !== null).length,
    total: items.length,
    keep: count('keep'),
    revoke: count('revoke'),
    shorten: count('shorten'),
  };
}

/** Replaces the items a decision saved, keeping the others as they were. */
export function withSaved(items: ReviewItem[], saved: ReviewItem[]): ReviewItem[] {
  const byNumber = new Map(saved.map((i) => [i.item, i]));
  return items.map((i) => byNumber.get(i.item) ?? i);
}

/** How an item reads in button and checkbox names: "Template Designer for anna.schmidt". */
export function itemLabel(item: ReviewItem, t: TFunction): string {
  return t('common.roleFor', { role: item.role, user: item.userName });
}
