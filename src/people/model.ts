/**
 * People health as pure functions (docs/people-health.md): the hero signal, knowledge held by one person, the share of
 * each month on call, back-to-back shifts across schedules, recovery after a page in the night, and the service health
 * card's score. No I/O; time is always passed in. Working hours, sleep and off-hours are on-call health's definitions
 * (src/oncall/sustainability.ts, src/insights/paging.ts `timingOf`), read in each person's own zone.
 */
import { bucketStarts, nextBucketStart } from '../insights/model.js';
import type { Interval } from '../oncall/model.js';
import { mergeIntervals, type ReportWindows } from '../oncall/sustainability.js';
import { nextWorkingHoursStart } from '../shared/time.js';

const HOUR = 3_600_000;

// ---- thresholds (a team setting: migration 0031, src/people/settings.ts) -------------------------------------------

export interface PeopleThresholds {
  /** A person is a hero above this many times the team median of a measure (default 2). */
  heroMedianFactor: number;
  /** … or above this share of the team's total of a measure (default 1/3). */
  heroShareOfTeam: number;
  /** … and only with at least this many of it (pages, incidents, roles or hours; default 5). */
  heroMinCount: number;
  /** Knowledge is held by one person when they handled at least this share of a service's incidents (default 0.8) … */
  knowledgeShare: number;
  /** … of at least this many incidents (default 5). */
  knowledgeMinIncidents: number;
  /** A month is too much on call above this share of its hours (default 0.25: one week in four, the seed's figure). */
  loadShare: number;
  /** Recovery after a page in sleep hours: this many hours from the next working morning's start (default 4). */
  recoveryHours: number;
}

export const DEFAULT_THRESHOLDS: PeopleThresholds = {
  heroMedianFactor: 2,
  heroShareOfTeam: 1 / 3,
  heroMinCount: 5,
  knowledgeShare: 0.8,
  knowledgeMinIncidents: 5,
  loadShare: 0.25,
  recoveryHours: 4,
};

const round2 = (n: number): number => Math.round(n * 100) / 100;
const round3 = (n: number): number => Math.round(n * 1000) / 1000;

/** The middle value (the mean of the two middle values for an even count); 0 for none. */
export function median(xs: readonly number[]): number {
  if (!xs.length) return 0;
  const s = [...xs].sort((a, b) => a - b);
  const mid = Math.floor(s.length / 2);
  return s.length % 2 ? s[mid]! : (s[mid - 1]! + s[mid]!) / 2;
}

// ---- 1. the hero signal --------------------------------------------------------------------------------------------

export const HERO_MEASURES = ['pages', 'incidents', 'roles', 'offHours'] as const;
export type HeroMeasure = (typeof HERO_MEASURES)[number];

export interface HeroInput {
  userId: string;
  name: string;
  /** Pages of the team's services this person acknowledged. */
  pagesAcknowledged: number;
  /** The team's incidents this person responded to (held a role, acknowledged a linked alert or joined the room). */
  incidentsResponded: number;
  /** Incident roles this person took on the team's incidents. */
  rolesHeld: number;
  /** Hours from a page outside working hours (their zone) to its alert's resolution, capped per page, overlaps merged. */
  offHoursPageHours: number;
}

export type Measures = Record<HeroMeasure, number>;

export interface HeroPerson extends HeroInput {
  share: Measures;
  flagged: boolean;
  reasons: string[];
}

export interface HeroFigures {
  people: HeroPerson[];
  teamTotals: Measures;
  median: Measures;
}

const measureOf = (p: HeroInput, m: HeroMeasure): number =>
  m === 'pages'
    ? p.pagesAcknowledged
    : m === 'incidents'
      ? p.incidentsResponded
      : m === 'roles'
        ? p.rolesHeld
        : p.offHoursPageHours;

const WHAT: Record<HeroMeasure, (n: number) => string> = {
  pages: (n) => `acknowledged ${n} ${n === 1 ? 'page' : 'pages'}`,
  incidents: (n) => `responded to ${n} ${n === 1 ? 'incident' : 'incidents'}`,
  roles: (n) => `held ${n} incident ${n === 1 ? 'role' : 'roles'}`,
  offHours: (n) => `worked ${n} ${n === 1 ? 'hour' : 'hours'} on pages outside working hours`,
};

const pct = (x: number): string => `${Math.round(x * 100)}%`;
const times = (x: number): string => `${Math.round(x * 10) / 10}×`;

