import type { TFunction } from 'i18next';

import type { Operation } from '../../ipc';

/** A grant's id as people compare it: the first eight characters. */
function shortId(id: string): string {
  return id.slice(0, 8);
}

/**
 * What a change does, in the admin's language ("disable user pat.vendor"), from the typed
 * operation rather than the core's English action id and target.
 */
export function describeOperation(operation: Operation, t: TFunction): string {
  switch (operation.op) {
    case 'create-user':
      return t('operation.createUser', { user: operation.userName });
    case 'edit-user':
      return t('operation.editUser', { user: operation.userName });
    case 'set-user-active':
      return t(operation.active ? 'operation.enableUser' : 'operation.disableUser', { user: operation.userName });
    case 'assign-role':
      return t('operation.assignRole', { role: operation.role, user: operation.user.userName });
    case 'remove-role':
      return t('operation.removeRole', { role: operation.role, user: operation.user.userName });
    case 'issue-grant':
      return t('operation.issueGrant', { role: operation.role, bu: operation.bu, user: operation.user.userName });
    case 'extend-grant':
      return t('operation.extendGrant', { grant: shortId(operation.grantId), role: operation.role });
    case 'revoke-grant':
      return t('operation.revokeGrant', { grant: shortId(operation.grantId), role: operation.role });
    case 'approve-grant':
      return t('operation.approveGrant', { grant: shortId(operation.grantId), role: operation.role });
    case 'reject-grant':
      return t('operation.rejectGrant', { grant: shortId(operation.grantId), role: operation.role });
  }
}
