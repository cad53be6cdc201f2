/**
 * Who runs the incident: Incident Commander, Technical Lead, Communications Lead, each with a picker. The API's role
 * warnings (a P1 needs three different people, an IC now) stay on screen until they are resolved.
 */
import { useState } from 'react';
import { ErrorBanner } from '../../components/forms.js';
import { Card } from '../../components/ui.js';
import { api } from '../../lib/api.js';
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
  const base = incidentPath(detail.incident.id);
  const roleWarnings = detail.warnings.filter((w) => w.roles.length > 0 || w.code.startsWith('role'));

  const change = async (role: Role, userId: string) => {
    setBusy(role);
    setError(null);
    try {
      if (userId) await api.put(`${base}/roles/${role}`, { userId });
      else await api.del(`${base}/roles/${role}`);
      onChanged();
    } catch (e) {
      setError(e);
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
                {users.map((u) => (
                  <option key={u.id} value={u.id}>
                    {u.name || u.email}
                  </option>
                ))}
              </select>
              {busy === role && <span className="muted small">Saving…</span>}
            </div>
          );
        })}
      </div>
    </Card>
  );
}
