/**
 * Live game days (docs/gamedays.md, "Live drills" and "Failure injection and halting"): the drill key and the fire
 * button that send a synthetic alert through the real intake, the failure injection (a signed webhook or a chaos tool
 * adapter) started when the game day starts and rolled back when it halts or ends, and the halt conditions checked by
 * the `gamedays.haltCheck` job while it runs. Implements GamedayHooks: GamedayService calls onStart/onStop inside
 * its transaction, and they only enqueue durable `gamedays.injection` jobs (start, rollback: one each per game day);
 * the job calls the tool between transactions (claim, commit, call, record) and the runner retries a failed rollback.
 */
import type { IntegrationKey } from '../../catalog/repo.js';
import type { Db, Executor } from '../../db/index.js';
import type { Actor } from '../../identity/index.js';
import { recordAudit } from '../../identity/index.js';
import { appendEvent } from '../../incidents/repo.js';
import { enqueueJob, type JobHandler } from '../../jobs/index.js';
import type { IntakeService } from '../../alerts/intake.js';
import { parseGenericEvent } from '../../alerts/generic.js';
import type { Clock } from '../../shared/clock.js';
import { conflict, forbidden, validationError, type FieldProblem } from '../../shared/errors.js';
import { newId } from '../../shared/ids.js';
import { fromJsonText, toJsonText } from '../../shared/json.js';
import type { IncidentService } from '../../incidents/index.js';
import type { Logger } from '../../shared/logger.js';
import { outboundUrlProblem, type ResolveAll } from '../../shared/net.js';
import { addGamedayEvent, findGameday, isTeamActor, listServiceIds, lockGameday, type GamedayRow } from '../repo.js';
import { originOf, type GamedayHooks, type GamedayService } from '../service.js';
import { findDrillKey, insertDrillKey } from './drill-key.js';
import { COMPARATORS, crosses, queryPrometheus, realIncidentOnTargets, type Comparator } from './halt.js';
import { ADAPTERS, PROVIDERS, isObject, type InjectionCall, type Provider } from './injection/index.js';
import { drillEvent, type DrillSeverity } from './labels.js';

export const HALT_CHECK_JOB = 'gamedays.haltCheck';
export const INJECTION_JOB = 'gamedays.injection';
/** A start is not retried after the tool answered (a failure is recorded); these cover a crash or outage. */
const START_MAX_ATTEMPTS = 3;
const ROLLBACK_MAX_ATTEMPTS = 10;
export const DEFAULT_CHECK_EVERY_MS = 15_000;
const MAX_CONDITIONS = 10;
const MAX_CONFIG_CHARS = 20_000;

export interface Sealer {
  seal(text: string): Promise<string>;
  open(sealed: string): Promise<string>;
}

export interface LiveDeps {
  db: Db;
  clock: Clock;
  log: Logger;
  intake: () => IntakeService;
  gamedays: () => GamedayService;
  /** Links a fired drill alert to the drill room, so its acknowledgement is the drill's. */
  incidents?: (() => IncidentService) | undefined;
  sealer: Sealer;
  resolve?: ResolveAll | undefined;
  onEnqueued?: () => void;
}

export interface InjectionInput {
  provider: string;
  url: string;
  secret?: string | undefined;
  config?: Record<string, unknown> | undefined;
  allowPrivateAddress?: boolean | undefined;
}

export type ConditionInput =
  | {
      kind: 'prometheus';
      prometheusUrl: string;
      query: string;
      comparator: string;
      threshold: number;
      allowPrivateAddress?: boolean | undefined;
    }
  | { kind: 'real_incident' };

export interface HaltCheckPayload {
  gamedayId: string;
}

export type InjectionAction = 'start' | 'rollback';
export interface InjectionPayload {
  gamedayId: string;
  action: InjectionAction;
}

type Complete = <T>(fn: (trx: Executor) => Promise<T>) => Promise<T>;

const notActor = () =>
  forbidden("This needs the responder role in the game day's team, being its facilitator, or an administrator.");
const wrongStatus = (g: GamedayRow, doing: string) =>
  conflict('gameday_status', `The game day is ${g.status}: it cannot ${doing}.`, { status: g.status });

