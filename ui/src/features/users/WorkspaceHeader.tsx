import type { TFunction } from 'i18next';
import { useTranslation } from 'react-i18next';

import { useFormatters, type Formatters } from '../../app/i18n/format';
import type { SyncProgress, WorkspaceStatus } from '../../ipc';
import { useRestoringSession } from '../session/restoringSession';
import { describeDataAge, useNow } from './dataAge';

interface WorkspaceHeaderProps {
  status: WorkspaceStatus;
  syncing: boolean;
  progress: SyncProgress | null;
  onSync: () => void;
  onCancelSync: () => void;
  onSignIn: () => void;
  onSignOut: () => void;
}

export function WorkspaceHeader({
  status,
  syncing,
  progress,
  onSync,
  onCancelSync,
  onSignIn,
  onSignOut,
}: WorkspaceHeaderProps) {
  const { t } = useTranslation();
  const format = useFormatters();
  const now = useNow();
  const restoring = useRestoringSession();
  const admin = status.admin;
  // Locked, Sign in takes Sync's place: it is the way out the notice names, and the one that
  // works whatever became of the stored refresh token.
  const canSync = status.signedIn && !status.cacheLocked;
  return (
    <header className="workspace-header" data-testid="workspace-header">
      <div className="identity">
        <div className="title-row">
          <span className="profile-name">{status.profileName}</span>
          {restoring && (
            <span className="badge" data-testid="connecting-badge" title={t('header.connectingTitle')}>
              {t('header.connecting')}
            </span>
          )}
          {status.offline && (
            <span className="badge badge--offline" data-testid="offline-badge" title={t('header.offlineTitle')}>
              {t('header.offline')}
            </span>
          )}
          {status.cacheLocked && (
            <span className="badge badge--offline" data-testid="locked-badge" title={t('header.lockedTitle')}>
              {t('header.locked')}
            </span>
          )}
          {!status.signedIn && !status.offline && (
            <span className="badge" data-testid="signed-out-badge">
              {t('header.signedOut')}
            </span>
          )}
        </div>
        {admin ? (
          <div className="admin" data-testid="admin">
            <span className="admin-name" data-testid="admin-name">
              {admin.displayName}
            </span>
            <span className="chips" aria-label={t('header.buScopes')} data-testid="bu-scopes">
              {admin.buScopes.map((bu) => (
                <span key={bu} className="chip chip--scope">
                  {bu}
                </span>
              ))}
            </span>
            <span className="chips" aria-label={t('header.capabilities')} data-testid="capabilities">
              {admin.capabilities.map((capability) => (
                <span key={capability} className="chip">
                  {t(`header.capability.${capability}`)}
                </span>
              ))}
            </span>
          </div>
        ) : (
          <div className="admin muted">{t('header.notSignedIn')}</div>
        )}
      </div>
      <div className="header-actions">
        <span className="data-age muted small" data-testid="data-age" title={status.lastSyncAt ?? undefined}>
          {syncing
            ? describeProgress(progress, t, format)
            : t('header.summary', {
                users: format.number(status.cachedUsers),
                age: describeDataAge(status.lastSyncAt, now, t, format),
              })}
        </span>
        {canSync ? (
          <button
            type="button"
            className="primary"
            data-testid="sync"
            onClick={onSync}
            disabled={syncing || restoring}
            title={restoring ? t('header.connectingTitle') : undefined}
          >
            {syncing ? t('header.syncing') : t('header.sync')}
          </button>
        ) : (
          <button type="button" className="primary" data-testid="sign-in" onClick={onSignIn}>
            {t('header.signIn')}
          </button>
        )}
        {syncing && (
          <button type="button" data-testid="cancel-sync" onClick={onCancelSync} title={t('header.cancelSyncTitle')}>
            {t('header.cancelSync')}
          </button>
        )}
        {status.signedIn && (
          <button type="button" data-testid="sign-out" onClick={onSignOut}>
            {t('header.signOut')}
          </button>
        )}
      </div>
    </header>
  );
}

function describeProgress(progress: SyncProgress | null, t: TFunction, format: Formatters): string {
  if (!progress) return t('header.syncing');
  if (progress.phase === 'saving') return t('header.saving');
  if (progress.total === null) {
    // The server did not say how many there are (RFC 9865 cursors need not): what came so far,
    // at what pace, and no time left.
    const fetched = format.number(progress.fetched);
    const soFar =
      progress.phase === 'userIds'
        ? t('header.checkingRemovedSoFar', { fetched })
        : t('header.fetchingSoFar', { phase: t(`header.phase.${progress.phase}`), fetched });
    if (progress.perSecond <= 0) return soFar;
    return `${soFar} (${t('header.rate', { perSecond: format.number(Math.round(progress.perSecond)) })})`;
  }
  const counts = { fetched: format.number(progress.fetched), total: format.number(progress.total) };
  // The id listing that finds deleted users fetches no users to show: said as what it is for.
  const fetching =
    progress.phase === 'userIds'
      ? t('header.checkingRemoved', counts)
      : t('header.fetching', { phase: t(`header.phase.${progress.phase}`), ...counts });
  if (progress.remainingSeconds === null || progress.fetched >= progress.total) return fetching;
  const pace = t('header.pace', {
    perSecond: format.number(Math.round(progress.perSecond)),
    remaining: format.duration(progress.remainingSeconds),
  });
  return `${fetching} (${pace})`;
}
