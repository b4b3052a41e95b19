import { act, waitFor } from '@testing-library/react';
import i18next from 'i18next';
import { afterEach, describe, expect, it, vi } from 'vitest';

import { formattersFor } from '../../app/i18n/format';
import { formattingLocale } from '../../app/i18n/languages';
import { writePreferences } from '../../app/preferences';
import type { Grant } from '../../ipc';
import { mockCommands, renderWithClient } from '../../test/ipcMock';
import { grant } from '../../test/operationFixtures';
import { GRANTS_KEY } from '../changes/queryKeys';
import { NOTIFIED_KEY } from './expiryNotices';
import { EXPIRY_CHECK_INTERVAL_MS, useExpiryNotifications } from './useExpiryNotifications';

const NOW = new Date('2026-11-27T12:00:00Z');
const DAY_MS = 86_400_000;

/** An ISO instant `days` after NOW. */
const inDays = (days: number) => new Date(NOW.getTime() + days * DAY_MS).toISOString();

interface Shown {
  title: string;
  body: string | undefined;
}

/**
 * The webview's `window.Notification` as the notification plugin's script replaces it: building
 * one shows it (over IPC), `permission` is what the shell said, `requestPermission` asks.
 */
function installPluginNotification(permission: 'granted' | 'denied' | 'default', answer: 'granted' | 'denied') {
  const shown: Shown[] = [];
  const asked = { times: 0 };
  // A constructor function, called with `new` as the plugin's `sendNotification` does.
  const PluginNotification = Object.assign(
    function PluginNotification(title: string, options?: { body?: string }) {
      shown.push({ title, body: options?.body });
    },
    {
      permission,
      requestPermission: async () => {
        asked.times += 1;
        return answer;
      },
    },
  );
  vi.stubGlobal('Notification', PluginNotification);
  return { shown, asked };
}

afterEach(() => {
  vi.unstubAllGlobals();
  vi.useRealTimers();
});

function Notices({ clock, firstCheckDelayMs = 0 }: { clock: () => Date; firstCheckDelayMs?: number }) {
  useExpiryNotifications({ clock, firstCheckDelayMs });
  return null;
}

/** The shell's notices over `grants`, which a test may change before the next read. */
function renderNotices(grants: { current: Grant[] }, clock: () => Date = () => NOW) {
  const calls = mockCommands({
    list_grants: () => grants.current,
    // Asked by the plugin's `isPermissionGranted` while the webview's permission is undecided.
    'plugin:notification|is_permission_granted': () => null,
  });
  const rendered = renderWithClient(<Notices clock={clock} />);
  const reads = () => calls.filter((c) => c.command === 'list_grants').length;
  /** What a sync does to the grants query: read again. */
  const resync = async () => {
    const before = reads();
    await act(() => rendered.client.invalidateQueries({ queryKey: GRANTS_KEY }));
    await waitFor(() => expect(reads()).toBeGreaterThan(before));
  };
  return { ...rendered, calls, reads, resync };
}

/** Lets the hook's pending check settle, for assertions that nothing (more) was shown. */
const settle = () => act(() => new Promise((resolve) => setTimeout(resolve, 50)));

