/**
 * Who runs the incident: Incident Commander, Technical Lead, Communications Lead, each with a picker. The API's role
 * warnings (a P1 needs three different people, an IC now) stay on screen until they are resolved.
 */
import { useState } from 'react';
import { ErrorBanner, FormActions, TextField, useApiForm } from '../../components/forms.js';
import { Card } from '../../components/ui.js';
import { ApiError, api } from '../../lib/api.js';
import { DoubleBookedMark, useEngagedElsewhere } from './engaged.js';
import { ROLES, ROLE_HINT, ROLE_TEXT, incidentPath, type IncidentDetail, type Role, type UserLite } from './types.js';

export function RolesPanel({
  detail,
  users,
  onChanged,
}: {
  detail: IncidentDetail;
  users: UserLite[];
  onChanged: () => void;
}) {
  const [busy, setBusy] = useState<Role | null>(null);
  const [error, setError] = useState<unknown>(null);
  // A second role for one person where the policy requires three people: the API asks for a reason (409).
  const [pending, setPending] = useState<{ role: Role; userId: string; message: string } | null>(null);
  const [booked, setBooked] = useState<string[]>([]);
  const base = incidentPath(detail.incident.id);
  const roleWarnings = detail.warnings.filter((w) => w.roles.length > 0 || w.code.startsWith('role'));
  // Who is engaged in another open incident: marked in the pickers, offered after those who are free.
  const busyElsewhere = useEngagedElsewhere(detail.incident.id, 0, detail.incident.status !== 'resolved');
  const ordered = [...users].sort((a, b) => Number(busyElsewhere.has(a.id)) - Number(busyElsewhere.has(b.id)));

  const change = async (role: Role, userId: string) => {
    setBusy(role);
    setError(null);
    try {
      if (userId) {
        const d = await api.put<{ warnings: Warning[] }>(`${base}/roles/${role}`, { userId });
        setBooked(d.warnings.filter((w) => w.code === 'double_booked').map((w) => w.message));
      } else await api.del(`${base}/roles/${role}`);
      setPending(null);
      onChanged();
    } catch (e) {
      if (e instanceof ApiError && e.code === 'roles_not_distinct') setPending({ role, userId, message: e.message });
      else setError(e);
    } finally {
      setBusy(null);
    }
  };

  return (
    <Card title="Roles">
      {roleWarnings.length > 0 && (
        <div className="banner banner-warn" role="alert" data-testid="role-warnings">
          {roleWarnings.map((w) => (
            <div key={w.code + w.message}>
              <strong>⚠ {w.message}</strong>
            </div>
          ))}
        </div>
      )}
      {booked.length > 0 && (
        <div className="banner banner-warn" role="status" data-testid="double-booked">
          {booked.map((m) => (
            <div key={m}>⚑ {m}</div>
          ))}
        </div>
      )}
      {pending && (
        <OverrideForm
          key={`${pending.role}:${pending.userId}`}
          pending={pending}
          base={base}
          onAssigned={(warnings) => {
            setBooked(warnings.filter((w) => w.code === 'double_booked').map((w) => w.message));
            setPending(null);
            onChanged();
          }}
          onCancel={() => setPending(null)}
        />
      )}
      <ErrorBanner error={error} />
      <div className="roles">
        {ROLES.map((role) => {
          const holder = detail.roles[role] ?? null;
          const id = `role-${role}`;
          const isWarned = roleWarnings.some((w) => w.roles.includes(role));
          return (
            <div key={role} className={isWarned ? 'role role-warn' : 'role'} data-role={role}>
              <label htmlFor={id} className="strong">
                {ROLE_TEXT[role]}
              </label>
              <div className="muted small">{ROLE_HINT[role]}</div>
              <select
                id={id}
                value={holder?.userId ?? ''}
                disabled={busy !== null}
                onChange={(e) => void change(role, e.target.value)}
              >
                <option value="">— Nobody —</option>
                {holder && !users.some((u) => u.id === holder.userId) && (
                  <option value={holder.userId}>{holder.name}</option>
                )}
                {ordered.map((u) => (
                  <option key={u.id} value={u.id}>
                    {`${u.name || u.email}${busyElsewhere.has(u.id) ? ' — ⚑ double-booked' : ''}`}
                  </option>
                ))}
              </select>
              {holder && <DoubleBookedMark incidents={busyElsewhere.get(holder.userId)} />}
              {busy === role && <span className="muted small">Saving…</span>}
            </div>
          );
        })}
      </div>
    </Card>
  );
}

type Warning = { code: string; message: string };

/**
 * A second role for one person where the policy requires distinct people: the API refused it (409) and assigns it
 * with a reason, which lands on the timeline.
 */
function OverrideForm({
  pending,
  base,
  onAssigned,
  onCancel,
}: {
  pending: { role: Role; userId: string; message: string };
  base: string;
  onAssigned: (warnings: Warning[]) => void;
  onCancel: () => void;
}) {
  const form = useApiForm<{ overrideReason: string }>({ overrideReason: '' }, async (v) => {
    const d = await api.put<{ warnings: Warning[] }>(`${base}/roles/${pending.role}`, {
      userId: pending.userId,
      overrideReason: v.overrideReason.trim(),
    });
    onAssigned(d.warnings);
  });
  const reason = form.watch('overrideReason');
  return (
    <form className="banner banner-warn" data-testid="override-reason" onSubmit={form.onSubmit}>
      <p>{pending.message}</p>
      <TextField
        form={form}
        name="overrideReason"
        id="override-reason-text"
        label="Reason for one person in two roles"
        maxLength={2000}
      />
      <ErrorBanner error={form.error} fields={['overrideReason']} />
      <FormActions busy={form.busy} submit="Assign anyway" busyText="Assigning…" disabled={!reason.trim()}>
        <button type="button" className="btn btn-ghost" onClick={onCancel}>
          Choose someone else
        </button>
      </FormActions>
    </form>
  );
}
