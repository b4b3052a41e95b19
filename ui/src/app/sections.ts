/**
 * The workspace's sections, in navigation order; the order gives each its Alt+digit shortcut.
 * New sections are appended so the shortcuts admins have learnt keep their digits.
 */
export const SECTIONS = [
  'users',
  'grants',
  'reviews',
  'hygiene',
  'import',
  'outbox',
  'audit',
  'settings',
  'roles',
  'approvals',
] as const;
export type Section = (typeof SECTIONS)[number];
