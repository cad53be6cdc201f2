/** /oncall/schedules/:id — who is on call, a two-week timeline, warnings, hours, overrides, swaps and the feed. */
import { useCallback, useMemo, useRef, useState } from 'react';
import { FeedLink } from '../../components/feed-link.js';
import { ConfirmButton, ErrorBanner } from '../../components/forms.js';
import { Loadable } from '../../components/state.js';
import { Badge, Card, Empty, LoadError, PageHeader } from '../../components/ui.js';
import { api } from '../../lib/api.js';
import { Link } from '../../lib/router.js';
import { useUser } from '../../lib/session.js';
import { useApi } from '../../lib/use-api.js';
import type { PageProps } from '../types.js';
import { describeLayer } from './describe.js';
import { OverrideForm } from './override-form.js';
import { colorMap, usePeople, useTeams, type People } from './people.js';
import { SwapsCard } from './swaps.js';
import { Timeline, type TimelineRow } from './timeline.js';
import type { OnCall, Override, Schedule, ScheduleShifts } from './types.js';
import {
  addDays,
  browserZone,
  formatIn,
  formatRange,
  todayIn,
  zoneAbbrev,
  zoneDescription,
  zonedToInstant,
} from './zone.js';

const RANGE_DAYS = 14;

export function SchedulePage({ params }: PageProps) {
  const id = params.id ?? '';
  const schedule = useApi<Schedule>(`/api/schedules/${encodeURIComponent(id)}`);
  return (
    <Loadable
      resource={schedule}
      what="schedule"
      errorHeader={<PageHeader title="Schedule" subtitle={<Link to="/oncall">← All schedules</Link>} />}
    >
      {(d) => <ScheduleView schedule={d} />}
    </Loadable>
  );
}

