/** Game days as the HTTP API returns them (src/http/routes/gamedays.ts, docs/gamedays.md); times are RFC 3339. */
import type { Stats } from '../insights/shared.js';

export type GamedayMode = 'tabletop' | 'live';
export type GamedayStatus = 'scheduled' | 'running' | 'halted' | 'ended' | 'cancelled';
export type ScenarioLevel = 'tabletop' | 'live' | 'injection';
export type ActionOutcome = 'pending' | 'done' | 'missed';
export type HypothesisOutcome = 'confirmed' | 'refuted' | 'partly';
export type Recurrence = 'none' | 'monthly' | 'quarterly' | 'yearly';

export interface ScriptInject {
  offsetSeconds: number;
  body: string;
}

export interface Scenario {
  id: string;
  key: string | null;
  teamId: string | null;
  name: string;
  category: string;
  level: ScenarioLevel;
  /** The seed's advice for the level: start with a tabletop, and so on. */
  advice: string;
  summary: string;
  hypothesis: string;
  expectedActions: string[];
  injects: ScriptInject[];
  safetyNotes: string;
  isBuiltin: boolean;
  archivedAt: string | null;
}

export interface GamedaySummary {
  id: string;
  teamId: string;
  teamName?: string;
  scenarioId: string | null;
  title: string;
  mode: GamedayMode;
  status: GamedayStatus;
  severity: string;
  scheduledAt: string | null;
  durationMinutes: number;
  recurrence: Recurrence;
  muteChat: boolean;
  incidentId: string | null;
  startedAt: string | null;
  haltedAt: string | null;
  endedAt: string | null;
  facilitator: { id: string; name: string } | null;
}

export interface Inject {
  id: string;
  position: number;
  offsetSeconds: number;
  body: string;
  status: 'pending' | 'delivered' | 'skipped';
  deliveredAt: string | null;
  dueAt?: string | null;
  addedLive: boolean;
}

export interface ExpectedAction {
  id: string;
  position: number;
  body: string;
  outcome: ActionOutcome;
  markedAt: string | null;
  markedByLabel: string | null;
}

export interface GamedayDetail extends GamedaySummary {
  scenario: string;
  hypothesis: string;
  safetyNotes: string;
  haltReason: string | null;
  hypothesisOutcome: HypothesisOutcome | null;
  participants: { userId: string; name: string; role: string }[];
  serviceIds: string[];
  injects: Inject[];
  expectedActions: ExpectedAction[];
  injection: {
    provider: string;
    url: string;
    config: unknown;
    hasSecret: boolean;
    state: string;
    startedAt: string | null;
    rolledBackAt: string | null;
    lastError: string | null;
  } | null;
  haltConditions: HaltCondition[];
  events: { id: string; at: string; kind: string; actorLabel: string; body: string }[];
  postmortemId: string | null;
}

export interface HaltCondition {
  id: string;
  kind: 'prometheus' | 'real_incident';
  prometheusUrl: string | null;
  query: string | null;
  comparator: string | null;
  threshold: number | null;
  lastValue: number | null;
  lastCheckedAt: string | null;
  lastError: string | null;
}

export interface Figures {
  timeToAcknowledge: number | null;
  timeToSeverity: number | null;
  timeToRoles: number | null;
  timeToRecentChanges: number | null;
  timeToMitigate: number | null;
  checklist: { done: number; total: number };
  rolesHeldByDifferentPeople: boolean | null;
  actions: { done: number; missed: number; pending: number };
}

export interface Measures extends Figures {
  startedAt: string | null;
  earlierDrills: (Figures & { gamedayId: string; title: string; startedAt: string })[];
  realIncidents: { severity: string; mtta: Stats; mttm: Stats };
}

/** Lists may come bare or wrapped (`{ gamedays: [...] }`): take either. */
export function listOf<T>(data: unknown, key: string): T[] {
  if (Array.isArray(data)) return data as T[];
  const inner = data && typeof data === 'object' ? (data as Record<string, unknown>)[key] : null;
  return Array.isArray(inner) ? (inner as T[]) : [];
}

export const gamedayPage = (id: string) => `/gamedays/${encodeURIComponent(id)}`;

export const STATUS_TEXT: Record<GamedayStatus, string> = {
  scheduled: 'Scheduled',
  running: 'Running',
  halted: 'Halted',
  ended: 'Ended',
  cancelled: 'Cancelled',
};

export const MODE_TEXT: Record<GamedayMode, string> = { tabletop: 'Tabletop', live: 'Live drill' };

export const LEVEL_TEXT: Record<ScenarioLevel, string> = {
  tabletop: 'Tabletop',
  live: 'Live drill',
  injection: 'Failure injection',
};

export const LEVELS: readonly ScenarioLevel[] = ['tabletop', 'live', 'injection'];

export const CATEGORY_TEXT: Record<string, string> = {
  infrastructure: 'Infrastructure',
  dependency: 'Dependency',
  cascading: 'Cascading failure',
  security: 'Security',
  communication: 'Communication',
  custom: 'Custom',
};

export const RECURRENCE_TEXT: Record<Recurrence, string> = {
  none: 'Once',
  monthly: 'Every month',
  quarterly: 'Every quarter',
  yearly: 'Every year',
};

export const OUTCOME_TEXT: Record<HypothesisOutcome, string> = {
  confirmed: 'Confirmed',
  refuted: 'Refuted',
  partly: 'Partly confirmed',
};

/** "+05:00" (minutes:seconds after the start; hours when past one). */
export function formatOffset(seconds: number): string {
  const s = Math.max(0, Math.round(seconds));
  const h = Math.floor(s / 3600);
  const m = Math.floor((s % 3600) / 60);
  const ss = String(s % 60).padStart(2, '0');
  return h ? `+${h}:${String(m).padStart(2, '0')}:${ss}` : `+${String(m).padStart(2, '0')}:${ss}`;
}

/** "4 min 05 s", "12 s", "1 h 02 min"; "—" for nothing measured. */
export function formatDuration(seconds: number | null | undefined): string {
  if (seconds === null || seconds === undefined) return '—';
  const s = Math.round(seconds);
  if (s < 60) return `${s} s`;
  if (s < 3600) return `${Math.floor(s / 60)} min ${String(s % 60).padStart(2, '0')} s`;
  return `${Math.floor(s / 3600)} h ${String(Math.floor((s % 3600) / 60)).padStart(2, '0')} min`;
}

/** The wall-clock time only (HH:MM) in the viewer's zone. */
export function clockTime(iso: string | null | undefined, timeZone?: string): string {
  if (!iso) return '—';
  try {
    return new Intl.DateTimeFormat('en-GB', { timeZone, hour: '2-digit', minute: '2-digit', hour12: false }).format(
      new Date(iso),
    );
  } catch {
    return iso;
  }
}

/** When a game day happens (or happened), for lists and the calendar. */
export const whenOf = (g: Pick<GamedaySummary, 'scheduledAt' | 'startedAt'>): string | null =>
  g.scheduledAt ?? g.startedAt;
