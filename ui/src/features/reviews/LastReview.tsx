import { useMutation } from '@tanstack/react-query';
import { useTranslation } from 'react-i18next';

import { ErrorNotice } from '../../app/ErrorNotice';
import { useFormatters } from '../../app/i18n/format';
import { exportReview, type ReviewReportFormat, type ReviewView } from '../../ipc';
import { offerDownload } from '../audit/offerDownload';
import { progressOf } from './reviewItems';

const MIME: Record<ReviewReportFormat, string> = { csv: 'text/csv', json: 'application/json' };

/** The last submitted review: what was decided, what became of it, and its report for download. */
export function LastReview({ view }: { view: ReviewView }) {
  const { t } = useTranslation();
  const format = useFormatters();
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
      <h2 id="last-review-title">{t('reviews.last.title')}</h2>
      <p data-testid="last-review-summary">
        {t('reviews.last.started', {
          id: review.id,
          bu: review.bu ?? t('reviews.last.wholeScope'),
          by: review.startedBy,
          date: format.date(review.startedAt),
        })}
        {review.submittedAt ? t('reviews.last.submittedOn', { date: format.date(review.submittedAt) }) : ''}
        {t('reviews.last.counts', {
          total: progress.total,
          keep: progress.keep,
          revoke: progress.revoke,
          shorten: progress.shorten,
          undecided: progress.total - progress.decided,
        })}
      </p>
      {outcomes.size > 0 && (
        <p data-testid="last-review-outcomes">
          {t('reviews.last.outcomes')}{' '}
          {[...outcomes].map(([outcome, count]) => (
            <span key={outcome} className={`chip chip--${outcome}`}>
              {t('reviews.last.outcome', { count, outcome })}
            </span>
          ))}
        </p>
      )}
      <div className="toolbar">
        <button type="button" onClick={() => download.mutate('csv')} disabled={download.isPending}>
          {t('reviews.last.exportCsv')}
        </button>
        <button type="button" onClick={() => download.mutate('json')} disabled={download.isPending}>
          {t('reviews.last.exportJson')}
        </button>
      </div>
      {download.isError && <ErrorNotice error={download.error} testId="review-export-error" />}
    </article>
  );
}
