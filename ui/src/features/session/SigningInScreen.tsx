import { useTranslation } from 'react-i18next';

import { ErrorNotice } from '../../app/ErrorNotice';

interface SigningInScreenProps {
  url: string | null;
  error: unknown;
  onRetry: () => void;
  onBack: () => void;
}

export function SigningInScreen({ url, error, onRetry, onBack }: SigningInScreenProps) {
  const { t } = useTranslation();
  const failed = error !== null && error !== undefined;
  return (
    <main className="centered" data-testid="signing-in">
      <section className="card">
        <h1>{failed ? t('signIn.failed') : t('signIn.continueInBrowser')}</h1>
        {!failed && (
          <p className="muted">{t('signIn.explanation')}</p>
        )}
        {url && (
          <p className="muted small">
            {t('signIn.noBrowser')}
            <br />
            <code className="url" data-testid="sign-in-url">
              {url}
            </code>
          </p>
        )}
        {failed && <ErrorNotice error={error} testId="sign-in-error" />}
        <div className="actions">
          {failed && (
            <button type="button" className="primary" onClick={onRetry}>
              {t('signIn.tryAgain')}
            </button>
          )}
          <button type="button" onClick={onBack}>
            {t('common.back')}
          </button>
        </div>
      </section>
    </main>
  );
}
