/**
 * Action items (docs/postmortems.md, "Action items"): what a post-mortem or an incident leaves to do, each with an
 * owner (a person) and a due date — "an action item without an owner will not get done" — a team, a priority, a
 * kind, and a status that ends in done (someone's word) or verified (evidence that the fix works).
 *
 * Who may: create one on a post-mortem or incident, whoever may act on the incident or owns the post-mortem; change
 * one, its owner, responders (or more) of its team, organisation administrators (access policy
 * `action-item-actor`, checked again here).
 */
import type { Db, Executor } from '../db/index.js';
import { recordAudit, type Actor, type TeamService } from '../identity/index.js';
import { enqueueJob } from '../jobs/index.js';
import type { Clock } from '../shared/clock.js';
import { AppError, forbidden, notFound, validationError, type FieldProblem } from '../shared/errors.js';
import { newId } from '../shared/ids.js';
import { REMIND_JOB, TRACKER_JOB, type RemindPayload, type TrackerPayload } from './job-kinds.js';
import {
  applyStatusChange,
  decodeCursor,
  defaultDueAt,
  describeTrackerUrl,
  encodeCursor,
  isKind,
  isOverdue,
  isPriority,
  isProvider,
  isStatus,
  reminderTimes,
  type Kind,
  type Priority,
  type Status,
} from './model.js';
import {
  findActiveUser,
  findConnectionRow,
  findItemRow,
  incidentHeads,
  insertItemRow,
  listConnectionRows,
  listItemRows,
  teamExists,
  teamNames,
  teamsOfUser,
  updateItemRow,
  userNames,
  type ActionItemRow,
  type ItemPatch,
} from './repo.js';
import { TrackerService, type Sealer } from './trackers.js';
import { markReviewed } from '../runbooks/index.js';
import type { ResolveAll } from '../shared/net.js';

export interface Named {
  id: string;
  name: string;
}

export interface ActionItem {
  id: string;
  postmortemId: string | null;
  incidentId: string | null;
  incident: { id: string; title: string; severity: string } | null;
  title: string;
  description: string;
  owner: Named;
  team: Named;
  dueAt: number;
  priority: Priority;
  kind: Kind;
  /** Kind 'runbook': the runbook it marks reviewed when done. */
  runbookId: string | null;
  status: Status;
  statusReason: string | null;
  verification: string | null;
  verificationAlertRule: string | null;
  sourceSection: string | null;
  sourceWhyId: string | null;
  tracker: { provider: string; key: string | null; url: string } | null;
  /** Creating the tracker issue: pending (the job is on it) or failed (with the provider's answer). */
  trackerIssue: { status: 'pending' | 'failed'; error: string | null } | null;
  isOverdue: boolean;
  createdAt: number;
  updatedAt: number;
  doneAt: number | null;
  verifiedAt: number | null;
}

export interface CreateInput {
  postmortemId?: string | undefined;
  incidentId?: string | undefined;
  title: string;
  description?: string | undefined;
  ownerUserId?: string | undefined;
  teamId?: string | undefined;
  dueAt?: number | undefined;
  priority?: string | undefined;
  kind?: string | undefined;
  runbookId?: string | undefined;
  sourceSection?: string | undefined;
  sourceWhyId?: string | undefined;
  trackerUrl?: string | undefined;
  createTrackerIssue?: boolean | undefined;
}

export interface UpdateInput {
  title?: string | undefined;
  description?: string | undefined;
  ownerUserId?: string | undefined;
  teamId?: string | undefined;
  dueAt?: number | undefined;
  priority?: string | undefined;
  kind?: string | undefined;
  runbookId?: string | null | undefined;
  status?: string | undefined;
  statusReason?: string | null | undefined;
  verification?: string | null | undefined;
  verificationAlertRule?: string | null | undefined;
  trackerUrl?: string | null | undefined;
}

export interface ListQuery {
  owner?: string | undefined;
  teamId?: string | undefined;
  status?: string | undefined;
  overdue?: boolean | undefined;
  postmortemId?: string | undefined;
  incidentId?: string | undefined;
  cursor?: string | undefined;
  limit?: number | undefined;
}

export interface ActionItemDeps {
  db: Db;
  clock: Clock;
  teams: TeamService;
  /** Whether the actor may act on the incident (null: no such incident): services.incidents.canAct. */
  canActOnIncident: (actor: Actor, incidentId: string) => Promise<boolean | null>;
  sealer: Sealer;
  resolve?: ResolveAll | undefined;
  onEnqueued?: (() => void) | undefined;
}