export class LiveGamedays implements GamedayHooks {
  /** How often the halt conditions of a running game day are checked. */
  checkEveryMs = DEFAULT_CHECK_EVERY_MS;

  constructor(private readonly deps: LiveDeps) {}

  private now(): number {
    return this.deps.clock.now();
  }

  /** A change by an actor: transaction, game day locked, actor checked. */
  private async mutate<T>(actor: Actor, id: string, fn: (trx: Executor, g: GamedayRow, now: number) => Promise<T>) {
    const now = this.now();
    const out = await this.deps.db.kysely.transaction().execute(async (trx) => {
      const g = await lockGameday(trx, this.deps.db.engine, id);
      if (!(await isTeamActor(trx, actor, g.teamId, g.facilitatorUserId))) throw notActor();
      return fn(trx, g, now);
    });
    this.deps.onEnqueued?.();
    return out;
  }

  /**
   * The private-address guard when a URL is given (as trackers and contact methods do it): a public URL is accepted;
   * a private one only from an organisation administrator who asks for it. Returns whether it may be private.
   */
  private async guard(actor: Actor, url: string, requested: boolean | undefined, field: string): Promise<boolean> {
    if (requested === true && !actor.isAdmin) {
      throw forbidden('Only an administrator may allow a private address for a game day.');
    }
    const problem = await outboundUrlProblem(url, this.deps.resolve);
    if (!problem) return requested === true;
    if (actor.isAdmin && requested === true) return true;
    throw validationError([{ field, message: problem }]);
  }

  // ---- failure injection --------------------------------------------------------------------------------------------

  async putInjection(actor: Actor, id: string, input: InjectionInput): Promise<void> {
    const problems: FieldProblem[] = [];
    if (!(PROVIDERS as readonly string[]).includes(input.provider)) {
      problems.push({ field: 'provider', message: `must be one of ${PROVIDERS.join(', ')}` });
    }
    const config = input.config ?? {};
    if (!isObject(config)) problems.push({ field: 'config', message: 'must be an object' });
    else if (toJsonText(config).length > MAX_CONFIG_CHARS) {
      problems.push({ field: 'config', message: `must be at most ${MAX_CONFIG_CHARS} characters as JSON` });
    }
    if (input.url.length > 2000) problems.push({ field: 'url', message: 'must be at most 2000 characters' });
    if (input.secret !== undefined && (input.secret.length === 0 || input.secret.length > 4000)) {
      problems.push({ field: 'secret', message: 'must be 1 to 4000 characters' });
    }
    if (problems.length) throw validationError(problems);
    const provider = input.provider as Provider;
    const current = await this.deps.db.kysely
      .selectFrom('gamedayInjections')
      .selectAll()
      .where('gamedayId', '=', id)
      .executeTakeFirst();
    const keepSecret = input.secret === undefined && current?.provider === provider ? current.secretSealed : null;
    const adapterProblems = ADAPTERS[provider].problems(config, input.secret !== undefined || keepSecret !== null);
    if (adapterProblems.length) throw validationError(adapterProblems);
    // The URL is checked before the transaction (a DNS lookup), and again when used.
    const allowPrivate = await this.guard(actor, input.url, input.allowPrivateAddress, 'url');
    const secretSealed = input.secret !== undefined ? await this.deps.sealer.seal(input.secret) : keepSecret;
    await this.mutate(actor, id, async (trx, g, now) => {
      if (g.status !== 'scheduled') throw wrongStatus(g, 'change its failure injection (only before it starts)');
      const values = {
        provider,
        url: input.url,
        secretSealed,
        config: toJsonText(config),
        state: 'idle',
        externalRef: null,
        startedAt: null,
        rolledBackAt: null,
        lastError: null,
        allowPrivateAddress: allowPrivate ? (1 as const) : (0 as const),
      };
      const exists = await trx
        .selectFrom('gamedayInjections')
        .select('gamedayId')
        .where('gamedayId', '=', id)
        .executeTakeFirst();
      if (exists) await trx.updateTable('gamedayInjections').set(values).where('gamedayId', '=', id).execute();
      else
        await trx
          .insertInto('gamedayInjections')
          .values({ gamedayId: id, ...values })
          .execute();
      await addGamedayEvent(
        trx,
        id,
        {
          kind: 'injection_set',
          actorLabel: actor.label,
          body: `Failure injection: ${provider} at ${hostOf(input.url)}.`,
          details: { provider },
        },
        now,
      );
      await recordAudit(
        trx,
        actor,
        'gameday.injection_set',
        { type: 'gameday', id },
        // Never the full URL in the audit log: a token in its path or query would leak to every auditor.
        { provider, url: originOf(input.url), allowPrivateAddress: allowPrivate },
        now,
      );
    });
  }

