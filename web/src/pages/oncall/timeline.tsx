/**
 * A horizontal timeline of shifts: one row per layer plus the final schedule, a block per shift colored per person,
 * gaps in red, day lines at local midnights of the zone shown, and a "now" line. Every block's tooltip gives the
 * times in the schedule's zone and in the viewer's own zone. Dragging across a selectable row picks an interval
 * (snapped to 30 minutes) for a new override.
 */
import { useRef, useState, type PointerEvent } from 'react';
import type { Interval, Shift } from './types.js';
import { formatIn, formatRange, midnightsBetween, zonedParts, zoneAbbrev } from './zone.js';

export interface TimelineRow {
  key: string;
  label: string;
  sublabel?: string;
  shifts: Shift[];
  gaps?: Interval[];
  /** The final schedule: emphasised, and where dragging creates an override. */
  isFinal?: boolean;
}

interface Props {
  from: number;
  to: number;
  now: number;
  /** The zone the day lines and labels use (the schedule's, or the viewer's when toggled). */
  displayZone: string;
  scheduleZone: string;
  viewerZone: string;
  rows: TimelineRow[];
  colorOf: (userId: string) => string;
  nameOf: (userId: string) => string;
  onSelect?: (start: number, end: number) => void;
}

const SNAP = 30 * 60_000;

export function Timeline(props: Props) {
  const { from, to, now, displayZone } = props;
  const span = to - from;
  const pct = (t: number) => `${((Math.min(Math.max(t, from), to) - from) / span) * 100}%`;
  const widthPct = (a: number, b: number) => `${((Math.min(b, to) - Math.max(a, from)) / span) * 100}%`;
  const days = midnightsBetween(from, to, displayZone);
  const dayStarts = days[0] === from ? days : [from, ...days];
  const showNow = now >= from && now <= to;

  return (
    <div className="tl" role="group" aria-label={`Timeline, times in ${displayZone}`}>
      <div className="tl-row tl-head">
        <div className="tl-label tl-zone">
          <span className="strong">{displayZone}</span>
          <span className="muted small">{zoneAbbrev(from, displayZone)}</span>
        </div>
        <div className="tl-track">
          {dayStarts.map((d, i) => {
            const end = dayStarts[i + 1] ?? to;
            const wd = zonedParts(d + 60_000, displayZone).weekday;
            return (
              <div
                key={d}
                className={wd >= 6 ? 'tl-day tl-weekend' : 'tl-day'}
                style={{ left: pct(d), width: widthPct(d, end) }}
              >
                {end - d > 6 * 3600_000 && formatIn(d + 60_000, displayZone, 'weekday')}
              </div>
            );
          })}
          {showNow && (
            <div className="tl-now-label" style={{ left: pct(now) }}>
              now
            </div>
          )}
        </div>
      </div>
      {props.rows.map((row) => (
        <Row key={row.key} row={row} {...props} days={days} pct={pct} widthPct={widthPct} showNow={showNow} />
      ))}
    </div>
  );
}

function Row({
  row,
  from,
  to,
  now,
  scheduleZone,
  viewerZone,
  colorOf,
  nameOf,
  onSelect,
  days,
  pct,
  widthPct,
  showNow,
}: Props & {
  row: TimelineRow;
  days: number[];
  pct: (t: number) => string;
  widthPct: (a: number, b: number) => string;
  showNow: boolean;
}) {
  const track = useRef<HTMLDivElement>(null);
  const [drag, setDrag] = useState<{ a: number; b: number } | null>(null);
  const selectable = !!(row.isFinal && onSelect);

  const timeAt = (clientX: number): number => {
    const r = track.current!.getBoundingClientRect();
    const f = Math.min(Math.max((clientX - r.left) / r.width, 0), 1);
    return Math.round((from + f * (to - from)) / SNAP) * SNAP;
  };
  const down = (e: PointerEvent<HTMLDivElement>) => {
    if (!selectable || e.button !== 0) return;
    e.currentTarget.setPointerCapture(e.pointerId);
    const t = timeAt(e.clientX);
    setDrag({ a: t, b: t });
  };
  const move = (e: PointerEvent<HTMLDivElement>) => {
    if (drag) setDrag({ a: drag.a, b: timeAt(e.clientX) });
  };
  const up = () => {
    if (!drag) return;
    const [a, b] = drag.a <= drag.b ? [drag.a, drag.b] : [drag.b, drag.a];
    setDrag(null);
    if (b - a >= SNAP) onSelect?.(a, b);
  };

  const tip = (s: { start: string; end: string }) => {
    const here = formatRange(s.start, s.end, scheduleZone);
    return viewerZone === scheduleZone ? here : `${here}\nYour time: ${formatRange(s.start, s.end, viewerZone)}`;
  };

  return (
    <div className={row.isFinal ? 'tl-row tl-final' : 'tl-row'} data-testid={row.isFinal ? 'final-row' : undefined}>
      <div className="tl-label">
        <span className="strong">{row.label}</span>
        {row.sublabel && <span className="muted small">{row.sublabel}</span>}
      </div>
      <div
        ref={track}
        className={selectable ? 'tl-track tl-selectable' : 'tl-track'}
        onPointerDown={down}
        onPointerMove={move}
        onPointerUp={up}
        onPointerCancel={() => setDrag(null)}
        title={selectable ? 'Drag across the final schedule to add an override' : undefined}
      >
        {days.map((d) => (
          <div key={d} className="tl-gridline" style={{ left: pct(d) }} />
        ))}
        {row.gaps?.map((g) => (
          <div
            key={g.start}
            className="tl-gap"
            style={{ left: pct(Date.parse(g.start)), width: widthPct(Date.parse(g.start), Date.parse(g.end)) }}
            title={`Nobody on call\n${tip(g)}`}
          >
            <span>gap</span>
          </div>
        ))}
        {row.shifts.map((s) => {
          const a = Date.parse(s.start);
          const b = Date.parse(s.end);
          if (b <= from || a >= to) return null;
          const isNow = a <= now && now < b;
          const name = s.userName ?? nameOf(s.userId);
          return (
            <div
              key={`${s.source}-${s.start}-${s.userId}`}
              className={`tl-block${isNow ? ' is-now' : ''}${s.sourceKind === 'override' ? ' is-override' : ''}`}
              style={{ left: pct(a), width: widthPct(a, b), background: colorOf(s.userId) }}
              data-user={s.userId}
              title={`${name}${s.sourceKind === 'override' ? ' (override)' : ''}\n${tip(s)}`}
            >
              <span>{name}</span>
            </div>
          );
        })}
        {drag && drag.a !== drag.b && (
          <div
            className="tl-drag"
            style={{
              left: pct(Math.min(drag.a, drag.b)),
              width: widthPct(Math.min(drag.a, drag.b), Math.max(drag.a, drag.b)),
            }}
          />
        )}
        {showNow && <div className="tl-now" style={{ left: pct(now) }} aria-hidden="true" />}
      </div>
    </div>
  );
}
