/**
 * Runbooks (docs/runbooks.md): Markdown documents owned by a team, every saved text kept as a version (diffs are
 * computed on read), linked to services and to alert rules (an alertname and/or label matchers, regexes on RE2), with
 * a review interval and the last review. An alert's page and an incident room show the runbooks that apply: those
 * whose alert rules match first, then the affected services' (and, for an incident, those automation rules suggested).
 *
 * Who may: read, anyone signed in; create, a responder of the owning team (checked here: the team is in the body);
 * edit and review, a responder of the owning team (`responder@runbook`, checked again here); archive, its admins.
 */
import { createPatch } from 'diff';
import type { Db, Executor } from '../db/index.js';
import { recordAudit, type Actor, type TeamService } from '../identity/index.js';
import { toIso, toIsoOrNull, type Clock } from '../shared/clock.js';
import type { AppError } from '../shared/errors.js';
import { conflict, forbidden, notFound, validationError, type FieldProblem } from '../shared/errors.js';
import { newId } from '../shared/ids.js';
import { toJsonText } from '../shared/json.js';
import type { Logger } from '../shared/logger.js';
import {
  alertRuleProblems,
  DEFAULT_REVIEW_DAYS,
  isStale,
  matchesAlertRule,
  MAX_BODY,
  MAX_NOTE,
  MAX_REVIEW_DAYS,
  MAX_SERVICES,
  MAX_TITLE,
  MIN_REVIEW_DAYS,
  normaliseRules,
  reviewDueAt,
  runbookSlug,
  SLUG,
  type AlertRule,
  type Matcher,
} from './model.js';
import {
  actionCounts,
  actionsOf,
  alertHead,
  candidateRules,
  externalRunbookUrl,
  findRunbookRow,
  incidentLinks,
  listRunbookRows,
  rulesOf,
  runbookIdsForServices,
  servicesOf,
  slugTaken,
  suggestedRunbookIds,
  teamNamesOf,
  type ActionSummary,
  type AlertHead,
  type RunbookRow,
} from './repo.js';

export interface RunbookDeps {
  db: Db;
  clock: Clock;
  log: Logger;
  teams: TeamService;
  onEnqueued?: () => void;
}

export interface RunbookSummary {
  id: string;
  teamId: string;
  teamName: string;
  slug: string;
  title: string;
  version: number;
  reviewIntervalDays: number;
  lastReviewedAt: string | null;
  reviewDueAt: string;
  isStale: boolean;
  serviceIds: string[];
  services: { id: string; name: string; slug: string }[];
  actionCount: number;
  updatedAt: string;
}

export interface Runbook extends RunbookSummary {
  body: string;
  alertRules: (AlertRule & { id: string })[];
  actions: ActionSummary[];
  createdAt: string;
  archivedAt: string | null;
}

export type RunbookReason = 'alert_rule' | 'service' | 'suggested';

export interface RunbookMatch {
  runbookId: string;
  reason: RunbookReason;
}

export interface RunbooksFor {
  items: { runbook: RunbookSummary; reason: RunbookReason; actions: ActionSummary[] }[];
  externalUrl: string | null;
}

export interface CreateInput {
  teamId: string;
  title: string;
  slug?: string | undefined;
  body: string;
  reviewIntervalDays?: number | undefined;
  serviceIds?: string[] | undefined;
  alertRules?: AlertRule[] | undefined;
}

export interface UpdateInput {
  title?: string | undefined;
  body?: string | undefined;
  note?: string | undefined;
  reviewIntervalDays?: number | undefined;
  serviceIds?: string[] | undefined;
  alertRules?: AlertRule[] | undefined;
  baseVersion?: number | undefined;
}

export interface ListQuery {
  teamId?: string | undefined;
  serviceId?: string | undefined;
  q?: string | undefined;
  stale?: boolean | undefined;
}

export const runbookNotFound = (id: string): AppError => notFound('runbook', id);
const LIST_LIMIT = 500;

// ---- for other domains ------------------------------------------------------------------------------------------

/** Matches in the order found, each runbook once (its first reason). */
function matchList(): { out: RunbookMatch[]; add: (runbookId: string, reason: RunbookReason) => void } {
  const out: RunbookMatch[] = [];
  const seen = new Set<string>();
  return {
    out,
    add: (runbookId, reason) => {
      if (seen.has(runbookId)) return;
      seen.add(runbookId);
      out.push({ runbookId, reason });
    },
  };
}

