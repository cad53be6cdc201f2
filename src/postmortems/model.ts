/**
 * Post-mortems as pure data and functions (docs/postmortems.md): template sections and their validation, business
 * days (Mon–Fri in UTC), the seed's MTTD/MTTA/MTTR, what still blocks publishing, and the reminder schedule. No I/O.
 */
import { DAY } from '../shared/clock.js';
import { validationError, type FieldProblem } from '../shared/errors.js';

export const SECTION_KINDS = ['text', 'timeline', 'impact', 'whys', 'actions', 'factors'] as const;
export type SectionKind = (typeof SECTION_KINDS)[number];
export const isSectionKind = (v: string): v is SectionKind => (SECTION_KINDS as readonly string[]).includes(v);

export const STATUSES = ['draft', 'in_review', 'published'] as const;
export type PostmortemStatus = (typeof STATUSES)[number];

export const POLICY_MODES = ['required', 'optional', 'none'] as const;
export type PolicyMode = (typeof POLICY_MODES)[number];

export const TIMELINE_TAGS = ['detection', 'diagnosis', 'repair', 'key_moment'] as const;
export type TimelineTag = (typeof TIMELINE_TAGS)[number];

export const DECISIONS = ['approved', 'changes_requested'] as const;
export type Decision = (typeof DECISIONS)[number];

export const MAX_SECTIONS = 30;
export const MAX_SECTION_BODY = 50_000;
export const MAX_TITLE = 300;
export const MAX_PUBLIC_SUMMARY = 5_000;
export const SECTION_KEY = /^[a-z][a-z0-9_]{0,39}$/;

export interface TemplateSection {
  key: string;
  title: string;
  kind: SectionKind;
  required: boolean;
  help: string;
}

/** Template sections as given by an administrator: unique keys, 1–30 sections, known kinds. Throws naming fields. */
export function checkTemplateSections(sections: TemplateSection[], field = 'sections'): TemplateSection[] {
  const problems: FieldProblem[] = [];
  if (sections.length === 0) problems.push({ field, message: 'give at least one section' });
  if (sections.length > MAX_SECTIONS) problems.push({ field, message: `at most ${MAX_SECTIONS} sections` });
  const seen = new Set<string>();
  sections.forEach((s, i) => {
    if (!SECTION_KEY.test(s.key)) {
      problems.push({ field: `${field}[${i}].key`, message: 'lower-case letters, digits and _ (up to 40)' });
    }
    if (seen.has(s.key)) problems.push({ field: `${field}[${i}].key`, message: `'${s.key}' is used twice` });
    seen.add(s.key);
    if (!isSectionKind(s.kind)) {
      problems.push({ field: `${field}[${i}].kind`, message: `one of ${SECTION_KINDS.join(', ')}` });
    }
    if (!s.title.trim()) problems.push({ field: `${field}[${i}].title`, message: 'must not be empty' });
  });
  if (problems.length) throw validationError(problems);
  return sections.map((s) => ({
    key: s.key,
    title: s.title.trim(),
    kind: s.kind,
    required: s.required,
    help: s.help.trim(),
  }));
}

export function parseSections(json: unknown): TemplateSection[] {
  if (!Array.isArray(json)) return [];
  return json
    .filter((s): s is Record<string, unknown> => typeof s === 'object' && s !== null)
    .map((s) => ({
      key: typeof s.key === 'string' ? s.key : '',
      title: typeof s.title === 'string' ? s.title : '',
      kind: (isSectionKind(String(s.kind)) ? s.kind : 'text') as SectionKind,
      required: s.required === true,
      help: typeof s.help === 'string' ? s.help : '',
    }));
}

// ---- business days ----------------------------------------------------------------------------------------------

const isWeekend = (t: number): boolean => {
  const d = new Date(t).getUTCDay();
  return d === 0 || d === 6;
};

/** `from` plus n business days (Mon–Fri, UTC), keeping the time of day; n ≤ 0 walks backwards. */
export function addBusinessDays(from: number, n: number): number {
  let t = from;
  let left = Math.abs(n);
  const step = n >= 0 ? DAY : -DAY;
  while (left > 0) {
    t += step;
    if (!isWeekend(t)) left--;
  }
  return t;
}

/** Midnight UTC of the day `t` falls on. */
export const startOfUtcDay = (t: number): number => t - (((t % DAY) + DAY) % DAY);

// ---- reminders --------------------------------------------------------------------------------------------------

export const REMINDER_KINDS = ['before', 'due', 'overdue'] as const;
export type ReminderKind = (typeof REMINDER_KINDS)[number];

/**
 * When each reminder is due for a due date: two business days before it, at the start of the due day (UTC), and the
 * overdue notice at the due moment itself. Reminders already in the past are left out, except the overdue notice.
 */
