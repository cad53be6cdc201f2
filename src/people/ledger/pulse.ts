/**
 * The psychological-safety pulse (docs/people-health.md, "Pulse"): when an incident resolves, each responder gets an
 * invitation (incident + person, nothing else); an answer is stored apart from it with a random id, the team and the
 * day only — no person, no incident, no finer time — and no audit entry, job or log line names it. Figures are per
 * team and quarter, and only from MIN_ANSWERS answers on.
 */
import { randomBytes } from 'node:crypto';
import { sql } from 'kysely';
import type { Db, Executor } from '../../db/index.js';

/** Below this many answers in a team's quarter, nothing but `suppressed` is shown. */
export const MIN_ANSWERS = 5;
export const QUESTIONS = [
  { key: 'safe', text: "I could say 'I do not know' without worry" },
  { key: 'calm', text: 'The response was calm and coordinated' },
  { key: 'roleClear', text: 'I knew my role' },
] as const;
export type QuestionKey = (typeof QUESTIONS)[number]['key'];

/** A random id: 96 bits from the OS, no time in it, so ordering answers by id orders them by nothing. */
export const randomAnswerId = (): string => `pa_${randomBytes(12).toString('hex')}`;

export const dayOf = (at: number): string => new Date(at).toISOString().slice(0, 10);

/** The incident's team for its pulse: the team owning most of its affected services (the first by name on a tie). */
export async function incidentTeam(ex: Executor, incidentId: string): Promise<string | null> {
  const rows = await ex
    .selectFrom('incidentServices')
    .innerJoin('services', 'services.id', 'incidentServices.serviceId')
    .innerJoin('teams', 'teams.id', 'services.teamId')
    .select(['teams.id', 'teams.name'])
    .where('incidentServices.incidentId', '=', incidentId)
    .execute();
  const counts = new Map<string, { name: string; n: number }>();
  for (const r of rows) counts.set(r.id, { name: r.name, n: (counts.get(r.id)?.n ?? 0) + 1 });
  const best = [...counts.entries()].sort((a, b) => b[1].n - a[1].n || a[1].name.localeCompare(b[1].name))[0];
  return best?.[0] ?? null;
}

/**
 * The responders of an incident: everyone who held a role, acknowledged one of its alerts, or acted on its timeline
 * (a note, an update, a task, a change of severity…; opening or joining the room is not acting).
 */
export async function respondersOf(ex: Executor, incidentId: string): Promise<string[]> {
  const [roles, acks, acted] = await Promise.all([
    ex.selectFrom('roleAssignments').select('userId').where('incidentId', '=', incidentId).execute(),
    ex
      .selectFrom('incidentAlerts')
      .innerJoin('alerts', 'alerts.id', 'incidentAlerts.alertId')
      .select('alerts.acknowledgedByUserId as userId')
      .where('incidentAlerts.incidentId', '=', incidentId)
      .where('alerts.acknowledgedByUserId', 'is not', null)
      .execute(),
    ex
      .selectFrom('incidentEvents')
      .select('actorUserId as userId')
      .distinct()
      .where('incidentId', '=', incidentId)
      .where('actorUserId', 'is not', null)
      // Opening the room (joined) and the checklist ticks it causes are reading along, not acting.
      .where('kind', 'not in', ['joined', 'checklist_ticked'])
      .execute(),
  ]);
  return [...new Set([...roles, ...acks, ...acted].flatMap((r) => (r.userId ? [r.userId] : [])))].sort();
}

/** In the resolving transaction: one invitation per responder (a reopened and resolved incident adds only new ones). */
export async function inviteResponders(trx: Executor, incidentId: string, now: number): Promise<number> {
  const people = await respondersOf(trx, incidentId);
  if (!people.length) return 0;
  const incidentTeamId = await incidentTeam(trx, incidentId);
  const firstTeams = incidentTeamId
    ? new Map<string, string>()
    : new Map(
        (
          await trx
            .selectFrom('teamMembers')
            .select(['userId', 'teamId'])
            .where('userId', 'in', people)
            .orderBy('teamId')
            .execute()
        )
          .reverse()
          .map((m) => [m.userId, m.teamId]),
      );
  let n = 0;
  for (const userId of people) {
    const teamId = incidentTeamId ?? firstTeams.get(userId);
    if (!teamId) continue;
    const res = await trx
      .insertInto('pulseInvitations')
      .values({ incidentId, userId, teamId, answered: 0, createdAt: now })
      .onConflict((oc) => oc.columns(['incidentId', 'userId']).doNothing())
      .executeTakeFirst();
    if (Number(res.numInsertedOrUpdatedRows ?? 0n) > 0) n++;
  }
  return n;
}

