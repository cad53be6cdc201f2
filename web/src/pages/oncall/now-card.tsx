/**
 * The top of "My on-call": am I on call right now (or when next), until when, and the way out when I cannot be —
 * ask a colleague to cover the rest of the shift (a swap request that becomes an override when accepted), or open
 * the schedule to add an override. First on the page so that on a phone it is the first screen.
 */
import { useState } from 'react';
import { Badge, Card } from '../../components/ui.js';
import { Link } from '../../lib/router.js';
import type { People } from './people.js';
import { AskSwap } from './swaps.js';
import type { Schedule, UserShifts } from './types.js';
import { formatDuration, formatIn } from './zone.js';

type MyShift = UserShifts['shifts'][number];

export function OnCallNowCard({
  shifts,
  schedules,
  zone,
  people,
  now,
  onAsked,
}: {
  shifts: MyShift[] | null;
  schedules: Map<string, Schedule>;
  zone: string;
  people: People;
  now: number;
  onAsked: () => void;
}) {
  const [asking, setAsking] = useState<string | null>(null);
  const [asked, setAsked] = useState(false);
  if (!shifts) return null;
  const current = shifts.filter((s) => Date.parse(s.start) <= now && now < Date.parse(s.end));
  const next = current.length ? null : (shifts.find((s) => Date.parse(s.start) > now) ?? null);
  const shown = current.length ? current : next ? [next] : [];

  return (
    <Card title={current.length ? 'On call now' : 'Next shift'} className="oncall-now-card">
      {shown.length === 0 && <p className="muted">You are not on call in the next 30 days.</p>}
      {asked && (
        <p className="banner banner-good" role="status">
          Request sent. The time becomes theirs when they accept; you see it under Pending swap requests.
        </p>
      )}
      {shown.map((s) => {
        const start = Date.parse(s.start);
        const end = Date.parse(s.end);
        const schedule = schedules.get(s.scheduleId);
        const key = `${s.scheduleId}-${s.start}`;
        const isNow = start <= now;
        return (
          <div key={key} className="oncall-now" data-testid="oncall-now-shift">
            <div className="oncall-now-what">
              <Link to={`/oncall/schedules/${encodeURIComponent(s.scheduleId)}`} className="strong">
                {s.scheduleName}
              </Link>{' '}
              {isNow ? <Badge tone="good">on call now</Badge> : <Badge>next</Badge>}
              {s.sourceKind === 'override' && <Badge tone="warn">override</Badge>}
            </div>
            <div className="oncall-now-when">
              {isNow ? (
                <>
                  until <strong>{formatIn(end, zone)}</strong>{' '}
                  <span className="muted">({formatDuration(end - now)} left)</span>
                </>
              ) : (
                <>
                  from <strong>{formatIn(start, zone)}</strong> until {formatIn(end, zone)}{' '}
                  <span className="muted">(in {formatDuration(start - now)})</span>
                </>
              )}
            </div>
            {asking === key && schedule ? (
              <AskSwap
                schedule={schedule}
                people={people}
                initial={{ start: Math.max(start, now), end }}
                onDone={() => {
                  setAsking(null);
                  setAsked(true);
                  onAsked();
                }}
                onCancel={() => setAsking(null)}
              />
            ) : (
              <div className="oncall-now-actions">
                <button
                  type="button"
                  className="btn btn-primary"
                  disabled={!schedule}
                  onClick={() => {
                    setAsked(false);
                    setAsking(key);
                  }}
                >
                  Ask someone to cover
                </button>
                <Link to={`/oncall/schedules/${encodeURIComponent(s.scheduleId)}`} className="btn">
                  Add an override
                </Link>
              </div>
            )}
          </div>
        );
      })}
    </Card>
  );
}
