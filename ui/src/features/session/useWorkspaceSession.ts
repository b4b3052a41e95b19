import { useQueryClient, type QueryClient } from '@tanstack/react-query';
import { useCallback, useEffect, useRef, useState } from 'react';

import {
  openDemoWorkspace,
  openProfileWorkspace,
  restoreSession,
  resumeWorkspace,
  signIn,
  signOut,
  type WorkspaceStatus,
} from '../../ipc';
import { STATUS_KEY, USERS_KEY } from '../users/queryKeys';
import { firstPageQuery } from '../users/UsersTable';

export type SessionView =
  | { kind: 'starting' }
  | { kind: 'welcome'; error: unknown }
  | { kind: 'opening' }
  | { kind: 'signing-in'; url: string | null; error: unknown }
  | { kind: 'workspace' };

/** A resumed workspace is worth showing when it has a session or at least cached users (offline). */
export function showsUsers(status: WorkspaceStatus): boolean {
  return status.signedIn || status.cachedUsers > 0;
}

/** How long a resumed workspace's session restore waits at most for the first rows. */
const RESTORE_AT_THE_LATEST_MS = 2_000;

/** How long a resumed workspace waits for its first rows before it is drawn without them. */
const FIRST_ROWS_AT_THE_LATEST_MS = 500;

/** Resolves once a users query has its answer (or failed), or after `within` ms in any case. */
function usersAnswered(queryClient: QueryClient, within: number): Promise<void> {
  const queries = queryClient.getQueryCache();
  const answered = () => queries.findAll({ queryKey: USERS_KEY }).some((q) => q.state.status !== 'pending');
  return new Promise((resolve) => {
    if (answered()) {
      resolve();
      return;
    }
    const done = () => {
      clearTimeout(timer);
      unsubscribe();
      resolve();
    };
    const timer = setTimeout(done, within);
    const unsubscribe = queries.subscribe(() => {
      if (answered()) done();
    });
  });
}

/** How long the session restore waits at most for a frame: a hidden window draws none. */
const FRAME_AT_THE_LATEST_MS = 100;

/** Resolves once the browser has drawn the next frame (the rows, when they have just arrived), or
 * after `FRAME_AT_THE_LATEST_MS` when it draws none (the window starts minimised or hidden). */
function afterTheNextFrame(): Promise<void> {
  return new Promise((resolve) => {
    requestAnimationFrame(() => setTimeout(resolve, 0));
    setTimeout(resolve, FRAME_AT_THE_LATEST_MS);
  });
}

/**
 * Which screen the app shows, and the steps between them: resume on start, open a workspace,
 * sign in through the system browser, sign out. Each step's result is ignored once the user
 * has moved on (pressed Back), so a late browser callback cannot pull them back.
 */