export const actionItemNotFound = (id: string): AppError => notFound('action_item', id);
const NO_OWNER = 'is required: an action item without an owner will not get done';
export const DEFAULT_LIMIT = 50;
export const MAX_LIMIT = 200;

export class ActionItemService {
  readonly trackers: TrackerService;

  constructor(private readonly deps: ActionItemDeps) {
    this.trackers = new TrackerService({
      db: deps.db,
      clock: deps.clock,
      teams: deps.teams,
      sealer: deps.sealer,
      resolve: deps.resolve,
    });
  }

  private now(): number {
    return this.deps.clock.now();
  }

  /** The resolver for tracker base URLs (node:dns unless a test passes one), for the tracker job. */
  get resolve(): ResolveAll | undefined {
    return this.deps.resolve;
  }

  /** Whether the actor may change the item (null: no such item): its owner, responders+ of its team, admins. */
  async canUpdate(actor: Actor, id: string, ex: Executor = this.deps.db.kysely): Promise<boolean | null> {
    const row = await findItemRow(ex, id);
    if (!row) return null;
    return this.mayUpdate(actor, row, ex);
  }

  private async mayUpdate(actor: Actor, row: ActionItemRow, ex: Executor): Promise<boolean> {
    if (actor.isAdmin) return true;
    if (!actor.userId) return false;
    if (row.ownerUserId === actor.userId) return true;
    return this.deps.teams.hasRole(actor, row.teamId, 'responder', ex);
  }

  async get(id: string): Promise<ActionItem> {
    const row = await findItemRow(this.deps.db.kysely, id);
    if (!row) throw actionItemNotFound(id);
    return (await this.present(this.deps.db.kysely, [row]))[0]!;
  }

  async list(actor: Actor, q: ListQuery): Promise<{ items: ActionItem[]; nextCursor: string | null }> {
    const problems: FieldProblem[] = [];
    let ownerUserId: string | undefined;
    if (q.owner === 'me') {
      if (!actor.userId) problems.push({ field: 'owner', message: '"me" needs a signed-in person' });
      ownerUserId = actor.userId ?? undefined;
    } else if (q.owner) ownerUserId = q.owner;
    const statuses = q.status
      ? q.status
          .split(',')
          .map((s) => s.trim())
          .filter(Boolean)
      : undefined;
    if (statuses?.some((s) => !isStatus(s))) {
      problems.push({
        field: 'status',
        message: 'must be open, in_progress, done, wont_do or verified (comma-separated)',
      });
    }
    const cursor = q.cursor ? decodeCursor(q.cursor) : null;
    if (q.cursor && !cursor) problems.push({ field: 'cursor', message: 'is not a cursor this list gave' });
    const limit = q.limit ?? DEFAULT_LIMIT;
    if (!Number.isInteger(limit) || limit < 1 || limit > MAX_LIMIT) {
      problems.push({ field: 'limit', message: `must be from 1 to ${MAX_LIMIT}` });
    }
    if (problems.length) throw validationError(problems);
    const ex = this.deps.db.kysely;
    const rows = await listItemRows(ex, {
      ownerUserId,
      teamId: q.teamId,
      statuses,
      overdueAt: q.overdue ? this.now() : undefined,
      postmortemId: q.postmortemId,
      incidentId: q.incidentId,
      cursor,
      limit,
    });
    const page = rows.slice(0, limit);
    const last = page[page.length - 1];
    return {
      items: await this.present(ex, page),
      nextCursor: rows.length > limit && last ? encodeCursor({ dueAt: last.dueAt, id: last.id }) : null,
    };
  }

  /** What the item links to: a post-mortem (and so its incident) or an incident, and who may add items there. */
  private async linkOf(
    ex: Executor,
    input: Pick<CreateInput, 'postmortemId' | 'incidentId'>,
  ): Promise<{ postmortemId: string | null; incidentId: string | null; postmortemOwner: string | null }> {
    if (input.postmortemId) {
      const pm = await ex
        .selectFrom('postmortems')
        .select(['id', 'incidentId', 'ownerUserId'])
        .where('id', '=', input.postmortemId)
        .executeTakeFirst();
      if (!pm) throw validationError([{ field: 'postmortemId', message: 'no such post-mortem' }]);
      if (input.incidentId && input.incidentId !== pm.incidentId) {
        throw validationError([
          { field: 'incidentId', message: "must be the post-mortem's own incident (or left out)" },
        ]);
      }
      return { postmortemId: pm.id, incidentId: pm.incidentId, postmortemOwner: pm.ownerUserId };
    }
    if (input.incidentId) {
      const inc = await ex.selectFrom('incidents').select('id').where('id', '=', input.incidentId).executeTakeFirst();
      if (!inc) throw validationError([{ field: 'incidentId', message: 'no such incident' }]);
      return { postmortemId: null, incidentId: inc.id, postmortemOwner: null };
    }
    throw validationError([{ field: 'postmortemId', message: 'link the item to a post-mortem (or an incident)' }]);
  }

