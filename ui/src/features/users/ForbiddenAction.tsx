import { useTranslation } from 'react-i18next';

import { PolicyRuleChip } from '../../app/ErrorNotice';
import type { Permission } from '../../ipc';

/**
 * Why an action on this user is forbidden, shown beside its disabled control: the rule by name,
 * what it says and what would allow the action. Nothing when the action is allowed.
 */
export function ForbiddenAction({ id, action, permission }: { id: string; action: string; permission?: Permission | null }) {
  const { t } = useTranslation();
  const refusal = permission?.refusal;
  if (!refusal) return null;
  return (
    <p className="policy-note" id={id} data-testid="forbidden-action">
      {t('userDetail.forbidden', { action })} <PolicyRuleChip rule={refusal.rule} /> {refusal.message}. {refusal.remedy}
    </p>
  );
}

/** Whether policy forbids the action (unknown permissions leave the server to decide). */
export function isForbidden(permission?: Permission | null): boolean {
  return permission?.allowed === false;
}
