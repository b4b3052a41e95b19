import { keepPreviousData, useQueries, useQuery } from '@tanstack/react-query';
import { useVirtualizer } from '@tanstack/react-virtual';
import { useRef } from 'react';
import { useTranslation } from 'react-i18next';

import { useFormatters } from '../../app/i18n/format';
import { QueryState } from '../../app/QueryState';
import { listUsers, type UserPage, type UserRow } from '../../ipc';
import { USERS_KEY } from './queryKeys';
import { hasFilters, NO_FILTERS, type UserFilters } from './UsersFilters';

/** Rows fetched per call; the table asks only for the pages it is about to show. */
export const PAGE_SIZE = 200;
const ROW_HEIGHT = 36;

/** One page of the users matching `search` and `filters`; page 0 also carries the total. */
export function pageQuery(search: string, filters: UserFilters, page: number) {
  return {
    queryKey: [...USERS_KEY, search, filters, page] as const,
    queryFn: (): Promise<UserPage> =>
      listUsers({ ...(search ? { search } : {}), ...filters, offset: page * PAGE_SIZE, limit: PAGE_SIZE }),
  };
}

/** The page a workspace opens on: the first rows of every cached user, without search or filters. */
export function firstPageQuery() {
  return pageQuery('', NO_FILTERS, 0);
}

interface UsersTableProps {
  search: string;
  filters: UserFilters;
  hasSynced: boolean;
  onOpenUser?: ((id: string) => void) | undefined;
  /** Ids of the selected users, and what toggling a row's box does (with the rows loaded). */
  selected?: ReadonlySet<string>;
  onToggle?: ((index: number, range: boolean, rowAt: (index: number) => UserRow | undefined) => void) | undefined;
}

export function UsersTable({ search, filters, hasSynced, onOpenUser, selected, onToggle }: UsersTableProps) {
  const { t } = useTranslation();
  const format = useFormatters();
  const scrollRef = useRef<HTMLDivElement>(null);
  // Page 0 also carries the total, which sizes the scroll area; keep the previous result on
  // screen while the next search runs so the table does not flash empty between keys.
  const first = useQuery({ ...pageQuery(search, filters, 0), placeholderData: keepPreviousData });
  const total = first.data?.total ?? 0;
  // When more match than were counted, one last row says so instead of a row of theirs.
  const more = first.data?.more === true;

  // eslint-disable-next-line react-hooks/incompatible-library -- the virtualizer is read during render by design
  const virtualizer = useVirtualizer({
    count: total + (more ? 1 : 0),
    getScrollElement: () => scrollRef.current,
    estimateSize: () => ROW_HEIGHT,
    overscan: 12,
  });
  const items = virtualizer.getVirtualItems();
  const pageNumbers = [...new Set(items.map((item) => Math.floor(item.index / PAGE_SIZE)))].filter((p) => p > 0);
  const laterPages = useQueries({ queries: pageNumbers.map((page) => pageQuery(search, filters, page)) });

  const rowAt = (index: number): UserRow | undefined => {
    const page = Math.floor(index / PAGE_SIZE);
    const data = page === 0 ? first.data : laterPages[pageNumbers.indexOf(page)]?.data;
    return data?.rows[index - page * PAGE_SIZE];
  };

  return (
    <QueryState
      query={first}
      name="users"
      loading={t('users.loading')}
      isEmpty={() => total === 0}
      empty={
        search
          ? t('users.emptySearch', { search })
          : hasFilters(filters)
            ? t('users.emptyFiltered')
            : hasSynced
              ? t('users.empty')
              : t('users.emptyNeverSynced')
      }
    >
      {() => (
        <div className="users-table" role="table" aria-label={t('users.table')} aria-rowcount={total} data-testid="users-table">
          <div className="users-row users-row--head" role="row">
            <span role="columnheader" aria-label={t('selection.column')} />
            <span role="columnheader">{t('users.userName')}</span>
            <span role="columnheader">{t('users.displayName')}</span>
            <span role="columnheader">{t('common.businessUnit')}</span>
            <span role="columnheader">{t('users.type')}</span>
            <span role="columnheader">{t('common.active')}</span>
            <span role="columnheader">{t('users.roles')}</span>
          </div>
          <div className="users-scroll" ref={scrollRef} data-testid="users-scroll">
            <div style={{ height: virtualizer.getTotalSize(), position: 'relative' }}>
              {items.map((item) => {
                const style = { position: 'absolute', top: 0, left: 0, right: 0, height: item.size, transform: `translateY(${item.start}px)` } as const;
                if (item.index === total) {
                  return (
                    <div key={item.key} role="row" aria-rowindex={item.index + 2} className="users-row users-row--more" style={style} data-testid="users-more">
                      <span role="cell" className="muted">
                        {t('users.moreThanShown', { shown: format.number(total) })}
                      </span>
                    </div>
                  );
                }
                const user = rowAt(item.index);
                return (
                  <div
                    key={item.key}
                    role="row"
                    aria-rowindex={item.index + 2}
                    className="users-row"
                    data-testid={user ? 'user-row' : 'user-row-loading'}
                    data-user-name={user?.userName}
                    data-selected={user && selected ? selected.has(user.id) : undefined}
                    data-bu={user?.bu ?? undefined}
                    style={style}
                  >
                    {user ? (
                      <>
                        <span role="cell">
                          {onToggle && (
                            <input
                              type="checkbox"
                              data-testid="select-user"
                              aria-label={t('selection.select', { name: user.userName })}
                              title={t('selection.rangeHint')}
                              checked={selected?.has(user.id) ?? false}
                              onChange={() => {}}
                              onClick={(event) => onToggle(item.index, event.shiftKey, rowAt)}
                            />
                          )}
                        </span>
                        <UserCells user={user} onOpen={onOpenUser} />
                      </>
                    ) : (
                      <span className="muted">…</span>
                    )}
                  </div>
                );
              })}
            </div>
          </div>
          {first.isFetching && !first.isPending && <div className="table-refreshing" aria-live="polite">{t('users.searching')}</div>}
        </div>
      )}
    </QueryState>
  );
}

function UserCells({ user, onOpen }: { user: UserRow; onOpen: ((id: string) => void) | undefined }) {
  const { t } = useTranslation();
  return (
    <>
      <span role="cell" className="mono" data-testid="cell-user-name">
        {onOpen ? (
          <button type="button" className="link" aria-label={t('users.open', { name: user.userName })} onClick={() => onOpen(user.id)}>
            {user.userName}
          </button>
        ) : (
          user.userName
        )}
      </span>
      <span role="cell">{user.displayName}</span>
      <span role="cell" data-testid="cell-bu">
        {user.bu ?? t('common.none')}
      </span>
      <span role="cell" className="capitalize">
        {t(`users.userType.${user.type}`)}
      </span>
      <span role="cell">
        <span className={user.active ? 'dot dot--active' : 'dot'} aria-hidden="true" />
        {user.active ? t('common.active') : t('common.disabled')}
      </span>
      <span role="cell" className="roles" title={user.roles.join(', ')}>
        {user.roles.join(', ')}
      </span>
    </>
  );
}