  async create(actor: Actor, input: CreateInput): Promise<ActionItem> {
    const ex = this.deps.db.kysely;
    const link = await this.linkOf(ex, input);
    const allowed =
      actor.isAdmin ||
      (link.postmortemOwner !== null && link.postmortemOwner === actor.userId) ||
      (link.incidentId !== null && (await this.deps.canActOnIncident(actor, link.incidentId)) === true);
    if (!allowed) {
      throw forbidden("Adding action items needs someone who may act on the incident, or the post-mortem's owner.");
    }
    const problems: FieldProblem[] = [];
    const priority = input.priority ?? 'medium';
    const kind = input.kind ?? 'prevent';
    if (!isPriority(priority)) problems.push({ field: 'priority', message: 'must be high, medium or low' });
    if (!isKind(kind)) problems.push({ field: 'kind', message: KIND_MESSAGE });
    if (!input.title.trim()) problems.push({ field: 'title', message: 'say what is to be done' });
    const owner = input.ownerUserId?.trim() ? await findActiveUser(ex, input.ownerUserId.trim()) : null;
    if (!input.ownerUserId?.trim()) problems.push({ field: 'ownerUserId', message: NO_OWNER });
    else if (!owner) problems.push({ field: 'ownerUserId', message: 'no active user with this id or email' });
    let teamId = input.teamId;
    if (teamId !== undefined) {
      if (!(await teamExists(ex, teamId))) problems.push({ field: 'teamId', message: 'no such team' });
    } else if (owner) {
      const teams = await teamsOfUser(ex, owner.id);
      if (teams.length === 1) teamId = teams[0];
      else {
        problems.push({
          field: 'teamId',
          message: teams.length
            ? `the owner is in ${teams.length} teams: choose the team the item belongs to`
            : 'the owner is in no team: choose the team the item belongs to',
        });
      }
    }
    if (input.sourceWhyId !== undefined) {
      // A why node of this item's own post-mortem (the 5 Whys tree is per post-mortem).
      const why = link.postmortemId
        ? await ex
            .selectFrom('postmortemWhys')
            .select('id')
            .where('id', '=', input.sourceWhyId)
            .where('postmortemId', '=', link.postmortemId)
            .executeTakeFirst()
        : undefined;
      if (!why) problems.push({ field: 'sourceWhyId', message: "must be a why of the item's post-mortem" });
    }
    if (input.trackerUrl !== undefined) problems.push(...trackerUrlProblems(input.trackerUrl));
    problems.push(...(await runbookProblems(ex, kind, input.runbookId ?? null, teamId)));
    if (input.trackerUrl && input.createTrackerIssue) {
      problems.push({ field: 'createTrackerIssue', message: 'the item already links to an issue (trackerUrl)' });
    }
    let trackerProvider: string | null = null;
    if (input.createTrackerIssue && teamId && problems.length === 0) {
      const conns = await listConnectionRows(ex, teamId);
      if (conns.length === 0) {
        problems.push({
          field: 'createTrackerIssue',
          message: 'the team has no tracker connected (GitHub, GitLab or Jira)',
        });
      } else trackerProvider = conns[0]!.provider;
    }
    if (problems.length) throw validationError(problems);
    const now = this.now();
    const dueAt = input.dueAt ?? defaultDueAt(priority as Priority, now);
    const id = newId('act', now);
    const byHand = input.trackerUrl ? describeTrackerUrl(input.trackerUrl) : null;
    await this.deps.db.kysely.transaction().execute(async (trx) => {
      await insertItemRow(trx, {
        id,
        postmortemId: link.postmortemId,
        incidentId: link.incidentId,
        title: input.title.trim(),
        description: input.description ?? '',
        ownerUserId: owner!.id,
        teamId: teamId!,
        dueAt,
        priority,
        kind,
        runbookId: kind === 'runbook' ? (input.runbookId ?? null) : null,
        status: 'open',
        statusReason: null,
        verification: null,
        verificationAlertRule: null,
        sourceSection: input.sourceSection ?? null,
        sourceWhyId: input.sourceWhyId ?? null,
        trackerProvider: byHand?.provider ?? null,
        trackerKey: byHand?.key ?? null,
        trackerUrl: input.trackerUrl ?? null,
        createdByUserId: actor.userId,
        createdByLabel: actor.label,
        createdAt: now,
        updatedAt: now,
        doneAt: null,
        verifiedAt: null,
        remindedAt: null,
        overdueNotifiedAt: null,
        trackerStatus: trackerProvider ? 'pending' : null,
        trackerError: null,
      });
      await scheduleReminders(trx, this.deps.db.engine, id, dueAt, now);
      if (trackerProvider) await enqueueTracker(trx, this.deps.db.engine, id, trackerProvider, now);
      await recordAudit(
        trx,
        actor,
        'action_item.created',
        { type: 'action_item', id },
        {
          postmortemId: link.postmortemId,
          incidentId: link.incidentId,
          ownerUserId: owner!.id,
          teamId,
          dueAt,
          priority,
          kind,
        },
        now,
      );
    });
    this.deps.onEnqueued?.();
    return this.get(id);
  }

