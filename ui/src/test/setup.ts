import { cleanup, configure } from '@testing-library/react';
import { clearMocks } from '@tauri-apps/api/mocks';
import i18next from 'i18next';
import { afterEach } from 'vitest';

import { initI18n } from '../app/i18n/i18n';

// happy-dom does no layout, so every box measures 0 and a virtualized list would render no
// rows at all. Give elements a window-sized box; the virtualizer then renders what a real
// 600 px tall table would.
Object.defineProperties(HTMLElement.prototype, {
  clientHeight: { configurable: true, get: () => 600 },
  clientWidth: { configurable: true, get: () => 1000 },
});

// The machine shares two cores with cargo builds: under that load a screen can take more than
// the default second to settle, which failed tests that were right. A real hang still fails.
configure({ asyncUtilTimeout: 3000 });

// Screens render in English unless a test switches language; main.tsx does this in the app.
initI18n('en');

afterEach(async () => {
  cleanup();
  clearMocks();
  window.localStorage.clear();
  document.documentElement.removeAttribute('data-theme');
  await i18next.changeLanguage('en');
});
