import { useCallback, useState } from 'react';
import { ErrorBanner, Field, useSubmit } from '../components/forms.js';
import { ApiError, api } from '../lib/api.js';
import { navigate } from '../lib/router.js';
import { useSession } from '../lib/session.js';
import { Card, PageHeader } from '../components/ui.js';

/** After a one-time link: the user has no password yet and chooses one. */
export function SetPasswordPage() {
  const { session, refresh } = useSession();
  const user = session.user;
  const [password, setPassword] = useState('');
  const [confirm, setConfirm] = useState('');

  const form = useSubmit(
    useCallback(async () => {
      if (password !== confirm)
        throw new ApiError(400, 'validation_failed', 'The two passwords do not match.', [
          { field: 'confirm', message: 'does not match the password' },
        ]);
      await api.put(`/api/users/${encodeURIComponent(user.id)}/password`, { password });
      await refresh();
      navigate('/', { replace: true });
    }, [password, confirm, user.id, refresh]),
  );

  return (
    <>
      <PageHeader
        title="Set your password"
        subtitle={
          user.hasPassword
            ? 'You already have a password; change it on your profile page.'
            : `Welcome, ${user.name || user.email}. Choose a password so you can sign in again later.`
        }
      />
      <Card className="narrow">
        <form onSubmit={form.onSubmit} noValidate>
          <ErrorBanner error={form.error} fields={['password', 'confirm']} />
          <Field
            label="New password"
            htmlFor="new-password"
            error={form.fieldError('password')}
            hint="At least 12 characters; a passphrase works well."
          >
            <input
              id="new-password"
              type="password"
              autoComplete="new-password"
              autoFocus
              value={password}
              onChange={(e) => setPassword(e.target.value)}
            />
          </Field>
          <Field label="Repeat it" htmlFor="confirm-password" error={form.fieldError('confirm')}>
            <input
              id="confirm-password"
              type="password"
              autoComplete="new-password"
              value={confirm}
              onChange={(e) => setConfirm(e.target.value)}
            />
          </Field>
          <div className="form-actions">
            <button type="submit" className="btn btn-primary" disabled={form.busy}>
              {form.busy ? 'Saving…' : 'Set password'}
            </button>
          </div>
        </form>
      </Card>
    </>
  );
}
