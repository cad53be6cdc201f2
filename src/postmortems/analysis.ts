/**
 * Post-mortem analysis (docs/postmortems.md, "Root cause: 5 Whys…" and "Completion rate"): the service behind the
 * why-tree, the contributing factors and the completion rate, and the completion arithmetic as a pure function.
 *
 * The completion rate is the seed's (../shared/reference/learning.md, "The seed's own definitions"): of the P1/P2
 * incidents resolved in the window (eligible), the share with a thorough post-mortem — every required section filled
 * and the review done, which is what publishing requires, so: published. "On time" (published by its due date; a
 * post-mortem without a due date is on time when published) is a second figure beside it. A post-mortem still being
 * written whose due date has not come yet (as of `asOf`, the time of the query) is "in progress": counted apart, neither
 * for nor against the rate, so a team is not below target for a review it still has days to finish. An incident counts for
 * each team owning one of its services, and once overall. Drills and imported incidents (incidents.kind) are left out.
 */
import type { Db, Executor } from '../db/index.js';
import { canActOnIncident } from '../incidents/access.js';
import { recordAudit, type Actor } from '../identity/index.js';
import { DAY, type Clock } from '../shared/clock.js';
import { checkBlame } from './blame/index.js';
import { incidentIdsOfTeam } from './repo.js';
import { AppError, conflict, forbidden, notFound, validationError } from '../shared/errors.js';
import {
  countFactors,
  deleteFactorTag,
  getFactor,
  insertFactor,
  listFactors,
  listFactorTags,
  putFactorTag,
  updateFactor,
  type ContributingFactor,
  type FactorChange,
  type FactorCount,
  type FactorTag,
  type NewFactor,
} from './factors.js';
import {
  buildWhyTree,
  deleteWhy,
  insertWhy,
  loadWhyRecords,
  personCheck,
  updateWhy,
  whyNotFound,
  type NewWhy,
  type WhyChange,
  type WhyNode,
} from './whys.js';

export const COMPLETION_TARGET = 0.9;
export const ELIGIBLE_SEVERITIES: readonly string[] = ['P1', 'P2'];
/** The default window: the 90 days up to now. */
export const DEFAULT_WINDOW_MS = 90 * DAY;

// ---- the arithmetic ----------------------------------------------------------------------------------------------

/** A resolved incident as the completion rate sees it. */
export interface CompletionIncident {
  id: string;
  title: string;
  severity: string;
  resolvedAt: number | null;
  /** The teams owning one of its services (each counted once). */
  teamIds: readonly string[];
  postmortem: { id: string; status: string; dueAt: number | null; publishedAt: number | null } | null;
}

export interface MissingPostmortem {
  incidentId: string;
  title: string;
  severity: string;
  resolvedAt: number;
  postmortemId: string | null;
  /** 'none' (no post-mortem), 'draft' or 'in_review'. */
  status: string;
  dueAt: number | null;
}

export interface Completion {
  eligible: number;
  /** Resolved in the window, post-mortem not published yet but not due yet either: left out of eligible. */
  inProgress: number;
  thorough: number;
  onTime: number;
  rate: number | null;
  onTimeRate: number | null;
  missing: MissingPostmortem[];
}

export interface CompletionReport {
  target: number;
  from: number;
  to: number;
  overall: Completion;
  teams: ({ team: { id: string; name: string } } & Completion)[];
}

export interface Window {
  from: number;
  to: number;
  /** When the question is asked (now): a post-mortem due after it is in progress. Default: `to`. */
  asOf?: number;
}

const isEligible = (i: CompletionIncident, w: Window): i is CompletionIncident & { resolvedAt: number } =>
  ELIGIBLE_SEVERITIES.includes(i.severity) && i.resolvedAt !== null && i.resolvedAt >= w.from && i.resolvedAt < w.to;

const isThorough = (i: CompletionIncident): boolean =>
  i.postmortem !== null && i.postmortem.status === 'published' && i.postmortem.publishedAt !== null;

