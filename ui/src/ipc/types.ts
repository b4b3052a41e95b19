// The shapes that cross IPC, mirroring the serde (camelCase) types of bailiwick-core and the
// desktop shell. Hand-written for the walking skeleton; keep them in step with the Rust side.

export type ErrorCode = 'failure' | 'usage' | 'sign-in-needed' | 'refused' | 'conflict' | 'offline';

/** What every failed command rejects with (src-tauri's `IpcError`). */
export interface IpcErrorPayload {
  code: ErrorCode;
  message: string;
  retryable: boolean;
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
  | { phase: 'users' | 'groups'; fetched: number; total: number }
  | { phase: 'saving' };

export interface SyncReport {
  users: number;
  groups: number;
  memberships: number;
  outOfScopeDropped: number;
  startedAt: string;
  finishedAt: string;
}

/** Sent while signing in: the URL the system browser was asked to open. */
export interface SignInEvent {
  kind: 'browser-opened';
  url: string;
}