  async update(actor: Actor, id: string, input: UpdateInput): Promise<ActionItem> {
    const ex = this.deps.db.kysely;
    const row = await findItemRow(ex, id);
    if (!row) throw actionItemNotFound(id);
    if (!(await this.mayUpdate(actor, row, ex))) {
      throw forbidden('Changing an action item needs its owner, a responder of its team, or an administrator.');
    }
    const problems: FieldProblem[] = [];
    if (input.priority !== undefined && !isPriority(input.priority)) {
      problems.push({ field: 'priority', message: 'must be high, medium or low' });
    }
    if (input.kind !== undefined && !isKind(input.kind)) {
      problems.push({ field: 'kind', message: KIND_MESSAGE });
    }
    if (input.status !== undefined && !isStatus(input.status)) {
      problems.push({ field: 'status', message: 'must be open, in_progress, done, wont_do or verified' });
    }
    if (input.title !== undefined && !input.title.trim())
      problems.push({ field: 'title', message: 'say what is to be done' });
    let ownerId: string | undefined;
    if (input.ownerUserId !== undefined) {
      const owner = input.ownerUserId.trim() ? await findActiveUser(ex, input.ownerUserId.trim()) : null;
      if (!input.ownerUserId.trim()) problems.push({ field: 'ownerUserId', message: NO_OWNER });
      else if (!owner) problems.push({ field: 'ownerUserId', message: 'no active user with this id or email' });
      ownerId = owner?.id;
    }
    if (input.teamId !== undefined && input.teamId !== row.teamId) {
      if (!(await teamExists(ex, input.teamId))) problems.push({ field: 'teamId', message: 'no such team' });
      else if (!(await this.deps.teams.hasRole(actor, input.teamId, 'responder'))) {
        throw forbidden('Moving an item to a team needs the responder role in that team.');
      }
    }
    if (input.trackerUrl) problems.push(...trackerUrlProblems(input.trackerUrl));
    // An "Update the runbook" item names a runbook of its own team, whatever changed of the three.
    const nextKind = input.kind ?? row.kind;
    const nextRunbookId =
      nextKind === 'runbook' ? (input.runbookId !== undefined ? input.runbookId : row.runbookId) : null;
    if (input.kind !== undefined || input.runbookId !== undefined || input.teamId !== undefined) {
      const named = nextKind === 'runbook' ? nextRunbookId : (input.runbookId ?? null);
      problems.push(...(await runbookProblems(ex, nextKind, named, input.teamId ?? row.teamId)));
    }
    if (problems.length) throw validationError(problems);
    const now = this.now();
    const status = applyStatusChange(
      {
        status: row.status as Status,
        statusReason: row.statusReason,
        verification: row.verification,
        verificationAlertRule: row.verificationAlertRule,
        doneAt: row.doneAt,
        verifiedAt: row.verifiedAt,
      },
      {
        status: input.status as Status | undefined,
        statusReason: input.statusReason,
        verification: input.verification,
        verificationAlertRule: input.verificationAlertRule,
      },
      now,
    );
    if (status.problems.length) throw validationError(status.problems);
    const byHand =
      input.trackerUrl === undefined ? undefined : input.trackerUrl ? describeTrackerUrl(input.trackerUrl) : null;
    const patch: ItemPatch = {
      title: input.title?.trim(),
      description: input.description,
      ownerUserId: ownerId,
      teamId: input.teamId,
      dueAt: input.dueAt,
      priority: input.priority,
      kind: input.kind,
      runbookId: nextRunbookId !== row.runbookId ? nextRunbookId : undefined,
      ...status.next,
      ...(byHand === undefined
        ? {}
        : {
            trackerUrl: input.trackerUrl ?? null,
            trackerProvider: byHand?.provider ?? null,
            trackerKey: byHand?.key ?? null,
          }),
    };
    // A new due date gets its own reminders (the old ones find the date moved and say nothing).
    const isDueMoved = input.dueAt !== undefined && input.dueAt !== row.dueAt;
    if (isDueMoved) {
      patch.remindedAt = null;
      patch.overdueNotifiedAt = null;
    }
    const changed = Object.keys(patch).filter(
      (k) => patch[k as keyof ItemPatch] !== undefined && patch[k as keyof ItemPatch] !== row[k as keyof ActionItemRow],
    );
    if (changed.length === 0) return this.get(id);
    patch.updatedAt = now;
    await this.deps.db.kysely.transaction().execute(async (trx) => {
      await updateItemRow(trx, id, patch);
      if (isDueMoved) await scheduleReminders(trx, this.deps.db.engine, id, input.dueAt!, now);
      // "Update the runbook" done: the runbook is reviewed, and a version note says by which item.
      if (nextKind === 'runbook' && nextRunbookId && status.next.doneAt !== null && row.doneAt === null) {
        const title = input.title?.trim() ?? row.title;
        await markReviewed(
          trx,
          nextRunbookId,
          { userId: actor.userId, label: actor.label },
          now,
          `Reviewed: action item "${title}" done`,
        );
      }
      const details: Record<string, unknown> = { changed };
      if (status.next.status !== row.status) {
        Object.assign(details, { from: row.status, to: status.next.status, reason: status.next.statusReason });
      }
      await recordAudit(
        trx,
        actor,
        status.next.status !== row.status ? 'action_item.status_changed' : 'action_item.updated',
        { type: 'action_item', id },
        details,
        now,
      );
    });
    this.deps.onEnqueued?.();
    return this.get(id);
  }

