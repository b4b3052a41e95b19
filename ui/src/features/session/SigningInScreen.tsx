import { ErrorNotice } from '../../app/ErrorNotice';

interface SigningInScreenProps {
  url: string | null;
  error: unknown;
  onRetry: () => void;
  onBack: () => void;
}

export function SigningInScreen({ url, error, onRetry, onBack }: SigningInScreenProps) {
  const failed = error !== null && error !== undefined;
  return (
    <main className="centered" data-testid="signing-in">
      <section className="card">
        <h1>{failed ? 'Sign-in did not finish' : 'Continue in your browser…'}</h1>
        {!failed && (
          <p className="muted">
            Bailiwick opened your IAM&apos;s sign-in page in the system browser. Sign in there; this
            window continues by itself.
          </p>
        )}
        {url && (
          <p className="muted small">
            If no browser opened, visit:
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
              Try again
            </button>
          )}
          <button type="button" onClick={onBack}>
            Back
          </button>
        </div>
      </section>
    </main>
  );
}
