/**
 * Muster agents (docs/runbooks.md, "The agent"): identities with their own revocable tokens, and the protocol an agent
 * speaks: poll (a long-poll that claims the next queued run of its team whose command it allows), output, heartbeat,
 * finish. A claimed run holds a lease that output and heartbeats extend; a durable job ends a run whose lease ran out
 * as failed ("the agent stopped answering").
 */
import { timingSafeEqual } from 'node:crypto';
import type { Db, Executor } from '../../db/index.js';
import { LiveChannel } from '../../db/live.js';
import { recordAudit, systemActor, type Actor } from '../../identity/audit.js';
import type { TeamService } from '../../identity/index.js';
import { enqueueJob } from '../../jobs/repo.js';
import type { JobHandler } from '../../jobs/runner.js';
import type { Clock } from '../../shared/clock.js';
import { sha256Hex } from '../../shared/crypto.js';
import { conflict, notFound, unauthenticated, validationError } from '../../shared/errors.js';
import { newId, newSecret } from '../../shared/ids.js';
import { fromJsonText, toJsonText } from '../../shared/json.js';
import type { AppError } from '../../shared/errors.js';
import type { Logger } from '../../shared/logger.js';
import { agentInvocation, appendOutput, finishRun, markRunStarted, type RunOutcome } from '../runs.js';
import { AGENT_LOST, AGENT_REVOKED, AGENT_TOKEN_PREFIX, CONNECTED_MS, LEASE_MS, POLL_WAIT_MS } from './model.js';

export const AGENT_LEASE_JOB = 'remediation.agent_lease';
export const AGENT_RUNS_CHANNEL = 'muster_agent_runs';
/** Without a nudge, a waiting poll looks for a queued run this often. */
const RECHECK_MS = 1000;

export interface Agent {
  id: string;
  teamId: string;
  name: string;
  tokenPrefix: string;
  lastSeenAt: number | null;
  connected: boolean;
  commands: string[];
  host: string | null;
  version: string | null;
  revokedAt: number | null;
  runningRunId: string | null;
  createdAt: number;
}

export interface AgentReport {
  commands: { name: string; description?: string | undefined }[];
  host: string;
  version: string;
  dryRunCommands?: string[] | undefined;
}

interface Reported {
  commands?: string[];
  descriptions?: Record<string, string>;
  dryRunCommands?: string[];
  host?: string;
  version?: string;
}

export interface AuthenticatedAgent {
  id: string;
  teamId: string;
  name: string;
}

export interface PolledRun {
  id: string;
  command: string;
  args: string[];
  dryRun: boolean;
  timeoutSeconds: number;
}

export interface AgentDeps {
  db: Db;
  clock: Clock;
  log: Logger;
  teams: TeamService;
  onEnqueued?: () => void;
}

interface AgentActionConfig {
  agentId: string | null;
  command: string;
  args: string[];
  dryRunArgs: string[] | null;
}

export function agentActionConfig(config: string): AgentActionConfig {
  const c = fromJsonText<Record<string, unknown>>(config, {});
  const list = (v: unknown): string[] | null =>
    Array.isArray(v) ? v.filter((x): x is string => typeof x === 'string') : null;
  return {
    agentId: typeof c.agentId === 'string' ? c.agentId : null,
    command: typeof c.command === 'string' ? c.command : '',
    args: list(c.args) ?? [],
    dryRunArgs: list(c.dryRunArgs),
  };
}

const agentNotFound = (id: string): AppError => notFound('agent', id);

/**
 * Refuse to queue a command an agent does not allow: 409 `command_not_allowed` naming the command when the action
 * names an agent that reported its allow-list without it, or when none of the team's agents that reported one lists
 * it. (An agent not heard from yet is not known: its run waits.) Call it where runs are queued.
 */
