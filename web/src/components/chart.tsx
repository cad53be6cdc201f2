/**
 * Charts for the insights pages (docs/adr/0009-charts.md). `TimeChart` is a line chart over bucket starts drawn with
 * uPlot (canvas, small and fast; loaded lazily, so only pages with a chart fetch it); `BarChart` is plain HTML bars
 * (one row per category: long service and team names stay readable at 390 px, and the figures are real text).
 * Both have role="img" with the title as their name, a legend, and a readout of the values (the cursor readout over a
 * time chart, the printed figure beside each bar); the table under every chart (ChartCard) is the accessible form.
 */
import { useEffect, useRef, useState, type JSX } from 'react';
import type uPlotType from 'uplot';

export interface ChartSeries {
  label: string;
  values: (number | null)[];
}
export type ChartUnit = 'seconds' | 'count' | 'ratio';

/** Distinct in hue and lightness (readable without colour too: each line also has its own dash pattern). */
const COLOURS = ['#2f6db5', '#c2571a', '#2a8a5c', '#8a3ea8', '#b4373a', '#5d6878'];
const DASHES: (number[] | undefined)[] = [undefined, [6, 4], [2, 3], [10, 3, 2, 3], [4, 4], [1, 3]];
const MUTED = '#5d6878';
const GRID = '#e1e4ea';

export const chartColour = (i: number): string => COLOURS[i % COLOURS.length]!;

const pad2 = (n: number): string => String(n).padStart(2, '0');

/** A figure as people read it: durations as '45s', '12m 05s', '2h 05m', '3d 04h'; counts; ratios as '34%'; null '—'. */
export function formatValue(v: number | null, unit: ChartUnit): string {
  if (v === null || v === undefined || !Number.isFinite(v)) return '—';
  if (unit === 'ratio') {
    const p = v * 100;
    return `${p > 0 && p < 1 ? p.toFixed(1) : Math.round(p)}%`;
  }
  if (unit === 'count') {
    return Number.isInteger(v) ? v.toLocaleString('en-US') : v.toLocaleString('en-US', { maximumFractionDigits: 1 });
  }
  const s = Math.round(v);
  const sign = s < 0 ? '-' : '';
  const a = Math.abs(s);
  if (a < 60) return `${sign}${a}s`;
  if (a < 3600) return `${sign}${Math.floor(a / 60)}m ${pad2(a % 60)}s`;
  if (a < 86_400) return `${sign}${Math.floor(a / 3600)}h ${pad2(Math.floor((a % 3600) / 60))}m`;
  return `${sign}${Math.floor(a / 86_400)}d ${pad2(Math.floor((a % 86_400) / 3600))}h`;
}

/** An axis label: like formatValue, without the zero tail ('30m', '2h', '1h 30m'). */
function axisValue(v: number, unit: ChartUnit): string {
  if (unit !== 'seconds') return formatValue(v, unit);
  return formatValue(v, unit).replace(/ 0+[smh]$/, '');
}

/** Dates in the figures' time zone (a bucket starts at local midnight there: 1 Sept in Lisbon is 31 Aug 23:00 UTC). */
const shortDate = (ms: number, withYear: boolean, timeZone?: string): string =>
  new Date(ms).toLocaleDateString('en-GB', {
    day: 'numeric',
    month: 'short',
    ...(withYear ? { year: 'numeric' } : {}),
    ...(timeZone ? { timeZone } : {}),
  });
const yearOf = (ms: number, timeZone?: string): string =>
  new Date(ms).toLocaleDateString('en-GB', { year: 'numeric', ...(timeZone ? { timeZone } : {}) });

/** Ticks at bucket starts, every k-th so labels keep ~70 px apart; the year shows on the first and when it changes. */
function xSplits(x: number[], plotWidth: number): number[] {
  if (x.length === 0) return [];
  const fit = Math.max(1, Math.floor(plotWidth / 70));
  const k = Math.max(1, Math.ceil(x.length / fit));
  return x.filter((_, i) => i % k === 0);
}

