import { keepPreviousData, useQuery } from '@tanstack/react-query';
import { useState } from 'react';
import { useTranslation } from 'react-i18next';

import { useFormatters } from '../../app/i18n/format';
import { QueryState } from '../../app/QueryState';
import { listUsers, type RoleView } from '../../ipc';
import { USERS_KEY } from '../users/queryKeys';

/** Holders shown per page; a role held by thousands is paged rather than virtualized, as it is read in passing. */
export const HOLDERS_PAGE_SIZE = 50;

interface RoleHoldersProps {
  role: RoleView;
  onOpenUser: (id: string) => void;
}

/** The cached users who hold `role`, a page at a time. */
export function RoleHolders({ role, onOpenUser }: RoleHoldersProps) {
  const { t } = useTranslation();
  const format = useFormatters();
  const [page, setPage] = useState(0);
  // Under USERS_KEY, so a change or a sync that invalidates the users refreshes the holders too.
  const holders = useQuery({
    queryKey: [...USERS_KEY, 'holders', role.name, page],
    queryFn: () => listUsers({ role: role.name, offset: page * HOLDERS_PAGE_SIZE, limit: HOLDERS_PAGE_SIZE }),
    placeholderData: keepPreviousData,
  });
  const total = holders.data?.total ?? 0;
  const first = page * HOLDERS_PAGE_SIZE;
  const pages = Math.max(1, Math.ceil(total / HOLDERS_PAGE_SIZE));

  return (
    <section aria-labelledby="role-holders-title" data-testid="role-holders">
      <h2 id="role-holders-title">{t('roles.holdersOf', { role: role.name })}</h2>
      <QueryState
        query={holders}
        name="role-holders"
        loading={t('roles.loadingHolders')}
        isEmpty={(data) => data.total === 0}
        empty={t('roles.noHolders', { role: role.name })}
      >
        {(data) => (
          <>
            <table aria-label={t('roles.holdersOf', { role: role.name })}>
              <thead>
                <tr>
                  <th scope="col">{t('users.userName')}</th>
                  <th scope="col">{t('users.displayName')}</th>
                  <th scope="col">{t('common.businessUnit')}</th>
                  <th scope="col">{t('common.status')}</th>
                </tr>
              </thead>
              <tbody>
                {data.rows.map((user) => (
                  <tr key={user.id} data-testid="holder-row">
                    <td className="mono">
                      <button
                        type="button"
                        className="link"
                        aria-label={t('users.open', { name: user.userName })}
                        onClick={() => onOpenUser(user.id)}
                      >
                        {user.userName}
                      </button>
                    </td>
                    <td>{user.displayName}</td>
                    <td>{user.bu ?? t('common.none')}</td>
                    <td>{user.active ? t('common.active') : t('common.disabled')}</td>
                  </tr>
                ))}
              </tbody>
            </table>
            <div className="toolbar" data-testid="holders-pager">
              <button type="button" disabled={page === 0} onClick={() => setPage((p) => p - 1)}>
                {t('roles.previousPage')}
              </button>
              <span className="muted small" aria-live="polite" data-testid="holders-range">
                {t('roles.holdersRange', {
                  from: format.number(first + 1),
                  to: format.number(Math.min(first + data.rows.length, total)),
                  total: format.number(total),
                })}
              </span>
              <button type="button" disabled={page + 1 >= pages} onClick={() => setPage((p) => p + 1)}>
                {t('roles.nextPage')}
              </button>
            </div>
          </>
        )}
      </QueryState>
    </section>
  );
}
