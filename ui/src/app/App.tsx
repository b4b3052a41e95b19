import { QueryClientProvider, type QueryClient } from '@tanstack/react-query';

import { useTranslation } from 'react-i18next';

import { useAppliedPreferences } from './applyPreferences';
import { usePreferences } from './preferences';
import { WorkspaceShell } from './WorkspaceShell';
import { RestoringSession } from '../features/session/restoringSession';
import { SigningInScreen } from '../features/session/SigningInScreen';
import { useWorkspaceSession } from '../features/session/useWorkspaceSession';
import { WelcomeScreen } from '../features/welcome/WelcomeScreen';
import type { WorkspaceStatus } from '../ipc';

interface AppProps {
  queryClient: QueryClient;
  /** `resumeWorkspace()` when the page asked it before mounting the app; else the app asks. */
  resuming?: Promise<WorkspaceStatus | null>;
}

export function App({ queryClient, resuming }: AppProps) {
  return (
    <QueryClientProvider client={queryClient}>
      <Screens resuming={resuming} />
    </QueryClientProvider>
  );
}

function Screens({ resuming }: { resuming: AppProps['resuming'] }) {
  const { t } = useTranslation();
  const [preferences] = usePreferences();
  useAppliedPreferences(preferences);
  const session = useWorkspaceSession(resuming);
  const { view } = session;
  switch (view.kind) {
    case 'starting':
      return (
        <main className="centered muted" data-testid="starting">
          {t('app.opening')}
        </main>
      );
    case 'welcome':
    case 'opening':
      return (
        <WelcomeScreen
          busy={view.kind === 'opening'}
          error={view.kind === 'welcome' ? view.error : null}
          onOpenDemo={() => void session.openDemo()}
          onOpenProfile={(path) => void session.openProfile(path)}
        />
      );
    case 'signing-in':
      return (
        <SigningInScreen
          url={view.url}
          error={view.error}
          onRetry={() => void session.signIn()}
          onBack={session.backToWelcome}
        />
      );
    case 'workspace':
      return (
        <RestoringSession.Provider value={session.restoring}>
          <WorkspaceShell
            onSignIn={() => void session.signIn()}
            onSignOut={() => void session.signOut()}
            onWorkspaceForgotten={session.workspaceForgotten}
          />
        </RestoringSession.Provider>
      );
  }
}
