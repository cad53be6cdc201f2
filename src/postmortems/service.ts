/**
 * Post-mortems (docs/postmortems.md): one per incident, created when it resolves (policy 'required') or by hand; the
 * author's sections with every save kept as a revision (optimistic concurrency on `baseRevision`), the pre-filled
 * timeline and impact, blameless-language findings and their dismissals, review (named reviewers, comments per
 * section, decisions) and publishing, the Markdown export and the public summary on the status page.
 *
 * Who may change one: its owner, its reviewers, whoever may act on its incident, organisation administrators
 * (`postmortem-actor`, src/http/access.ts; checked again here).
 */
import { createPatch } from 'diff';
import type { Db, Executor } from '../db/index.js';
import { recordAudit, type Actor } from '../identity/index.js';
import { canActOnIncident } from '../incidents/access.js';
import { canActOnPostmortem } from './analysis.js';
import { findIncident, type Incident, type IncidentService, type Milestone } from '../incidents/index.js';
import { toIso, toIsoOrNull, type Clock } from '../shared/clock.js';
import { conflict, forbidden, notFound, validationError } from '../shared/errors.js';
import { newId } from '../shared/ids.js';
import { fromJsonText, toJsonText } from '../shared/json.js';
import type { Logger } from '../shared/logger.js';
import { checkBlameSections, type BlameFinding } from './blame/index.js';
import { renderExport } from './export.js';
import { createIn, scheduleReminders } from './jobs.js';
import {
  MAX_SECTION_BODY,
  TIMELINE_TAGS,
  changeSummary,
  isFilled,
  publishProblems,
  type Decision,
  type FillFacts,
  type PostmortemStatus,
} from './model.js';
import { buildImpact, buildTimeline, milestonesView, type TimelineItem } from './prefill.js';
import {
  findByIncident,
  findPolicy,
  findPostmortem,
  findTemplate,
  incidentIdsOfTeam,
  incidentTeams,
  lockPostmortem,
  overridesOf,
  postmortemNotFound,
  sectionsOf,
  templateSectionsOf,
  userRefs,
  type ImpactOverrides,
  type PostmortemRow,
  type UserRef,
} from './repo.js';
import { TemplateAdmin } from './templates.js';

export interface PostmortemDeps {
  db: Db;
  clock: Clock;
  log: Logger;
  incidents: Pick<IncidentService, 'setMilestone'>;
  /** Posts the public summary as an update on the incident's status-page incident (src/statuspage). */
  postStatusUpdate: (actor: Actor, incidentId: string, message: string) => Promise<unknown>;
  onEnqueued?: () => void;
}

export interface ListFilter {
  status?: PostmortemStatus | undefined;
  overdue?: boolean | undefined;
  owner?: string | undefined;
  teamId?: string | undefined;
  cursor?: string | undefined;
  limit: number;
}

export interface Patch {
  title?: string | undefined;
  ownerUserId?: string | null | undefined;
  dueAt?: number | null | undefined;
  sections?: Record<string, string> | undefined;
  impact?: ImpactOverrides | undefined;
  publicSummary?: string | null | undefined;
  baseRevision?: number | undefined;
}

interface Snapshot {
  title: string;
  status: string;
  sections: Record<string, string>;
  impact: ImpactOverrides;
  publicSummary: string | null;
  ownerUserId: string | null;
  dueAt: number | null;
}

const snapshotOf = (r: PostmortemRow): Snapshot => ({
  title: r.title,
  status: r.status,
  sections: sectionsOf(r),
  impact: overridesOf(r),
  publicSummary: r.publicSummary,
  ownerUserId: r.ownerUserId,
  dueAt: r.dueAt,
});

export const isOverdue = (r: { status: string; dueAt: number | null }, now: number): boolean =>
  r.status !== 'published' && r.dueAt !== null && r.dueAt < now;

const notActor = () =>
  forbidden(
    'Changing a post-mortem needs its owner, one of its reviewers, someone who may act on its incident, or an ' +
      'administrator.',
  );

export class PostmortemService {
  readonly templates: TemplateAdmin;

  constructor(private readonly deps: PostmortemDeps) {
    this.templates = new TemplateAdmin({ db: deps.db, clock: deps.clock });
  }

  private now(): number {
    return this.deps.clock.now();
  }

  private get ex(): Executor {
    return this.deps.db.kysely;
  }

  // ---- access -----------------------------------------------------------------------------------------------------

  /** Whether the actor may change the post-mortem (null: no such post-mortem). */
  canAct(actor: Actor, id: string, ex: Executor = this.ex): Promise<boolean | null> {
    return canActOnPostmortem(ex, actor, id);
  }

  /**
   * One change: transaction, row locked, actor checked, fn; wakes the job runner afterwards (reminders may have been
   * enqueued).
   */
  private async mutate<T>(actor: Actor, id: string, fn: (trx: Executor, pm: PostmortemRow, now: number) => Promise<T>) {
    const now = this.now();
    const out = await this.deps.db.kysely.transaction().execute(async (trx) => {
      const pm = await lockPostmortem(trx, this.deps.db.engine, id);
      if (!(await this.canAct(actor, id, trx))) throw notActor();
      return fn(trx, pm, now);
    });
    this.deps.onEnqueued?.();
    return out;
  }

