import { useCallback, useEffect, useState, type ReactNode } from 'react';
import { ErrorBanner, Field, useSubmit } from '../components/forms.js';
import { api } from '../lib/api.js';
import { navigate, safeNext, useLocation } from '../lib/router.js';
import { useAuth } from '../lib/session.js';
import type { Session } from '../lib/types.js';

export function AuthFrame({ title, children }: { title: string; children: ReactNode }) {
  return (
    <div className="auth">
      <div className="auth-card">
        <div className="auth-brand">
          <span className="brand-mark" aria-hidden="true">
            M
          </span>
          <span>Muster</span>
        </div>
        <h1>{title}</h1>
        {children}
      </div>
    </div>
  );
}

export function SignInPage() {
  const { session, setSession } = useAuth();
  const { search } = useLocation();
  const next = safeNext(search.get('next'));
  const [email, setEmail] = useState('');
  const [password, setPassword] = useState('');

  useEffect(() => {
    if (session) navigate(next, { replace: true });
  }, [session, next]);

  const form = useSubmit(
    useCallback(async () => {
      const s = await api.post<Session>('/api/auth/sign-in', { email, password }, { quiet401: true });
      setSession(s);
      navigate(next, { replace: true });
    }, [email, password, next, setSession]),
  );

  return (
    <AuthFrame title="Sign in">
      <form onSubmit={form.onSubmit} noValidate>
        <ErrorBanner error={form.error} fields={['email', 'password']} />
        <Field label="Email" htmlFor="signin-email" error={form.fieldError('email')}>
          <input
            id="signin-email"
            name="email"
            type="email"
            autoComplete="username"
            autoFocus
            required
            value={email}
            onChange={(e) => setEmail(e.target.value)}
          />
        </Field>
        <Field label="Password" htmlFor="signin-password" error={form.fieldError('password')}>
          <input
            id="signin-password"
            name="password"
            type="password"
            autoComplete="current-password"
            required
            value={password}
            onChange={(e) => setPassword(e.target.value)}
          />
        </Field>
        <button type="submit" className="btn btn-primary btn-block" disabled={form.busy}>
          {form.busy ? 'Signing in…' : 'Sign in'}
        </button>
      </form>
      <p className="auth-foot muted small">
        Lost access? An administrator can send you a one-time sign-in link, or run{' '}
        <code>muster user link &lt;email&gt;</code>.
      </p>
    </AuthFrame>
  );
}
