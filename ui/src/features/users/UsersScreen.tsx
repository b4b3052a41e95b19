import { keepPreviousData, useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { useEffect, useRef, useState } from 'react';

import { ErrorNotice } from '../../app/ErrorNotice';
import { getStatus, syncDirectory, type SyncProgress } from '../../ipc';
import { STATUS_KEY } from './queryKeys';
import { useDebouncedValue } from './useDebouncedValue';
import { pageQuery, UsersTable } from './UsersTable';
import { WorkspaceHeader } from './WorkspaceHeader';

/** Long enough to skip the keys of a word typed in one go, short enough to feel immediate. */
export const SEARCH_DEBOUNCE_MS = 200;

interface UsersScreenProps {
  onSignIn: () => void;
  onSignOut: () => void;
  /** Opens a user's detail (by id) from their row. */
  onOpenUser?: (id: string) => void;
}

export function UsersScreen({ onSignIn, onSignOut, onOpenUser }: UsersScreenProps) {
  const queryClient = useQueryClient();
  const status = useQuery({ queryKey: STATUS_KEY, queryFn: getStatus });
  const [search, setSearch] = useState('');
  const debouncedSearch = useDebouncedValue(search.trim(), SEARCH_DEBOUNCE_MS);
  const [progress, setProgress] = useState<SyncProgress | null>(null);
  const searchRef = useRef<HTMLInputElement>(null);
  // The same query as the table's first page (shared through the query cache), for the count.
  const firstPage = useQuery({ ...pageQuery(debouncedSearch, 0), placeholderData: keepPreviousData });
  const matching = firstPage.data?.total;

  const sync = useMutation({
    mutationFn: () => syncDirectory(setProgress),
    onSettled: async () => {
      setProgress(null);
      // A sync can change everything the cache holds (users, roles, grants, the outbox, the
      // audit log of a ledger sweep): every screen reads again.
      await queryClient.invalidateQueries();
    },
  });

  // A first sign-in has nothing cached yet: fetch it without making the admin press Sync.
  const current = status.data;
  const autoSynced = useRef(false);
  const { mutate: startSync } = sync;
  useEffect(() => {
    if (!autoSynced.current && current?.signedIn && current.lastSyncAt === null) {
      autoSynced.current = true;
      startSync();
    }
  }, [current, startSync]);

  // `/` jumps to the search box from anywhere but another text field.
  useEffect(() => {
    const onKey = (event: KeyboardEvent) => {
      const target = event.target;
      const typing = target instanceof Element && target.closest('input, textarea, select, [contenteditable="true"]');
      if (event.key === '/' && !typing && !event.ctrlKey && !event.metaKey && !event.altKey) {
        event.preventDefault();
        searchRef.current?.focus();
      }
    };
    window.addEventListener('keydown', onKey);
    return () => window.removeEventListener('keydown', onKey);
  }, []);

  if (!current) {
    if (status.isError) return <ErrorNotice error={status.error} testId="status-error" />;
    return (
      <div className="table-state" data-testid="status-loading">
        Opening the workspace…
      </div>
    );
  }

  return (
    <div className="users-screen" data-testid="users-screen">
      <WorkspaceHeader
        status={current}
        syncing={sync.isPending}
        progress={progress}
        onSync={() => sync.mutate()}
        onSignIn={onSignIn}
        onSignOut={onSignOut}
      />
      {current.offline && (
        <div className="notice notice--offline" role="status" data-testid="offline-banner">
          Offline: showing the users cached when you last synced. Changes need the IAM.
        </div>
      )}
      {sync.isError && <ErrorNotice error={sync.error} testId="sync-error" />}
      <div className="toolbar">
        <input
          ref={searchRef}
          type="search"
          className="search"
          data-testid="user-search"
          aria-label="Search users"
          placeholder="Search users (press / )"
          value={search}
          onChange={(event) => setSearch(event.target.value)}
          spellCheck={false}
          autoComplete="off"
        />
        {matching !== undefined && (
          <span className="muted small" data-testid="users-count" aria-live="polite">
            {debouncedSearch
              ? `${matching.toLocaleString()} of ${current.cachedUsers.toLocaleString()} users`
              : `${matching.toLocaleString()} users`}
          </span>
        )}
      </div>
      <UsersTable search={debouncedSearch} hasSynced={current.lastSyncAt !== null} onOpenUser={onOpenUser} />
    </div>
  );
}
