/**
 * The Muster agent (docs/runbooks.md, "The agent"): agents and their tokens, the protocol, the lease job. One
 * AgentService per database, shared by the routes and the job runner (`agentServiceFor`).
 */
import { sql } from 'kysely';
import type { Db, Executor } from '../../db/index.js';
import { AgentService, AGENT_LEASE_JOB, AGENT_RUNS_CHANNEL, type AgentDeps } from './service.js';

export {
  AgentService,
  AGENT_LEASE_JOB,
  AGENT_RUNS_CHANNEL,
  checkAgentCommand,
  agentActionConfig,
  type Agent,
  type AgentReport,
  type PolledRun,
} from './service.js';
export * from './model.js';

const byDb = new WeakMap<Db, AgentService>();

/** The process's AgentService for this database (created on first use). */
export function agentServiceFor(deps: AgentDeps): AgentService {
  let s = byDb.get(deps.db);
  if (!s) {
    s = new AgentService(deps);
    byDb.set(deps.db, s);
  }
  return s;
}

/**
 * A run of an agent action was queued: wake the team's waiting agents. Call it inside the queuing transaction: on
 * PostgreSQL the NOTIFY reaches every process at commit (and never when it rolls back); on SQLite the waiting poll's
 * claim waits for the one connection, so it sees the commit. Agents also look every second without one.
 */
export async function nudgeAgents(db: Db, ex: Executor, teamId: string): Promise<void> {
  const service = byDb.get(db);
  if (service) await service.live.publish(ex, teamId);
  else if (db.engine === 'postgres') await sql`select pg_notify(${AGENT_RUNS_CHANNEL}, ${teamId})`.execute(ex);
}

/** The agent's durable jobs, for src/server.ts. */
export function agentJobs(deps: AgentDeps): { kind: string; handler: ReturnType<AgentService['leaseHandler']> }[] {
  return [{ kind: AGENT_LEASE_JOB, handler: agentServiceFor(deps).leaseHandler() }];
}
