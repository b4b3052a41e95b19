// The shapes that cross IPC, mirroring the serde (camelCase) types of bailiwick-core and the
// desktop shell. Hand-written for the walking skeleton; keep them in step with the Rust side.

export type ErrorCode = 'failure' | 'usage' | 'sign-in-needed' | 'refused' | 'conflict' | 'offline';

/** What every failed command rejects with (src-tauri's `IpcError`). */
export interface IpcErrorPayload {
  code: ErrorCode;
  message: string;
  retryable: boolean;
  /** The policy rule that refused the action (kebab-case, e.g. `four-eyes`); only on policy refusals. */
  rule?: string;
}

export type Capability =
  | 'manage-users'
  | 'manage-roles'
  | 'issue-grants'
  | 'approve-grants'
  | 'review'
  | 'audit';

export interface AdminContext {
  subject: string;
  displayName: string;
  buScopes: string[];
  capabilities: Capability[];
}

export interface WorkspaceStatus {
  profileName: string;
  issuer: string;
  admin: AdminContext | null;
  signedIn: boolean;
  /** RFC 3339; null before the first sync. */
  lastSyncAt: string | null;
  cachedUsers: number;
  /** The IAM could not be reached the last time Bailiwick tried. */
  offline: boolean;
  /** Used offline longer than the profile allows: nothing shows until the admin signs in again. */
  cacheLocked: boolean;
  /** The cache is encrypted at rest (SQLCipher, key in the OS keyring). */
  cacheEncrypted: boolean;
}

export type UserType = 'employee' | 'partner' | 'service' | 'other';

export interface UserQuery {
  search?: string;
  bu?: string;
  type?: UserType;
  role?: string;
  offset: number;
  limit: number;
}

export interface UserRow {
  id: string;
  userName: string;
  displayName: string;
  bu: string | null;
  type: UserType;
  active: boolean;
  email: string | null;
  roles: string[];
}

export interface UserPage {
  total: number;
  rows: UserRow[];
}

/** One step of a sync, as the core reports it. */
export type SyncProgress =
  | {
      phase: 'users' | 'groups' | 'grants';
      fetched: number;
      total: number;
      /** Pages received so far. */
      pages: number;
      /** Items per second since this listing started. */
      perSecond: number;
      /** At that pace; null until there is one. */
      remainingSeconds: number | null;
    }
  | { phase: 'saving' };

export interface SyncReport {
  users: number;
  groups: number;
  memberships: number;
  outOfScopeDropped: number;
  startedAt: string;
  finishedAt: string;
  /** Which sync ran: everything, only what changed, or everything compared with the cache. */
  kind: 'full' | 'incremental' | 'fullScanDiff';
  added: number;
  changed: number;
  removed: number;
}

/** Sent while signing in: the URL the system browser was asked to open. */
export interface SignInEvent {
  kind: 'browser-opened';
  url: string;
}

/** A cached user and the grants they hold (`get_user`). */
export interface UserDetail {
  user: UserRow;
  grants: Grant[];
}

export type GrantStatus = 'pending' | 'active' | 'expired' | 'revoked' | 'rejected';

export type GrantMode = 'server' | 'ledger';

export interface Grant {
  id: string;
  /** The user's userName when the cache knows them, else their id. */
  user: string;
  userId: string;
  role: string;
  roleId: string;
  bu: string;
  validFrom: string;
  validUntil: string;
  justification: string;
  requester: string;
  approver?: string;
  status: GrantStatus;
  version?: string;
  mode: GrantMode;
}

export interface GrantQuery {
  status?: GrantStatus;
  expiringWithinDays?: number;
  userId?: string;
}

/** The Issue grant form; times are RFC 3339. */
export interface GrantRequest {
  user: string;
  role: string;
  bu: string;
  validFrom: string;
  validUntil: string;
  justification: string;
}

export interface GrantModeView {
  mode: GrantMode;
  explanation: string;
}

export type Sensitivity = 'low' | 'medium' | 'high';

/**
 * A catalog role (`list_roles`). The role's own fields come from the profile's catalog and
 * keep its snake_case names (the core flattens them into the view as they are).
 */
export interface RoleView {
  name: string;
  description?: string;
  sensitivity: Sensitivity;
  partner_allowed: boolean;
  max_grant_days: number;
  needs_approval: boolean;
  confers?: Capability[];
  groupId: string | null;
  holders: number;
}

export type OutboxState = 'queued' | 'sending' | 'done' | 'failed' | 'conflict' | 'cancelled';

/** A recorded change as the outbox stores it; `op` names it (`assign-role`, `issue-grant` …). */
export interface Operation {
  op: string;
  [field: string]: unknown;
}

export interface OutboxEntry {
  seq: number;
  id: string;
  createdAt: string;
  actor: string;
  action: string;
  target: string;
  operation: Operation;
  baseVersion: string | null;
  state: OutboxState;
  attempts: number;
  nextAttemptAt: string | null;
  lastError: string | null;
  rule: string | null;
  result: unknown;
}

