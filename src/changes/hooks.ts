/**
 * Change hooks (docs/integrations/changes.md): a team's receivers for deploys, flag changes and infrastructure runs
 * from GitHub, GitLab, Argo CD, Flux, Kubernetes, LaunchDarkly, Unleash, Flagsmith and Terraform Cloud, and the
 * team's mapping config that says which service a change is about. Team admins create, rotate and delete hooks and
 * edit the mapping; the team reads them and every delivery's outcome.
 *
 * A delivery: the hook's secret is unsealed (a rotated-out one still counts until its grace ends) and the signature
 * or token checked (401 naming the header, recorded); the body read (400 naming the field, recorded with the raw
 * body); a delivery that is not a change (another branch, a failed run, a ping) answered 200 `ignored`; a change is
 * mapped to services and recorded once per service and tool id in one transaction with the delivery's row, which
 * also writes "during the incident" entries, warnings and the IC's page (ChangeService.recordIn).
 */
import { findServiceRow } from '../catalog/index.js';
import type { Db, Executor } from '../db/index.js';
import { recordAudit, type Actor, type TeamService } from '../identity/index.js';
import type { Clock } from '../shared/clock.js';
import { AppError, notFound, validationError, type FieldProblem } from '../shared/errors.js';
import { newId, newSecret } from '../shared/ids.js';
import { fromJsonText, toJsonText } from '../shared/json.js';
import { mapChange, mappingProblems, type ChangeMatcher, type MappingRule } from './mapping.js';
import type { ChangeService, ChangeWarning, Recorded } from './service.js';
import { verifyDelivery, type Headers } from './signatures.js';
import { isChangeSource, parseDelivery, SOURCE_NAMES, type ChangeSource } from './sources.js';

export interface Sealer {
  seal(text: string): Promise<string>;
  open(sealed: string): Promise<string>;
}

export interface ChangeHook {
  id: string;
  teamId: string;
  source: ChangeSource;
  name: string;
  /** Where the tool sends: `<publicUrl>/integrations/changes/<id>`. */
  url: string;
  defaultServiceId: string | null;
  createdAt: number;
  rotatedAt: number | null;
  /** Until then the secret before the last rotation is still accepted. */
  previousSecretUntil: number | null;
  lastDeliveryAt: number | null;
}

export interface HookDelivery {
  id: string;
  hookId: string;
  receivedAt: number;
  event: string;
  outcome: 'recorded' | 'ignored' | 'unmapped' | 'rejected';
  field: string | null;
  reason: string;
  changeIds: string[];
  raw: string;
  rawTruncated: boolean;
}

export interface ChangeConfig {
  teamId: string;
  mappings: MappingRule[];
  pageCommanderOnChange: boolean;
  updatedAt: number | null;
}

export interface MappingInput {
  service: string;
  repository?: string | null | undefined;
  namespace?: string | null | undefined;
  matchers?: ChangeMatcher[] | undefined;
}

export type DeliveryResult =
  | { status: 'recorded'; changes: { id: string; serviceId: string }[]; duplicates: number; warnings: ChangeWarning[] }
  | { status: 'ignored' | 'unmapped'; reason: string };

const RAW_MAX = 16 * 1024;
const KEEP_DELIVERIES = 200;
const MAX_GRACE_MINUTES = 7 * 24 * 60;
const DEFAULT_GRACE_MINUTES = 60;

const rawText = (raw: string): { text: string; truncated: boolean } => {
  const clean = raw.replaceAll('\u0000', '\\u0000');
  if (Buffer.byteLength(clean) <= RAW_MAX) return { text: clean, truncated: false };
  return {
    text: Buffer.from(clean)
      .subarray(0, RAW_MAX)
      .toString('utf8')
      .replace(/\uFFFD+$/, ''),
    truncated: true,
  };
};

export const invalidSignature = (reason: string): AppError =>
  new AppError('invalid_signature', `The delivery is not signed with this hook's secret: ${reason}.`, {
    status: 401,
  });

const hookNotFound = (id: string): AppError => notFound('change hook', id);

type HookRow = {
  id: string;
  teamId: string;
  source: string;
  name: string;
  secretSealed: string;
  previousSecretSealed: string | null;
  previousSecretUntil: number | null;
  defaultServiceId: string | null;
  createdAt: number;
  rotatedAt: number | null;
  lastDeliveryAt: number | null;
};

