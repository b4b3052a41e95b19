import { describe, expect, it } from 'vitest';

import { buTree } from './buTree';

describe('the BU filter tree', () => {
  it('adds the BUs above, keeps each subtree together and counts users with those below', () => {
    const tree = buTree([
      { bu: 'EMEA/FR', users: 2 },
      { bu: 'AMER/US', users: 1 },
      { bu: 'EMEA-X', users: 4 },
      { bu: 'EMEA/DE/Berlin', users: 3 },
      { bu: 'EMEA/DE', users: 5 },
    ]);
    expect(tree.map((n) => [n.path, n.label, n.depth, n.users])).toEqual([
      ['AMER', 'AMER', 0, 1],
      ['AMER/US', 'US', 1, 1],
      ['EMEA', 'EMEA', 0, 10],
      ['EMEA/DE', 'DE', 1, 8],
      ['EMEA/DE/Berlin', 'Berlin', 2, 3],
      ['EMEA/FR', 'FR', 1, 2],
      ['EMEA-X', 'EMEA-X', 0, 4],
    ]);
  });

  it('is empty without BUs', () => {
    expect(buTree([])).toEqual([]);
  });
});