function ScheduleView({ schedule: s }: { schedule: Schedule }) {
  const me = useUser();
  const people = usePeople();
  const teams = useTeams();
  const zone = s.timezone;
  const viewerZone = me.timezone || browserZone();
  const base = `/api/schedules/${encodeURIComponent(s.id)}`;

  // The range starts at local midnight today in the schedule's zone.
  const [startDate, setStartDate] = useState(() => todayIn(zone));
  const from = zonedToInstant(startDate, '00:00', zone);
  const to = zonedToInstant(addDays(startDate, RANGE_DAYS), '00:00', zone);
  const [showMine, setShowMine] = useState(false);
  const displayZone = showMine ? viewerZone : zone;

  const range = `?from=${encodeURIComponent(new Date(from).toISOString())}&to=${encodeURIComponent(new Date(to).toISOString())}`;
  const shifts = useApi<ScheduleShifts>(`${base}/shifts${range}`);
  const oncall = useApi<OnCall>(`${base}/oncall`);
  const overrides = useApi<{ overrides: Override[] }>(`${base}/overrides`);
  const [picked, setPicked] = useState<{ start: number; end: number } | null>(null);
  const overrideCard = useRef<HTMLDivElement>(null);

  const refresh = useCallback(() => {
    shifts.reload();
    oncall.reload();
    overrides.reload();
  }, [shifts, oncall, overrides]);

  const participants = useMemo(() => s.layers.flatMap((l) => l.participants), [s.layers]);
  const colorOf = useMemo(
    () => colorMap([...participants, ...(shifts.data?.final.map((x) => x.userId) ?? [])]),
    [participants, shifts.data],
  );

  const now = Date.now();
  const d = shifts.data;
  const rows: TimelineRow[] = d
    ? [
        ...[...d.layers]
          .sort((a, b) => b.layer.position - a.layer.position)
          .map((l) => ({
            key: l.layer.id,
            label: l.layer.name,
            sublabel: `${l.layer.participants.length} ${l.layer.participants.length === 1 ? 'person' : 'people'}`,
            shifts: l.shifts,
          })),
        ...(d.overrides.length
          ? [
              {
                key: 'overrides',
                label: 'Overrides',
                sublabel: `${d.overrides.length}`,
                shifts: d.overrides.map((o) => ({
                  userId: o.userId,
                  userName: null,
                  start: o.start,
                  end: o.end,
                  source: o.id,
                  sourceKind: 'override' as const,
                })),
              },
            ]
          : []),
        {
          key: 'final',
          label: 'Final schedule',
          sublabel: 'who is paged',
          shifts: d.final,
          gaps: d.gaps,
          isFinal: true,
        },
      ]
    : [];

  const hours = d ? Object.entries(d.hoursByUser).sort((a, b) => b[1] - a[1]) : [];
  const totalHours = (to - from) / 3600_000;

  return (
    <>
      <div className="crumbs">
        <Link to="/oncall">On-call</Link> <span aria-hidden="true">/</span> <span>{s.name}</span>
      </div>
      <PageHeader
        title={s.name}
        subtitle={
          <>
            {teams.name(s.teamId)} · times in <strong>{zone}</strong> ({zoneDescription(now, zone)})
            {s.description ? ` · ${s.description}` : ''}
          </>
        }
        actions={
          <Link to={`/oncall/schedules/${encodeURIComponent(s.id)}/edit`} className="btn">
            Edit schedule and layers
          </Link>
        }
      />
      <NowCard oncall={oncall.data} error={oncall.error} zone={zone} viewerZone={viewerZone} meId={me.id} />

      {d && d.warnings.length > 0 && (
        <div className="banner banner-warn" role="status" aria-label="Schedule warnings">
          <strong>Check this schedule</strong>
          <ul>
            {d.warnings.map((w) => (
              <li key={w.code + (w.layerId ?? '')}>{w.message}</li>
            ))}
          </ul>
        </div>
      )}

      <Card
        className="timeline-card"
        title={
          <span className="card-title-row">
            <span>
              {formatIn(from, displayZone, 'day')} – {formatIn(to - 1, displayZone, 'day')}
            </span>
            <span className="tl-controls">
              <button type="button" className="btn btn-small" onClick={() => setStartDate(addDays(startDate, -7))}>
                ← Week
              </button>
              <button type="button" className="btn btn-small" onClick={() => setStartDate(todayIn(zone))}>
                Today
              </button>
              <button type="button" className="btn btn-small" onClick={() => setStartDate(addDays(startDate, 7))}>
                Week →
              </button>
              {viewerZone !== zone && (
                <span className="segmented" role="radiogroup" aria-label="Show times in">
                  <button
                    type="button"
                    role="radio"
                    aria-checked={!showMine}
                    className={showMine ? '' : 'on'}
                    onClick={() => setShowMine(false)}
                  >
                    Schedule: {zone}
                  </button>
                  <button
                    type="button"
                    role="radio"
                    aria-checked={showMine}
                    className={showMine ? 'on' : ''}
                    onClick={() => setShowMine(true)}
                  >
                    Mine: {viewerZone}
                  </button>
                </span>
              )}
            </span>
          </span>
        }
      >
        <Loadable resource={shifts} what="the shifts">
          {(d) => (
            <>
              <Timeline
                from={from}
                to={to}
                now={now}
                displayZone={displayZone}
                scheduleZone={zone}
                viewerZone={viewerZone}
                rows={rows}
                colorOf={colorOf}
                nameOf={people.name}
                onSelect={(start, end) => {
                  setPicked({ start, end });
                  overrideCard.current?.scrollIntoView({ behavior: 'smooth', block: 'center' });
                }}
              />
              <p className="muted small tl-help">
                Hover a block for its times in {zone}
                {viewerZone !== zone ? ` and in your zone (${viewerZone})` : ''}. Drag across the final schedule to add
                an override.
              </p>
              <HoursTable hours={hours} totalHours={totalHours} gaps={d.gaps} colorOf={colorOf} people={people} />
            </>
          )}
        </Loadable>
      </Card>

      <div className="grid-2 align-start">
        <div ref={overrideCard}>
          <Card title="Add an override">
            <OverrideForm
              scheduleId={s.id}
              teamId={s.teamId}
              zone={zone}
              people={people}
              picked={picked}
              onCreated={() => {
                setPicked(null);
                refresh();
              }}
            />
          </Card>
        </div>
        <OverridesCard
          base={base}
          overrides={overrides}
          zone={zone}
          viewerZone={viewerZone}
          people={people}
          colorOf={colorOf}
          onChanged={refresh}
        />
      </div>

      <SwapsCard schedule={s} people={people} onChanged={refresh} />

      <div className="grid-2 align-start">
        <Card title="Layers">
          {s.layers.length === 0 ? (
            <Empty>No layers: nobody is ever on call. Edit the schedule to add one.</Empty>
          ) : (
            <ol className="layer-list">
              {[...s.layers]
                .sort((a, b) => b.position - a.position)
                .map((l) => (
                  <li key={l.id}>
                    <div className="strong">{l.name}</div>
                    <div className="person-chips">
                      {l.participants.map((p, i) => (
                        <span key={`${p}-${i}`} className="person-chip">
                          <span className="swatch" style={{ background: colorOf(p) }} aria-hidden="true" />
                          {i + 1}. {people.name(p)}
                        </span>
                      ))}
                    </div>
                    <div className="muted small">{describeLayer(l, zone)}</div>
                  </li>
                ))}
            </ol>
          )}
          <p className="muted small">Higher layers win over lower ones; overrides win over every layer.</p>
        </Card>
        <Card title="Calendar feed">
          <FeedLink path={`${base}/feed`} what={`every shift of ${s.name}`} />
        </Card>
      </div>
    </>
  );
}