export class ChangeHookService {
  constructor(
    private readonly deps: {
      db: Db;
      clock: Clock;
      teams: TeamService;
      sealer: Sealer;
      changes: ChangeService;
      publicUrl: () => string;
    },
  ) {}

  private present(r: HookRow): ChangeHook {
    return {
      id: r.id,
      teamId: r.teamId,
      source: isChangeSource(r.source) ? r.source : 'github',
      name: r.name,
      url: `${this.deps.publicUrl().replace(/\/$/, '')}/integrations/changes/${r.id}`,
      defaultServiceId: r.defaultServiceId,
      createdAt: r.createdAt,
      rotatedAt: r.rotatedAt,
      previousSecretUntil: r.previousSecretUntil,
      lastDeliveryAt: r.lastDeliveryAt,
    };
  }

  private async team(actor: Actor, team: string, role: 'viewer' | 'admin'): Promise<string> {
    const t = await this.deps.teams.get(actor, team);
    await this.deps.teams.requireRole(actor, t.id, role);
    return t.id;
  }

  private async hookOf(teamId: string, hookId: string): Promise<HookRow> {
    const row = await this.deps.db.kysely
      .selectFrom('changeHooks')
      .selectAll()
      .where('id', '=', hookId)
      .where('teamId', '=', teamId)
      .executeTakeFirst();
    if (!row) throw hookNotFound(hookId);
    return row;
  }

  /** A service of the team, by id or slug; `field` names it in a 400. */
  private async teamService(teamId: string, service: string, field: string): Promise<string> {
    const svc = await findServiceRow(this.deps.db.kysely, service);
    if (!svc) throw validationError([{ field, message: `no service ${service}` }]);
    if (svc.teamId !== teamId) throw validationError([{ field, message: `service ${service} is not this team's` }]);
    return svc.id;
  }

  async list(actor: Actor, team: string): Promise<ChangeHook[]> {
    const teamId = await this.team(actor, team, 'viewer');
    const rows = await this.deps.db.kysely
      .selectFrom('changeHooks')
      .selectAll()
      .where('teamId', '=', teamId)
      .orderBy('id')
      .execute();
    return rows.map((r) => this.present(r));
  }

  async get(actor: Actor, team: string, hookId: string): Promise<ChangeHook> {
    const teamId = await this.team(actor, team, 'viewer');
    return this.present(await this.hookOf(teamId, hookId));
  }

  /** A new hook; its secret (given, or made here) is returned this once and stored sealed. */
  async create(
    actor: Actor,
    team: string,
    input: {
      source: string;
      name?: string | undefined;
      defaultService?: string | null | undefined;
      secret?: string | undefined;
    },
  ): Promise<{ hook: ChangeHook; secret: string }> {
    const teamId = await this.team(actor, team, 'admin');
    if (!isChangeSource(input.source)) {
      throw validationError([{ field: 'source', message: `must be one of ${Object.keys(SOURCE_NAMES).join(', ')}` }]);
    }
    const source = input.source;
    const defaultServiceId = input.defaultService
      ? await this.teamService(teamId, input.defaultService, 'defaultService')
      : null;
    const secret = input.secret ?? newSecret(24);
    const now = this.deps.clock.now();
    const row: HookRow = {
      id: newId('chk', now),
      teamId,
      source,
      name: input.name?.trim() || SOURCE_NAMES[source],
      secretSealed: await this.deps.sealer.seal(secret),
      previousSecretSealed: null,
      previousSecretUntil: null,
      defaultServiceId,
      createdAt: now,
      rotatedAt: null,
      lastDeliveryAt: null,
    };
    await this.deps.db.kysely.transaction().execute(async (trx) => {
      await trx
        .insertInto('changeHooks')
        .values({ ...row, createdByUserId: actor.userId ?? null })
        .execute();
      await recordAudit(
        trx,
        actor,
        'change_hook.created',
        { type: 'change_hook', id: row.id },
        { teamId, source },
        now,
      );
    });
    return { hook: this.present(row), secret };
  }

