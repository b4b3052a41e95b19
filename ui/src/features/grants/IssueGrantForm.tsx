import { useQuery } from '@tanstack/react-query';
import { useState, type FormEvent } from 'react';
import { useTranslation } from 'react-i18next';

import { ErrorNotice } from '../../app/ErrorNotice';
import { listRoles, type GrantRequest, type RoleActions } from '../../ipc';
import { ForbiddenAction, isForbidden } from '../users/ForbiddenAction';
import { ROLES_KEY } from '../changes/queryKeys';
import { addDays, dayOf, daysBetween, startOfDay } from './grantDates';
import { RolePolicy } from './RolePolicy';

interface IssueGrantFormProps {
  /** The user the grant is for, when the form is opened from their detail; else the admin types it. */
  user?: string;
  /** The BU to start from (the user's). */
  bu?: string;
  /** What policy allows for this user on each role (from the user detail): a role whose grant is forbidden is shown disabled, with its rule. */
  grantable?: RoleActions[];
  busy: boolean;
  onIssue: (request: GrantRequest) => void;
  /** Today, passed in so tests do not depend on the clock. */
  today?: Date;
}

/** Default length of a new grant: a month, or the role's maximum when that is shorter. */
const DEFAULT_DAYS = 30;

export function IssueGrantForm({
  user: fixedUser,
  bu: initialBu = '',
  grantable,
  busy,
  onIssue,
  today = new Date(),
}: IssueGrantFormProps) {
  const { t } = useTranslation();
  const roles = useQuery({ queryKey: ROLES_KEY, queryFn: listRoles });
  const [user, setUser] = useState(fixedUser ?? '');
  const [roleName, setRoleName] = useState('');
  const [bu, setBu] = useState(initialBu);
  const [from, setFrom] = useState(dayOf(today));
  const [until, setUntil] = useState(dayOf(addDays(today, DEFAULT_DAYS)));
  const [justification, setJustification] = useState('');
  const role = roles.data?.find((r) => r.name === roleName);
  const days = daysBetween(from, until);
  const tooLong = role !== undefined && days > role.max_grant_days;
  const grantOf = (name: string) => grantable?.find((g) => g.role.toLowerCase() === name.toLowerCase())?.issueGrant;
  const chosen = grantOf(roleName);

  const submit = (event: FormEvent) => {
    event.preventDefault();
    onIssue({
      user: user.trim(),
      role: roleName,
      bu: bu.trim(),
      validFrom: startOfDay(from),
      validUntil: startOfDay(until),
      justification: justification.trim(),
    });
  };

  const complete = user.trim() !== '' && roleName !== '' && bu.trim() !== '' && justification.trim() !== '' && days > 0;

  return (
    <form className="issue-grant" aria-label={t('grants.form.label')} data-testid="issue-grant-form" onSubmit={submit}>
      {fixedUser === undefined && (
        <label>
          {t('common.user')}
          <input value={user} onChange={(e) => setUser(e.target.value)} autoComplete="off" spellCheck={false} />
        </label>
      )}
      <label>
        {t('common.role')}
        <select value={roleName} onChange={(e) => setRoleName(e.target.value)} disabled={!roles.data}>
          <option value="">{roles.isPending ? t('common.loadingRoles') : t('common.chooseRole')}</option>
          {roles.data?.map((r) => {
            const refusal = grantOf(r.name)?.refusal;
            return (
              <option key={r.name} value={r.name}>
                {refusal ? t('userDetail.roleForbidden', { role: r.name, rule: refusal.rule }) : r.name}
              </option>
            );
          })}
        </select>
      </label>
      {roles.isError && <ErrorNotice error={roles.error} testId="roles-error" />}
      <ForbiddenAction id="issue-grant-forbidden" action={t('grants.form.issue')} permission={chosen} />
      {role && <RolePolicy role={role} />}
      <label>
        {t('common.businessUnit')}
        <input
          value={bu}
          onChange={(e) => setBu(e.target.value)}
          placeholder={t('grants.form.buPlaceholder')}
          spellCheck={false}
        />
      </label>
      <label>
        {t('common.from')}
        <input type="date" value={from} onChange={(e) => setFrom(e.target.value)} />
      </label>
      <label>
        {t('common.until')}
        <input type="date" value={until} onChange={(e) => setUntil(e.target.value)} />
      </label>
      {days <= 0 && <span className="small notice--error">{t('grants.form.endsBeforeStart')}</span>}
      {tooLong && role && (
        <span className="small" data-testid="grant-too-long">
          {t('grants.form.tooLong', { count: days, role: role.name, max: role.max_grant_days })}
        </span>
      )}
      <label>
        {t('grants.form.justification')}
        <textarea value={justification} onChange={(e) => setJustification(e.target.value)} rows={2} />
      </label>
      <button
        type="submit"
        className="primary"
        disabled={!complete || busy || isForbidden(chosen)}
        aria-describedby={isForbidden(chosen) ? 'issue-grant-forbidden' : undefined}
      >
        {busy ? t('grants.form.issuing') : t('grants.form.issue')}
      </button>
    </form>
  );
}
