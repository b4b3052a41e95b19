import { describe, expect, it } from 'vitest';

import type { ReviewItem } from '../../ipc';
import { ALL_ITEMS, progressOf, selectionOf, shownItems, withSaved } from './reviewItems';

function item(n: number, fields: Partial<ReviewItem> = {}): ReviewItem {
  return {
    item: n,
    kind: 'assignment',
    userId: `id-${n}`,
    userName: `user${n}`,
    userBu: 'EMEA/DE',
    role: 'Exstream Content Author',
    roleId: 'grp-ca',
    baseVersion: null,
    hints: [],
    decision: null,
    ...fields,
  };
}

describe('review items', () => {
  it('compacts a selection into the ranges the core reads', () => {
    expect(selectionOf([7, 2, 5, 6])).toBe('2,5-7');
    expect(selectionOf([3])).toBe('3');
    expect(selectionOf([1, 2, 3, 3, 9, 10])).toBe('1-3,9-10');
    expect(selectionOf([])).toBe('');
  });

  it('filters by hint and undecided, and sorts with ties in item order', () => {
    const items = [
      item(1, { userName: 'zoe', hints: ['partner'] }),
      item(2, { userName: 'anna', decision: 'keep', hints: ['partner'] }),
      item(3, { userName: 'anna', hints: ['leaver'] }),
    ];
    expect(shownItems(items, { ...ALL_ITEMS, hint: 'partner' }).map((i) => i.item)).toEqual([1, 2]);
    expect(shownItems(items, { ...ALL_ITEMS, undecidedOnly: true }).map((i) => i.item)).toEqual([1, 3]);
    expect(shownItems(items, { ...ALL_ITEMS, sort: 'user' }).map((i) => i.item)).toEqual([2, 3, 1]);
    expect(shownItems(items, { ...ALL_ITEMS, sort: 'user', direction: 'descending' }).map((i) => i.item)).toEqual([1, 3, 2]);
    expect(items.map((i) => i.item), 'sorting must not reorder the cached items').toEqual([1, 2, 3]);
  });

  it('counts progress and merges saved decisions', () => {
    const items = [item(1), item(2), item(3)];
    const merged = withSaved(items, [item(2, { decision: 'revoke' }), item(3, { decision: 'keep' })]);
    expect(progressOf(merged)).toEqual({ decided: 2, total: 3, keep: 1, revoke: 1, shorten: 0 });
  });
});