describe('expiring grant notifications', () => {
  it('leaves the start to the users table: the first read waits for its delay', async () => {
    const { shown } = installPluginNotification('granted', 'granted');
    const calls = mockCommands({
      list_grants: () => [grant('g-1', { validUntil: inDays(3) })],
      'plugin:notification|is_permission_granted': () => null,
    });
    renderWithClient(<Notices clock={() => NOW} firstCheckDelayMs={150} />);
    await settle();
    expect(calls.filter((c) => c.command === 'list_grants'), 'no read before the delay').toHaveLength(0);
    await waitFor(() => expect(shown).toHaveLength(1));
    expect(calls.filter((c) => c.command === 'list_grants')).toHaveLength(1);
  });

  it('announces a grant ending within the lead time, with its role, user, BU and end', async () => {
    const { shown } = installPluginNotification('granted', 'granted');
    const ending = grant('g-1', { user: 'jean.dupont', role: 'Template Designer', bu: 'EMEA/FR', validUntil: inDays(3) });
    renderNotices({ current: [ending, grant('g-later', { validUntil: inDays(20) })] });
    await waitFor(() => expect(shown).toHaveLength(1));
    const time = formattersFor(formattingLocale('en')).dateTime(ending.validUntil);
    expect(shown[0]).toEqual({
      title: 'A grant ends soon',
      body: `Template Designer for jean.dupont in EMEA/FR ends ${time}.`,
    });
  });

  it('leaves out grants past the lead time, already ended, pending or revoked', async () => {
    const { shown } = installPluginNotification('granted', 'granted');
    const grants = {
      current: [
        grant('g-later', { validUntil: inDays(8) }),
        grant('g-ended', { validUntil: inDays(-1) }),
        grant('g-pending', { status: 'pending', validUntil: inDays(2) }),
        grant('g-revoked', { status: 'revoked', validUntil: inDays(2) }),
      ],
    };
    const { resync } = renderNotices(grants);
    await settle();
    // A grant inside the window proves the check ran, and that it names only that one.
    grants.current = [...grants.current, grant('g-soon', { user: 'kenji.sato', validUntil: inDays(6) })];
    await resync();
    await waitFor(() => expect(shown).toHaveLength(1));
    expect(shown[0]?.title, 'one grant is due, not five').toBe('A grant ends soon');
    expect(shown[0]?.body).toContain('kenji.sato');
  });

  it('sums several grants due at once up in one notice, naming the first to end', async () => {
    const { shown } = installPluginNotification('granted', 'granted');
    renderNotices({
      current: [
        grant('g-b', { user: 'bob.builder', validUntil: inDays(5) }),
        grant('g-a', { user: 'anna.schmidt', role: 'Content Author', validUntil: inDays(1) }),
        grant('g-c', { user: 'kenji.sato', validUntil: inDays(6) }),
      ],
    });
    await waitFor(() => expect(shown).toHaveLength(1));
    expect(shown[0]?.title).toBe('3 grants end soon');
    expect(shown[0]?.body).toMatch(/^The first, Content Author for anna\.schmidt, ends /);
    await settle();
    expect(shown, 'one notice, not one per grant').toHaveLength(1);
  });

  it('does not announce a grant twice, not after another read nor after a restart', async () => {
    const { shown } = installPluginNotification('granted', 'granted');
    const grants = { current: [grant('g-1', { user: 'anna.schmidt', validUntil: inDays(2) })] };
    const first = renderNotices(grants);
    await waitFor(() => expect(shown).toHaveLength(1));
    await first.resync();
    first.unmount();

    grants.current = [...grants.current, grant('g-2', { user: 'bob.builder', validUntil: inDays(4) })];
    renderNotices(grants);
    await waitFor(() => expect(shown).toHaveLength(2));
    expect(shown[1], 'after the restart only the new grant is due').toMatchObject({ title: 'A grant ends soon' });
    expect(shown[1]?.body).toContain('bob.builder');
    expect(JSON.parse(window.localStorage.getItem(NOTIFIED_KEY) ?? '[]')).toHaveLength(2);
  });

  it('announces an extended grant again when its new end comes within the lead time', async () => {
    const { shown } = installPluginNotification('granted', 'granted');
    let now = NOW;
    const clock = () => now;
    const grants = { current: [grant('g-1', { user: 'anna.schmidt', validUntil: inDays(2) })] };
    const { resync } = renderNotices(grants, clock);
    await waitFor(() => expect(shown).toHaveLength(1));

    // Extended by 30 days: nothing to say while the new end is far off.
    grants.current = [grant('g-1', { user: 'anna.schmidt', validUntil: inDays(32) })];
    await resync();
    await settle();
    expect(shown, 'the new end is outside the lead time').toHaveLength(1);

    // 26 days later the new end is 6 days ahead.
    now = new Date(NOW.getTime() + 26 * DAY_MS);
    await resync();
    await waitFor(() => expect(shown).toHaveLength(2));
    expect(shown[1]?.body).toContain('anna.schmidt');
    const kept: string[] = JSON.parse(window.localStorage.getItem(NOTIFIED_KEY) ?? '[]');
    expect(kept, 'the notice of the passed end is pruned').toEqual([`g-1@${Date.parse(inDays(32))}`]);
  });

  it('follows a change of the lead time', async () => {
    const { shown } = installPluginNotification('granted', 'granted');
    renderNotices({ current: [grant('g-1', { user: 'anna.schmidt', validUntil: inDays(10) })] });
    await settle();
    expect(shown, '10 days is beyond the default 7').toHaveLength(0);
    act(() => writePreferences({ leadTimeDays: 14 }));
    await waitFor(() => expect(shown).toHaveLength(1));
    act(() => writePreferences({ leadTimeDays: 7 }));
    act(() => writePreferences({ leadTimeDays: 30 }));
    await settle();
    expect(shown, 'a grant already announced is not announced again for another lead time').toHaveLength(1);
  });

  it('asks for permission once, and shows and remembers nothing when it is refused', async () => {
    const { shown, asked } = installPluginNotification('default', 'denied');
    const grants = { current: [grant('g-1', { validUntil: inDays(2) })] };
    const { resync, calls } = renderNotices(grants);
    await waitFor(() => expect(asked.times).toBe(1));
    await resync();
    await settle();
    expect(shown, 'refused: nothing is shown').toHaveLength(0);
    expect(asked.times, 'the admin is asked once, not at every read').toBe(1);
    expect(calls.map((c) => c.command)).toContain('plugin:notification|is_permission_granted');
    expect(window.localStorage.getItem(NOTIFIED_KEY), 'nothing is remembered as announced').toBeNull();
  });

  it('asks nothing while nothing is due', async () => {
    const { asked } = installPluginNotification('default', 'granted');
    const { reads } = renderNotices({ current: [grant('g-later', { validUntil: inDays(20) })] });
    await waitFor(() => expect(reads()).toBe(1));
    await settle();
    expect(asked.times, 'no permission prompt without a reason').toBe(0);
  });

  it('shows the notice when the permission is granted on asking', async () => {
    const { shown, asked } = installPluginNotification('default', 'granted');
    renderNotices({ current: [grant('g-1', { validUntil: inDays(2) })] });
    await waitFor(() => expect(shown).toHaveLength(1));
    expect(asked.times).toBe(1);
  });

  it('speaks the admin’s language, with the date in their locale', async () => {
    const { shown } = installPluginNotification('granted', 'granted');
    await act(() => i18next.changeLanguage('de'));
    const ending = grant('g-1', { user: 'anna.schmidt', role: 'Template Designer', bu: 'EMEA/DE', validUntil: inDays(3) });
    renderNotices({ current: [ending] });
    await waitFor(() => expect(shown).toHaveLength(1));
    const time = formattersFor(formattingLocale('de')).dateTime(ending.validUntil);
    expect(shown[0]).toEqual({
      title: 'Eine Freigabe läuft bald ab',
      body: `Template Designer für anna.schmidt in EMEA/DE endet am ${time}.`,
    });
  });

  it('reads the grants again every 15 minutes while the app is open', async () => {
    vi.useFakeTimers({ shouldAdvanceTime: true });
    installPluginNotification('granted', 'granted');
    const { reads } = renderNotices({ current: [] });
    await waitFor(() => expect(reads()).toBe(1));
    await act(() => vi.advanceTimersByTimeAsync(EXPIRY_CHECK_INTERVAL_MS));
    await waitFor(() => expect(reads()).toBe(2));
  });
});
