import { useState, type FormEvent } from 'react';
import { useTranslation } from 'react-i18next';

import { ErrorNotice } from '../../app/ErrorNotice';

interface WelcomeScreenProps {
  busy: boolean;
  error: unknown;
  onOpenDemo: () => void;
  onOpenProfile: (path: string) => void;
}

export function WelcomeScreen({ busy, error, onOpenDemo, onOpenProfile }: WelcomeScreenProps) {
  const { t } = useTranslation();
  const [path, setPath] = useState('');
  const submitProfile = (event: FormEvent) => {
    event.preventDefault();
    const trimmed = path.trim();
    if (trimmed) onOpenProfile(trimmed);
  };

  return (
    <main className="centered" data-testid="welcome">
      <section className="card welcome">
        <h1>Bailiwick</h1>
        <p className="muted">{t('welcome.intro')}</p>
        {error !== null && error !== undefined && <ErrorNotice error={error} testId="welcome-error" />}
        <div className="choice">
          <h2>{t('welcome.tryIt')}</h2>
          <p className="muted small">{t('welcome.demoHint')}</p>
          <button
            type="button"
            className="primary"
            data-testid="open-demo"
            disabled={busy}
            onClick={onOpenDemo}
          >
            {busy ? t('welcome.opening') : t('welcome.openDemo')}
          </button>
        </div>
        <form className="choice" onSubmit={submitProfile}>
          <h2>{t('welcome.useProfile')}</h2>
          <label className="muted small" htmlFor="profile-path">
            {t('welcome.profileLabel')}
          </label>
          <div className="row">
            <input
              id="profile-path"
              data-testid="profile-path"
              placeholder={t('welcome.profilePlaceholder')}
              value={path}
              onChange={(event) => setPath(event.target.value)}
              disabled={busy}
              spellCheck={false}
            />
            <button type="submit" data-testid="open-profile" disabled={busy || path.trim() === ''}>
              {t('welcome.open')}
            </button>
          </div>
        </form>
      </section>
    </main>
  );
}
