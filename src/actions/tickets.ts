/**
 * Small incidents leave as tickets (issue 22, item 5). Resolving an incident, or downgrading it to P3 or P4, offers to
 * create a ticket in the tracker of a team that owns one of its services (the same GitHub, GitLab or Jira connection as
 * post-mortem action items, src/actions/trackers.ts), with the incident's summary and a link back; the incident keeps
 * the ticket's key and URL, and shows its state.
 *
 * Durable work, never network inside a transaction:
 * - `incidents.createTicket`: claim (read the ticket, the connection and the incident's summary), commit, send to the
 *   tracker, then record the key and URL (fenced with the job's completion) and schedule the first refresh;
 * - `incidents.refreshTicket`: read the issue's state from the tracker and record it; a chain, every
 *   TICKET_REFRESH_MS while the ticket is open (and for at most TICKET_REFRESH_FOR_MS), so a ticket closed in the
 *   tracker shows closed in Muster. "Check now" enqueues one outside the chain.
 * Every change is on the incident's timeline (`ticket_requested`, `ticket_created`, `ticket_failed`,
 * `ticket_state_changed`), so room viewers see it live.
 */
import type { Db, Executor } from '../db/index.js';
import type { IncidentTicketsTable } from '../db/schema.js';
import { recordAudit, systemActor, type Actor } from '../identity/index.js';
import { appendEvent, canActOnIncident, lockIncident, findIncident } from '../incidents/index.js';
import { enqueueJob, type JobHandler } from '../jobs/index.js';
import { DAY, MINUTE, type Clock } from '../shared/clock.js';
import { AppError, conflict, forbidden, notFound, validationError } from '../shared/errors.js';
import type { ResolveAll } from '../shared/net.js';
import { isProvider, PROVIDER_NAMES, type Provider } from './model.js';
import { connectionForSend, fetchIssueState, notConnectedMessage, sendTrackerIssue, type Sealer } from './trackers.js';

export const TICKET_CREATE_JOB = 'incidents.createTicket';
export const TICKET_REFRESH_JOB = 'incidents.refreshTicket';
export const TICKET_REFRESH_MS = 15 * MINUTE;
export const TICKET_REFRESH_FOR_MS = 90 * DAY;

export interface TicketCreatePayload {
  incidentId: string;
}
export interface TicketRefreshPayload {
  incidentId: string;
  /** Part of the every-15-minutes chain (false: someone's "Check now", which schedules nothing). */
  isChain: boolean;
}

export interface TicketView {
  incidentId: string;
  teamId: string;
  teamName: string;
  provider: Provider;
  status: 'pending' | 'created' | 'failed';
  key: string | null;
  url: string | null;
  state: string | null;
  isClosed: boolean;
  stateCheckedAt: number | null;
  error: string | null;
  createdByLabel: string;
  createdAt: number;
}

export interface TicketChoice {
  teamId: string;
  teamName: string;
  provider: Provider;
}

export interface TicketOffer {
  /** Resolved, or P3/P4, with no ticket yet (or only a failed one). */
  isOffered: boolean;
  /** Why it is offered: 'resolved' | 'low_severity' (null when it is not). */
  reason: 'resolved' | 'low_severity' | null;
  /** The trackers it can go to: each team owning an affected service × its connected trackers. */
  choices: TicketChoice[];
}

export const isLowSeverity = (severity: string): boolean => severity === 'P3' || severity === 'P4';

/** Whether a ticket is offered, from the incident's state (pure). */
export function offerReason(incident: { status: string; severity: string }): TicketOffer['reason'] {
  if (incident.status === 'resolved') return 'resolved';
  if (isLowSeverity(incident.severity)) return 'low_severity';
  return null;
}

const ticketNotFound = (incidentId: string): AppError =>
  new AppError('ticket_not_found', `Incident ${incidentId} has no ticket.`, { status: 404 });

async function ticketChoices(ex: Executor, incidentId: string): Promise<TicketChoice[]> {
  const rows = await ex
    .selectFrom('incidentServices')
    .innerJoin('services', 'services.id', 'incidentServices.serviceId')
    .innerJoin('teams', 'teams.id', 'services.teamId')
    .innerJoin('trackerConnections', 'trackerConnections.teamId', 'teams.id')
    .select(['teams.id as teamId', 'teams.name as teamName', 'trackerConnections.provider'])
    .distinct()
    .where('incidentServices.incidentId', '=', incidentId)
    .orderBy('teams.name')
    .orderBy('trackerConnections.provider')
    .execute();
  return rows.filter((r) => isProvider(r.provider)).map((r) => ({ ...r, provider: r.provider as Provider }));
}

