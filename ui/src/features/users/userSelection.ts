import { useCallback, useRef, useState } from 'react';

import type { UserRow } from '../../ipc';

/** The users ticked in the users table (by id), kept across searches and filters. */
export interface UserSelection {
  ids: ReadonlySet<string>;
  /**
   * Ticks or unticks the row at `index`; with `range`, every loaded row from the last one
   * toggled to this one takes this row's new state.
   */
  toggle: (index: number, range: boolean, rowAt: (index: number) => UserRow | undefined) => void;
  clear: () => void;
}

export function useUserSelection(): UserSelection {
  const [ids, setIds] = useState<ReadonlySet<string>>(() => new Set());
  const anchor = useRef<number | null>(null);

  const toggle = useCallback((index: number, range: boolean, rowAt: (index: number) => UserRow | undefined) => {
    const user = rowAt(index);
    if (!user) return;
    const from = range && anchor.current !== null ? Math.min(anchor.current, index) : index;
    const to = range && anchor.current !== null ? Math.max(anchor.current, index) : index;
    anchor.current = index;
    setIds((previous) => {
      const select = !previous.has(user.id);
      const next = new Set(previous);
      for (let i = from; i <= to; i++) {
        const row = rowAt(i);
        if (!row) continue;
        if (select) next.add(row.id);
        else next.delete(row.id);
      }
      return next;
    });
  }, []);

  const clear = useCallback(() => {
    anchor.current = null;
    setIds(new Set());
  }, []);

  return { ids, toggle, clear };
}