  private audit(
    trx: Executor,
    actor: Actor,
    action: string,
    id: string,
    details: Record<string, unknown>,
    now: number,
  ) {
    return recordAudit(trx, actor, action, { type: 'postmortem', id }, details, now);
  }

  // ---- reading ----------------------------------------------------------------------------------------------------

  async list(actor: Actor, f: ListFilter) {
    const now = this.now();
    let q = this.ex
      .selectFrom('postmortems')
      .innerJoin('incidents', 'incidents.id', 'postmortems.incidentId')
      .select([
        'postmortems.id',
        'postmortems.incidentId',
        'postmortems.title',
        'postmortems.status',
        'postmortems.ownerUserId',
        'postmortems.dueAt',
        'postmortems.isRequired',
        'postmortems.publishedAt',
        'postmortems.updatedAt',
        'incidents.title as incidentTitle',
        'incidents.severity',
        'incidents.status as incidentStatus',
        'incidents.declaredAt',
        'incidents.resolvedAt',
      ])
      .orderBy('postmortems.id', 'desc')
      .limit(f.limit + 1);
    if (f.status) q = q.where('postmortems.status', '=', f.status);
    if (f.overdue) {
      q = q
        .where('postmortems.status', '!=', 'published')
        .where('postmortems.dueAt', 'is not', null)
        .where('postmortems.dueAt', '<', now);
    }
    if (f.owner) {
      const owner = f.owner === 'me' ? actor.userId : f.owner;
      if (!owner) return { items: [], nextCursor: null };
      q = q.where('postmortems.ownerUserId', '=', owner);
    }
    if (f.cursor) q = q.where('postmortems.id', '<', f.cursor);
    if (f.teamId) q = q.where('postmortems.incidentId', 'in', incidentIdsOfTeam(this.ex, f.teamId));
    const rows = await q.execute();
    const page = rows.slice(0, f.limit);
    const [owners, teams] = await Promise.all([
      userRefs(
        this.ex,
        page.map((r) => r.ownerUserId),
      ),
      incidentTeams(
        this.ex,
        page.map((r) => r.incidentId),
      ),
    ]);
    return {
      items: page.map((r) => ({
        id: r.id,
        incident: {
          id: r.incidentId,
          title: r.incidentTitle,
          severity: r.severity,
          status: r.incidentStatus,
          declaredAt: toIso(r.declaredAt),
          resolvedAt: toIsoOrNull(r.resolvedAt),
        },
        title: r.title,
        status: r.status,
        owner: r.ownerUserId ? (owners.get(r.ownerUserId) ?? null) : null,
        dueAt: toIsoOrNull(r.dueAt),
        isRequired: r.isRequired === 1,
        isOverdue: isOverdue(r, now),
        publishedAt: toIsoOrNull(r.publishedAt),
        updatedAt: toIso(r.updatedAt),
        teams: teams.get(r.incidentId) ?? [],
      })),
      nextCursor: rows.length > f.limit ? page[page.length - 1]!.id : null,
    };
  }

  async get(id: string) {
    const pm = await findPostmortem(this.ex, id);
    if (!pm) throw postmortemNotFound(id);
    return this.view(this.ex, pm);
  }

  async getByIncident(incidentId: string) {
    const pm = await findByIncident(this.ex, incidentId);
    if (!pm) throw notFound('postmortem', `for incident ${incidentId}`);
    return this.view(this.ex, pm);
  }

  private async incidentOf(ex: Executor, pm: PostmortemRow): Promise<Incident> {
    const incident = await findIncident(ex, pm.incidentId);
    if (!incident) throw postmortemNotFound(pm.id);
    return incident;
  }

  /** The display names of the people in the incident: role holders, the declarer, whoever was paged. */
  private async peopleNames(ex: Executor, incident: Incident, paged: UserRef[]): Promise<string[]> {
    const roles = await ex
      .selectFrom('roleAssignments')
      .innerJoin('users', 'users.id', 'roleAssignments.userId')
      .select(['users.name', 'users.email'])
      .where('roleAssignments.incidentId', '=', incident.id)
      .execute();
    const names = new Set<string>([incident.declaredByLabel, ...paged.map((p) => p.name)]);
    for (const r of roles) names.add(r.name || r.email);
    return [...names].filter((n) => n && n !== 'system' && n !== 'Muster');
  }

  private async fillFacts(ex: Executor, pm: PostmortemRow): Promise<FillFacts> {
    const [whys, actions, factors] = await Promise.all([
      ex
        .selectFrom('postmortemWhys')
        .select((eb) => eb.fn.countAll<number>().as('n'))
        .where('postmortemId', '=', pm.id)
        .where('answer', '!=', '')
        .executeTakeFirst(),
      ex
        .selectFrom('actionItems')
        .select((eb) => eb.fn.countAll<number>().as('n'))
        .where('postmortemId', '=', pm.id)
        .executeTakeFirst(),
      ex
        .selectFrom('postmortemFactors')
        .select((eb) => eb.fn.countAll<number>().as('n'))
        .where('postmortemId', '=', pm.id)
        .executeTakeFirst(),
    ]);
    return {
      sections: sectionsOf(pm),
      answeredWhys: Number(whys?.n ?? 0),
      actionItems: Number(actions?.n ?? 0),
      factors: Number(factors?.n ?? 0),
    };
  }

