import { keepPreviousData, useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { useEffect, useRef, useState } from 'react';
import { useTranslation } from 'react-i18next';

import { ErrorNotice } from '../../app/ErrorNotice';
import { useFormatters } from '../../app/i18n/format';
import { isSearchKey } from '../../app/shortcuts';
import { cancelSync, getStatus, syncDirectory, type SyncProgress } from '../../ipc';
import { CacheLockedNotice } from './CacheLockedNotice';
import { STATUS_KEY } from './queryKeys';
import { useDebouncedValue } from './useDebouncedValue';
import { hasFilters, NO_FILTERS, UsersFilters, type UserFilters } from './UsersFilters';
import { SelectionBar } from './SelectionBar';
import { useUserSelection } from './userSelection';
import { pageQuery, UsersTable } from './UsersTable';
import { WorkspaceHeader } from './WorkspaceHeader';

/** Long enough to skip the keys of a word typed in one go, short enough to feel immediate. */
export const SEARCH_DEBOUNCE_MS = 200;

/**
 * Something asked of the screen from outside it (the command palette, a shortcut pressed on
 * another screen); a new `id` asks again.
 */
export interface UsersRequest {
  kind: 'sync' | 'focus-search';
  id: number;
}

interface UsersScreenProps {
  onSignIn: () => void;
  onSignOut: () => void;
  /** Opens a user's detail (by id) from their row. */
  onOpenUser?: (id: string) => void;
  request?: UsersRequest | null;
}

export function UsersScreen({ onSignIn, onSignOut, onOpenUser, request = null }: UsersScreenProps) {
  const { t } = useTranslation();
  const format = useFormatters();
  const queryClient = useQueryClient();
  const status = useQuery({ queryKey: STATUS_KEY, queryFn: getStatus });
  const [search, setSearch] = useState('');
  const [filters, setFilters] = useState<UserFilters>(NO_FILTERS);
  const selection = useUserSelection();
  const debouncedSearch = useDebouncedValue(search.trim(), SEARCH_DEBOUNCE_MS);
  const [progress, setProgress] = useState<SyncProgress | null>(null);
  const searchRef = useRef<HTMLInputElement>(null);
  // A locked cache refuses every read: nothing is asked of it until a sign-in unlocks it.
  const locked = status.data?.cacheLocked === true;
  // The same query as the table's first page (shared through the query cache), for the count.
  const firstPage = useQuery({
    ...pageQuery(debouncedSearch, filters, 0),
    placeholderData: keepPreviousData,
    enabled: !locked,
  });
  const matching = firstPage.data?.total;
  const moreMatching = firstPage.data?.more === true;

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

  // The request is handled once the workspace is shown (the search box exists, the status says
  // whether a sync can run), and each id only once. Signed out, the header's Sign in is the way.
  const handled = useRef<number | null>(null);
  const ready = current !== undefined;
  const signedIn = current?.signedIn === true;
  useEffect(() => {
    if (!request || !ready || handled.current === request.id) return;
    handled.current = request.id;
    if (request.kind === 'focus-search') searchRef.current?.focus();
    else if (signedIn) startSync();
  }, [request, ready, signedIn, startSync]);

  // `/` jumps to the search box from anywhere but another text field.
  useEffect(() => {
    const onKey = (event: KeyboardEvent) => {
      if (isSearchKey(event)) {
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
        {t('users.openingWorkspace')}
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
        onCancelSync={() => void cancelSync()}
        onSignIn={onSignIn}
        onSignOut={onSignOut}
      />
      {current.offline && (
        <div className="notice notice--offline" role="status" data-testid="offline-banner">
          {t('users.offlineBanner')}
        </div>
      )}
      {sync.isError && <ErrorNotice error={sync.error} testId="sync-error" />}
      {locked ? (
        <CacheLockedNotice issuer={current.issuer} />
      ) : (
        <>
          <div className="toolbar">
            <input
              ref={searchRef}
              type="search"
              className="search"
              data-testid="user-search"
              aria-label={t('users.search')}
              placeholder={t('users.searchPlaceholder')}
              value={search}
              onChange={(event) => setSearch(event.target.value)}
              spellCheck={false}
              autoComplete="off"
            />
            {matching !== undefined && (
              <span className="muted small" data-testid="users-count" aria-live="polite">
                {debouncedSearch || hasFilters(filters)
                  ? t(moreMatching ? 'users.countMatchingMore' : 'users.countMatching', {
                      matching: format.number(matching),
                      total: format.number(current.cachedUsers),
                    })
                  : t('users.countAll', { total: format.number(matching) })}
              </span>
            )}
          </div>
          <UsersFilters filters={filters} onChange={setFilters} enabled={firstPage.isSuccess} />
          <SelectionBar ids={selection.ids} onClear={selection.clear} />
          <UsersTable
            search={debouncedSearch}
            filters={filters}
            hasSynced={current.lastSyncAt !== null}
            onOpenUser={onOpenUser}
            selected={selection.ids}
            onToggle={selection.toggle}
          />
        </>
      )}
    </div>
  );
}