async function ticketRow(ex: Executor, incidentId: string) {
  return ex
    .selectFrom('incidentTickets')
    .innerJoin('teams', 'teams.id', 'incidentTickets.teamId')
    .selectAll('incidentTickets')
    .select('teams.name as teamName')
    .where('incidentTickets.incidentId', '=', incidentId)
    .executeTakeFirst();
}

const toView = (r: IncidentTicketsTable & { teamName: string }): TicketView => ({
  incidentId: r.incidentId,
  teamId: r.teamId,
  teamName: r.teamName,
  provider: r.provider as Provider,
  status: r.status as TicketView['status'],
  key: r.key,
  url: r.url,
  state: r.state,
  isClosed: r.isClosed === 1,
  stateCheckedAt: r.stateCheckedAt,
  error: r.error,
  createdByLabel: r.createdByLabel,
  createdAt: r.createdAt,
});

export interface TicketDeps {
  db: Db;
  clock: Clock;
  sealer: Sealer;
  publicUrl: () => string;
  resolve?: ResolveAll | undefined;
  /** Nudge the incident's room in this process after a job's commit (IncidentService.live.poke). */
  poke?: ((incidentId: string) => void) | undefined;
  /** Wake the job runner after a commit that enqueued a job. */
  onEnqueued?: (() => void) | undefined;
}

export class IncidentTicketService {
  constructor(private readonly deps: TicketDeps) {}

  /** The incident's ticket (null: none) and whether one is offered, with the trackers it can go to. */
  async view(incidentId: string): Promise<{ ticket: TicketView | null; offer: TicketOffer }> {
    const ex = this.deps.db.kysely;
    const incident = await findIncident(ex, incidentId);
    if (!incident) throw notFound('incident', incidentId);
    const [row, choices] = await Promise.all([ticketRow(ex, incidentId), ticketChoices(ex, incidentId)]);
    const ticket = row ? toView(row) : null;
    const reason = offerReason(incident);
    const isOffered = reason !== null && (ticket === null || ticket.status === 'failed');
    return { ticket, offer: { isOffered, reason: isOffered ? reason : null, choices } };
  }

  /**
   * Ask for the ticket: whoever may act on the incident. `teamId` and `provider` choose among the offer's choices
   * (needed only when there is more than one). A failed ticket may be asked for again; a pending or created one is
   * 409 ticket_exists.
   */
  async create(
    actor: Actor,
    incidentId: string,
    input: { provider?: string | undefined; teamId?: string | undefined },
  ): Promise<TicketView> {
    const now = this.deps.clock.now();
    const { engine } = this.deps.db;
    await this.deps.db.kysely.transaction().execute(async (trx) => {
      const incident = await lockIncident(trx, engine, incidentId);
      if (!incident) throw notFound('incident', incidentId);
      if (!(await canActOnIncident(trx, actor, incidentId)))
        throw forbidden('Asking for a ticket needs the responder role in a team of an affected service, or a role.');
      const current = await ticketRow(trx, incidentId);
      if (current && current.status !== 'failed')
        throw conflict(
          'ticket_exists',
          `Incident ${incidentId} already has a ticket${current.key ? ` (${current.key})` : ''}.`,
          {
            url: current.url,
          },
        );
      let choices = await ticketChoices(trx, incidentId);
      if (!choices.length)
        throw conflict(
          'tracker_not_connected',
          'No team of the incident’s services has a tracker connected: a team admin connects GitHub, GitLab or Jira in the team’s settings.',
          { field: 'provider' },
        );
      if (input.teamId !== undefined) {
        choices = choices.filter((c) => c.teamId === input.teamId);
        if (!choices.length)
          throw validationError([
            { field: 'teamId', message: 'must be a team that owns an affected service and has a tracker connected' },
          ]);
      }
      if (input.provider !== undefined) {
        choices = choices.filter((c) => c.provider === input.provider);
        if (!choices.length)
          throw validationError([{ field: 'provider', message: 'that tracker is not connected for the team' }]);
      }
      if (choices.length > 1)
        throw validationError([
          {
            field: choices.every((c) => c.teamId === choices[0]!.teamId) ? 'provider' : 'teamId',
            message: `choose one of: ${choices.map((c) => `${c.teamName} ${PROVIDER_NAMES[c.provider]}`).join(', ')}`,
          },
        ]);
      const choice = choices[0]!;
      const values = {
        teamId: choice.teamId,
        provider: choice.provider,
        status: 'pending',
        key: null,
        url: null,
        state: null,
        isClosed: 0 as const,
        stateCheckedAt: null,
        error: null,
        createdByLabel: actor.label,
        createdAt: now,
        updatedAt: now,
      };
      if (current) await trx.updateTable('incidentTickets').set(values).where('incidentId', '=', incidentId).execute();
      else
        await trx
          .insertInto('incidentTickets')
          .values({ incidentId, ...values })
          .execute();
      await appendEvent(
        trx,
        engine,
        incidentId,
        {
          kind: 'ticket_requested',
          actorUserId: actor.userId,
          actorLabel: actor.label,
          body: `Ticket asked for in ${choice.teamName}'s ${PROVIDER_NAMES[choice.provider]}.`,
          details: { teamId: choice.teamId, provider: choice.provider },
        },
        now,
      );
      await enqueueJob(
        trx,
        engine,
        { kind: TICKET_CREATE_JOB, payload: { incidentId } satisfies TicketCreatePayload, maxAttempts: 6 },
        now,
      );
      await recordAudit(
        trx,
        actor,
        'incident.ticket_requested',
        { type: 'incident', id: incidentId },
        { teamId: choice.teamId, provider: choice.provider },
        now,
      );
    });
    this.deps.poke?.(incidentId);
    this.deps.onEnqueued?.();
    return (await this.view(incidentId)).ticket!;
  }

