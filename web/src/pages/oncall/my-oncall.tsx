/** /me/oncall: my shifts in the next 30 days (in my zone), my calendar feed, and swap requests that involve me. */
import { FeedLink } from '../../components/feed-link.js';
import { Badge, Card, Empty, LoadError, Loading, PageHeader } from '../../components/ui.js';
import { Link } from '../../lib/router.js';
import { useUser } from '../../lib/session.js';
import { useApi } from '../../lib/use-api.js';
import { usePeople } from './people.js';
import { SwapList } from './swaps.js';
import type { Schedule, Swap, UserShifts } from './types.js';
import { browserZone, formatDuration, formatIn, formatRange, zoneAbbrev } from './zone.js';

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
        {shifts.error ? (
          <LoadError error={shifts.error} retry={shifts.reload} />
        ) : !shifts.data ? (
          <Loading what="Loading your shifts" />
        ) : shifts.data.shifts.length === 0 ? (
          <Empty>You are not on call in the next 30 days.</Empty>
        ) : (
          <table className="table" aria-label="My shifts">
            <thead>
              <tr>
                <th>Schedule</th>
                <th>From ({zoneAbbrev(now, zone)})</th>
                <th>Until</th>
                <th>Length</th>
                <th>In the schedule&apos;s zone</th>
              </tr>
            </thead>
            <tbody>
              {shifts.data.shifts.map((s) => {
                const a = Date.parse(s.start);
                const b = Date.parse(s.end);
                const sz = byId.get(s.scheduleId)?.timezone;
                return (
                  <tr key={`${s.scheduleId}-${s.start}`}>
                    <td className="strong">
                      <Link to={`/oncall/schedules/${encodeURIComponent(s.scheduleId)}`}>{s.scheduleName}</Link>{' '}
                      {a <= now && now < b && <Badge tone="good">on call now</Badge>}{' '}
                      {s.sourceKind === 'override' && <Badge tone="warn">override</Badge>}
                    </td>
                    <td className="nowrap">{formatIn(a, zone)}</td>
                    <td className="nowrap">{formatIn(b, zone)}</td>
                    <td className="nowrap">{formatDuration(b - a)}</td>
                    <td className="muted small">{sz && sz !== zone ? `${formatRange(a, b, sz)} (${sz})` : 'same'}</td>
                  </tr>
                );
              })}
            </tbody>
          </table>
        )}
      </Card>
      <Card title="My calendar feed">
        <FeedLink path={`/api/users/${encodeURIComponent(me.id)}/feed`} what="your own shifts across every schedule" />
      </Card>
    </>
  );
}