export function reminderTimes(dueAt: number, now: number): { kind: ReminderKind; runAt: number }[] {
  const all = [
    { kind: 'before' as const, runAt: addBusinessDays(dueAt, -2) },
    { kind: 'due' as const, runAt: startOfUtcDay(dueAt) },
    { kind: 'overdue' as const, runAt: dueAt },
  ];
  return all.filter((r) => r.kind === 'overdue' || r.runAt >= now);
}

// ---- metrics (the seed's definitions, docs/postmortems.md) -------------------------------------------------------

export interface MilestoneTimes {
  impactStartedAt: number | null;
  detectedAt: number | null;
  acknowledgedAt: number | null;
  mitigatedAt: number | null;
  resolvedAt: number | null;
}

const span = (from: number | null, to: number | null): number | null =>
  from === null || to === null || to < from ? null : Math.round((to - from) / 1000);

/**
 * MTTD: impact started → detected. MTTA: the first linked alert's firing (detection when no alert is linked) → the
 * first human acknowledgement; never from the page. MTTR: detected → resolved. Seconds; null when a end is missing.
 */
export function metricsOf(
  m: MilestoneTimes,
  firstAlertFiredAt: number | null,
): { mttdSeconds: number | null; mttaSeconds: number | null; mttrSeconds: number | null } {
  return {
    mttdSeconds: span(m.impactStartedAt, m.detectedAt),
    mttaSeconds: span(firstAlertFiredAt ?? m.detectedAt, m.acknowledgedAt),
    mttrSeconds: span(m.detectedAt, m.resolvedAt),
  };
}

// ---- publishing -------------------------------------------------------------------------------------------------

export interface PublishProblem {
  code: string;
  message: string;
  sectionKey?: string;
}

export interface FillFacts {
  sections: Record<string, string>;
  /** Why nodes with a non-empty answer. */
  answeredWhys: number;
  actionItems: number;
  factors: number;
}

/** Whether a section counts as filled: text needs a body; whys a node with an answer; actions an item; else body. */
export function isFilled(s: TemplateSection, f: FillFacts): boolean {
  const body = (f.sections[s.key] ?? '').trim();
  switch (s.kind) {
    case 'timeline':
    case 'impact':
      return true;
    case 'whys':
      return f.answeredWhys > 0 || body.length > 0;
    case 'actions':
      return f.actionItems > 0 || body.length > 0;
    case 'factors':
      return f.factors > 0 || body.length > 0;
    default:
      return body.length > 0;
  }
}

export function publishProblems(
  template: TemplateSection[],
  f: FillFacts,
  reviewers: { decision: string }[],
  blame: { sectionKey: string; excerpt: string }[],
): PublishProblem[] {
  const out: PublishProblem[] = [];
  for (const s of template) {
    if (s.required && !isFilled(s, f)) {
      const what =
        s.kind === 'whys'
          ? 'needs at least one why with an answer, or text'
          : s.kind === 'actions'
            ? 'needs at least one action item, or text saying there are none'
            : s.kind === 'factors'
              ? 'needs at least one contributing factor, or text'
              : 'is empty';
      out.push({ code: 'section_empty', message: `${s.title} ${what}.`, sectionKey: s.key });
    }
  }
  if (!reviewers.some((r) => r.decision === 'approved')) {
    out.push({ code: 'review_missing', message: 'No reviewer has approved it yet: request a review.' });
  }
  if (reviewers.some((r) => r.decision === 'changes_requested')) {
    out.push({ code: 'changes_requested', message: 'A reviewer has asked for changes.' });
  }
  for (const b of blame) {
    out.push({
      code: 'blame_finding',
      message: `Blameful wording: "${b.excerpt}". Rephrase it or dismiss the finding with a reason.`,
      sectionKey: b.sectionKey,
    });
  }
  return out;
}

/** What changed between two saves, in words, for the revision list. */
export function changeSummary(
  before: { title: string; ownerUserId: string | null; dueAt: number | null; publicSummary: string | null },
  after: { title: string; ownerUserId: string | null; dueAt: number | null; publicSummary: string | null },
  sectionsChanged: string[],
  impactChanged: boolean,
): string {
  const parts: string[] = [];
  if (before.title !== after.title) parts.push('title');
  if (sectionsChanged.length) parts.push(`sections: ${sectionsChanged.join(', ')}`);
  if (impactChanged) parts.push('impact');
  if (before.ownerUserId !== after.ownerUserId) parts.push('owner');
  if (before.dueAt !== after.dueAt) parts.push('due date');
  if (before.publicSummary !== after.publicSummary) parts.push('public summary');
  return parts.length ? `Changed ${parts.join('; ')}` : 'No changes';
}