  async removeInjection(actor: Actor, id: string): Promise<void> {
    await this.mutate(actor, id, async (trx, g, now) => {
      if (g.status === 'running' || g.status === 'halted')
        throw wrongStatus(g, 'drop its failure injection while it runs');
      const r = await trx.deleteFrom('gamedayInjections').where('gamedayId', '=', id).executeTakeFirst();
      if (Number(r.numDeletedRows) === 0) return;
      await addGamedayEvent(
        trx,
        id,
        { kind: 'injection_removed', actorLabel: actor.label, body: 'Failure injection removed.' },
        now,
      );
      await recordAudit(trx, actor, 'gameday.injection_removed', { type: 'gameday', id }, {}, now);
    });
  }

  // ---- halt conditions ----------------------------------------------------------------------------------------------

  async putHaltConditions(actor: Actor, id: string, input: { conditions: ConditionInput[] }): Promise<void> {
    const problems: FieldProblem[] = [];
    if (input.conditions.length > MAX_CONDITIONS) {
      problems.push({ field: 'conditions', message: `at most ${MAX_CONDITIONS} conditions` });
    }
    const privateOk: boolean[] = [];
    input.conditions.forEach((c, i) => {
      const at = `conditions/${i}`;
      if (c.kind !== 'prometheus') return;
      if (!c.query.trim() || c.query.length > 2000)
        problems.push({ field: `${at}/query`, message: 'must be 1 to 2000 characters' });
      if (!(COMPARATORS as readonly string[]).includes(c.comparator)) {
        problems.push({ field: `${at}/comparator`, message: `must be one of ${COMPARATORS.join(' ')}` });
      }
      if (!Number.isFinite(c.threshold)) problems.push({ field: `${at}/threshold`, message: 'must be a number' });
      if (c.prometheusUrl.length > 2000)
        problems.push({ field: `${at}/prometheusUrl`, message: 'must be at most 2000 characters' });
    });
    if (input.conditions.filter((c) => c.kind === 'real_incident').length > 1) {
      problems.push({ field: 'conditions', message: 'real_incident at most once' });
    }
    if (problems.length) throw validationError(problems);
    for (const [i, c] of input.conditions.entries()) {
      privateOk[i] =
        c.kind === 'prometheus'
          ? await this.guard(actor, c.prometheusUrl, c.allowPrivateAddress, `conditions/${i}/prometheusUrl`)
          : false;
    }
    await this.mutate(actor, id, async (trx, g, now) => {
      if (g.status !== 'scheduled' && g.status !== 'running') throw wrongStatus(g, 'change its halt conditions');
      await trx.deleteFrom('gamedayHaltConditions').where('gamedayId', '=', id).execute();
      for (const [i, c] of input.conditions.entries()) {
        await trx
          .insertInto('gamedayHaltConditions')
          .values({
            id: newId('gdh', now),
            gamedayId: id,
            kind: c.kind,
            prometheusUrl: c.kind === 'prometheus' ? c.prometheusUrl : null,
            query: c.kind === 'prometheus' ? c.query.trim() : null,
            comparator: c.kind === 'prometheus' ? c.comparator : null,
            threshold: c.kind === 'prometheus' ? c.threshold : null,
            lastValue: null,
            lastCheckedAt: null,
            lastError: null,
            allowPrivateAddress: privateOk[i] ? 1 : 0,
          })
          .execute();
      }
      const body = input.conditions.length
        ? `Halt conditions: ${input.conditions.map(describeCondition).join('; ')}.`
        : 'Halt conditions cleared.';
      await addGamedayEvent(trx, id, { kind: 'halt_conditions_set', actorLabel: actor.label, body }, now);
      await recordAudit(
        trx,
        actor,
        'gameday.halt_conditions_set',
        { type: 'gameday', id },
        { count: input.conditions.length },
        now,
      );
      if (g.status === 'running' && input.conditions.length) await this.scheduleCheck(trx, id, now, now);
    });
  }

