/** /me/oncall: my shifts in the next 30 days (in my zone), my calendar feed, and swap requests that involve me. */
import { FeedLink } from '../../components/feed-link.js';
import { DataTable, type Column } from '../../components/table.js';
import { Badge, Card, Empty, LoadError, Loading, PageHeader } from '../../components/ui.js';
import { Link } from '../../lib/router.js';
import { useUser } from '../../lib/session.js';
import { useApi } from '../../lib/use-api.js';
import { OnCallNowCard } from './now-card.js';
import { usePeople } from './people.js';
import { MonthShare, RecoveryNotices } from './recovery.js';
import { SwapList } from './swaps.js';
import type { Schedule, Swap, UserShifts } from './types.js';
import { browserZone, formatDuration, formatIn, formatRange, zoneAbbrev } from './zone.js';

type MyShift = UserShifts['shifts'][number];

/** My shifts as a DataTable (rows become cards below 600 px): times in my zone, and in the schedule's when it differs. */
function shiftColumns(
  zone: string,
  now: number,
  zoneOf: (scheduleId: string) => string | undefined,
): Column<MyShift>[] {
  return [
    {
      id: 'schedule',
      header: 'Schedule',
      className: 'strong',
      cell: (s) => {
        const a = Date.parse(s.start);
        const b = Date.parse(s.end);
        return (
          <>
            <Link to={`/oncall/schedules/${encodeURIComponent(s.scheduleId)}`}>{s.scheduleName}</Link>{' '}
            {a <= now && now < b && <Badge tone="good">on call now</Badge>}{' '}
            {s.sourceKind === 'override' && <Badge tone="warn">override</Badge>}
          </>
        );
      },
    },
    {
      id: 'from',
      header: `From (${zoneAbbrev(now, zone)})`,
      className: 'nowrap',
      cell: (s) => formatIn(s.start, zone),
    },
    { id: 'until', header: 'Until', className: 'nowrap', cell: (s) => formatIn(s.end, zone) },
    {
      id: 'length',
      header: 'Length',
      className: 'nowrap',
      cell: (s) => formatDuration(Date.parse(s.end) - Date.parse(s.start)),
    },
    {
      id: 'schedule-zone',
      header: "In the schedule's zone",
      className: 'muted small',
      hideOnPhone: true,
      cell: (s) => {
        const sz = zoneOf(s.scheduleId);
        return sz && sz !== zone ? `${formatRange(s.start, s.end, sz)} (${sz})` : 'same';
      },
    },
  ];
}

export function MyOnCallPage() {
  const me = useUser();
  const zone = me.timezone || browserZone();
  const shifts = useApi<UserShifts>('/api/users/me/shifts');
  const swaps = useApi<{ swaps: Swap[] }>('/api/swaps?mine=true&status=pending');
  const schedules = useApi<{ schedules: Schedule[] }>('/api/schedules');
  const people = usePeople();
  const byId = new Map((schedules.data?.schedules ?? []).map((s) => [s.id, s]));
  const now = Date.now();

  return (
    <>
      <PageHeader
        title="My on-call"
        subtitle={
          <>
            Your shifts in every schedule over the next 30 days, in your time zone <strong>{zone}</strong> (
            {zoneAbbrev(now, zone)}). Change it on your <Link to="/profile">profile</Link>.
          </>
        }
        actions={
          <Link to="/profile/notifications" className="btn">
            How Muster reaches me
          </Link>
        }
      />
      <OnCallNowCard
        shifts={shifts.data?.shifts ?? null}
        schedules={byId}
        zone={zone}
        people={people}
        now={now}
        onAsked={() => swaps.reload()}
      />
      <RecoveryNotices zone={zone} people={people} onCovered={() => shifts.reload()} />
      <Card title="Pending swap requests">
        <SwapList
          swaps={swaps.data?.swaps ?? []}
          zone={(s) => byId.get(s.scheduleId)?.timezone ?? zone}
          people={people}
          error={swaps.error}
          loading={!swaps.data}
          reload={swaps.reload}
          onChanged={() => {
            swaps.reload();
            shifts.reload();
          }}
          showSchedule
          scheduleName={(id) => byId.get(id)?.name ?? id}
        />
      </Card>
      <Card
        title={
          <span className="card-title-row">
            <span>Upcoming shifts</span>
            {shifts.data && <span className="muted small">{Math.round(shifts.data.hours * 10) / 10} h in total</span>}
          </span>
        }
      >
        <MonthShare userId={me.id} zone={zone} />
        {shifts.error ? (
          <LoadError error={shifts.error} retry={shifts.reload} />
        ) : !shifts.data ? (
          <Loading what="Loading your shifts" />
        ) : shifts.data.shifts.length === 0 ? (
          <Empty>You are not on call in the next 30 days.</Empty>
        ) : (
          <DataTable
            label="My shifts"
            rows={shifts.data.shifts}
            rowKey={(s) => `${s.scheduleId}-${s.start}`}
            columns={shiftColumns(zone, now, (id) => byId.get(id)?.timezone)}
          />
        )}
      </Card>
      <Card title="My calendar feed">
        <FeedLink path={`/api/users/${encodeURIComponent(me.id)}/feed`} what="your own shifts across every schedule" />
      </Card>
    </>
  );
}
