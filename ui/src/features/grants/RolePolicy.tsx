import type { RoleView } from '../../ipc';

/** What the catalog allows for a role, shown before the admin issues a grant of it. */
export function RolePolicy({ role }: { role: RoleView }) {
  return (
    <dl className="role-policy small" data-testid="role-policy" aria-label={`Policy of ${role.name}`}>
      <dt>Max days</dt>
      <dd data-testid="policy-max-days">{role.max_grant_days}</dd>
      <dt>Partners</dt>
      <dd data-testid="policy-partner">{role.partner_allowed ? 'allowed' : 'not allowed'}</dd>
      <dt>Approval</dt>
      <dd data-testid="policy-approval">
        {role.needs_approval ? 'needs a second admin (four eyes)' : 'not needed'}
      </dd>
      <dt>Sensitivity</dt>
      <dd>{role.sensitivity}</dd>
    </dl>
  );
}