  /**
   * Create the item's issue in its team's tracker (GitHub, GitLab or Jira), as a durable job: the item shows it pending,
   * then linked, or failed with the provider's answer (and this may be asked again).
   */
  async requestTrackerIssue(actor: Actor, id: string, provider?: string): Promise<ActionItem> {
    const ex = this.deps.db.kysely;
    const row = await findItemRow(ex, id);
    if (!row) throw actionItemNotFound(id);
    if (!(await this.mayUpdate(actor, row, ex))) {
      throw forbidden(
        'Creating the tracker issue needs the item’s owner, a responder of its team, or an administrator.',
      );
    }
    if (row.trackerUrl) {
      throw new AppError('tracker_issue_exists', `The item already links to ${row.trackerUrl}.`, { status: 409 });
    }
    if (row.trackerStatus === 'pending') return this.get(id);
    if (provider !== undefined && !isProvider(provider)) {
      throw validationError([{ field: 'provider', message: 'must be github, gitlab or jira' }]);
    }
    const conn = provider
      ? await findConnectionRow(ex, row.teamId, provider)
      : ((await listConnectionRows(ex, row.teamId))[0] ?? null);
    if (!conn) {
      throw validationError([
        {
          field: 'provider',
          message: `the item's team has no ${provider ?? 'tracker'} connected (GitHub, GitLab or Jira)`,
        },
      ]);
    }
    const now = this.now();
    await this.deps.db.kysely.transaction().execute(async (trx) => {
      await updateItemRow(trx, id, { trackerStatus: 'pending', trackerError: null, updatedAt: now });
      await enqueueTracker(trx, this.deps.db.engine, id, conn.provider, now);
      await recordAudit(
        trx,
        actor,
        'action_item.tracker_requested',
        { type: 'action_item', id },
        { provider: conn.provider },
        now,
      );
    });
    this.deps.onEnqueued?.();
    return this.get(id);
  }

  /** Rows as API objects: owner, team and incident names fetched once per page. */
  async present(ex: Executor, rows: ActionItemRow[]): Promise<ActionItem[]> {
    const [users, teams, incidents] = await Promise.all([
      userNames(
        ex,
        rows.map((r) => r.ownerUserId),
      ),
      teamNames(
        ex,
        rows.map((r) => r.teamId),
      ),
      incidentHeads(
        ex,
        rows.flatMap((r) => (r.incidentId ? [r.incidentId] : [])),
      ),
    ]);
    const now = this.now();
    return rows.map((r) => toItem(r, users, teams, incidents, now));
  }
}

