/**
 * A run's life after it was requested, in the caller's transaction: started, output appended, finished. Shared by the
 * HTTP executor (src/remediation/jobs.ts) and the agent protocol (src/remediation/agent/): every step posts to the
 * incident's timeline (kind 'remediation') and the end is audited. No network here.
 */
import type { Executor } from '../db/index.js';
import { recordAudit, systemActor, type Actor } from '../identity/audit.js';
import { appendEvent, lockIncident } from '../incidents/repo.js';
import { engineOf } from '../incidents/signals.js';
import { newId } from '../shared/ids.js';
import { fromJsonText } from '../shared/json.js';
import {
  appendCapped,
  canTransition,
  contextFromStored,
  firstLines,
  renderArgs,
  type AgentConfig,
  type Param,
  type RunStatus,
} from './model.js';

export type RunPhase = 'requested' | 'approved' | 'rejected' | 'started' | 'finished' | 'cancelled' | 'skipped';

const describeStatus: Record<string, string> = {
  succeeded: 'succeeded',
  failed: 'failed',
  timed_out: 'timed out',
  cancelled: 'was cancelled',
  rejected: 'was rejected',
  skipped: 'was skipped',
};

/**
 * Post one step of a run to its incident's timeline (nothing when the run has no incident). Flagged when an
 * Incident Commander ran it, or when it failed or timed out. Never carries a secret: bodies are built from the run's stored fields only.
 */
export async function postRunEvent(
  trx: Executor,
  runId: string,
  phase: RunPhase,
  by: { userId: string | null; label: string },
  now: number,
  extra: { note?: string | null; asCommander?: boolean } = {},
): Promise<void> {
  const run = await trx
    .selectFrom('remediationRuns')
    .innerJoin('remediationActions', 'remediationActions.id', 'remediationRuns.actionId')
    .leftJoin('remediationAgents', 'remediationAgents.id', 'remediationRuns.agentId')
    .select([
      'remediationRuns.id',
      'remediationRuns.incidentId',
      'remediationRuns.status',
      'remediationRuns.dryRun',
      'remediationRuns.exitCode',
      'remediationRuns.httpStatus',
      'remediationRuns.output',
      'remediationRuns.error',
      'remediationRuns.icFlagged',
      'remediationRuns.trigger',
      'remediationRuns.actionId',
      'remediationActions.name as actionName',
      'remediationActions.kind',
      'remediationAgents.name as agentName',
    ])
    .where('remediationRuns.id', '=', runId)
    .executeTakeFirst();
  if (!run?.incidentId) return;
  const engine = engineOf(trx);
  const incident = await lockIncident(trx, engine, run.incidentId);
  if (!incident) return;
  const name = run.dryRun ? `Dry run of ${run.actionName}` : `Action ${run.actionName}`;
  let body: string;
  if (phase === 'requested') {
    body =
      run.status === 'awaiting_approval'
        ? `${name} was requested and awaits approval by a second person.`
        : `${name} was requested${run.trigger === 'automatic' ? ' automatically' : run.trigger === 'rule' ? ' by an automation rule' : ''}.`;
  } else if (phase === 'approved')
    body = `${name} was approved${extra.asCommander ? ' by the Incident Commander' : ''}.`;
  else if (phase === 'rejected') body = `${name} was rejected${extra.note ? `: ${extra.note}` : '.'}`;
  else if (phase === 'started') body = `${name} started${run.agentName ? ` on agent ${run.agentName}` : ''}.`;
  else if (phase === 'skipped') body = `${name} was skipped: ${run.error ?? ''}`;
  else {
    const status = describeStatus[run.status] ?? run.status;
    const code =
      run.httpStatus !== null
        ? ` (HTTP ${run.httpStatus})`
        : run.exitCode !== null
          ? ` (exit status ${run.exitCode})`
          : '';
    const err = run.error ? `: ${run.error}` : '.';
    const lines = firstLines(run.output);
    body = `${name} ${status}${code}${err}${lines ? `\n\n${lines}` : ''}`;
  }
  await appendEvent(
    trx,
    engine,
    run.incidentId,
    {
      kind: 'remediation',
      actorUserId: by.userId,
      actorLabel: by.label,
      body,
      details: {
        runId: run.id,
        actionId: run.actionId,
        phase,
        status: run.status,
        dryRun: run.dryRun === 1,
        exitCode: run.exitCode,
        httpStatus: run.httpStatus,
      },
      // An IC who ran it, and a run that failed or timed out, stand out on the timeline.
      isFlagged:
        run.icFlagged === 1 || (phase === 'finished' && (run.status === 'failed' || run.status === 'timed_out')),
    },
    now,
  );
}

/**
 * Mark a queued run running (an executor claimed it). Returns false when it is no longer queued (cancelled, or
 * another executor took it). `agentId` and `leaseUntil` are for agent runs.
 */
export async function markRunStarted(
  trx: Executor,
  runId: string,
  now: number,
  opts: { agentId?: string | null; leaseUntil?: number | null; by?: { userId: string | null; label: string } } = {},
): Promise<boolean> {
  const r = await trx
    .updateTable('remediationRuns')
    .set({
      status: 'running',
      startedAt: now,
      updatedAt: now,
      ...(opts.agentId !== undefined ? { agentId: opts.agentId } : {}),
      ...(opts.leaseUntil !== undefined ? { leaseUntil: opts.leaseUntil } : {}),
    })
    .where('id', '=', runId)
    .where('status', '=', 'queued')
    .executeTakeFirst();
  if (Number(r.numUpdatedRows) === 0) return false;
  await postRunEvent(trx, runId, 'started', opts.by ?? { userId: null, label: 'Muster' }, now);
  return true;
}

