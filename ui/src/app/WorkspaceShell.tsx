import { useState } from 'react';

import { AuditScreen } from '../features/audit/AuditScreen';
import { GrantsScreen } from '../features/grants/GrantsScreen';
import { HygieneScreen } from '../features/hygiene/HygieneScreen';
import { ImportScreen } from '../features/imports/ImportScreen';
import { OutboxScreen } from '../features/outbox/OutboxScreen';
import { ReviewsScreen } from '../features/reviews/ReviewsScreen';
import { UserDetail } from '../features/users/UserDetail';
import { UsersScreen } from '../features/users/UsersScreen';

export type Section = 'users' | 'grants' | 'reviews' | 'hygiene' | 'import' | 'outbox' | 'audit';

const SECTIONS: { section: Section; label: string }[] = [
  { section: 'users', label: 'Users' },
  { section: 'grants', label: 'Grants' },
  { section: 'reviews', label: 'Reviews' },
  { section: 'hygiene', label: 'Hygiene' },
  { section: 'import', label: 'Import' },
  { section: 'outbox', label: 'Outbox' },
  { section: 'audit', label: 'Audit' },
];

interface WorkspaceShellProps {
  onSignIn: () => void;
  onSignOut: () => void;
  initialSection?: Section;
}

/** The open workspace: navigation between its screens, and the user detail opened from the users table. */
export function WorkspaceShell({ onSignIn, onSignOut, initialSection = 'users' }: WorkspaceShellProps) {
  const [section, setSection] = useState<Section>(initialSection);
  const [openUser, setOpenUser] = useState<string | null>(null);
  return (
    <div className="workspace-shell">
      <nav className="sections" aria-label="Sections">
        {SECTIONS.map(({ section: s, label }) => (
          <button
            key={s}
            type="button"
            className={s === section ? 'tab tab--current' : 'tab'}
            aria-current={s === section ? 'page' : undefined}
            onClick={() => {
              setSection(s);
              setOpenUser(null);
            }}
          >
            {label}
          </button>
        ))}
      </nav>
      {section === 'users' &&
        (openUser === null ? (
          <UsersScreen onSignIn={onSignIn} onSignOut={onSignOut} onOpenUser={setOpenUser} />
        ) : (
          <UserDetail user={openUser} onClose={() => setOpenUser(null)} />
        ))}
      {section === 'grants' && <GrantsScreen />}
      {section === 'reviews' && <ReviewsScreen onOpenOutbox={() => setSection('outbox')} />}
      {section === 'hygiene' && <HygieneScreen />}
      {section === 'import' && <ImportScreen />}
      {section === 'outbox' && <OutboxScreen />}
      {section === 'audit' && <AuditScreen />}
    </div>
  );
}