const KIND_MESSAGE = 'must be mitigate, prevent, detect, process or runbook';

/** Kind 'runbook' needs `runbookId`: a runbook (not archived) of the item's team; other kinds take none. */
async function runbookProblems(
  ex: Executor,
  kind: string,
  runbookId: string | null,
  teamId: string | undefined,
): Promise<FieldProblem[]> {
  if (kind !== 'runbook') {
    return runbookId
      ? [{ field: 'runbookId', message: 'only an "Update the runbook" item (kind runbook) names one' }]
      : [];
  }
  if (!runbookId) return [{ field: 'runbookId', message: 'is required for an "Update the runbook" item' }];
  const rb = await ex
    .selectFrom('runbooks')
    .select(['teamId', 'archivedAt'])
    .where('id', '=', runbookId)
    .executeTakeFirst();
  if (!rb || rb.archivedAt !== null) return [{ field: 'runbookId', message: 'no such runbook' }];
  if (teamId !== undefined && rb.teamId !== teamId) {
    return [{ field: 'runbookId', message: "must be a runbook of the item's team" }];
  }
  return [];
}

function trackerUrlProblems(url: string): FieldProblem[] {
  if (url === '') return [];
  try {
    const u = new URL(url);
    if (u.protocol === 'http:' || u.protocol === 'https:') return [];
  } catch {
    /* below */
  }
  return [{ field: 'trackerUrl', message: 'must be an http(s) link to the issue' }];
}

export function toItem(
  r: ActionItemRow,
  users: Map<string, Named>,
  teams: Map<string, Named>,
  incidents: Map<string, { id: string; title: string; severity: string }>,
  now: number,
): ActionItem {
  return {
    id: r.id,
    postmortemId: r.postmortemId,
    incidentId: r.incidentId,
    incident: r.incidentId ? (incidents.get(r.incidentId) ?? null) : null,
    title: r.title,
    description: r.description,
    owner: users.get(r.ownerUserId) ?? { id: r.ownerUserId, name: r.ownerUserId },
    team: teams.get(r.teamId) ?? { id: r.teamId, name: r.teamId },
    dueAt: r.dueAt,
    priority: r.priority as Priority,
    kind: r.kind as Kind,
    runbookId: r.runbookId,
    status: r.status as Status,
    statusReason: r.statusReason,
    verification: r.verification,
    verificationAlertRule: r.verificationAlertRule,
    sourceSection: r.sourceSection,
    sourceWhyId: r.sourceWhyId,
    tracker: r.trackerUrl ? { provider: r.trackerProvider ?? 'link', key: r.trackerKey, url: r.trackerUrl } : null,
    trackerIssue:
      r.trackerStatus === 'pending' || r.trackerStatus === 'failed'
        ? { status: r.trackerStatus, error: r.trackerError }
        : null,
    isOverdue: isOverdue(r, now),
    createdAt: r.createdAt,
    updatedAt: r.updatedAt,
    doneAt: r.doneAt,
    verifiedAt: r.verifiedAt,
  };
}

/** The reminders for a due date, in the caller's transaction; keyed by item × due date × which, so never twice. */
export async function scheduleReminders(
  trx: Executor,
  engine: Db['engine'],
  itemId: string,
  dueAt: number,
  now: number,
): Promise<void> {
  for (const r of reminderTimes(dueAt, now)) {
    await enqueueJob(
      trx,
      engine,
      {
        kind: REMIND_JOB,
        payload: { itemId, dueAt, which: r.kind } satisfies RemindPayload,
        runAt: r.at,
        uniqueKey: `${REMIND_JOB}:${itemId}:${dueAt}:${r.kind}`,
      },
      now,
    );
  }
}

async function enqueueTracker(trx: Executor, engine: Db['engine'], itemId: string, provider: string, now: number) {
  await enqueueJob(
    trx,
    engine,
    {
      kind: TRACKER_JOB,
      payload: { itemId, provider } satisfies TrackerPayload,
      maxAttempts: 6,
      // One job per request (the item's pending state refuses a second request while one runs).
      uniqueKey: `${TRACKER_JOB}:${itemId}:${newId('trq', now)}`,
    },
    now,
  );
}
