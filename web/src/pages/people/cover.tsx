/**
 * The one-click cover of a recovery morning (docs/people-health.md, "Load and recovery"): POST
 * /api/people/recovery/cover makes the proposal an override of the person's shift. One component for the team's view
 * (People health and the team page: "Bo covers Payments primary, 02 Dec 2026, 09:00–13:00 · Cover it") and the person's
 * own ("My on-call": "You are on call in Payments primary then. … Ask Bo to cover 09:00–13:00"): the same request,
 * picker when nobody is free, error and outcome; only the words and the button's weight differ.
 */
import { useState } from 'react';
import { ErrorBanner, useActions } from '../../components/forms.js';
import { Badge } from '../../components/ui.js';
import { api } from '../../lib/api.js';
import { formatTime } from '../../lib/format.js';
import { Link } from '../../lib/router.js';
import { useUser } from '../../lib/session.js';
import type { RecoveryEntry } from './common.js';

interface Override {
  id: string;
  scheduleId: string;
  userId: string;
  start: string;
  end: string;
}

/** "09:00" in the zone. */
const clock = (iso: string, timeZone: string): string => formatTime(iso, timeZone).slice(-5);

export function CoverButton({
  entry,
  members,
  mine = false,
  timeZone,
  onCovered,
}: {
  entry: RecoveryEntry;
  /** Who may be picked when nobody is proposed (the person in recovery is left out). */
  members: { userId: string; name: string }[];
  /** The person's own recovery ("My on-call"): spoken to them, with a full-size button. */
  mine?: boolean;
  /** Times in this zone (default: the signed-in user's). */
  timeZone?: string;
  onCovered?: () => void;
}) {
  const me = useUser();
  const zone = timeZone ?? me.timezone;
  const cover = entry.cover;
  const [who, setWho] = useState(cover?.proposal.userId ?? '');
  const { run, busy, error } = useActions(onCovered);
  const [made, setMade] = useState<Override | null>(null);
  if (!cover)
    return mine ? (
      <p className="small">You are not on call then: nothing to cover.</p>
    ) : (
      <span className="muted small">No shift of theirs then: already covered, or not on call.</span>
    );
  const p = cover.proposal;
  // The team's view spans a past window; the person's own comes from the server's coming 48 hours, in its clock.
  if (!mine && new Date(p.end).getTime() <= Date.now()) return <span className="muted small">Already over.</span>;
  const nameOf = (id: string) =>
    members.find((m) => m.userId === id)?.name ?? (id === p.userId ? p.userName : null) ?? id;
  const hours = `${clock(p.start, zone)}–${clock(p.end, zone)}`;
  const schedule = <Link to={`/oncall/schedules/${encodeURIComponent(cover.scheduleId)}`}>{cover.scheduleName}</Link>;

  if (made)
    return mine ? (
      <p className="recovery-covered" role="status" data-testid="recovery-covered">
        <Badge tone="good">Covered</Badge> Covered by {nameOf(made.userId)} in {schedule}, {hours}. Rest well.
      </p>
    ) : (
      <span role="status" data-testid="cover-made">
        Covered: {nameOf(made.userId)} is on call for {entry.name} on {schedule}, {formatTime(made.start, zone)} to{' '}
        {formatTime(made.end, zone)}.
      </span>
    );

  const submit = () =>
    run(async () =>
      setMade(
        await api.post<Override>('/api/people/recovery/cover', {
          scheduleId: cover.scheduleId,
          start: p.start,
          end: p.end,
          userId: who,
        }),
      ),
    );
  const picker = !p.userId && (
    <select
      value={who}
      onChange={(e) => setWho(e.target.value)}
      aria-label={mine ? 'Who covers' : `Who covers ${entry.name}`}
    >
      <option value="">Choose a person…</option>
      {members
        .filter((m) => m.userId !== entry.userId)
        .map((m) => (
          <option key={m.userId} value={m.userId}>
            {m.name}
          </option>
        ))}
    </select>
  );
  const proposed = p.userName ?? (p.userId ? nameOf(p.userId) : '');
  return (
    <div className={mine ? 'recovery-cover' : 'people-cover'}>
      {mine ? (
        <p className="small">
          You are on call in {schedule} then.{' '}
          {p.userId
            ? `${proposed} is free and has the fewest on-call hours.`
            : 'Nobody in the rotation is free then: choose who covers.'}
        </p>
      ) : p.userId ? (
        <span className="small">
          {proposed} covers {cover.scheduleName}, {formatTime(p.start, zone)}–{clock(p.end, zone)}
        </span>
      ) : (
        <label className="small">
          Nobody on {cover.scheduleName} is free then; who covers? {picker}
        </label>
      )}
      {mine && picker}{' '}
      <button
        type="button"
        className={mine ? 'btn btn-primary' : 'btn btn-small btn-primary'}
        disabled={busy || !who}
        onClick={() => void submit()}
        data-testid={mine ? 'recovery-cover' : 'cover-button'}
      >
        {busy ? 'Covering…' : !mine ? 'Cover it' : p.userId ? `Ask ${proposed} to cover ${hours}` : `Cover ${hours}`}
      </button>
      <ErrorBanner error={error} />
    </div>
  );
}
