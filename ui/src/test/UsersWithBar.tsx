import { WorkspaceBar } from '../app/WorkspaceBar';
import { UsersScreen } from '../features/users/UsersScreen';

interface UsersWithBarProps {
  onSignIn?: () => void;
  onSignOut?: () => void;
  onOpenUser?: (id: string) => void;
}

/** The users screen under the bar the workspace shell puts above every screen, as the admin sees it. */
export function UsersWithBar({ onSignIn = () => {}, onSignOut = () => {}, onOpenUser }: UsersWithBarProps) {
  return (
    <>
      <WorkspaceBar onSignIn={onSignIn} onSignOut={onSignOut} syncRequest={null} />
      <UsersScreen onOpenUser={onOpenUser} />
    </>
  );
}