function NowCard({
  oncall,
  error,
  zone,
  viewerZone,
  meId,
}: {
  oncall: OnCall | null;
  error: unknown;
  zone: string;
  viewerZone: string;
  meId: string;
}) {
  if (error) return <LoadError error={error} />;
  const cur = oncall?.current;
  const next = oncall?.next;
  const yours = (t: string) =>
    viewerZone !== zone ? (
      <span className="muted small">
        {' '}
        · {formatIn(t, viewerZone, 'time')} your time ({zoneAbbrev(Date.parse(t), viewerZone)})
      </span>
    ) : null;
  return (
    <div className="now-strip" data-testid="oncall-now">
      <div className={cur ? 'now-box' : 'now-box now-nobody'}>
        <div className="now-label">On call now</div>
        {!oncall ? (
          <div className="muted">…</div>
        ) : cur ? (
          <>
            <div className="now-name" data-testid="oncall-now-name">
              {cur.userName ?? cur.userId} {cur.userId === meId && <Badge tone="info">you</Badge>}{' '}
              {cur.sourceKind === 'override' && <Badge tone="warn">override</Badge>}
            </div>
            <div className="muted small">
              until {formatIn(cur.end, zone)} {zoneAbbrev(Date.parse(cur.end), zone)}
              {yours(cur.end)}
            </div>
          </>
        ) : (
          <div className="now-name">Nobody — pages to this schedule reach no one</div>
        )}
      </div>
      <div className="now-box">
        <div className="now-label">Next</div>
        {next ? (
          <>
            <div className="now-name">
              {next.userName ?? next.userId} {next.userId === meId && <Badge tone="info">you</Badge>}
            </div>
            <div className="muted small">
              from {formatIn(next.start, zone)} {zoneAbbrev(Date.parse(next.start), zone)}
              {yours(next.start)}
            </div>
          </>
        ) : (
          <div className="muted">{oncall ? 'Nobody scheduled' : '…'}</div>
        )}
      </div>
    </div>
  );
}

function HoursTable({
  hours,
  totalHours,
  gaps,
  colorOf,
  people,
}: {
  hours: [string, number][];
  totalHours: number;
  gaps: { start: string; end: string }[];
  colorOf: (id: string) => string;
  people: People;
}) {
  const gapHours = gaps.reduce((n, g) => n + (Date.parse(g.end) - Date.parse(g.start)) / 3600_000, 0);
  return (
    <div className="hours" aria-label="Hours per person">
      {hours.map(([id, h]) => (
        <div key={id} className="hours-item">
          <span className="swatch" style={{ background: colorOf(id) }} aria-hidden="true" />
          <span className="strong">{people.name(id)}</span>
          <span className="muted">
            {round(h)} h · {Math.round((h / totalHours) * 100)}%
          </span>
        </div>
      ))}
      {gapHours > 0 && (
        <div className="hours-item">
          <span className="swatch swatch-gap" aria-hidden="true" />
          <span className="strong">Nobody</span>
          <span className="muted">{round(gapHours)} h</span>
        </div>
      )}
    </div>
  );
}

const round = (h: number) => Math.round(h * 10) / 10;

function OverridesCard({
  base,
  overrides,
  zone,
  viewerZone,
  people,
  colorOf,
  onChanged,
}: {
  base: string;
  overrides: { data: { overrides: Override[] } | null; error: unknown; reload: () => void };
  zone: string;
  viewerZone: string;
  people: People;
  colorOf: (id: string) => string;
  onChanged: () => void;
}) {
  const [error, setError] = useState<unknown>(null);
  const remove = async (id: string) => {
    setError(null);
    try {
      await api.del(`${base}/overrides/${encodeURIComponent(id)}`);
      onChanged();
    } catch (e) {
      setError(e);
    }
  };
  return (
    <Card title="Upcoming overrides">
      <ErrorBanner error={error} />
      <Loadable
        resource={overrides}
        what="overrides"
        isEmpty={(d) => d.overrides.length === 0}
        empty="No overrides in the next 90 days."
      >
        {(d) => (
          <ul className="plain-list" aria-label="Overrides">
            {d.overrides.map((o) => (
              <li key={o.id}>
                <span className="swatch" style={{ background: colorOf(o.userId) }} aria-hidden="true" />
                <div className="grow">
                  <div className="strong">{people.name(o.userId)}</div>
                  <div className="small">{formatRange(o.start, o.end, zone)}</div>
                  {viewerZone !== zone && (
                    <div className="muted small">Your time: {formatRange(o.start, o.end, viewerZone)}</div>
                  )}
                  <div className="muted small">
                    {o.reason ? `“${o.reason}” · ` : ''}by {o.createdBy}
                    {o.swapRequestId ? ' · from a swap' : ''}
                  </div>
                </div>
                <ConfirmButton label="Delete" confirmLabel="Delete override" onConfirm={() => void remove(o.id)} />
              </li>
            ))}
          </ul>
        )}
      </Loadable>
    </Card>
  );
}
