import { useEffect, useRef, useState } from 'react';
import { ErrorBanner } from '../components/forms.js';
import { Loading } from '../components/ui.js';
import { api } from '../lib/api.js';
import { Link, navigate } from '../lib/router.js';
import { useAuth } from '../lib/session.js';
import type { Session } from '../lib/types.js';
import { AuthFrame } from './signin.js';

/** Read `#token=…` once, take it out of the address bar and history, and trade it for a session. */
function takeToken(): string | null {
  const hash = new URLSearchParams(window.location.hash.replace(/^#/, ''));
  const token = hash.get('token');
  if (window.location.hash) window.history.replaceState(null, '', window.location.pathname);
  return token;
}

export function SignInLinkPage() {
  const { setSession } = useAuth();
  const [error, setError] = useState<unknown>(null);
  const [missing, setMissing] = useState(false);
  // The token is single use; StrictMode runs effects twice in development, so remember that we already sent it.
  const started = useRef(false);

  useEffect(() => {
    if (started.current) return;
    started.current = true;
    const token = takeToken();
    if (!token) {
      setMissing(true);
      return;
    }
    api.post<Session>('/api/auth/link', { token }, { quiet401: true }).then(
      (s) => {
        setSession(s);
        navigate(s.user.hasPassword ? '/' : '/set-password', { replace: true });
      },
      (e: unknown) => setError(e),
    );
  }, [setSession]);

  return (
    <AuthFrame title="One-time sign-in link">
      {missing ? (
        <div className="banner banner-error" role="alert">
          <strong>This link has no token.</strong> Open the full link you were sent, or ask an administrator for a new
          one.
        </div>
      ) : error ? (
        <>
          <ErrorBanner error={error} />
          <p className="muted">Links work once and expire after 24 hours. Ask an administrator for a new one.</p>
        </>
      ) : (
        <Loading what="Checking your link" />
      )}
      {(missing || !!error) && (
        <p className="auth-foot">
          <Link to="/signin">Sign in with a password instead</Link>
        </p>
      )}
    </AuthFrame>
  );
}