/** Steps for a duration axis: whole seconds, minutes, hours, days. */
const SECOND_STEPS = [
  1, 2, 5, 10, 15, 30, 60, 120, 300, 600, 900, 1800, 3600, 7200, 10_800, 21_600, 43_200, 86_400, 172_800, 345_600,
  604_800, 1_209_600, 2_592_000, 7_776_000, 15_552_000, 31_536_000,
];
const RATIO_STEPS = [0.01, 0.02, 0.05, 0.1, 0.2, 0.25, 0.5, 1];
/** Counts are whole: no 0.5 pages on the axis. */
const COUNT_STEPS = [
  1, 2, 5, 10, 20, 25, 50, 100, 200, 250, 500, 1000, 2000, 2500, 5000, 10_000, 20_000, 50_000, 100_000,
];

type UPlotCtor = typeof uPlotType;
let loading: Promise<UPlotCtor> | null = null;
/** uPlot and its stylesheet, fetched once on the first chart. */
function loadUPlot(): Promise<UPlotCtor> {
  loading ??= Promise.all([
    import('uplot'),
    // @ts-expect-error -- a stylesheet: Vite bundles it with the chunk; TypeScript has no declaration for it.
    import('uplot/dist/uPlot.min.css'),
  ]).then(([m]) => m.default);
  return loading;
}

const dateLabel = (ms: number, timeZone?: string): string => shortDate(ms, true, timeZone);

/** 'Month of' when the points are about a month apart, else 'Week of'. */
function bucketLabel(x: number[]): string {
  const gaps = x.slice(1).map((v, i) => v - x[i]!);
  gaps.sort((a, b) => a - b);
  const mid = gaps[Math.floor(gaps.length / 2)];
  return mid !== undefined && mid > 20 * 86_400_000 ? 'Month of' : 'Week of';
}

const WEEK_MS = 7 * 86_400_000;
/** The dash of the segment into an unfinished bucket (whatever the series' own dash). */
const PARTIAL_DASH = [3, 4];

/** The 1st of the next month at local midnight in the zone, after a month bucket's start (an hour out across a clock change). */
function nextMonthStart(t: number, timeZone?: string): number {
  const parts = new Intl.DateTimeFormat('en-US', {
    year: 'numeric',
    month: 'numeric',
    day: 'numeric',
    hour: 'numeric',
    minute: 'numeric',
    hourCycle: 'h23',
    ...(timeZone ? { timeZone } : {}),
  }).formatToParts(new Date(t));
  const n = (type: string) => Number(parts.find((x) => x.type === type)?.value ?? 0);
  const offset =
    Date.UTC(n('year'), n('month') - 1, n('day'), n('hour'), n('minute')) - Math.floor(t / 60_000) * 60_000;
  return Date.UTC(n('year'), n('month'), 1) - offset;
}

/**
 * The index of the first bucket that has not ended by `asOf` (x.length when all have): a bucket ends where the next
 * starts; the last one a week later, or on the next month's 1st (in the zone) when the points are months.
 */
export function firstPartial(x: number[], asOf: number, timeZone?: string): number {
  const months = bucketLabel(x) === 'Month of' && x.length > 1;
  const endOf = (i: number): number => {
    if (i + 1 < x.length) return x[i + 1]!;
    return months ? nextMonthStart(x[i]!, timeZone) : x[i]! + WEEK_MS;
  };
  let i = x.length;
  while (i > 0 && endOf(i - 1) > asOf) i--;
  return i;
}

/**
 * A line chart over time; x are epoch ms bucket starts. Accessible: role="img" + aria-label = title; works at 390 px.
 * A bucket that has not ended yet (the current week or month: its figures are so far, and a count looks like a drop)
 * is drawn with a dashed segment into its point, and the readout says "(so far)".
 */