  /** Blame findings in every section's text, split into open and dismissed. */
  private async blameOf(ex: Executor, pm: PostmortemRow, names: string[]) {
    const sections = sectionsOf(pm);
    const template = templateSectionsOf(pm);
    const findings = checkBlameSections(
      template.map((s) => ({ key: s.key, body: sections[s.key] ?? '' })),
      { names },
    );
    const dismissals = await ex
      .selectFrom('postmortemBlameDismissals')
      .selectAll()
      .where('postmortemId', '=', pm.id)
      .orderBy('dismissedAt')
      .execute();
    const dismissed = new Set(dismissals.map((d) => d.fingerprint));
    return {
      findings: findings.filter((f) => !dismissed.has(f.fingerprint)),
      dismissed: dismissals.map((d) => ({
        fingerprint: d.fingerprint,
        ruleId: d.ruleId,
        excerpt: d.excerpt,
        reason: d.reason,
        by: d.dismissedByLabel,
        at: toIso(d.dismissedAt),
      })),
      all: findings,
    };
  }

  private async view(ex: Executor, pm: PostmortemRow) {
    const now = this.now();
    const incident = await this.incidentOf(ex, pm);
    const [impact, template, reviewers, comments, facts] = await Promise.all([
      buildImpact(ex, pm, incident, now),
      findTemplate(ex, pm.templateId),
      ex
        .selectFrom('postmortemReviewers')
        .innerJoin('users', 'users.id', 'postmortemReviewers.userId')
        .select([
          'postmortemReviewers.userId',
          'users.name',
          'users.email',
          'postmortemReviewers.decision',
          'postmortemReviewers.decidedAt',
          'postmortemReviewers.note',
        ])
        .where('postmortemReviewers.postmortemId', '=', pm.id)
        .orderBy('postmortemReviewers.requestedAt')
        .execute(),
      ex
        .selectFrom('postmortemComments')
        .selectAll()
        .where('postmortemId', '=', pm.id)
        .orderBy('createdAt')
        .orderBy('id')
        .execute(),
      this.fillFacts(ex, pm),
    ]);
    const names = await this.peopleNames(ex, incident, impact.peoplePaged);
    const blame = await this.blameOf(ex, pm, names);
    const owners = await userRefs(ex, [pm.ownerUserId, ...comments.map((c) => c.authorUserId)]);
    const tsections = templateSectionsOf(pm);
    const sections = sectionsOf(pm);
    return {
      id: pm.id,
      incidentId: pm.incidentId,
      incident: {
        id: incident.id,
        title: incident.title,
        severity: incident.severity,
        status: incident.status,
        declaredAt: toIso(incident.declaredAt),
        resolvedAt: toIsoOrNull(incident.resolvedAt),
        services: impact.services,
      },
      title: pm.title,
      status: pm.status as PostmortemStatus,
      owner: pm.ownerUserId ? (owners.get(pm.ownerUserId) ?? null) : null,
      dueAt: toIsoOrNull(pm.dueAt),
      isRequired: pm.isRequired === 1,
      isOverdue: isOverdue(pm, now),
      template: { id: pm.templateId, name: template?.name ?? pm.templateId },
      sections: tsections.map((s) => ({
        key: s.key,
        title: s.title,
        kind: s.kind,
        required: s.required,
        help: s.help,
        body: sections[s.key] ?? '',
        isFilled: isFilled(s, facts),
      })),
      impact,
      publicSummary: pm.publicSummary,
      publicSummaryPublishedAt: toIsoOrNull(pm.publicSummaryPublishedAt),
      revision: pm.revision,
      createdAt: toIso(pm.createdAt),
      updatedAt: toIso(pm.updatedAt),
      reviewRequestedAt: toIsoOrNull(pm.reviewRequestedAt),
      publishedAt: toIsoOrNull(pm.publishedAt),
      reviewers: reviewers.map((r) => ({
        user: { id: r.userId, name: r.name || r.email },
        decision: r.decision as 'pending' | Decision,
        decidedAt: toIsoOrNull(r.decidedAt),
        note: r.note,
      })),
      comments: comments.map((c) => ({
        id: c.id,
        sectionKey: c.sectionKey,
        author: c.authorUserId
          ? (owners.get(c.authorUserId) ?? { id: c.authorUserId, name: c.authorLabel })
          : { id: null, name: c.authorLabel },
        body: c.body,
        createdAt: toIso(c.createdAt),
        resolvedAt: toIsoOrNull(c.resolvedAt),
      })),
      blame: { findings: blame.findings, dismissed: blame.dismissed },
      publishProblems: publishProblems(tsections, facts, reviewers, blame.findings),
    };
  }

