import type { AdminContext, Grant } from '../../ipc';

/**
 * Whether `admin` requested `grant`, and so may not decide it (the four-eyes rule). Mirrors the
 * core's policy (`policy.rs`): the requester is recorded by display name or by subject, so both
 * are compared, trimmed and without regard to case. The server refuses such a decision anyway;
 * the UI only says so before the admin tries.
 */
export function isOwnRequest(grant: Grant, admin: AdminContext): boolean {
  const requester = grant.requester.trim().toLowerCase();
  return requester === admin.displayName.trim().toLowerCase() || requester === admin.subject.trim().toLowerCase();
}