export function useWorkspaceSession(resuming?: Promise<WorkspaceStatus | null>) {
  const queryClient = useQueryClient();
  const [view, setView] = useState<SessionView>({ kind: 'starting' });
  const [restoring, setRestoring] = useState(false);
  const attempt = useRef(0);

  useEffect(() => {
    let live = true;
    // What a later step (sign in, sign out, open another workspace) makes stale.
    const resumed = attempt.current;
    (resuming ?? resumeWorkspace()).then(
      async (status) => {
        if (!live) return;
        if (status && showsUsers(status)) {
          // The first rows are read before the workspace is drawn, so that they come with its
          // first frame: drawn first, the workspace would ask for them only once it is on
          // screen and then wait for the frame to finish (0.1–0.2 s of a cold start). Not for
          // long: a slow read leaves the table its loading state. A locked cache refuses
          // reads; an error stays in the query cache for the table to show.
          if (!status.cacheLocked) {
            await Promise.race([
              queryClient.prefetchQuery(firstPageQuery()),
              new Promise((resolve) => setTimeout(resolve, FIRST_ROWS_AT_THE_LATEST_MS)),
            ]);
          }
          if (!live) return;
          queryClient.setQueryData(STATUS_KEY, status);
          setView({ kind: 'workspace' });
          // The cache is on screen first; the session is restored behind it, and the header
          // then says whether the workspace is online or offline.
          if (status.signedIn) {
            setRestoring(true);
            // After the first rows are drawn: the restore (the keyring, the IAM) would share
            // the two cores with the first frame and slow it down.
            // Not at all once the admin has moved on (signed out, opened another workspace).
            const current = () => live && attempt.current === resumed;
            usersAnswered(queryClient, RESTORE_AT_THE_LATEST_MS)
              .then(afterTheNextFrame)
              .then(() => (current() ? restoreSession() : null))
              .then(
                (restored) => {
                  if (!restored || !current()) return;
                  queryClient.setQueryData(STATUS_KEY, restored);
                  if (!showsUsers(restored)) setView({ kind: 'welcome', error: null });
                },
                () => {
                  // The command itself failed (not the restore, which it reports in the
                  // status): ask for the status afresh rather than show a stale one.
                  if (current()) void queryClient.invalidateQueries({ queryKey: STATUS_KEY });
                },
              )
              .finally(() => {
                if (live) setRestoring(false);
              });
          }
        } else {
          setView({ kind: 'welcome', error: null });
        }
      },
      (error: unknown) => {
        if (live) setView({ kind: 'welcome', error });
      },
    );
    return () => {
      live = false;
    };
  }, [queryClient, resuming]);

  const beginSignIn = useCallback(async () => {
    const mine = ++attempt.current;
    setView({ kind: 'signing-in', url: null, error: null });
    try {
      const status = await signIn((event) => {
        if (attempt.current === mine) setView({ kind: 'signing-in', url: event.url, error: null });
      });
      if (attempt.current !== mine) return;
      queryClient.setQueryData(STATUS_KEY, status);
      await queryClient.invalidateQueries({ queryKey: USERS_KEY });
      setView({ kind: 'workspace' });
    } catch (error) {
      if (attempt.current !== mine) return;
      setView((current) => ({
        kind: 'signing-in',
        url: current.kind === 'signing-in' ? current.url : null,
        error,
      }));
    }
  }, [queryClient]);

  const open = useCallback(
    async (opener: () => Promise<WorkspaceStatus>) => {
      const mine = ++attempt.current;
      setView({ kind: 'opening' });
      try {
        const status = await opener();
        if (attempt.current !== mine) return;
        queryClient.setQueryData(STATUS_KEY, status);
        queryClient.removeQueries({ queryKey: USERS_KEY });
        if (status.signedIn) setView({ kind: 'workspace' });
        else await beginSignIn();
      } catch (error) {
        if (attempt.current === mine) setView({ kind: 'welcome', error });
      }
    },
    [beginSignIn, queryClient],
  );

  const openDemo = useCallback(() => open(openDemoWorkspace), [open]);
  const openProfile = useCallback((path: string) => open(() => openProfileWorkspace(path)), [open]);

  const endSession = useCallback(async () => {
    ++attempt.current;
    try {
      await signOut();
      queryClient.clear();
      setView({ kind: 'welcome', error: null });
    } catch (error) {
      setView({ kind: 'welcome', error });
    }
  }, [queryClient]);

  /** After forget_workspace: the core signed out and closed the workspace itself; only the screens change. */
  const leaveForgottenWorkspace = useCallback(() => {
    ++attempt.current;
    queryClient.clear();
    setView({ kind: 'welcome', error: null });
  }, [queryClient]);

  const backToWelcome = useCallback(() => {
    ++attempt.current;
    setView({ kind: 'welcome', error: null });
  }, []);

  return {
    view,
    /** The resumed workspace's session is being restored behind its cached data. */
    restoring,
    openDemo,
    openProfile,
    signIn: beginSignIn,
    signOut: endSession,
    workspaceForgotten: leaveForgottenWorkspace,
    backToWelcome,
  };
}