  /**
   * The `postmortem` field of incidents in lists and details, and whether one is expected and missing. An imported
   * incident (history from another tool) never expects one: its review, if any, happened there.
   */
  async forIncidents(incidents: { id: string; severity: string; status: string; kind: string }[]) {
    const out = new Map<
      string,
      {
        postmortem: {
          id: string;
          status: string;
          dueAt: string | null;
          isOverdue: boolean;
          isRequired: boolean;
        } | null;
        postmortemExpected: boolean;
      }
    >();
    if (!incidents.length) return out;
    const now = this.now();
    const [rows, policies] = await Promise.all([
      this.ex
        .selectFrom('postmortems')
        .select(['id', 'incidentId', 'status', 'dueAt', 'isRequired'])
        .where(
          'incidentId',
          'in',
          incidents.map((i) => i.id),
        )
        .execute(),
      this.ex.selectFrom('postmortemPolicies').select(['severity', 'mode']).execute(),
    ]);
    const byIncident = new Map(rows.map((r) => [r.incidentId, r]));
    const mode = new Map(policies.map((p) => [p.severity, p.mode]));
    for (const i of incidents) {
      const r = byIncident.get(i.id);
      out.set(i.id, {
        postmortem: r
          ? {
              id: r.id,
              status: r.status,
              dueAt: toIsoOrNull(r.dueAt),
              isOverdue: isOverdue(r, now),
              isRequired: r.isRequired === 1,
            }
          : null,
        postmortemExpected:
          i.kind !== 'imported' &&
          i.status === 'resolved' &&
          mode.get(i.severity) === 'required' &&
          (!r || r.status !== 'published'),
      });
    }
    return out;
  }

  // ---- creation ---------------------------------------------------------------------------------------------------

  /** By hand (any policy mode): 409 when the incident already has one. */
  async create(actor: Actor, incidentId: string, templateId?: string) {
    const now = this.now();
    const id = await this.deps.db.kysely.transaction().execute(async (trx) => {
      const allowed = await canActOnIncident(trx, actor, incidentId);
      if (allowed === null) throw notFound('incident', incidentId);
      if (!allowed) throw notActor();
      const existing = await findByIncident(trx, incidentId);
      if (existing) {
        throw conflict('postmortem_exists', 'This incident already has a post-mortem.', { postmortemId: existing.id });
      }
      return (await createIn(trx, this.deps.db.engine, { incidentId, templateId, actor, now })).id;
    });
    this.deps.onEnqueued?.();
    return this.get(id);
  }

  // ---- editing ----------------------------------------------------------------------------------------------------

  async update(actor: Actor, id: string, patch: Patch) {
    await this.mutate(actor, id, async (trx, pm, now) => {
      if (patch.baseRevision !== undefined && patch.baseRevision !== pm.revision) {
        throw conflict(
          'revision_conflict',
          `Someone saved revision ${pm.revision} since revision ${patch.baseRevision}: reload and apply your changes again.`,
          { currentRevision: pm.revision, baseRevision: patch.baseRevision },
        );
      }
      if (pm.status === 'published') {
        throw conflict('postmortem_published', 'This post-mortem is published: reopen it to edit it.');
      }
      const before = snapshotOf(pm);
      const after: Snapshot = { ...before, sections: { ...before.sections }, impact: { ...before.impact } };
      const problems: { field: string; message: string }[] = [];
      if (patch.title !== undefined) {
        const t = patch.title.trim();
        if (!t) problems.push({ field: 'title', message: 'must not be empty' });
        after.title = t;
      }
      const keys = new Set(templateSectionsOf(pm).map((s) => s.key));
      const changedSections: string[] = [];
      for (const [key, body] of Object.entries(patch.sections ?? {})) {
        if (!keys.has(key)) {
          problems.push({ field: `sections.${key}`, message: 'no such section in this post-mortem' });
          continue;
        }
        if (body.length > MAX_SECTION_BODY) {
          problems.push({ field: `sections.${key}`, message: `at most ${MAX_SECTION_BODY} characters` });
          continue;
        }
        if ((after.sections[key] ?? '') !== body) changedSections.push(key);
        after.sections[key] = body;
      }
      if (patch.ownerUserId !== undefined) {
        if (patch.ownerUserId !== null) {
          const u = await trx
            .selectFrom('users')
            .select('id')
            .where('id', '=', patch.ownerUserId)
            .where('disabledAt', 'is', null)
            .executeTakeFirst();
          if (!u) problems.push({ field: 'ownerUserId', message: 'no such user' });
        }
        after.ownerUserId = patch.ownerUserId;
      }
      if (patch.dueAt !== undefined) after.dueAt = patch.dueAt;
      if (patch.impact) {
        for (const k of ['customersAffected', 'revenueImpact', 'notes'] as const) {
          const v = patch.impact[k];
          if (v === undefined) continue;
          if (v.trim()) after.impact[k] = v.trim();
          else delete after.impact[k];
        }
      }
      if (patch.publicSummary !== undefined) after.publicSummary = patch.publicSummary?.trim() || null;
      if (problems.length) throw validationError(problems);
      const impactChanged = JSON.stringify(before.impact) !== JSON.stringify(after.impact);
      const summary = changeSummary(before, after, changedSections, impactChanged);
      if (summary === 'No changes') return;
      const revision = pm.revision + 1;
      await trx
        .updateTable('postmortems')
        .set({
          title: after.title,
          sections: toJsonText(after.sections),
          ownerUserId: after.ownerUserId,
          dueAt: after.dueAt,
          impact: toJsonText(after.impact),
          publicSummary: after.publicSummary,
          revision,
          updatedAt: now,
        })
        .where('id', '=', pm.id)
        .execute();
      await trx
        .insertInto('postmortemRevisions')
        .values({
          id: newId('pmr', now),
          postmortemId: pm.id,
          revision,
          at: now,
          authorUserId: actor.userId,
          authorLabel: actor.label,
          summary,
          snapshot: toJsonText(after),
        })
        .execute();
      if (after.dueAt !== before.dueAt && after.dueAt !== null) {
        await scheduleReminders(trx, this.deps.db.engine, pm.id, after.dueAt, now);
      }
      await this.audit(trx, actor, 'postmortem.updated', pm.id, { revision, summary }, now);
    });
    return this.get(id);
  }

