import { useTranslation } from 'react-i18next';

import type { RoleView } from '../../ipc';

/** What the catalog allows for a role, shown before the admin issues a grant of it. */
export function RolePolicy({ role }: { role: RoleView }) {
  const { t } = useTranslation();
  return (
    <dl className="role-policy small" data-testid="role-policy" aria-label={t('grants.policy.label', { role: role.name })}>
      <dt>{t('grants.policy.maxDays')}</dt>
      <dd data-testid="policy-max-days">{role.max_grant_days}</dd>
      <dt>{t('grants.policy.partners')}</dt>
      <dd data-testid="policy-partner">
        {role.partner_allowed ? t('grants.policy.allowed') : t('grants.policy.notAllowed')}
      </dd>
      <dt>{t('grants.policy.approval')}</dt>
      <dd data-testid="policy-approval">
        {role.needs_approval ? t('grants.policy.fourEyes') : t('grants.policy.notNeeded')}
      </dd>
      <dt>{t('grants.policy.sensitivity')}</dt>
      <dd>{t(`grants.policy.level.${role.sensitivity}`)}</dd>
    </dl>
  );
}
