import { useMutation } from '@tanstack/react-query';

import { ErrorNotice } from '../../app/ErrorNotice';
import { exportReview, type ReviewReportFormat, type ReviewView } from '../../ipc';
import { offerDownload } from '../audit/offerDownload';
import { progressOf } from './reviewItems';

const MIME: Record<ReviewReportFormat, string> = { csv: 'text/csv', json: 'application/json' };

/** The last submitted review: what was decided, what became of it, and its report for download. */
export function LastReview({ view }: { view: ReviewView }) {
  const { review, items } = view;
  const progress = progressOf(items);
  const outcomes = new Map<string, number>();
  for (const item of items) {
    // "refused: <reason>" is counted as refused; the report has each reason.
    const outcome = item.outcome?.startsWith('refused') ? 'refused' : item.outcome;
    if (outcome) outcomes.set(outcome, (outcomes.get(outcome) ?? 0) + 1);
  }
  const download = useMutation({
    mutationFn: async (format: ReviewReportFormat) => {
      const text = await exportReview(format);
      offerDownload(text, `bailiwick-review-${review.id}.${format}`, MIME[format]);
    },
  });

  return (
    <article className="last-review" aria-labelledby="last-review-title" data-testid="last-review">
      <h2 id="last-review-title">Last review</h2>
      <p data-testid="last-review-summary">
        Review {review.id} of {review.bu ?? 'the whole scope'}, started by {review.startedBy} on{' '}
        {review.startedAt.slice(0, 10)}
        {review.submittedAt ? `, submitted on ${review.submittedAt.slice(0, 10)}` : ''}: {progress.total} items,{' '}
        {progress.keep} kept, {progress.revoke} revoked, {progress.shorten} shortened,{' '}
        {progress.total - progress.decided} undecided.
      </p>
      {outcomes.size > 0 && (
        <p data-testid="last-review-outcomes">
          Outcomes:{' '}
          {[...outcomes].map(([outcome, count]) => (
            <span key={outcome} className={`chip chip--${outcome}`}>
              {count} {outcome}
            </span>
          ))}
        </p>
      )}
      <div className="toolbar">
        <button type="button" onClick={() => download.mutate('csv')} disabled={download.isPending}>
          Export report (CSV)
        </button>
        <button type="button" onClick={() => download.mutate('json')} disabled={download.isPending}>
          Export report (JSON)
        </button>
      </div>
      {download.isError && <ErrorNotice error={download.error} testId="review-export-error" />}
    </article>
  );
}