  async revisions(id: string) {
    if (!(await findPostmortem(this.ex, id))) throw postmortemNotFound(id);
    const rows = await this.ex
      .selectFrom('postmortemRevisions')
      .select(['revision', 'at', 'authorUserId', 'authorLabel', 'summary'])
      .where('postmortemId', '=', id)
      .orderBy('revision', 'desc')
      .execute();
    return rows.map((r) => ({
      revision: r.revision,
      at: toIso(r.at),
      author: { id: r.authorUserId, name: r.authorLabel },
      summary: r.summary,
    }));
  }

  /** One revision with its snapshot and a unified diff against the revision before it. */
  async revision(id: string, revision: number) {
    const rows = await this.ex
      .selectFrom('postmortemRevisions')
      .selectAll()
      .where('postmortemId', '=', id)
      .where('revision', '<=', revision)
      .orderBy('revision', 'desc')
      .limit(2)
      .execute();
    const cur = rows[0];
    if (!cur || cur.revision !== revision) throw notFound('revision', `${id}/${revision}`);
    const snap = fromJsonText<Snapshot>(cur.snapshot, {} as Snapshot);
    const prev = rows[1] ? fromJsonText<Snapshot>(rows[1].snapshot, {} as Snapshot) : null;
    const diff: { field: string; sectionKey?: string; unified: string }[] = [];
    const add = (field: string, a: string, b: string, sectionKey?: string) => {
      if (a === b) return;
      diff.push({ field, ...(sectionKey ? { sectionKey } : {}), unified: createPatch(sectionKey ?? field, a, b) });
    };
    add('title', prev?.title ?? '', snap.title ?? '');
    const keys = new Set([...Object.keys(prev?.sections ?? {}), ...Object.keys(snap.sections ?? {})]);
    for (const k of keys) add('sections', prev?.sections?.[k] ?? '', snap.sections?.[k] ?? '', k);
    add('impact', JSON.stringify(prev?.impact ?? {}, null, 2), JSON.stringify(snap.impact ?? {}, null, 2));
    add('publicSummary', prev?.publicSummary ?? '', snap.publicSummary ?? '');
    add('ownerUserId', prev?.ownerUserId ?? '', snap.ownerUserId ?? '');
    add('dueAt', toIsoOrNull(prev?.dueAt) ?? '', toIsoOrNull(snap.dueAt) ?? '');
    return {
      revision: cur.revision,
      at: toIso(cur.at),
      author: { id: cur.authorUserId, name: cur.authorLabel },
      summary: cur.summary,
      snapshot: { ...snap, dueAt: toIsoOrNull(snap.dueAt) },
      diff,
    };
  }

  // ---- timeline ---------------------------------------------------------------------------------------------------

  async timeline(id: string, opts: { curated?: boolean } = {}) {
    const pm = await findPostmortem(this.ex, id);
    if (!pm) throw postmortemNotFound(id);
    return buildTimeline(this.ex, pm, await this.incidentOf(this.ex, pm), opts);
  }

