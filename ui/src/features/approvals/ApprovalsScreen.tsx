import { useQuery } from '@tanstack/react-query';
import { useTranslation } from 'react-i18next';

import { ErrorNotice, PolicyRuleChip } from '../../app/ErrorNotice';
import { useFormatters } from '../../app/i18n/format';
import { QueryState } from '../../app/QueryState';
import { approveGrant, getStatus, listGrants, rejectGrant, type AdminContext, type Grant, type GrantQuery } from '../../ipc';
import { ChangeOutcomeNotice } from '../changes/ChangeOutcomeNotice';
import { GRANTS_KEY } from '../changes/queryKeys';
import { useChange } from '../changes/useChange';
import { STATUS_KEY } from '../users/queryKeys';
import { isOwnRequest } from './fourEyes';

const PENDING: GrantQuery = { status: 'pending' };

/**
 * The grants waiting for a second admin. The shell shows this section only to admins with
 * `approve-grants`; reached another way (the palette lists every section), it says what is missing.
 */
export function ApprovalsScreen() {
  const { t } = useTranslation();
  const status = useQuery({ queryKey: STATUS_KEY, queryFn: getStatus });
  const admin = status.data?.admin ?? null;
  const canApprove = admin?.capabilities.includes('approve-grants') === true;
  // Under GRANTS_KEY, so a decision made here or on the Grants screen refreshes the inbox.
  const pending = useQuery({ queryKey: [...GRANTS_KEY, PENDING], queryFn: () => listGrants(PENDING), enabled: canApprove });
  const change = useChange();

  return (
    <section className="screen approvals-screen" aria-labelledby="approvals-title" data-testid="approvals-screen">
      <h1 id="approvals-title">{t('approvals.title')}</h1>
      {status.data?.offline && (
        <div className="notice notice--offline" role="status" data-testid="approvals-offline">
          {t('approvals.offline')}
        </div>
      )}
      {status.isError && <ErrorNotice error={status.error} testId="approvals-status-error" />}
      {status.isSuccess && !canApprove && (
        <p className="notice" data-testid="approvals-not-allowed">
          {t('approvals.notAllowed')}
        </p>
      )}
      {change.error !== null && <ErrorNotice error={change.error} testId="change-error" />}
      {change.outcome && <ChangeOutcomeNotice outcome={change.outcome} />}
      {admin && canApprove && (
        <QueryState
          query={pending}
          name="approvals"
          loading={t('approvals.loading')}
          isEmpty={(data) => data.length === 0}
          empty={t('approvals.empty')}
        >
          {(data) => (
            <ul className="role-list" aria-label={t('approvals.list')} data-testid="approvals-list">
              {data.map((grant) => (
                <PendingGrant
                  key={grant.id}
                  grant={grant}
                  admin={admin}
                  busy={change.busy}
                  onApprove={() => change.run(() => approveGrant(grant.id))}
                  onReject={() => change.run(() => rejectGrant(grant.id))}
                />
              ))}
            </ul>
          )}
        </QueryState>
      )}
    </section>
  );
}

interface PendingGrantProps {
  grant: Grant;
  admin: AdminContext;
  busy: boolean;
  onApprove: () => void;
  onReject: () => void;
}

function PendingGrant({ grant, admin, busy, onApprove, onReject }: PendingGrantProps) {
  const { t } = useTranslation();
  const format = useFormatters();
  const own = isOwnRequest(grant, admin);
  const name = t('common.roleFor', { role: grant.role, user: grant.user });
  const ruleId = `four-eyes-${grant.id}`;
  return (
    <li className="issue-grant" data-testid="approval" data-grant-id={grant.id} aria-label={name}>
      <dl className="attributes">
        <dt>{t('grants.requestedBy')}</dt>
        <dd data-testid="approval-requester">{grant.requester}</dd>
        <dt>{t('common.user')}</dt>
        <dd className="mono">{grant.user}</dd>
        <dt>{t('common.role')}</dt>
        <dd>{grant.role}</dd>
        <dt>{t('common.businessUnit')}</dt>
        <dd>{grant.bu}</dd>
        <dt>{t('approvals.window')}</dt>
        <dd data-testid="approval-window">
          {t('approvals.windowRange', { from: format.dateTime(grant.validFrom), until: format.dateTime(grant.validUntil) })}
        </dd>
        <dt>{t('grants.form.justification')}</dt>
        <dd data-testid="approval-justification">{grant.justification}</dd>
      </dl>
      <div className="row-actions">
        <button
          type="button"
          className="primary"
          disabled={busy || own}
          aria-label={t('grants.approveLabel', { grant: name })}
          aria-describedby={own ? ruleId : undefined}
          onClick={onApprove}
        >
          {t('grants.approve')}
        </button>
        <button
          type="button"
          disabled={busy || own}
          aria-label={t('grants.rejectLabel', { grant: name })}
          aria-describedby={own ? ruleId : undefined}
          onClick={onReject}
        >
          {t('grants.reject')}
        </button>
      </div>
      {own && (
        <p className="muted small" id={ruleId} data-testid="four-eyes-rule">
          <PolicyRuleChip rule="four-eyes" /> {t('approvals.fourEyes')}
        </p>
      )}
    </li>
  );
}
