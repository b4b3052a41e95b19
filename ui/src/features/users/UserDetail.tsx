import { useQuery } from '@tanstack/react-query';
import { useState } from 'react';

import { ErrorNotice } from '../../app/ErrorNotice';
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
  type UserRow,
} from '../../ipc';
import { ChangeOutcomeNotice } from '../changes/ChangeOutcomeNotice';
import { ROLES_KEY, USER_DETAIL_KEY } from '../changes/queryKeys';
import { useChange } from '../changes/useChange';
import { GrantsTable } from '../grants/GrantsTable';
import { IssueGrantForm } from '../grants/IssueGrantForm';

interface UserDetailProps {
  /** The user's id (or userName). */
  user: string;
  onClose: () => void;
}

export function UserDetail({ user: userKey, onClose }: UserDetailProps) {
  const detail = useQuery({ queryKey: [...USER_DETAIL_KEY, userKey], queryFn: () => getUser(userKey) });
  const change = useChange();

  return (
    <section className="screen user-detail" aria-label="User detail" data-testid="user-detail">
      <div className="toolbar">
        <button type="button" onClick={onClose}>
          Back to users
        </button>
      </div>
      {detail.isPending ? (
        <div className="table-state" data-testid="user-loading" aria-busy="true">
          Loading the user…
        </div>
      ) : detail.isError ? (
        <ErrorNotice error={detail.error} testId="user-error" />
      ) : (
        <>
          <UserAttributes user={detail.data.user} />
          {change.error !== null && <ErrorNotice error={change.error} testId="change-error" />}
          {change.outcome && <ChangeOutcomeNotice outcome={change.outcome} />}
          <div className="toolbar">
            {detail.data.user.active ? (
              <button type="button" disabled={change.busy} onClick={() => change.run(() => setUserActive(userKey, false))}>
                Disable
              </button>
            ) : (
              <button type="button" disabled={change.busy} onClick={() => change.run(() => setUserActive(userKey, true))}>
                Enable
              </button>
            )}
          </div>
          <UserRoles
            user={detail.data.user}
            busy={change.busy}
            onAssign={(role) => change.run(() => assignRole(userKey, role))}
            onRemove={(role) => change.run(() => removeRole(userKey, role))}
          />
          <h2>Grants</h2>
          {detail.data.grants.length === 0 ? (
            <p className="muted" data-testid="user-grants-empty">
              No grants.
            </p>
          ) : (
            <GrantsTable
              grants={detail.data.grants}
              busy={change.busy}
              showUser={false}
              onExtend={(grant, until) => change.run(() => extendGrant(grant.id, until))}
              onRevoke={(grant) => change.run(() => revokeGrant(grant.id))}
              onApprove={(grant) => change.run(() => approveGrant(grant.id))}
              onReject={(grant) => change.run(() => rejectGrant(grant.id))}
            />
          )}
          <h2>Issue grant</h2>
          <IssueGrantForm
            user={detail.data.user.userName}
            bu={detail.data.user.bu ?? ''}
            busy={change.busy}
            onIssue={(request) => change.run(() => issueGrant(request))}
          />
        </>
      )}
    </section>
  );
}

function UserAttributes({ user }: { user: UserRow }) {
  return (
    <>
      <h1 data-testid="user-title">{user.displayName}</h1>
      <dl className="attributes" aria-label="Attributes">
        <dt>User name</dt>
        <dd className="mono">{user.userName}</dd>
        <dt>Business unit</dt>
        <dd>{user.bu ?? '—'}</dd>
        <dt>Type</dt>
        <dd className="capitalize">{user.type}</dd>
        <dt>Email</dt>
        <dd>{user.email ?? '—'}</dd>
        <dt>Status</dt>
        <dd data-testid="user-active">{user.active ? 'Active' : 'Disabled'}</dd>
      </dl>
    </>
  );
}

interface UserRolesProps {
  user: UserRow;
  busy: boolean;
  onAssign: (role: string) => void;
  onRemove: (role: string) => void;
}

function UserRoles({ user, busy, onAssign, onRemove }: UserRolesProps) {
  const roles = useQuery({ queryKey: ROLES_KEY, queryFn: listRoles });
  const [choice, setChoice] = useState('');
  const held = new Set(user.roles.map((r) => r.toLowerCase()));
  const assignable = roles.data?.filter((r) => !held.has(r.name.toLowerCase())) ?? [];
  return (
    <>
      <h2>Roles</h2>
      {user.roles.length === 0 ? (
        <p className="muted">No roles.</p>
      ) : (
        <ul className="role-list" aria-label="Roles held">
          {user.roles.map((role) => (
            <li key={role}>
              {role}{' '}
              <button type="button" disabled={busy} aria-label={`Remove role ${role}`} onClick={() => onRemove(role)}>
                Remove
              </button>
            </li>
          ))}
        </ul>
      )}
      {roles.isError && <ErrorNotice error={roles.error} testId="roles-error" />}
      <div className="toolbar">
        <label>
          Role to assign
          <select value={choice} onChange={(e) => setChoice(e.target.value)} disabled={!roles.data}>
            <option value="">Choose a role</option>
            {assignable.map((r) => (
              <option key={r.name} value={r.name}>
                {r.name}
              </option>
            ))}
          </select>
        </label>
        <button
          type="button"
          disabled={busy || choice === ''}
          onClick={() => {
            onAssign(choice);
            setChoice('');
          }}
        >
          Assign role
        </button>
      </div>
    </>
  );
}
