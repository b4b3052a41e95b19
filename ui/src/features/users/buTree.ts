import type { BusinessUnitCount } from '../../ipc';

/** A BU in the filter's tree: its path, its last segment, how deep it is, and its users with those below it. */
export interface BuNode {
  path: string;
  label: string;
  depth: number;
  users: number;
}

/**
 * The BUs of `units` as a tree in reading order (each BU followed by the BUs below it, by
 * name), with the BUs above them added even when no user belongs to them directly, and each
 * counting its own users and those below it: choosing a BU filters on its whole subtree.
 */
export function buTree(units: BusinessUnitCount[]): BuNode[] {
  const totals = new Map<string, number>();
  for (const { bu, users } of units) {
    const segments = bu.split('/');
    for (let depth = 1; depth <= segments.length; depth++) {
      const path = segments.slice(0, depth).join('/');
      totals.set(path, (totals.get(path) ?? 0) + users);
    }
  }
  // Sorting segment lists (not the strings) keeps a BU's subtree together: `EMEA/DE` before
  // `EMEA-X`, though '-' sorts before '/'.
  const paths = [...totals.keys()].map((path) => path.split('/'));
  paths.sort((a, b) => {
    for (let i = 0; i < Math.min(a.length, b.length); i++) {
      const order = (a[i] ?? '').localeCompare(b[i] ?? '');
      if (order !== 0) return order;
    }
    return a.length - b.length;
  });
  return paths.map((segments) => {
    const path = segments.join('/');
    return { path, label: segments[segments.length - 1] ?? path, depth: segments.length - 1, users: totals.get(path) ?? 0 };
  });
}