/** The runbooks whose alert rules match the alert (of its team's runbooks, or linked to its service). */
async function alertRuleMatches(ex: Executor, alert: AlertHead): Promise<string[]> {
  const names = [alert.ruleKey, alert.labels.alertname ?? ''];
  const rules = await candidateRules(ex, { teamId: alert.teamId, serviceId: alert.serviceId, names });
  return rules
    .filter((rule) => matchesAlertRule(rule, { ruleKey: alert.ruleKey, labels: alert.labels }))
    .map((rule) => rule.runbookId);
}

/**
 * The runbooks for an alert: those whose alert rules match it first (runbooks of the alert's service's team, or
 * linked to its service), then those linked to its service. Archived runbooks never show.
 */
export async function runbooksForAlert(ex: Executor, alertId: string): Promise<RunbookMatch[]> {
  const alert = await alertHead(ex, alertId);
  if (!alert) return [];
  const { out, add } = matchList();
  for (const id of await alertRuleMatches(ex, alert)) add(id, 'alert_rule');
  for (const id of await runbookIdsForServices(ex, [alert.serviceId])) add(id, 'service');
  return out;
}

/**
 * The runbooks for an incident: alert-rule matches of its linked alerts, then those automation rules suggested, then
 * those of its affected services (and of its alerts' services).
 */
export async function runbooksForIncident(ex: Executor, incidentId: string): Promise<RunbookMatch[]> {
  const links = await incidentLinks(ex, incidentId);
  const { out, add } = matchList();
  const serviceIds = [...links.serviceIds];
  for (const alertId of links.alertIds) {
    const alert = await alertHead(ex, alertId);
    if (!alert) continue;
    if (!serviceIds.includes(alert.serviceId)) serviceIds.push(alert.serviceId);
    for (const id of await alertRuleMatches(ex, alert)) add(id, 'alert_rule');
  }
  const suggested = await suggestedRunbookIds(ex, incidentId);
  const live = new Set((await listRunbookRows(ex, { ids: suggested, limit: LIST_LIMIT })).map((r) => r.id));
  for (const id of suggested) if (live.has(id)) add(id, 'suggested');
  for (const id of await runbookIdsForServices(ex, serviceIds)) add(id, 'service');
  return out;
}

/**
 * Mark a runbook reviewed now, in the caller's transaction (an "Update the runbook" action item done, a review, a
 * save). With a note, a version records it (the same text, the note saying why). False when there is no such runbook.
 */
export async function markReviewed(
  trx: Executor,
  runbookId: string,
  by: { userId: string | null; label: string },
  now: number,
  note?: string,
): Promise<boolean> {
  const row = await findRunbookRow(trx, runbookId);
  if (!row) return false;
  let version = row.version;
  if (note) {
    version = row.version + 1;
    await trx
      .insertInto('runbookVersions')
      .values({
        id: newId('rbv', now),
        runbookId,
        version,
        title: row.title,
        body: row.body,
        note: note.slice(0, MAX_NOTE),
        authorUserId: by.userId,
        authorLabel: by.label,
        createdAt: now,
      })
      .execute();
  }
  await trx
    .updateTable('runbooks')
    .set({ lastReviewedAt: now, lastReviewedByUserId: by.userId, version, updatedAt: now })
    .where('id', '=', runbookId)
    .execute();
  return true;
}

// ---- the service ------------------------------------------------------------------------------------------------

function textProblems(input: { title?: string | undefined; body?: string | undefined; note?: string | undefined }) {
  const problems: FieldProblem[] = [];
  if (input.title !== undefined) {
    if (!input.title.trim()) problems.push({ field: 'title', message: 'give the runbook a title' });
    else if (input.title.trim().length > MAX_TITLE) {
      problems.push({ field: 'title', message: `at most ${MAX_TITLE} characters` });
    }
  }
  if (input.body !== undefined && input.body.length > MAX_BODY) {
    problems.push({ field: 'body', message: `at most ${MAX_BODY} characters` });
  }
  if (input.note !== undefined && input.note.length > MAX_NOTE) {
    problems.push({ field: 'note', message: `at most ${MAX_NOTE} characters` });
  }
  return problems;
}