export async function checkAgentCommand(
  ex: Executor,
  input: { teamId: string; agentId: string | null; command: string },
): Promise<void> {
  let q = ex
    .selectFrom('remediationAgents')
    .select(['id', 'name', 'reported'])
    .where('teamId', '=', input.teamId)
    .where('revokedAt', 'is', null);
  if (input.agentId) q = q.where('id', '=', input.agentId);
  const agents = await q.execute();
  if (input.agentId && agents.length === 0) {
    throw validationError([{ field: 'agent.agentId', message: `no active agent ${input.agentId} in this team` }]);
  }
  const known = agents.map((a) => fromJsonText<Reported>(a.reported, {})).filter((r) => Array.isArray(r.commands));
  if (known.length === 0) return;
  if (!known.some((r) => r.commands!.includes(input.command))) {
    const names = input.agentId ? `agent ${agents[0]!.name}` : "the team's agents";
    throw conflict(
      'command_not_allowed',
      `The command "${input.command}" is not in the allow-list of ${names}. Add it to the agent's config first.`,
      { command: input.command },
    );
  }
}

export class AgentService {
  readonly live: LiveChannel;
  private leaseMs = LEASE_MS;
  private pollWaitMs = POLL_WAIT_MS;
  private isStopping = false;
  private readonly wakeOnStop = new Set<() => void>();

  constructor(private readonly deps: AgentDeps) {
    this.live = new LiveChannel({ db: deps.db, log: deps.log, channel: AGENT_RUNS_CHANNEL, label: 'agent polls' });
  }

  /** Tests shorten the poll. */
  setTiming(t: { pollWaitMs?: number; leaseMs?: number }): void {
    if (t.pollWaitMs !== undefined) this.pollWaitMs = t.pollWaitMs;
    if (t.leaseMs !== undefined) this.leaseMs = t.leaseMs;
  }

  /** Answer waiting polls now (the server is closing). */
  async stop(): Promise<void> {
    this.isStopping = true;
    for (const wake of this.wakeOnStop) wake();
    await this.live.stop();
  }

  // ---- management ---------------------------------------------------------------------------------------------------

  async list(filter: { teamId?: string | undefined } = {}): Promise<Agent[]> {
    let q = this.deps.db.kysely.selectFrom('remediationAgents').selectAll().orderBy('name');
    if (filter.teamId) q = q.where('teamId', '=', filter.teamId);
    const rows = await q.execute();
    if (rows.length === 0) return [];
    const running = await this.deps.db.kysely
      .selectFrom('remediationRuns')
      .select(['id', 'agentId'])
      .where(
        'agentId',
        'in',
        rows.map((r) => r.id),
      )
      .where('status', '=', 'running')
      .execute();
    const now = this.deps.clock.now();
    return rows.map((r) => {
      const rep = fromJsonText<Reported>(r.reported, {});
      return {
        id: r.id,
        teamId: r.teamId,
        name: r.name,
        tokenPrefix: r.tokenPrefix,
        lastSeenAt: r.lastSeenAt,
        connected: r.revokedAt === null && r.lastSeenAt !== null && now - r.lastSeenAt <= CONNECTED_MS,
        commands: rep.commands ?? [],
        host: rep.host ?? null,
        version: rep.version ?? null,
        revokedAt: r.revokedAt,
        runningRunId: running.find((x) => x.agentId === r.id)?.id ?? null,
        createdAt: r.createdAt,
      };
    });
  }

  async get(id: string): Promise<Agent> {
    const row = await this.deps.db.kysely
      .selectFrom('remediationAgents')
      .select('teamId')
      .where('id', '=', id)
      .executeTakeFirst();
    if (!row) throw agentNotFound(id);
    return (await this.list({ teamId: row.teamId })).find((a) => a.id === id)!;
  }

