import type { FixOutcome } from '../../ipc';
import type { OutcomeText } from '../changes/describeOutcome';

/** What fixing a finding did, in one sentence: the worst state among its changes wins. */
export function describeFix(outcome: FixOutcome): OutcomeText {
  const { entries } = outcome;
  const count = `${entries.length} change${entries.length === 1 ? '' : 's'}`;
  const failed = entries.find((e) => e.state === 'failed');
  if (failed) {
    return {
      tone: 'failed',
      text: `Failed: ${failed.action} ${failed.target}. ${failed.lastError ?? ''}`.trim(),
      ...(failed.rule ? { rule: failed.rule } : {}),
    };
  }
  if (entries.some((e) => e.state === 'conflict')) {
    return { tone: 'conflict', text: 'Conflict: the directory changed since; resolve it in Outbox.' };
  }
  if (entries.some((e) => e.state === 'queued' || e.state === 'sending')) {
    return {
      tone: 'queued',
      text: outcome.notSent
        ? `Queued ${count}, will be sent when the IAM can be reached. (${outcome.notSent})`
        : `Queued ${count}, not sent yet.`,
    };
  }
  return { tone: 'done', text: `Fixed: ${count} done.` };
}
