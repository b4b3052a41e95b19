import type { TFunction } from 'i18next';

import type { FixOutcome } from '../../ipc';
import type { OutcomeText } from '../changes/describeOutcome';

/** What fixing a finding did, in one sentence: the worst state among its changes wins. */
export function describeFix(outcome: FixOutcome, t: TFunction): OutcomeText {
  const { entries } = outcome;
  const changes = t('hygiene.changes', { count: entries.length });
  const failed = entries.find((e) => e.state === 'failed');
  if (failed) {
    return {
      tone: 'failed',
      text: t('outcome.failed', { what: `${failed.action} ${failed.target}`, error: failed.lastError ?? '' }).trim(),
      ...(failed.rule ? { rule: failed.rule } : {}),
    };
  }
  if (entries.some((e) => e.state === 'conflict')) {
    return { tone: 'conflict', text: t('hygiene.conflict') };
  }
  if (entries.some((e) => e.state === 'queued' || e.state === 'sending')) {
    return {
      tone: 'queued',
      text: outcome.notSent
        ? t('hygiene.queuedNotSent', { changes, reason: outcome.notSent })
        : t('hygiene.queued', { changes }),
    };
  }
  return { tone: 'done', text: t('hygiene.fixed', { changes }) };
}
