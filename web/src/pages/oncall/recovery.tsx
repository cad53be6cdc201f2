/**
 * "My on-call": recovery time after a page in the night (docs/people-health.md, "Load and recovery"), from GET
 * /api/me/recovery, with the one-click cover proposal (POST /api/people/recovery/cover makes it a schedule override),
 * and my share of this month on call per team from GET /api/people/load. Phone first: one short notice per morning.
 */
import { useState } from 'react';
import { Badge } from '../../components/ui.js';
import { api, errorMessage, query } from '../../lib/api.js';
import { Link } from '../../lib/router.js';
import type { Team } from '../../lib/types.js';
import { useApi } from '../../lib/use-api.js';
import type { People } from './people.js';
import { addDays, formatIn, todayIn, zonedParts, zonedToInstant } from './zone.js';

export interface RecoveryEntry {
  userId: string;
  name: string;
  pagedAt: string;
  pages: number;
  recoveryFrom: string;
  recoveryTo: string;
  cover: {
    scheduleId: string;
    scheduleName: string;
    proposal: { start: string; end: string; userId: string | null; userName: string | null };
  } | null;
}

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

function CoverButton({
  entry,
  zone,
  people,
  onCovered,
}: {
  entry: RecoveryEntry;
  zone: string;
  people: People;
  onCovered: () => void;
}) {
  const cover = entry.cover!;
  const p = cover.proposal;
  const [pick, setPick] = useState('');
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const [done, setDone] = useState<string | null>(null);
  const userId = p.userId ?? pick;
  const hours = `${formatIn(p.start, zone, 'time')}–${formatIn(p.end, zone, 'time')}`;

  const submit = async () => {
    if (!userId) return;
    setBusy(true);
    setError(null);
    try {
      await api.post('/api/people/recovery/cover', {
        scheduleId: cover.scheduleId,
        start: p.start,
        end: p.end,
        userId,
      });
      setDone(p.userId ? (p.userName ?? people.name(userId)) : people.name(userId));
      onCovered();
    } catch (e) {
      setError(`The cover was not made: ${errorMessage(e)}`);
    } finally {
      setBusy(false);
    }
  };

  if (done)
    return (
      <p className="recovery-covered" data-testid="recovery-covered">
        <Badge tone="good">Covered</Badge> Covered by {done} in {cover.scheduleName}, {hours}. Rest well.
      </p>
    );
  return (
    <div className="recovery-cover">
      <p className="small">
        You are on call in{' '}
        <Link to={`/oncall/schedules/${encodeURIComponent(cover.scheduleId)}`}>{cover.scheduleName}</Link> then.{' '}
        {p.userId
          ? `${p.userName ?? people.name(p.userId)} is free and has the fewest on-call hours.`
          : 'Nobody in the rotation is free then: choose who covers.'}
      </p>
      {!p.userId && (
        <select aria-label="Who covers" value={pick} onChange={(e) => setPick(e.target.value)}>
          <option value="">Choose a person…</option>
          {people.users
            .filter((u) => u.id !== entry.userId && !u.disabledAt)
            .map((u) => (
              <option key={u.id} value={u.id}>
                {u.name || u.email}
              </option>
            ))}
        </select>
      )}{' '}
      <button
        type="button"
        className="btn btn-primary"
        disabled={busy || !userId}
        onClick={() => void submit()}
        data-testid="recovery-cover"
      >
        {busy
          ? 'Asking…'
          : p.userId
            ? `Ask ${p.userName ?? people.name(p.userId)} to cover ${hours}`
            : `Cover ${hours}`}
      </button>
      {error && (
        <p className="banner banner-error" role="alert" data-testid="recovery-cover-error">
          {error}
        </p>
      )}
    </div>
  );
}

/** The recovery notices at the top of "My on-call"; nothing at all when there is no recovery to take. */
export function RecoveryNotices({ zone, people, onCovered }: { zone: string; people: People; onCovered: () => void }) {
  const res = useApi<{ recovery: RecoveryEntry[] }>('/api/me/recovery');
  const entries = res.data?.recovery ?? [];
  if (!entries.length) return null;
  return (
    <section className="banner banner-warn recovery" aria-label="Recovery time" data-testid="recovery">
      {entries.map((r) => (
        <div key={r.recoveryFrom} className="recovery-entry">
          <p>
            <strong data-testid="recovery-text">{recoveryText(r, zone)}</strong>. Take it: no meetings, no pages.
          </p>
          {r.cover ? (
            <CoverButton
              entry={r}
              zone={zone}
              people={people}
              onCovered={() => {
                onCovered();
              }}
            />
          ) : (
            <p className="small">You are not on call then: nothing to cover.</p>
          )}
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
        <strong>{team.name}</strong>: {Math.round(m.onCallHours)} h on call this month, {Math.round(m.share * 100)}% of
        it{' '}
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
