import { renderHook, screen, waitFor, within } from '@testing-library/react';
import i18next from 'i18next';
import { describe, expect, it } from 'vitest';

import { GrantsScreen } from '../../features/grants/GrantsScreen';
import { STATUS_KEY } from '../../features/users/queryKeys';
import { UsersWithBar } from '../../test/UsersWithBar';
import { ADA_STATUS, mockCommands, renderWithClient, user } from '../../test/ipcMock';
import { grant, TEMPLATE_DESIGNER } from '../../test/operationFixtures';
import { WorkspaceShell } from '../WorkspaceShell';
import { de } from './de';
import { en } from './en';
import { formattersFor, useFormatters } from './format';
import { fr } from './fr';
import { ja } from './ja';
import { formattingLocale, systemLanguage } from './languages';

type Texts = { [key: string]: string | Texts };

/** Every text by its dotted key. */
function flatten(texts: Texts, prefix = ''): Map<string, string> {
  const flat = new Map<string, string>();
  for (const [key, value] of Object.entries(texts)) {
    const path = prefix ? `${prefix}.${key}` : key;
    if (typeof value === 'string') flat.set(path, value);
    else for (const [k, v] of flatten(value, path)) flat.set(k, v);
  }
  return flat;
}

function placeholders(text: string): string[] {
  return [...text.matchAll(/\{\{\s*(\w+)/g)].map((m) => m[1] ?? '').sort();
}

describe('locales', () => {
  const english = flatten(en);
  for (const [name, messages] of [
    ['de', de],
    ['fr', fr],
    ['ja', ja],
  ] as const) {
    it(`${name} fills every text with the same placeholders as English`, () => {
      const texts = flatten(messages);
      expect([...texts.keys()], 'the compiler checks the keys; this guards against casts').toEqual([...english.keys()]);
      for (const [key, text] of texts) {
        expect(text.trim(), `${name}:${key} is empty`).not.toBe('');
        expect(placeholders(text), `${name}:${key} must interpolate what English does`).toEqual(
          placeholders(english.get(key) ?? ''),
        );
      }
    });
  }

  it('picks the first system language Bailiwick speaks, else English', () => {
    expect(systemLanguage(['de-AT', 'en-US'])).toBe('de');
    expect(systemLanguage(['pt-BR', 'ja-JP'])).toBe('ja');
    expect(systemLanguage(['pt-BR'])).toBe('en');
    expect(formattingLocale('de', ['de-AT', 'en-US']), 'Austrian dates for an Austrian system').toBe('de-AT');
    expect(formattingLocale('fr', ['de-AT'])).toBe('fr');
  });
});

describe('dates and times', () => {
  it('show the time zone they are given in, in the locale’s words', () => {
    const midnightUtc = '2026-12-01T00:00:00Z';
    expect(formattersFor('en-GB', 'Europe/Berlin').dateTime(midnightUtc)).toBe('1 Dec 2026, 01:00 CET');
    expect(formattersFor('de-DE', 'Europe/Berlin').dateTime(midnightUtc)).toBe('1. Dez. 2026, 01:00 MEZ');
    expect(formattersFor('ja-JP', 'Asia/Tokyo').dateTime(midnightUtc)).toBe('2026年12月1日 09:00 JST');
    expect(formattersFor('en-US', 'America/New_York').dateTime(midnightUtc), 'the day before, in New York').toContain(
      'Nov 30',
    );
  });

  it('follow the system time zone once the window comes back into view', () => {
    // Node re-reads TZ when it is assigned; the UI's types do not include Node's `process`.
    const env = (globalThis as unknown as { process: { env: Record<string, string | undefined> } }).process.env;
    const shown = () => {
      document.dispatchEvent(new Event('visibilitychange'));
      return renderHook(() => useFormatters()).result.current.dateTime('2026-12-01T00:00:00Z');
    };
    const saved = env.TZ;
    try {
      env.TZ = 'Europe/Berlin';
      expect(shown()).toContain('01:00');
      env.TZ = 'Asia/Tokyo';
      expect(renderHook(() => useFormatters()).result.current.dateTime('2026-12-01T00:00:00Z'), 'still hidden').toContain(
        '01:00',
      );
      expect(shown(), 'back in view').toContain('09:00');
    } finally {
      env.TZ = saved;
      document.dispatchEvent(new Event('visibilitychange'));
    }
  });

  it('leave a value that is not a time as it came', () => {
    expect(formattersFor('en').dateTime('soon')).toBe('soon');
  });
});

describe('screens in German', () => {
  it('shows the grants screen, its statuses and its grant windows in German', async () => {
    await i18next.changeLanguage('de');
    mockCommands({
      list_grants: () => [grant('g-1'), grant('g-2', { status: 'pending', user: 'jean.dupont' })],
      get_grant_mode: () => ({ mode: 'server', explanation: 'the directory ends each grant on time' }),
      list_roles: () => [TEMPLATE_DESIGNER],
    });
    renderWithClient(<GrantsScreen />);
    expect(screen.getByRole('heading', { level: 1 }).textContent).toBe('Freigaben');
    expect(screen.getByRole('button', { name: 'Neue Freigabe' })).toBeTruthy();
    const pending = (await screen.findAllByTestId('grant-row')).find((r) => r.dataset.status === 'pending');
    expect(pending?.textContent, 'the status chip is translated').toContain('ausstehend');
    expect(within(pending as HTMLElement).getByRole('button', { name: 'Template Designer für jean.dupont genehmigen' }))
      .toBeTruthy();
    const until = within(pending as HTMLElement).getByTitle('2026-12-01T00:00:00Z');
    expect(until.textContent, 'a German date, with its zone').toBe(
      formattersFor(formattingLocale('de')).dateTime('2026-12-01T00:00:00Z'),
    );
    expect(until.textContent).toMatch(/Dez\./);
  });

  it('names the sections in German and shows each one’s shortcut in its tooltip', async () => {
    await i18next.changeLanguage('de');
    mockCommands({ get_status: () => ADA_STATUS, list_users: () => ({ total: 0, rows: [] }) });
    renderWithClient(<WorkspaceShell onSignIn={() => {}} onSignOut={() => {}} />);
    const nav = screen.getByRole('navigation', { name: 'Bereiche' });
    const grants = within(nav).getByRole('button', { name: 'Freigaben' });
    expect(grants.getAttribute('title')).toMatch(/^Freigaben \((Alt\+|⌥)2\)$/);
    expect(within(nav).getByRole('button', { name: 'Einstellungen' }).getAttribute('title')).toMatch(/8\)$/);
  });
});

describe('screens in Japanese', () => {
  it('shows the users screen, its counts and the data age in Japanese', async () => {
    await i18next.changeLanguage('ja');
    mockCommands({
      get_status: () => ADA_STATUS,
      list_users: () => ({ total: 2, rows: [user('anna.schmidt', 'EMEA/DE'), user('jean.dupont', 'EMEA/FR')] }),
    });
    renderWithClient(<UsersWithBar onSignIn={() => {}} onSignOut={() => {}} />, (client) =>
      client.setQueryData(STATUS_KEY, ADA_STATUS),
    );
    const search = await screen.findByRole('searchbox', { name: 'ユーザーを検索' });
    expect(search.getAttribute('placeholder')).toBe('ユーザーを検索（/ キー）');
    expect(screen.getByRole('button', { name: '同期' })).toBeTruthy();
    expect(screen.getByTestId('data-age').textContent).toContain('3 分前に同期');
    await waitFor(() => expect(screen.getByTestId('users-count').textContent).toBe('2 人'));
    expect(screen.getAllByRole('columnheader').map((h) => h.textContent)).toContain('ユーザー名');
  });
});
