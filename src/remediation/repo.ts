/** Rows of remediation actions and runs, and the shapes the service returns (timestamps in ms). */
import type { Executor } from '../db/index.js';
import type { Insertable } from 'kysely';
import type { RemediationActionsTable, RemediationRunsTable } from '../db/schema.js';
import { fromJsonText } from '../shared/json.js';
import type {
  ActionKind,
  ActionMode,
  AgentConfig,
  AutoConditions,
  HttpConfig,
  Param,
  RunStatus,
  RunTrigger,
} from './model.js';

/** Where the sealed values of sensitive headers live inside an HTTP action's config (never returned). */
export interface StoredHttpConfig extends HttpConfig {
  sealedHeaders?: Record<string, string>;
}

export const HIDDEN = '[hidden]';

export interface Action {
  id: string;
  teamId: string;
  runbookId: string | null;
  slug: string;
  name: string;
  description: string;
  kind: ActionKind;
  mode: ActionMode;
  enabled: boolean;
  params: Param[];
  timeoutSeconds: number;
  rateLimitPerHour: number;
  autoConditions: AutoConditions;
  dryRunSupported: boolean;
  http: {
    method: string;
    url: string;
    headers: Record<string, string>;
    body: unknown;
    dryRun: HttpConfig['dryRun'] | null;
    hasSecret: boolean;
    allowPrivateAddress: boolean;
  } | null;
  agent: AgentConfig | null;
  createdAt: number;
  updatedAt: number;
}

export function toAction(r: RemediationActionsTable): Action {
  const kind = r.kind as ActionKind;
  const cfg = fromJsonText<Record<string, unknown>>(r.config, {});
  let http: Action['http'] = null;
  let agent: AgentConfig | null = null;
  if (kind === 'http') {
    const c = cfg as unknown as StoredHttpConfig;
    const headers: Record<string, string> = { ...(c.headers ?? {}) };
    for (const name of Object.keys(c.sealedHeaders ?? {})) headers[name] = HIDDEN;
    http = {
      method: c.method,
      url: c.url,
      headers,
      body: c.body ?? null,
      dryRun: c.dryRun ?? null,
      hasSecret: r.secretSealed !== null,
      allowPrivateAddress: r.allowPrivateAddress === 1,
    };
  } else {
    const c = cfg as unknown as AgentConfig;
    agent = { agentId: c.agentId ?? null, command: c.command, args: c.args ?? [], dryRunArgs: c.dryRunArgs };
  }
  return {
    id: r.id,
    teamId: r.teamId,
    runbookId: r.runbookId,
    slug: r.slug,
    name: r.name,
    description: r.description,
    kind,
    mode: r.mode as ActionMode,
    enabled: r.enabled === 1,
    params: fromJsonText<Param[]>(r.params, []),
    timeoutSeconds: r.timeoutSeconds,
    rateLimitPerHour: r.rateLimitPerHour,
    autoConditions: fromJsonText<AutoConditions>(r.autoConditions, {}),
    dryRunSupported: kind === 'http' ? Boolean(http?.dryRun) : Boolean(agent?.dryRunArgs),
    http,
    agent,
    createdAt: r.createdAt,
    updatedAt: r.updatedAt,
  };
}

export interface Run {
  id: string;
  actionId: string;
  actionName: string;
  kind: ActionKind;
  teamId: string;
  incidentId: string | null;
  alertId: string | null;
  serviceId: string | null;
  status: RunStatus;
  dryRun: boolean;
  trigger: RunTrigger;
  ruleId: string | null;
  params: Record<string, string>;
  requestedBy: { userId: string | null; label: string };
  approvedBy: { userId: string | null; label: string } | null;
  decidedAt: number | null;
  decisionNote: string | null;
  icFlagged: boolean;
  agentId: string | null;
  exitCode: number | null;
  httpStatus: number | null;
  output: string;
  outputTruncated: boolean;
  error: string | null;
  startedAt: number | null;
  finishedAt: number | null;
  durationMs: number | null;
  createdAt: number;
}

export type RunRow = RemediationRunsTable & { actionName: string; kind: string };