  async update(
    actor: Actor,
    team: string,
    hookId: string,
    input: { name?: string | undefined; defaultService?: string | null | undefined },
  ): Promise<ChangeHook> {
    const teamId = await this.team(actor, team, 'admin');
    await this.hookOf(teamId, hookId);
    const set: { name?: string; defaultServiceId?: string | null } = {};
    if (input.name !== undefined) {
      if (!input.name.trim()) throw validationError([{ field: 'name', message: 'must not be empty' }]);
      set.name = input.name.trim();
    }
    if (input.defaultService !== undefined) {
      set.defaultServiceId = input.defaultService
        ? await this.teamService(teamId, input.defaultService, 'defaultService')
        : null;
    }
    const now = this.deps.clock.now();
    await this.deps.db.kysely.transaction().execute(async (trx) => {
      if (Object.keys(set).length) await trx.updateTable('changeHooks').set(set).where('id', '=', hookId).execute();
      await recordAudit(trx, actor, 'change_hook.updated', { type: 'change_hook', id: hookId }, { ...set }, now);
    });
    return this.present(await this.hookOf(teamId, hookId));
  }

  /** A new secret, returned once; the old one is still accepted for `graceMinutes` (default 60, 0 for none). */
  async rotate(
    actor: Actor,
    team: string,
    hookId: string,
    input: { secret?: string | undefined; graceMinutes?: number | undefined },
  ): Promise<{ hook: ChangeHook; secret: string }> {
    const teamId = await this.team(actor, team, 'admin');
    const hook = await this.hookOf(teamId, hookId);
    const grace = input.graceMinutes ?? DEFAULT_GRACE_MINUTES;
    if (!Number.isInteger(grace) || grace < 0 || grace > MAX_GRACE_MINUTES) {
      throw validationError([
        { field: 'graceMinutes', message: `must be a whole number from 0 to ${MAX_GRACE_MINUTES}` },
      ]);
    }
    const secret = input.secret ?? newSecret(24);
    const now = this.deps.clock.now();
    const sealed = await this.deps.sealer.seal(secret);
    await this.deps.db.kysely.transaction().execute(async (trx) => {
      await trx
        .updateTable('changeHooks')
        .set({
          secretSealed: sealed,
          previousSecretSealed: grace > 0 ? hook.secretSealed : null,
          previousSecretUntil: grace > 0 ? now + grace * 60_000 : null,
          rotatedAt: now,
        })
        .where('id', '=', hookId)
        .execute();
      await recordAudit(
        trx,
        actor,
        'change_hook.rotated',
        { type: 'change_hook', id: hookId },
        { graceMinutes: grace },
        now,
      );
    });
    return { hook: this.present(await this.hookOf(teamId, hookId)), secret };
  }

  async remove(actor: Actor, team: string, hookId: string): Promise<void> {
    const teamId = await this.team(actor, team, 'admin');
    await this.hookOf(teamId, hookId);
    const now = this.deps.clock.now();
    await this.deps.db.kysely.transaction().execute(async (trx) => {
      await trx.deleteFrom('changeHooks').where('id', '=', hookId).execute();
      await recordAudit(trx, actor, 'change_hook.deleted', { type: 'change_hook', id: hookId }, {}, now);
    });
  }

  async deliveries(actor: Actor, team: string, hookId: string, limit: number): Promise<HookDelivery[]> {
    const teamId = await this.team(actor, team, 'viewer');
    await this.hookOf(teamId, hookId);
    const rows = await this.deps.db.kysely
      .selectFrom('changeHookDeliveries')
      .selectAll()
      .where('hookId', '=', hookId)
      .orderBy('id', 'desc')
      .limit(limit)
      .execute();
    return rows.map((r) => ({
      id: r.id,
      hookId: r.hookId,
      receivedAt: r.receivedAt,
      event: r.event,
      outcome: r.outcome as HookDelivery['outcome'],
      field: r.field,
      reason: r.reason,
      changeIds: fromJsonText<string[]>(r.changeIds, []),
      raw: r.raw,
      rawTruncated: r.rawTruncated === 1,
    }));
  }

  // ------------------------------------------------------------------------------------------------------------
  // The team's mapping config.

  private async configOf(ex: Executor, teamId: string): Promise<ChangeConfig> {
    const row = await ex.selectFrom('changeSettings').selectAll().where('teamId', '=', teamId).executeTakeFirst();
    return {
      teamId,
      mappings: fromJsonText<MappingRule[]>(row?.mappings, []),
      pageCommanderOnChange: row?.pageCommander === 1,
      updatedAt: row?.updatedAt ?? null,
    };
  }

  async config(actor: Actor, team: string): Promise<ChangeConfig> {
    const teamId = await this.team(actor, team, 'viewer');
    return this.configOf(this.deps.db.kysely, teamId);
  }