export interface OutputChunk {
  /** The executor's own sequence number (agents): a repeat of a seq already stored is ignored. */
  seq?: number;
  stream: 'stdout' | 'stderr' | 'system';
  chunk: string;
}

/**
 * Append a chunk of output to a running run: stored as a chunk (for the live stream) and added to the run's output,
 * capped at 64 KB (`outputTruncated` then set). Idempotent on `seq`. Returns false when nothing was stored (a repeated
 * seq, or the run has ended).
 */
export async function appendOutput(
  trx: Executor,
  runId: string,
  chunk: OutputChunk,
  now: number = Date.now(),
): Promise<boolean> {
  const run = await trx
    .selectFrom('remediationRuns')
    .select(['status', 'output', 'outputTruncated'])
    .where('id', '=', runId)
    .executeTakeFirst();
  if (!run || run.status !== 'running' || !chunk.chunk) return false;
  let seq = chunk.seq;
  if (seq === undefined) {
    const last = await trx
      .selectFrom('remediationRunOutput')
      .select((eb) => eb.fn.max('seq').as('seq'))
      .where('runId', '=', runId)
      .executeTakeFirst();
    seq = Number(last?.seq ?? 0) + 1;
  }
  const inserted = await trx
    .insertInto('remediationRunOutput')
    .values({
      id: newId('rro', now),
      runId,
      seq,
      stream: chunk.stream,
      chunk: chunk.chunk.slice(0, 64 * 1024),
      at: now,
    })
    .onConflict((oc) => oc.columns(['runId', 'seq']).doNothing())
    .executeTakeFirst();
  if (Number(inserted.numInsertedOrUpdatedRows ?? 0n) === 0) return false;
  const next = appendCapped(run.output, chunk.chunk);
  await trx
    .updateTable('remediationRuns')
    .set({ output: next.output, outputTruncated: next.truncated || run.outputTruncated === 1 ? 1 : 0, updatedAt: now })
    .where('id', '=', runId)
    .execute();
  return true;
}

export interface RunOutcome {
  status: Extract<RunStatus, 'succeeded' | 'failed' | 'timed_out' | 'cancelled'>;
  exitCode?: number | null;
  httpStatus?: number | null;
  error?: string | null;
  /** Who ends it, for the audit log and the timeline (default: Muster itself). */
  actor?: Actor;
}

/**
 * End a run (queued or running) in the caller's transaction: status, exit or HTTP status, error, duration; audited
 * (`remediation.run_finished`) and posted to the timeline. Returns false when it had already ended.
 */
export async function finishRun(
  trx: Executor,
  runId: string,
  outcome: RunOutcome,
  now: number = Date.now(),
): Promise<boolean> {
  const run = await trx
    .selectFrom('remediationRuns')
    .select(['status', 'startedAt', 'actionId', 'params', 'dryRun'])
    .where('id', '=', runId)
    .executeTakeFirst();
  if (!run || !canTransition(run.status, outcome.status)) return false;
  const r = await trx
    .updateTable('remediationRuns')
    .set({
      status: outcome.status,
      exitCode: outcome.exitCode ?? null,
      httpStatus: outcome.httpStatus ?? null,
      error: outcome.error ?? null,
      finishedAt: now,
      leaseUntil: null,
      updatedAt: now,
    })
    .where('id', '=', runId)
    .where('status', '=', run.status)
    .executeTakeFirst();
  if (Number(r.numUpdatedRows) === 0) return false;
  const actor = outcome.actor ?? systemActor('Muster');
  await recordAudit(
    trx,
    actor,
    'remediation.run_finished',
    { type: 'remediation_run', id: runId },
    {
      actionId: run.actionId,
      status: outcome.status,
      exitCode: outcome.exitCode ?? null,
      httpStatus: outcome.httpStatus ?? null,
      error: outcome.error ?? null,
      dryRun: run.dryRun === 1,
      durationMs: run.startedAt !== null ? now - run.startedAt : null,
    },
    now,
  );
  await postRunEvent(trx, runId, 'finished', { userId: actor.userId, label: actor.label }, now);
  return true;
}

/**
 * What an agent runs for a run: the command name and its argv, each element rendered from the run's stored values
 * (validated when the run was requested), never a shell string. `refused` says why it cannot run (a value missing or
 * no longer matching its pattern); null when the run is not an agent run.
 */
export async function agentInvocation(
  ex: Executor,
  runId: string,
): Promise<{ command: string; args: string[]; dryRun: boolean; timeoutSeconds: number; refused?: string } | null> {
  const r = await ex
    .selectFrom('remediationRuns')
    .innerJoin('remediationActions', 'remediationActions.id', 'remediationRuns.actionId')
    .select([
      'remediationRuns.params as stored',
      'remediationRuns.dryRun',
      'remediationActions.kind',
      'remediationActions.config',
      'remediationActions.params',
      'remediationActions.timeoutSeconds',
    ])
    .where('remediationRuns.id', '=', runId)
    .executeTakeFirst();
  if (!r || r.kind !== 'agent') return null;
  const cfg = fromJsonText<AgentConfig>(r.config, { agentId: null, command: '', args: [] });
  const params = fromJsonText<Param[]>(r.params, []);
  const { ctx, resolved } = contextFromStored(fromJsonText<Record<string, string>>(r.stored, {}), params);
  const templates = r.dryRun === 1 && cfg.dryRunArgs ? cfg.dryRunArgs : (cfg.args ?? []);
  const { args, problems } = renderArgs(templates, ctx, params, resolved);
  return {
    command: cfg.command,
    args,
    dryRun: r.dryRun === 1,
    timeoutSeconds: r.timeoutSeconds,
    ...(problems.length ? { refused: `Refused: ${problems.map((p) => `${p.field} ${p.message}`).join('; ')}` } : {}),
  };
}
