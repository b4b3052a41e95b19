// The shapes that cross IPC. Every one with a Rust counterpart is generated from it into
// ./bindings.ts (never edit that file; after changing a Rust type, regenerate it with
// `UPDATE_IPC_BINDINGS=1 cargo test -p bailiwick-desktop ipc_bindings`, and `cargo test` fails
// while it is stale). Only what has no Rust type of its own is written here by hand.

export type * from './bindings';

/**
 * One of the directory's own audit events (`list_server_audit`). The shell passes the
 * directory's JSON through unchanged (a SCIM extension resource, `serde_json::Value` on the Rust
 * side), so this is what the window expects of it, not a contract the compiler checks.
 */
export interface ServerAuditEvent {
  time?: string;
  actor?: string;
  action?: string;
  target?: { type?: string; value?: string; display?: string; bu?: string };
  detail?: string | null;
  outcome?: string;
  [field: string]: unknown;
}
