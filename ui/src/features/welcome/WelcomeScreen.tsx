import { useQuery } from '@tanstack/react-query';
import { useState, type FormEvent } from 'react';
import { useTranslation } from 'react-i18next';

import { ErrorNotice } from '../../app/ErrorNotice';
import { useFormatters } from '../../app/i18n/format';
import { listRecentWorkspaces, type RecentWorkspace } from '../../ipc';

interface WelcomeScreenProps {
  busy: boolean;
  error: unknown;
  onOpenDemo: () => void;
  onOpenProfile: (path: string) => void;
}

export function WelcomeScreen({ busy, error, onOpenDemo, onOpenProfile }: WelcomeScreenProps) {
  const { t } = useTranslation();
  const [path, setPath] = useState('');
  const submitProfile = (event: FormEvent) => {
    event.preventDefault();
    const trimmed = path.trim();
    if (trimmed) onOpenProfile(trimmed);
  };

  return (
    <main className="centered" data-testid="welcome">
      <section className="card welcome">
        <h1>Bailiwick</h1>
        <p className="muted">{t('welcome.intro')}</p>
        {error !== null && error !== undefined && <ErrorNotice error={error} testId="welcome-error" />}
        <RecentWorkspaces busy={busy} onOpenDemo={onOpenDemo} onOpenProfile={onOpenProfile} />
        <div className="choice">
          <h2>{t('welcome.tryIt')}</h2>
          <p className="muted small">{t('welcome.demoHint')}</p>
          <button
            type="button"
            className="primary"
            data-testid="open-demo"
            disabled={busy}
            onClick={onOpenDemo}
          >
            {busy ? t('welcome.opening') : t('welcome.openDemo')}
          </button>
        </div>
        <form className="choice" onSubmit={submitProfile}>
          <h2>{t('welcome.useProfile')}</h2>
          <label className="muted small" htmlFor="profile-path">
            {t('welcome.profileLabel')}
          </label>
          <div className="row">
            <input
              id="profile-path"
              data-testid="profile-path"
              placeholder={t('welcome.profilePlaceholder')}
              value={path}
              onChange={(event) => setPath(event.target.value)}
              disabled={busy}
              spellCheck={false}
            />
            <button type="submit" data-testid="open-profile" disabled={busy || path.trim() === ''}>
              {t('welcome.open')}
            </button>
          </div>
        </form>
      </section>
    </main>
  );
}

type RecentWorkspacesProps = Pick<WelcomeScreenProps, 'busy' | 'onOpenDemo' | 'onOpenProfile'>;

/** The workspaces opened on this machine, each a button that opens it again; nothing when there are none. */
function RecentWorkspaces({ busy, onOpenDemo, onOpenProfile }: RecentWorkspacesProps) {
  const { t } = useTranslation();
  const format = useFormatters();
  // A convenience: while it loads, or if it cannot be read, the welcome screen is as before.
  const recent = useQuery({ queryKey: ['recent-workspaces'], queryFn: listRecentWorkspaces });
  if (!recent.data?.length) return null;
  const open = (workspace: RecentWorkspace) => (workspace.kind === 'demo' ? onOpenDemo() : onOpenProfile(workspace.path));
  return (
    <div className="choice">
      <h2 id="recent-workspaces">{t('welcome.recent')}</h2>
      <ul className="recent-workspaces" aria-labelledby="recent-workspaces">
        {recent.data.map((workspace) => {
          const where = workspace.kind === 'demo' ? t('welcome.demoWorkspace') : workspace.path;
          return (
            <li key={workspace.kind === 'demo' ? 'demo' : workspace.path}>
              <button
                type="button"
                data-testid="recent-workspace"
                disabled={busy}
                aria-label={t('welcome.openRecent', { name: workspace.name, where })}
                onClick={() => open(workspace)}
              >
                <strong>{workspace.name}</strong>
                <span className="muted small mono">{where}</span>
                <span className="muted small">{t('welcome.openedAt', { when: format.dateTime(workspace.openedAt) })}</span>
              </button>
            </li>
          );
        })}
      </ul>
    </div>
  );
}
