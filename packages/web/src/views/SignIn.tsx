// Sign-in: paste an API token once; the server answers with an httpOnly session cookie. The token
// is never stored by the page and the field is cleared whatever the answer.
import { useState, type FormEvent } from 'react';
import { api, type SessionView } from '../api/client';
import { ErrorBanner } from '../components/common';

export function SignIn({ expired, onSignedIn }: { expired: boolean; onSignedIn: (s: SessionView) => void }) {
  const [token, setToken] = useState('');
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<unknown>(null);

  const submit = (e: FormEvent): void => {
    e.preventDefault();
    const t = token.trim();
    if (!t) return;
    setBusy(true);
    setError(null);
    setToken('');
    api.session.signIn(t).then(
      (s) => onSignedIn(s),
      (err: unknown) => {
        setError(err);
        setBusy(false);
      },
    );
  };

  return (
    <div className="signin-page">
      <form className="signin" onSubmit={submit} autoComplete="off">
        <h1>
          <span className="brand-mark" aria-hidden="true">
            ▤
          </span>{' '}
          Runledger
        </h1>
        <p className="muted">Executable runbooks and a tamper-evident ledger. Sign in with an API token.</p>
        {expired && !error && <div className="banner warn">Your session has ended. Sign in again to continue.</div>}
        <label htmlFor="token">API token</label>
        <input
          id="token"
          name="token"
          type="password"
          autoComplete="off"
          spellCheck={false}
          autoFocus
          value={token}
          onChange={(e) => setToken(e.target.value)}
          placeholder="rlt_…"
          data-testid="signin-token"
        />
        <p className="hint">
          An admin creates one with <code>runledger tokens create --name NAME --role viewer|operator|approver|admin</code>; it is printed once.
        </p>
        <ErrorBanner error={error} what="Sign-in failed" />
        <button type="submit" className="primary" disabled={busy || token.trim() === ''} data-testid="signin-submit">
          {busy ? 'Signing in…' : 'Sign in'}
        </button>
      </form>
    </div>
  );
}
