import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { useState } from 'react';
import { useTranslation } from 'react-i18next';

import { ErrorNotice } from '../../app/ErrorNotice';
import { QueryState } from '../../app/QueryState';
import { getReview, submitReview, type Submission } from '../../ipc';
import { CHANGED_BY_A_CHANGE } from '../changes/useChange';
import { LastReview } from './LastReview';
import { OpenReview } from './OpenReview';
import { REVIEW_KEY } from './queryKeys';
import { StartReviewForm } from './StartReviewForm';
import { SubmissionSummary } from './SubmissionSummary';

interface ReviewsScreenProps {
  /** Shows the Outbox screen, where conflicts a submission ran into are resolved. */
  onOpenOutbox: () => void;
}

/**
 * Access reviews: start one, decide its items (each decision is saved at once, offline too),
 * submit it. The core keeps the state, so reopening the app shows the same progress.
 */
export function ReviewsScreen({ onOpenOutbox }: ReviewsScreenProps) {
  const { t } = useTranslation();
  const queryClient = useQueryClient();
  const review = useQuery({ queryKey: REVIEW_KEY, queryFn: getReview });
  // Kept here, not in the open review's view: the review is closed once this arrives.
  const [submission, setSubmission] = useState<Submission | null>(null);
  const submit = useMutation({
    mutationFn: submitReview,
    onMutate: () => setSubmission(null),
    onSuccess: setSubmission,
    onSettled: async () => {
      // Submitting queues changes, pushes them and writes audit entries: every read may be stale.
      await Promise.all(
        [REVIEW_KEY, ...CHANGED_BY_A_CHANGE].map((queryKey) => queryClient.invalidateQueries({ queryKey })),
      );
    },
  });

  return (
    <section className="screen reviews-screen" aria-labelledby="reviews-title" data-testid="reviews-screen">
      <h1 id="reviews-title">{t('reviews.title')}</h1>
      {submission && <SubmissionSummary submission={submission} onOpenOutbox={onOpenOutbox} />}
      {submit.isError && <ErrorNotice error={submit.error} testId="submit-error" />}
      <QueryState query={review} name="reviews" loading={t('reviews.loading')}>
        {(view) =>
          view?.review.open ? (
            <OpenReview view={view} submitting={submit.isPending} onSubmit={() => submit.mutate()} />
          ) : (
            <>
              <StartReviewForm />
              {view ? (
                <LastReview view={view} />
              ) : (
                <div className="table-state" data-testid="reviews-none">
                  {t('reviews.none')}
                </div>
              )}
            </>
          )
        }
      </QueryState>
    </section>
  );
}