  async setMark(
    actor: Actor,
    id: string,
    input: { ref: string; starred?: boolean; hidden?: boolean; tag?: string | null; narrative?: string | null },
  ): Promise<TimelineItem> {
    if (input.tag != null && !(TIMELINE_TAGS as readonly string[]).includes(input.tag)) {
      throw validationError([{ field: 'tag', message: `one of ${TIMELINE_TAGS.join(', ')}` }]);
    }
    await this.mutate(actor, id, async (trx, pm, now) => {
      const current = await buildTimeline(trx, pm, await this.incidentOf(trx, pm));
      if (!current.events.some((e) => e.ref === input.ref)) {
        throw validationError([{ field: 'ref', message: 'no such moment in this post-mortem’s timeline' }]);
      }
      const old = await trx
        .selectFrom('postmortemTimelineMarks')
        .selectAll()
        .where('postmortemId', '=', pm.id)
        .where('ref', '=', input.ref)
        .executeTakeFirst();
      const values = {
        postmortemId: pm.id,
        ref: input.ref,
        starred: (input.starred ?? old?.starred === 1) ? (1 as const) : (0 as const),
        hidden: (input.hidden ?? old?.hidden === 1) ? (1 as const) : (0 as const),
        tag: input.tag === undefined ? (old?.tag ?? null) : input.tag,
        narrative: input.narrative === undefined ? (old?.narrative ?? null) : input.narrative?.trim() || null,
        updatedAt: now,
        updatedByLabel: actor.label,
      };
      await trx
        .insertInto('postmortemTimelineMarks')
        .values(values)
        .onConflict((oc) =>
          oc.columns(['postmortemId', 'ref']).doUpdateSet({
            starred: values.starred,
            hidden: values.hidden,
            tag: values.tag,
            narrative: values.narrative,
            updatedAt: now,
            updatedByLabel: actor.label,
          }),
        )
        .execute();
      await trx.updateTable('postmortems').set({ updatedAt: now }).where('id', '=', pm.id).execute();
    });
    const t = await this.timeline(id);
    return t.events.find((e) => e.ref === input.ref)!;
  }

  async addEntry(actor: Actor, id: string, input: { at: number; body: string; tag?: string | null | undefined }) {
    const body = input.body.trim();
    const problems: { field: string; message: string }[] = [];
    if (!body) problems.push({ field: 'body', message: 'must not be empty' });
    if (!Number.isFinite(input.at)) problems.push({ field: 'at', message: 'an RFC 3339 time' });
    if (input.tag != null && !(TIMELINE_TAGS as readonly string[]).includes(input.tag)) {
      problems.push({ field: 'tag', message: `one of ${TIMELINE_TAGS.join(', ')}` });
    }
    if (problems.length) throw validationError(problems);
    const entryId = await this.mutate(actor, id, async (trx, pm, now) => {
      const entryId = newId('pme', now);
      await trx
        .insertInto('postmortemTimelineEntries')
        .values({
          id: entryId,
          postmortemId: pm.id,
          at: input.at,
          body,
          tag: input.tag ?? null,
          createdByLabel: actor.label,
          createdAt: now,
        })
        .execute();
      await trx.updateTable('postmortems').set({ updatedAt: now }).where('id', '=', pm.id).execute();
      return entryId;
    });
    return (await this.timeline(id)).events.find((e) => e.entryId === entryId)!;
  }

  async deleteEntry(actor: Actor, id: string, entryId: string): Promise<void> {
    await this.mutate(actor, id, async (trx, pm, now) => {
      const r = await trx
        .deleteFrom('postmortemTimelineEntries')
        .where('postmortemId', '=', pm.id)
        .where('id', '=', entryId)
        .executeTakeFirst();
      if (Number(r.numDeletedRows) === 0) throw notFound('timeline_entry', entryId);
      await trx
        .deleteFrom('postmortemTimelineMarks')
        .where('postmortemId', '=', pm.id)
        .where('ref', '=', `entry:${entryId}`)
        .execute();
      await trx.updateTable('postmortems').set({ updatedAt: now }).where('id', '=', pm.id).execute();
    });
  }

  /** Correct one of the incident's milestones (the incident service's own change, with its reason and event). */
  async setMilestone(actor: Actor, id: string, milestone: Milestone, at: number | null, reason: string) {
    const pm = await findPostmortem(this.ex, id);
    if (!pm) throw postmortemNotFound(id);
    if (!(await this.canAct(actor, id))) throw notActor();
    const d = await this.deps.incidents.setMilestone(actor, pm.incidentId, { milestone, at, reason });
    const t = await this.timeline(id, { curated: true });
    return {
      milestones: milestonesView(d.incident),
      metrics: t.metrics,
      warnings: d.warnings
        .filter((w) => w.code === 'milestones_out_of_order')
        .map((w) => ({ code: w.code, message: w.message })),
    };
  }

  // ---- review and publishing --------------------------------------------------------------------------------------