  private async scheduleCheck(trx: Executor, id: string, runAt: number, now: number): Promise<void> {
    const payload: HaltCheckPayload = { gamedayId: id };
    await enqueueJob(
      trx,
      this.deps.db.engine,
      { kind: HALT_CHECK_JOB, payload, runAt, uniqueKey: `${HALT_CHECK_JOB}:${id}:${runAt}` },
      now,
    );
  }

  // ---- drill key and fire -------------------------------------------------------------------------------------------

  async createDrillKey(
    actor: Actor,
    id: string,
    input: { serviceId?: string | undefined },
  ): Promise<{ key: string; integrationKey: IntegrationKey }> {
    return this.mutate(actor, id, async (trx, g, now) => {
      if (g.status === 'ended' || g.status === 'cancelled') throw wrongStatus(g, 'get a drill key');
      const serviceIds = await listServiceIds(trx, id);
      const serviceId = input.serviceId ?? serviceIds[0];
      if (!serviceId) throw validationError([{ field: 'serviceId', message: 'the game day has no target service' }]);
      if (!serviceIds.includes(serviceId)) {
        throw validationError([{ field: 'serviceId', message: "must be one of the game day's target services" }]);
      }
      const created = await insertDrillKey(trx, { serviceId, title: g.title, createdBy: actor.label }, now);
      await addGamedayEvent(
        trx,
        id,
        {
          kind: 'drill_key',
          actorLabel: actor.label,
          body: `Drill key ${created.integrationKey.prefix}… created: its alerts page as drills.`,
          details: { integrationKeyId: created.integrationKey.id, serviceId },
        },
        now,
      );
      await recordAudit(
        trx,
        actor,
        'integration_key.created',
        { type: 'integration_key', id: created.integrationKey.id },
        { serviceId, drill: true, gamedayId: id },
        now,
      );
      return created;
    });
  }

  /** A synthetic alert through the real intake, with the game day's drill key (created when it has none). */
  async fire(
    actor: Actor,
    id: string,
    input: { summary?: string | undefined; severity?: DrillSeverity | undefined },
  ): Promise<{ alertId: string | null; outcome: string; serviceId: string }> {
    if (input.summary !== undefined && input.summary.length > 400) {
      throw validationError([{ field: 'summary', message: 'must be at most 400 characters' }]);
    }
    const { key, g, seq } = await this.mutate(actor, id, async (trx, g, now) => {
      if (g.status !== 'running') throw wrongStatus(g, 'fire a drill alert (only while it runs)');
      const serviceIds = await listServiceIds(trx, id);
      let key = await findDrillKey(trx, serviceIds);
      if (!key) {
        if (!serviceIds[0])
          throw validationError([{ field: 'serviceIds', message: 'the game day has no target service' }]);
        const created = await insertDrillKey(
          trx,
          { serviceId: serviceIds[0], title: g.title, createdBy: actor.label },
          now,
        );
        key = { keyId: created.integrationKey.id, serviceId: serviceIds[0], source: 'generic', isDrill: true };
        await recordAudit(
          trx,
          actor,
          'integration_key.created',
          { type: 'integration_key', id: created.integrationKey.id },
          { serviceId: serviceIds[0], drill: true, gamedayId: id },
          now,
        );
      }
      const seq =
        Number(
          (
            await trx
              .selectFrom('gamedayEvents')
              .select((eb) => eb.fn.countAll<number>().as('n'))
              .where('gamedayId', '=', id)
              .where('kind', '=', 'fired')
              .executeTakeFirst()
          )?.n ?? 0,
        ) + 1;
      await addGamedayEvent(
        trx,
        id,
        {
          kind: 'fired',
          actorLabel: actor.label,
          body: `Drill alert ${seq} fired through the intake.`,
          details: { integrationKeyId: key.keyId, seq },
        },
        now,
      );
      return { key, g, seq };
    });
    const body = drillEvent(g, input, seq);
    const parsed = parseGenericEvent(body);
    if ('problems' in parsed) throw validationError(parsed.problems);
    const event = { ...parsed.event, dedupKey: parsed.event.dedupKey ?? `gameday:${id}:${seq}` };
    const [out] = await this.deps.intake().ingest(key, 'generic', [event], body);
    // The alert belongs in the drill room: its acknowledgement becomes the drill's, and the room shows it.
    if (out?.alertId && g.incidentId && this.deps.incidents) {
      try {
        await this.deps.incidents().linkAlert(actor, g.incidentId, out.alertId);
      } catch (err) {
        this.deps.log.warn({ err, gamedayId: id }, 'the drill alert could not be linked to the drill room');
      }
    }
    return { alertId: out?.alertId ?? null, outcome: out?.outcome ?? 'ignored', serviceId: key.serviceId };
  }

