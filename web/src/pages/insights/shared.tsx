/**
 * What every insights page shares (docs/insights.md): the tabs across the six pages, the filters bar whose state
 * lives in the URL (so a view can be linked and survives a reload, and the tabs carry it from page to page), and
 * the card around a chart with its figures as a table and as a CSV download.
 */
import { useId, useState, type JSX, type ReactNode } from 'react';
import { FilterBar, SelectFilter, useUrlFilters } from '../../components/filters.js';
import { DataTable, type Column } from '../../components/table.js';
import { Card } from '../../components/ui.js';
import { query } from '../../lib/api.js';
import { Link, useLocation } from '../../lib/router.js';
import { useApi } from '../../lib/use-api.js';

/** A figure's statistics in whole seconds, null when count is 0 (the API's `stats()`, src/insights/model.ts). */
export interface Stats {
  median: number | null;
  p90: number | null;
  mean: number | null;
  count: number;
}

export interface InsightsQuery {
  from?: string;
  to?: string;
  teamId?: string;
  serviceId?: string;
  severity?: string;
  bucket: 'week' | 'month';
  includeKinds?: string;
}

type FilterName = 'team' | 'service' | 'severity' | 'bucket' | 'kinds';
const ALL_FILTERS: FilterName[] = ['team', 'service', 'severity', 'bucket', 'kinds'];

export const INSIGHTS_PAGES = [
  { path: '/insights', text: 'Response times' },
  { path: '/insights/paging', text: 'Paging' },
  { path: '/insights/recurrence', text: 'Recurrence' },
  { path: '/insights/learning', text: 'Learning' },
  { path: '/insights/responders', text: 'Responders' },
  { path: '/insights/alert-quality', text: 'Alert quality' },
  { path: '/insights/people', text: 'People' },
] as const;

/** The URL keys the filters use; the tabs carry them from page to page. */
const URL_KEYS = ['window', 'from', 'to', 'teamId', 'serviceId', 'severity', 'bucket', 'drills', 'imported'] as const;

/** The tabs across every insights page (Response times, Paging, Recurrence, Learning, Responders, Alert quality). */
export function InsightsTabs(): JSX.Element {
  const { pathname, search } = useLocation();
  const keep = new URLSearchParams();
  for (const k of URL_KEYS) {
    const v = search.get(k);
    if (v) keep.set(k, v);
  }
  const qs = keep.toString();
  const here = pathname.replace(/\/+$/, '') || '/';
  return (
    <nav className="tabs insights-tabs" aria-label="Insights">
      {INSIGHTS_PAGES.map((p) => (
        <Link
          key={p.path}
          to={`${p.path}${qs ? `?${qs}` : ''}`}
          className={here === p.path ? 'tab active' : 'tab'}
          aria-current={here === p.path ? 'page' : undefined}
        >
          {p.text}
        </Link>
      ))}
    </nav>
  );
}

const WINDOWS = [
  { value: '30', text: 'Last 30 days' },
  { value: '90', text: 'Last 90 days' },
  { value: '365', text: 'Last 12 months' },
  { value: 'custom', text: 'Custom dates' },
] as const;
const SEVERITIES = ['P1', 'P2', 'P3', 'P4'].map((s) => ({ value: s, text: s }));
const BUCKETS = [
  { value: 'week', text: 'By week' },
  { value: 'month', text: 'By month' },
];
const DEFAULTS = { window: '90', bucket: 'week' } as const;

const DATE = /^\d{4}-\d{2}-\d{2}$/;

/** `from` for the last `days` days, rounded to the hour so the request (and the page's cache) stays stable. */
function fromDays(days: number): string {
  const hour = 3_600_000;
  return new Date(Math.floor((Date.now() - days * 86_400_000) / hour) * hour).toISOString();
}

/** Local midnight of a `YYYY-MM-DD` date, `addDays` later, as RFC 3339; undefined for anything else. */
function localMidnight(date: string | null, addDays = 0): string | undefined {
  if (!date || !DATE.test(date)) return undefined;
  const [y, m, d] = date.split('-').map(Number) as [number, number, number];
  const t = new Date(y, m - 1, d + addDays);
  return Number.isNaN(t.getTime()) ? undefined : t.toISOString();
}

/** Today as `YYYY-MM-DD` in the browser's zone. */
function today(offsetDays = 0): string {
  const d = new Date(Date.now() + offsetDays * 86_400_000);
  return `${d.getFullYear()}-${String(d.getMonth() + 1).padStart(2, '0')}-${String(d.getDate()).padStart(2, '0')}`;
}

interface TeamOption {
  id: string;
  name: string;
}
interface ServiceOption {
  id: string;
  name: string;
  teamId: string | null;
}

