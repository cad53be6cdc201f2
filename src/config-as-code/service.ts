/**
 * Config as code (docs/config-as-code.md): plan, apply and export for an organisation administrator. Apply reads the
 * current state, makes the plan and applies it in ONE transaction: all or nothing, one audit entry for the apply
 * with its counts and one per object.
 */
import type { Db } from '../db/index.js';
import { recordAudit, type Actor } from '../identity/index.js';
import type { Clock } from '../shared/clock.js';
import { forbidden } from '../shared/errors.js';
import { applyPlan, type NewIntegrationKey } from './apply.js';
import { readCurrent } from './current.js';
import { exportFiles } from './export.js';
import { configInvalid, loadConfig, type ConfigFile } from './load.js';
import { makePlan, withoutEnded, type Plan } from './model.js';
import { referenceProblems } from './refs.js';
import type { Executor } from '../db/index.js';

export interface ApplyOutcome {
  plan: Plan;
  /** Keys made by this apply, each secret shown here once and never again. */
  integrationKeys: NewIntegrationKey[];
}

export class ConfigCodeService {
  constructor(private readonly deps: { db: Db; clock: Clock; publicUrl: string }) {}

  private requireAdmin(actor: Actor): void {
    if (!actor.isAdmin) throw forbidden('Only organisation administrators manage configuration as code.');
  }

  private async actorEmail(ex: Executor, actor: Actor): Promise<string | null> {
    if (!actor.userId) return null;
    const row = await ex.selectFrom('users').select('email').where('id', '=', actor.userId).executeTakeFirst();
    return row?.email ?? null;
  }

  private async planWith(ex: Executor, actor: Actor, files: ConfigFile[], prune: boolean, now: number) {
    const desired = withoutEnded(loadConfig(files), now);
    const current = await readCurrent(ex, now);
    const problems = referenceProblems(desired, current.state, {
      prune,
      actorEmail: await this.actorEmail(ex, actor),
      contactMethods: current.lookup.contactMethodIds,
    });
    if (problems.length) throw configInvalid(problems);
    return { desired, current, plan: makePlan(desired, current.state, { prune }) };
  }

  async plan(actor: Actor, files: ConfigFile[], opts: { prune: boolean }): Promise<Plan> {
    this.requireAdmin(actor);
    return (await this.planWith(this.deps.db.kysely, actor, files, opts.prune, this.deps.clock.now())).plan;
  }

  /**
   * Plan and apply in one transaction. `alsoInTransaction` (the import's history and audit entry) runs in the same
   * transaction after the plan is applied: if it fails, nothing is changed.
   */
  async apply(
    actor: Actor,
    files: ConfigFile[],
    opts: { prune: boolean; alsoInTransaction?: (trx: Executor, outcome: ApplyOutcome) => Promise<void> },
  ): Promise<ApplyOutcome> {
    this.requireAdmin(actor);
    const now = this.deps.clock.now();
    loadConfig(files); // refuse bad files before taking the transaction
    return this.deps.db.kysely.transaction().execute(async (trx) => {
      const { desired, current, plan } = await this.planWith(trx, actor, files, opts.prune, now);
      const integrationKeys = await applyPlan(trx, this.deps.db.engine, actor, now, desired, current, plan);
      await recordAudit(
        trx,
        actor,
        'config.applied',
        { type: 'config', id: null },
        { ...plan.summary, prune: opts.prune, files: files.map((f) => f.path) },
        now,
      );
      if (opts.alsoInTransaction) await opts.alsoInTransaction(trx, { plan, integrationKeys });
      return { plan, integrationKeys };
    });
  }

  async export(actor: Actor): Promise<ConfigFile[]> {
    this.requireAdmin(actor);
    const current = await readCurrent(this.deps.db.kysely, this.deps.clock.now());
    return exportFiles(current.state, this.deps.publicUrl);
  }
}
