// Query keys of the delegated-operations screens. A change can touch any of them (a grant adds a
// role, a push settles outbox entries and writes audit entries), so a change invalidates them all.
export const USER_DETAIL_KEY = ['user-detail'] as const;
export const ROLES_KEY = ['roles'] as const;
export const GRANTS_KEY = ['grants'] as const;
export const GRANT_MODE_KEY = ['grant-mode'] as const;
export const OUTBOX_KEY = ['outbox'] as const;
export const CONFLICTS_KEY = ['conflicts'] as const;
export const AUDIT_KEY = ['audit'] as const;
