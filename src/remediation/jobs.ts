/**
 * `remediation.http`: execute one HTTP action run. Claim (the run becomes `running`, on the timeline), commit, send
 * (no transaction held; secrets opened only now, in memory), then record the answer in a second transaction that also
 * completes the job. A run found `running` by a later attempt was claimed by a process that died mid-request: it is
 * not sent again (the target may have acted), it ends failed, saying so.
 */
import type { Db, Executor } from '../db/index.js';
import type { JobHandler } from '../jobs/runner.js';
import type { Sealer } from '../actions/trackers.js';
import { fromJsonText } from '../shared/json.js';
import type { ResolveAll } from '../shared/net.js';
import { contextFromStored, redact, renderHttp, type Param } from './model.js';
import type { StoredHttpConfig } from './repo.js';
import { appendOutput, finishRun, markRunStarted } from './runs.js';
import { sendActionRequest } from './http.js';
import { HTTP_JOB } from './service.js';

export { HTTP_JOB };

export interface HttpJobDeps {
  db: Db;
  sealer: Sealer | undefined;
  resolve?: ResolveAll | undefined;
}

export function httpRunHandler(deps: HttpJobDeps): JobHandler<{ runId: string }> {
  return async (ctx) => {
    const { runId } = ctx.job.payload;
    const load = (ex: Executor) =>
      ex
        .selectFrom('remediationRuns')
        .innerJoin('remediationActions', 'remediationActions.id', 'remediationRuns.actionId')
        .select([
          'remediationRuns.status',
          'remediationRuns.params as stored',
          'remediationRuns.dryRun',
          'remediationActions.config',
          'remediationActions.params',
          'remediationActions.secretSealed',
          'remediationActions.allowPrivateAddress',
          'remediationActions.timeoutSeconds',
        ])
        .where('remediationRuns.id', '=', runId)
        .executeTakeFirst();

    // 1. Claim.
    const claimed = await ctx.db.kysely.transaction().execute(async (trx) => {
      const row = await load(trx);
      const now = ctx.clock.now();
      if (!row || row.status !== 'queued') {
        if (row?.status === 'running') {
          await finishRun(
            trx,
            runId,
            {
              status: 'failed',
              error:
                'Muster stopped while the request was in flight; it was not sent again (the target may have acted). Check the target before running it again.',
            },
            now,
          );
        }
        await ctx.completeIn(trx);
        return null;
      }
      // Cancelled (or taken) between the read and this update: nothing is sent.
      if (!(await markRunStarted(trx, runId, now))) {
        await ctx.completeIn(trx);
        return null;
      }
      return row;
    });
    if (!claimed) return;

    // 2. Send, outside any transaction.
    const cfg = fromJsonText<StoredHttpConfig>(claimed.config, { method: 'POST', url: '', headers: {} });
    const params = fromJsonText<Param[]>(claimed.params, []);
    const { ctx: tctx, resolved } = contextFromStored(fromJsonText<Record<string, string>>(claimed.stored, {}), params);
    const { request, problems } = renderHttp(cfg, tctx, params, resolved, claimed.dryRun === 1);
    const secrets: string[] = [];
    let secret: string | null = null;
    let error: string | null = problems.length
      ? `Refused: ${problems.map((p) => `${p.field} ${p.message}`).join('; ')}`
      : null;
    try {
      if (claimed.secretSealed) secrets.push((secret = await deps.sealer!.open(claimed.secretSealed)));
      for (const [name, sealed] of Object.entries(cfg.sealedHeaders ?? {})) {
        const value = await deps.sealer!.open(sealed);
        secrets.push(value, ...value.split(/\s+/).filter((v) => v.length >= 8));
        request.headers[name] = value;
      }
    } catch {
      error ??= "The action's secret could not be opened (was the instance secret changed?); set it again.";
    }
    const outcome = error
      ? { status: null, body: '', truncated: false, error, timedOut: false }
      : await sendActionRequest(request, {
          runId,
          secret,
          timeoutMs: claimed.timeoutSeconds * 1000,
          allowPrivate: claimed.allowPrivateAddress === 1,
          resolve: deps.resolve,
          now: ctx.clock.now(),
        });

    // 3. Record.
    await ctx.db.kysely.transaction().execute(async (trx) => {
      const now = ctx.clock.now();
      const body = redact(outcome.body, secrets);
      if (outcome.status !== null) {
        await appendOutput(trx, runId, { stream: 'system', chunk: `HTTP ${outcome.status}\n` }, now);
      }
      if (body) await appendOutput(trx, runId, { stream: 'stdout', chunk: body }, now);
      if (outcome.truncated) {
        await trx.updateTable('remediationRuns').set({ outputTruncated: 1 }).where('id', '=', runId).execute();
      }
      const ok = outcome.status !== null && outcome.status >= 200 && outcome.status < 300;
      await finishRun(
        trx,
        runId,
        {
          status: outcome.timedOut ? 'timed_out' : ok ? 'succeeded' : 'failed',
          httpStatus: outcome.status,
          error: ok ? null : (outcome.error ?? `The target answered HTTP ${outcome.status}.`),
        },
        now,
      );
      await ctx.completeIn(trx);
    });
  };
}
