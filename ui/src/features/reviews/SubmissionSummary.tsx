import { useTranslation } from 'react-i18next';

import type { Submission } from '../../ipc';
import { PushReportText } from '../changes/PushReportText';

interface SubmissionSummaryProps {
  submission: Submission;
  onOpenOutbox: () => void;
}

/** What submitting did: the decisions recorded, then what the push made of them (absent offline). */
export function SubmissionSummary({ submission, onOpenOutbox }: SubmissionSummaryProps) {
  const { t } = useTranslation();
  const { push } = submission;
  return (
    <div className="notice" role="status" data-testid="submission">
      <strong>{t('reviews.submission.submitted', { id: submission.review })}</strong>
      <span data-testid="submission-counts">
        {t('reviews.submission.counts', {
          kept: submission.kept,
          queued: submission.queued,
          refused: submission.refused,
          undecided: submission.undecided,
        })}
      </span>
      {push ? (
        <span data-testid="submission-push">
          <PushReportText report={push} />
        </span>
      ) : (
        <span data-testid="submission-push">
          {t('reviews.submission.offline')}
        </span>
      )}
      {(push === undefined ? submission.queued > 0 : push.conflicts > 0 || push.failed > 0) && (
        <span>
          <button type="button" className="link" onClick={onOpenOutbox}>
            {push && push.conflicts > 0 ? t('reviews.submission.resolveConflicts') : t('reviews.submission.openOutbox')}
          </button>
        </span>
      )}
      {submission.refused > 0 && (
        <span>{t('reviews.submission.refusedNote')}</span>
      )}
    </div>
  );
}
