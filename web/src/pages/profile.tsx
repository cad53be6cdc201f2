import { useCallback, useMemo, useState } from 'react';
import { ErrorBanner, Field, useSubmit } from '../components/forms.js';
import { Card, PageHeader } from '../components/ui.js';
import { ApiError, api } from '../lib/api.js';
import { timeZones } from '../lib/format.js';
import { Link } from '../lib/router.js';
import { useSession } from '../lib/session.js';
import type { User } from '../lib/types.js';
import { useApi } from '../lib/use-api.js';
import type { ContactHealth } from './notifications/notifications.js';

export function ProfilePage() {
  const { session } = useSession();
  const user = session.user;
  const methods = useApi<{ contactMethods: { id: string; label: string; address: string; health?: ContactHealth }[] }>(
    `/api/users/${encodeURIComponent(user.id)}/contact-methods`,
  );
  const failing = (methods.data?.contactMethods ?? []).filter((m) => m.health?.status === 'failing');
  return (
    <>
      {failing.length > 0 && (
        <div className="banner banner-error" role="alert">
          <div>
            <strong>A contact method is failing:</strong> {failing.map((m) => m.label || m.address).join(', ')}. Pages
            sent to it are not reaching you. <Link to="/profile/notifications">Check your notification settings</Link>.
          </div>
        </div>
      )}
      <PageHeader
        title="Your profile"
        subtitle={user.email}
        actions={
          <Link to="/profile/notifications" className="btn">
            Notification settings
          </Link>
        }
      />
      <div className="grid-2 align-start">
        <ProfileForm user={user} />
        <PasswordForm user={user} />
      </div>
    </>
  );
}

function ProfileForm({ user }: { user: User }) {
  const { refresh } = useSession();
  const [name, setName] = useState(user.name);
  const [email, setEmail] = useState(user.email);
  const [timezone, setTimezone] = useState(user.timezone);
  const [saved, setSaved] = useState(false);
  const zones = useMemo(timeZones, []);
  const form = useSubmit(
    useCallback(async () => {
      setSaved(false);
      await api.patch<User>(`/api/users/${encodeURIComponent(user.id)}`, { name, email, timezone });
      await refresh();
      setSaved(true);
    }, [user.id, name, email, timezone, refresh]),
  );
  return (
    <Card title="Details">
      <form onSubmit={form.onSubmit} noValidate aria-label="Details">
        <ErrorBanner error={form.error} fields={['name', 'email', 'timezone']} />
        <Field label="Name" htmlFor="profile-name" error={form.fieldError('name')}>
          <input id="profile-name" value={name} onChange={(e) => setName(e.target.value)} />
        </Field>
        <Field label="Email" htmlFor="profile-email" error={form.fieldError('email')}>
          <input id="profile-email" type="email" value={email} onChange={(e) => setEmail(e.target.value)} />
        </Field>
        <Field
          label="Time zone"
          htmlFor="profile-timezone"
          error={form.fieldError('timezone')}
          hint="Times in Muster, and later your on-call shifts, are shown in this zone."
        >
          <input
            id="profile-timezone"
            list="timezones"
            value={timezone}
            onChange={(e) => setTimezone(e.target.value)}
          />
          <datalist id="timezones">
            {zones.map((z) => (
              <option key={z} value={z} />
            ))}
          </datalist>
        </Field>
        <div className="form-actions">
          <button type="submit" className="btn btn-primary" disabled={form.busy}>
            {form.busy ? 'Saving…' : 'Save'}
          </button>
          {saved && (
            <span className="saved" role="status">
              Saved
            </span>
          )}
        </div>
      </form>
    </Card>
  );
}

function PasswordForm({ user }: { user: User }) {
  const { refresh } = useSession();
  const [current, setCurrent] = useState('');
  const [password, setPassword] = useState('');
  const [confirm, setConfirm] = useState('');
  const [saved, setSaved] = useState(false);
  const form = useSubmit(
    useCallback(async () => {
      setSaved(false);
      if (password !== confirm)
        throw new ApiError(400, 'validation_failed', 'The two new passwords do not match.', [
          { field: 'confirm', message: 'does not match the new password' },
        ]);
      await api.put(`/api/users/${encodeURIComponent(user.id)}/password`, {
        password,
        ...(user.hasPassword ? { currentPassword: current } : {}),
      });
      setCurrent('');
      setPassword('');
      setConfirm('');
      setSaved(true);
      if (!user.hasPassword) await refresh();
    }, [user.id, user.hasPassword, current, password, confirm, refresh]),
  );
  return (
    <Card title={user.hasPassword ? 'Change password' : 'Set a password'}>
      <form onSubmit={form.onSubmit} noValidate aria-label="Password">
        <ErrorBanner error={form.error} fields={['currentPassword', 'password', 'confirm']} />
        {user.hasPassword && (
          <Field label="Current password" htmlFor="pw-current" error={form.fieldError('currentPassword')}>
            <input
              id="pw-current"
              type="password"
              autoComplete="current-password"
              value={current}
              onChange={(e) => setCurrent(e.target.value)}
            />
          </Field>
        )}
        <Field label="New password" htmlFor="pw-new" error={form.fieldError('password')} hint="At least 12 characters.">
          <input
            id="pw-new"
            type="password"
            autoComplete="new-password"
            value={password}
            onChange={(e) => setPassword(e.target.value)}
          />
        </Field>
        <Field label="Repeat new password" htmlFor="pw-confirm" error={form.fieldError('confirm')}>
          <input
            id="pw-confirm"
            type="password"
            autoComplete="new-password"
            value={confirm}
            onChange={(e) => setConfirm(e.target.value)}
          />
        </Field>
        <div className="form-actions">
          <button type="submit" className="btn btn-primary" disabled={form.busy}>
            {form.busy ? 'Saving…' : user.hasPassword ? 'Change password' : 'Set password'}
          </button>
          {saved && (
            <span className="saved" role="status">
              Password changed
            </span>
          )}
        </div>
      </form>
    </Card>
  );
}