  /** "Check now": one refresh of the ticket's state, outside the chain. */
  async refresh(actor: Actor, incidentId: string): Promise<TicketView> {
    const now = this.deps.clock.now();
    await this.deps.db.kysely.transaction().execute(async (trx) => {
      const row = await ticketRow(trx, incidentId);
      if (!row) throw ticketNotFound(incidentId);
      if (!(await canActOnIncident(trx, actor, incidentId)))
        throw forbidden('Checking the ticket needs the responder role in a team of an affected service, or a role.');
      if (row.status !== 'created') throw conflict('ticket_not_created', 'The ticket is not created yet.');
      await enqueueJob(
        trx,
        this.deps.db.engine,
        { kind: TICKET_REFRESH_JOB, payload: { incidentId, isChain: false } satisfies TicketRefreshPayload },
        now,
      );
    });
    this.deps.onEnqueued?.();
    return (await this.view(incidentId)).ticket!;
  }
}

async function scheduleRefresh(ex: Executor, engine: Db['engine'], incidentId: string, at: number, now: number) {
  await enqueueJob(
    ex,
    engine,
    {
      kind: TICKET_REFRESH_JOB,
      payload: { incidentId, isChain: true } satisfies TicketRefreshPayload,
      runAt: at,
      uniqueKey: `${TICKET_REFRESH_JOB}:${incidentId}:${at}`,
    },
    now,
  );
}

/** The ticket's words: the incident's summary, severity and status, services, findings and decisions. */
async function ticketContent(ex: Executor, incidentId: string, base: string) {
  const incident = (await findIncident(ex, incidentId))!;
  const [services, entries] = await Promise.all([
    ex
      .selectFrom('incidentServices')
      .innerJoin('services', 'services.id', 'incidentServices.serviceId')
      .select('services.name')
      .where('incidentServices.incidentId', '=', incidentId)
      .orderBy('services.name')
      .execute(),
    ex
      .selectFrom('incidentEntries')
      .select(['type', 'status', 'text'])
      .where('incidentId', '=', incidentId)
      .where((eb) =>
        eb.or([
          eb('type', 'in', ['finding', 'decision']),
          eb.and([eb('type', '=', 'hypothesis'), eb('status', '=', 'confirmed')]),
        ]),
      )
      .orderBy('id')
      .limit(20)
      .execute(),
  ]);
  const parts = [
    incident.summary.trim(),
    `Severity ${incident.severity}, ${incident.status}.${services.length ? ` Services: ${services.map((s) => s.name).join(', ')}.` : ''}`,
    ...entries.map((e) => `${e.type === 'decision' ? 'Decision' : 'Finding'}: ${e.text}`),
  ].filter(Boolean);
  return {
    title: `${incident.severity}: ${incident.title}`,
    description: parts.join('\n\n'),
    url: `${base}/incidents/${encodeURIComponent(incidentId)}`,
    linkLabel: 'Incident in Muster',
  };
}

async function recordFailure(deps: TicketDeps, incidentId: string, status: 'pending' | 'failed', error: string) {
  const now = deps.clock.now();
  const { engine } = deps.db;
  await deps.db.kysely.transaction().execute(async (trx) => {
    if (!(await lockIncident(trx, engine, incidentId))) return;
    const row = await ticketRow(trx, incidentId);
    if (!row || row.status !== 'pending') return;
    await trx
      .updateTable('incidentTickets')
      .set({ status, error: error.slice(0, 1000), updatedAt: now })
      .where('incidentId', '=', incidentId)
      .execute();
    if (status === 'failed')
      await appendEvent(
        trx,
        engine,
        incidentId,
        {
          kind: 'ticket_failed',
          actorUserId: null,
          actorLabel: 'Muster',
          body: `The ticket could not be created in ${PROVIDER_NAMES[row.provider as Provider] ?? row.provider}: ${error.slice(0, 300)}`,
          details: { provider: row.provider },
          isFlagged: true,
        },
        now,
      );
  });
  if (status === 'failed') deps.poke?.(incidentId);
}

