/**
 * What the people-health views share (docs/people-health.md): the response shapes of src/http/routes/people.ts, the
 * window and team filters kept in the URL, and small formatters.
 */
import { useId, type JSX } from 'react';
import { FilterBar, SelectFilter, useUrlFilters } from '../../components/filters.js';
import { useLocation } from '../../lib/router.js';
import type { Team } from '../../lib/types.js';
import { useApi } from '../../lib/use-api.js';

export type HeroMeasure = 'pages' | 'incidents' | 'roles' | 'offHours';
export type Measures = Record<HeroMeasure, number>;

export interface HeroPerson {
  userId: string;
  name: string;
  pagesAcknowledged: number;
  incidentsResponded: number;
  rolesHeld: number;
  offHoursPageHours: number;
  share: Measures;
  flagged: boolean;
  reasons: string[];
}

export interface HeroReport {
  teamId: string;
  team: { id: string; name: string };
  window: { from: string; to: string };
  thresholds: { medianFactor: number; shareOfTeam: number; minCount: number };
  people: HeroPerson[];
  teamTotals: Measures;
  median: Measures;
}

export interface HeroItem {
  kind: 'page' | 'incident' | 'role' | 'off_hours_page';
  at: string;
  incidentId: string | null;
  incidentTitle: string | null;
  alertId: string | null;
  alertTitle: string | null;
  serviceName: string | null;
  detail: string;
}

export interface Remedy {
  kind: 'write_runbook' | 'add_shadow' | 'pair_next';
  href: string;
  text: string;
}

export interface KnowledgeService {
  serviceId: string;
  name: string;
  team: { id: string; name: string };
  incidents: number;
  people: { userId: string; name: string; handled: number; share: number }[];
  flagged: boolean;
  holder: { userId: string; name: string; handled: number; share: number } | null;
  reason: string | null;
  remedies: Remedy[];
}

export interface KnowledgeReport {
  window: { from: string; to: string };
  thresholds: { share: number; minIncidents: number };
  services: KnowledgeService[];
}

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

export interface LoadReport {
  team: { id: string; name: string };
  window: { from: string; to: string };
  timeZone: string;
  loadShare: number;
  people: {
    userId: string;
    name: string;
    flagged: boolean;
    months: { month: string; onCallHours: number; share: number; flagged: boolean }[];
  }[];
  backToBack: { userId: string; name: string; scheduleIds: string[]; from: string; to: string }[];
  recovery: RecoveryEntry[];
}

interface Stats {
  median: number | null;
  p90: number | null;
  mean: number | null;
  count: number;
}

export interface ServiceCard {
  serviceId: string;
  name: string;
  slug: string;
  owningTeam: { id: string; name: string; slug: string };
  openIncidents: number;
  pages: number;
  pagesPerWeek: number;
  noisyShare: number | null;
  mtta: Stats;
  mttr: Stats;
  postmortemCompletion: number | null;
  overdueActionItems: number;
  runbookCoverage: { hasRunbook: boolean; runbookCount: number; alertRulesCovered: number | null };
  knowledgeFlag: boolean;
  knowledgeHolder: { userId: string; name: string; share: number } | null;
  score: number;
}

export interface ServiceHealth {
  team: { id: string; name: string };
  window: { from: string; to: string };
  services: ServiceCard[];
}

export interface PeopleSettings {
  teamId: string;
  saved: boolean;
  heroMedianFactor: number;
  heroShareOfTeam: number;
  heroMinCount: number;
  knowledgeShare: number;
  knowledgeMinIncidents: number;
  loadShare: number;
  recoveryHours: number;
  workDays: number[];
  workStart: string;
  workEnd: string;
  sleepStart: string;
  sleepEnd: string;
}

export const pct = (x: number | null | undefined): string =>
  x === null || x === undefined || !Number.isFinite(x) ? '—' : `${Math.round(x * 100)}%`;

/** A share beside its limit: one decimal where whole percents would hide the side it falls on (25.4% over 25%). */
export const pctBeside = (x: number, limit: number): string =>
  Math.round(x * 100) === Math.round(limit * 100) && x !== limit ? `${Math.round(x * 1000) / 10}%` : pct(x);

export const hours = (h: number): string => `${Math.round(h * 10) / 10} h`;

/** `from` for the last `days` days, rounded to the hour so the request (and the page's cache) stays stable. */
export function fromDays(days: number): string {
  const hour = 3_600_000;
  return new Date(Math.floor((Date.now() - days * 86_400_000) / hour) * hour).toISOString();
}

export const WINDOWS = [
  { value: '30', text: 'Last 30 days' },
  { value: '90', text: 'Last 90 days' },
  { value: '180', text: 'Last 6 months' },
  { value: '365', text: 'Last 12 months' },
] as const;

/** The team a person most likely means: the one in the URL, else the first they belong to, else the first. */
export function pickTeam(teams: readonly Team[], wanted: string): Team | undefined {
  return (
    teams.find((t) => t.id === wanted || t.slug === wanted) ??
    [...teams].filter((t) => t.myRole).sort((a, b) => a.name.localeCompare(b.name))[0] ??
    [...teams].sort((a, b) => a.name.localeCompare(b.name))[0]
  );
}

/** The team and window filters of /people, kept in the URL (`teamId`, `window`; `tab` is the page's). */
export function usePeopleFilters(): {
  teams: ReturnType<typeof useApi<{ teams: Team[] }>>;
  team: Team | undefined;
  windowDays: string;
  from: string;
  set: (changes: Record<string, string>) => void;
  bar: JSX.Element;
} {
  const { pathname, search } = useLocation();
  const set = useUrlFilters(pathname, { window: '90', tab: 'heroes' });
  const id = useId();
  const teams = useApi<{ teams: Team[] }>('/api/teams');
  const list = teams.data?.teams ?? [];
  const team = pickTeam(list, search.get('teamId') ?? '');
  const windowDays = WINDOWS.find((w) => w.value === search.get('window'))?.value ?? '90';
  const bar = (
    <FilterBar label="Filters">
      <label className="sr-only" htmlFor={`${id}-team`}>
        Team
      </label>
      <select id={`${id}-team`} value={team?.id ?? ''} onChange={(e) => set({ teamId: e.target.value })}>
        {list.length === 0 && <option value="">No teams yet</option>}
        {[...list]
          .sort((a, b) => a.name.localeCompare(b.name))
          .map((t) => (
            <option key={t.id} value={t.id}>
              {t.name}
            </option>
          ))}
      </select>
      <SelectFilter
        id={`${id}-window`}
        label="Window"
        all="Last 90 days"
        value={windowDays === '90' ? '' : windowDays}
        options={WINDOWS.filter((w) => w.value !== '90')}
        onChange={(v) => set({ window: v })}
      />
    </FilterBar>
  );
  return { teams, team, windowDays, from: fromDays(Number(windowDays)), set, bar };
}
