import js from '@eslint/js';
import reactHooks from 'eslint-plugin-react-hooks';
import globals from 'globals';
import tseslint from 'typescript-eslint';

export default tseslint.config(
  { ignores: ['ui/dist', 'target', 'node_modules', 'src-tauri/gen', 'tests', 'crates'] },
  {
    files: ['ui/**/*.{ts,tsx}', '*.{js,ts}'],
    extends: [js.configs.recommended, ...tseslint.configs.strict],
    plugins: { 'react-hooks': reactHooks },
    languageOptions: { ecmaVersion: 2022, globals: globals.browser },
    rules: {
      ...reactHooks.configs.recommended.rules,
      // Only ui/src/ipc may talk to Tauri (STYLE.md): screens stay testable with plain props and mocks.
      'no-restricted-imports': ['error', { patterns: [{ group: ['@tauri-apps/*'], message: 'Import from ui/src/ipc instead.' }] }],
    },
  },
  {
    files: ['ui/src/ipc/**/*.ts', 'ui/src/**/*.test.{ts,tsx}', 'ui/src/test/**'],
    rules: { 'no-restricted-imports': 'off' },
  },
);