function intervalProblems(days: number | undefined): FieldProblem[] {
  if (days === undefined) return [];
  if (!Number.isInteger(days) || days < MIN_REVIEW_DAYS || days > MAX_REVIEW_DAYS) {
    return [
      {
        field: 'reviewIntervalDays',
        message: `must be a whole number of days from ${MIN_REVIEW_DAYS} to ${MAX_REVIEW_DAYS}`,
      },
    ];
  }
  return [];
}

async function serviceProblems(ex: Executor, ids: string[] | undefined): Promise<FieldProblem[]> {
  if (ids === undefined) return [];
  const unique = [...new Set(ids)];
  if (unique.length > MAX_SERVICES) return [{ field: 'serviceIds', message: `at most ${MAX_SERVICES} services` }];
  if (unique.length === 0) return [];
  const found = await ex.selectFrom('services').select('id').where('id', 'in', unique).execute();
  const known = new Set(found.map((s) => s.id));
  const missing = unique.filter((id) => !known.has(id));
  return missing.length ? [{ field: 'serviceIds', message: `no such service: ${missing.join(', ')}` }] : [];
}

export class RunbookService {
  constructor(protected readonly deps: RunbookDeps) {}

  private get ex(): Executor {
    return this.deps.db.kysely;
  }

  private now(): number {
    return this.deps.clock.now();
  }

  /** The owning team of a runbook; null when there is none (the route answers 404). */
  async teamOf(id: string): Promise<string | null> {
    const row = await this.deps.db.kysely
      .selectFrom('runbooks')
      .select('teamId')
      .where('id', '=', id)
      .executeTakeFirst();
    return row?.teamId ?? null;
  }

  private async requireResponder(actor: Actor, teamId: string, ex: Executor, what: string): Promise<void> {
    if (actor.isAdmin) return;
    if (!(await this.deps.teams.hasRole(actor, teamId, 'responder', ex))) {
      throw forbidden(`${what} needs the responder role in the runbook's team.`);
    }
  }

  // ---- reads ----------------------------------------------------------------------------------------------------

  private async summaries(ex: Executor, rows: RunbookRow[]): Promise<RunbookSummary[]> {
    const ids = rows.map((r) => r.id);
    const [services, counts, teams] = await Promise.all([
      servicesOf(ex, ids),
      actionCounts(ex, ids),
      teamNamesOf(
        ex,
        rows.map((r) => r.teamId),
      ),
    ]);
    const now = this.now();
    return rows.map((r) => {
      const svc = services.get(r.id) ?? [];
      return {
        id: r.id,
        teamId: r.teamId,
        teamName: teams.get(r.teamId) ?? r.teamId,
        slug: r.slug,
        title: r.title,
        version: r.version,
        reviewIntervalDays: r.reviewIntervalDays,
        lastReviewedAt: toIsoOrNull(r.lastReviewedAt),
        reviewDueAt: toIso(reviewDueAt(r)),
        isStale: isStale(r, now),
        serviceIds: svc.map((s) => s.id),
        services: svc,
        actionCount: counts.get(r.id) ?? 0,
        updatedAt: toIso(r.updatedAt),
      };
    });
  }

  async list(_actor: Actor, q: ListQuery): Promise<{ items: RunbookSummary[] }> {
    // Filters in SQL, before the limit: a search past the first 500 runbooks still finds its match.
    const rows = await listRunbookRows(this.ex, {
      teamId: q.teamId,
      serviceId: q.serviceId,
      text: q.q?.trim() || undefined,
      staleAt: q.stale === undefined ? undefined : { now: this.now(), stale: q.stale },
      limit: LIST_LIMIT,
    });
    return { items: await this.summaries(this.ex, rows) };
  }

  async get(id: string, ex: Executor = this.ex): Promise<Runbook> {
    const row = await findRunbookRow(ex, id);
    if (!row) throw runbookNotFound(id);
    const [summary] = await this.summaries(ex, [row]);
    const [rules, actions] = await Promise.all([rulesOf(ex, id), actionsOf(ex, [id])]);
    return {
      ...summary!,
      body: row.body,
      alertRules: rules.map((r) => ({ id: r.id, alertname: r.alertname, matchers: r.matchers })),
      actions: actions.get(id) ?? [],
      createdAt: toIso(row.createdAt),
      archivedAt: toIsoOrNull(row.archivedAt),
    };
  }

