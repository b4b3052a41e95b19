import { render } from '@testing-library/react';
import { mockIPC } from '@tauri-apps/api/mocks';
import type { ReactElement } from 'react';
import { QueryClientProvider, type QueryClient } from '@tanstack/react-query';

import { createQueryClient } from '../app/queryClient';
import type { IpcErrorPayload, UserRow, WorkspaceStatus } from '../ipc';

export type Handler = (args: Record<string, unknown>) => unknown;

export interface RecordedCall {
  command: string;
  args: Record<string, unknown>;
}

/**
 * Stands in for src-tauri: each command answers through its handler (a value, a promise, or a
 * thrown `IpcErrorPayload`, which is how Tauri rejects). Unknown commands fail loudly.
 */
export function mockCommands(handlers: Record<string, Handler>): RecordedCall[] {
  const calls: RecordedCall[] = [];
  mockIPC((command, payload) => {
    const args = (payload ?? {}) as Record<string, unknown>;
    calls.push({ command, args });
    const handler = handlers[command];
    if (!handler) throw new Error(`unexpected command ${command}`);
    return handler(args);
  });
  return calls;
}

export function rejectWith(payload: IpcErrorPayload): never {
  throw payload;
}

/** `prepare` seeds the query cache before the first render, as a parent screen would have. */
export function renderWithClient(ui: ReactElement, prepare: (client: QueryClient) => void = () => {}) {
  const client = createQueryClient();
  prepare(client);
  return { client, ...render(<QueryClientProvider client={client}>{ui}</QueryClientProvider>) };
}

export const ADA_STATUS: WorkspaceStatus = {
  profileName: 'demo',
  issuer: 'http://127.0.0.1:47474/',
  admin: {
    subject: 'ada.emea',
    displayName: 'Ada Lovelace',
    buScopes: ['EMEA'],
    capabilities: ['manage-users', 'review'],
  },
  signedIn: true,
  lastSyncAt: new Date(Date.now() - 3 * 60_000).toISOString(),
  cachedUsers: 3,
  offline: false,
  cacheLocked: false,
  cacheEncrypted: true,
};

export function user(userName: string, bu: string): UserRow {
  return {
    id: `id-${userName}`,
    userName,
    displayName: userName.replace('.', ' '),
    bu,
    type: 'employee',
    active: true,
    email: `${userName}@example.com`,
    roles: ['Exstream Content Author'],
  };
}
