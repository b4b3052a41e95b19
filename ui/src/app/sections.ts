/** The workspace's sections, in navigation order; the order gives each its Alt+digit shortcut. */
export const SECTIONS = ['users', 'grants', 'reviews', 'hygiene', 'import', 'outbox', 'audit', 'settings'] as const;
export type Section = (typeof SECTIONS)[number];