/** Filters bar (window: 30/90/365 days/custom, team, service, severity, bucket; `show` picks which) kept in the URL. */
export function useInsightsFilters(show: Array<'team' | 'service' | 'severity' | 'bucket' | 'kinds'> = ALL_FILTERS): {
  query: InsightsQuery;
  qs: string;
  bar: JSX.Element;
} {
  const { pathname, search } = useLocation();
  const set = useUrlFilters(pathname, DEFAULTS);
  const id = useId();
  const has = (f: FilterName) => show.includes(f);
  const teams = useApi<{ teams: TeamOption[] }>(has('team') ? '/api/teams' : null);
  const services = useApi<{ services: ServiceOption[] }>(has('service') ? '/api/services' : null);

  const windowKey = WINDOWS.find((w) => w.value === search.get('window'))?.value ?? DEFAULTS.window;
  const fromDate = search.get('from') ?? '';
  const toDate = search.get('to') ?? '';
  const teamId = has('team') ? (search.get('teamId') ?? '') : '';
  const serviceId = has('service') ? (search.get('serviceId') ?? '') : '';
  const severity = has('severity') ? (search.get('severity') ?? '') : '';
  const bucket: 'week' | 'month' = search.get('bucket') === 'month' ? 'month' : 'week';
  const drills = has('kinds') && search.get('drills') === '1';
  // Incidents imported from another tool (docs/import.md): the trends continue across the move when asked for.
  const imported = has('kinds') && search.get('imported') === '1';
  const kinds = [drills ? 'drill' : '', imported ? 'imported' : ''].filter(Boolean).join(',');

  const q: InsightsQuery = {
    from: windowKey === 'custom' ? localMidnight(fromDate) : fromDays(Number(windowKey)),
    to: windowKey === 'custom' ? localMidnight(toDate, 1) : undefined,
    teamId: teamId || undefined,
    serviceId: serviceId || undefined,
    severity: severity || undefined,
    bucket,
    includeKinds: kinds || undefined,
  };
  const qs = query({
    from: q.from,
    to: q.to,
    teamId: q.teamId,
    serviceId: q.serviceId,
    severity: q.severity,
    bucket: has('bucket') ? q.bucket : undefined,
    includeKinds: q.includeKinds,
  });

  const serviceOptions = (services.data?.services ?? [])
    .filter((s) => !teamId || s.teamId === teamId || s.id === serviceId)
    .map((s) => ({ value: s.id, text: s.name }))
    .sort((a, b) => a.text.localeCompare(b.text));
  const teamOptions = (teams.data?.teams ?? [])
    .map((t) => ({ value: t.id, text: t.name }))
    .sort((a, b) => a.text.localeCompare(b.text));
  const badRange = windowKey === 'custom' && DATE.test(fromDate) && DATE.test(toDate) && fromDate > toDate;

  const bar = (
    <div className="insights-filters">
      <FilterBar label="Filters">
        <SelectFilter
          id={`${id}-window`}
          label="Window"
          all="Last 90 days"
          value={windowKey === '90' ? '' : windowKey}
          options={WINDOWS.filter((w) => w.value !== '90')}
          onChange={(v) =>
            v === 'custom'
              ? set({ window: 'custom', from: fromDate || today(-90), to: toDate || today() })
              : set({ window: v, from: '', to: '' })
          }
        />
        {windowKey === 'custom' && (
          <>
            <label className="insights-date">
              <span>From</span>
              <input
                type="date"
                value={fromDate}
                max={toDate || undefined}
                onChange={(e) => set({ from: e.target.value })}
              />
            </label>
            <label className="insights-date">
              <span>To</span>
              <input
                type="date"
                value={toDate}
                min={fromDate || undefined}
                onChange={(e) => set({ to: e.target.value })}
              />
            </label>
          </>
        )}
        {has('team') && (
          <SelectFilter
            id={`${id}-team`}
            label="Team"
            all="All teams"
            value={teamId}
            options={teamOptions}
            onChange={(v) => set({ teamId: v, serviceId: '' })}
          />
        )}
        {has('service') && (
          <SelectFilter
            id={`${id}-service`}
            label="Service"
            all="All services"
            value={serviceId}
            options={serviceOptions}
            onChange={(v) => set({ serviceId: v })}
          />
        )}
        {has('severity') && (
          <SelectFilter
            id={`${id}-severity`}
            label="Severity"
            all="All severities"
            value={severity}
            options={SEVERITIES}
            onChange={(v) => set({ severity: v })}
          />
        )}
        {has('bucket') && (
          <SelectFilter
            id={`${id}-bucket`}
            label="Group by"
            all="By week"
            value={bucket === 'week' ? '' : bucket}
            options={BUCKETS.filter((b) => b.value !== 'week')}
            onChange={(v) => set({ bucket: v })}
          />
        )}
        {has('kinds') && (
          <label className="insights-check">
            <input type="checkbox" checked={drills} onChange={(e) => set({ drills: e.target.checked ? '1' : '' })} />{' '}
            Include drills
          </label>
        )}
        {has('kinds') && (
          <label className="insights-check">
            <input
              type="checkbox"
              checked={imported}
              onChange={(e) => set({ imported: e.target.checked ? '1' : '' })}
            />{' '}
            Include imported
          </label>
        )}
      </FilterBar>
      {badRange && (
        <p className="field-error" role="alert">
          The start date is after the end date.
        </p>
      )}
    </div>
  );
  return { query: q, qs, bar };
}

