import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { useState, type FormEvent } from 'react';
import { useTranslation } from 'react-i18next';

import { ErrorNotice } from '../../app/ErrorNotice';
import { getStatus, startReview } from '../../ipc';
import { AUDIT_KEY } from '../changes/queryKeys';
import { STATUS_KEY } from '../users/queryKeys';
import { REVIEW_KEY } from './queryKeys';

/** The select's value for "a BU typed in", which is never a BU path itself. */
const OTHER_BU = '#other';

/** Starts a review of one business unit or of the admin's whole scope; works offline. */
export function StartReviewForm() {
  const { t } = useTranslation();
  const queryClient = useQueryClient();
  const status = useQuery({ queryKey: STATUS_KEY, queryFn: getStatus });
  const scopes = status.data?.admin?.buScopes ?? [];
  const [choice, setChoice] = useState('');
  const [otherBu, setOtherBu] = useState('');
  const start = useMutation({
    mutationFn: (bu: string | null) => startReview(bu),
    onSuccess: (view) => queryClient.setQueryData(REVIEW_KEY, view),
    onSettled: () => queryClient.invalidateQueries({ queryKey: AUDIT_KEY }),
  });
  const bu = choice === OTHER_BU ? otherBu.trim() : choice;
  const onSubmit = (event: FormEvent) => {
    event.preventDefault();
    start.mutate(bu === '' ? null : bu);
  };

  return (
    <form className="start-review" aria-labelledby="start-review-title" onSubmit={onSubmit} data-testid="start-review">
      <h2 id="start-review-title">{t('reviews.start.title')}</h2>
      <div className="toolbar">
        <label>
          {t('common.businessUnit')}
          <select value={choice} onChange={(e) => setChoice(e.target.value)}>
            <option value="">
              {scopes.length > 0
                ? t('reviews.start.wholeScopeOf', { scopes: scopes.join(', ') })
                : t('reviews.start.wholeScope')}
            </option>
            {scopes.map((scope) => (
              <option key={scope} value={scope}>
                {scope}
              </option>
            ))}
            <option value={OTHER_BU}>{t('reviews.start.otherBu')}</option>
          </select>
        </label>
        {choice === OTHER_BU && (
          <label>
            {t('reviews.start.buPath')}
            <input
              value={otherBu}
              onChange={(e) => setOtherBu(e.target.value)}
              placeholder={t('grants.form.buPlaceholder')}
              spellCheck={false}
              required
            />
          </label>
        )}
        <button type="submit" className="primary" disabled={start.isPending}>
          {start.isPending ? t('reviews.start.starting') : t('reviews.start.start')}
        </button>
      </div>
      {start.isError && <ErrorNotice error={start.error} testId="start-error" />}
    </form>
  );
}