/**
 * The hero signal over everyone listed (the team's members and anyone else who answered for its services): per
 * measure, each person's share of the team's total; a person is flagged on a measure when they have at least
 * `heroMinCount` of it and more than `heroMedianFactor` × the median of everyone listed, or more than
 * `heroShareOfTeam` of the team's total. Each flag gives its reason in words. Sorted flagged first, then by pages.
 */
export function heroFigures(input: readonly HeroInput[], t: PeopleThresholds = DEFAULT_THRESHOLDS): HeroFigures {
  const teamTotals = {} as Measures;
  const med = {} as Measures;
  for (const m of HERO_MEASURES) {
    const xs = input.map((p) => measureOf(p, m));
    teamTotals[m] = round2(xs.reduce((a, b) => a + b, 0));
    med[m] = round2(median(xs));
  }
  const people = input.map((p) => {
    const share = {} as Measures;
    const reasons: string[] = [];
    for (const m of HERO_MEASURES) {
      const n = measureOf(p, m);
      const total = teamTotals[m];
      share[m] = total > 0 ? round3(n / total) : 0;
      if (n < t.heroMinCount) continue;
      const aboveMedian = n > t.heroMedianFactor * med[m];
      const aboveShare = total > 0 && n / total > t.heroShareOfTeam;
      if (!aboveMedian && !aboveShare) continue;
      const why: string[] = [];
      if (aboveShare) why.push(`${pct(n / total)} of the team's ${total}`);
      if (aboveMedian)
        why.push(med[m] > 0 ? `${times(n / med[m])} the team median of ${med[m]}` : 'the team median is 0');
      reasons.push(`${capitalise(WHAT[m](n))}: ${why.join('; ')}.`);
    }
    return { ...p, share, flagged: reasons.length > 0, reasons };
  });
  people.sort(
    (a, b) =>
      Number(b.flagged) - Number(a.flagged) ||
      b.pagesAcknowledged - a.pagesAcknowledged ||
      b.incidentsResponded - a.incidentsResponded ||
      a.name.localeCompare(b.name),
  );
  return { people, teamTotals, median: med };
}

const capitalise = (s: string): string => s.charAt(0).toUpperCase() + s.slice(1);

/**
 * Hours worked on pages outside working hours: each such page counts from the page to its alert's resolution (or
 * `until` while unresolved), at most `capMs` per page; one person's overlapping spans (several pages for one outage)
 * count once. Hours, two decimals.
 */
export function offHoursPageHours(
  pages: readonly { at: number; resolvedAt: number | null }[],
  until: number,
  capMs = 8 * HOUR,
): number {
  const spans = pages.map((p) => ({ start: p.at, end: Math.min(p.resolvedAt ?? until, p.at + capMs, until) }));
  const ms = mergeIntervals(spans).reduce((n, s) => n + (s.end - s.start), 0);
  return round2(ms / HOUR);
}

// ---- 2. knowledge held by one person -------------------------------------------------------------------------------

export interface KnowledgePerson {
  userId: string;
  name: string;
  /** Incidents of the service this person handled: acknowledged one of its alerts, held IC or TL, or resolved it. */
  handled: number;
  /** handled / the service's incidents. */
  share: number;
}

export interface KnowledgeFigure {
  incidents: number;
  people: KnowledgePerson[];
  flagged: boolean;
  /** The person who handled the most (null without incidents). */
  holder: KnowledgePerson | null;
  reason: string | null;
}

/**
 * One service's knowledge figure from its incidents and who handled each. Flagged when one person handled at least
 * `knowledgeShare` of them and there are at least `knowledgeMinIncidents`.
 */
export function knowledgeFigure(
  incidents: readonly { incidentId: string; handlers: readonly string[] }[],
  nameOf: (userId: string) => string,
  t: PeopleThresholds = DEFAULT_THRESHOLDS,
): KnowledgeFigure {
  const counts = new Map<string, number>();
  for (const i of incidents) for (const u of new Set(i.handlers)) counts.set(u, (counts.get(u) ?? 0) + 1);
  const n = incidents.length;
  const people = [...counts]
    .map(([userId, handled]) => ({ userId, name: nameOf(userId), handled, share: n ? round3(handled / n) : 0 }))
    .sort((a, b) => b.handled - a.handled || a.name.localeCompare(b.name));
  const holder = people[0] ?? null;
  const flagged = holder !== null && n >= t.knowledgeMinIncidents && holder.handled / n >= t.knowledgeShare;
  return {
    incidents: n,
    people,
    flagged,
    holder,
    reason: flagged
      ? `${holder.name} handled ${holder.handled} of its ${n} incidents (${pct(holder.handled / n)}): ` +
        'if they are away, nobody else has done it.'
      : null,
  };
}

