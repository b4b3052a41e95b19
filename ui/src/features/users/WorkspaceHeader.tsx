import type { SyncProgress, WorkspaceStatus } from '../../ipc';
import { describeDataAge, useNow } from './dataAge';

interface WorkspaceHeaderProps {
  status: WorkspaceStatus;
  syncing: boolean;
  progress: SyncProgress | null;
  onSync: () => void;
  onSignIn: () => void;
  onSignOut: () => void;
}

export function WorkspaceHeader({ status, syncing, progress, onSync, onSignIn, onSignOut }: WorkspaceHeaderProps) {
  const now = useNow();
  const admin = status.admin;
  return (
    <header className="workspace-header" data-testid="workspace-header">
      <div className="identity">
        <div className="title-row">
          <span className="profile-name">{status.profileName}</span>
          {status.offline && (
            <span className="badge badge--offline" data-testid="offline-badge" title="The IAM could not be reached; showing cached data">
              Offline
            </span>
          )}
          {!status.signedIn && !status.offline && (
            <span className="badge" data-testid="signed-out-badge">
              Signed out
            </span>
          )}
        </div>
        {admin ? (
          <div className="admin" data-testid="admin">
            <span className="admin-name" data-testid="admin-name">
              {admin.displayName}
            </span>
            <span className="chips" aria-label="Business units you administer" data-testid="bu-scopes">
              {admin.buScopes.map((bu) => (
                <span key={bu} className="chip chip--scope">
                  {bu}
                </span>
              ))}
            </span>
            <span className="chips" aria-label="Your capabilities" data-testid="capabilities">
              {admin.capabilities.map((capability) => (
                <span key={capability} className="chip">
                  {capability}
                </span>
              ))}
            </span>
          </div>
        ) : (
          <div className="admin muted">Not signed in</div>
        )}
      </div>
      <div className="header-actions">
        <span className="data-age muted small" data-testid="data-age" title={status.lastSyncAt ?? undefined}>
          {syncing ? describeProgress(progress) : `${status.cachedUsers.toLocaleString()} users · ${describeDataAge(status.lastSyncAt, now)}`}
        </span>
        {status.signedIn ? (
          <>
            <button type="button" className="primary" data-testid="sync" onClick={onSync} disabled={syncing}>
              {syncing ? 'Syncing…' : 'Sync'}
            </button>
            <button type="button" data-testid="sign-out" onClick={onSignOut}>
              Sign out
            </button>
          </>
        ) : (
          <button type="button" className="primary" data-testid="sign-in" onClick={onSignIn}>
            Sign in
          </button>
        )}
      </div>
    </header>
  );
}

function describeProgress(progress: SyncProgress | null): string {
  if (!progress) return 'Syncing…';
  if (progress.phase === 'saving') return 'Saving to the cache…';
  return `Fetching ${progress.phase}: ${progress.fetched.toLocaleString()} of ${progress.total.toLocaleString()}`;
}
