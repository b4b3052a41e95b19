import { useQuery } from '@tanstack/react-query';
import { useTranslation } from 'react-i18next';

import { useFormatters } from '../../app/i18n/format';
import { listBusinessUnits, listRoles, type UserType } from '../../ipc';
import { ROLES_KEY } from '../changes/queryKeys';
import { buTree } from './buTree';
import { USERS_KEY } from './queryKeys';

/** What the users table is narrowed to besides the search; every field left out means "all". */
export interface UserFilters {
  bu?: string;
  type?: UserType;
  active?: boolean;
  role?: string;
}

export const NO_FILTERS: UserFilters = {};

export function hasFilters(filters: UserFilters): boolean {
  return Object.values(filters).some((value) => value !== undefined);
}

const USER_TYPES: UserType[] = ['employee', 'partner', 'service', 'other'];

interface UsersFiltersProps {
  filters: UserFilters;
  onChange: (filters: UserFilters) => void;
  /** The options are read once the table's first rows are there: the start belongs to them. */
  enabled: boolean;
}

/** The BU (as a tree, with counts), type, status and role filters of the users table. */
export function UsersFilters({ filters, onChange, enabled }: UsersFiltersProps) {
  const { t } = useTranslation();
  const format = useFormatters();
  // Under the users' key: a sync, which invalidates every query, brings the BUs up to date too.
  const units = useQuery({ queryKey: [...USERS_KEY, 'business-units'], queryFn: listBusinessUnits, enabled });
  const roles = useQuery({ queryKey: ROLES_KEY, queryFn: listRoles, enabled });
  const set = (change: Partial<UserFilters>) => {
    const next: UserFilters = { ...filters, ...change };
    // Drop what is back to "all", so equal filters give equal query keys.
    onChange(Object.fromEntries(Object.entries(next).filter(([, value]) => value !== undefined)) as UserFilters);
  };
  const status = filters.active === undefined ? '' : filters.active ? 'active' : 'disabled';
  return (
    <div className="filters" role="group" aria-label={t('users.filters')} data-testid="users-filters">
      <label>
        <span>{t('users.filterBu')}</span>
        <select data-testid="filter-bu" value={filters.bu ?? ''} onChange={(e) => set({ bu: e.target.value || undefined })}>
          <option value="">{t('users.filterAll')}</option>
          {buTree(units.data ?? []).map((node) => (
            <option key={node.path} value={node.path}>
              {'\u00a0\u00a0'.repeat(node.depth)}
              {t('users.buOption', { label: node.label, users: format.number(node.users) })}
            </option>
          ))}
        </select>
      </label>
      <label>
        <span>{t('users.filterType')}</span>
        <select
          data-testid="filter-type"
          value={filters.type ?? ''}
          onChange={(e) => set({ type: USER_TYPES.find((type) => type === e.target.value) })}
        >
          <option value="">{t('users.filterAll')}</option>
          {USER_TYPES.map((type) => (
            <option key={type} value={type}>
              {t(`users.userType.${type}`)}
            </option>
          ))}
        </select>
      </label>
      <label>
        <span>{t('users.filterStatus')}</span>
        <select
          data-testid="filter-status"
          value={status}
          onChange={(e) => set({ active: e.target.value === '' ? undefined : e.target.value === 'active' })}
        >
          <option value="">{t('users.filterAll')}</option>
          <option value="active">{t('users.statusActive')}</option>
          <option value="disabled">{t('users.statusDisabled')}</option>
        </select>
      </label>
      <label>
        <span>{t('users.filterRole')}</span>
        <select data-testid="filter-role" value={filters.role ?? ''} onChange={(e) => set({ role: e.target.value || undefined })}>
          <option value="">{t('users.filterAll')}</option>
          {(roles.data ?? []).map((role) => (
            <option key={role.name} value={role.name}>
              {role.name}
            </option>
          ))}
        </select>
      </label>
      {hasFilters(filters) && (
        <button type="button" data-testid="clear-filters" onClick={() => onChange(NO_FILTERS)}>
          {t('users.clearFilters')}
        </button>
      )}
    </div>
  );
}