  async requestReview(actor: Actor, id: string, reviewerUserIds: string[]) {
    const wanted = [...new Set(reviewerUserIds)];
    if (!wanted.length) throw validationError([{ field: 'reviewerUserIds', message: 'name at least one reviewer' }]);
    await this.mutate(actor, id, async (trx, pm, now) => {
      if (pm.status === 'published') {
        throw conflict('postmortem_published', 'This post-mortem is published: reopen it first.');
      }
      const users = await trx
        .selectFrom('users')
        .select('id')
        .where('id', 'in', wanted)
        .where('disabledAt', 'is', null)
        .execute();
      const known = new Set(users.map((u) => u.id));
      const missing = wanted.findIndex((u) => !known.has(u));
      if (missing >= 0) throw validationError([{ field: `reviewerUserIds[${missing}]`, message: 'no such user' }]);
      for (const userId of wanted) {
        await trx
          .insertInto('postmortemReviewers')
          .values({
            postmortemId: pm.id,
            userId,
            requestedAt: now,
            requestedByLabel: actor.label,
            decision: 'pending',
            decidedAt: null,
            note: '',
          })
          .onConflict((oc) => oc.columns(['postmortemId', 'userId']).doNothing())
          .execute();
      }
      // Asking again after changes were requested puts those reviewers back to pending.
      await trx
        .updateTable('postmortemReviewers')
        .set({ decision: 'pending', decidedAt: null, requestedAt: now })
        .where('postmortemId', '=', pm.id)
        .where('userId', 'in', wanted)
        .where('decision', '=', 'changes_requested')
        .execute();
      await trx
        .updateTable('postmortems')
        .set({ status: 'in_review', reviewRequestedAt: now, updatedAt: now })
        .where('id', '=', pm.id)
        .execute();
      await this.audit(trx, actor, 'postmortem.review_requested', pm.id, { reviewers: wanted, from: pm.status }, now);
    });
    return this.get(id);
  }

  async decide(actor: Actor, id: string, decision: Decision, note?: string) {
    await this.mutate(actor, id, async (trx, pm, now) => {
      if (pm.status !== 'in_review') {
        throw conflict('not_in_review', 'Decisions are made while the post-mortem is in review.');
      }
      const r = await trx
        .updateTable('postmortemReviewers')
        .set({ decision, decidedAt: now, note: note?.trim() ?? '' })
        .where('postmortemId', '=', pm.id)
        .where('userId', '=', actor.userId ?? '')
        .executeTakeFirst();
      if (Number(r.numUpdatedRows) === 0) throw forbidden('Only a named reviewer decides.', 'not_a_reviewer');
      await trx.updateTable('postmortems').set({ updatedAt: now }).where('id', '=', pm.id).execute();
      await this.audit(trx, actor, `postmortem.review_${decision}`, pm.id, { decision, note: note ?? '' }, now);
    });
    return this.get(id);
  }

  async addComment(actor: Actor, id: string, sectionKey: string, body: string) {
    const text = body.trim();
    if (!text) throw validationError([{ field: 'body', message: 'must not be empty' }]);
    const commentId = await this.mutate(actor, id, async (trx, pm, now) => {
      if (!templateSectionsOf(pm).some((s) => s.key === sectionKey)) {
        throw validationError([{ field: 'sectionKey', message: 'no such section in this post-mortem' }]);
      }
      const cid = newId('pmc', now);
      await trx
        .insertInto('postmortemComments')
        .values({
          id: cid,
          postmortemId: pm.id,
          sectionKey,
          authorUserId: actor.userId,
          authorLabel: actor.label,
          body: text,
          createdAt: now,
          resolvedAt: null,
          resolvedByLabel: null,
        })
        .execute();
      return cid;
    });
    return (await this.get(id)).comments.find((c) => c.id === commentId)!;
  }

  async resolveComment(actor: Actor, id: string, commentId: string) {
    await this.mutate(actor, id, async (trx, pm, now) => {
      const r = await trx
        .updateTable('postmortemComments')
        .set({ resolvedAt: now, resolvedByLabel: actor.label })
        .where('postmortemId', '=', pm.id)
        .where('id', '=', commentId)
        .where('resolvedAt', 'is', null)
        .executeTakeFirst();
      if (Number(r.numUpdatedRows) === 0) {
        const exists = await trx
          .selectFrom('postmortemComments')
          .select('id')
          .where('postmortemId', '=', pm.id)
          .where('id', '=', commentId)
          .executeTakeFirst();
        if (!exists) throw notFound('comment', commentId);
      }
    });
    return (await this.get(id)).comments.find((c) => c.id === commentId)!;
  }

  async dismissBlame(actor: Actor, id: string, fingerprint: string, reason: string) {
    const why = reason.trim();
    if (!why) throw validationError([{ field: 'reason', message: 'must not be empty: say why it is not blame' }]);
    await this.mutate(actor, id, async (trx, pm, now) => {
      const incident = await this.incidentOf(trx, pm);
      const impact = await buildImpact(trx, pm, incident, now);
      const names = await this.peopleNames(trx, incident, impact.peoplePaged);
      const blame = await this.blameOf(trx, pm, names);
      const f: BlameFinding | undefined = blame.all.find((x) => x.fingerprint === fingerprint);
      if (!f) throw validationError([{ field: 'fingerprint', message: 'no such finding in this post-mortem' }]);
      await trx
        .insertInto('postmortemBlameDismissals')
        .values({
          postmortemId: pm.id,
          fingerprint,
          ruleId: f.ruleId,
          excerpt: f.excerpt,
          reason: why,
          dismissedByLabel: actor.label,
          dismissedAt: now,
        })
        .onConflict((oc) => oc.columns(['postmortemId', 'fingerprint']).doUpdateSet({ reason: why, dismissedAt: now }))
        .execute();
      await this.audit(
        trx,
        actor,
        'postmortem.blame_dismissed',
        pm.id,
        { fingerprint, ruleId: f.ruleId, reason: why },
        now,
      );
    });
    return (await this.get(id)).blame;
  }