  // ---- hooks (inside the game day's transaction: rows and jobs only) ------------------------------------------------

  async onStart(trx: Executor, gamedayId: string, now: number): Promise<void> {
    const hasConditions = await trx
      .selectFrom('gamedayHaltConditions')
      .select('id')
      .where('gamedayId', '=', gamedayId)
      .executeTakeFirst();
    if (hasConditions) await this.scheduleCheck(trx, gamedayId, now, now);
    const injection = await trx
      .selectFrom('gamedayInjections')
      .select('state')
      .where('gamedayId', '=', gamedayId)
      .executeTakeFirst();
    if (injection?.state === 'idle') await this.enqueueInjection(trx, gamedayId, 'start', now);
  }

  async onStop(trx: Executor, gamedayId: string, why: 'halted' | 'ended' | 'cancelled', now: number): Promise<void> {
    const injection = await trx
      .selectFrom('gamedayInjections')
      .select('state')
      .where('gamedayId', '=', gamedayId)
      .executeTakeFirst();
    // The handler decides (nothing started, a start in flight, started); a cancelled game day never started one.
    if (injection && why !== 'cancelled') await this.enqueueInjection(trx, gamedayId, 'rollback', now);
    if (why !== 'halted') await this.revokeDrillKeys(trx, gamedayId, now);
  }

  private async enqueueInjection(trx: Executor, gamedayId: string, action: InjectionAction, now: number) {
    const payload: InjectionPayload = { gamedayId, action };
    await enqueueJob(
      trx,
      this.deps.db.engine,
      {
        kind: INJECTION_JOB,
        payload,
        runAt: now,
        uniqueKey: `${INJECTION_JOB}:${gamedayId}:${action}`,
        maxAttempts: action === 'start' ? START_MAX_ATTEMPTS : ROLLBACK_MAX_ATTEMPTS,
      },
      now,
    );
  }

