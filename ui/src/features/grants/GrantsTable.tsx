import { useState } from 'react';

import type { Grant } from '../../ipc';
import { addDays, dayOf, shortTime, startOfDay } from './grantDates';

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

function label(grant: Grant): string {
  return `${grant.role} for ${grant.user}`;
}

export function GrantsTable({ grants, busy, showUser = true, ...actions }: GrantsTableProps) {
  return (
    <table className="grants-table" aria-label="Grants" data-testid="grants-table">
      <thead>
        <tr>
          {showUser && <th scope="col">User</th>}
          <th scope="col">Role</th>
          <th scope="col">Business unit</th>
          <th scope="col">From</th>
          <th scope="col">Until</th>
          <th scope="col">Status</th>
          <th scope="col">Requested by</th>
          <th scope="col">Actions</th>
        </tr>
      </thead>
      <tbody>
        {grants.map((grant) => (
          <GrantRow key={grant.id} grant={grant} busy={busy} showUser={showUser} {...actions} />
        ))}
      </tbody>
    </table>
  );
}

function GrantRow({ grant, busy, showUser, onExtend, onRevoke, onApprove, onReject }: GrantActions & { grant: Grant; busy: boolean; showUser: boolean }) {
  const [extending, setExtending] = useState(false);
  const [until, setUntil] = useState(() => dayOf(addDays(new Date(grant.validUntil), 7)));
  const open = grant.status === 'pending' || grant.status === 'active';
  const name = label(grant);
  return (
    <tr data-testid="grant-row" data-grant-id={grant.id} data-status={grant.status}>
      {showUser && <td className="mono">{grant.user}</td>}
      <td>{grant.role}</td>
      <td>{grant.bu}</td>
      <td title={grant.validFrom}>{shortTime(grant.validFrom)}</td>
      <td title={grant.validUntil}>{shortTime(grant.validUntil)}</td>
      <td>
        <span className={`chip chip--${grant.status}`}>{grant.status}</span>
      </td>
      <td>{grant.requester}</td>
      <td className="row-actions">
        {open && !extending && (
          <button type="button" disabled={busy} aria-label={`Extend ${name}`} onClick={() => setExtending(true)}>
            Extend
          </button>
        )}
        {open && extending && (
          <>
            <input
              type="date"
              aria-label={`New end of ${name}`}
              value={until}
              onChange={(e) => setUntil(e.target.value)}
            />
            <button
              type="button"
              className="primary"
              disabled={busy || until === ''}
              aria-label={`Confirm extending ${name}`}
              onClick={() => {
                setExtending(false);
                onExtend(grant, startOfDay(until));
              }}
            >
              Extend to this day
            </button>
            <button type="button" aria-label={`Cancel extending ${name}`} onClick={() => setExtending(false)}>
              Cancel
            </button>
          </>
        )}
        {open && (
          <button type="button" disabled={busy} aria-label={`Revoke ${name}`} onClick={() => onRevoke(grant)}>
            Revoke
          </button>
        )}
        {grant.status === 'pending' && (
          <>
            <button type="button" disabled={busy} aria-label={`Approve ${name}`} onClick={() => onApprove(grant)}>
              Approve
            </button>
            <button type="button" disabled={busy} aria-label={`Reject ${name}`} onClick={() => onReject(grant)}>
              Reject
            </button>
          </>
        )}
      </td>
    </tr>
  );
}
