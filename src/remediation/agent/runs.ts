/**
 * What an agent run changes on the run's record: start, streamed output, finish. Each runs in the caller's
 * transaction, posts to the incident's timeline (kind 'remediation') when the run has an incident, and records the
 * finish in the audit log.
 */
import type { Executor } from '../../db/index.js';
import { recordAudit, systemActor } from '../../identity/audit.js';
import { appendEvent, lockIncident } from '../../incidents/repo.js';
import { engineOf } from '../../incidents/signals.js';
import { newId } from '../../shared/ids.js';
import { RUN_OUTPUT_MAX_BYTES } from './model.js';

export type FinishedStatus = 'succeeded' | 'failed' | 'timed_out' | 'cancelled';

/** The run's action name, for the timeline. */
async function actionName(ex: Executor, actionId: string): Promise<string> {
  const a = await ex.selectFrom('remediationActions').select('name').where('id', '=', actionId).executeTakeFirst();
  return a?.name ?? actionId;
}

async function postToTimeline(
  ex: Executor,
  incidentId: string | null,
  body: string,
  details: Record<string, unknown>,
  flagged: boolean,
  now: number,
): Promise<void> {
  if (!incidentId) return;
  const engine = engineOf(ex);
  if (!(await lockIncident(ex, engine, incidentId))) return;
  await appendEvent(
    ex,
    engine,
    incidentId,
    { kind: 'remediation', actorUserId: null, actorLabel: 'Muster agent', body, details, isFlagged: flagged },
    now,
  );
}

export async function noteRunStarted(
  ex: Executor,
  run: { id: string; actionId: string; incidentId: string | null; dryRun: number },
  agentName: string,
  now: number,
): Promise<void> {
  const name = await actionName(ex, run.actionId);
  await postToTimeline(
    ex,
    run.incidentId,
    `${name}${run.dryRun ? ' (dry run)' : ''} started on agent ${agentName}`,
    { runId: run.id, status: 'running', agent: agentName },
    false,
    now,
  );
}

/**
 * Append a chunk of output, once per sequence number (a repeated chunk is ignored). The run's own `output` keeps the
 * first 64 KB; the chunks keep the stream.
 */
export async function appendAgentOutput(
  ex: Executor,
  runId: string,
  chunk: { seq: number; stream: string; chunk: string },
  now: number,
): Promise<boolean> {
  const inserted = await ex
    .insertInto('remediationRunOutput')
    .values({ id: newId('rro', now), runId, seq: chunk.seq, stream: chunk.stream, chunk: chunk.chunk, at: now })
    .onConflict((oc) => oc.columns(['runId', 'seq']).doNothing())
    .executeTakeFirst();
  if (Number(inserted.numInsertedOrUpdatedRows ?? 0n) === 0) return false;
  const run = await ex
    .selectFrom('remediationRuns')
    .select(['output', 'outputTruncated'])
    .where('id', '=', runId)
    .executeTakeFirstOrThrow();
  if (run.outputTruncated) return true;
  const room = RUN_OUTPUT_MAX_BYTES - Buffer.byteLength(run.output);
  const bytes = Buffer.from(chunk.chunk);
  const kept = bytes.length <= room ? chunk.chunk : bytes.subarray(0, Math.max(0, room)).toString('utf8');
  await ex
    .updateTable('remediationRuns')
    .set({ output: run.output + kept, outputTruncated: bytes.length > room ? 1 : 0, updatedAt: now })
    .where('id', '=', runId)
    .execute();
  return true;
}

/** The first lines of output, for the timeline. */
export function firstLines(output: string, lines = 5, chars = 500): string {
  const head = output.split('\n').slice(0, lines).join('\n').slice(0, chars).trimEnd();
  return head.length < output.trimEnd().length ? `${head}\n…` : head;
}

/** End a running agent run: status, exit code, error; the timeline and the audit log say so. */
export async function finishAgentRun(
  ex: Executor,
  runId: string,
  outcome: { status: FinishedStatus; exitCode: number | null; error: string | null; by: string },
  now: number,
): Promise<boolean> {
  const run = await ex
    .selectFrom('remediationRuns')
    .select(['id', 'actionId', 'teamId', 'incidentId', 'status', 'startedAt', 'output', 'dryRun', 'icFlagged'])
    .where('id', '=', runId)
    .executeTakeFirst();
  if (!run || run.status !== 'running') return false;
  const changed = await ex
    .updateTable('remediationRuns')
    .set({
      status: outcome.status,
      exitCode: outcome.exitCode,
      error: outcome.error,
      finishedAt: now,
      leaseUntil: null,
      updatedAt: now,
    })
    .where('id', '=', runId)
    .where('status', '=', 'running')
    .executeTakeFirst();
  if (Number(changed.numUpdatedRows) === 0) return false;
  const durationMs = run.startedAt === null ? null : now - run.startedAt;
  await recordAudit(
    ex,
    systemActor(outcome.by),
    'remediation_run.finished',
    { type: 'remediation_run', id: runId },
    { status: outcome.status, exitCode: outcome.exitCode, error: outcome.error, durationMs },
    now,
  );
  const name = await actionName(ex, run.actionId);
  const said =
    outcome.status === 'succeeded'
      ? 'succeeded'
      : outcome.status === 'timed_out'
        ? 'timed out'
        : outcome.status === 'cancelled'
          ? 'was cancelled'
          : 'failed';
  const exit = outcome.exitCode === null ? '' : ` (exit ${outcome.exitCode})`;
  const why = outcome.error ? `: ${outcome.error}` : '';
  const out = firstLines(run.output);
  await postToTimeline(
    ex,
    run.incidentId,
    `${name}${run.dryRun ? ' (dry run)' : ''} ${said}${exit}${why}${out ? `\n\n${out}` : ''}`,
    { runId, status: outcome.status, exitCode: outcome.exitCode, error: outcome.error, durationMs },
    outcome.status !== 'succeeded' || run.icFlagged === 1,
    now,
  );
  return true;
}
