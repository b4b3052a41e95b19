import { useTranslation } from 'react-i18next';

import { describeError } from './describeError';

interface ErrorNoticeProps {
  error: unknown;
  testId?: string;
}

export function ErrorNotice({ error, testId = 'error' }: ErrorNoticeProps) {
  const { t } = useTranslation();
  const { title, detail, rule } = describeError(error, t);
  return (
    <div className="notice notice--error" role="alert" data-testid={testId}>
      <strong>{title}</strong>
      {rule && <PolicyRuleChip rule={rule} />}
      <span>{detail}</span>
    </div>
  );
}

/** The rule that refused a change, by name (the notice beside it has the remedy). */
export function PolicyRuleChip({ rule }: { rule: string }) {
  const { t } = useTranslation();
  return (
    <span className="chip" data-testid="refusal-rule" aria-label={t('common.policyRule')}>
      {rule}
    </span>
  );
}
