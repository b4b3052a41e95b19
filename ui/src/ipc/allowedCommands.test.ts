/// <reference types="node" />
// The commands the page calls, the commands the shell registers and the ones its capability
// allows are three lists in three files (the command names are not generated with the types):
// this keeps them the same list. A command called but not allowed is refused at run time; one
// allowed but never called is more than the page needs.
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const repo = join(dirname(fileURLToPath(import.meta.url)), '..', '..', '..');
const read = (path: string) => readFileSync(join(repo, path), 'utf8');

/** `call('list_users', …)` in the page's IPC module. */
function calledByThePage(): string[] {
  return [...read('ui/src/ipc/commands.ts').matchAll(/\bcall(?:<[^>]*>)?\(\s*'([a-z_]+)'/g)].map((m) => m[1] ?? '');
}

/** `commands::list_users,` in `tauri::generate_handler![…]`. */
function registeredByTheShell(): string[] {
  const main = read('src-tauri/src/main.rs');
  const handler = main.slice(main.indexOf('generate_handler!['), main.indexOf('])', main.indexOf('generate_handler![')));
  return [...handler.matchAll(/\b[a-z_]+::([a-z_]+)\s*,/g)].map((m) => m[1] ?? '');
}

/** `allow-list-users` in the capability, as the command it allows. */
function allowedByTheCapability(): string[] {
  const capability = JSON.parse(read('src-tauri/capabilities/default.json')) as { permissions: (string | object)[] };
  return capability.permissions
    .filter((p): p is string => typeof p === 'string' && p.startsWith('allow-'))
    .map((p) => p.slice('allow-'.length).replaceAll('-', '_'));
}

const sorted = (names: string[]) => [...new Set(names)].sort();

describe("the page's commands", () => {
  it('are the ones the shell registers and the capability allows, no more, no fewer', () => {
    const called = sorted(calledByThePage());
    expect(called.length, 'the pattern finds the calls').toBeGreaterThan(30);
    expect(called).toContain('list_recent_workspaces');
    expect(sorted(registeredByTheShell())).toEqual(called);
    expect(sorted(allowedByTheCapability())).toEqual(called);
  });
});
