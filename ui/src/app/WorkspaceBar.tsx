import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { useEffect, useRef, useState } from 'react';
import { useTranslation } from 'react-i18next';

import { ErrorNotice } from './ErrorNotice';
import { useFormatters } from './i18n/format';
import { describeDataAge, useNow } from '../features/users/dataAge';
import { STATUS_KEY } from '../features/users/queryKeys';
import { WorkspaceHeader } from '../features/users/WorkspaceHeader';
import { cancelSync, getStatus, syncDirectory, type SyncProgress } from '../ipc';

interface WorkspaceBarProps {
  onSignIn: () => void;
  onSignOut: () => void;
  /** A sync asked from outside the bar (the command palette); a new number asks again. */
  syncRequest: number | null;
}

/**
 * Above every screen of the open workspace: who is signed in, the data's age, Sync with its
 * progress and Cancel, and the offline banner. It owns the directory sync, so a sync started on
 * one screen goes on, and shows, on every other.
 */
export function WorkspaceBar({ onSignIn, onSignOut, syncRequest }: WorkspaceBarProps) {
  const { t } = useTranslation();
  const format = useFormatters();
  const now = useNow();
  const queryClient = useQueryClient();
  const status = useQuery({ queryKey: STATUS_KEY, queryFn: getStatus });
  const [progress, setProgress] = useState<SyncProgress | null>(null);
  const sync = useMutation({
    mutationFn: () => syncDirectory(setProgress),
    onSettled: async () => {
      setProgress(null);
      // A sync can change everything the cache holds (users, roles, grants, the outbox, the
      // audit log of a ledger sweep): every screen reads again.
      await queryClient.invalidateQueries();
    },
  });

  // A first sign-in has nothing cached yet: fetch it without making the admin press Sync.
  const current = status.data;
  const autoSynced = useRef(false);
  const { mutate: startSync } = sync;
  useEffect(() => {
    if (!autoSynced.current && current?.signedIn && current.lastSyncAt === null) {
      autoSynced.current = true;
      startSync();
    }
  }, [current, startSync]);

  // Each request once, once the status says whether a sync can run. Signed out, the header's
  // Sign in is the way.
  const handled = useRef<number | null>(null);
  const signedIn = current?.signedIn === true;
  useEffect(() => {
    if (syncRequest === null || current === undefined || handled.current === syncRequest) return;
    handled.current = syncRequest;
    if (signedIn) startSync();
  }, [syncRequest, current, signedIn, startSync]);

  // Until the status is known the screen below says why (loading, or the error reading it).
  if (!current) return null;
  return (
    <>
      <WorkspaceHeader
        status={current}
        syncing={sync.isPending}
        progress={progress}
        onSync={() => sync.mutate()}
        onCancelSync={() => void cancelSync()}
        onSignIn={onSignIn}
        onSignOut={onSignOut}
      />
      {current.offline && (
        <div className="notice notice--offline" role="status" data-testid="offline-banner">
          {t('shell.offlineBanner', { age: describeDataAge(current.lastSyncAt, now, t, format) })}
        </div>
      )}
      {sync.isError && <ErrorNotice error={sync.error} testId="sync-error" />}
    </>
  );
}
