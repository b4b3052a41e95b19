import { useQuery } from '@tanstack/react-query';
import { useState } from 'react';
import { useTranslation } from 'react-i18next';

import { ErrorNotice } from '../../app/ErrorNotice';
import { QueryState } from '../../app/QueryState';
import {
  approveGrant,
  assignRole,
  extendGrant,
  getUser,
  issueGrant,
  listRoles,
  rejectGrant,
  removeRole,
  revokeGrant,
  setUserActive,
  type RoleActions,
  type UserRow,
} from '../../ipc';
import { AuditTable } from '../audit/AuditTable';
import { ChangeOutcomeNotice } from '../changes/ChangeOutcomeNotice';
import { ROLES_KEY, USER_DETAIL_KEY } from '../changes/queryKeys';
import { useChange } from '../changes/useChange';
import { GrantsTable } from '../grants/GrantsTable';
import { IssueGrantForm } from '../grants/IssueGrantForm';
import { ForbiddenAction, isForbidden } from './ForbiddenAction';

interface UserDetailProps {
  /** The user's id (or userName). */
  user: string;
  onClose: () => void;
}

export function UserDetail({ user: userKey, onClose }: UserDetailProps) {
  const { t } = useTranslation();
  const detail = useQuery({ queryKey: [...USER_DETAIL_KEY, userKey], queryFn: () => getUser(userKey) });
  const change = useChange();

  return (
    <section className="screen user-detail" aria-label={t('userDetail.label')} data-testid="user-detail">
      <div className="toolbar">
        <button type="button" onClick={onClose}>
          {t('userDetail.backToUsers')}
        </button>
      </div>
      <QueryState query={detail} name="user" loading={t('userDetail.loading')}>
        {(data) => (
          <>
            <UserAttributes user={data.user} />
            {change.error !== null && <ErrorNotice error={change.error} testId="change-error" />}
            {change.outcome && <ChangeOutcomeNotice outcome={change.outcome} />}
            <div className="toolbar">
              <button
                type="button"
                disabled={change.busy || isForbidden(data.actions?.setActive)}
                aria-describedby={isForbidden(data.actions?.setActive) ? 'set-active-forbidden' : undefined}
                onClick={() => change.run(() => setUserActive(userKey, !data.user.active))}
              >
                {data.user.active ? t('userDetail.disable') : t('userDetail.enable')}
              </button>
            </div>
            <ForbiddenAction
              id="set-active-forbidden"
              action={data.user.active ? t('userDetail.disable') : t('userDetail.enable')}
              permission={data.actions?.setActive}
            />
            <UserRoles
              user={data.user}
              actions={data.actions?.roles}
              busy={change.busy}
              onAssign={(role) => change.run(() => assignRole(userKey, role))}
              onRemove={(role) => change.run(() => removeRole(userKey, role))}
            />
            <h2>{t('userDetail.grants')}</h2>
            {data.grants.length === 0 ? (
              <p className="muted" data-testid="user-grants-empty">
                {t('userDetail.noGrants')}
              </p>
            ) : (
              <GrantsTable
                grants={data.grants}
                busy={change.busy}
                showUser={false}
                onExtend={(grant, until) => change.run(() => extendGrant(grant.id, until))}
                onRevoke={(grant) => change.run(() => revokeGrant(grant.id))}
                onApprove={(grant) => change.run(() => approveGrant(grant.id))}
                onReject={(grant) => change.run(() => rejectGrant(grant.id))}
              />
            )}
            <h2>{t('userDetail.issueGrant')}</h2>
            <IssueGrantForm
              user={data.user.userName}
              bu={data.user.bu ?? ''}
              grantable={data.actions?.roles}
              busy={change.busy}
              onIssue={(request) => change.run(() => issueGrant(request))}
            />
            <h2>{t('userDetail.history')}</h2>
            {data.history.length === 0 ? (
              <p className="muted" data-testid="user-history-empty">
                {t('userDetail.noHistory')}
              </p>
            ) : (
              <AuditTable entries={[...data.history].reverse()} label={t('userDetail.historyTable')} testId="user-history" />
            )}
          </>
        )}
      </QueryState>
    </section>
  );
}