export type RemedyKind = 'write_runbook' | 'add_shadow' | 'pair_next';

/** The seed's remedies for knowledge held by one person, as links (runbooks land from issue 15). */
export function knowledgeRemedies(s: {
  serviceId: string;
  serviceName: string;
  teamSlug: string;
  hasRunbook: boolean;
  scheduleIds: readonly string[];
  holderName: string;
}): { kind: RemedyKind; href: string; text: string }[] {
  const out: { kind: RemedyKind; href: string; text: string }[] = [];
  if (!s.hasRunbook) {
    out.push({
      kind: 'write_runbook',
      href: `/runbooks/new?serviceId=${encodeURIComponent(s.serviceId)}`,
      text: `Write the missing runbook for ${s.serviceName}, with ${s.holderName}.`,
    });
  }
  out.push({
    kind: 'add_shadow',
    href: s.scheduleIds[0] ? `/oncall/schedules/${encodeURIComponent(s.scheduleIds[0])}` : '/oncall',
    text: `Add a shadow to the rotation that answers for ${s.serviceName}.`,
  });
  out.push({
    kind: 'pair_next',
    href: `/teams/${encodeURIComponent(s.teamSlug)}`,
    text: `Pair someone with ${s.holderName} on the next ${s.serviceName} incident.`,
  });
  return out;
}

// ---- 5. load and recovery ------------------------------------------------------------------------------------------

export interface MonthLoad {
  month: number;
  onCallHours: number;
  /** On-call hours ÷ the month's hours. */
  share: number;
  /** Above `loadShare` (default: more than one week in four). */
  flagged: boolean;
}

/** The calendar months of [from, to) in `tz`, each clipped to the window. */
export function monthsOf(from: number, to: number, tz: string): { start: number; end: number }[] {
  return bucketStarts(from, to, 'month', tz).map((s) => ({
    start: Math.max(s, from),
    end: Math.min(nextBucketStart(s, 'month', tz), to),
  }));
}

/** One person's on-call hours per month (shifts merged across schedules) and the share of the month's hours. */
export function monthlyLoad(
  shifts: readonly Interval[],
  months: readonly { start: number; end: number }[],
  t: PeopleThresholds = DEFAULT_THRESHOLDS,
): MonthLoad[] {
  const merged = mergeIntervals([...shifts]);
  return months.map((m) => {
    let ms = 0;
    for (const s of merged) ms += Math.max(0, Math.min(s.end, m.end) - Math.max(s.start, m.start));
    const share = m.end > m.start ? ms / (m.end - m.start) : 0;
    return { month: m.start, onCallHours: round2(ms / HOUR), share: round3(share), flagged: share > t.loadShare };
  });
}

export interface BackToBack {
  userId: string;
  scheduleIds: string[];
  from: number;
  to: number;
}

/**
 * Back-to-back shifts across schedules: one person's shifts in two or more schedules that touch or overlap (a gap
 * under `gapMs`, default one hour), chained into one stretch. Shifts in one schedule alone are its rotation, not this.
 */
export function backToBack(
  userId: string,
  shifts: readonly { scheduleId: string; start: number; end: number }[],
  gapMs = HOUR,
): BackToBack[] {
  const sorted = [...shifts].filter((s) => s.end > s.start).sort((a, b) => a.start - b.start || a.end - b.end);
  const out: BackToBack[] = [];
  let cur: { ids: Set<string>; from: number; to: number } | null = null;
  const flush = () => {
    if (cur && cur.ids.size > 1) out.push({ userId, scheduleIds: [...cur.ids].sort(), from: cur.from, to: cur.to });
  };
  for (const s of sorted) {
    if (cur && s.start <= cur.to + gapMs) {
      cur.ids.add(s.scheduleId);
      cur.to = Math.max(cur.to, s.end);
    } else {
      flush();
      cur = { ids: new Set([s.scheduleId]), from: s.start, to: s.end };
    }
  }
  flush();
  return out;
}

/**
 * Recovery after a page in sleep hours: the person's next working morning, from the start of their working hours for
 * `recoveryHours`, in their zone. Null when that morning is more than a day away (a weekend or a day off is the
 * recovery) or the page came outside sleep hours.
 */
