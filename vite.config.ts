import react from '@vitejs/plugin-react';
import { defineConfig } from 'vitest/config';

// The UI lives in ui/ while package.json sits at the root (DESIGN.md layout); Tauri serves
// ui/dist in release and loads the dev server at devUrl (port 1420) in `tauri dev`.
export default defineConfig({
  root: 'ui',
  plugins: [react()],
  clearScreen: false,
  // Non-ASCII text (the Japanese texts, typographic quotes) written as \u escapes: WebKit then
  // keeps the script as the bytes it loaded, instead of a second, UTF-16 copy of all 600 kB.
  esbuild: { charset: 'ascii' },
  server: { port: 1420, strictPort: true },
  build: {
    outDir: 'dist',
    emptyOutDir: true,
    // WebKitGTK/WKWebView (Safari 15+) and WebView2 (Chromium) are the only browsers that load this.
    target: ['es2021', 'safari15', 'chrome105'],
  },
  test: {
    environment: 'happy-dom',
    setupFiles: ['./src/test/setup.ts'],
    include: ['src/**/*.test.{ts,tsx}'],
  },
});
