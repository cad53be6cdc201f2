import { useMemo, useState } from 'react';
import { ErrorBanner, FormActions, TextField, useApiForm } from '../components/forms.js';
import { Card, PageHeader } from '../components/ui.js';
import { api } from '../lib/api.js';
import { timeZones } from '../lib/format.js';
import { Link } from '../lib/router.js';
import { useSession } from '../lib/session.js';
import type { User } from '../lib/types.js';
import { useApi } from '../lib/use-api.js';
import { DigestCard } from './insights-digest.js';
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
        <DigestCard />
      </div>
    </>
  );
}

/** "Saved" beside a form's button after it saved; gone again when the form is sent anew. */
function SavedNote({ text }: { text: string }) {
  return (
    <span className="saved" role="status">
      {text}
    </span>
  );
}

function ProfileForm({ user }: { user: User }) {
  const { refresh } = useSession();
  const [saved, setSaved] = useState(false);
  const zones = useMemo(timeZones, []);
  const form = useApiForm({ name: user.name, email: user.email, timezone: user.timezone }, async (v) => {
    await api.patch<User>(`/api/users/${encodeURIComponent(user.id)}`, {
      name: v.name,
      email: v.email,
      timezone: v.timezone,
    });
    await refresh();
    setSaved(true);
  });
  return (
    <Card title="Details">
      <form
        onSubmit={(e) => {
          setSaved(false);
          form.onSubmit(e);
        }}
        noValidate
        aria-label="Details"
      >
        <ErrorBanner error={form.error} fields={['name', 'email', 'timezone']} />
        <TextField form={form} name="name" id="profile-name" label="Name" />
        <TextField form={form} name="email" id="profile-email" label="Email" type="email" />
        <TextField
          form={form}
          name="timezone"
          id="profile-timezone"
          label="Time zone"
          list="timezones"
          hint="Times in Muster, and later your on-call shifts, are shown in this zone."
        />
        <datalist id="timezones">
          {zones.map((z) => (
            <option key={z} value={z} />
          ))}
        </datalist>
        <FormActions busy={form.busy} submit="Save" busyText="Saving…">
          {saved && <SavedNote text="Saved" />}
        </FormActions>
      </form>
    </Card>
  );
}

function PasswordForm({ user }: { user: User }) {
  const { refresh } = useSession();
  const [saved, setSaved] = useState(false);
  const form = useApiForm({ currentPassword: '', password: '', confirm: '' }, async (v) => {
    await api.put(`/api/users/${encodeURIComponent(user.id)}/password`, {
      password: v.password,
      ...(user.hasPassword ? { currentPassword: v.currentPassword } : {}),
    });
    form.reset();
    setSaved(true);
    if (!user.hasPassword) await refresh();
  });
  return (
    <Card title={user.hasPassword ? 'Change password' : 'Set a password'}>
      <form
        onSubmit={(e) => {
          setSaved(false);
          form.onSubmit(e);
        }}
        noValidate
        aria-label="Password"
      >
        <ErrorBanner error={form.error} fields={['currentPassword', 'password', 'confirm']} />
        {user.hasPassword && (
          <TextField
            form={form}
            name="currentPassword"
            id="pw-current"
            label="Current password"
            type="password"
            autoComplete="current-password"
          />
        )}
        <TextField
          form={form}
          name="password"
          id="pw-new"
          label="New password"
          type="password"
          autoComplete="new-password"
          hint="At least 12 characters."
        />
        <TextField
          form={form}
          name="confirm"
          id="pw-confirm"
          label="Repeat new password"
          type="password"
          autoComplete="new-password"
          rules={{ validate: (v, all) => v === all.password || 'does not match the new password' }}
        />
        <FormActions busy={form.busy} submit={user.hasPassword ? 'Change password' : 'Set password'} busyText="Saving…">
          {saved && <SavedNote text="Password changed" />}
        </FormActions>
      </form>
    </Card>
  );
}