  async versions(id: string) {
    if (!(await findRunbookRow(this.ex, id))) throw runbookNotFound(id);
    const rows = await this.ex
      .selectFrom('runbookVersions')
      .select(['version', 'title', 'note', 'authorUserId', 'authorLabel', 'createdAt'])
      .where('runbookId', '=', id)
      .orderBy('version', 'desc')
      .execute();
    return {
      items: rows.map((v) => ({
        version: v.version,
        title: v.title,
        note: v.note,
        authorUserId: v.authorUserId,
        authorLabel: v.authorLabel,
        createdAt: toIso(v.createdAt),
      })),
    };
  }

  private async versionRow(id: string, version: number, field: string) {
    const row = await this.ex
      .selectFrom('runbookVersions')
      .selectAll()
      .where('runbookId', '=', id)
      .where('version', '=', version)
      .executeTakeFirst();
    if (!row) {
      if (!(await findRunbookRow(this.ex, id))) throw runbookNotFound(id);
      throw validationError([{ field, message: `the runbook has no version ${version}` }]);
    }
    return row;
  }

  async version(id: string, version: number) {
    const v = await this.versionRow(id, version, 'version');
    return {
      version: v.version,
      title: v.title,
      body: v.body,
      note: v.note,
      authorUserId: v.authorUserId,
      authorLabel: v.authorLabel,
      createdAt: toIso(v.createdAt),
    };
  }

  /** What changed between two versions: the titles and a unified diff of the bodies (computed now, not stored). */
  async diff(id: string, from: number, to: number) {
    const [a, b] = [await this.versionRow(id, from, 'from'), await this.versionRow(id, to, 'to')];
    const name = (await findRunbookRow(this.ex, id))?.slug ?? id;
    return {
      from,
      to,
      title: { from: a.title, to: b.title },
      unified: createPatch(`${name}.md`, a.body, b.body, `version ${from}`, `version ${to}`),
      changed: a.title !== b.title || a.body !== b.body,
    };
  }

  private async present(ex: Executor, matches: RunbookMatch[]): Promise<RunbooksFor['items']> {
    const ids = matches.map((m) => m.runbookId);
    const rows = await listRunbookRows(ex, { ids, limit: LIST_LIMIT });
    const summaries = new Map((await this.summaries(ex, rows)).map((s) => [s.id, s]));
    const actions = await actionsOf(ex, ids);
    return matches.flatMap((m) => {
      const runbook = summaries.get(m.runbookId);
      return runbook ? [{ runbook, reason: m.reason, actions: actions.get(m.runbookId) ?? [] }] : [];
    });
  }

  async forAlert(alertId: string): Promise<RunbooksFor> {
    const alert = await alertHead(this.ex, alertId);
    if (!alert) throw notFound('alert', alertId);
    const items = await this.present(this.ex, await runbooksForAlert(this.ex, alertId));
    return { items, externalUrl: externalRunbookUrl(alert) };
  }

  /**
   * The runbook each alert's page would show first (the alert list's runbook column): alert-rule matches, then the
   * service's runbooks, as `forAlert`; null for an alert with none (or no such alert). Archived runbooks never show.
   */
  async firstForAlerts(
    alertIds: string[],
  ): Promise<Record<string, { id: string; slug: string; title: string } | null>> {
    const first = new Map<string, string | null>();
    for (const alertId of new Set(alertIds)) {
      first.set(alertId, (await runbooksForAlert(this.ex, alertId))[0]?.runbookId ?? null);
    }
    const ids = [...new Set([...first.values()].filter((id): id is string => id !== null))];
    const rows = new Map((await listRunbookRows(this.ex, { ids, limit: LIST_LIMIT })).map((r) => [r.id, r]));
    const out: Record<string, { id: string; slug: string; title: string } | null> = {};
    for (const [alertId, runbookId] of first) {
      const row = runbookId ? rows.get(runbookId) : undefined;
      out[alertId] = row ? { id: row.id, slug: row.slug, title: row.title } : null;
    }
    return out;
  }

