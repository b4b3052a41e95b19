// Data as src-tauri's delegated-operation commands send it, for the screens' tests.
import type { ChangeOutcome, Grant, IpcErrorPayload, OutboxEntry, OutboxState, RoleView } from '../ipc';

export function grant(id: string, fields: Partial<Grant> = {}): Grant {
  return {
    id,
    user: 'anna.schmidt',
    userId: 'id-anna.schmidt',
    role: 'Template Designer',
    roleId: 'grp-td',
    bu: 'EMEA/DE',
    validFrom: '2026-11-01T00:00:00Z',
    validUntil: '2026-12-01T00:00:00Z',
    justification: 'print run',
    requester: 'Ada Lovelace',
    status: 'active',
    mode: 'server',
    ...fields,
  };
}

export const TEMPLATE_DESIGNER: RoleView = {
  name: 'Template Designer',
  description: 'Designs Exstream templates',
  sensitivity: 'medium',
  partner_allowed: false,
  max_grant_days: 30,
  needs_approval: true,
  groupId: 'grp-td',
  holders: 4,
};

export const CONTENT_AUTHOR: RoleView = {
  name: 'Exstream Content Author',
  sensitivity: 'low',
  partner_allowed: true,
  max_grant_days: 90,
  needs_approval: false,
  groupId: 'grp-ca',
  holders: 12,
};

export function outboxEntry(state: OutboxState, fields: Partial<OutboxEntry> = {}): OutboxEntry {
  return {
    seq: 1,
    id: `op-${state}`,
    createdAt: '2026-11-27T10:00:00Z',
    actor: 'Ada Lovelace',
    action: 'role.assign',
    target: 'Template Designer of anna.schmidt',
    operation: { op: 'assign-role', user: { id: 'id-anna.schmidt', userName: 'anna.schmidt' }, role: 'Template Designer', roleId: 'grp-td' },
    baseVersion: null,
    state,
    attempts: 0,
    nextAttemptAt: null,
    lastError: null,
    rule: null,
    result: null,
    ...fields,
  };
}

export function outcome(state: OutboxState, fields: Partial<ChangeOutcome> = {}, entry: Partial<OutboxEntry> = {}): ChangeOutcome {
  return { entry: outboxEntry(state, entry), needsApproval: false, ...fields };
}

/** A client-side policy refusal as src-tauri rejects with it: the message ends with the remedy. */
export const GRANT_LENGTH_REFUSAL: IpcErrorPayload = {
  code: 'refused',
  message:
    'refused: Template Designer may be granted for 30 days at most, not 45 (rule grant-length). Shorten the grant to 30 days or less.',
  retryable: false,
  rule: 'grant-length',
};