  /** Replace the team's mapping (in order) and its IC-page option. Services by id or slug, the team's own. */
  async setConfig(
    actor: Actor,
    team: string,
    input: { mappings?: MappingInput[] | undefined; pageCommanderOnChange?: boolean | undefined },
  ): Promise<ChangeConfig> {
    const teamId = await this.team(actor, team, 'admin');
    const current = await this.configOf(this.deps.db.kysely, teamId);
    let mappings = current.mappings;
    if (input.mappings !== undefined) {
      const rules = input.mappings.map((m) => ({
        repository: m.repository?.trim() ? m.repository.trim() : m.repository === '' ? '' : null,
        namespace: m.namespace?.trim() ? m.namespace.trim() : m.namespace === '' ? '' : null,
        matchers: (m.matchers ?? []).map((x) => ({ name: x.name.trim(), op: x.op, value: x.value })),
      }));
      const problems: FieldProblem[] = mappingProblems(rules);
      const serviceIds: string[] = [];
      for (const [i, m] of input.mappings.entries()) {
        const svc = await findServiceRow(this.deps.db.kysely, m.service);
        if (!svc) problems.push({ field: `mappings[${i}].service`, message: `no service ${m.service}` });
        else if (svc.teamId !== teamId) {
          problems.push({ field: `mappings[${i}].service`, message: `service ${m.service} is not this team's` });
        }
        serviceIds.push(svc?.id ?? '');
      }
      if (problems.length) throw validationError(problems);
      mappings = rules.map((r, i) => ({ serviceId: serviceIds[i]!, ...r }));
    }
    const page = input.pageCommanderOnChange ?? current.pageCommanderOnChange;
    const now = this.deps.clock.now();
    await this.deps.db.kysely.transaction().execute(async (trx) => {
      const values = {
        mappings: toJsonText(mappings),
        pageCommander: page ? 1 : 0,
        updatedByUserId: actor.userId ?? null,
        updatedAt: now,
      };
      const updated = await trx.updateTable('changeSettings').set(values).where('teamId', '=', teamId).execute();
      if (Number(updated[0]?.numUpdatedRows ?? 0) === 0) {
        await trx
          .insertInto('changeSettings')
          .values({ teamId, ...values })
          .execute();
      }
      const details = { rules: mappings.length, pageCommanderOnChange: page };
      await recordAudit(trx, actor, 'change_config.updated', { type: 'team', id: teamId }, details, now);
    });
    return this.configOf(this.deps.db.kysely, teamId);
  }

  // ------------------------------------------------------------------------------------------------------------
  // Deliveries from the tools.

  private async note(
    ex: Executor,
    hookId: string,
    now: number,
    d: {
      event: string;
      outcome: HookDelivery['outcome'];
      field?: string | null;
      reason: string;
      raw: string;
      changeIds?: string[];
    },
  ): Promise<void> {
    const raw = rawText(d.raw);
    await ex
      .insertInto('changeHookDeliveries')
      .values({
        id: newId('chd', now),
        hookId,
        receivedAt: now,
        event: d.event.slice(0, 100),
        outcome: d.outcome,
        field: d.field ?? null,
        reason: d.reason.slice(0, 2000),
        changeIds: toJsonText(d.changeIds ?? []),
        raw: raw.text,
        rawTruncated: raw.truncated ? 1 : 0,
      })
      .execute();
    await ex.updateTable('changeHooks').set({ lastDeliveryAt: now }).where('id', '=', hookId).execute();
    // Keep the newest KEEP_DELIVERIES per hook.
    const cut = await ex
      .selectFrom('changeHookDeliveries')
      .select('id')
      .where('hookId', '=', hookId)
      .orderBy('id', 'desc')
      .offset(KEEP_DELIVERIES)
      .limit(1)
      .executeTakeFirst();
    if (cut)
      await ex.deleteFrom('changeHookDeliveries').where('hookId', '=', hookId).where('id', '<=', cut.id).execute();
  }

  /** Record a refused delivery in its own short transaction (the request then fails). */
  private async refuse(hookId: string, now: number, d: Parameters<ChangeHookService['note']>[3]): Promise<void> {
    await this.deps.db.kysely.transaction().execute((trx) => this.note(trx, hookId, now, d));
  }

