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

/**
 * The rule that forbids `admin` to approve or reject `grant`, or null when nothing does: deciding
 * needs the approve-grants capability, and never on one's own request. Unknown admin (status not
 * read yet): null, and the server decides.
 */
export function decisionRule(grant: Grant, admin: AdminContext | null | undefined): 'capability' | 'four-eyes' | null {
  if (!admin) return null;
  if (!admin.capabilities.includes('approve-grants')) return 'capability';
  return isOwnRequest(grant, admin) ? 'four-eyes' : null;
}