  /**
   * Revoke the drill keys this game day created or fired through (its drill_key and fired events), unless another
   * game day that has not finished uses the same key too (fire reuses a target service's newest drill key).
   */
  private async revokeDrillKeys(trx: Executor, gamedayId: string, now: number): Promise<void> {
    const keyIdsOf = (rows: { details: string }[]) =>
      rows
        .map((r) => fromJsonText<{ integrationKeyId?: unknown }>(r.details, {}).integrationKeyId)
        .filter((k): k is string => typeof k === 'string');
    const mine = new Set(
      keyIdsOf(
        await trx
          .selectFrom('gamedayEvents')
          .select('details')
          .where('gamedayId', '=', gamedayId)
          .where('kind', 'in', ['drill_key', 'fired'])
          .execute(),
      ),
    );
    if (!mine.size) return;
    const others = new Set(
      keyIdsOf(
        await trx
          .selectFrom('gamedayEvents')
          .innerJoin('gamedays', 'gamedays.id', 'gamedayEvents.gamedayId')
          .select('gamedayEvents.details')
          .where('gamedayEvents.gamedayId', '!=', gamedayId)
          .where('gamedays.status', 'in', ['scheduled', 'running', 'halted'])
          .where('gamedayEvents.kind', 'in', ['drill_key', 'fired'])
          .execute(),
      ),
    );
    const ids = [...mine].filter((k) => !others.has(k));
    if (!ids.length) return;
    const r = await trx
      .updateTable('integrationKeys')
      .set({ revokedAt: now })
      .where('id', 'in', ids)
      .where('isDrill', '=', 1)
      .where('revokedAt', 'is', null)
      .executeTakeFirst();
    if (Number(r.numUpdatedRows) > 0) {
      await addGamedayEvent(
        trx,
        gamedayId,
        {
          kind: 'drill_keys_revoked',
          actorLabel: 'Muster',
          body: `Drill key${ids.length > 1 ? 's' : ''} revoked: ${ids.length > 1 ? 'they page' : 'it pages'} nobody now.`,
          details: { integrationKeyIds: ids },
        },
        now,
      );
    }
  }

  // ---- the failure injection job --------------------------------------------------------------------------------------

  /**
   * The `gamedays.injection` job. Start: claim (state idle → starting, only while the game day runs), commit, call the
   * tool, record started or failed; a start that finishes after the game day stopped makes the waiting rollback due
   * now. Rollback: waits (retries) while a start is in flight; calls the tool for a started injection and records it;
   * a failed rollback is recorded and thrown, so the runner retries it with backoff until it succeeds or the job dies
   * (the last failure is flagged on the drill incident's timeline).
   */
  injectionHandler(): JobHandler<InjectionPayload> {
    return async (ctx) => {
      const { gamedayId, action } = ctx.job.payload;
      if (action === 'start') await this.startInjection(gamedayId, ctx.complete.bind(ctx));
      else await this.rollbackInjection(gamedayId, ctx.job.attempts >= ctx.job.maxAttempts, ctx.complete.bind(ctx));
    };
  }

  private async callOf(gamedayId: string) {
    const ex = this.deps.db.kysely;
    const row = await ex
      .selectFrom('gamedayInjections')
      .selectAll()
      .where('gamedayId', '=', gamedayId)
      .executeTakeFirst();
    const g = await findGameday(ex, gamedayId);
    if (!row || !g) return null;
    const call: InjectionCall = {
      gamedayId,
      title: g.title,
      url: row.url,
      secret: row.secretSealed ? await this.deps.sealer.open(row.secretSealed) : null,
      config: fromJsonText<Record<string, unknown>>(row.config, {}),
      externalRef: row.externalRef,
      publicOnly: row.allowPrivateAddress !== 1,
      resolve: this.deps.resolve,
      now: this.now(),
    };
    return { provider: row.provider as Provider, call };
  }