/**
 * Rows as CSV (RFC 4180): a header row of the labels, CRLF line ends, fields with a comma, quote or line break in
 * double quotes (quotes doubled), null as an empty field. A text field starting with = + - @ gets a leading
 * apostrophe so a spreadsheet does not run it as a formula.
 */
export function toCsv(
  columns: { key: string; label: string }[],
  rows: Record<string, string | number | null>[],
): string {
  const field = (v: string | number | null | undefined): string => {
    // '—' is how the pages show a missing figure; in a spreadsheet it is an empty cell, not text in a number column.
    if (v === null || v === undefined || v === '—') return '';
    let s = typeof v === 'number' ? (Number.isFinite(v) ? String(v) : '') : v;
    if (typeof v === 'string' && /^[=+\-@\t\r]/.test(s)) s = `'${s}`;
    return /[",\r\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
  };
  const lines = [columns.map((c) => field(c.label)).join(',')];
  for (const r of rows) lines.push(columns.map((c) => field(r[c.key])).join(','));
  return `${lines.join('\r\n')}\r\n`;
}

function downloadCsv(name: string, text: string): void {
  const blob = new Blob([text], { type: 'text/csv;charset=utf-8' });
  const url = URL.createObjectURL(blob);
  const a = document.createElement('a');
  a.href = url;
  a.download = name.endsWith('.csv') ? name : `${name}.csv`;
  document.body.append(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(url), 10_000);
}

type Row = Record<string, string | number | null>;

/** A card: the chart, a "Show table" disclosure with a DataTable of the same figures, and a "Download CSV" button. */
export function ChartCard(p: {
  title: string;
  description?: string;
  chart: JSX.Element;
  /** `hideOnPhone`: left out of the table below 600 px (still in the CSV), e.g. the raw seconds beside a duration. */
  columns: { key: string; label: string; hideOnPhone?: boolean }[];
  rows: Record<string, string | number | null>[];
  csvName: string;
}): JSX.Element {
  const { title, description, chart, columns, rows, csvName } = p;
  const [open, setOpen] = useState(false);
  const tableColumns: Column<Row & { __i: number }>[] = columns.map((c, i) => ({
    id: c.key,
    header: c.label,
    cell: (r) => show(r[c.key]),
    sortValue: (r) => r[c.key] ?? null,
    align: i > 0 && rows.some((r) => typeof r[c.key] === 'number') ? 'num' : undefined,
    hideOnPhone: c.hideOnPhone,
  }));
  const indexed = rows.map((r, i) => ({ ...r, __i: i }));
  return (
    <Card title={title} className="chart-card">
      {description && <p className="muted small chart-card-description">{description}</p>}
      {chart}
      <div className="chart-card-actions">
        <button type="button" className="btn btn-small btn-ghost" aria-expanded={open} onClick={() => setOpen(!open)}>
          {open ? 'Hide table' : 'Show table'}
        </button>
        <button
          type="button"
          className="btn btn-small btn-ghost"
          onClick={() => downloadCsv(csvName, toCsv(columns, rows))}
          disabled={rows.length === 0}
        >
          Download CSV
        </button>
      </div>
      {open && (
        <DataTable
          label={title}
          columns={tableColumns}
          rows={indexed}
          rowKey={(r) => String(r.__i)}
          dense
          testId="chart-table"
        />
      )}
    </Card>
  );
}

const show = (v: string | number | null | undefined): ReactNode =>
  v === null || v === undefined || v === '' ? '—' : typeof v === 'number' ? v.toLocaleString('en-US') : v;

/** Team and service names by id, for the groups the insights APIs return as ids. */
export function useInsightsNames(): { team: (id: string) => string; service: (id: string) => string } {
  const teams = useApi<{ teams: TeamOption[] }>('/api/teams');
  const services = useApi<{ services: ServiceOption[] }>('/api/services');
  const t = new Map((teams.data?.teams ?? []).map((x) => [x.id, x.name]));
  const s = new Map((services.data?.services ?? []).map((x) => [x.id, x.name]));
  return {
    team: (id) => (id === 'none' ? 'No team' : (t.get(id) ?? id)),
    service: (id) => (id === 'none' ? 'No service' : (s.get(id) ?? id)),
  };
}

/** A bucket's start as its calendar date (`YYYY-MM-DD`) in the zone the API bucketed in. */
export function bucketDate(iso: string, timeZone?: string): string {
  try {
    return new Intl.DateTimeFormat('en-CA', { timeZone, year: 'numeric', month: '2-digit', day: '2-digit' }).format(
      new Date(iso),
    );
  } catch {
    return iso.slice(0, 10);
  }
}
