import { useQuery } from '@tanstack/react-query';
import { useTranslation } from 'react-i18next';

import { QueryState } from '../../app/QueryState';
import { getStatus, listRoles, type RoleView } from '../../ipc';
import { ROLES_KEY } from '../changes/queryKeys';
import { STATUS_KEY } from '../users/queryKeys';
import { RoleHolders } from './RoleHolders';

interface RolesScreenProps {
  /** The role whose holders are shown; kept by the shell so it survives a visit to a holder's detail. */
  selected: string | null;
  onSelect: (role: string | null) => void;
  /** Opens a holder's detail (by id), as a row of the users table does. */
  onOpenUser: (id: string) => void;
}

/** The role catalog: each role's policy, what it confers and how many hold it; a chosen role lists its holders. */
export function RolesScreen({ selected, onSelect, onOpenUser }: RolesScreenProps) {
  const { t } = useTranslation();
  const roles = useQuery({ queryKey: ROLES_KEY, queryFn: listRoles });
  const status = useQuery({ queryKey: STATUS_KEY, queryFn: getStatus });
  // A role that left the catalog (after a sync) is no longer selected.
  const selectedRole = roles.data?.find((role) => role.name === selected) ?? null;

  return (
    <section className="screen roles-screen" aria-labelledby="roles-title" data-testid="roles-screen">
      <h1 id="roles-title">{t('roles.title')}</h1>
      {status.data?.offline && (
        <div className="notice notice--offline" role="status" data-testid="roles-offline">
          {t('roles.offline')}
        </div>
      )}
      <QueryState
        query={roles}
        name="roles"
        loading={t('common.loadingRoles')}
        isEmpty={(data) => data.length === 0}
        empty={t('roles.empty')}
      >
        {(data) => <RolesTable roles={data} selected={selectedRole?.name ?? null} onSelect={onSelect} />}
      </QueryState>
      {selectedRole && <RoleHolders key={selectedRole.name} role={selectedRole} onOpenUser={onOpenUser} />}
    </section>
  );
}

interface RolesTableProps {
  roles: RoleView[];
  selected: string | null;
  onSelect: (role: string | null) => void;
}

function RolesTable({ roles, selected, onSelect }: RolesTableProps) {
  const { t } = useTranslation();
  return (
    <table aria-label={t('roles.table')} data-testid="roles-table">
      <thead>
        <tr>
          <th scope="col">{t('common.role')}</th>
          <th scope="col">{t('grants.policy.sensitivity')}</th>
          <th scope="col">{t('grants.policy.partners')}</th>
          <th scope="col">{t('grants.policy.maxDays')}</th>
          <th scope="col">{t('grants.policy.approval')}</th>
          <th scope="col">{t('roles.confers')}</th>
          <th scope="col">{t('roles.holders')}</th>
        </tr>
      </thead>
      <tbody>
        {roles.map((role) => {
          const isSelected = role.name === selected;
          return (
            <tr key={role.name} data-testid="role-row" data-role={role.name} data-selected={isSelected}>
              <th scope="row">
                <button
                  type="button"
                  className="link"
                  aria-pressed={isSelected}
                  aria-label={t('roles.showHolders', { role: role.name })}
                  onClick={() => onSelect(isSelected ? null : role.name)}
                >
                  {role.name}
                </button>
                {role.description && <div className="muted small">{role.description}</div>}
              </th>
              <td>{t(`grants.policy.level.${role.sensitivity}`)}</td>
              <td>{role.partner_allowed ? t('grants.policy.allowed') : t('grants.policy.notAllowed')}</td>
              <td>{role.max_grant_days}</td>
              <td>{role.needs_approval ? t('grants.policy.fourEyes') : t('grants.policy.notNeeded')}</td>
              <td>
                {role.confers && role.confers.length > 0 ? (
                  <span className="chips">
                    {role.confers.map((capability) => (
                      <span key={capability} className="chip">
                        {t(`header.capability.${capability}`)}
                      </span>
                    ))}
                  </span>
                ) : (
                  t('common.none')
                )}
              </td>
              <td data-testid="role-holders-count">{role.holders}</td>
            </tr>
          );
        })}
      </tbody>
    </table>
  );
}
