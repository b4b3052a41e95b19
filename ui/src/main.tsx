import { StrictMode } from 'react';
import { createRoot } from 'react-dom/client';

import { App } from './app/App';
import { applyPreferences } from './app/applyPreferences';
import { readPreferences } from './app/preferences';
import { createQueryClient } from './app/queryClient';
import { resumeWorkspace } from './ipc';
import './app/theme.css';

// Asked before React mounts: the core reopens the last workspace while the first render runs.
const resuming = resumeWorkspace();
// The app handles a failure once it has mounted; until then it is not an unhandled rejection.
resuming.catch(() => {});

// Before the first render, so the first paint is already in the admin's theme and language.
applyPreferences(readPreferences());

const root = document.getElementById('root');
if (root) {
  createRoot(root).render(
    <StrictMode>
      <App queryClient={createQueryClient()} resuming={resuming} />
    </StrictMode>,
  );
}
