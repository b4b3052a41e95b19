// Generated from the Rust types by src-tauri/src/ipc_bindings.rs (ts-rs): do not edit.
// Regenerate with `UPDATE_IPC_BINDINGS=1 cargo test -p bailiwick-desktop ipc_bindings`.

export type AdminContext = {
/**
 * The `sub` claim.
 */
subject: string,
/**
 * `preferred_username`, else `name`, else the subject.
 */
displayName: string, buScopes: Scopes, capabilities: Array<Capability>, };

/**
 * The audit chain check as the window shows it: a broken chain is a result to show, not a
 * failed command.
 */
export type AuditCheck = { intact: boolean,
/**
 * How many entries were checked; unknown when the chain is broken.
 */
entries?: number, problems: Array<string>, };

export type AuditEntry = { seq: number, at: string, actor: string, action: string, target: string, before: JsonValue | null, after: JsonValue | null, outcome: string, rule: string | null, detail: string | null, opId: string | null, prevHash: string, hash: string, };

export type AuditFormat = "csv" | "json";

/**
 * The audit table's filter as the UI sends it.
 */
export type AuditQuery = { actor?: string, action?: string, target?: string, last?: number, };

export type BuPath = string;

/**
 * A business unit that cached users belong to, with how many belong to it directly (not
 * counting the BUs below it).
 */
export type BusinessUnitCount = { bu: string, users: number, };

/**
 * What an admin may do inside their scopes (DESIGN.md, "The model").
 */
export type Capability = "manage-users" | "manage-roles" | "issue-grants" | "approve-grants" | "review" | "audit";

/**
 * What became of a change, for the window to say: done, failed (its `lastError` and `rule`),
 * in conflict, or still queued (`notSent` says why when the directory was unreachable).
 */
export type ChangeOutcome = {
/**
 * The outbox entry as it stands after the push.
 */
entry: OutboxEntry,
/**
 * Why the change was not sent now (the directory cannot be reached); it waits in the
 * outbox and the next push sends it.
 */
notSent?: string,
/**
 * An issued grant waits for a second admin's approval (four eyes).
 */
needsApproval: boolean,
/**
 * The grant a ledger-mode change recorded, if any.
 */
ledgerGrant?: Grant, };

/**
 * A 412 kept for the admin: their intent (the outbox entry) and the server's version.
 */
export type Conflict = { id: number, opId: string, detectedAt: string, action: string, target: string, mine: Operation, baseVersion: string | null, theirs: JsonValue | null, theirsVersion: string | null, resolution: string | null, };

/**
 * What resolving a conflict did: keeping mine queues the change again and sends it.
 */
export type ConflictResolution = { push?: PushReport,
/**
 * Why the re-queued change was not sent now (the directory cannot be reached).
 */
notSent?: string, };

/**
 * What kind of failure, for exit codes (CLI) and `{code, …}` (IPC). Stable: hosts branch on it.
 */
export type ErrorCode = "failure" | "usage" | "sign-in-needed" | "refused" | "conflict" | "offline";

/**
 * How far a listing has come: `fetched` of the server's `total` (`None` when the server does
 * not say) in `pages` pages so far, at `per_second` items per second since it started, and the
 * time left at that pace.
 */
export type Fetching = { fetched: number, total: number | null, pages: number, perSecond: number,
/**
 * `None` until there is a pace to go by, or without a total.
 */
remainingSeconds: number | null, };

/**
 * Something to look at, and what fixing it does.
 */
export type Finding = {
/**
 * Stable while the situation lasts: `leaver:<user id>`, `mover:<grant id>`, …
 */
id: string, kind: FindingKind, user: string, detail: string,
/**
 * What `hygiene fix ID` does.
 */
fix: string, };

export type FindingKind = "leaver" | "mover" | "partner-without-grant" | "expiring";

/**
 * What fixing a finding did: its outbox entries as they stand after the push, and why they
 * were not sent when the directory could not be reached.
 */
export type FixOutcome = { entries: Array<OutboxEntry>, notSent?: string, };

/**
 * A grant as the cache holds it (and `grants list --json` prints it).
 */
export type Grant = { id: string,
/**
 * The user: their userName when the cache knows them, else their id.
 */
user: string, userId: string,
/**
 * The role's name (its group's displayName).
 */
role: string,
/**
 * The role's group id.
 */
roleId: string, bu: BuPath, validFrom: string, validUntil: string, justification: string, requester: string, approver?: string, status: GrantStatus,
/**
 * The ETag it was read with (server mode).
 */
version?: string, mode: GrantMode, };

