import i18next from 'i18next';
import { describe, expect, it } from 'vitest';

import type { Operation } from '../../ipc';
import { describeOperation } from './describeOperation';

const ANNA = { id: 'id-anna', userName: 'anna.schmidt' };

const OPERATIONS: Operation[] = [
  { op: 'set-user-active', userId: 'id-anna', userName: 'anna.schmidt', active: false },
  { op: 'assign-role', user: ANNA, role: 'Template Designer', roleId: 'grp-td' },
  {
    op: 'issue-grant',
    user: ANNA,
    role: 'Production Operator',
    roleId: 'grp-po',
    bu: 'EMEA/DE',
    validFrom: '2026-11-27T10:00:00Z',
    validUntil: '2026-12-27T10:00:00Z',
    justification: 'Q4 print run',
  },
  { op: 'revoke-grant', grantId: '1f3e9a7c-0000-4000-8000-000000000000', role: 'Production Operator' },
];

describe('describeOperation', () => {
  it('says what a change does in the admin’s language, never with the core’s action ids', () => {
    const in_ = (language: string) => OPERATIONS.map((op) => describeOperation(op, i18next.getFixedT(language)));
    expect(in_('en')).toEqual([
      'disable user anna.schmidt',
      'assign Template Designer to anna.schmidt',
      'grant Production Operator in EMEA/DE to anna.schmidt',
      'revoke grant 1f3e9a7c (Production Operator)',
    ]);
    expect(in_('de')).toEqual([
      'Benutzer anna.schmidt deaktivieren',
      'Template Designer an anna.schmidt zuweisen',
      'Production Operator in EMEA/DE für anna.schmidt freigeben',
      'Freigabe 1f3e9a7c (Production Operator) widerrufen',
    ]);
    expect(in_('ja')[0]).toBe('ユーザー anna.schmidt を無効化');
    for (const text of [...in_('fr'), ...in_('ja')]) expect(text).not.toMatch(/user\.|role\.|grant\./);
  });
});