export function TimeChart(p: {
  title: string;
  x: number[];
  series: ChartSeries[];
  unit: ChartUnit;
  height?: number;
  /** The IANA zone the buckets start in (the response's `timeZone`); the browser's own when left out. */
  timeZone?: string;
  /**
   * Figures are complete up to this instant (epoch ms): a bucket ending after it is partial. Default: now. Pass the
   * window's end when it is earlier than now and may cut a bucket.
   */
  partialFrom?: number;
}): JSX.Element {
  const { title, x, series, unit, height = 240, timeZone } = p;
  const box = useRef<HTMLDivElement>(null);
  const [failed, setFailed] = useState<unknown>(null);
  const asOf = Math.min(p.partialFrom ?? Date.now(), Date.now());
  const partial = firstPartial(x, asOf, timeZone);
  const signature = JSON.stringify([x, series, unit, height, timeZone, partial]);

  useEffect(() => {
    const el = box.current;
    if (!el) return;
    let plot: uPlotType | null = null;
    let observer: ResizeObserver | null = null;
    let cancelled = false;
    loadUPlot().then(
      (UPlot) => {
        if (cancelled) return;
        const width = Math.max(200, Math.floor(el.clientWidth));
        const points = x.length <= 120;
        // With no cursor on the chart, the readout shows the latest bucket with a figure (not a row of dashes a lead
        // reads as "no data"); hovering or tapping a point shows that bucket's.
        let latest = x.length - 1;
        while (latest > 0 && series.every((s) => s.values[latest] === null || s.values[latest] === undefined)) latest--;
        const at = (idx: number | null | undefined) => (idx === null || idx === undefined ? latest : idx);
        const soFar = (idx: number | null | undefined) => (at(idx) >= partial ? ' (so far)' : '');
        // Each series is drawn twice: solid over the finished buckets, and dashed from the last finished point into
        // the unfinished ones (that second series has no row of its own in the legend: the first's says "so far").
        const hasPartial = partial < x.length;
        const solid = (v: (number | null)[]) => v.map((y, i) => (i < partial ? y : null));
        const dashed = (v: (number | null)[]) => v.map((y, i) => (i >= partial - 1 ? y : null));
        const opts: uPlotType.Options = {
          width,
          height,
          ms: 1,
          cursor: { drag: { x: false, y: false }, points: { size: 7 } },
          legend: { show: true, live: true },
          scales: {
            x: { time: true },
            y: { range: (_u, min, max) => [Math.min(0, min ?? 0), max === null || max <= 0 ? 1 : max * 1.08] },
          },
          axes: [
            {
              stroke: MUTED,
              grid: { stroke: GRID, width: 1 },
              ticks: { stroke: GRID, width: 1 },
              splits: (u) => xSplits(x, u.bbox.width / (window.devicePixelRatio || 1)),
              values: (_u, splits) =>
                splits.map((v, i) => {
                  const year = yearOf(v, timeZone);
                  const prev = i > 0 ? yearOf(splits[i - 1]!, timeZone) : null;
                  return shortDate(v, prev !== year, timeZone);
                }),
            },
            {
              stroke: MUTED,
              grid: { stroke: GRID, width: 1 },
              ticks: { show: false },
              size: 64,
              space: 36,
              incrs: unit === 'seconds' ? SECOND_STEPS : unit === 'ratio' ? RATIO_STEPS : COUNT_STEPS,
              values: (_u, splits) => splits.map((v) => axisValue(v, unit)),
            },
          ],
          series: [
            {
              label: bucketLabel(x),
              value: (_u, _v, _s, idx) => {
                const t = x[at(idx)];
                return t === undefined ? '—' : `${dateLabel(t, timeZone)}${soFar(idx)}`;
              },
            },
            ...series.map((s, i): uPlotType.Series => ({
              label: s.label,
              stroke: chartColour(i),
              width: 2,
              dash: DASHES[i % DASHES.length],
              spanGaps: false,
              points: { show: points, size: 5, fill: chartColour(i) },
              value: (_u, _v, _s, idx) => {
                const v = s.values[at(idx)] ?? null;
                return v === null ? formatValue(v, unit) : `${formatValue(v, unit)}${soFar(idx)}`;
              },
            })),
            ...(hasPartial
              ? series.map((s, i): uPlotType.Series => ({
                  label: `${s.label} (so far)`,
                  class: 'u-partial',
                  stroke: chartColour(i),
                  width: 2,
                  dash: PARTIAL_DASH,
                  spanGaps: false,
                  points: { show: points, size: 5, fill: '#fff', stroke: chartColour(i) },
                  value: (_u, _v, _s, idx) => formatValue(s.values[at(idx)] ?? null, unit),
                }))
              : []),
          ],
        };
        const data = [
          x,
          ...series.map((s) => (hasPartial ? solid(s.values) : s.values)),
          ...(hasPartial ? series.map((s) => dashed(s.values)) : []),
        ] as uPlotType.AlignedData;
        plot = new UPlot(opts, data, el);
        el.querySelectorAll<HTMLElement>('.u-legend .u-partial').forEach((row) => {
          row.style.display = 'none';
        });
        observer = new ResizeObserver(() => {
          const w = Math.max(200, Math.floor(el.clientWidth));
          if (plot && Math.abs(plot.width - w) > 1) plot.setSize({ width: w, height });
        });
        observer.observe(el);
      },
      (e: unknown) => {
        if (!cancelled) setFailed(e);
      },
    );
    return () => {
      cancelled = true;
      observer?.disconnect();
      plot?.destroy();
    };
    // Redrawn when the figures change, not when a page re-renders with equal arrays.
  }, [signature]);

  return (
    <div
      className="chart chart-time"
      data-testid="time-chart"
      data-points={x.length}
      data-series={series.length}
      data-partial-from={partial < x.length ? partial : undefined}
    >
      {failed ? <p className="muted small">The chart could not load; the figures are in the table below.</p> : null}
      <div ref={box} className="chart-canvas" role="img" aria-label={title} style={{ minHeight: height }} />
      {partial < x.length && x.length > 0 ? (
        <p className="muted small chart-partial-note" data-testid="chart-partial-note">
          Dashed: the {bucketLabel(x) === 'Month of' ? 'month' : 'week'} of {dateLabel(x[partial]!, timeZone)}
          {partial < x.length - 1 ? ' and after have' : ' has'} not ended, so its figures are so far.
        </p>
      ) : null}
    </div>
  );
}