export function toRun(r: RunRow): Run {
  return {
    id: r.id,
    actionId: r.actionId,
    actionName: r.actionName,
    kind: r.kind as ActionKind,
    teamId: r.teamId,
    incidentId: r.incidentId,
    alertId: r.alertId,
    serviceId: r.serviceId,
    status: r.status as RunStatus,
    dryRun: r.dryRun === 1,
    trigger: r.trigger as RunTrigger,
    ruleId: r.ruleId,
    params: fromJsonText<Record<string, string>>(r.params, {}),
    requestedBy: { userId: r.requestedByUserId, label: r.requestedByLabel },
    approvedBy: r.approvedByLabel ? { userId: r.approvedByUserId, label: r.approvedByLabel } : null,
    decidedAt: r.decidedAt,
    decisionNote: r.decisionNote,
    icFlagged: r.icFlagged === 1,
    agentId: r.agentId,
    exitCode: r.exitCode,
    httpStatus: r.httpStatus,
    output: r.output,
    outputTruncated: r.outputTruncated === 1,
    error: r.error,
    startedAt: r.startedAt,
    finishedAt: r.finishedAt,
    durationMs: r.startedAt !== null && r.finishedAt !== null ? r.finishedAt - r.startedAt : null,
    createdAt: r.createdAt,
  };
}

export function runsQuery(ex: Executor) {
  return ex
    .selectFrom('remediationRuns')
    .innerJoin('remediationActions', 'remediationActions.id', 'remediationRuns.actionId')
    .selectAll('remediationRuns')
    .select(['remediationActions.name as actionName', 'remediationActions.kind']);
}

export async function findRun(ex: Executor, id: string): Promise<Run | null> {
  const r = await runsQuery(ex).where('remediationRuns.id', '=', id).executeTakeFirst();
  return r ? toRun(r) : null;
}

export async function findActionRow(ex: Executor, id: string): Promise<RemediationActionsTable | null> {
  return (await ex.selectFrom('remediationActions').selectAll().where('id', '=', id).executeTakeFirst()) ?? null;
}

export interface Chunk {
  seq: number;
  stream: string;
  chunk: string;
  at: number;
}

/** A run's chunks after a sequence number (-1: all of them; an agent numbers its chunks from 0). */
export async function listChunks(ex: Executor, runId: string, afterSeq = -1, limit = 500): Promise<Chunk[]> {
  return ex
    .selectFrom('remediationRunOutput')
    .select(['seq', 'stream', 'chunk', 'at'])
    .where('runId', '=', runId)
    .where('seq', '>', afterSeq)
    .orderBy('seq')
    .limit(limit)
    .execute();
}

/** What a new run names; every other column starts empty (not yet decided, started or finished). */
export type NewRun = Pick<
  Insertable<RemediationRunsTable>,
  'id' | 'actionId' | 'teamId' | 'incidentId' | 'alertId' | 'serviceId' | 'status' | 'trigger' | 'requestedByLabel'
> &
  Partial<
    Pick<
      Insertable<RemediationRunsTable>,
      'dryRun' | 'ruleId' | 'params' | 'requestedByUserId' | 'icFlagged' | 'agentId' | 'error' | 'finishedAt'
    >
  >;

/** Insert a run (requested, refused or skipped), each column named. */
export async function insertRun(ex: Executor, run: NewRun, now: number): Promise<void> {
  await ex
    .insertInto('remediationRuns')
    .values({
      id: run.id,
      actionId: run.actionId,
      teamId: run.teamId,
      incidentId: run.incidentId,
      alertId: run.alertId,
      serviceId: run.serviceId,
      status: run.status,
      dryRun: run.dryRun ?? 0,
      trigger: run.trigger,
      ruleId: run.ruleId ?? null,
      params: run.params ?? '{}',
      requestedByUserId: run.requestedByUserId ?? null,
      requestedByLabel: run.requestedByLabel,
      approvedByUserId: null,
      approvedByLabel: null,
      decidedAt: null,
      decisionNote: null,
      icFlagged: run.icFlagged ?? 0,
      agentId: run.agentId ?? null,
      leaseUntil: null,
      exitCode: null,
      httpStatus: null,
      output: '',
      outputTruncated: 0,
      error: run.error ?? null,
      startedAt: null,
      finishedAt: run.finishedAt ?? null,
      createdAt: now,
      updatedAt: now,
    })
    .execute();
}