  async publish(actor: Actor, id: string) {
    await this.mutate(actor, id, async (trx, pm, now) => {
      if (pm.status === 'published') return;
      const v = await this.view(trx, pm);
      if (v.publishProblems.length) {
        throw conflict(
          'publish_blocked',
          `Not ready to publish: ${v.publishProblems.map((p) => p.message).join(' ')}`,
          v.publishProblems,
        );
      }
      await trx
        .updateTable('postmortems')
        .set({ status: 'published', publishedAt: now, updatedAt: now })
        .where('id', '=', pm.id)
        .execute();
      await this.audit(
        trx,
        actor,
        'postmortem.published',
        pm.id,
        { from: pm.status, reviewers: v.reviewers.map((r) => ({ userId: r.user.id, decision: r.decision })) },
        now,
      );
    });
    return this.get(id);
  }

  async reopen(actor: Actor, id: string, reason: string) {
    const why = reason.trim();
    if (!why) throw validationError([{ field: 'reason', message: 'must not be empty: say why' }]);
    await this.mutate(actor, id, async (trx, pm, now) => {
      if (pm.status === 'draft') throw conflict('already_draft', 'This post-mortem is already a draft.');
      await trx
        .updateTable('postmortems')
        .set({ status: 'draft', publishedAt: null, updatedAt: now })
        .where('id', '=', pm.id)
        .execute();
      // A reopened post-mortem needs its review again.
      await trx
        .updateTable('postmortemReviewers')
        .set({ decision: 'pending', decidedAt: null })
        .where('postmortemId', '=', pm.id)
        .execute();
      await this.audit(trx, actor, 'postmortem.reopened', pm.id, { from: pm.status, reason: why }, now);
    });
    return this.get(id);
  }

  // ---- export and the public summary ------------------------------------------------------------------------------

  async exportMarkdown(id: string): Promise<string> {
    const v = await this.get(id);
    const ex = this.ex;
    const [timeline, whys, actions, factors] = await Promise.all([
      this.timeline(id, { curated: true }),
      ex
        .selectFrom('postmortemWhys')
        .select(['id', 'parentId', 'position', 'question', 'answer', 'evidence'])
        .where('postmortemId', '=', id)
        .orderBy('position')
        .orderBy('id')
        .execute(),
      ex
        .selectFrom('actionItems')
        .innerJoin('users', 'users.id', 'actionItems.ownerUserId')
        .select([
          'actionItems.title',
          'actionItems.kind',
          'actionItems.priority',
          'actionItems.status',
          'actionItems.dueAt',
          'actionItems.trackerUrl',
          'users.name',
          'users.email',
        ])
        .where('actionItems.postmortemId', '=', id)
        .orderBy('actionItems.dueAt')
        .orderBy('actionItems.id')
        .execute(),
      ex
        .selectFrom('postmortemFactors')
        .innerJoin('contributingFactors', 'contributingFactors.id', 'postmortemFactors.factorId')
        .select(['contributingFactors.label', 'postmortemFactors.note'])
        .where('postmortemFactors.postmortemId', '=', id)
        .orderBy('contributingFactors.position')
        .execute(),
    ]);
    return renderExport({
      pm: v,
      timeline: timeline.events,
      metrics: timeline.metrics,
      whys: whys.map((w) => ({ ...w, evidence: fromJsonText<{ url: string; label: string }[]>(w.evidence, []) })),
      actions: actions.map((a) => ({ ...a, owner: a.name || a.email })),
      factors,
    });
  }

  /** Post the public summary as the final update of the incident's status-page incident (409 when it has none). */
  async publishPublicSummary(actor: Actor, id: string, publish: boolean) {
    const pm = await findPostmortem(this.ex, id);
    if (!pm) throw postmortemNotFound(id);
    if (!(await this.canAct(actor, id))) throw notActor();
    if (!publish) return this.get(id);
    const text = pm.publicSummary?.trim();
    if (!text) throw validationError([{ field: 'publicSummary', message: 'write the public summary first' }]);
    const publication = await this.ex
      .selectFrom('statusIncidents')
      .select('id')
      .where('incidentId', '=', pm.incidentId)
      .executeTakeFirst();
    if (!publication) {
      throw conflict(
        'not_on_status_page',
        'This incident was never published on the status page, so there is no public incident to add the summary to.',
      );
    }
    await this.deps.postStatusUpdate(actor, pm.incidentId, text);
    const now = this.now();
    await this.deps.db.kysely.transaction().execute(async (trx) => {
      await trx
        .updateTable('postmortems')
        .set({ publicSummaryPublishedAt: now, updatedAt: now })
        .where('id', '=', id)
        .execute();
      await this.audit(trx, actor, 'postmortem.public_summary_published', id, { incidentId: pm.incidentId }, now);
    });
    return this.get(id);
  }

  // ---- policies (templates: this.templates) -----------------------------------------------------------------------

  async policyFor(severity: string) {
    return findPolicy(this.ex, severity);
  }
}
