import { useState, type FormEvent } from 'react';

import { ErrorNotice } from '../../app/ErrorNotice';

interface WelcomeScreenProps {
  busy: boolean;
  error: unknown;
  onOpenDemo: () => void;
  onOpenProfile: (path: string) => void;
}

export function WelcomeScreen({ busy, error, onOpenDemo, onOpenProfile }: WelcomeScreenProps) {
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
        <p className="muted">
          Administer the users, roles and partner grants of your business units — and nothing
          outside them.
        </p>
        {error !== null && error !== undefined && <ErrorNotice error={error} testId="welcome-error" />}
        <div className="choice">
          <h2>Try it</h2>
          <p className="muted small">
            A demo IAM starts inside the app, with a sample Exstream organisation and demo admins.
          </p>
          <button
            type="button"
            className="primary"
            data-testid="open-demo"
            disabled={busy}
            onClick={onOpenDemo}
          >
            {busy ? 'Opening…' : 'Open the demo workspace'}
          </button>
        </div>
        <form className="choice" onSubmit={submitProfile}>
          <h2>Use a profile</h2>
          <label className="muted small" htmlFor="profile-path">
            The profile file (TOML) your IT department gave you
          </label>
          <div className="row">
            <input
              id="profile-path"
              data-testid="profile-path"
              placeholder="/path/to/profile.toml"
              value={path}
              onChange={(event) => setPath(event.target.value)}
              disabled={busy}
              spellCheck={false}
            />
            <button type="submit" data-testid="open-profile" disabled={busy || path.trim() === ''}>
              Open
            </button>
          </div>
        </form>
      </section>
    </main>
  );
}