const isOnTime = (i: CompletionIncident): boolean =>
  isThorough(i) && (i.postmortem!.dueAt === null || i.postmortem!.publishedAt! <= i.postmortem!.dueAt);

/** The completion of a set of incidents in a window: counts, rates (null when nothing is eligible), what is missing. */
export function completionOf(incidents: readonly CompletionIncident[], window: Window): Completion {
  let eligible = 0;
  let inProgress = 0;
  let thorough = 0;
  let onTime = 0;
  const missing: MissingPostmortem[] = [];
  for (const i of incidents) {
    if (!isEligible(i, window)) continue;
    if (!isThorough(i) && i.postmortem?.dueAt != null && i.postmortem.dueAt > (window.asOf ?? window.to)) {
      inProgress++;
      continue;
    }
    eligible++;
    if (isThorough(i)) {
      thorough++;
      if (isOnTime(i)) onTime++;
      continue;
    }
    missing.push({
      incidentId: i.id,
      title: i.title,
      severity: i.severity,
      resolvedAt: i.resolvedAt,
      postmortemId: i.postmortem?.id ?? null,
      status: i.postmortem?.status ?? 'none',
      dueAt: i.postmortem?.dueAt ?? null,
    });
  }
  // Most overdue first: the earliest due date, then those without one, then the earliest resolved.
  missing.sort(
    (a, b) =>
      (a.dueAt ?? Number.MAX_SAFE_INTEGER) - (b.dueAt ?? Number.MAX_SAFE_INTEGER) ||
      a.resolvedAt - b.resolvedAt ||
      (a.incidentId < b.incidentId ? -1 : 1),
  );
  return {
    eligible,
    inProgress,
    thorough,
    onTime,
    rate: eligible === 0 ? null : thorough / eligible,
    onTimeRate: eligible === 0 ? null : onTime / eligible,
    missing,
  };
}

/**
 * Overall and per team. Without `teamId`: every team owning a service of an eligible incident, by name. With it:
 * only that team's incidents, overall and in its one row (listed even when nothing is eligible).
 */
export function completionReport(
  incidents: readonly CompletionIncident[],
  teams: readonly { id: string; name: string }[],
  window: Window,
  teamId?: string,
): CompletionReport {
  const scoped = teamId ? incidents.filter((i) => i.teamIds.includes(teamId)) : incidents;
  const names = new Map(teams.map((t) => [t.id, t.name]));
  const teamIds = new Set<string>();
  if (teamId) teamIds.add(teamId);
  else for (const i of scoped) if (isEligible(i, window)) for (const t of i.teamIds) teamIds.add(t);
  const rows = [...teamIds]
    .map((id) => ({
      team: { id, name: names.get(id) ?? id },
      ...completionOf(
        scoped.filter((i) => i.teamIds.includes(id)),
        window,
      ),
    }))
    .sort((a, b) => a.team.name.localeCompare(b.team.name) || (a.team.id < b.team.id ? -1 : 1));
  return {
    target: COMPLETION_TARGET,
    from: window.from,
    to: window.to,
    overall: completionOf(scoped, window),
    teams: rows,
  };
}

/** The window from the query: `to` defaults to now, `from` to 90 days before `to`; 400 naming the field. */
export function windowFrom(q: { from?: string | undefined; to?: string | undefined }, now: number): Window {
  const parse = (field: 'from' | 'to', v: string | undefined): number | undefined => {
    if (v === undefined || v === '') return undefined;
    const ms = Date.parse(v);
    if (!Number.isFinite(ms)) throw validationError([{ field, message: 'must be an RFC 3339 time' }]);
    return ms;
  };
  const to = parse('to', q.to) ?? now;
  const from = parse('from', q.from) ?? to - DEFAULT_WINDOW_MS;
  if (from >= to) throw validationError([{ field: 'from', message: 'must be before to' }]);
  return { from, to, asOf: now };
}

