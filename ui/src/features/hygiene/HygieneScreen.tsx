import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';

import { ErrorNotice } from '../../app/ErrorNotice';
import { fixFinding, listFindings, type Finding, type FindingKind, type FixOutcome } from '../../ipc';
import { CHANGED_BY_A_CHANGE } from '../changes/useChange';
import { describeFix } from './describeFix';
import { FINDINGS_KEY } from './queryKeys';

/** The groups in the order the core sorts them, with what each kind means for the admin. */
const GROUPS: { kind: FindingKind; title: string }[] = [
  { kind: 'leaver', title: 'Leavers: disabled users who still hold access' },
  { kind: 'mover', title: "Movers: grants for another business unit than the holder's" },
  { kind: 'partner-without-grant', title: 'Partners without a time-bound grant' },
  { kind: 'expiring', title: 'Grants ending within 7 days' },
];

const TONE_CLASS = {
  done: 'notice',
  queued: 'notice notice--offline',
  failed: 'notice notice--error',
  conflict: 'notice notice--error',
} as const;

export function HygieneScreen() {
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

  return (
    <section className="screen hygiene-screen" aria-labelledby="hygiene-title" data-testid="hygiene-screen">
      <h1 id="hygiene-title">Hygiene</h1>
      <p className="hint">Access that should not be there any more, from the last sync. Each fix goes through policy and the outbox like any change.</p>
      {fix.isError && <ErrorNotice error={fix.error} testId="fix-error" />}
      {fix.data && <FixNotice outcome={fix.data} />}
      {findings.isPending ? (
        <div className="table-state" data-testid="hygiene-loading" aria-busy="true">
          Looking for access to clean up…
        </div>
      ) : findings.isError ? (
        <ErrorNotice error={findings.error} testId="hygiene-error" />
      ) : findings.data.length === 0 ? (
        <div className="table-state" data-testid="hygiene-empty">
          Nothing to clean up: no leavers, movers, partners without a grant or grants about to end.
        </div>
      ) : (
        GROUPS.map(({ kind, title }) => {
          const ofKind = findings.data.filter((f) => f.kind === kind);
          return ofKind.length === 0 ? null : (
            <FindingGroup
              key={kind}
              kind={kind}
              title={title}
              findings={ofKind}
              fixing={fix.isPending ? fix.variables : undefined}
              onFix={(id) => fix.mutate(id)}
            />
          );
        })
      )}
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
  return (
    <section className="finding-group" aria-label={title} data-testid="finding-group" data-kind={kind}>
      <h2>
        {title} ({findings.length})
      </h2>
      <ul className="findings">
        {findings.map((finding) => (
          <li key={finding.id} data-testid="finding" data-id={finding.id}>
            <strong>{finding.user}</strong> <span>{finding.detail}</span>{' '}
            <button type="button" disabled={fixing !== undefined} onClick={() => onFix(finding.id)}>
              {fixing === finding.id ? 'Fixing…' : `Fix: ${finding.fix}`}
            </button>
          </li>
        ))}
      </ul>
    </section>
  );
}

function FixNotice({ outcome }: { outcome: FixOutcome }) {
  const { tone, text, rule } = describeFix(outcome);
  return (
    <div className={TONE_CLASS[tone]} role="status" data-testid="fix-outcome" data-tone={tone}>
      <span>{text}</span>
      {rule && (
        <span className="chip" data-testid="refusal-rule" aria-label="Policy rule">
          {rule}
        </span>
      )}
    </div>
  );
}