  async forIncident(incidentId: string): Promise<RunbooksFor> {
    const links = await incidentLinks(this.ex, incidentId);
    if (!links.exists) throw notFound('incident', incidentId);
    const items = await this.present(this.ex, await runbooksForIncident(this.ex, incidentId));
    let externalUrl: string | null = null;
    for (const alertId of links.alertIds) {
      const alert = await alertHead(this.ex, alertId);
      externalUrl = alert ? externalRunbookUrl(alert) : null;
      if (externalUrl) break;
    }
    return { items, externalUrl };
  }

  // ---- changes --------------------------------------------------------------------------------------------------

  private async replaceLinks(
    trx: Executor,
    id: string,
    serviceIds: string[] | undefined,
    rules: AlertRule[] | undefined,
    now: number,
  ): Promise<void> {
    if (serviceIds !== undefined) {
      await trx.deleteFrom('runbookServices').where('runbookId', '=', id).execute();
      const unique = [...new Set(serviceIds)];
      if (unique.length) {
        await trx
          .insertInto('runbookServices')
          .values(unique.map((serviceId) => ({ runbookId: id, serviceId })))
          .execute();
      }
    }
    if (rules !== undefined) {
      await trx.deleteFrom('runbookAlertRules').where('runbookId', '=', id).execute();
      for (const r of normaliseRules(rules)) {
        await trx
          .insertInto('runbookAlertRules')
          .values({
            id: newId('rbr', now),
            runbookId: id,
            alertname: r.alertname,
            matchers: toJsonText(r.matchers satisfies Matcher[]),
            createdAt: now,
          })
          .execute();
      }
    }
  }

  async create(actor: Actor, input: CreateInput): Promise<Runbook> {
    const ex = this.ex;
    const problems: FieldProblem[] = [
      ...textProblems({ title: input.title, body: input.body }),
      ...intervalProblems(input.reviewIntervalDays),
      ...alertRuleProblems(input.alertRules ?? []),
    ];
    const team = await ex.selectFrom('teams').select('id').where('id', '=', input.teamId).executeTakeFirst();
    if (!team) problems.push({ field: 'teamId', message: 'no such team' });
    if (input.slug !== undefined && !SLUG.test(input.slug)) {
      problems.push({ field: 'slug', message: 'use lower-case letters, digits and hyphens (at most 60)' });
    }
    problems.push(...(await serviceProblems(ex, input.serviceIds)));
    if (problems.length) throw validationError(problems);
    await this.requireResponder(actor, input.teamId, ex, 'Writing a runbook');
    const now = this.now();
    const id = newId('rbk', now);
    await this.deps.db.kysely.transaction().execute(async (trx) => {
      let slug = input.slug ?? runbookSlug(input.title);
      if (input.slug !== undefined) {
        if (await slugTaken(trx, input.teamId, slug)) {
          throw conflict('already_exists', `The team already has a runbook "${slug}".`, { field: 'slug' });
        }
      } else {
        const base = slug.slice(0, 55);
        for (let n = 2; await slugTaken(trx, input.teamId, slug); n++) slug = `${base}-${n}`;
      }
      const title = input.title.trim();
      await trx
        .insertInto('runbooks')
        .values({
          id,
          teamId: input.teamId,
          slug,
          title,
          body: input.body,
          version: 1,
          reviewIntervalDays: input.reviewIntervalDays ?? DEFAULT_REVIEW_DAYS,
          lastReviewedAt: now,
          lastReviewedByUserId: actor.userId,
          staleNotifiedAt: null,
          archivedAt: null,
          createdByUserId: actor.userId,
          createdAt: now,
          updatedAt: now,
        })
        .execute();
      await trx
        .insertInto('runbookVersions')
        .values({
          id: newId('rbv', now),
          runbookId: id,
          version: 1,
          title,
          body: input.body,
          note: 'Created',
          authorUserId: actor.userId,
          authorLabel: actor.label,
          createdAt: now,
        })
        .execute();
      await this.replaceLinks(trx, id, input.serviceIds, input.alertRules, now);
      await recordAudit(
        trx,
        actor,
        'runbook.created',
        { type: 'runbook', id },
        { teamId: input.teamId, slug, serviceIds: input.serviceIds ?? [], alertRules: input.alertRules?.length ?? 0 },
        now,
      );
    });
    return this.get(id);
  }