  async create(actor: Actor, input: { teamId: string; name: string }): Promise<{ agent: Agent; token: string }> {
    const name = input.name.trim();
    if (!/^[A-Za-z0-9][A-Za-z0-9 _.-]{0,62}$/.test(name)) {
      throw validationError([
        { field: 'name', message: 'must be 1 to 63 letters, digits, spaces, ".", "_" or "-", starting with one' },
      ]);
    }
    const team = await this.deps.db.kysely
      .selectFrom('teams')
      .select('id')
      .where('id', '=', input.teamId)
      .executeTakeFirst();
    if (!team) throw validationError([{ field: 'teamId', message: `no team with id ${input.teamId}` }]);
    await this.deps.teams.requireRole(actor, input.teamId, 'admin');
    const now = this.deps.clock.now();
    const token = `${AGENT_TOKEN_PREFIX}${newSecret()}`;
    const id = newId('agt', now);
    await this.deps.db.kysely.transaction().execute(async (trx) => {
      await trx
        .insertInto('remediationAgents')
        .values({
          id,
          teamId: input.teamId,
          name,
          tokenHash: sha256Hex(token),
          tokenPrefix: token.slice(0, 12),
          reported: '{}',
          lastSeenAt: null,
          revokedAt: null,
          createdByUserId: actor.userId,
          createdAt: now,
        })
        .execute();
      await recordAudit(trx, actor, 'agent.created', { type: 'agent', id }, { teamId: input.teamId, name }, now);
    });
    return { agent: await this.get(id), token };
  }

  /** Revoke: the token stops working at once and a run the agent holds ends failed. */
  async revoke(actor: Actor, id: string): Promise<void> {
    const now = this.deps.clock.now();
    await this.deps.db.kysely.transaction().execute(async (trx) => {
      const row = await trx
        .selectFrom('remediationAgents')
        .select(['id', 'teamId', 'name', 'revokedAt'])
        .where('id', '=', id)
        .executeTakeFirst();
      if (!row) throw agentNotFound(id);
      if (row.revokedAt !== null) return;
      await trx.updateTable('remediationAgents').set({ revokedAt: now }).where('id', '=', id).execute();
      await recordAudit(
        trx,
        actor,
        'agent.revoked',
        { type: 'agent', id },
        { teamId: row.teamId, name: row.name },
        now,
      );
      const held = await trx
        .selectFrom('remediationRuns')
        .select('id')
        .where('agentId', '=', id)
        .where('status', '=', 'running')
        .execute();
      for (const r of held) {
        await endAgentRun(trx, r.id, { status: 'failed', error: AGENT_REVOKED }, row.name, now);
      }
    });
  }

  // ---- the protocol -------------------------------------------------------------------------------------------------

  /** The agent behind a bearer token: 401 unless it is a live agent token. The hash is compared in constant time. */
  async authenticate(header: string | undefined): Promise<AuthenticatedAgent> {
    const [scheme, value] = (header ?? '').split(' ', 2);
    const token = value?.trim() ?? '';
    if (scheme?.toLowerCase() !== 'bearer' || !token.startsWith(AGENT_TOKEN_PREFIX)) {
      throw unauthenticated('Send the agent token as: Authorization: Bearer mag_….');
    }
    const hash = sha256Hex(token);
    const row = await this.deps.db.kysely
      .selectFrom('remediationAgents')
      .select(['id', 'teamId', 'name', 'tokenHash', 'revokedAt'])
      .where('tokenHash', '=', hash)
      .executeTakeFirst();
    const same = row !== undefined && timingSafeEqual(Buffer.from(row.tokenHash), Buffer.from(hash));
    if (!row || !same || row.revokedAt !== null) {
      throw unauthenticated('The agent token is not valid, or the agent was revoked.');
    }
    return { id: row.id, teamId: row.teamId, name: row.name };
  }

  /**
   * Record what the agent reports, then wait up to 25 s for a queued run it may take (woken by a nudge on the
   * channel, or a re-check every second). `isGone` says the agent hung up: nothing is claimed for it then.
   */
  async poll(agent: AuthenticatedAgent, report: AgentReport, isGone: () => boolean): Promise<PolledRun | null> {
    const reported: Reported = {
      commands: report.commands.map((c) => c.name),
      descriptions: Object.fromEntries(report.commands.map((c) => [c.name, c.description ?? ''])),
      dryRunCommands: report.dryRunCommands ?? [],
      host: report.host,
      version: report.version,
    };
    await this.deps.db.kysely
      .updateTable('remediationAgents')
      .set({ reported: toJsonText(reported), lastSeenAt: this.deps.clock.now() })
      .where('id', '=', agent.id)
      .execute();
    await this.live.ensureListening().catch((err: unknown) => {
      this.deps.log.warn({ err }, 'agent polls cannot LISTEN; they re-check every second');
    });
    const deadline = Date.now() + this.pollWaitMs;
    for (;;) {
      if (isGone() || this.isStopping) return null;
      const run = await this.claim(agent, reported);
      if (run) return run;
      const left = deadline - Date.now();
      if (left <= 0) return null;
      await this.waitForNudge(agent.teamId, Math.min(left, RECHECK_MS));
    }
  }

