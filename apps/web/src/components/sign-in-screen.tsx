import { useState } from 'preact/hooks';
import { ApiError } from '../api/api-error';
import { authApi, type Me } from '../api/auth-api';

const FAILED: Record<string, string> = {
  UNAUTHORIZED: 'The sign-in could not be completed. Please try again.',
  BUSY: 'The sign-in provider cannot be reached right now. Please try again shortly.',
};

/** Shown when the server needs sign-in: a form for Relay's own accounts (local), a button for the provider (oidc). */
export function SignInScreen({ mode, onSignedIn }: { mode: Me['mode']; onSignedIn(me: Me): void }) {
  const returned = new URLSearchParams(window.location.search).get('signInError');
  const [error, setError] = useState<string | null>(returned ? (FAILED[returned] ?? FAILED.UNAUTHORIZED) : null);
  const [busy, setBusy] = useState(false);

  const submit = async (e: Event) => {
    e.preventDefault();
    const form = e.currentTarget as HTMLFormElement;
    const username = (form.elements.namedItem('username') as HTMLInputElement).value;
    const password = (form.elements.namedItem('password') as HTMLInputElement).value;
    setBusy(true);
    try {
      onSignedIn(await authApi.login(username, password));
    } catch (err) {
      setError(
        err instanceof ApiError && err.code === 'RATE_LIMITED'
          ? 'Too many attempts. Wait a minute, then try again.'
          : err instanceof ApiError && err.status === 401
            ? 'Wrong user name or password.'
            : err instanceof Error
              ? err.message
              : String(err),
      );
    } finally {
      setBusy(false);
    }
  };

  return (
    <main class="sign-in">
      <div class="sign-in-card">
        <h1>Relay</h1>
        <p>Sign in to chat with your team’s documents.</p>
        {error ? (
          <p class="error" role="alert" data-testid="sign-in-error">
            {error}
          </p>
        ) : null}
        {mode === 'local' ? (
          <form onSubmit={(e) => void submit(e)} class="sign-in-form">
            <label>
              User name
              <input name="username" autocomplete="username" required autoFocus />
            </label>
            <label>
              Password
              <input name="password" type="password" autocomplete="current-password" required />
            </label>
            <button type="submit" class="button primary" disabled={busy}>
              {busy ? 'Signing in…' : 'Sign in'}
            </button>
          </form>
        ) : (
          <button type="button" class="button primary" onClick={() => authApi.startOidc()} autoFocus>
            Sign in with your organisation
          </button>
        )}
      </div>
    </main>
  );
}
