/** Maintenance windows of a service: between start and end its alerts are recorded but page nobody. */
import { useMemo, useState } from 'react';
import { ConfirmButton, ErrorBanner, FormActions, TextField, useApiForm } from '../../components/forms.js';
import { Loadable } from '../../components/state.js';
import { DataTable, type Column } from '../../components/table.js';
import { Badge, Card } from '../../components/ui.js';
import { api, ApiError } from '../../lib/api.js';
import { formatTime } from '../../lib/format.js';
import { useUser } from '../../lib/session.js';
import { useApi } from '../../lib/use-api.js';
import { browserZone, durationText, fromLocalInput, toLocalInput } from '../alerts/time-input.js';
import { WindowWhen } from '../alerts/silences.js';
import type { MaintenanceWindow, Service } from '../alerts/types.js';

const TONE = { active: 'warn', pending: 'info', expired: 'neutral' } as const;

export function MaintenanceWindows({ service }: { service: Service }) {
  const user = useUser();
  const path = `/api/services/${encodeURIComponent(service.id)}/maintenance-windows`;
  const windows = useApi<{ maintenanceWindows: MaintenanceWindow[] }>(path);
  const [showForm, setShowForm] = useState(false);
  const [removeError, setRemoveError] = useState<unknown>(null);
  // Before the maintenance API exists (404), leave the section out.
  if (windows.error instanceof ApiError && windows.error.status === 404) return null;

  const remove = async (w: MaintenanceWindow) => {
    setRemoveError(null);
    try {
      await api.del(`${path}/${encodeURIComponent(w.id)}`);
      windows.reload();
    } catch (e) {
      setRemoveError(e);
    }
  };
  const list = windows.data?.maintenanceWindows ?? [];
  const active = list.find((w) => w.status === 'active');
  const shown = list.filter((w) => w.status !== 'expired' || Date.now() - Date.parse(w.endsAt) < 7 * 86400_000);

  const tz = user.timezone;
  const columns: Column<MaintenanceWindow>[] = [
    {
      id: 'when',
      header: 'When',
      className: 'small',
      sortValue: (w) => w.startsAt,
      cell: (w) => <WindowWhen startsAt={w.startsAt} endsAt={w.endsAt} status={w.status} timeZone={tz} />,
    },
    {
      id: 'why',
      header: 'Why',
      cell: (w) => (
        <>
          {w.comment || <span className="muted">—</span>}
          <div className="muted small">by {w.createdByLabel}</div>
        </>
      ),
    },
    { id: 'status', header: 'Status', cell: (w) => <Badge tone={TONE[w.status]}>{w.status}</Badge> },
    {
      id: 'actions',
      header: 'Actions',
      align: 'actions',
      cell: (w) =>
        w.status !== 'expired' && (
          <ConfirmButton
            label={w.status === 'active' ? 'End now' : 'Cancel'}
            confirmLabel={w.status === 'active' ? 'End maintenance' : 'Cancel window'}
            onConfirm={() => void remove(w)}
          />
        ),
    },
  ];

  return (
    <Card title="Maintenance windows">
      {active && (
        <div className="banner banner-warn" role="note">
          <strong>In maintenance until {formatTime(active.endsAt, user.timezone)}.</strong> Alerts of this service page
          nobody until then.
        </div>
      )}
      {removeError ? <ErrorBanner error={removeError} /> : null}
      {windows.data || windows.error ? (
        <Loadable
          resource={windows}
          what="maintenance windows"
          isEmpty={() => shown.length === 0}
          empty="No maintenance planned."
        >
          {() => (
            <DataTable
              label="Maintenance windows"
              dense
              columns={columns}
              rows={shown}
              rowKey={(w) => w.id}
              rowClassName={(w) => (w.status === 'expired' ? 'row-dim' : undefined)}
            />
          )}
        </Loadable>
      ) : null}
      {showForm ? (
        <PlanMaintenance
          path={path}
          onDone={() => {
            setShowForm(false);
            windows.reload();
          }}
          onCancel={() => setShowForm(false)}
        />
      ) : (
        <button type="button" className="btn" onClick={() => setShowForm(true)}>
          Plan maintenance
        </button>
      )}
    </Card>
  );
}

function PlanMaintenance({ path, onDone, onCancel }: { path: string; onDone: () => void; onCancel: () => void }) {
  const now = useMemo(() => new Date(), []);
  const form = useApiForm(
    { startsAt: toLocalInput(now), endsAt: toLocalInput(new Date(now.getTime() + 3600_000)), comment: '' },
    async (v) => {
      const end = fromLocalInput(v.endsAt);
      if (!end) throw new Error('Give the maintenance window an end time.');
      const start = fromLocalInput(v.startsAt);
      await api.post(path, {
        ...(start ? { startsAt: start } : {}),
        endsAt: end,
        ...(v.comment.trim() ? { comment: v.comment.trim() } : {}),
      });
      onDone();
    },
  );
  const start = fromLocalInput(form.watch('startsAt'));
  const end = fromLocalInput(form.watch('endsAt'));
  const length = start && end ? Date.parse(end) - Date.parse(start) : null;
  return (
    <form onSubmit={form.onSubmit} noValidate aria-label="Plan maintenance" className="subform">
      <ErrorBanner error={form.error} fields={['startsAt', 'endsAt', 'comment']} />
      <div className="grid-2">
        <TextField
          form={form}
          name="startsAt"
          id="mw-starts"
          label="Starts"
          type="datetime-local"
          hint={browserZone()}
        />
        <TextField
          form={form}
          name="endsAt"
          id="mw-ends"
          label="Ends"
          type="datetime-local"
          hint={length !== null && length > 0 ? durationText(length) : undefined}
        />
      </div>
      <TextField
        form={form}
        name="comment"
        id="mw-comment"
        label="Reason"
        placeholder="Database upgrade, ticket OPS-123"
      />
      <FormActions busy={form.busy} submit="Plan maintenance" busyText="Saving…" onCancel={onCancel} />
    </form>
  );
}