  async receive(hookId: string, headers: Headers, raw: string): Promise<DeliveryResult> {
    const db = this.deps.db.kysely;
    const hook = await db.selectFrom('changeHooks').selectAll().where('id', '=', hookId).executeTakeFirst();
    if (!hook || !isChangeSource(hook.source)) throw hookNotFound(hookId);
    const source = hook.source;
    const now = this.deps.clock.now();
    const secrets = [await this.deps.sealer.open(hook.secretSealed)];
    if (hook.previousSecretSealed && (hook.previousSecretUntil ?? 0) > now) {
      secrets.push(await this.deps.sealer.open(hook.previousSecretSealed));
    }
    const verdict = verifyDelivery(source, headers, raw, secrets);
    if (!verdict.ok) {
      // The body of an unproven delivery is not kept: anyone may send one.
      await this.refuse(hookId, now, {
        event: 'unverified',
        outcome: 'rejected',
        field: verdict.reason.match(/the (\S+) header/)?.[1] ?? null,
        reason: verdict.reason,
        raw: '',
      });
      throw invalidSignature(verdict.reason);
    }

    let body: unknown;
    try {
      body = JSON.parse(raw);
    } catch (e) {
      const reason = raw.trim() === '' ? 'body is empty' : `body is not valid JSON (${(e as Error).message})`;
      await this.refuse(hookId, now, { event: 'unreadable', outcome: 'rejected', field: 'body', reason, raw });
      throw validationError([{ field: 'body', message: reason.replace(/^body /, '') }]);
    }
    let parsed;
    try {
      parsed = parseDelivery(source, { headers, body });
    } catch (e) {
      if (e instanceof AppError && e.code === 'validation_failed') {
        const problems = (e.details as { problems?: FieldProblem[] } | undefined)?.problems ?? [];
        await this.refuse(hookId, now, {
          event: 'unreadable',
          outcome: 'rejected',
          field: problems.map((p) => p.field).join(', ') || 'body',
          reason: problems.map((p) => `${p.field} ${p.message}`).join('; ') || e.message,
          raw,
        });
      }
      throw e;
    }
    if (parsed.outcome === 'ignored') {
      await this.refuse(hookId, now, { event: parsed.event, outcome: 'ignored', reason: parsed.reason, raw });
      return { status: 'ignored', reason: parsed.reason };
    }
    const c = parsed.change;
    c.facts.labels.source = source;
    const config = await this.configOf(db, hook.teamId);
    // Only the team's own services (a mapping whose service moved to another team no longer applies).
    const own = new Set(
      (await db.selectFrom('services').select('id').where('teamId', '=', hook.teamId).execute()).map((s) => s.id),
    );
    const targets = mapChange(config.mappings, c.facts, hook.defaultServiceId).filter((id) => own.has(id));
    if (targets.length === 0) {
      const f = c.facts;
      const reason =
        `no mapping rule matched (repository ${f.repository ?? '—'}, namespace ${f.namespace ?? '—'}, labels ` +
        `${Object.entries(f.labels)
          .slice(0, 12)
          .map(([k, v]) => `${k}=${v}`)
          .join(', ')}) and the hook has no default service`;
      await this.refuse(hookId, now, { event: parsed.event, outcome: 'unmapped', reason, raw });
      return { status: 'unmapped', reason };
    }
    const result = await db.transaction().execute(async (trx) => {
      const recorded: (Recorded & { serviceId: string })[] = [];
      let duplicates = 0;
      for (const serviceId of targets) {
        if (c.externalId) {
          const seen = await trx
            .selectFrom('changeEvents')
            .select('id')
            .where('serviceId', '=', serviceId)
            .where('externalId', '=', c.externalId)
            .executeTakeFirst();
          if (seen) {
            duplicates++;
            continue;
          }
        }
        const r = await this.deps.changes.recordIn(
          trx,
          serviceId,
          {
            summary: c.summary,
            source,
            at: c.at,
            links: c.links,
            details: { event: parsed.event, hook: hook.name, facts: c.facts },
            kind: c.kind,
            author: c.author,
            hookId,
            externalId: c.externalId,
            versions: c.versions,
          },
          now,
        );
        recorded.push({ ...r, serviceId });
      }
      await this.note(trx, hookId, now, {
        event: parsed.event,
        outcome: recorded.length ? 'recorded' : 'ignored',
        reason: recorded.length
          ? c.summary
          : `already recorded (the tool's id ${c.externalId ?? '—'}): a redelivery or the same rollout again`,
        raw,
        changeIds: recorded.map((r) => r.id),
      });
      return { recorded, duplicates };
    });
    this.deps.changes.touched(result.recorded);
    return {
      status: 'recorded',
      changes: result.recorded.map((r) => ({ id: r.id, serviceId: r.serviceId })),
      duplicates: result.duplicates,
      warnings: result.recorded.flatMap((r) => r.warnings),
    };
  }
}