  private waitForNudge(teamId: string, ms: number): Promise<void> {
    return new Promise((resolve) => {
      const done = (): void => {
        clearTimeout(timer);
        unsubscribe();
        this.wakeOnStop.delete(done);
        resolve();
      };
      const timer = setTimeout(done, ms);
      const unsubscribe = this.live.subscribe(teamId, done);
      this.wakeOnStop.add(done);
    });
  }

  /** Claim the team's oldest queued agent run this agent may take (FOR UPDATE SKIP LOCKED on PostgreSQL). */
  private async claim(agent: AuthenticatedAgent, reported: Reported): Promise<PolledRun | null> {
    const allowed = new Set(reported.commands ?? []);
    const dry = new Set(reported.dryRunCommands ?? []);
    const { db, clock } = this.deps;
    return db.kysely.transaction().execute(async (trx) => {
      const me = await trx
        .selectFrom('remediationAgents')
        .select('revokedAt')
        .where('id', '=', agent.id)
        .executeTakeFirst();
      if (!me || me.revokedAt !== null) throw unauthenticated('The agent was revoked.');
      let q = trx
        .selectFrom('remediationRuns as r')
        .innerJoin('remediationActions as a', 'a.id', 'r.actionId')
        .select(['r.id', 'r.dryRun', 'a.config'])
        .where('r.teamId', '=', agent.teamId)
        .where('r.status', '=', 'queued')
        .where('a.kind', '=', 'agent')
        .orderBy('r.createdAt')
        .orderBy('r.id')
        .limit(50);
      if (db.engine === 'postgres') q = q.forUpdate('r').skipLocked();
      const candidates = await q.execute();
      const now = clock.now();
      for (const c of candidates) {
        const config = agentActionConfig(c.config);
        if (config.agentId !== null && config.agentId !== agent.id) continue;
        if (!allowed.has(config.command)) continue;
        if (c.dryRun && !dry.has(config.command)) continue;
        // The argv from the values validated and stored when the run was requested (one renderer: ../model.ts).
        const invocation = await agentInvocation(trx, c.id);
        if (!invocation || invocation.refused) {
          const error = invocation?.refused ?? 'the run is not an agent run';
          await endAgentRun(trx, c.id, { status: 'failed', error }, agent.name, now);
          continue;
        }
        const leaseUntil = now + this.leaseMs;
        const by = { userId: null, label: `agent ${agent.name}` };
        if (!(await markRunStarted(trx, c.id, now, { agentId: agent.id, leaseUntil, by }))) continue;
        await enqueueJob(
          trx,
          db.engine,
          {
            kind: AGENT_LEASE_JOB,
            payload: { runId: c.id },
            runAt: leaseUntil,
            uniqueKey: `${AGENT_LEASE_JOB}:${c.id}:0`,
          },
          now,
        );
        return {
          id: c.id,
          command: invocation.command,
          args: invocation.args,
          dryRun: invocation.dryRun,
          timeoutSeconds: invocation.timeoutSeconds,
        };
      }
      return null;
    });
  }

  /** A run this agent holds, still running: or 409 `run_not_running` (cancelled, finished, lost), telling it to stop. */
  private async heldRun(trx: Executor, agent: AuthenticatedAgent, runId: string): Promise<void> {
    let q = trx.selectFrom('remediationRuns').select(['id', 'status', 'agentId']).where('id', '=', runId);
    if (this.deps.db.engine === 'postgres') q = q.forUpdate();
    const run = await q.executeTakeFirst();
    if (!run || run.agentId !== agent.id) throw notFound('run', runId);
    if (run.status !== 'running') {
      throw conflict('run_not_running', `The run is ${run.status}: stop the command.`, { status: run.status });
    }
  }