  /**
   * Save: a new title or body is a new version (refused with 409 `version_conflict` when `baseVersion` is given and
   * someone saved since); links and the interval change in place. Saving counts as a review.
   */
  async update(actor: Actor, id: string, input: UpdateInput): Promise<Runbook> {
    const problems: FieldProblem[] = [
      ...textProblems(input),
      ...intervalProblems(input.reviewIntervalDays),
      ...(input.alertRules ? alertRuleProblems(input.alertRules) : []),
      ...(await serviceProblems(this.ex, input.serviceIds)),
    ];
    if (problems.length) throw validationError(problems);
    const now = this.now();
    await this.deps.db.kysely.transaction().execute(async (trx) => {
      const row = await findRunbookRow(trx, id);
      if (!row) throw runbookNotFound(id);
      await this.requireResponder(actor, row.teamId, trx, 'Editing a runbook');
      if (row.archivedAt !== null) throw conflict('runbook_archived', 'This runbook is archived.');
      if (input.baseVersion !== undefined && input.baseVersion !== row.version) {
        throw conflict(
          'version_conflict',
          `Someone saved version ${row.version} since you opened version ${input.baseVersion}: look at their changes and save again.`,
          { currentVersion: row.version, baseVersion: input.baseVersion },
        );
      }
      const title = input.title?.trim() ?? row.title;
      const body = input.body ?? row.body;
      const isNewText = title !== row.title || body !== row.body;
      const version = isNewText ? row.version + 1 : row.version;
      const saved = await trx
        .updateTable('runbooks')
        .set({
          title,
          body,
          version,
          reviewIntervalDays: input.reviewIntervalDays ?? row.reviewIntervalDays,
          lastReviewedAt: now,
          lastReviewedByUserId: actor.userId,
          updatedAt: now,
        })
        .where('id', '=', id)
        .where('version', '=', row.version)
        .executeTakeFirst();
      if (Number(saved.numUpdatedRows) !== 1) {
        throw conflict('version_conflict', 'Someone saved this runbook at the same moment: open it again.');
      }
      if (isNewText) {
        await trx
          .insertInto('runbookVersions')
          .values({
            id: newId('rbv', now),
            runbookId: id,
            version,
            title,
            body,
            note: input.note?.trim() ?? '',
            authorUserId: actor.userId,
            authorLabel: actor.label,
            createdAt: now,
          })
          .execute();
      }
      await this.replaceLinks(trx, id, input.serviceIds, input.alertRules, now);
      const changed = Object.entries({
        title: input.title,
        body: input.body,
        reviewIntervalDays: input.reviewIntervalDays,
        serviceIds: input.serviceIds,
        alertRules: input.alertRules,
      })
        .filter(([, v]) => v !== undefined)
        .map(([k]) => k);
      await recordAudit(trx, actor, 'runbook.updated', { type: 'runbook', id }, { changed, version }, now);
    });
    return this.get(id);
  }

  /** Mark reviewed now, by the caller: the text still holds. */
  async review(actor: Actor, id: string): Promise<Runbook> {
    const now = this.now();
    await this.deps.db.kysely.transaction().execute(async (trx) => {
      const row = await findRunbookRow(trx, id);
      if (!row) throw runbookNotFound(id);
      await this.requireResponder(actor, row.teamId, trx, 'Reviewing a runbook');
      if (row.archivedAt !== null) throw conflict('runbook_archived', 'This runbook is archived.');
      await markReviewed(trx, id, { userId: actor.userId, label: actor.label }, now);
      await recordAudit(trx, actor, 'runbook.reviewed', { type: 'runbook', id }, { version: row.version }, now);
    });
    return this.get(id);
  }

  /** Archive: gone from lists, alerts and incidents; its versions stay. */
  async archive(actor: Actor, id: string): Promise<void> {
    const now = this.now();
    await this.deps.db.kysely.transaction().execute(async (trx) => {
      const row = await findRunbookRow(trx, id);
      if (!row) throw runbookNotFound(id);
      if (!actor.isAdmin && !(await this.deps.teams.hasRole(actor, row.teamId, 'admin', trx))) {
        throw forbidden("Archiving a runbook needs the admin role in the runbook's team.");
      }
      if (row.archivedAt !== null) return;
      await trx.updateTable('runbooks').set({ archivedAt: now, updatedAt: now }).where('id', '=', id).execute();
      await recordAudit(trx, actor, 'runbook.archived', { type: 'runbook', id }, { slug: row.slug }, now);
    });
  }
}
