import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { useTranslation } from 'react-i18next';

import { ErrorNotice } from '../../app/ErrorNotice';
import { QueryState } from '../../app/QueryState';
import { fixFinding, listFindings, type Finding, type FindingKind } from '../../ipc';
import { OutcomeNotice } from '../changes/ChangeOutcomeNotice';
import { CHANGED_BY_A_CHANGE } from '../changes/useChange';
import { describeFix } from './describeFix';
import { FINDINGS_KEY } from './queryKeys';

/** The groups in the order the core sorts them. */
const KINDS: readonly FindingKind[] = ['leaver', 'mover', 'partner-without-grant', 'expiring'];

/** How far ahead the core looks for grants about to end (its `expiring` finding). */
const EXPIRING_WITHIN_DAYS = 7;

export function HygieneScreen() {
  const { t } = useTranslation();
  const queryClient = useQueryClient();
  // A change made on another screen can settle a finding, so the list is read again on every visit.
  const findings = useQuery({ queryKey: FINDINGS_KEY, queryFn: listFindings, refetchOnMount: 'always' });
  const fix = useMutation({
    mutationFn: (id: string) => fixFinding(id),
    onSettled: async () => {
      await Promise.all(
        [FINDINGS_KEY, ...CHANGED_BY_A_CHANGE].map((queryKey) => queryClient.invalidateQueries({ queryKey })),
      );
    },
  });
  const titleOf = (kind: FindingKind) =>
    kind === 'expiring' ? t('hygiene.group.expiring', { count: EXPIRING_WITHIN_DAYS }) : t(`hygiene.group.${kind}`);

  return (
    <section className="screen hygiene-screen" aria-labelledby="hygiene-title" data-testid="hygiene-screen">
      <h1 id="hygiene-title">{t('hygiene.title')}</h1>
      <p className="hint">{t('hygiene.hint')}</p>
      {fix.isError && <ErrorNotice error={fix.error} testId="fix-error" />}
      {fix.data && <OutcomeNotice outcome={describeFix(fix.data, t)} testId="fix-outcome" />}
      <QueryState
        query={findings}
        name="hygiene"
        loading={t('hygiene.loading')}
        isEmpty={(data) => data.length === 0}
        empty={t('hygiene.empty')}
      >
        {(data) =>
          KINDS.map((kind) => {
            const ofKind = data.filter((f) => f.kind === kind);
            return ofKind.length === 0 ? null : (
              <FindingGroup
                key={kind}
                kind={kind}
                title={titleOf(kind)}
                findings={ofKind}
                fixing={fix.isPending ? fix.variables : undefined}
                onFix={(id) => fix.mutate(id)}
              />
            );
          })
        }
      </QueryState>
    </section>
  );
}

interface FindingGroupProps {
  kind: FindingKind;
  title: string;
  findings: Finding[];
  /** The finding being fixed now; every fix button waits for it. */
  fixing: string | undefined;
  onFix: (id: string) => void;
}

function FindingGroup({ kind, title, findings, fixing, onFix }: FindingGroupProps) {
  const { t } = useTranslation();
  return (
    <section className="finding-group" aria-label={title} data-testid="finding-group" data-kind={kind}>
      <h2>{t('hygiene.groupTitle', { title, count: findings.length })}</h2>
      <ul className="findings">
        {findings.map((finding) => (
          <li key={finding.id} data-testid="finding" data-id={finding.id}>
            <strong>{finding.user}</strong> <span>{finding.detail}</span>{' '}
            <button type="button" disabled={fixing !== undefined} onClick={() => onFix(finding.id)}>
              {fixing === finding.id ? t('hygiene.fixing') : t('hygiene.fix', { fix: finding.fix })}
            </button>
          </li>
        ))}
      </ul>
    </section>
  );
}
