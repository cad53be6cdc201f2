/**
 * Hand-offs, as pure functions: the instants where the on-call person of a schedule changes (including into and out of
 * a gap), and the summary each side gets. Consecutive shifts of the same person are not a hand-off.
 */
import { computeSchedule, type OverrideDef, type ScheduleDef, type Shift } from './model.js';

const HOUR = 3_600_000;
/** Context on either side, so the outgoing shift keeps its real start (a turn is at most this long in practice). */
export const HANDOFF_CONTEXT_MS = 35 * 24 * HOUR;

export interface Handoff {
  at: number;
  outgoing: Shift | null;
  incoming: Shift | null;
}

function handoffIn(final: Shift[], b: number): Handoff | null {
  const outgoing = final.find((s) => s.start < b && s.end >= b) ?? null;
  const incoming = final.find((s) => s.start <= b && s.end > b) ?? null;
  if ((outgoing?.userId ?? null) === (incoming?.userId ?? null)) return null;
  return { at: b, outgoing, incoming };
}

/** The first hand-off strictly after `after` and before `after + horizon`, or null. */
export function nextHandoff(
  def: ScheduleDef,
  overrides: OverrideDef[],
  after: number,
  horizon = HANDOFF_CONTEXT_MS,
): Handoff | null {
  const { final } = computeSchedule(def, overrides, after - HANDOFF_CONTEXT_MS, after + horizon);
  const bounds = [...new Set(final.flatMap((s) => [s.start, s.end]))]
    .filter((b) => b > after && b < after + horizon)
    .sort((a, b) => a - b);
  for (const b of bounds) {
    const h = handoffIn(final, b);
    if (h) return h;
  }
  return null;
}

/** The hand-off at exactly `at`, or null when the schedule (perhaps edited since) no longer changes hands then. */
export function handoffAt(def: ScheduleDef, overrides: OverrideDef[], at: number): Handoff | null {
  const { final } = computeSchedule(def, overrides, at - HANDOFF_CONTEXT_MS, at + HANDOFF_CONTEXT_MS);
  return handoffIn(final, at);
}

/** This person's next shift starting at or after `at` (their incoming shift, or the one after a hand-off out). */
export function upcomingShift(def: ScheduleDef, overrides: OverrideDef[], userId: string, at: number): Shift | null {
  const { final } = computeSchedule(def, overrides, at, at + HANDOFF_CONTEXT_MS);
  return final.find((s) => s.userId === userId && s.start >= at) ?? null;
}

export interface HandoffFacts {
  scheduleName: string;
  role: 'outgoing' | 'incoming';
  handoff: Handoff;
  /** Names by user id. */
  names: Record<string, string>;
  /** Pages received by the outgoing person during the outgoing shift. */
  pages: { alertId: string; at: number }[];
  openAlerts: { id: string; summary: string; severity: string; status: string }[];
  upcoming: Shift | null;
  url: string;
}

const fmt = (t: number): string => new Date(t).toISOString().replace('.000Z', 'Z');

/** The summary text: what happened on the outgoing shift, what is still open, and this person's next shift. */
export function handoffMessage(f: HandoffFacts): { subject: string; body: string; url: string } {
  const { outgoing, incoming, at } = f.handoff;
  const name = (s: Shift | null): string => (s ? (f.names[s.userId] ?? s.userId) : 'nobody');
  const subject =
    f.role === 'outgoing'
      ? `[Muster] Hand-off: ${f.scheduleName} passes to ${name(incoming)}`
      : `[Muster] Hand-off: you are on call for ${f.scheduleName}`;
  const lines = [
    `${f.scheduleName} changes hands at ${fmt(at)}: ${name(outgoing)} → ${name(incoming)}.`,
    outgoing
      ? `Pages during ${name(outgoing)}'s shift (${fmt(outgoing.start)} – ${fmt(at)}): ${f.pages.length}.`
      : 'Nobody was on call before this hand-off.',
    `Open alerts: ${f.openAlerts.length}.`,
    ...f.openAlerts.slice(0, 10).map((a) => `- [${a.severity}] ${a.summary} (${a.status})`),
    ...(f.openAlerts.length > 10 ? [`… and ${f.openAlerts.length - 10} more.`] : []),
    f.upcoming
      ? `Your ${f.role === 'incoming' ? 'shift' : 'next shift'}: ${fmt(f.upcoming.start)} – ${fmt(f.upcoming.end)}.`
      : 'You have no upcoming shift in the next 35 days.',
  ];
  return { subject, body: lines.join('\n'), url: f.url };
}