  private async touch(trx: Executor, agent: AuthenticatedAgent, runId: string, now: number): Promise<void> {
    await trx
      .updateTable('remediationRuns')
      .set({ leaseUntil: now + this.leaseMs, updatedAt: now })
      .where('id', '=', runId)
      .execute();
    await trx.updateTable('remediationAgents').set({ lastSeenAt: now }).where('id', '=', agent.id).execute();
  }

  async output(
    agent: AuthenticatedAgent,
    runId: string,
    chunk: { seq: number; stream: 'stdout' | 'stderr' | 'system'; chunk: string },
  ): Promise<void> {
    const now = this.deps.clock.now();
    await this.deps.db.kysely.transaction().execute(async (trx) => {
      await this.heldRun(trx, agent, runId);
      await appendOutput(trx, runId, chunk, now);
      await this.touch(trx, agent, runId, now);
    });
  }

  async heartbeat(agent: AuthenticatedAgent, runId: string): Promise<void> {
    const now = this.deps.clock.now();
    await this.deps.db.kysely.transaction().execute(async (trx) => {
      await this.heldRun(trx, agent, runId);
      await this.touch(trx, agent, runId, now);
    });
  }

  async finish(
    agent: AuthenticatedAgent,
    runId: string,
    input: { exitCode: number | null; error?: string | undefined; timedOut?: boolean | undefined },
  ): Promise<void> {
    const now = this.deps.clock.now();
    await this.deps.db.kysely.transaction().execute(async (trx) => {
      await this.heldRun(trx, agent, runId);
      const status = input.timedOut ? 'timed_out' : input.exitCode === 0 && !input.error ? 'succeeded' : 'failed';
      const error = input.error?.slice(0, 2000) ?? (input.timedOut ? 'the command ran past its timeout' : null);
      await endAgentRun(trx, runId, { status, exitCode: input.exitCode, error }, agent.name, now);
      await trx.updateTable('remediationAgents').set({ lastSeenAt: now }).where('id', '=', agent.id).execute();
    });
  }

  /** The durable job that ends a run whose lease ran out, or looks again when the lease was extended. */
  leaseHandler(): JobHandler<{ runId: string }> {
    return async (ctx) =>
      ctx.complete(async (trx) => {
        const now = ctx.clock.now();
        // Locked (PostgreSQL) so a heartbeat extending the lease is read after it commits, not overtaken by it.
        let q = trx
          .selectFrom('remediationRuns')
          .select(['id', 'status', 'leaseUntil', 'agentId'])
          .where('id', '=', ctx.job.payload.runId);
        if (ctx.db.engine === 'postgres') q = q.forUpdate();
        const run = await q.executeTakeFirst();
        if (!run || run.status !== 'running' || run.leaseUntil === null) return;
        if (run.leaseUntil > now) {
          await enqueueJob(
            trx,
            ctx.db.engine,
            {
              kind: AGENT_LEASE_JOB,
              payload: { runId: run.id },
              runAt: run.leaseUntil,
              uniqueKey: `${AGENT_LEASE_JOB}:${run.id}:${run.leaseUntil}`,
            },
            now,
          );
          return;
        }
        const agent = run.agentId
          ? await trx.selectFrom('remediationAgents').select('name').where('id', '=', run.agentId).executeTakeFirst()
          : undefined;
        await endAgentRun(trx, run.id, { status: 'failed', error: AGENT_LOST }, agent?.name ?? null, now);
      });
  }
}

/** End a run an agent held (finished, lost or revoked) through remediation's one path: audited, on the timeline. */
function endAgentRun(
  trx: Executor,
  runId: string,
  outcome: Omit<RunOutcome, 'actor'>,
  agentName: string | null,
  now: number,
): Promise<boolean> {
  return finishRun(trx, runId, { ...outcome, actor: systemActor(agentName ? `agent ${agentName}` : 'agent') }, now);
}
