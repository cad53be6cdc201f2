/**
 * Who runs the incident: Incident Commander, Technical Lead, Communications Lead, each with a picker. The API's role
 * warnings (a P1 needs three different people, an IC now) stay on screen until they are resolved.
 */
import { useState } from 'react';
import { ErrorBanner } from '../../components/forms.js';
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
  const [reason, setReason] = useState('');
  const [booked, setBooked] = useState<string[]>([]);
  const base = incidentPath(detail.incident.id);
  const roleWarnings = detail.warnings.filter((w) => w.roles.length > 0 || w.code.startsWith('role'));
  // Who is engaged in another open incident: marked in the pickers, offered after those who are free.
  const busyElsewhere = useEngagedElsewhere(detail.incident.id);
  const ordered = [...users].sort((a, b) => Number(busyElsewhere.has(a.id)) - Number(busyElsewhere.has(b.id)));

  const change = async (role: Role, userId: string, overrideReason?: string) => {
    setBusy(role);
    setError(null);
    try {
      if (userId) {
        const d = await api.put<{ warnings: { code: string; message: string }[] }>(`${base}/roles/${role}`, {
          userId,
          ...(overrideReason ? { overrideReason } : {}),
        });
        setBooked(d.warnings.filter((w) => w.code === 'double_booked').map((w) => w.message));
      } else await api.del(`${base}/roles/${role}`);
      setPending(null);
      setReason('');
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
        <form
          className="banner banner-warn"
          data-testid="override-reason"
          onSubmit={(e) => {
            e.preventDefault();
            if (reason.trim()) void change(pending.role, pending.userId, reason.trim());
          }}
        >
          <p>{pending.message}</p>
          <label htmlFor="override-reason-text">Reason for one person in two roles</label>
          <input
            id="override-reason-text"
            value={reason}
            maxLength={2000}
            onChange={(e) => setReason(e.target.value)}
            style={{ width: '100%' }}
          />
          <div>
            <button type="submit" className="btn btn-small btn-primary" disabled={!reason.trim() || busy !== null}>
              Assign anyway
            </button>{' '}
            <button type="button" className="btn btn-small" onClick={() => setPending(null)}>
              Choose someone else
            </button>
          </div>
        </form>
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