// ---- who may change a post-mortem's analysis ---------------------------------------------------------------------

/**
 * Policy `postmortem-actor`: the post-mortem's owner, its reviewers, whoever may act on its incident (responders of
 * an affected service's team, its role holders) and organisation administrators. null: no such post-mortem.
 */
export async function canActOnPostmortem(ex: Executor, actor: Actor, postmortemId: string): Promise<boolean | null> {
  const pm = await ex
    .selectFrom('postmortems')
    .select(['incidentId', 'ownerUserId'])
    .where('id', '=', postmortemId)
    .executeTakeFirst();
  if (!pm) return null;
  if (actor.isAdmin) return true;
  if (!actor.userId) return false;
  if (pm.ownerUserId === actor.userId) return true;
  const reviewer = await ex
    .selectFrom('postmortemReviewers')
    .select('userId')
    .where('postmortemId', '=', postmortemId)
    .where('userId', '=', actor.userId)
    .executeTakeFirst();
  if (reviewer) return true;
  return (await canActOnIncident(ex, actor, pm.incidentId)) === true;
}

export const postmortemNotFound = (id: string) => notFound('postmortem', id);

const notPostmortemActor = () =>
  forbidden(
    'Changing this post-mortem needs its owner, one of its reviewers, someone who may act on its incident, or an ' +
      'administrator.',
  );

// ---- the service -------------------------------------------------------------------------------------------------

export interface WhysView {
  nodes: WhyNode[];
  factors: FactorTag[];
}

export class PostmortemAnalysisService {
  constructor(private readonly deps: { db: Db; clock: Clock }) {}

  /** For the `postmortem-actor` access policy (src/http/access.ts); null: no such post-mortem. */
  canAct(actor: Actor, postmortemId: string): Promise<boolean | null> {
    return canActOnPostmortem(this.deps.db.kysely, actor, postmortemId);
  }

  /** The people a "Dave forgot" answer may name: active users' names (at most 1,000). */
  private async names(ex: Executor): Promise<string[]> {
    const rows = await ex.selectFrom('users').select('name').where('disabledAt', 'is', null).limit(1000).execute();
    return rows.map((r) => r.name);
  }

  private async tree(ex: Executor, postmortemId: string): Promise<WhyNode[]> {
    const [records, names] = await Promise.all([loadWhyRecords(ex, postmortemId), this.names(ex)]);
    return buildWhyTree(records, personCheck(names, checkBlame));
  }

  async whys(postmortemId: string): Promise<WhysView> {
    const ex = this.deps.db.kysely;
    const exists = await ex.selectFrom('postmortems').select('id').where('id', '=', postmortemId).executeTakeFirst();
    if (!exists) throw postmortemNotFound(postmortemId);
    const [nodes, factors] = await Promise.all([this.tree(ex, postmortemId), listFactorTags(ex, postmortemId)]);
    return { nodes, factors };
  }

  /**
   * One change to a post-mortem's analysis: a transaction with the post-mortem row locked (PostgreSQL), the actor
   * checked, refused once published (reopen it first), its updatedAt touched and an audit event recorded.
   */
  private async change<T>(
    actor: Actor,
    postmortemId: string,
    action: string,
    fn: (trx: Executor, now: number) => Promise<{ result: T; details: Record<string, unknown> }>,
  ): Promise<T> {
    const { db, clock } = this.deps;
    const now = clock.now();
    return db.kysely.transaction().execute(async (trx) => {
      let q = trx.selectFrom('postmortems').select(['id', 'status']).where('id', '=', postmortemId);
      if (db.engine === 'postgres') q = q.forUpdate();
      const pm = await q.executeTakeFirst();
      if (!pm) throw postmortemNotFound(postmortemId);
      if (!(await canActOnPostmortem(trx, actor, postmortemId))) throw notPostmortemActor();
      if (pm.status === 'published') {
        throw conflict('postmortem_published', 'This post-mortem is published: reopen it to change its analysis.');
      }
      const { result, details } = await fn(trx, now);
      await trx.updateTable('postmortems').set({ updatedAt: now }).where('id', '=', postmortemId).execute();
      await recordAudit(trx, actor, action, { type: 'postmortem', id: postmortemId }, details, now);
      return result;
    });
  }

