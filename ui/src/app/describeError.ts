import type { TFunction } from 'i18next';

import { IpcError, toIpcError } from '../ipc';

export interface ErrorText {
  title: string;
  detail: string;
  /** The policy rule that refused the action, shown by name next to the detail (which has the remedy). */
  rule?: string;
}

/**
 * Turns a failed command into words a regional admin can act on. The title is ours and
 * translated; the core's message stays as the detail, in the words the core chose.
 */
export function describeError(reason: unknown, t: TFunction): ErrorText {
  const error: IpcError = toIpcError(reason);
  switch (error.code) {
    case 'offline':
      return { title: t('errors.offlineTitle'), detail: t('errors.offlineDetail', { message: error.message }) };
    case 'sign-in-needed':
      return { title: t('errors.signInNeeded'), detail: error.message };
    case 'refused':
      return error.rule
        ? { title: t('errors.refusedByRule', { rule: error.rule }), detail: error.message, rule: error.rule }
        : { title: t('errors.refused'), detail: error.message };
    case 'conflict':
      return { title: t('errors.conflict'), detail: error.message };
    case 'usage':
      return { title: t('errors.usage'), detail: error.message };
    case 'failure':
      return { title: t('errors.failure'), detail: error.message };
  }
}