/** Bars per category (one bar group per category, one colour per series). */
export function BarChart(p: {
  title: string;
  categories: string[];
  series: ChartSeries[];
  unit: ChartUnit;
  height?: number;
}): JSX.Element {
  const { title, categories, series, unit, height } = p;
  const all = series.flatMap((s) => s.values.filter((v): v is number => v !== null && Number.isFinite(v)));
  // Ratios against 100% (a third is a third of the track); counts and durations against the largest value.
  const scale = Math.max(1, ...all);
  return (
    <div className="chart chart-bars" data-testid="bar-chart" style={height ? { maxHeight: height * 2 } : undefined}>
      {series.length > 1 && <Legend series={series} />}
      <div role="img" aria-label={title}>
        <ul className="chart-bar-list">
          {categories.map((c, ci) => (
            <li key={`${ci}:${c}`} className="chart-bar-group">
              <span className="chart-bar-label" title={c}>
                {c}
              </span>
              {series.map((s, si) => {
                const v = s.values[ci] ?? null;
                const w = v === null ? 0 : Math.max(0, Math.min(100, (v / scale) * 100));
                return (
                  <span key={si} className="chart-bar-row" title={`${c}, ${s.label}: ${formatValue(v, unit)}`}>
                    <span className="chart-bar-track">
                      <span
                        className="chart-bar"
                        style={{ width: `${w}%`, background: chartColour(si), minWidth: v ? 2 : 0 }}
                      />
                    </span>
                    <span className="chart-bar-value">{formatValue(v, unit)}</span>
                  </span>
                );
              })}
            </li>
          ))}
        </ul>
      </div>
    </div>
  );
}

function Legend({ series }: { series: ChartSeries[] }) {
  return (
    <ul className="chart-legend" aria-hidden="true">
      {series.map((s, i) => (
        <li key={i}>
          <span className="chart-swatch" style={{ background: chartColour(i) }} />
          {s.label}
        </li>
      ))}
    </ul>
  );
}