  private async node(postmortemId: string, whyId: string): Promise<WhyNode> {
    const found = (await this.tree(this.deps.db.kysely, postmortemId)).find((n) => n.id === whyId);
    if (!found) throw whyNotFound(whyId);
    return found;
  }

  async addWhy(actor: Actor, postmortemId: string, input: NewWhy): Promise<WhyNode> {
    const id = await this.change(actor, postmortemId, 'postmortem.why_added', async (trx, now) => {
      const whyId = await insertWhy(trx, postmortemId, input, now);
      return { result: whyId, details: { whyId, parentId: input.parentId ?? null } };
    });
    return this.node(postmortemId, id);
  }

  async updateWhy(actor: Actor, postmortemId: string, whyId: string, change: WhyChange): Promise<WhyNode> {
    await this.change(actor, postmortemId, 'postmortem.why_changed', async (trx, now) => {
      await updateWhy(trx, postmortemId, whyId, change, now);
      const fields = Object.entries(change)
        .filter(([, v]) => v !== undefined)
        .map(([k]) => k);
      return { result: undefined, details: { whyId, fields } };
    });
    return this.node(postmortemId, whyId);
  }

  /** Delete a why and everything under it; the ids deleted. */
  async deleteWhy(actor: Actor, postmortemId: string, whyId: string): Promise<string[]> {
    return this.change(actor, postmortemId, 'postmortem.why_deleted', async (trx) => {
      const ids = await deleteWhy(trx, postmortemId, whyId);
      return { result: ids, details: { whyId, deleted: ids.length } };
    });
  }

  async putFactor(
    actor: Actor,
    postmortemId: string,
    factorId: string,
    input: { whyId?: string | null | undefined; note?: string | undefined },
  ): Promise<{ created: boolean; tag: FactorTag }> {
    const created = await this.change(actor, postmortemId, 'postmortem.factor_tagged', async (trx, now) => {
      const isNew = await putFactorTag(trx, postmortemId, factorId, input, now);
      return { result: isNew, details: { factorId, whyId: input.whyId ?? null, created: isNew } };
    });
    const tag = (await listFactorTags(this.deps.db.kysely, postmortemId)).find((t) => t.factorId === factorId);
    if (!tag) throw new AppError('internal_error', 'The tag was not saved.', { status: 500 });
    return { created, tag };
  }

  async deleteFactor(actor: Actor, postmortemId: string, factorId: string): Promise<boolean> {
    return this.change(actor, postmortemId, 'postmortem.factor_untagged', async (trx) => {
      const removed = await deleteFactorTag(trx, postmortemId, factorId);
      return { result: removed, details: { factorId, removed } };
    });
  }

  listFactors(opts: { includeArchived?: boolean } = {}): Promise<ContributingFactor[]> {
    return listFactors(this.deps.db.kysely, opts);
  }

  async createFactor(actor: Actor, input: NewFactor): Promise<ContributingFactor> {
    const now = this.deps.clock.now();
    const id = await this.deps.db.kysely.transaction().execute(async (trx) => {
      const created = await insertFactor(trx, input, now);
      await recordAudit(
        trx,
        actor,
        'contributing_factor.created',
        { type: 'contributing_factor', id: created },
        { key: input.key },
        now,
      );
      return created;
    });
    return getFactor(this.deps.db.kysely, id);
  }

  async updateFactor(actor: Actor, id: string, change: FactorChange): Promise<ContributingFactor> {
    const now = this.deps.clock.now();
    await this.deps.db.kysely.transaction().execute(async (trx) => {
      await updateFactor(trx, id, change, now);
      const fields = Object.entries(change)
        .filter(([, v]) => v !== undefined)
        .map(([k]) => k);
      await recordAudit(
        trx,
        actor,
        'contributing_factor.changed',
        { type: 'contributing_factor', id },
        { fields },
        now,
      );
    });
    return getFactor(this.deps.db.kysely, id);
  }

