import { useQuery } from '@tanstack/react-query';
import { useId, type ReactNode } from 'react';
import { useTranslation } from 'react-i18next';

import { useFormatters } from '../../app/i18n/format';
import { LANGUAGE_NAMES, LANGUAGES, systemLanguage } from '../../app/i18n/languages';
import {
  LEAD_TIME_MAX_DAYS,
  LEAD_TIME_MIN_DAYS,
  THEME_CHOICES,
  usePreferences,
  type LanguageChoice,
  type ThemeChoice,
} from '../../app/preferences';
import { QueryState } from '../../app/QueryState';
import { getStatus, type WorkspaceStatus } from '../../ipc';
import { STATUS_KEY } from '../users/queryKeys';
import { ForgetWorkspace } from './ForgetWorkspace';

const LANGUAGE_CHOICES: readonly LanguageChoice[] = ['system', ...LANGUAGES];

function isLanguageChoice(value: string): value is LanguageChoice {
  return (LANGUAGE_CHOICES as readonly string[]).includes(value);
}

function isThemeChoice(value: string): value is ThemeChoice {
  return (THEME_CHOICES as readonly string[]).includes(value);
}

interface SettingsScreenProps {
  /** The workspace was forgotten on this computer (it is closed already): leave it for Welcome. */
  onWorkspaceForgotten?: () => void;
  /** Shows the Outbox, offered when queued changes stop the workspace from being forgotten. */
  onOpenOutbox?: () => void;
}

/**
 * The admin's preferences for this machine (stored as they change), and this workspace: its
 * profile read-only, how its cache is kept, and the way to forget it here.
 */
export function SettingsScreen({ onWorkspaceForgotten, onOpenOutbox }: SettingsScreenProps) {
  const { t } = useTranslation();
  const [preferences, update] = usePreferences();
  const status = useQuery({ queryKey: STATUS_KEY, queryFn: getStatus });

  return (
    <section className="screen settings-screen" aria-labelledby="settings-title" data-testid="settings-screen">
      <h1 id="settings-title">{t('settings.title')}</h1>
      <form className="settings" onSubmit={(event) => event.preventDefault()}>
        <SettingField label={t('settings.language')}>
          {(id) => (
            <select
              id={id}
              data-testid="setting-language"
              value={preferences.language}
              onChange={(e) => isLanguageChoice(e.target.value) && update({ language: e.target.value })}
            >
              {LANGUAGE_CHOICES.map((choice) => (
                <option key={choice} value={choice} lang={choice === 'system' ? undefined : choice}>
                  {choice === 'system'
                    ? t('settings.languageSystem', { language: LANGUAGE_NAMES[systemLanguage()] })
                    : LANGUAGE_NAMES[choice]}
                </option>
              ))}
            </select>
          )}
        </SettingField>
        <SettingField label={t('settings.theme')}>
          {(id) => (
            <select
              id={id}
              data-testid="setting-theme"
              value={preferences.theme}
              onChange={(e) => isThemeChoice(e.target.value) && update({ theme: e.target.value })}
            >
              {THEME_CHOICES.map((choice) => (
                <option key={choice} value={choice}>
                  {t(`settings.themeOption.${choice}`)}
                </option>
              ))}
            </select>
          )}
        </SettingField>
        <SettingField
          label={t('settings.leadTime')}
          hint={t('settings.leadTimeHint', { min: LEAD_TIME_MIN_DAYS, max: LEAD_TIME_MAX_DAYS })}
        >
          {(id, hintId) => (
            <LeadTimeInput
              id={id}
              hintId={hintId}
              days={preferences.leadTimeDays}
              onChange={(leadTimeDays) => update({ leadTimeDays })}
            />
          )}
        </SettingField>
      </form>

      <h2>{t('settings.thisWorkspace')}</h2>
      <QueryState
        query={status}
        name="settings-profile"
        loading={t('settings.loadingProfile')}
        isEmpty={(current) => current === null}
        empty={t('settings.noWorkspace')}
      >
        {(current) =>
          current && (
            <>
              <ProfileSummary status={current} />
              <ForgetWorkspace
                profileName={current.profileName}
                onForgotten={() => onWorkspaceForgotten?.()}
                onOpenOutbox={onOpenOutbox}
              />
            </>
          )
        }
      </QueryState>
    </section>
  );
}

interface SettingFieldProps {
  label: string;
  hint?: string;
  children: (id: string, hintId: string | undefined) => ReactNode;
}

/** A labelled control, with its hint tied to it for screen readers. */
function SettingField({ label, hint, children }: SettingFieldProps) {
  const id = useId();
  const hintId = hint ? `${id}-hint` : undefined;
  return (
    <div className="setting">
      <label htmlFor={id}>{label}</label>
      {children(id, hintId)}
      {hint && (
        <span id={hintId} className="muted small">
          {hint}
        </span>
      )}
    </div>
  );
}

interface LeadTimeInputProps {
  id: string;
  hintId: string | undefined;
  days: number;
  onChange: (days: number) => void;
}

/**
 * Days as a number field: only a whole number within the bounds is stored, so a half-typed
 * value ("" or "3" on the way to "30") never replaces the stored one with something invalid.
 */
function LeadTimeInput({ id, hintId, days, onChange }: LeadTimeInputProps) {
  return (
    <input
      id={id}
      type="number"
      className="narrow"
      data-testid="setting-lead-time"
      min={LEAD_TIME_MIN_DAYS}
      max={LEAD_TIME_MAX_DAYS}
      step={1}
      defaultValue={days}
      aria-describedby={hintId}
      onChange={(e) => {
        const value = Number(e.target.value);
        if (Number.isInteger(value) && value >= LEAD_TIME_MIN_DAYS && value <= LEAD_TIME_MAX_DAYS) onChange(value);
      }}
    />
  );
}

function ProfileSummary({ status }: { status: WorkspaceStatus }) {
  const { t } = useTranslation();
  const format = useFormatters();
  const { admin } = status;
  return (
    <dl className="attributes" data-testid="settings-profile">
      <dt>{t('settings.profileName')}</dt>
      <dd data-testid="settings-profile-name">{status.profileName}</dd>
      <dt>{t('settings.issuer')}</dt>
      <dd className="mono">{status.issuer}</dd>
      {admin && (
        <>
          <dt>{t('settings.admin')}</dt>
          <dd>
            {admin.displayName} <span className="muted mono">({admin.subject})</span>
          </dd>
          <dt>{t('settings.scopes')}</dt>
          <dd>{admin.buScopes.join(', ')}</dd>
          <dt>{t('settings.capabilities')}</dt>
          <dd>{admin.capabilities.map((c) => t(`header.capability.${c}`)).join(', ')}</dd>
        </>
      )}
      <dt>{t('settings.connection')}</dt>
      <dd data-testid="settings-connection">
        {status.offline
          ? t('settings.connectionOffline')
          : status.signedIn
            ? t('settings.connectionSignedIn')
            : t('settings.connectionSignedOut')}
      </dd>
      <dt>{t('settings.lastSync')}</dt>
      <dd>{status.lastSyncAt ? format.dateTime(status.lastSyncAt) : t('settings.neverSynced')}</dd>
      <dt>{t('settings.cache')}</dt>
      <dd data-testid="settings-cache-encryption">
        {status.cacheEncrypted ? t('settings.cacheEncrypted') : t('settings.cacheNotEncrypted')}
      </dd>
    </dl>
  );
}
