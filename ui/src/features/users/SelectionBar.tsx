import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { useState } from 'react';
import { useTranslation } from 'react-i18next';

import { ErrorNotice } from '../../app/ErrorNotice';
import { useFormatters } from '../../app/i18n/format';
import { changeSelection, listRoles, type SelectionChange } from '../../ipc';
import { ROLES_KEY } from '../changes/queryKeys';
import { CHANGED_BY_A_CHANGE } from '../changes/useChange';
import { ImportResult } from '../imports/ImportResult';

interface SelectionBarProps {
  ids: ReadonlySet<string>;
  onClear: () => void;
}

/**
 * What can be done to the selected users at once: assign or remove a role, disable or enable
 * them. The core checks each user like a single change (policy included) and reports them
 * one by one; the allowed changes are queued and sent together.
 */
export function SelectionBar({ ids, onClear }: SelectionBarProps) {
  const { t } = useTranslation();
  const format = useFormatters();
  const queryClient = useQueryClient();
  const count = ids.size;
  // Read when the bar shows: at start the roles' holder counts would queue behind the first rows.
  const roles = useQuery({ queryKey: ROLES_KEY, queryFn: listRoles, enabled: count > 0 });
  const [role, setRole] = useState('');
  const change = useMutation({
    mutationFn: (wanted: SelectionChange) => changeSelection([...ids], wanted, false),
    onSettled: async () => {
      await Promise.all(CHANGED_BY_A_CHANGE.map((queryKey) => queryClient.invalidateQueries({ queryKey })));
    },
  });
  const busy = change.isPending;
  return (
    <>
      {count > 0 && (
        <div className="selection-bar" role="toolbar" aria-label={t('selection.bar')} data-testid="selection-bar">
          <strong data-testid="selection-count">{t('selection.count', { count: format.number(count) })}</strong>
          <select aria-label={t('selection.role')} value={role} onChange={(event) => setRole(event.target.value)} data-testid="selection-role">
            <option value="">{t('selection.chooseRole')}</option>
            {(roles.data ?? []).map((r) => (
              <option key={r.name} value={r.name}>
                {r.name}
              </option>
            ))}
          </select>
          <button type="button" disabled={busy || !role} onClick={() => change.mutate({ kind: 'assignRole', role })}>
            {t('selection.assignRole')}
          </button>
          <button type="button" disabled={busy || !role} onClick={() => change.mutate({ kind: 'removeRole', role })}>
            {t('selection.removeRole')}
          </button>
          <button type="button" disabled={busy} onClick={() => change.mutate({ kind: 'setActive', active: false })}>
            {t('selection.disable')}
          </button>
          <button type="button" disabled={busy} onClick={() => change.mutate({ kind: 'setActive', active: true })}>
            {t('selection.enable')}
          </button>
          <button
            type="button"
            className="link"
            disabled={busy}
            onClick={() => {
              change.reset();
              onClear();
            }}
          >
            {t('selection.clear')}
          </button>
          {busy && (
            <span className="muted" aria-live="polite" data-testid="selection-busy">
              {t('selection.working', { count: format.number(count) })}
            </span>
          )}
        </div>
      )}
      {(change.isError || change.data) && (
        <div className="selection-result" data-testid="selection-result">
          {change.isError && <ErrorNotice error={change.error} testId="selection-error" />}
          {change.data && <ImportResult outcome={change.data} summary="selection" />}
        </div>
      )}
    </>
  );
}