  factorCounts(window: Window & { teamId?: string | undefined }): Promise<FactorCount[]> {
    return countFactors(this.deps.db.kysely, window);
  }

  /** The completion rate in a window, overall and per team (docs/postmortems.md, "Completion rate"). */
  async completion(window: Window, teamId?: string): Promise<CompletionReport> {
    const ex = this.deps.db.kysely;
    if (teamId) {
      const team = await ex.selectFrom('teams').select('id').where('id', '=', teamId).executeTakeFirst();
      if (!team) throw validationError([{ field: 'teamId', message: 'no such team' }]);
    }
    const incidents = await loadCompletionHistory(ex, window);
    const teamIds = [...new Set(incidents.flatMap((i) => i.teamIds)), ...(teamId ? [teamId] : [])];
    const teams = teamIds.length
      ? await ex.selectFrom('teams').select(['id', 'name']).where('id', 'in', teamIds).execute()
      : [];
    return completionReport(incidents, teams, window, teamId);
  }
}

/**
 * The P1/P2 incidents resolved in the window, with their post-mortem and owning teams: real ones unless `kinds` says
 * otherwise (insights' `includeKinds`), only those touching a team's services with `teamId`.
 */
export async function loadCompletionHistory(
  ex: Executor,
  window: Window,
  opts: { kinds?: readonly string[]; teamId?: string | undefined } = {},
): Promise<CompletionIncident[]> {
  let q = ex
    .selectFrom('incidents')
    .leftJoin('postmortems', 'postmortems.incidentId', 'incidents.id')
    .select([
      'incidents.id',
      'incidents.title',
      'incidents.severity',
      'incidents.resolvedAt',
      'postmortems.id as postmortemId',
      'postmortems.status as postmortemStatus',
      'postmortems.dueAt',
      'postmortems.publishedAt',
    ])
    .where('incidents.severity', 'in', [...ELIGIBLE_SEVERITIES])
    .where('incidents.kind', 'in', [...(opts.kinds ?? ['real'])])
    .where('incidents.resolvedAt', '>=', window.from)
    .where('incidents.resolvedAt', '<', window.to);
  if (opts.teamId) q = q.where('incidents.id', 'in', incidentIdsOfTeam(ex, opts.teamId));
  const rows = await q.orderBy('incidents.resolvedAt').orderBy('incidents.id').execute();
  if (rows.length === 0) return [];
  const teamsOf = new Map<string, Set<string>>();
  // In chunks: PostgreSQL and SQLite both cap the bound parameters of one statement.
  for (let i = 0; i < rows.length; i += 500) {
    const ids = rows.slice(i, i + 500).map((r) => r.id);
    const links = await ex
      .selectFrom('incidentServices')
      .innerJoin('services', 'services.id', 'incidentServices.serviceId')
      .select(['incidentServices.incidentId', 'services.teamId'])
      .where('incidentServices.incidentId', 'in', ids)
      .execute();
    for (const l of links) {
      const set = teamsOf.get(l.incidentId) ?? new Set<string>();
      set.add(l.teamId);
      teamsOf.set(l.incidentId, set);
    }
  }
  const num = (v: number | string | null) => (v === null ? null : Number(v));
  return rows.map((r) => ({
    id: r.id,
    title: r.title,
    severity: r.severity,
    resolvedAt: num(r.resolvedAt),
    teamIds: [...(teamsOf.get(r.id) ?? [])],
    postmortem:
      r.postmortemId === null
        ? null
        : {
            id: r.postmortemId,
            status: r.postmortemStatus ?? 'draft',
            dueAt: num(r.dueAt),
            publishedAt: num(r.publishedAt),
          },
  }));
}
