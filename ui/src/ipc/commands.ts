// The only module that talks to the Tauri backend. Each function is one command of
// src-tauri/src/commands.rs, same name in camelCase; failures reject with an `IpcError`.
import { Channel, invoke } from '@tauri-apps/api/core';

import type {
  AuditCheck,
  AuditEntry,
  AuditFormat,
  AuditQuery,
  BusinessUnitCount,
  ChangeOutcome,
  Conflict,
  ConflictResolution,
  ErrorCode,
  Finding,
  FixOutcome,
  Grant,
  GrantModeView,
  GrantQuery,
  GrantRequest,
  ImportKind,
  ImportOutcome,
  IpcErrorPayload,
  OutboxEntry,
  PushReport,
  RecentWorkspace,
  ReviewDecision,
  ReviewItem,
  ReviewReportFormat,
  ReviewView,
  RoleView,
  Rule,
  SelectionChange,
  ServerAuditEvent,
  SignInEvent,
  Submission,
  SyncProgress,
  SyncReport,
  UserDetail,
  UserPage,
  UserQuery,
  WorkspaceStatus,
} from './types';

export class IpcError extends Error {
  readonly code: ErrorCode;
  readonly retryable: boolean;
  /** The policy rule behind a `refused`, when policy refused it. */
  readonly rule: Rule | undefined;

  constructor(payload: IpcErrorPayload) {
    super(payload.message);
    this.name = 'IpcError';
    this.code = payload.code;
    this.retryable = payload.retryable;
    this.rule = payload.rule;
  }
}

function isPayload(value: unknown): value is IpcErrorPayload {
  return (
    typeof value === 'object' &&
    value !== null &&
    typeof (value as { code?: unknown }).code === 'string' &&
    typeof (value as { message?: unknown }).message === 'string'
  );
}

/** Every rejection becomes an IpcError, so screens branch on `code` and never parse text. */
export function toIpcError(reason: unknown): IpcError {
  if (reason instanceof IpcError) return reason;
  if (isPayload(reason)) {
    const rule = typeof reason.rule === 'string' ? reason.rule : undefined;
    return new IpcError({
      code: reason.code,
      message: reason.message,
      retryable: reason.retryable === true,
      ...(rule ? { rule } : {}),
    });
  }
  const message = reason instanceof Error ? reason.message : String(reason);
  return new IpcError({ code: 'failure', message, retryable: false });
}

/**
 * The first calls of a run are timed into the page's performance timeline (`ipc:<command>`
 * measures), which scripts/measure-desktop.sh reads to split the start into its calls. Only the
 * first ones: the timeline keeps every entry, and a search as you type makes a call per key.
 */
const TIMED_CALLS = 40;
let timedCalls = 0;

async function call<T>(command: string, args?: Record<string, unknown>): Promise<T> {
  const timed = timedCalls < TIMED_CALLS;
  if (timed) timedCalls += 1;
  const start = timed ? performance.now() : 0;
  try {
    return await invoke<T>(command, args);
  } catch (reason) {
    throw toIpcError(reason);
  } finally {
    if (timed) performance.measure(`ipc:${command}`, { start });
  }
}

/** Reopens the workspace used last time, without its session yet; null when there is none. */
export function resumeWorkspace(): Promise<WorkspaceStatus | null> {
  return call('resume_workspace');
}

/**
 * Restores the resumed workspace's session from the keyring (a token refresh at the IAM) and
 * answers the status after it: signed in, offline, or needing a new sign-in.
 */
export function restoreSession(): Promise<WorkspaceStatus> {
  return call('restore_session');
}

export function openDemoWorkspace(): Promise<WorkspaceStatus> {
  return call('open_demo_workspace');
}

export function openProfileWorkspace(path: string): Promise<WorkspaceStatus> {
  return call('open_profile_workspace', { path });
}

export function signIn(onEvent: (event: SignInEvent) => void): Promise<WorkspaceStatus> {
  const events = new Channel<SignInEvent>(onEvent);
  return call('sign_in', { events });
}

export function signOut(): Promise<void> {
  return call('sign_out');
}

/** Signs out and deletes this workspace's cache and its key; refused while changes are queued unless `discardQueued`. */
export function forgetWorkspace(discardQueued: boolean): Promise<void> {
  return call('forget_workspace', { discardQueued });
}

/** The workspaces opened on this machine, most recent first. */
export function listRecentWorkspaces(): Promise<RecentWorkspace[]> {
  return call('list_recent_workspaces');
}

export function getStatus(): Promise<WorkspaceStatus | null> {
  return call('get_status');
}

export function syncDirectory(onProgress: (progress: SyncProgress) => void): Promise<SyncReport> {
  const progress = new Channel<SyncProgress>(onProgress);
  return call('sync_directory', { progress });
}

/** Stops the running sync before it writes the cache; the sync then fails as cancelled. */
export function cancelSync(): Promise<void> {
  return call('cancel_sync');
}

