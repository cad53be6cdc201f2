/**
 * /oncall: every schedule with who is on call now and who is next, in the schedule's own time zone, and the
 * Incident Commander rotation (the schedule paged when an incident lacks an IC).
 */
import { useState } from 'react';
import { ErrorBanner, FormActions, SelectField, useApiForm } from '../../components/forms.js';
import { Loadable } from '../../components/state.js';
import { DataTable, type Column } from '../../components/table.js';
import { Badge, Card, PageHeader } from '../../components/ui.js';
import { api } from '../../lib/api.js';
import { Link } from '../../lib/router.js';
import { useUser } from '../../lib/session.js';
import { useApi } from '../../lib/use-api.js';
import { useTeams } from './people.js';
import type { OnCall, Schedule } from './types.js';
import { formatIn, zoneAbbrev } from './zone.js';

export function SchedulesPage() {
  const me = useUser();
  const schedules = useApi<{ schedules: Schedule[] }>('/api/schedules');
  const now = useApi<{ oncall: OnCall[] }>('/api/oncall/now');
  const teams = useTeams();
  const byId = new Map((now.data?.oncall ?? []).map((o) => [o.scheduleId, o]));
  const columns: Column<Schedule>[] = [
    {
      id: 'name',
      header: 'Schedule',
      className: 'strong',
      sortValue: (s) => s.name.toLowerCase(),
      cell: (s) => (
        <>
          <Link to={`/oncall/schedules/${encodeURIComponent(s.id)}`}>{s.name}</Link>
          <div className="muted small">
            {s.layers.length} {s.layers.length === 1 ? 'layer' : 'layers'}
          </div>
        </>
      ),
    },
    {
      id: 'team',
      header: 'Team',
      sortValue: (s) => teams.name(s.teamId).toLowerCase(),
      cell: (s) => teams.name(s.teamId),
    },
    {
      id: 'zone',
      header: 'Time zone',
      hideOnPhone: true,
      sortValue: (s) => s.timezone,
      cell: (s) => (
        <>
          <span className="nowrap">{s.timezone}</span>{' '}
          <span className="muted small">{zoneAbbrev(Date.now(), s.timezone)}</span>
        </>
      ),
    },
    {
      id: 'now',
      header: 'On call now',
      cell: (s) => {
        const o = byId.get(s.id);
        return !o ? (
          <span className="muted">{now.error ? '—' : '…'}</span>
        ) : o.current ? (
          <>
            <span className="strong">{o.current.userName ?? o.current.userId}</span>{' '}
            {o.current.userId === me.id && <Badge tone="info">you</Badge>}
            <div className="muted small">until {formatIn(o.current.end, s.timezone)}</div>
          </>
        ) : (
          <Badge tone="bad">Nobody</Badge>
        );
      },
    },
    {
      id: 'next',
      header: 'Next',
      cell: (s) => {
        const o = byId.get(s.id);
        return o?.next ? (
          <>
            {o.next.userName ?? o.next.userId} {o.next.userId === me.id && <Badge tone="info">you</Badge>}
            <div className="muted small">from {formatIn(o.next.start, s.timezone)}</div>
          </>
        ) : (
          <span className="muted">—</span>
        );
      },
    },
  ];

  return (
    <>
      <PageHeader
        title="On-call"
        subtitle="Who is on call now and next in every schedule. Times are in each schedule's own time zone."
        actions={
          <>
            <Link to="/me/oncall" className="btn">
              My on-call
            </Link>
            <Link to="/oncall/new" className="btn btn-primary">
              New schedule
            </Link>
          </>
        }
      />
      <Card>
        <Loadable
          resource={schedules}
          what="schedules"
          isEmpty={(d) => d.schedules.length === 0}
          empty={
            <>
              No schedules yet. <Link to="/oncall/new">Create the first one</Link>: a rotation of people who take turns.
            </>
          }
        >
          {(d) => <DataTable label="Schedules" columns={columns} rows={d.schedules} rowKey={(s) => s.id} />}
        </Loadable>
      </Card>
      <CommanderRotationCard schedules={schedules.data?.schedules ?? null} isAdmin={me.isAdmin} />
      <p className="muted small">
        Who gets paged, and when, is set in <Link to="/escalation">escalation policies</Link>. Your own shifts and
        calendar link are on <Link to="/me/oncall">My on-call</Link>.
      </p>
    </>
  );
}

interface CommanderSetting {
  scheduleId: string | null;
}

/**
 * The Incident Commander rotation: the schedule paged when a P1 has no Incident Commander (at once) or a P2 still
 * has none after 30 minutes (GET/PUT /api/settings/incident-commander-schedule). One for the organisation;
 * administrators choose it.
 */
function CommanderRotationCard({ schedules, isAdmin }: { schedules: Schedule[] | null; isAdmin: boolean }) {
  const setting = useApi<CommanderSetting>('/api/settings/incident-commander-schedule');
  const name = (id: string | null) => (id ? (schedules?.find((s) => s.id === id)?.name ?? id) : null);
  return (
    <Card title="Incident Commander rotation">
      <p className="muted small">
        Paged when an incident has no Incident Commander: a P1 at once, a P2 after 30 minutes.
      </p>
      <Loadable resource={setting} what="the Incident Commander rotation">
        {(d) =>
          isAdmin && schedules ? (
            <CommanderRotationForm current={d.scheduleId} schedules={schedules} onSaved={setting.reload} />
          ) : (
            <p data-testid="ic-rotation">
              {name(d.scheduleId) ?? 'None: nobody is paged for a missing Incident Commander.'}
            </p>
          )
        }
      </Loadable>
    </Card>
  );
}

function CommanderRotationForm({
  current,
  schedules,
  onSaved,
}: {
  current: string | null;
  schedules: Schedule[];
  onSaved: () => void;
}) {
  const [saved, setSaved] = useState(false);
  const form = useApiForm({ scheduleId: current ?? '' }, async (v) => {
    setSaved(false);
    await api.put<CommanderSetting>('/api/settings/incident-commander-schedule', { scheduleId: v.scheduleId || null });
    setSaved(true);
    onSaved();
  });
  return (
    <form onSubmit={form.onSubmit} noValidate aria-label="Incident Commander rotation">
      <ErrorBanner error={form.error} fields={['scheduleId']} />
      <SelectField
        form={form}
        name="scheduleId"
        id="ic-schedule"
        label="Schedule"
        options={[{ value: '', text: 'None: page nobody' }, ...schedules.map((s) => ({ value: s.id, text: s.name }))]}
      />
      <FormActions busy={form.busy} submit="Save rotation" busyText="Saving…" />
      {saved && (
        <div className="saved small" role="status">
          Saved.
        </div>
      )}
    </form>
  );
}