/** `incidents.createTicket`: claim, commit, send, record. */
export function ticketCreateHandler(deps: TicketDeps): JobHandler<TicketCreatePayload> {
  return async (ctx) => {
    const { incidentId } = ctx.job.payload;
    const row = await ticketRow(deps.db.kysely, incidentId);
    if (!row || row.status !== 'pending' || row.url) {
      await ctx.complete(async () => undefined);
      return;
    }
    const created = await sendTrackerIssue(
      deps,
      ctx.job,
      row,
      () => ticketContent(deps.db.kysely, incidentId, deps.publicUrl()),
      (status, message) => recordFailure(deps, incidentId, status, message),
    );
    if (!created) {
      await ctx.complete(async () => undefined);
      return;
    }
    await ctx.complete(async (trx) => {
      const now = ctx.clock.now();
      const { engine } = deps.db;
      if (!(await lockIncident(trx, engine, incidentId))) return;
      await trx
        .updateTable('incidentTickets')
        .set({
          status: 'created',
          key: created.key,
          url: created.url,
          state: 'open',
          isClosed: 0,
          stateCheckedAt: now,
          error: null,
          updatedAt: now,
        })
        .where('incidentId', '=', incidentId)
        .execute();
      await appendEvent(
        trx,
        engine,
        incidentId,
        {
          kind: 'ticket_created',
          actorUserId: null,
          actorLabel: 'Muster',
          body: `Ticket ${created.key} created: ${created.url}`,
          details: { provider: created.provider, key: created.key, url: created.url },
        },
        now,
      );
      await scheduleRefresh(trx, engine, incidentId, now + TICKET_REFRESH_MS, now);
      await recordAudit(
        trx,
        systemActor('tracker'),
        'incident.ticket_created',
        { type: 'incident', id: incidentId },
        { provider: created.provider, key: created.key, url: created.url },
        now,
      );
    });
    deps.poke?.(incidentId);
  };
}

/**
 * `incidents.refreshTicket`: read the state, record it (a change goes on the timeline), and, in the chain, schedule
 * the next while the ticket is open. A tracker that fails is written on the ticket and tried again at the next link.
 */
export function ticketRefreshHandler(deps: TicketDeps): JobHandler<TicketRefreshPayload> {
  return async (ctx) => {
    const { incidentId, isChain } = ctx.job.payload;
    const row = await ticketRow(deps.db.kysely, incidentId);
    if (!row || row.status !== 'created' || !row.key) {
      await ctx.complete(async () => undefined);
      return;
    }
    const conn = await connectionForSend(deps.db.kysely, deps.sealer, row.teamId, row.provider);
    let state: { state: string; isClosed: boolean } | null = null;
    let error: string | null = conn ? null : notConnectedMessage(row.provider);
    if (conn) {
      try {
        state = await fetchIssueState(conn, row.key, { resolve: deps.resolve });
      } catch (e) {
        error = e instanceof Error ? e.message : String(e);
      }
    }
    let changed = false;
    await ctx.complete(async (trx) => {
      const now = ctx.clock.now();
      const { engine } = deps.db;
      if (!(await lockIncident(trx, engine, incidentId))) return;
      const current = await ticketRow(trx, incidentId);
      if (!current || current.key !== row.key) return;
      const wasClosed = current.isClosed === 1;
      if (state) {
        changed = state.state !== current.state || state.isClosed !== wasClosed;
        await trx
          .updateTable('incidentTickets')
          .set({
            state: state.state,
            isClosed: state.isClosed ? 1 : 0,
            stateCheckedAt: now,
            error: null,
            updatedAt: now,
          })
          .where('incidentId', '=', incidentId)
          .execute();
        if (changed)
          await appendEvent(
            trx,
            engine,
            incidentId,
            {
              kind: 'ticket_state_changed',
              actorUserId: null,
              actorLabel: 'Muster',
              body: `Ticket ${current.key} is now ${state.state}.`,
              details: { key: current.key, from: current.state, to: state.state, isClosed: state.isClosed },
            },
            now,
          );
      } else {
        await trx
          .updateTable('incidentTickets')
          .set({ error: (error ?? '').slice(0, 1000), updatedAt: now })
          .where('incidentId', '=', incidentId)
          .execute();
      }
      const isClosed = state ? state.isClosed : wasClosed;
      const isYoung = now - current.createdAt < TICKET_REFRESH_FOR_MS;
      // The chain goes on while the ticket is open; a "Check now" that finds a closed ticket reopened restarts it.
      if (!isClosed && isYoung && (isChain || (wasClosed && state)))
        await scheduleRefresh(trx, engine, incidentId, now + TICKET_REFRESH_MS, now);
    });
    if (changed) deps.poke?.(incidentId);
  };
}