  private async startInjection(gamedayId: string, complete: Complete): Promise<void> {
    const engine = this.deps.db.engine;
    // Claim: the game day locked, so a halt or end either committed before (nothing starts) or waits for this.
    const claimed = await this.deps.db.kysely.transaction().execute(async (trx) => {
      const g = await lockGameday(trx, engine, gamedayId);
      const row = await trx
        .selectFrom('gamedayInjections')
        .select('state')
        .where('gamedayId', '=', gamedayId)
        .executeTakeFirst();
      if (!row || g.status !== 'running' || (row.state !== 'idle' && row.state !== 'starting')) return false;
      await trx
        .updateTable('gamedayInjections')
        .set({ state: 'starting' })
        .where('gamedayId', '=', gamedayId)
        .execute();
      return true;
    });
    if (!claimed) return complete(async () => undefined);
    const it = await this.callOf(gamedayId);
    if (!it) return complete(async () => undefined);
    let error: string | null = null;
    let externalRef = it.call.externalRef;
    try {
      externalRef = (await ADAPTERS[it.provider].start(it.call)).externalRef;
    } catch (e) {
      error = (e instanceof Error ? e.message : String(e)).slice(0, 500);
      this.deps.log.warn({ gamedayId, provider: it.provider, error }, 'game day failure injection start failed');
    }
    await complete(async (trx) => {
      const now = this.now();
      const g = await lockGameday(trx, engine, gamedayId);
      const stopped = g.status !== 'running';
      await trx
        .updateTable('gamedayInjections')
        .set(
          error
            ? { state: 'failed', lastError: error }
            : { state: 'started', externalRef, startedAt: now, lastError: null },
        )
        .where('gamedayId', '=', gamedayId)
        .execute();
      await addGamedayEvent(
        trx,
        gamedayId,
        {
          kind: error ? 'injection_start_failed' : 'injection_started',
          actorLabel: 'Muster',
          body: error
            ? `Failure injection (${it.provider}) could not be started: ${error}`
            : `Failure injection (${it.provider}) started.${stopped ? ` The game day is ${g.status}: rolling it back now.` : ''}`,
          details: { provider: it.provider, externalRef, error },
        },
        now,
      );
      if (!error && stopped) {
        // The rollback enqueued by the halt or end waits for this start: make it due now (or enqueue it).
        await trx
          .updateTable('jobs')
          .set({ runAt: now, updatedAt: now })
          .where('uniqueKey', '=', `${INJECTION_JOB}:${gamedayId}:rollback`)
          .where('status', '=', 'pending')
          .execute();
        await this.enqueueInjection(trx, gamedayId, 'rollback', now);
      }
    });
    this.deps.onEnqueued?.();
  }

  private async rollbackInjection(gamedayId: string, lastAttempt: boolean, complete: Complete): Promise<void> {
    const ex = this.deps.db.kysely;
    const row = await ex
      .selectFrom('gamedayInjections')
      .select('state')
      .where('gamedayId', '=', gamedayId)
      .executeTakeFirst();
    if (!row) return complete(async () => undefined);
    const start = await ex
      .selectFrom('jobs')
      .select('status')
      .where('uniqueKey', '=', `${INJECTION_JOB}:${gamedayId}:start`)
      .executeTakeFirst();
    const startPending = start?.status === 'pending' || start?.status === 'running';
    if ((row.state === 'starting' || row.state === 'idle') && startPending) {
      // A start is due or in flight: it finds the game day stopped (nothing starts), or records its outcome and makes
      // this job due again. Deferred: no attempt used.
      throw Object.assign(new Error('the failure injection start has not finished'), { isDeferral: true });
    }
    // 'starting' with its job gone (it died mid-call): the tool may have started it, so roll back to be safe.
    if (row.state !== 'started' && row.state !== 'starting') return complete(async () => undefined);
    const it = await this.callOf(gamedayId);
    if (!it) return complete(async () => undefined);
    let error: string | null = null;
    try {
      await ADAPTERS[it.provider].rollback(it.call);
    } catch (e) {
      error = (e instanceof Error ? e.message : String(e)).slice(0, 500);
      this.deps.log.warn({ gamedayId, provider: it.provider, error }, 'game day failure injection rollback failed');
    }
    if (!error) {
      await complete(async (trx) => {
        const now = this.now();
        await trx
          .updateTable('gamedayInjections')
          .set({ state: 'rolled_back', rolledBackAt: now, lastError: null })
          .where('gamedayId', '=', gamedayId)
          .execute();
        await addGamedayEvent(
          trx,
          gamedayId,
          {
            kind: 'injection_rolled_back',
            actorLabel: 'Muster',
            body: `Failure injection (${it.provider}) rolled back.`,
            details: { provider: it.provider, externalRef: it.call.externalRef },
          },
          now,
        );
      });
      return;
    }
    // Recorded, then thrown: the runner retries with backoff; the last attempt is flagged on the drill room's timeline.
    await ex.transaction().execute(async (trx) => {
      const now = this.now();
      await trx.updateTable('gamedayInjections').set({ lastError: error }).where('gamedayId', '=', gamedayId).execute();
      await addGamedayEvent(
        trx,
        gamedayId,
        {
          kind: lastAttempt ? 'injection_rollback_abandoned' : 'injection_rollback_failed',
          actorLabel: 'Muster',
          body: lastAttempt
            ? `Failure injection (${it.provider}) could not be rolled back and Muster has stopped trying: ${error} Roll it back by hand.`
            : `Failure injection (${it.provider}) could not be rolled back: ${error} Retrying.`,
          details: { provider: it.provider, externalRef: it.call.externalRef, error, flagged: lastAttempt },
        },
        now,
      );
      const g = await findGameday(trx, gamedayId);
      if (lastAttempt && g?.incidentId) {
        await appendEvent(
          trx,
          this.deps.db.engine,
          g.incidentId,
          {
            kind: 'gameday_injection_rollback_failed',
            actorUserId: null,
            actorLabel: 'Muster',
            body: `The failure injection (${it.provider}) could not be rolled back: ${error} Roll it back by hand.`,
            details: { gamedayId },
            isFlagged: true,
          },
          now,
        );
      }
    });
    throw new Error(`failure injection rollback failed: ${error}`);
  }

