import { act, fireEvent, screen, waitFor } from '@testing-library/react';
import type { ReactNode } from 'react';
import { afterEach, describe, expect, it } from 'vitest';

import { useAppliedPreferences } from '../../app/applyPreferences';
import { PREFERENCES_KEY, readPreferences, usePreferences } from '../../app/preferences';
import { ADA_STATUS, mockCommands, renderWithClient } from '../../test/ipcMock';
import { STATUS_KEY } from '../users/queryKeys';
import { SettingsScreen } from './SettingsScreen';

/** What App does around every screen: the preferences put into effect on the document. */
function Applied({ children }: { children: ReactNode }) {
  const [preferences] = usePreferences();
  useAppliedPreferences(preferences);
  return <>{children}</>;
}

function renderSettings() {
  mockCommands({ get_status: () => ADA_STATUS });
  return renderWithClient(
    <Applied>
      <SettingsScreen />
    </Applied>,
    (client) => client.setQueryData(STATUS_KEY, ADA_STATUS),
  );
}

/** A system colour scheme the test can switch, as the OS does when it goes dark at dusk. */
function fakeSystemColourScheme(dark: boolean) {
  const listeners = new Set<(event: MediaQueryListEvent) => void>();
  const query = {
    matches: dark,
    media: '(prefers-color-scheme: dark)',
    addEventListener: (_type: string, listener: (event: MediaQueryListEvent) => void) => listeners.add(listener),
    removeEventListener: (_type: string, listener: (event: MediaQueryListEvent) => void) => listeners.delete(listener),
  };
  window.matchMedia = () => query as unknown as MediaQueryList;
  return {
    switchTo(next: boolean) {
      query.matches = next;
      for (const listener of listeners) listener({ matches: next } as MediaQueryListEvent);
    },
  };
}

const originalMatchMedia = window.matchMedia;
afterEach(() => {
  window.matchMedia = originalMatchMedia;
});

describe('settings', () => {
  it('shows the profile read-only, from the workspace status', async () => {
    renderSettings();
    const profile = await screen.findByTestId('settings-profile');
    expect(screen.getByTestId('settings-profile-name').textContent).toBe('demo');
    expect(profile.textContent).toContain('Ada Lovelace');
    expect(profile.textContent).toContain('ada.emea');
    expect(profile.textContent).toContain('EMEA');
    expect(profile.querySelector('input, select, button'), 'nothing in the profile can be edited').toBeNull();
  });

  it('says so while the workspace status is read, and when it cannot be, the preferences usable meanwhile', async () => {
    let fail: (reason: unknown) => void = () => {};
    mockCommands({ get_status: () => new Promise((_resolve, reject) => (fail = reject)) });
    renderWithClient(<SettingsScreen />);
    expect((await screen.findByTestId('settings-profile-loading')).textContent).toBe('Reading the profile…');
    expect((screen.getByTestId('setting-theme') as HTMLSelectElement).disabled).toBe(false);
    act(() => fail({ code: 'failure', message: 'the cache of demo cannot be read: file is not a database', retryable: false }));
    expect((await screen.findByTestId('settings-profile-error')).textContent).toContain('file is not a database');
    expect(screen.queryByTestId('settings-profile')).toBeNull();
    expect(screen.getByTestId('setting-language')).toBeTruthy();
  });

  it('says no workspace is open when there is none, and offers nothing to forget', async () => {
    mockCommands({ get_status: () => null });
    renderWithClient(<SettingsScreen />);
    expect((await screen.findByTestId('settings-profile-empty')).textContent).toBe('No workspace is open.');
    expect(screen.queryByRole('button', { name: /Forget/ })).toBeNull();
  });

  it('says when the workspace is offline, and when it is signed in', async () => {
    mockCommands({ get_status: () => ({ ...ADA_STATUS, offline: true }) });
    const { unmount } = renderWithClient(<SettingsScreen />);
    expect((await screen.findByTestId('settings-connection')).textContent).toBe('offline: the IAM cannot be reached');
    unmount();
    renderSettings();
    expect((await screen.findByTestId('settings-connection')).textContent).toBe('signed in');
  });

  it('switches the language at once and remembers it', async () => {
    renderSettings();
    expect(screen.getByRole('heading', { level: 1 }).textContent).toBe('Settings');
    const language = screen.getByRole('combobox', { name: 'Language' });
    expect(
      [...(language as HTMLSelectElement).options].map((o) => o.text).slice(1),
      'each language by its own name',
    ).toEqual(['English', 'Deutsch', 'Français', '日本語']);
    fireEvent.change(language, { target: { value: 'de' } });
    await waitFor(() => expect(screen.getByRole('heading', { level: 1 }).textContent).toBe('Einstellungen'));
    expect(document.documentElement.lang).toBe('de');
    expect(readPreferences().language).toBe('de');
    fireEvent.change(screen.getByRole('combobox', { name: 'Sprache' }), { target: { value: 'fr' } });
    await waitFor(() => expect(screen.getByRole('heading', { level: 1 }).textContent).toBe('Paramètres'));
  });

  it('stores a lead time within 1 to 30 days and ignores one outside', () => {
    renderSettings();
    const lead = screen.getByRole('spinbutton', { name: /expiring grants/ });
    expect((lead as HTMLInputElement).value, 'a week by default').toBe('7');
    fireEvent.change(lead, { target: { value: '14' } });
    expect(readPreferences().leadTimeDays).toBe(14);
    for (const outside of ['0', '31', '', '2.5']) {
      fireEvent.change(lead, { target: { value: outside } });
      expect(readPreferences().leadTimeDays, `typing ${outside}`).toBe(14);
    }
  });

  it('opens with the defaults when the stored preferences are corrupt', () => {
    window.localStorage.setItem(PREFERENCES_KEY, '{"theme": 12, "language": ');
    renderSettings();
    expect((screen.getByRole('combobox', { name: 'Language' }) as HTMLSelectElement).value).toBe('system');
    expect((screen.getByRole('combobox', { name: 'Theme' }) as HTMLSelectElement).value).toBe('system');
  });
});

describe('themes', () => {
  it('choosing Dark or Light sets the document’s data-theme, whatever the system says', () => {
    fakeSystemColourScheme(false);
    renderSettings();
    const theme = screen.getByRole('combobox', { name: 'Theme' });
    fireEvent.change(theme, { target: { value: 'dark' } });
    expect(document.documentElement.dataset.theme).toBe('dark');
    expect(readPreferences().theme).toBe('dark');
    fireEvent.change(theme, { target: { value: 'light' } });
    expect(document.documentElement.dataset.theme).toBe('light');
  });

  it('System follows the system’s colour scheme as it changes', () => {
    const system = fakeSystemColourScheme(false);
    renderSettings();
    expect(document.documentElement.dataset.theme).toBe('light');
    act(() => system.switchTo(true));
    expect(document.documentElement.dataset.theme, 'the system went dark').toBe('dark');
    act(() => system.switchTo(false));
    expect(document.documentElement.dataset.theme).toBe('light');
  });

  it('an explicit choice is not overridden by the system switching', () => {
    const system = fakeSystemColourScheme(true);
    renderSettings();
    fireEvent.change(screen.getByRole('combobox', { name: 'Theme' }), { target: { value: 'light' } });
    act(() => system.switchTo(true));
    expect(document.documentElement.dataset.theme).toBe('light');
  });
});
