import { useQuery } from '@tanstack/react-query';
import { useRef, useState } from 'react';
import { useTranslation } from 'react-i18next';

import { ApprovalsScreen } from '../features/approvals/ApprovalsScreen';
import { AuditScreen } from '../features/audit/AuditScreen';
import { GrantsScreen } from '../features/grants/GrantsScreen';
import { useExpiryNotifications } from '../features/grants/useExpiryNotifications';
import { HygieneScreen } from '../features/hygiene/HygieneScreen';
import { ImportScreen } from '../features/imports/ImportScreen';
import { OutboxScreen } from '../features/outbox/OutboxScreen';
import { ReviewsScreen } from '../features/reviews/ReviewsScreen';
import { RolesScreen } from '../features/roles/RolesScreen';
import { SettingsScreen } from '../features/settings/SettingsScreen';
import { STATUS_KEY } from '../features/users/queryKeys';
import { UserDetail } from '../features/users/UserDetail';
import { UsersScreen } from '../features/users/UsersScreen';
import { getStatus } from '../ipc';
import { CommandPalette, usePaletteState } from './CommandPalette';
import { SECTIONS, type Section } from './sections';
import { paletteShortcut, sectionShortcut } from './shortcuts';
import { useWorkspaceShortcuts } from './useWorkspaceShortcuts';
import { WorkspaceBar } from './WorkspaceBar';

export type { Section } from './sections';

interface WorkspaceShellProps {
  onSignIn: () => void;
  onSignOut: () => void;
  /** Settings forgot the workspace on this computer (the core closed it): back to Welcome. */
  onWorkspaceForgotten?: () => void;
  initialSection?: Section;
}

/**
 * The open workspace: navigation between its screens, the user detail opened from the users
 * table, and the keyboard ways to both (shortcuts and the command palette).
 */
export function WorkspaceShell({
  onSignIn,
  onSignOut,
  onWorkspaceForgotten,
  initialSection = 'users',
}: WorkspaceShellProps) {
  const { t } = useTranslation();
  const [section, setSection] = useState<Section>(initialSection);
  const [openUser, setOpenUser] = useState<string | null>(null);
  const palette = usePaletteState();
  // A request for the search box is kept only until the admin moves on, so coming back to Users
  // later does not repeat it. Requests are numbered: a new number asks again.
  const [searchRequest, setSearchRequest] = useState<number | null>(null);
  const [syncRequest, setSyncRequest] = useState<number | null>(null);
  const requestIds = useRef(0);
  // Kept here so that the Roles screen still shows the chosen role's holders after a holder's detail.
  const [selectedRole, setSelectedRole] = useState<string | null>(null);
  const status = useQuery({ queryKey: STATUS_KEY, queryFn: getStatus });
  // The inbox is offered to those who may decide; the server refuses anyone else all the same.
  const canApprove = status.data?.admin?.capabilities.includes('approve-grants') === true;
  useExpiryNotifications();

  const show = (next: Section, search: number | null) => {
    setSection(next);
    setOpenUser(null);
    setSearchRequest(search);
  };
  const go = (next: Section) => show(next, null);
  const searchUsers = () => show('users', ++requestIds.current);
  const openUserDetail = (id: string) => {
    setOpenUser(id);
    // Back from the detail, the users list mounts afresh and must not run the request again.
    setSearchRequest(null);
  };
  const usersListShown = section === 'users' && openUser === null;
  useWorkspaceShortcuts(
    { onTogglePalette: palette.toggle, onSection: go, onSearch: searchUsers },
    usersListShown,
  );

  return (
    <div className="workspace-shell">
      <nav className="sections" aria-label={t('shell.sections')}>
        {SECTIONS.map((s, index) => {
          // Hidden, not renumbered: every section keeps its shortcut whoever is signed in.
          if (s === 'approvals' && !canApprove) return null;
          const name = t(`shell.section.${s}`);
          return (
            <button
              key={s}
              type="button"
              className={s === section ? 'tab tab--current' : 'tab'}
              aria-current={s === section ? 'page' : undefined}
              aria-keyshortcuts={sectionShortcut(index, false)}
              title={t('shell.sectionTitle', { name, shortcut: sectionShortcut(index) })}
              onClick={() => go(s)}
            >
              {name}
            </button>
          );
        })}
        <button
          type="button"
          className="tab palette-button"
          aria-label={t('palette.label')}
          aria-keyshortcuts="Control+K Meta+K"
          title={t('palette.shortcutHint', { shortcut: paletteShortcut() })}
          onClick={palette.show}
        >
          <kbd className="shortcut">{paletteShortcut()}</kbd>
        </button>
      </nav>
      <WorkspaceBar onSignIn={onSignIn} onSignOut={onSignOut} syncRequest={syncRequest} />
      {section === 'users' &&
        (openUser === null ? (
          <UsersScreen onOpenUser={openUserDetail} searchRequest={searchRequest} />
        ) : (
          <UserDetail user={openUser} onClose={() => setOpenUser(null)} />
        ))}
      {section === 'grants' && <GrantsScreen />}
      {section === 'roles' &&
        (openUser === null ? (
          <RolesScreen selected={selectedRole} onSelect={setSelectedRole} onOpenUser={openUserDetail} />
        ) : (
          <UserDetail user={openUser} onClose={() => setOpenUser(null)} />
        ))}
      {section === 'approvals' && <ApprovalsScreen />}
      {section === 'reviews' && <ReviewsScreen onOpenOutbox={() => go('outbox')} />}
      {section === 'hygiene' && <HygieneScreen />}
      {section === 'import' && <ImportScreen />}
      {section === 'outbox' && <OutboxScreen />}
      {section === 'audit' && <AuditScreen />}
      {section === 'settings' && (
        <SettingsScreen onWorkspaceForgotten={onWorkspaceForgotten} onOpenOutbox={() => go('outbox')} />
      )}
      <CommandPalette
        open={palette.open}
        onDismiss={palette.dismiss}
        onCommand={palette.closeForCommand}
        onSection={go}
        onSync={() => setSyncRequest(++requestIds.current)}
        onSearchUsers={searchUsers}
        onSignOut={onSignOut}
      />
    </div>
  );
}
