import type { Submission } from '../../ipc';

interface SubmissionSummaryProps {
  submission: Submission;
  onOpenOutbox: () => void;
}

/** What submitting did: the decisions recorded, then what the push made of them (absent offline). */
export function SubmissionSummary({ submission, onOpenOutbox }: SubmissionSummaryProps) {
  const { push } = submission;
  return (
    <div className="notice" role="status" data-testid="submission">
      <strong>Review {submission.review} submitted.</strong>
      <span data-testid="submission-counts">
        {submission.kept} kept, {submission.queued} changes queued, {submission.refused} refused by policy,{' '}
        {submission.undecided} undecided.
      </span>
      {push ? (
        <span data-testid="submission-push">
          Sent: {push.applied} applied, {push.failed} failed, {push.conflicts} conflicts, {push.remaining} still
          queued.{push.stopped ? ` Stopped early: ${push.stopped}` : ''}
        </span>
      ) : (
        <span data-testid="submission-push">
          Offline: the changes wait in the outbox and are sent when the IAM can be reached.
        </span>
      )}
      {(push === undefined ? submission.queued > 0 : push.conflicts > 0 || push.failed > 0) && (
        <span>
          <button type="button" className="link" onClick={onOpenOutbox}>
            {push && push.conflicts > 0 ? 'Resolve the conflicts in the Outbox' : 'Open the Outbox'}
          </button>
        </span>
      )}
      {submission.refused > 0 && (
        <span>The refused decisions and their reasons are in the review report.</span>
      )}
    </div>
  );
}
