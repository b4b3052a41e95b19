import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { useState } from 'react';

import { ErrorNotice } from '../../app/ErrorNotice';
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
      <h1 id="reviews-title">Access reviews</h1>
      {submission && <SubmissionSummary submission={submission} onOpenOutbox={onOpenOutbox} />}
      {submit.isError && <ErrorNotice error={submit.error} testId="submit-error" />}
      {review.isPending ? (
        <div className="table-state" data-testid="reviews-loading" aria-busy="true">
          Loading the review…
        </div>
      ) : review.isError ? (
        <ErrorNotice error={review.error} testId="reviews-error" />
      ) : review.data?.review.open ? (
        <OpenReview view={review.data} submitting={submit.isPending} onSubmit={() => submit.mutate()} />
      ) : (
        <>
          <StartReviewForm />
          {review.data ? (
            <LastReview view={review.data} />
          ) : (
            <div className="table-state" data-testid="reviews-none">
              No access review yet. A review lists every role assignment and grant of the business units you
              choose, so you can keep, revoke or shorten each one.
            </div>
          )}
        </>
      )}
    </section>
  );
}
