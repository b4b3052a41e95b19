import { IpcError, toIpcError } from '../ipc';

export interface ErrorText {
  title: string;
  detail: string;
  /** The policy rule that refused the action, shown by name next to the detail (which has the remedy). */
  rule?: string;
}

/** Turns a failed command into words a regional admin can act on; the core's message stays as the detail. */
export function describeError(reason: unknown): ErrorText {
  const error: IpcError = toIpcError(reason);
  switch (error.code) {
    case 'offline':
      return { title: 'The IAM cannot be reached', detail: `${error.message}. Cached data stays available; try again when you are back online.` };
    case 'sign-in-needed':
      return { title: 'Please sign in again', detail: error.message };
    case 'refused':
      return error.rule
        ? { title: `Refused by policy: rule ${error.rule}`, detail: error.message, rule: error.rule }
        : { title: 'Refused by the IAM or by policy', detail: error.message };
    case 'conflict':
      return { title: 'Someone else changed this first', detail: error.message };
    case 'usage':
      return { title: 'That did not work', detail: error.message };
    case 'failure':
      return { title: 'Something went wrong', detail: error.message };
  }
}
