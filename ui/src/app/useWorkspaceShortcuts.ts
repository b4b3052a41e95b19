import { useEffect, useRef } from 'react';

import { isPaletteKey, isSearchKey, sectionIndexOf } from './shortcuts';
import { SECTIONS, type Section } from './sections';

interface ShortcutHandlers {
  onTogglePalette: () => void;
  onSection: (section: Section) => void;
  /** `/` pressed outside a text field; the Users screen handles it itself while it is shown. */
  onSearch: () => void;
}

/** The workspace-wide keys: Ctrl/⌘+K for the palette, Alt+digit for a section, `/` for the users search. */
export function useWorkspaceShortcuts(handlers: ShortcutHandlers, searchHandledElsewhere: boolean): void {
  // The latest handlers, so the listener is added once and never calls stale state setters.
  const latest = useRef(handlers);
  useEffect(() => {
    latest.current = handlers;
  });
  useEffect(() => {
    const onKey = (event: KeyboardEvent) => {
      if (event.defaultPrevented) return;
      if (isPaletteKey(event)) {
        event.preventDefault();
        latest.current.onTogglePalette();
        return;
      }
      const index = sectionIndexOf(event);
      const section = index === null ? undefined : SECTIONS[index];
      if (section) {
        event.preventDefault();
        latest.current.onSection(section);
        return;
      }
      if (!searchHandledElsewhere && isSearchKey(event)) {
        event.preventDefault();
        latest.current.onSearch();
      }
    };
    window.addEventListener('keydown', onKey);
    return () => window.removeEventListener('keydown', onKey);
  }, [searchHandledElsewhere]);
}
