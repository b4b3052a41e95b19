import { useTranslation } from 'react-i18next';

/**
 * Said instead of the users when the cache is locked (used offline for longer than the profile
 * allows). Every read would fail with `sign-in-needed` then, so the screen explains the lock
 * rather than showing that error; the header's Sign in is the way out (a successful sign-in
 * confirms the cache again).
 */
export function CacheLockedNotice({ issuer }: { issuer: string }) {
  const { t } = useTranslation();
  return (
    // The offline banner's warning colours: a state of this computer, not a failed action.
    <div className="notice notice--offline" role="status" data-testid="cache-locked">
      <strong>{t('users.cacheLockedTitle')}</strong>
      <span>{t('users.cacheLocked', { issuer })}</span>
    </div>
  );
}
