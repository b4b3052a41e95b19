// The only module that talks to the Tauri backend. Each function is one command of
// src-tauri/src/commands.rs, same name in camelCase; failures reject with an `IpcError`.
import { Channel, invoke } from '@tauri-apps/api/core';

import type {
  ErrorCode,
  IpcErrorPayload,
  SignInEvent,
  SyncProgress,
  SyncReport,
  UserPage,
  UserQuery,
  WorkspaceStatus,
} from './types';

export class IpcError extends Error {
  readonly code: ErrorCode;
  readonly retryable: boolean;

  constructor(payload: IpcErrorPayload) {
    super(payload.message);
    this.name = 'IpcError';
    this.code = payload.code;
    this.retryable = payload.retryable;
  }
}

function isPayload(value: unknown): value is IpcErrorPayload {
  return (
    typeof value === 'object' &&
    value !== null &&
    typeof (value as { code?: unknown }).code === 'string' &&
    typeof (value as { message?: unknown }).message === 'string'
  );
}

/** Every rejection becomes an IpcError, so screens branch on `code` and never parse text. */
export function toIpcError(reason: unknown): IpcError {
  if (reason instanceof IpcError) return reason;
  if (isPayload(reason)) {
    return new IpcError({ code: reason.code, message: reason.message, retryable: reason.retryable === true });
  }
  const message = reason instanceof Error ? reason.message : String(reason);
  return new IpcError({ code: 'failure', message, retryable: false });
}

async function call<T>(command: string, args?: Record<string, unknown>): Promise<T> {
  try {
    return await invoke<T>(command, args);
  } catch (reason) {
    throw toIpcError(reason);
  }
}

/** Reopens the workspace used last time and restores its session; null when there is none. */
export function resumeWorkspace(): Promise<WorkspaceStatus | null> {
  return call('resume_workspace');
}

export function openDemoWorkspace(): Promise<WorkspaceStatus> {
  return call('open_demo_workspace');
}

export function openProfileWorkspace(path: string): Promise<WorkspaceStatus> {
  return call('open_profile_workspace', { path });
}

export function signIn(onEvent: (event: SignInEvent) => void): Promise<WorkspaceStatus> {
  const events = new Channel<SignInEvent>(onEvent);
  return call('sign_in', { events });
}

export function signOut(): Promise<void> {
  return call('sign_out');
}

export function getStatus(): Promise<WorkspaceStatus | null> {
  return call('get_status');
}

export function syncDirectory(onProgress: (progress: SyncProgress) => void): Promise<SyncReport> {
  const progress = new Channel<SyncProgress>(onProgress);
  return call('sync_directory', { progress });
}

export function listUsers(query: UserQuery): Promise<UserPage> {
  return call('list_users', { query });
}
