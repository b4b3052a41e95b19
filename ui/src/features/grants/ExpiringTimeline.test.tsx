import { screen, waitFor, within } from '@testing-library/react';
import i18next from 'i18next';
import { describe, expect, it } from 'vitest';

import { formattersFor } from '../../app/i18n/format';
import { writePreferences } from '../../app/preferences';
import { mockCommands, rejectWith, renderWithClient } from '../../test/ipcMock';
import { grant } from '../../test/operationFixtures';
import { ExpiringTimeline } from './ExpiringTimeline';
import { GrantsScreen } from './GrantsScreen';
import { groupExpiringByDay } from './ExpiringTimelineDays';

// Noon UTC: every test time below falls on the same calendar day in any zone within ±11 hours,
// so the component tests hold whatever zone the machine is in.
const NOW = new Date('2026-11-27T12:00:00Z');

const GRANTS = [
  grant('g-tomorrow', { user: 'jean.dupont', validUntil: '2026-11-28T12:00:00Z' }),
  grant('g-today', { user: 'anna.schmidt', validUntil: '2026-11-27T12:30:00Z' }),
  grant('g-today-2', { user: 'bob.builder', role: 'Exstream Content Author', validUntil: '2026-11-27T13:00:00Z' }),
  grant('g-monday', { user: 'kenji.sato', validUntil: '2026-11-30T12:00:00Z' }),
  grant('g-later', { user: 'late.comer', validUntil: '2026-12-10T12:00:00Z' }),
  grant('g-ended', { user: 'gone.already', validUntil: '2026-11-27T11:00:00Z' }),
  grant('g-pending', { status: 'pending', user: 'not.yet', validUntil: '2026-11-28T12:00:00Z' }),
  grant('g-revoked', { status: 'revoked', user: 'no.more', validUntil: '2026-11-28T12:00:00Z' }),
];

describe('grouping expiring grants by day', () => {
  it('groups the active grants ending within the lead time by calendar day, soonest first', () => {
    const days = groupExpiringByDay(GRANTS, { now: NOW, leadTimeDays: 7, timeZone: 'UTC' });
    expect(days.map((d) => [d.day, d.offset, d.grants.map((g) => g.id)])).toEqual([
      ['2026-11-27', 0, ['g-today', 'g-today-2']],
      ['2026-11-28', 1, ['g-tomorrow']],
      ['2026-11-30', 3, ['g-monday']],
    ]);
  });

  it('leaves out grants past the lead time, already ended, pending or revoked', () => {
    const ids = (leadTimeDays: number) =>
      groupExpiringByDay(GRANTS, { now: NOW, leadTimeDays, timeZone: 'UTC' }).flatMap((d) => d.grants.map((g) => g.id));
    expect(ids(1), 'one day ahead is 24 hours: tomorrow noon is just inside').toEqual(['g-today', 'g-today-2', 'g-tomorrow']);
    expect(ids(30)).toContain('g-later');
    for (const id of ['g-ended', 'g-pending', 'g-revoked']) expect(ids(30)).not.toContain(id);
  });

  it('counts days in the given zone: late evening UTC is already tomorrow in Tokyo', () => {
    const evening = [grant('g', { validUntil: '2026-11-27T20:00:00Z' })];
    expect(groupExpiringByDay(evening, { now: NOW, leadTimeDays: 7, timeZone: 'UTC' })[0]?.offset).toBe(0);
    expect(groupExpiringByDay(evening, { now: NOW, leadTimeDays: 7, timeZone: 'Asia/Tokyo' })[0]).toMatchObject({
      day: '2026-11-28',
      offset: 1,
    });
    expect(groupExpiringByDay(evening, { now: NOW, leadTimeDays: 7, timeZone: 'America/Los_Angeles' })[0]?.offset).toBe(0);
  });
});

