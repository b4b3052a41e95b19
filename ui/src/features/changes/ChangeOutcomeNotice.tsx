import { useTranslation } from 'react-i18next';

import { PolicyRuleChip } from '../../app/ErrorNotice';
import type { ChangeOutcome } from '../../ipc';
import { describeOutcome, type OutcomeText } from './describeOutcome';

const TONE_CLASS = {
  done: 'notice',
  queued: 'notice notice--offline',
  failed: 'notice notice--error',
  conflict: 'notice notice--error',
} as const;

export function ChangeOutcomeNotice({ outcome }: { outcome: ChangeOutcome }) {
  const { t } = useTranslation();
  return <OutcomeNotice outcome={describeOutcome(outcome, t)} testId="change-outcome" />;
}

/** What a change (or a fix made of changes) did, toned by how it ended, with the refusing rule. */
export function OutcomeNotice({ outcome, testId }: { outcome: OutcomeText; testId: string }) {
  const { tone, text, rule } = outcome;
  return (
    <div className={TONE_CLASS[tone]} role="status" data-testid={testId} data-tone={tone}>
      <span>{text}</span>
      {rule && <PolicyRuleChip rule={rule} />}
    </div>
  );
}