export function listUsers(query: UserQuery): Promise<UserPage> {
  return call('list_users', { query });
}

/** A cached user and their grants; `user` is an id or a userName. */
export function getUser(user: string): Promise<UserDetail> {
  return call('get_user', { user });
}

/** The BUs of the cached users, each with its own number of users. */
export function listBusinessUnits(): Promise<BusinessUnitCount[]> {
  return call('list_business_units');
}

export function listRoles(): Promise<RoleView[]> {
  return call('list_roles');
}

// Change commands: each records the change (policy checked), sends the outbox and resolves with
// what became of it. A policy refusal rejects with code `refused` and its `rule`.

export function setUserActive(user: string, active: boolean): Promise<ChangeOutcome> {
  return call('set_user_active', { user, active });
}

export function assignRole(user: string, role: string): Promise<ChangeOutcome> {
  return call('assign_role', { user, role });
}

export function removeRole(user: string, role: string): Promise<ChangeOutcome> {
  return call('remove_role', { user, role });
}

export function issueGrant(request: GrantRequest): Promise<ChangeOutcome> {
  return call('issue_grant', { request });
}

export function extendGrant(id: string, validUntil: string): Promise<ChangeOutcome> {
  return call('extend_grant', { id, validUntil });
}

export function revokeGrant(id: string): Promise<ChangeOutcome> {
  return call('revoke_grant', { id });
}

export function approveGrant(id: string): Promise<ChangeOutcome> {
  return call('approve_grant', { id });
}

export function rejectGrant(id: string): Promise<ChangeOutcome> {
  return call('reject_grant', { id });
}

export function listGrants(query: GrantQuery): Promise<Grant[]> {
  return call('list_grants', { query });
}

export function getGrantMode(): Promise<GrantModeView> {
  return call('get_grant_mode');
}

/** Entries queued, sending, failed or in conflict. */
export function listOutbox(): Promise<OutboxEntry[]> {
  return call('list_outbox');
}

/** Sends the outbox now; rejects with `offline` when the IAM cannot be reached. */
export function pushOutbox(): Promise<PushReport> {
  return call('push_outbox');
}

export function listConflicts(): Promise<Conflict[]> {
  return call('list_conflicts');
}

export function resolveConflict(id: number, keepMine: boolean): Promise<ConflictResolution> {
  return call('resolve_conflict', { id, keepMine });
}

export function listAudit(query: AuditQuery): Promise<AuditEntry[]> {
  return call('list_audit', { query });
}

export function verifyAudit(): Promise<AuditCheck> {
  return call('verify_audit');
}

/** The audit entries matching `query` as CSV or JSON text. */
export function exportAudit(query: AuditQuery, format: AuditFormat): Promise<string> {
  return call('export_audit', { query, format });
}

/** The directory's own newest audit events; null when the directory keeps none. Needs the network. */
export function listServerAudit(last?: number): Promise<ServerAuditEvent[] | null> {
  return call('list_server_audit', { last: last ?? null });
}

// Joiner–mover–leaver hygiene: findings come from the cache; a fix is recorded and sent like a change.

export function listFindings(): Promise<Finding[]> {
  return call('list_findings');
}

export function fixFinding(id: string): Promise<FixOutcome> {
  return call('fix_finding', { id });
}

/** Checks (`dryRun`) or imports CSV text; refused and invalid rows are in the report, not errors. */
export function importCsv(kind: ImportKind, text: string, dryRun: boolean): Promise<ImportOutcome> {
  return call('import_csv', { kind, text, dryRun });
}

/** One change to several users (ids), reported user by user like an import. */
export function changeSelection(users: string[], change: SelectionChange, dryRun: boolean): Promise<ImportOutcome> {
  return call('change_selection', { users, change, dryRun });
}

// Access reviews. All but submit work offline: a review is a snapshot of the cache and each
// decision is saved at once.

/** The open review, else the last submitted one; null before the first review. */
export function getReview(): Promise<ReviewView | null> {
  return call('get_review');
}

/** Starts a review of `bu`, or of the whole scope when `bu` is null. */
export function startReview(bu: string | null): Promise<ReviewView> {
  return call('start_review', { bu });
}

export interface DecisionDetails {
  /** RFC 3339; required by `shorten`, refused by the others. */
  newUntil?: string;
  note?: string;
}

/** Decides the items `selection` names (`3`, `2,5-7`, `all`); resolves with them as saved. */
export function decideReview(
  selection: string,
  decision: ReviewDecision,
  { newUntil, note }: DecisionDetails = {},
): Promise<ReviewItem[]> {
  return call('decide_review', { selection, decision, newUntil: newUntil ?? null, note: note ?? null });
}

/** Submits the open review; offline the changes stay queued and `push` is absent. */
export function submitReview(): Promise<Submission> {
  return call('submit_review');
}

/** The current review's report as CSV or JSON text. */
export function exportReview(format: ReviewReportFormat): Promise<string> {
  return call('export_review', { format });
}
