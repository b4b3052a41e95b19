import type { TFunction } from 'i18next';

import type { ChangeOutcome } from '../../ipc';
import { describeOperation } from './describeOperation';

export type OutcomeTone = 'done' | 'queued' | 'failed' | 'conflict';

export interface OutcomeText {
  tone: OutcomeTone;
  text: string;
  /** The rule the directory named when it refused the change. */
  rule?: string;
}

/** What a change command's outcome means for the admin, in one sentence. */
export function describeOutcome(outcome: ChangeOutcome, t: TFunction): OutcomeText {
  const { entry } = outcome;
  const what = describeOperation(entry.operation, t);
  switch (entry.state) {
    case 'done':
    case 'cancelled':
      return {
        tone: 'done',
        text: outcome.needsApproval ? t('outcome.doneNeedsApproval', { what }) : t('outcome.done', { what }),
      };
    case 'queued':
    case 'sending':
      return {
        tone: 'queued',
        text: outcome.notSent
          ? t('outcome.queuedNotSent', { what, reason: outcome.notSent })
          : entry.lastError
            ? t('outcome.queuedWithError', { what, error: entry.lastError })
            : t('outcome.queued', { what }),
      };
    case 'failed':
      return {
        tone: 'failed',
        text: t('outcome.failed', { what, error: entry.lastError ?? '' }).trim(),
        ...(entry.rule ? { rule: entry.rule } : {}),
      };
    case 'conflict':
      return {
        tone: 'conflict',
        text: t('outcome.conflict', { what }),
      };
  }
}