export function recoveryWindow(
  pagedAt: number,
  timezone: string,
  w: ReportWindows,
  t: PeopleThresholds = DEFAULT_THRESHOLDS,
): { from: number; to: number } | null {
  const from = nextWorkingHoursStart(pagedAt, {
    timezone,
    days: w.workDays,
    start: w.workStart,
    end: w.workEnd,
  });
  if (from === null || from - pagedAt > 24 * HOUR) return null;
  // Already inside working hours (a sleep window that overlaps them): recovery starts now.
  return { from, to: from + t.recoveryHours * HOUR };
}

export interface RecoveryPage {
  userId: string;
  at: number;
  timezone: string;
}

export interface Recovery {
  userId: string;
  /** The first page in sleep hours that broke this night (the others are counted). */
  pagedAt: number;
  pages: number;
  recoveryFrom: number;
  recoveryTo: number;
}

/** One recovery per person and morning, from the pages in their sleep hours (`duringSleep` already decided). */
export function recoveries(
  pages: readonly RecoveryPage[],
  w: ReportWindows,
  t: PeopleThresholds = DEFAULT_THRESHOLDS,
): Recovery[] {
  const byKey = new Map<string, Recovery>();
  for (const p of [...pages].sort((a, b) => a.at - b.at)) {
    const win = recoveryWindow(p.at, p.timezone, w, t);
    if (!win) continue;
    const key = `${p.userId} ${win.from}`;
    const r = byKey.get(key);
    if (r) r.pages++;
    else byKey.set(key, { userId: p.userId, pagedAt: p.at, pages: 1, recoveryFrom: win.from, recoveryTo: win.to });
  }
  return [...byKey.values()].sort((a, b) => a.recoveryFrom - b.recoveryFrom || a.userId.localeCompare(b.userId));
}

/**
 * A cover proposal for a recovery: the part of the person's own shift (in one schedule) inside the recovery window,
 * covered by the schedule's participant with the fewest on-call hours over the window who is not on call then
 * (null when nobody is free: the proposal still names the time, and whoever accepts picks a person).
 */
export function coverProposal(
  r: { userId: string; recoveryFrom: number; recoveryTo: number },
  schedules: readonly {
    scheduleId: string;
    participants: readonly string[];
    final: readonly { userId: string; start: number; end: number }[];
  }[],
  hoursOf: (userId: string) => number,
): { scheduleId: string; proposal: { start: number; end: number; userId: string | null } } | null {
  for (const s of schedules) {
    const mine = s.final.find((x) => x.userId === r.userId && x.start < r.recoveryTo && x.end > r.recoveryFrom);
    if (!mine) continue;
    const start = Math.max(mine.start, r.recoveryFrom);
    const end = Math.min(mine.end, r.recoveryTo);
    const busy = new Set(s.final.filter((x) => x.start < end && x.end > start).map((x) => x.userId));
    const free = [...new Set(s.participants)]
      .filter((u) => u !== r.userId && !busy.has(u))
      .sort((a, b) => hoursOf(a) - hoursOf(b) || a.localeCompare(b));
    return { scheduleId: s.scheduleId, proposal: { start, end, userId: free[0] ?? null } };
  }
  return null;
}

// ---- 8. the service health card ------------------------------------------------------------------------------------

export interface CardFigures {
  openIncidents: number;
  pagesPerWeek: number;
  noisyShare: number | null;
  postmortemCompletion: number | null;
  overdueActionItems: number;
  runbookCoverage: { hasRunbook: boolean; runbookCount: number; alertRulesCovered: number | null };
  knowledgeFlag: boolean;
}

/**
 * The score a team's services are ranked by, worst first (docs/people-health.md): 3 per open incident, 1 per page a
 * week, 10 × the noisy share, 5 × the post-mortems not completed (1 − completion), 2 per overdue action item, 3 without
 * a runbook (else 3 × the alert rules not covered) and 5 when one person holds the knowledge. Higher is worse.
 */
export function cardScore(c: CardFigures): number {
  const runbook = c.runbookCoverage.hasRunbook ? 3 * (1 - (c.runbookCoverage.alertRulesCovered ?? 1)) : 3;
  return round2(
    3 * c.openIncidents +
      c.pagesPerWeek +
      10 * (c.noisyShare ?? 0) +
      5 * (1 - (c.postmortemCompletion ?? 1)) +
      2 * c.overdueActionItems +
      runbook +
      (c.knowledgeFlag ? 5 : 0),
  );
}
