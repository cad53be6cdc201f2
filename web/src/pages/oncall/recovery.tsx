/**
 * "My on-call": recovery time after a page in the night (docs/people-health.md, "Load and recovery"), from GET
 * /api/me/recovery, with the one-click cover proposal (POST /api/people/recovery/cover makes it a schedule override),
 * and my share of this month on call per team from GET /api/people/load. Phone first: one short notice per morning.
 */
import { Badge } from '../../components/ui.js';
import { query } from '../../lib/api.js';
import type { Team } from '../../lib/types.js';
import { useApi } from '../../lib/use-api.js';
import { CoverButton } from '../people/cover.js';
import { pctBeside, type RecoveryEntry } from '../people/common.js';
import type { People } from './people.js';
import { addDays, formatIn, todayIn, zonedParts, zonedToInstant } from './zone.js';

export type { RecoveryEntry };

/** "today", "tomorrow" or "Wed 2 Dec", for the local day of t in zone. */
function dayWord(t: number, zone: string, now: number): string {
  const day = todayIn(zone, t);
  const today = todayIn(zone, now);
  if (day === today) return 'today';
  if (day === addDays(today, 1)) return 'tomorrow';
  return formatIn(t, zone, 'day');
}

/** "Recovery time: tomorrow 09:00–13:00, after the 03:12 page" in the person's zone. */
export function recoveryText(r: RecoveryEntry, zone: string, now = Date.now()): string {
  const from = Date.parse(r.recoveryFrom);
  const to = Date.parse(r.recoveryTo);
  const paged = formatIn(r.pagedAt, zone, 'time');
  const after = r.pages > 1 ? `after ${r.pages} pages in the night, the first at ${paged}` : `after the ${paged} page`;
  const when =
    from <= now && now < to
      ? `now, until ${formatIn(to, zone, 'time')}`
      : `${dayWord(from, zone, now)} ${formatIn(from, zone, 'time')}–${formatIn(to, zone, 'time')}`;
  return `Recovery time: ${when}, ${after}`;
}

/** The recovery notices at the top of "My on-call"; nothing at all when there is no recovery to take. */
export function RecoveryNotices({ zone, people, onCovered }: { zone: string; people: People; onCovered: () => void }) {
  const res = useApi<{ recovery: RecoveryEntry[] }>('/api/me/recovery');
  const entries = res.data?.recovery ?? [];
  if (!entries.length) return null;
  const members = people.users.filter((u) => !u.disabledAt).map((u) => ({ userId: u.id, name: u.name || u.email }));
  return (
    <section className="banner banner-warn recovery" aria-label="Recovery time" data-testid="recovery">
      {entries.map((r) => (
        <div key={r.recoveryFrom} className="recovery-entry">
          <p>
            <strong data-testid="recovery-text">{recoveryText(r, zone)}</strong>. Take it: no meetings, no pages.
          </p>
          <CoverButton entry={r} members={members} mine timeZone={zone} onCovered={onCovered} />
        </div>
      ))}
    </section>
  );
}

interface LoadReport {
  timeZone: string;
  loadShare: number;
  people: { userId: string; months: { month: string; onCallHours: number; share: number; flagged: boolean }[] }[];
}

function TeamMonthShare({ team, userId, zone }: { team: Team; userId: string; zone: string }) {
  const now = Date.now();
  const p = zonedParts(now, zone);
  const first = `${p.year}-${String(p.month).padStart(2, '0')}-01`;
  const next = p.month === 12 ? `${p.year + 1}-01-01` : `${p.year}-${String(p.month + 1).padStart(2, '0')}-01`;
  const from = new Date(zonedToInstant(first, '00:00', zone)).toISOString();
  const to = new Date(zonedToInstant(next, '00:00', zone)).toISOString();
  const load = useApi<LoadReport>(`/api/people/load${query({ teamId: team.id, from, to })}`);
  const months = load.data?.people.find((x) => x.userId === userId)?.months ?? [];
  // The month this is (the window is one month in my zone; the team's zone may split off a sliver).
  const m = [...months].sort((a, b) => b.onCallHours - a.onCallHours)[0];
  if (!load.data || !m || m.onCallHours === 0) return null;
  return (
    <li data-testid="month-share">
      <span>
        <strong>{team.name}</strong>: {Math.round(m.onCallHours)} h on call this month,{' '}
        {pctBeside(m.share, load.data.loadShare)} of it{' '}
        {m.flagged ? (
          <Badge tone="warn">more than one week in four</Badge>
        ) : (
          <span className="muted">(one week in four or less)</span>
        )}
      </span>
    </li>
  );
}

/** My share of this month on call, per team I belong to (from the team's load figures); nothing without shifts. */
export function MonthShare({ userId, zone }: { userId: string; zone: string }) {
  const teams = useApi<{ teams: Team[] }>('/api/teams');
  const mine = (teams.data?.teams ?? []).filter((t) => t.myRole !== null).slice(0, 5);
  if (!mine.length) return null;
  return (
    <ul className="plain-list small month-share" aria-label="My share of this month on call">
      {mine.map((t) => (
        <TeamMonthShare key={t.id} team={t} userId={userId} zone={zone} />
      ))}
    </ul>
  );
}
