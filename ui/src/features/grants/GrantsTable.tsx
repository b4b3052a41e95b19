import { useQuery } from '@tanstack/react-query';
import { useState } from 'react';
import { useTranslation } from 'react-i18next';

import { PolicyRuleChip } from '../../app/ErrorNotice';
import { useFormatters } from '../../app/i18n/format';
import { getStatus, type AdminContext, type Grant } from '../../ipc';
import { decisionRule } from '../approvals/fourEyes';
import { STATUS_KEY } from '../users/queryKeys';
import { addDays, dayOf, startOfDay } from './grantDates';

export interface GrantActions {
  onExtend: (grant: Grant, validUntil: string) => void;
  onRevoke: (grant: Grant) => void;
  onApprove: (grant: Grant) => void;
  onReject: (grant: Grant) => void;
}

interface GrantsTableProps extends GrantActions {
  grants: Grant[];
  busy: boolean;
  /** The user column is left out where the table lists one user's grants. */
  showUser?: boolean;
}

export function GrantsTable({ grants, busy, showUser = true, ...actions }: GrantsTableProps) {
  const { t } = useTranslation();
  // Who is signed in decides which pending grants they may approve or reject.
  const admin = useQuery({ queryKey: STATUS_KEY, queryFn: getStatus }).data?.admin;
  return (
    <table className="grants-table" aria-label={t('grants.table')} data-testid="grants-table">
      <thead>
        <tr>
          {showUser && <th scope="col">{t('common.user')}</th>}
          <th scope="col">{t('common.role')}</th>
          <th scope="col">{t('common.businessUnit')}</th>
          <th scope="col">{t('common.from')}</th>
          <th scope="col">{t('common.until')}</th>
          <th scope="col">{t('common.status')}</th>
          <th scope="col">{t('grants.requestedBy')}</th>
          <th scope="col">{t('grants.actions')}</th>
        </tr>
      </thead>
      <tbody>
        {grants.map((grant) => (
          <GrantRow key={grant.id} grant={grant} busy={busy} showUser={showUser} admin={admin} {...actions} />
        ))}
      </tbody>
    </table>
  );
}

interface GrantRowProps extends GrantActions {
  grant: Grant;
  busy: boolean;
  showUser: boolean;
  admin: AdminContext | null | undefined;
}

function GrantRow({ grant, busy, showUser, admin, onExtend, onRevoke, onApprove, onReject }: GrantRowProps) {
  const { t } = useTranslation();
  const format = useFormatters();
  const [extending, setExtending] = useState(false);
  const [until, setUntil] = useState(() => dayOf(addDays(new Date(grant.validUntil), 7)));
  const open = grant.status === 'pending' || grant.status === 'active';
  const name = t('common.roleFor', { role: grant.role, user: grant.user });
  return (
    <tr data-testid="grant-row" data-grant-id={grant.id} data-status={grant.status}>
      {showUser && <td className="mono">{grant.user}</td>}
      <td>{grant.role}</td>
      <td>{grant.bu}</td>
      <td title={grant.validFrom}>{format.dateTime(grant.validFrom)}</td>
      <td title={grant.validUntil}>{format.dateTime(grant.validUntil)}</td>
      <td>
        <span className={`chip chip--${grant.status}`}>{t(`grants.status.${grant.status}`)}</span>
      </td>
      <td>{grant.requester}</td>
      <td className="row-actions">
        {open && !extending && (
          <button type="button" disabled={busy} aria-label={t('grants.extendLabel', { grant: name })} onClick={() => setExtending(true)}>
            {t('grants.extend')}
          </button>
        )}
        {open && extending && (
          <>
            <input
              type="date"
              aria-label={t('grants.newEnd', { grant: name })}
              value={until}
              onChange={(e) => setUntil(e.target.value)}
            />
            <button
              type="button"
              className="primary"
              disabled={busy || until === ''}
              aria-label={t('grants.confirmExtend', { grant: name })}
              onClick={() => {
                setExtending(false);
                onExtend(grant, startOfDay(until));
              }}
            >
              {t('grants.extendToDay')}
            </button>
            <button type="button" aria-label={t('grants.cancelExtend', { grant: name })} onClick={() => setExtending(false)}>
              {t('common.cancel')}
            </button>
          </>
        )}
        {open && (
          <button type="button" disabled={busy} aria-label={t('grants.revokeLabel', { grant: name })} onClick={() => onRevoke(grant)}>
            {t('grants.revoke')}
          </button>
        )}
        {grant.status === 'pending' && <DecisionButtons grant={grant} name={name} busy={busy} admin={admin} onApprove={onApprove} onReject={onReject} />}
      </td>
    </tr>
  );
}

interface DecisionButtonsProps {
  grant: Grant;
  name: string;
  busy: boolean;
  admin: AdminContext | null | undefined;
  onApprove: (grant: Grant) => void;
  onReject: (grant: Grant) => void;
}

/** Approve and Reject, disabled with the rule when policy forbids this admin to decide. */
function DecisionButtons({ grant, name, busy, admin, onApprove, onReject }: DecisionButtonsProps) {
  const { t } = useTranslation();
  const rule = decisionRule(grant, admin);
  const message = rule === 'capability' ? t('approvals.notAllowed') : rule === 'four-eyes' ? t('approvals.fourEyes') : null;
  const ruleId = `decision-rule-${grant.id}`;
  const blocked = { disabled: busy || rule !== null, 'aria-describedby': rule ? ruleId : undefined, title: message ?? undefined };
  return (
    <>
      <button type="button" {...blocked} aria-label={t('grants.approveLabel', { grant: name })} onClick={() => onApprove(grant)}>
        {t('grants.approve')}
      </button>
      <button type="button" {...blocked} aria-label={t('grants.rejectLabel', { grant: name })} onClick={() => onReject(grant)}>
        {t('grants.reject')}
      </button>
      {rule && (
        <p className="muted small" id={ruleId} data-testid="decision-rule">
          <PolicyRuleChip rule={rule} /> {message}
        </p>
      )}
    </>
  );
}