/**
 * Who holds grants and enforces their windows.
 */
export type GrantMode = "server" | "ledger";

/**
 * The grant mode and what it means for the admin (the same words as `bailiwick grants mode`).
 */
export type GrantModeView = { mode: GrantMode, explanation: string, };

/**
 * The grants list's filter as the UI sends it.
 */
export type GrantQuery = { status?: GrantStatus, expiringWithinDays?: number, userId?: string, };

/**
 * The Issue grant form as the UI sends it; times are RFC 3339.
 */
export type GrantRequest = { user: string, role: string, bu: string, validFrom: string, validUntil: string, justification: string, };

export type GrantStatus = "pending" | "active" | "expired" | "revoked" | "rejected";

/**
 * Which CSV an import reads (the same two as `bailiwick import`).
 */
export type ImportKind = "users" | "assignments";

/**
 * An import's report row by row, and, when it queued rows, what sending them did.
 */
export type ImportOutcome = { report: ImportReport, push?: PushReport,
/**
 * Why the queued rows were not sent now (the directory cannot be reached).
 */
notSent?: string, };

export type ImportReport = { dryRun: boolean, queued: number, skipped: number, refused: number, invalid: number, rows: Array<ImportRow>, };

export type ImportRow = { line: number,
/**
 * The row's subject: a userName, or `user → role`.
 */
subject: string, outcome: RowOutcome, message: string,
/**
 * Why policy refuses the row: the rule, and what would make it allowed.
 */
refusal?: Refusal,
/**
 * The outbox entry, when one was recorded.
 */
change?: string, };

/**
 * The JSON shape the UI's `IpcError` reads (ui/src/ipc/commands.ts).
 */
export type IpcErrorPayload = { code: ErrorCode, message: string, retryable: boolean,
/**
 * The policy rule that refused the action (`four-eyes`, `grant-length` …); only on
 * client-side policy refusals.
 */
rule?: Rule, };

export type JsonValue = number | string | boolean | Array<JsonValue> | { [key in string]: JsonValue } | null;

export type NewUser = { userName: string, bu: BuPath, userType: UserType, givenName?: string, familyName?: string, email?: string, };

/**
 * A change to the directory, with everything needed to send it later.
 */
export type Operation = { "op": "create-user" } & NewUser | { "op": "edit-user", userId: string, userName: string, changes: UserChanges, } | { "op": "set-user-active", userId: string, userName: string, active: boolean, } | { "op": "assign-role", user: UserRef, role: string, roleId: string, } | { "op": "remove-role", user: UserRef, role: string, roleId: string, } | { "op": "issue-grant", user: UserRef, role: string, roleId: string, bu: BuPath, validFrom: string, validUntil: string, justification: string, } | { "op": "extend-grant", grantId: string, role: string, validUntil: string, } | { "op": "revoke-grant", grantId: string, role: string, } | { "op": "approve-grant", grantId: string, role: string, } | { "op": "reject-grant", grantId: string, role: string, };

export type OutboxEntry = { seq: number,
/**
 * The idempotency key.
 */
id: string, createdAt: string, actor: string, action: string, target: string, operation: Operation,
/**
 * The ETag the change was based on.
 */
baseVersion: string | null, state: OutboxState, attempts: number, nextAttemptAt: string | null, lastError: string | null, rule: string | null,
/**
 * What the server answered (e.g. the created resource's id).
 */
result: JsonValue | null, };

export type OutboxState = "queued" | "sending" | "done" | "failed" | "conflict" | "cancelled";

/**
 * Whether one action is allowed, and if not, why.
 */
export type Permission = { allowed: boolean,
/**
 * Allowed, but the change waits for a second admin's approval (a grant of such a role).
 */
needsApproval: boolean,
/**
 * The rule that forbids the action, with its message and remedy; `None` when allowed.
 */
refusal?: Refusal, };

/**
 * What a push did.
 */
export type PushReport = { applied: number, failed: number, conflicts: number,
/**
 * Entries still queued (not due yet, or behind one that must be retried).
 */
remaining: number,
/**
 * Why the push stopped early, when it did (the network, a server asking to wait).
 */
stopped?: string, };

/**
 * A workspace opened on this machine.
 */
export type RecentWorkspace = {
/**
 * The profile's name (`demo` for the demo workspace).
 */
name: string, openedAt: string, } & ({ "kind": "demo" } | { "kind": "profile", path: string, });

