import type { ChangeOutcome } from '../../ipc';

export type OutcomeTone = 'done' | 'queued' | 'failed' | 'conflict';

export interface OutcomeText {
  tone: OutcomeTone;
  text: string;
  /** The rule the directory named when it refused the change. */
  rule?: string;
}

/** What a change command's outcome means for the admin, in one sentence. */
export function describeOutcome(outcome: ChangeOutcome): OutcomeText {
  const { entry } = outcome;
  const what = `${entry.action} ${entry.target}`;
  switch (entry.state) {
    case 'done':
    case 'cancelled':
      return {
        tone: 'done',
        text: outcome.needsApproval
          ? `Done: ${what}. It waits for a second admin's approval (four eyes).`
          : `Done: ${what}.`,
      };
    case 'queued':
    case 'sending':
      return {
        tone: 'queued',
        text: outcome.notSent
          ? `Queued, will be sent when the IAM can be reached: ${what}. (${outcome.notSent})`
          : `Queued, not sent yet: ${what}${entry.lastError ? ` (${entry.lastError})` : ''}.`,
      };
    case 'failed':
      return {
        tone: 'failed',
        text: `Failed: ${what}. ${entry.lastError ?? ''}`.trim(),
        ...(entry.rule ? { rule: entry.rule } : {}),
      };
    case 'conflict':
      return {
        tone: 'conflict',
        text: `Conflict: ${what}. The directory changed since; resolve it in Outbox.`,
      };
  }
}
