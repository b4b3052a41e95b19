import { cleanup } from '@testing-library/react';
import { clearMocks } from '@tauri-apps/api/mocks';
import { afterEach } from 'vitest';

// happy-dom does no layout, so every box measures 0 and a virtualized list would render no
// rows at all. Give elements a window-sized box; the virtualizer then renders what a real
// 600 px tall table would.
Object.defineProperties(HTMLElement.prototype, {
  clientHeight: { configurable: true, get: () => 600 },
  clientWidth: { configurable: true, get: () => 1000 },
});

afterEach(() => {
  cleanup();
  clearMocks();
});