/**
 * Why an action is not allowed and what would make it allowed.
 */
export type Refusal = { rule: Rule, message: string, remedy: string, };

/**
 * A review's header.
 */
export type Review = { id: string, startedAt: string, startedBy: string, bu: string | null, open: boolean, submittedAt: string | null, };

export type ReviewDecision = "keep" | "revoke" | "shorten";

/**
 * Why an item deserves a second look.
 */
export type ReviewHint = "partner" | "sensitive" | "separation-of-duties" | "leaver" | "mover" | "expiring" | "long-standing";

/**
 * One item of a review.
 */
export type ReviewItem = { item: number, kind: ReviewItemKind, userId: string, userName: string, userBu: string | null, role: string, roleId: string, grantId?: string, grantBu?: string, validUntil?: string, baseVersion: string | null, hints: Array<ReviewHint>, decision: ReviewDecision | null, newUntil?: string, note?: string, decidedAt?: string, decidedBy?: string,
/**
 * After submit: the outbox entry a revoke or shorten became.
 */
opId?: string,
/**
 * After submit, for a revoke or shorten: `applied` (confirmed by the server, or applied at once
 * to a ledger grant), the outbox entry's state until then (`queued`, `conflict`, `failed`, …),
 * or `refused: <reason>`. `None` for a kept item.
 */
outcome?: string, };

export type ReviewItemKind = "assignment" | "grant";

export type ReviewReportFormat = "csv" | "json";

/**
 * A review with its items: the Reviews screen's whole state. The progress (decided / total)
 * is counted by the window from the items, which it shows anyway.
 */
export type ReviewView = { review: Review, items: Array<ReviewItem>, };

/**
 * The actions on one role of the catalog for this user.
 */
export type RoleActions = { role: string,
/**
 * The user holds the role by assignment.
 */
held: boolean,
/**
 * Assign it (when not held).
 */
assign?: Permission,
/**
 * Remove the assignment (when held).
 */
remove?: Permission,
/**
 * Issue a time-bound grant of it, in the user's BU, starting now and as short as a day:
 * the rules that depend on the chosen window are checked again in the grant form.
 */
issueGrant: Permission, };

/**
 * A catalog role with what the directory holds of it.
 */
export type RoleView = {
/**
 * The group's id; `None` when the directory (as cached) has no such group.
 */
groupId: string | null,
/**
 * Cached users holding it (by assignment).
 */
holders: number,
/**
 * The role's SCIM Group `displayName` (compared case-insensitively).
 */
name: string, description?: string, sensitivity: Sensitivity,
/**
 * Whether users of type `partner` may hold it at all.
 */
partner_allowed: boolean,
/**
 * The longest time-bound grant allowed, in days.
 */
max_grant_days: number,
/**
 * Grants of this role wait for a second admin with `approve-grants` (four eyes).
 */
needs_approval: boolean,
/**
 * Administrative capabilities holding this role confers (an Exstream administrator can
 * manage users in Exstream). Only an admin who holds all of them may assign or grant the
 * role: nobody hands out more power than they have (no escalation).
 */
confers?: Array<Capability>, };

/**
 * What happened (or, in a dry run, would happen) to a row.
 */
export type RowOutcome = "queued" | "skipped" | "refused" | "invalid";

/**
 * The rule a refusal comes from; its kebab-case name is what the UI, the CLI and the audit log show.
 */
export type Rule = "scope" | "capability" | "no-escalation" | "separation-of-duties" | "grant-length" | "grant-window" | "partner-allowed" | "four-eyes" | "role-catalog" | "grant-state" | "self-lockout";

/**
 * The set of BU scopes an admin holds.
 */
export type Scopes = Array<BuPath>;

/**
 * The change made to every selected user.
 */
export type SelectionChange = { "kind": "assignRole", role: string, } | { "kind": "removeRole", role: string, } | { "kind": "setActive", active: boolean, };

/**
 * How much harm a role can do in the wrong hands; shown in the UI and used in review hints.
 */
export type Sensitivity = "low" | "medium" | "high";

/**
 * Sent to the window during a sign-in.
 */
export type SignInEvent = { "kind": "browser-opened", url: string, };

/**
 * What `review submit` did.
 */
export type Submission = { review: string, kept: number,
/**
 * Revocations and shortenings recorded in the outbox.
 */
queued: number,
/**
 * Decisions policy refused when they were recorded (see the items).
 */
refused: number, undecided: number,
/**
 * The push that followed; `None` offline.
 */
push?: PushReport, };

