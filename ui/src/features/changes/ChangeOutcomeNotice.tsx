import type { ChangeOutcome } from '../../ipc';
import { describeOutcome } from './describeOutcome';

const TONE_CLASS = {
  done: 'notice',
  queued: 'notice notice--offline',
  failed: 'notice notice--error',
  conflict: 'notice notice--error',
} as const;

export function ChangeOutcomeNotice({ outcome }: { outcome: ChangeOutcome }) {
  const { tone, text, rule } = describeOutcome(outcome);
  return (
    <div className={TONE_CLASS[tone]} role="status" data-testid="change-outcome" data-tone={tone}>
      <span>{text}</span>
      {rule && (
        <span className="chip" data-testid="refusal-rule" aria-label="Policy rule">
          {rule}
        </span>
      )}
    </div>
  );
}