function UserAttributes({ user }: { user: UserRow }) {
  const { t } = useTranslation();
  return (
    <>
      <h1 data-testid="user-title">{user.displayName}</h1>
      <dl className="attributes" aria-label={t('userDetail.attributes')}>
        <dt>{t('users.userName')}</dt>
        <dd className="mono">{user.userName}</dd>
        <dt>{t('common.businessUnit')}</dt>
        <dd>{user.bu ?? t('common.none')}</dd>
        <dt>{t('users.type')}</dt>
        <dd className="capitalize">{t(`users.userType.${user.type}`)}</dd>
        <dt>{t('userDetail.email')}</dt>
        <dd>{user.email ?? t('common.none')}</dd>
        <dt>{t('common.status')}</dt>
        <dd data-testid="user-active">{user.active ? t('common.active') : t('common.disabled')}</dd>
      </dl>
    </>
  );
}

interface UserRolesProps {
  user: UserRow;
  /** What policy allows on each role of the catalog; absent before anyone signed in. */
  actions?: RoleActions[];
  busy: boolean;
  onAssign: (role: string) => void;
  onRemove: (role: string) => void;
}

function UserRoles({ user, actions, busy, onAssign, onRemove }: UserRolesProps) {
  const { t } = useTranslation();
  const roles = useQuery({ queryKey: ROLES_KEY, queryFn: listRoles });
  const [choice, setChoice] = useState('');
  const held = new Set(user.roles.map((r) => r.toLowerCase()));
  const assignable = roles.data?.filter((r) => !held.has(r.name.toLowerCase())) ?? [];
  const actionsOf = (role: string) => actions?.find((a) => a.role.toLowerCase() === role.toLowerCase());
  const chosen = actionsOf(choice)?.assign;
  return (
    <>
      <h2>{t('userDetail.roles')}</h2>
      {user.roles.length === 0 ? (
        <p className="muted">{t('userDetail.noRoles')}</p>
      ) : (
        <ul className="role-list" aria-label={t('userDetail.rolesHeld')}>
          {user.roles.map((role, index) => {
            const remove = actionsOf(role)?.remove;
            const noteId = `remove-role-forbidden-${index}`;
            return (
              <li key={role}>
                {role}{' '}
                <button
                  type="button"
                  disabled={busy || isForbidden(remove)}
                  aria-label={t('userDetail.removeRole', { role })}
                  aria-describedby={isForbidden(remove) ? noteId : undefined}
                  onClick={() => onRemove(role)}
                >
                  {t('userDetail.remove')}
                </button>
                <ForbiddenAction id={noteId} action={t('userDetail.removeRole', { role })} permission={remove} />
              </li>
            );
          })}
        </ul>
      )}
      {roles.isError && <ErrorNotice error={roles.error} testId="roles-error" />}
      <div className="toolbar">
        <label>
          {t('userDetail.roleToAssign')}
          <select value={choice} onChange={(e) => setChoice(e.target.value)} disabled={!roles.data}>
            <option value="">{t('common.chooseRole')}</option>
            {assignable.map((r) => {
              const refusal = actionsOf(r.name)?.assign?.refusal;
              return (
                <option key={r.name} value={r.name}>
                  {refusal ? t('userDetail.roleForbidden', { role: r.name, rule: refusal.rule }) : r.name}
                </option>
              );
            })}
          </select>
        </label>
        <button
          type="button"
          disabled={busy || choice === '' || isForbidden(chosen)}
          aria-describedby={isForbidden(chosen) ? 'assign-role-forbidden' : undefined}
          onClick={() => {
            onAssign(choice);
            setChoice('');
          }}
        >
          {t('userDetail.assignRole')}
        </button>
      </div>
      <ForbiddenAction id="assign-role-forbidden" action={t('userDetail.assignRoleNamed', { role: choice })} permission={chosen} />
    </>
  );
}