/** What became of a change command: the entry after the push. */
export interface ChangeOutcome {
  entry: OutboxEntry;
  /** Why it was not sent now (the IAM cannot be reached); it waits in the outbox. */
  notSent?: string;
  needsApproval: boolean;
  ledgerGrant?: Grant;
}

export interface PushReport {
  applied: number;
  failed: number;
  conflicts: number;
  remaining: number;
  stopped?: string;
}

export interface Conflict {
  id: number;
  opId: string;
  detectedAt: string;
  action: string;
  target: string;
  mine: Operation;
  baseVersion: string | null;
  theirs: unknown;
  theirsVersion: string | null;
  resolution: string | null;
}

export interface ConflictResolution {
  push?: PushReport;
  notSent?: string;
}

export interface AuditEntry {
  seq: number;
  at: string;
  actor: string;
  action: string;
  target: string;
  before: unknown;
  after: unknown;
  outcome: string;
  rule: string | null;
  detail: string | null;
  opId: string | null;
  prevHash: string;
  hash: string;
}

export interface AuditQuery {
  actor?: string;
  action?: string;
  target?: string;
  last?: number;
}

export interface AuditCheck {
  intact: boolean;
  /** How many entries were checked; absent when the chain is broken. */
  entries?: number;
  problems: string[];
}

export type AuditFormat = 'csv' | 'json';

// Access reviews (src-tauri/src/review_commands.rs over bailiwick-core's review module).

export type ReviewItemKind = 'assignment' | 'grant';

export type ReviewDecision = 'keep' | 'revoke' | 'shorten';

export type ReviewHint =
  | 'partner'
  | 'sensitive'
  | 'separation-of-duties'
  | 'leaver'
  | 'mover'
  | 'expiring'
  | 'long-standing';

export interface Review {
  id: string;
  startedAt: string;
  startedBy: string;
  /** The BU reviewed; null for the admin's whole scope. */
  bu: string | null;
  open: boolean;
  submittedAt: string | null;
}

/** One assignment or grant under review, with the decision saved for it so far. */
export interface ReviewItem {
  /** The item's number, 1-based: what a selection (`2,5-7`) names. */
  item: number;
  kind: ReviewItemKind;
  userId: string;
  userName: string;
  userBu: string | null;
  role: string;
  roleId: string;
  grantId?: string;
  grantBu?: string;
  validUntil?: string;
  baseVersion: string | null;
  hints: ReviewHint[];
  decision: ReviewDecision | null;
  newUntil?: string;
  note?: string;
  decidedAt?: string;
  decidedBy?: string;
  /** After submit: the outbox entry a revoke or shorten became. */
  opId?: string;
  /** After submit: `kept`, `applied`, the outbox state (`queued`, `conflict`, `failed`) or `refused: …`. */
  outcome?: string;
}

/** The open review (else the last one) with its items (`get_review`, `start_review`). */
export interface ReviewView {
  review: Review;
  items: ReviewItem[];
}

/** What submitting a review did; `push` is absent when the IAM could not be reached. */
export interface Submission {
  review: string;
  kept: number;
  queued: number;
  refused: number;
  undecided: number;
  push?: PushReport;
}

export type ReviewReportFormat = 'csv' | 'json';

// Joiner–mover–leaver hygiene (`list_findings`, `fix_finding`).

export type FindingKind = 'leaver' | 'mover' | 'partner-without-grant' | 'expiring';

/** Access that should not be there any more, and what its one-step fix does. */
export interface Finding {
  /** Stable while the situation lasts: `leaver:<user id>`, `mover:<grant id>` … */
  id: string;
  kind: FindingKind;
  user: string;
  detail: string;
  fix: string;
}

/** What fixing a finding did: its outbox entries after the push; `notSent` when offline. */
export interface FixOutcome {
  entries: OutboxEntry[];
  notSent?: string;
}

/** One of the directory's own audit events, as the directory sends it (SCIM extension). */
export interface ServerAuditEvent {
  time?: string;
  actor?: string;
  action?: string;
  target?: { type?: string; value?: string; display?: string; bu?: string };
  detail?: string | null;
  outcome?: string;
  [field: string]: unknown;
}

// CSV imports (`import_csv`).

export type ImportKind = 'users' | 'assignments';

export type RowOutcome = 'queued' | 'skipped' | 'refused' | 'invalid';

/** Why policy refuses a row: the rule, and what would make it allowed. */
export interface Refusal {
  rule: string;
  message: string;
  remedy: string;
}

export interface ImportRow {
  line: number;
  /** A userName, or `user → role`. */
  subject: string;
  outcome: RowOutcome;
  message: string;
  refusal?: Refusal;
  /** The outbox entry, when one was recorded. */
  change?: string;
}

export interface ImportReport {
  dryRun: boolean;
  queued: number;
  skipped: number;
  refused: number;
  invalid: number;
  rows: ImportRow[];
}

/** An import's report; `push` or `notSent` when it queued rows (not on a dry run). */
export interface ImportOutcome {
  report: ImportReport;
  push?: PushReport;
  notSent?: string;
}