/**
 * Which kind of sync ran.
 */
export type SyncKind = "full" | "incremental" | "fullScanDiff";

/**
 * What a sync is doing, reported as it goes (to a progress bar or stderr).
 */
export type SyncProgress = { "phase": "users" } & Fetching | { "phase": "groups" } & Fetching | { "phase": "grants" } & Fetching | { "phase": "userIds" } & Fetching | { "phase": "saving" };

export type SyncReport = {
/**
 * Full, incremental, or a full scan written as a diff.
 */
kind: SyncKind,
/**
 * Users now cached (all inside the admin's scopes).
 */
users: number,
/**
 * Users cached that were not before.
 */
added: number,
/**
 * Cached users whose resource changed.
 */
changed: number,
/**
 * Users no longer cached: deleted on the server, or moved out of the admin's scopes.
 */
removed: number, groups: number,
/**
 * Memberships between cached users and cached groups.
 */
memberships: number,
/**
 * Server-mode grants cached (`None`: the server holds no grants; ledger mode).
 */
grants?: number,
/**
 * Ledger mode: grants the sweep after the sync found expired (their memberships removed).
 */
ledgerGrantsExpired?: number,
/**
 * Users the server sent that are outside the admin's scopes (or have no BU), not cached.
 */
outOfScopeDropped: number, startedAt: string, finishedAt: string, };

/**
 * Everything the admin may do to a user, as the cache knows them now.
 */
export type UserActions = {
/**
 * Disable an active user, or enable a disabled one.
 */
setActive: Permission,
/**
 * Edit the user's attributes (their BU staying where it is).
 */
edit: Permission,
/**
 * One entry per role of the profile's catalog, in catalog order.
 */
roles: Array<RoleActions>, };

/**
 * What `users edit` changes; `None` leaves an attribute as it is.
 */
export type UserChanges = { givenName?: string, familyName?: string, displayName?: string, email?: string, bu?: BuPath, };

/**
 * A user with the grants they hold and what the admin may do to them, for the user detail screen.
 */
export type UserDetail = { user: UserRow, grants: Array<Grant>,
/**
 * `None` until someone has signed in to the workspace (no admin to ask policy about).
 */
actions: UserActions | null,
/**
 * The newest entries of the audit log about the user and their grants, oldest first.
 */
history: Array<AuditEntry>, };

/**
 * One page of the users table.
 */
export type UserPage = {
/**
 * The users matching, counted up to `cache::COUNT_CAP` when the query narrows (every
 * cached user when it does not, so the whole directory can be scrolled).
 */
total: number,
/**
 * More than `total` match: the UI says so and asks for a narrower search.
 */
more: boolean, rows: Array<UserRow>, };

/**
 * The users table's query as the UI sends it.
 */
export type UserQuery = { search?: string, bu?: string, type?: UserType, role?: string,
/**
 * Only active (`true`) or only disabled (`false`) users.
 */
active?: boolean, offset: number, limit: number, };

/**
 * A user an operation is about: by id once known; by userName when the user is created by
 * an earlier operation in the same outbox (the id is found when it is sent).
 */
export type UserRef = { id?: string, userName: string, };

/**
 * A cached user as the hosts show it (the `users list --json` contract of DESIGN.md).
 */
export type UserRow = { id: string, userName: string, displayName: string, bu: string | null, type: UserType, active: boolean, email: string | null,
/**
 * Display names of the groups (roles) the user belongs to, sorted.
 */
roles: Array<string>, };

/**
 * Bailiwick's kinds of identity (DESIGN.md, "The model"); SCIM's `userType` is free text.
 */
export type UserType = "employee" | "partner" | "service" | "other";

/**
 * What the header of the app and `bailiwick whoami` show.
 */
export type WorkspaceStatus = { profileName: string, issuer: string,
/**
 * The admin of the last sign-in in this workspace (kept for offline use; no secret).
 */
admin: AdminContext | null,
/**
 * A refresh token is in the keyring (or a session is live): the network can be used
 * without the browser.
 */
signedIn: boolean, lastSyncAt: string | null, cachedUsers: number,
/**
 * The last attempt to reach the IAM failed, or the workspace was opened offline.
 */
offline: boolean,
/**
 * The cache was used offline for longer than the profile allows: it shows nothing until
 * the admin signs in again.
 */
cacheLocked: boolean,
/**
 * The cache is encrypted at rest.
 */
cacheEncrypted: boolean, };