/**
 * PostgreSQL: one answering transaction per team at a time (a transaction-scoped advisory lock, taken again at no
 * cost). Taken before the invitation is marked, so two answers of a team never wait on each other's rows.
 */
export async function takePulseTurn(trx: Executor, engine: Db['engine'], teamId: string): Promise<void> {
  if (engine !== 'postgres') return;
  await sql`select pg_advisory_xact_lock(hashtextextended(${`pulse:${teamId}`}, 0))`.execute(trx);
}

/**
 * In the answering transaction, after the answer's insert: leave nothing in the storage that orders or pairs it.
 * PostgreSQL stamps every row version with its transaction (`xmin`) and appends it to the heap, so the answer and the
 * invitation marked answered would share an `xmin`, and both tables' physical order would be the order of answering.
 * So the team's invitations and answers — that team's rows only — are deleted and inserted again in this transaction
 * in key order (the answers by their random id, the invitations by incident and person): all carry the same `xmin`
 * and sit in key order, not in the order of answering. No CLUSTER: that took an ACCESS EXCLUSIVE lock and rewrote
 * every team's rows on each answer. A per-team advisory lock makes two answers of one team take turns, so the second
 * rewrites the rows the first wrote. On SQLite, rows are updated in place and `pulse_answers` is a WITHOUT ROWID table
 * kept in id order.
 */
export async function blurAnswerOrder(trx: Executor, engine: Db['engine'], teamId: string): Promise<void> {
  if (engine !== 'postgres') return;
  await takePulseTurn(trx, engine, teamId);
  await sql`
    with gone as (delete from pulse_invitations where team_id = ${teamId} returning *)
    insert into pulse_invitations (incident_id, user_id, team_id, answered, created_at)
    select incident_id, user_id, team_id, answered, created_at from gone order by incident_id, user_id`.execute(trx);
  await sql`
    with gone as (delete from pulse_answers where team_id = ${teamId} returning *)
    insert into pulse_answers (id, team_id, day, safe, calm, role_clear, text)
    select id, team_id, day, safe, calm, role_clear, text from gone order by id`.execute(trx);
}

export interface PulseAnswerInput {
  safe: number;
  calm: number;
  roleClear: number;
  text?: string | undefined;
}

export interface Distribution {
  mean: number;
  /** How many answered 1, 2, 3, 4, 5. */
  counts: [number, number, number, number, number];
}

export type QuarterSummary =
  | { quarter: string; from: number; to: number; suppressed: true }
  | {
      quarter: string;
      from: number;
      to: number;
      suppressed: false;
      answers: number;
      safe: Distribution;
      calm: Distribution;
      roleClear: Distribution;
      /** The optional texts, in alphabetical order (never by time or id). */
      comments: string[];
    };

/** The calendar quarter (UTC) containing `at`: its label and [from, to). */
export function quarterOf(at: number): { quarter: string; from: number; to: number } {
  const d = new Date(at);
  const q = Math.floor(d.getUTCMonth() / 3);
  const from = Date.UTC(d.getUTCFullYear(), q * 3, 1);
  const to = Date.UTC(d.getUTCFullYear(), q * 3 + 3, 1);
  return { quarter: `${d.getUTCFullYear()}-Q${q + 1}`, from, to };
}

function distribution(values: number[]): Distribution {
  const counts: Distribution['counts'] = [0, 0, 0, 0, 0];
  for (const v of values) counts[v - 1]!++;
  const mean = values.reduce((a, b) => a + b, 0) / values.length;
  return { mean: Math.round(mean * 100) / 100, counts };
}

/** Per quarter overlapping [from, to): the figures from MIN_ANSWERS answers on, else only `suppressed`. */
export function summarise(
  answers: { day: string; safe: number; calm: number; roleClear: number; text: string }[],
  from: number,
  to: number,
): QuarterSummary[] {
  const out: QuarterSummary[] = [];
  for (let q = quarterOf(from); q.from < to; q = quarterOf(q.to)) {
    const inQ = answers.filter((a) => {
      const t = Date.parse(`${a.day}T00:00:00Z`);
      return t >= q.from && t < q.to;
    });
    if (inQ.length < MIN_ANSWERS) {
      out.push({ ...q, suppressed: true });
      continue;
    }
    out.push({
      ...q,
      suppressed: false,
      answers: inQ.length,
      safe: distribution(inQ.map((a) => a.safe)),
      calm: distribution(inQ.map((a) => a.calm)),
      roleClear: distribution(inQ.map((a) => a.roleClear)),
      comments: inQ
        .map((a) => a.text.trim())
        .filter((t) => t.length > 0)
        .sort((a, b) => a.localeCompare(b)),
    });
  }
  return out;
}