  // ---- halt checks --------------------------------------------------------------------------------------------------

  /** Check every halt condition of a running game day once; halt it when one holds. */
  async check(gamedayId: string): Promise<'not_running' | 'clear' | 'halted'> {
    const ex = this.deps.db.kysely;
    const g = await findGameday(ex, gamedayId);
    if (!g || g.status !== 'running' || g.startedAt === null) return 'not_running';
    const conditions = await ex
      .selectFrom('gamedayHaltConditions')
      .selectAll()
      .where('gamedayId', '=', gamedayId)
      .orderBy('id')
      .execute();
    let reason: { kind: 'real_incident' | 'prometheus'; detail: string } | null = null;
    for (const c of conditions) {
      if (c.kind === 'real_incident') {
        const real = await realIncidentOnTargets(ex, gamedayId, g.startedAt);
        if (real && !reason)
          reason = {
            kind: 'real_incident',
            detail: `${real.severity} "${real.title}" (${real.id}) was declared on a target service.`,
          };
        continue;
      }
      const comparator = c.comparator as Comparator;
      let value: number | null = null;
      let error: string | null = null;
      try {
        value = await queryPrometheus(c.prometheusUrl ?? '', c.query ?? '', comparator, {
          publicOnly: c.allowPrivateAddress !== 1,
          resolve: this.deps.resolve,
        });
      } catch (e) {
        error = (e instanceof Error ? e.message : String(e)).slice(0, 500);
      }
      await ex
        .updateTable('gamedayHaltConditions')
        .set({ lastValue: value, lastCheckedAt: this.now(), lastError: error })
        .where('id', '=', c.id)
        .execute();
      if (value !== null && c.threshold !== null && crosses(value, comparator, c.threshold) && !reason) {
        reason = { kind: 'prometheus', detail: `${c.query} = ${value} (${c.comparator} ${c.threshold}).` };
      }
    }
    if (!reason) return 'clear';
    try {
      await this.deps.gamedays().halt('system', gamedayId, reason);
    } catch (e) {
      if ((e as { code?: string }).code === 'gameday_status') return 'not_running'; // halted or ended meanwhile
      throw e;
    }
    return 'halted';
  }

  /** The `gamedays.haltCheck` job: check, then (still running) check again after `checkEveryMs`. */
  haltCheckHandler(): JobHandler<HaltCheckPayload> {
    return async (ctx) => {
      const id = ctx.job.payload.gamedayId;
      const result = await this.check(id);
      await ctx.complete(async (trx) => {
        if (result !== 'clear') return;
        const now = ctx.clock.now();
        await this.scheduleCheck(trx, id, now + this.checkEveryMs, now);
      });
    };
  }
}

function hostOf(url: string): string {
  try {
    return new URL(url).host;
  } catch {
    return 'an invalid URL';
  }
}

function describeCondition(c: ConditionInput): string {
  return c.kind === 'real_incident'
    ? 'a real P1/P2 declared on a target service'
    : `${c.query.trim()} ${c.comparator} ${c.threshold} (Prometheus)`;
}