describe('expiring soon timeline', () => {
  it('lists today, tomorrow and then weekdays, each grant with user, role and end time with its zone', async () => {
    mockCommands({ list_grants: () => GRANTS });
    renderWithClient(<ExpiringTimeline now={NOW} />);
    const days = await screen.findAllByTestId('expiring-day');
    expect(days.map((d) => within(d).getByRole('heading').textContent)).toEqual([
      'Today 2 grants',
      'Tomorrow 1 grant',
      'Monday, November 30 1 grant',
    ]);
    const today = within(days[0] as HTMLElement).getByRole('list', { name: /^Today/ });
    const items = within(today).getAllByRole('listitem');
    expect(items.map((i) => i.dataset.grantId)).toEqual(['g-today', 'g-today-2']);
    expect(items[1]?.textContent).toContain('bob.builder');
    expect(items[1]?.textContent).toContain('Exstream Content Author');
    expect(items[1]?.textContent).toContain(`ends ${formattersFor('en').dateTime('2026-11-27T13:00:00Z')}`);
    expect(within(items[1] as HTMLElement).getByText(/ends/).getAttribute('datetime')).toBe('2026-11-27T13:00:00Z');
    expect(screen.getByRole('heading', { level: 2 }).textContent).toBe('Expiring soon (next 7 days)');
  });

  it('reads everything once and keeps only what ends within the lead time from the preferences', async () => {
    writePreferences({ leadTimeDays: 2 });
    const calls = mockCommands({ list_grants: () => GRANTS });
    renderWithClient(<ExpiringTimeline now={NOW} />);
    const grants = await screen.findAllByTestId('expiring-grant');
    expect(grants.map((g) => g.dataset.grantId)).toEqual(['g-today', 'g-today-2', 'g-tomorrow']);
    expect(screen.getByRole('heading', { level: 2 }).textContent).toBe('Expiring soon (next 2 days)');
    expect(calls.filter((c) => c.command === 'list_grants').map((c) => c.args)).toEqual([{ query: {} }]);
  });

  it('says when nothing ends within the lead time', async () => {
    writePreferences({ leadTimeDays: 1 });
    mockCommands({ list_grants: () => [grant('g-later', { validUntil: '2026-12-10T12:00:00Z' })] });
    renderWithClient(<ExpiringTimeline now={NOW} />);
    expect((await screen.findByTestId('expiring-empty')).textContent).toBe('No active grant ends within the next 1 day.');
  });

  it('shows why the grants cannot be read', async () => {
    mockCommands({ list_grants: () => rejectWith({ code: 'usage', message: 'no workspace is open', retryable: false }) });
    renderWithClient(<ExpiringTimeline now={NOW} />);
    expect((await screen.findByTestId('expiring-error')).textContent).toContain('no workspace is open');
  });

  it('names the days in the admin’s language', async () => {
    await i18next.changeLanguage('de');
    mockCommands({ list_grants: () => GRANTS });
    renderWithClient(<ExpiringTimeline now={NOW} />);
    const days = await screen.findAllByTestId('expiring-day');
    expect(days.map((d) => within(d).getByRole('heading').textContent)).toEqual([
      'Heute 2 Freigaben',
      'Morgen 1 Freigabe',
      'Montag, 30. November 1 Freigabe',
    ]);
  });
});

describe('expiring soon on the grants screen', () => {
  it('shows the timeline under the list, sharing the list’s read of all grants', async () => {
    const soon = new Date(Date.now() + 3_600_000).toISOString();
    const calls = mockCommands({
      list_grants: () => [grant('g-soon', { validUntil: soon }), grant('g-far', { validUntil: '2099-01-01T00:00:00Z' })],
      get_grant_mode: () => ({ mode: 'server', explanation: '' }),
    });
    renderWithClient(<GrantsScreen />);
    const timeline = await screen.findByTestId('expiring-timeline');
    await waitFor(() => expect(within(timeline).getAllByTestId('expiring-grant').map((g) => g.dataset.grantId)).toEqual(['g-soon']));
    expect(await screen.findAllByTestId('grant-row'), 'the list itself is unfiltered').toHaveLength(2);
    expect(calls.filter((c) => c.command === 'list_grants'), 'one read serves both').toHaveLength(1);
  });
});
