import { keepPreviousData, useQuery } from '@tanstack/react-query';
import { useEffect, useRef, useState } from 'react';
import { useTranslation } from 'react-i18next';

import { ErrorNotice } from '../../app/ErrorNotice';
import { useFormatters } from '../../app/i18n/format';
import { isSearchKey } from '../../app/shortcuts';
import { getStatus } from '../../ipc';
import { CacheLockedNotice } from './CacheLockedNotice';
import { STATUS_KEY } from './queryKeys';
import { useDebouncedValue } from './useDebouncedValue';
import { hasFilters, NO_FILTERS, UsersFilters, type UserFilters } from './UsersFilters';
import { SelectionBar } from './SelectionBar';
import { useUserSelection } from './userSelection';
import { pageQuery, UsersTable } from './UsersTable';

/** Long enough to skip the keys of a word typed in one go, short enough to feel immediate. */
export const SEARCH_DEBOUNCE_MS = 200;

interface UsersScreenProps {
  /** Opens a user's detail (by id) from their row. */
  onOpenUser?: (id: string) => void;
  /**
   * Asks for the search box from outside the screen (the command palette, `/` pressed on another
   * screen); a new number asks again.
   */
  searchRequest?: number | null;
}

/** The cached users (the workspace's header and Sync are above every screen: `WorkspaceBar`). */
export function UsersScreen({ onOpenUser, searchRequest = null }: UsersScreenProps) {
  const { t } = useTranslation();
  const format = useFormatters();
  const status = useQuery({ queryKey: STATUS_KEY, queryFn: getStatus });
  const [search, setSearch] = useState('');
  const [filters, setFilters] = useState<UserFilters>(NO_FILTERS);
  const selection = useUserSelection();
  const debouncedSearch = useDebouncedValue(search.trim(), SEARCH_DEBOUNCE_MS);
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

  // Each request once, once the workspace is shown (the search box exists).
  const current = status.data;
  const handled = useRef<number | null>(null);
  const ready = current !== undefined;
  useEffect(() => {
    if (searchRequest === null || !ready || handled.current === searchRequest) return;
    handled.current = searchRequest;
    searchRef.current?.focus();
  }, [searchRequest, ready]);

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
