/**
 * Remediation actions (docs/runbooks.md): HTTP and agent actions, their runs, approvals, automatic runs with a rate
 * limit and the kill switch. Runs are requested here (validated, audited, posted to the incident's timeline, and for
 * HTTP actions a `remediation.http` job enqueued in the same transaction); the HTTP job (jobs.ts) and the agent
 * protocol (agent/) execute them and end them through runs.ts.
 */
import type { Transaction } from 'kysely';
import type { Database, Db, Executor } from '../db/index.js';
import type { Sealer } from '../actions/trackers.js';
import { recordAudit, type Actor, type TeamService } from '../identity/index.js';
import { slugify } from '../identity/model.js';
import { canActOnIncident } from '../incidents/access.js';
import { recordTechnicalAction } from '../incidents/signals.js';
import { currentRoles } from '../incidents/repo.js';
import { enqueueJob } from '../jobs/repo.js';
import type { Clock } from '../shared/clock.js';
import { conflict, forbidden, notFound, validationError, type FieldProblem } from '../shared/errors.js';
import { newId } from '../shared/ids.js';
import { fromJsonText, toJsonText } from '../shared/json.js';
import type { Logger } from '../shared/logger.js';
import { outboundUrlProblem, type ResolveAll } from '../shared/net.js';
import { patternProblem } from '../shared/pattern.js';
import {
  automaticDecision,
  canTransition,
  isFinal,
  matchesAutoConditions,
  paramProblems,
  renderArgs,
  renderHttp,
  resolveParams,
  storedValues,
  templateProblems,
  templatesOf,
  urlTemplateProblems,
  HTTP_METHODS,
  jsonStrings,
  type ActionKind,
  type ActionMode,
  type AgentConfig,
  type AutoConditions,
  type HttpConfig,
  type Param,
  type RunStatus,
  type RunTrigger,
  type TemplateContext,
} from './model.js';
import {
  HIDDEN,
  findActionRow,
  findRun,
  insertRun,
  listChunks,
  runsQuery,
  toAction,
  toRun,
  type Action,
  type Chunk,
  type Run,
  type StoredHttpConfig,
} from './repo.js';
import { finishRun, postRunEvent } from './runs.js';
import { checkAgentCommand, nudgeAgents } from './agent/index.js';

export type { Action, Run, Chunk } from './repo.js';

export const HTTP_JOB = 'remediation.http';

export interface RemediationDeps {
  db: Db;
  clock: Clock;
  log: Logger;
  teams: TeamService;
  /** Seals the signing secret and sensitive header values (server.ts: the instance secret). */
  sealer?: Sealer;
  /** The resolver for public-only targets (tests pass their own). */
  resolve?: ResolveAll | undefined;
  onEnqueued?: () => void;
}

export interface ActionInput {
  teamId?: string;
  runbookId?: string | null;
  slug?: string;
  name?: string;
  description?: string;
  kind?: ActionKind;
  mode?: ActionMode;
  params?: Param[];
  timeoutSeconds?: number;
  rateLimitPerHour?: number;
  autoConditions?: AutoConditions;
  enabled?: boolean;
  http?: {
    method: string;
    url: string;
    headers?: Record<string, string>;
    body?: unknown;
    dryRun?: HttpConfig['dryRun'];
    secret?: string | null;
    allowPrivateAddress?: boolean;
  };
  agent?: { agentId?: string | null; command: string; args?: string[]; dryRunArgs?: string[] };
}

export interface RunRequest {
  actionId: string;
  alertId?: string | null | undefined;
  incidentId?: string | null | undefined;
  params?: Record<string, string> | undefined;
  dryRun?: boolean | undefined;
  trigger: RunTrigger;
  ruleId?: string | null | undefined;
}

export interface AutomationSettings {
  teamId: string;
  automaticPaused: boolean;
  reason: string | null;
  updatedBy: string | null;
  updatedAt: number | null;
}

/** Header names whose values are credentials: sealed at rest, never returned, never stored on a run. */
const SENSITIVE_HEADER = /authorization|cookie|token|secret|password|api-?key|signature/i;
const HEADER_NAME = /^[A-Za-z0-9-]{1,100}$/;
const SLUG = /^[a-z0-9][a-z0-9-]{0,63}$/;
const COMMAND = /^[A-Za-z0-9_.:-]{1,100}$/;
const RESERVED_HEADERS = new Set([
  'host',
  'content-length',
  'x-muster-signature',
  'x-muster-run-id',
  'transfer-encoding',
  'connection',
]);

const actionNotFound = (id: string) => notFound('action', id);
const runNotFound = (id: string) => notFound('run', id);

export class RemediationService {
  constructor(protected readonly deps: RemediationDeps) {}

  get resolve(): ResolveAll | undefined {
    return this.deps.resolve;
  }

  get sealer(): Sealer | undefined {
    return this.deps.sealer;
  }

  /** The owning team of an action; null when there is none. */
  teamOfAction(id: string): Promise<string | null> {
    return this.teamIn('remediationActions', id);
  }

  /** The team of a run (its action's); null when there is none. */
  teamOfRun(id: string): Promise<string | null> {
    return this.teamIn('remediationRuns', id);
  }

  /** The team of an agent; null when there is none. */
  teamOfAgent(id: string): Promise<string | null> {
    return this.teamIn('remediationAgents', id);
  }

  private async teamIn(
    table: 'remediationActions' | 'remediationRuns' | 'remediationAgents',
    id: string,
  ): Promise<string | null> {
    const row = await this.deps.db.kysely
      .selectFrom(table as 'remediationRuns')
      .select('teamId')
      .where('id', '=', id)
      .executeTakeFirst();
    return row?.teamId ?? null;
  }

  // ---- actions ---------------------------------------------------------------------------------------------------

  async listActions(filter: { teamId?: string | undefined; runbookId?: string | undefined }): Promise<Action[]> {
    let q = this.deps.db.kysely.selectFrom('remediationActions').selectAll().orderBy('name');
    if (filter.teamId) q = q.where('teamId', '=', filter.teamId);
    if (filter.runbookId) q = q.where('runbookId', '=', filter.runbookId);
    return (await q.limit(1000).execute()).map(toAction);
  }

  async getAction(id: string): Promise<Action> {
    const row = await findActionRow(this.deps.db.kysely, id);
    if (!row) throw actionNotFound(id);
    return toAction(row);
  }

  async createAction(actor: Actor, input: ActionInput): Promise<Action> {
    const teamId = input.teamId ?? '';
    const team = await this.deps.db.kysely.selectFrom('teams').select('id').where('id', '=', teamId).executeTakeFirst();
    if (!team) throw validationError([{ field: 'teamId', message: 'names no team' }]);
    await this.deps.teams.requireRole(actor, teamId, 'admin');
    const kind = input.kind;
    if (!kind) throw validationError([{ field: 'kind', message: 'is required' }]);
    const prepared = await this.prepare(actor, teamId, kind, input, null);
    const now = this.deps.clock.now();
    const name = (input.name ?? '').trim();
    const slug = input.slug?.trim() || slugify(name);
    if (!SLUG.test(slug))
      throw validationError([{ field: 'slug', message: 'must be lower-case letters, digits and dashes, at most 64' }]);
    const id = newId('act', now);
    await this.deps.db.kysely.transaction().execute(async (trx) => {
      await trx
        .insertInto('remediationActions')
        .values({
          id,
          teamId,
          runbookId: input.runbookId ?? null,
          slug,
          name,
          description: input.description ?? '',
          kind,
          mode: input.mode ?? 'manual',
          config: toJsonText(prepared.config),
          params: toJsonText(prepared.params),
          secretSealed: prepared.secretSealed ?? null,
          allowPrivateAddress: prepared.allowPrivate ? 1 : 0,
          timeoutSeconds: input.timeoutSeconds ?? 60,
          autoConditions: toJsonText(prepared.autoConditions),
          rateLimitPerHour: input.rateLimitPerHour ?? 3,
          enabled: input.enabled === false ? 0 : 1,
          createdByUserId: actor.userId,
          createdAt: now,
          updatedAt: now,
        })
        .execute();
      await recordAudit(
        trx,
        actor,
        'remediation.action_created',
        { type: 'remediation_action', id },
        this.auditOf(input),
        now,
      );
    });
    return this.getAction(id);
  }

  async updateAction(actor: Actor, id: string, input: ActionInput): Promise<Action> {
    const row = await findActionRow(this.deps.db.kysely, id);
    if (!row) throw actionNotFound(id);
    await this.deps.teams.requireRole(actor, row.teamId, 'admin');
    const existing = toAction(row);
    const kind = existing.kind;
    const needsConfig =
      input.http !== undefined ||
      input.agent !== undefined ||
      input.params !== undefined ||
      input.autoConditions !== undefined;
    const merged: ActionInput = {
      params: input.params ?? existing.params,
      autoConditions: input.autoConditions ?? existing.autoConditions,
      mode: input.mode ?? existing.mode,
      ...(kind === 'http'
        ? {
            http: input.http ?? {
              method: existing.http!.method,
              url: existing.http!.url,
              headers: existing.http!.headers,
              body: existing.http!.body ?? undefined,
              dryRun: existing.http!.dryRun ?? undefined,
              allowPrivateAddress: existing.http!.allowPrivateAddress,
            },
          }
        : { agent: input.agent ?? { ...existing.agent!, dryRunArgs: existing.agent!.dryRunArgs ?? [] } }),
    };
    if (kind === 'http' && input.agent)
      throw validationError([{ field: 'agent', message: 'is for agent actions; this is an HTTP action' }]);
    if (kind === 'agent' && input.http)
      throw validationError([{ field: 'http', message: 'is for HTTP actions; this is an agent action' }]);
    const prepared =
      needsConfig || input.mode !== undefined ? await this.prepare(actor, row.teamId, kind, merged, row) : null;
    const now = this.deps.clock.now();
    if (input.name !== undefined && !input.name.trim())
      throw validationError([{ field: 'name', message: 'must not be empty' }]);
    if (input.slug !== undefined && !SLUG.test(input.slug))
      throw validationError([{ field: 'slug', message: 'must be lower-case letters, digits and dashes, at most 64' }]);
    await this.deps.db.kysely.transaction().execute(async (trx) => {
      await trx
        .updateTable('remediationActions')
        .set({
          ...(input.name !== undefined ? { name: input.name.trim() } : {}),
          ...(input.slug !== undefined ? { slug: input.slug } : {}),
          ...(input.description !== undefined ? { description: input.description } : {}),
          ...(input.runbookId !== undefined ? { runbookId: input.runbookId } : {}),
          ...(input.mode !== undefined ? { mode: input.mode } : {}),
          ...(input.timeoutSeconds !== undefined ? { timeoutSeconds: input.timeoutSeconds } : {}),
          ...(input.rateLimitPerHour !== undefined ? { rateLimitPerHour: input.rateLimitPerHour } : {}),
          ...(input.enabled !== undefined ? { enabled: input.enabled ? 1 : 0 } : {}),
          ...(prepared
            ? {
                config: toJsonText(prepared.config),
                params: toJsonText(prepared.params),
                autoConditions: toJsonText(prepared.autoConditions),
                allowPrivateAddress: prepared.allowPrivate ? 1 : 0,
                ...(prepared.secretSealed !== undefined ? { secretSealed: prepared.secretSealed } : {}),
              }
            : {}),
          updatedAt: now,
        })
        .where('id', '=', id)
        .execute();
      await recordAudit(
        trx,
        actor,
        'remediation.action_updated',
        { type: 'remediation_action', id },
        this.auditOf(input),
        now,
      );
    });
    return this.getAction(id);
  }

  async deleteAction(actor: Actor, id: string): Promise<void> {
    const row = await findActionRow(this.deps.db.kysely, id);
    if (!row) throw actionNotFound(id);
    await this.deps.teams.requireRole(actor, row.teamId, 'admin');
    const now = this.deps.clock.now();
    await this.deps.db.kysely.transaction().execute(async (trx) => {
      const open = await trx
        .selectFrom('remediationRuns')
        .select('id')
        .where('actionId', '=', id)
        .where('status', 'in', ['awaiting_approval', 'queued', 'running'])
        .executeTakeFirst();
      if (open) throw conflict('action_busy', `The action has a run that has not ended (${open.id}); cancel it first.`);
      await trx.deleteFrom('remediationActions').where('id', '=', id).execute();
      await recordAudit(
        trx,
        actor,
        'remediation.action_deleted',
        { type: 'remediation_action', id },
        { name: row.name, teamId: row.teamId },
        now,
      );
    });
  }

  /** What the audit log keeps of an action change: never the secret nor header values. */
  private auditOf(input: ActionInput): Record<string, unknown> {
    return {
      name: input.name,
      kind: input.kind,
      mode: input.mode,
      enabled: input.enabled,
      ...(input.http
        ? {
            http: {
              method: input.http.method,
              url: input.http.url,
              headerNames: Object.keys(input.http.headers ?? {}),
              secretChanged: input.http.secret !== undefined,
              allowPrivateAddress: input.http.allowPrivateAddress,
            },
          }
        : {}),
      ...(input.agent
        ? {
            agent: { agentId: input.agent.agentId ?? null, command: input.agent.command, args: input.agent.args ?? [] },
          }
        : {}),
      params: input.params?.map((p) => p.name),
    };
  }

  /** Validate an action's configuration (400s naming each field) and seal what must be sealed. Network: DNS only. */
  private async prepare(
    actor: Actor,
    teamId: string,
    kind: ActionKind,
    input: ActionInput,
    existing: { config: string; secretSealed: string | null; allowPrivateAddress: number } | null,
  ): Promise<{
    config: StoredHttpConfig | AgentConfig;
    params: Param[];
    autoConditions: AutoConditions;
    secretSealed?: string | null;
    allowPrivate: boolean;
  }> {
    const problems: FieldProblem[] = [];
    if (existing === null && !(input.name ?? '').trim()) problems.push({ field: 'name', message: 'must not be empty' });
    const params = (input.params ?? []).map((p) => ({
      name: p.name,
      from: p.from,
      key: p.key,
      ...(p.pattern !== undefined && p.pattern !== '' ? { pattern: p.pattern } : {}),
      required: p.required,
    }));
    problems.push(...paramProblems(params));
    const autoConditions = autoConditionsOf(input.autoConditions ?? {}, problems);
    if ((input.mode ?? 'manual') === 'automatic' && Object.keys(autoConditions).length === 0) {
      problems.push({
        field: 'autoConditions',
        message:
          'must name at least one condition for an automatic action (alert names, services, severities or label matchers)',
      });
    }
    let config: StoredHttpConfig | AgentConfig;
    let secretSealed: string | null | undefined;
    let allowPrivate = false;
    if (kind === 'http') {
      if (!input.http)
        throw validationError([...problems, { field: 'http', message: 'is required for an HTTP action' }]);
      ({ config, secretSealed, allowPrivate } = await this.prepareHttp(actor, input.http, params, existing, problems));
    } else {
      if (!input.agent)
        throw validationError([...problems, { field: 'agent', message: 'is required for an agent action' }]);
      config = await this.prepareAgent(teamId, input.agent, params, problems);
    }
    if (input.runbookId) {
      const rb = await this.deps.db.kysely
        .selectFrom('runbooks')
        .select('teamId')
        .where('id', '=', input.runbookId)
        .executeTakeFirst();
      if (!rb || rb.teamId !== teamId)
        problems.push({ field: 'runbookId', message: "names no runbook of the action's team" });
    }
    if (problems.length) throw validationError(problems);
    return { config, params, autoConditions, ...(secretSealed !== undefined ? { secretSealed } : {}), allowPrivate };
  }

  /** An HTTP action's config: method, URL (checked when given), headers (credentials sealed), body, secret. */
  private async prepareHttp(
    actor: Actor,
    h: NonNullable<ActionInput['http']>,
    params: Param[],
    existing: { config: string; secretSealed: string | null; allowPrivateAddress: number } | null,
    problems: FieldProblem[],
  ): Promise<{ config: StoredHttpConfig; secretSealed: string | null | undefined; allowPrivate: boolean }> {
    let secretSealed: string | null | undefined;
    const method = h.method.toUpperCase();
    if (!(HTTP_METHODS as readonly string[]).includes(method))
      problems.push({ field: 'http.method', message: `must be one of ${HTTP_METHODS.join(', ')}` });
    problems.push(...urlTemplateProblems(h.url, params));
    const oldCfg = existing
      ? fromJsonText<StoredHttpConfig>(existing.config, { method: 'POST', url: '', headers: {} })
      : null;
    const headers: Record<string, string> = {};
    const sealedHeaders: Record<string, string> = {};
    for (const [name, value] of Object.entries(h.headers ?? {})) {
      const lower = name.toLowerCase();
      if (!HEADER_NAME.test(name) || RESERVED_HEADERS.has(lower)) {
        problems.push({ field: `http.headers.${name}`, message: 'is not a header an action may set' });
        continue;
      }
      // eslint-disable-next-line no-control-regex
      if (/[\r\n\u0000]/.test(value)) {
        problems.push({ field: `http.headers.${name}`, message: 'must not contain a line break' });
        continue;
      }
      if (SENSITIVE_HEADER.test(lower)) {
        if (value === HIDDEN) {
          const kept = oldCfg?.sealedHeaders?.[lower];
          if (kept) sealedHeaders[lower] = kept;
          else problems.push({ field: `http.headers.${name}`, message: 'has no stored value to keep; give the value' });
        } else {
          if (value.includes('{{'))
            problems.push({
              field: `http.headers.${name}`,
              message: 'holds a credential: it may not use placeholders',
            });
          sealedHeaders[lower] = await this.seal(value);
        }
      } else {
        problems.push(...templateProblems(value, `http.headers.${name}`, params));
        headers[lower] = value;
      }
    }
    if (h.body !== undefined && h.body !== null) {
      if (typeof h.body !== 'object')
        problems.push({
          field: 'http.body',
          message: 'must be a JSON object or array (its strings may use placeholders)',
        });
      for (const s of jsonStrings(h.body)) problems.push(...templateProblems(s, 'http.body', params));
      if (JSON.stringify(h.body).length > 32 * 1024)
        problems.push({ field: 'http.body', message: 'must be at most 32 KB' });
    }
    const allowPrivate = h.allowPrivateAddress ?? (existing ? existing.allowPrivateAddress === 1 : false);
    if (h.allowPrivateAddress === true && existing?.allowPrivateAddress !== 1 && !actor.isAdmin) {
      throw forbidden('Only an organisation administrator may allow an action to call a private address.', 'forbidden');
    }
    if (!problems.some((p) => p.field === 'http.url') && !allowPrivate) {
      const probe = h.url.replace(/\{\{[^}]*\}\}/g, 'x');
      const why = await outboundUrlProblem(probe, this.deps.resolve);
      if (why) problems.push({ field: 'http.url', message: why });
    }
    if (h.secret !== undefined) {
      if (h.secret !== null && h.secret.length < 16)
        problems.push({ field: 'http.secret', message: 'must be at least 16 characters' });
      else secretSealed = h.secret === null ? null : await this.seal(h.secret);
    } else if (!existing) {
      secretSealed = null;
    }
    const config: StoredHttpConfig = {
      method,
      url: h.url,
      headers,
      ...(Object.keys(sealedHeaders).length ? { sealedHeaders } : {}),
      ...(h.body !== undefined && h.body !== null ? { body: h.body } : {}),
      ...(h.dryRun && (h.dryRun.query || h.dryRun.header || h.dryRun.body) ? { dryRun: h.dryRun } : {}),
    };
    return { config, secretSealed, allowPrivate };
  }

  /** An agent action's config: the command of the agent's allow-list, its argument templates, the agent. */
  private async prepareAgent(
    teamId: string,
    a: NonNullable<ActionInput['agent']>,
    params: Param[],
    problems: FieldProblem[],
  ): Promise<AgentConfig> {
    if (!COMMAND.test(a.command))
      problems.push({
        field: 'agent.command',
        message: "must be a command name from the agent's allow-list (letters, digits, _ . : -)",
      });
    (a.args ?? []).forEach((t, i) => problems.push(...templateProblems(t, `agent.args[${i}]`, params)));
    (a.dryRunArgs ?? []).forEach((t, i) => problems.push(...templateProblems(t, `agent.dryRunArgs[${i}]`, params)));
    if (a.agentId) {
      const agent = await this.deps.db.kysely
        .selectFrom('remediationAgents')
        .select(['teamId', 'revokedAt'])
        .where('id', '=', a.agentId)
        .executeTakeFirst();
      if (!agent || agent.teamId !== teamId || agent.revokedAt !== null)
        problems.push({ field: 'agent.agentId', message: "names no agent of the action's team" });
    }
    return {
      agentId: a.agentId ?? null,
      command: a.command,
      args: a.args ?? [],
      ...(a.dryRunArgs && a.dryRunArgs.length ? { dryRunArgs: a.dryRunArgs } : {}),
    };
  }

  private async seal(text: string): Promise<string> {
    if (!this.deps.sealer) throw new Error('remediation: no sealer configured');
    return this.deps.sealer.seal(text);
  }

  // ---- runs ------------------------------------------------------------------------------------------------------

  /** Request a run (a person, or null for Muster itself); 400 naming a refused parameter, nothing recorded then. */
  async requestRun(actor: Actor | null, input: RunRequest): Promise<Run> {
    const now = this.deps.clock.now();
    const runId = await this.deps.db.kysely.transaction().execute(async (trx) => {
      const out = await this.requestRunIn(trx, actor, input, now);
      return out.id;
    });
    this.deps.onEnqueued?.();
    return (await findRun(this.deps.db.kysely, runId))!;
  }

  /**
   * The transactional form (automation rules' jobs, automatic runs): validate, record the run, audit, post to the
   * timeline and enqueue its execution. Throws a 400 AppError for a refused parameter unless `recordRefusal`, which
   * records a `failed` run with the reason instead (for runs nobody is waiting on).
   */
  async requestRunIn(
    trx: Transaction<Database> | Executor,
    actor: Actor | null,
    input: RunRequest,
    now: number = this.deps.clock.now(),
    opts: { recordRefusal?: boolean } = {},
  ): Promise<{ id: string; status: RunStatus }> {
    const row = await findActionRow(trx, input.actionId);
    if (!row) throw actionNotFound(input.actionId);
    const action = toAction(row);
    if (
      actor &&
      input.trigger === 'manual' &&
      !(await this.deps.teams.hasRole(actor, action.teamId, 'responder', trx))
    ) {
      throw forbidden(`Running this action needs the responder role in its team.`);
    }
    if (!action.enabled) throw conflict('action_disabled', `The action ${action.name} is disabled.`);
    const dryRun = input.dryRun === true;
    if (dryRun && !action.dryRunSupported) {
      throw validationError([
        { field: 'dryRun', message: 'this action has no dry run: its target does not support one' },
      ]);
    }
    const { ctx, serviceId, incidentId } = await this.contextFor(trx, input, action);
    // A person's run posts on the incident's timeline (and its IC may approve it): acting on the incident, which
    // needs the responder role in the team of a service it affects or one of its roles (src/incidents/access.ts).
    if (actor && input.trigger === 'manual' && incidentId && !(await canActOnIncident(trx, actor, incidentId))) {
      throw forbidden(
        'Running an action for this incident posts on its timeline: that needs the responder role in the team of a service it affects, or one of its roles.',
      );
    }
    if (input.trigger === 'rule') {
      // A rule's run is one Muster starts by itself: it counts against the same hourly limit as automatic runs.
      const recent = await this.recentSelfStartedRuns(trx, action.id, serviceId, now);
      const decision = automaticDecision({
        paused: false,
        recentAutomaticRuns: recent,
        rateLimitPerHour: action.rateLimitPerHour,
      });
      if (!decision.run) throw conflict('rate_limited', decision.reason);
    }
    const resolved = resolveParams(action.params, ctx);
    const problems = [...resolved.problems];
    let cfgTemplates: string[];
    if (action.kind === 'http') {
      const cfg = fromJsonText<StoredHttpConfig>(row.config, { method: 'POST', url: '', headers: {} });
      problems.push(...renderHttp(cfg, ctx, action.params, resolved.values, dryRun).problems);
      cfgTemplates = templatesOf('http', cfg);
    } else {
      const cfg = action.agent!;
      problems.push(
        ...renderArgs(dryRun && cfg.dryRunArgs ? cfg.dryRunArgs : cfg.args, ctx, action.params, resolved.values)
          .problems,
      );
      cfgTemplates = templatesOf('agent', cfg);
      await checkAgentCommand(trx, { teamId: action.teamId, agentId: cfg.agentId ?? null, command: cfg.command });
    }
    const unique = dedupe(problems);
    if (unique.length && !opts.recordRefusal)
      throw validationError(unique, 'A parameter was refused; the action did not run.');
    const stored = unique.length ? {} : storedValues(cfgTemplates, ctx, resolved.values);
    let icFlagged = false;
    if (actor?.userId && incidentId && input.trigger === 'manual') {
      // An approval action is only asked for here: it runs once a second person approves.
      const what = `${action.mode === 'approval' ? 'asked to run' : 'ran'} the action ${action.name}`;
      icFlagged = await recordTechnicalAction(trx, incidentId, actor.userId, what, now);
    }
    const status: RunStatus = unique.length ? 'failed' : action.mode === 'approval' ? 'awaiting_approval' : 'queued';
    const runId = newId('run', now);
    const label = actor?.label ?? (input.trigger === 'rule' ? 'Automation rule' : 'Muster (automatic)');
    await insertRun(
      trx,
      {
        id: runId,
        actionId: action.id,
        teamId: action.teamId,
        incidentId,
        alertId: input.alertId ?? null,
        serviceId,
        status,
        dryRun: dryRun ? 1 : 0,
        trigger: input.trigger,
        ruleId: input.ruleId ?? null,
        params: toJsonText(stored),
        requestedByUserId: actor?.userId ?? null,
        requestedByLabel: label,
        icFlagged: icFlagged ? 1 : 0,
        agentId: action.kind === 'agent' ? (action.agent?.agentId ?? null) : null,
        error: unique.length ? `Refused: ${unique.map((p) => `${p.field} ${p.message}`).join('; ')}` : null,
        finishedAt: unique.length ? now : null,
      },
      now,
    );
    const auditActor = actor ?? systemActor(label);
    await recordAudit(
      trx,
      auditActor,
      'remediation.run_requested',
      { type: 'remediation_run', id: runId },
      {
        actionId: action.id,
        actionName: action.name,
        params: stored,
        dryRun,
        trigger: input.trigger,
        ruleId: input.ruleId ?? null,
        incidentId,
        alertId: input.alertId ?? null,
        status,
        refused: unique.length ? unique : undefined,
      },
      now,
    );
    await postRunEvent(
      trx,
      runId,
      unique.length ? 'finished' : 'requested',
      { userId: actor?.userId ?? null, label },
      now,
    );
    if (status === 'queued') await this.dispatch(trx, action.kind, action.teamId, runId, now);
    return { id: runId, status };
  }

  /** A run became runnable: an HTTP run's job is enqueued; an agent run's waiting agents are nudged. */
  private async dispatch(trx: Executor, kind: ActionKind, teamId: string, runId: string, now: number): Promise<void> {
    if (kind === 'agent') await nudgeAgents(this.deps.db, trx, teamId);
    else await this.enqueueHttp(trx, runId, now);
  }

  private async enqueueHttp(trx: Executor, runId: string, now: number): Promise<void> {
    await enqueueJob(
      trx,
      this.deps.db.engine,
      { kind: HTTP_JOB, payload: { runId }, uniqueKey: `${HTTP_JOB}:${runId}`, maxAttempts: 3 },
      now,
    );
  }

  /** The values a run's templates may use: the alert's labels and annotations, the inputs, incident, service. */
  private async contextFor(
    trx: Executor,
    input: RunRequest,
    action: Action,
  ): Promise<{ ctx: TemplateContext; serviceId: string | null; incidentId: string | null }> {
    let labels: Record<string, string> = {};
    let annotations: Record<string, string> = {};
    let serviceId: string | null = null;
    let incidentId = input.incidentId ?? null;
    if (input.alertId) {
      const alert = await trx
        .selectFrom('alerts')
        .select(['id', 'labels', 'annotations', 'serviceId'])
        .where('id', '=', input.alertId)
        .executeTakeFirst();
      if (!alert) throw validationError([{ field: 'alertId', message: 'names no alert' }]);
      labels = fromJsonText<Record<string, string>>(alert.labels, {});
      annotations = fromJsonText<Record<string, string>>(alert.annotations, {});
      serviceId = alert.serviceId;
      if (!incidentId) {
        const link = await trx
          .selectFrom('incidentAlerts')
          .innerJoin('incidents', 'incidents.id', 'incidentAlerts.incidentId')
          .select('incidents.id')
          .where('incidentAlerts.alertId', '=', alert.id)
          .orderBy('incidents.declaredAt', 'desc')
          .executeTakeFirst();
        incidentId = link?.id ?? null;
      }
    }
    if (incidentId) {
      const inc = await trx.selectFrom('incidents').select('id').where('id', '=', incidentId).executeTakeFirst();
      if (!inc) throw validationError([{ field: 'incidentId', message: 'names no incident' }]);
      if (!serviceId) {
        const svc = await trx
          .selectFrom('incidentServices')
          .innerJoin('services', 'services.id', 'incidentServices.serviceId')
          .select(['services.id', 'services.teamId'])
          .where('incidentServices.incidentId', '=', incidentId)
          .orderBy('incidentServices.createdAt')
          .execute();
        serviceId = (svc.find((s) => s.teamId === action.teamId) ?? svc[0])?.id ?? null;
      }
    }
    const service = serviceId
      ? await trx.selectFrom('services').select('slug').where('id', '=', serviceId).executeTakeFirst()
      : undefined;
    return {
      ctx: {
        labels,
        annotations,
        inputs: { ...(input.params ?? {}) },
        incidentKey: incidentId,
        alertId: input.alertId ?? null,
        serviceSlug: service?.slug ?? null,
      },
      serviceId,
      incidentId,
    };
  }

  async listRuns(filter: {
    teamId?: string | undefined;
    status?: string | undefined;
    incidentId?: string | undefined;
    actionId?: string | undefined;
    limit?: number | undefined;
  }): Promise<Run[]> {
    let q = runsQuery(this.deps.db.kysely).orderBy('remediationRuns.id', 'desc');
    if (filter.teamId) q = q.where('remediationRuns.teamId', '=', filter.teamId);
    if (filter.status) q = q.where('remediationRuns.status', '=', filter.status);
    if (filter.incidentId) q = q.where('remediationRuns.incidentId', '=', filter.incidentId);
    if (filter.actionId) q = q.where('remediationRuns.actionId', '=', filter.actionId);
    return (await q.limit(filter.limit ?? 200).execute()).map(toRun);
  }

  async getRun(id: string): Promise<Run & { chunks: Chunk[] }> {
    const run = await findRun(this.deps.db.kysely, id);
    if (!run) throw runNotFound(id);
    return { ...run, chunks: await listChunks(this.deps.db.kysely, id, -1, 2000) };
  }

  /** A run without its chunks; 404 when there is none. */
  async findRun(id: string): Promise<Run> {
    const run = await findRun(this.deps.db.kysely, id);
    if (!run) throw runNotFound(id);
    return run;
  }

  /** Chunks after a sequence number and the run's status (the live stream). */
  async runProgress(id: string, afterSeq: number): Promise<{ run: Run; chunks: Chunk[] }> {
    const run = await findRun(this.deps.db.kysely, id);
    if (!run) throw runNotFound(id);
    return { run, chunks: await listChunks(this.deps.db.kysely, id, afterSeq) };
  }

  /**
   * Whether the actor may decide on a run: a responder of its team, or the Incident Commander of its incident when
   * that incident affects one of the team's services (else anyone could declare an incident, name a friend its
   * commander and have them approve: the second person would be no check at all).
   */
  private async mayDecide(
    trx: Executor,
    actor: Actor,
    run: { teamId: string; incidentId: string | null },
  ): Promise<{ ok: boolean; asCommander: boolean }> {
    if (actor.userId && run.incidentId) {
      const roles = await currentRoles(trx, run.incidentId);
      if (roles.commander?.userId === actor.userId) {
        const affects = await trx
          .selectFrom('incidentServices as isv')
          .innerJoin('services as s', 's.id', 'isv.serviceId')
          .select('isv.serviceId')
          .where('isv.incidentId', '=', run.incidentId)
          .where('s.teamId', '=', run.teamId)
          .executeTakeFirst();
        if (affects) return { ok: true, asCommander: true };
      }
    }
    return { ok: await this.deps.teams.hasRole(actor, run.teamId, 'responder', trx), asCommander: false };
  }

  /**
   * The route policy `run-decider` (approve, reject, cancel): a responder of the run's team or the Incident Commander
   * of its incident; null when there is no such run (the route answers 404). The service checks again in its
   * transaction.
   */
  async canDecide(actor: Actor, id: string): Promise<boolean | null> {
    const ex = this.deps.db.kysely;
    const run = await ex
      .selectFrom('remediationRuns')
      .select(['teamId', 'incidentId'])
      .where('id', '=', id)
      .executeTakeFirst();
    if (!run) return null;
    return (await this.mayDecide(ex, actor, run)).ok;
  }

  async approve(actor: Actor, id: string, note: string | undefined): Promise<Run> {
    const now = this.deps.clock.now();
    await this.deps.db.kysely.transaction().execute(async (trx) => {
      const run = await findRun(trx, id);
      if (!run) throw runNotFound(id);
      const may = await this.mayDecide(trx, actor, run);
      if (!may.ok) {
        throw forbidden(
          "Approving this run needs the responder role in the action's team, or the incident's Incident Commander.",
        );
      }
      if (run.status !== 'awaiting_approval')
        throw conflict('not_awaiting_approval', `The run is ${run.status.replace('_', ' ')}, not awaiting approval.`);
      if (run.requestedBy.userId && run.requestedBy.userId === actor.userId) {
        throw conflict('approver_is_requester', 'A second person must approve: you requested this run.');
      }
      const r = await trx
        .updateTable('remediationRuns')
        .set({
          status: 'queued',
          approvedByUserId: actor.userId,
          approvedByLabel: actor.label,
          decidedAt: now,
          decisionNote: note?.trim() || null,
          updatedAt: now,
        })
        .where('id', '=', id)
        .where('status', '=', 'awaiting_approval')
        .executeTakeFirst();
      if (Number(r.numUpdatedRows) === 0) throw conflict('not_awaiting_approval', 'The run was decided meanwhile.');
      await recordAudit(
        trx,
        actor,
        'remediation.run_approved',
        { type: 'remediation_run', id },
        { actionId: run.actionId, note: note ?? null, asIncidentCommander: may.asCommander },
        now,
      );
      await postRunEvent(trx, id, 'approved', actor, now, { asCommander: may.asCommander });
      await this.dispatch(trx, run.kind, run.teamId, id, now);
    });
    this.deps.onEnqueued?.();
    return (await findRun(this.deps.db.kysely, id))!;
  }

  async reject(actor: Actor, id: string, reason: string): Promise<Run> {
    const now = this.deps.clock.now();
    if (!reason.trim()) throw validationError([{ field: 'reason', message: 'must not be empty' }]);
    await this.deps.db.kysely.transaction().execute(async (trx) => {
      const run = await findRun(trx, id);
      if (!run) throw runNotFound(id);
      if (!(await this.mayDecide(trx, actor, run)).ok) {
        throw forbidden(
          "Rejecting this run needs the responder role in the action's team, or the incident's Incident Commander.",
        );
      }
      if (run.status !== 'awaiting_approval')
        throw conflict('not_awaiting_approval', `The run is ${run.status.replace('_', ' ')}, not awaiting approval.`);
      const r = await trx
        .updateTable('remediationRuns')
        .set({
          status: 'rejected',
          approvedByUserId: actor.userId,
          approvedByLabel: actor.label,
          decidedAt: now,
          decisionNote: reason.trim(),
          finishedAt: now,
          updatedAt: now,
        })
        .where('id', '=', id)
        // An approval (or cancel) that committed since the read wins: its job may be sending already.
        .where('status', '=', 'awaiting_approval')
        .executeTakeFirst();
      if (Number(r.numUpdatedRows) === 0) throw conflict('not_awaiting_approval', 'The run was decided meanwhile.');
      await recordAudit(
        trx,
        actor,
        'remediation.run_rejected',
        { type: 'remediation_run', id },
        { actionId: run.actionId, reason: reason.trim() },
        now,
      );
      await postRunEvent(trx, id, 'rejected', actor, now, { note: reason.trim() });
    });
    return (await findRun(this.deps.db.kysely, id))!;
  }

  async cancel(actor: Actor, id: string): Promise<Run> {
    const now = this.deps.clock.now();
    await this.deps.db.kysely.transaction().execute(async (trx) => {
      const run = await findRun(trx, id);
      if (!run) throw runNotFound(id);
      if (!(await this.mayDecide(trx, actor, run)).ok && run.requestedBy.userId !== actor.userId) {
        throw forbidden("Cancelling this run needs the responder role in the action's team.");
      }
      if (isFinal(run.status) || !canTransition(run.status, 'cancelled'))
        throw conflict('run_ended', `The run has ended (${run.status.replace('_', ' ')}).`);
      await finishRun(trx, id, { status: 'cancelled', error: `Cancelled by ${actor.label}.`, actor }, now);
    });
    return (await findRun(this.deps.db.kysely, id))!;
  }

  /** Runs awaiting approval the caller may approve (not their own requests). */
  async approvals(actor: Actor): Promise<Run[]> {
    const db = this.deps.db.kysely;
    const waiting = (
      await runsQuery(db)
        .where('remediationRuns.status', '=', 'awaiting_approval')
        .orderBy('remediationRuns.id')
        .limit(500)
        .execute()
    ).map(toRun);
    const out: Run[] = [];
    for (const run of waiting) {
      if (run.requestedBy.userId && run.requestedBy.userId === actor.userId) continue;
      if ((await this.mayDecide(db, actor, run)).ok) out.push(run);
    }
    return out;
  }

  // ---- the kill switch and automatic runs ------------------------------------------------------------------------

  async automationSettings(teamId: string, ex: Executor = this.deps.db.kysely): Promise<AutomationSettings> {
    const row = await ex
      .selectFrom('teamAutomationSettings')
      .selectAll()
      .where('teamId', '=', teamId)
      .executeTakeFirst();
    return {
      teamId,
      automaticPaused: row?.automaticPaused === 1,
      reason: row?.pausedReason ?? null,
      updatedBy: row?.updatedByLabel ?? null,
      updatedAt: row?.updatedAt ?? null,
    };
  }

  async setAutomation(
    actor: Actor,
    teamId: string,
    input: { automaticPaused: boolean; reason?: string | null | undefined },
  ): Promise<AutomationSettings> {
    await this.deps.teams.requireRole(actor, teamId, 'admin');
    const now = this.deps.clock.now();
    const reason = input.automaticPaused ? input.reason?.trim() || null : null;
    const paused: 0 | 1 = input.automaticPaused ? 1 : 0;
    await this.deps.db.kysely.transaction().execute(async (trx) => {
      const values = {
        automaticPaused: paused,
        pausedReason: reason,
        updatedByLabel: actor.label,
        updatedAt: now,
      };
      await trx
        .insertInto('teamAutomationSettings')
        .values({ teamId, ...values })
        .onConflict((oc) => oc.column('teamId').doUpdateSet(values))
        .execute();
      await recordAudit(
        trx,
        actor,
        input.automaticPaused ? 'remediation.automatic_paused' : 'remediation.automatic_resumed',
        { type: 'team', id: teamId },
        { reason },
        now,
      );
    });
    return this.automationSettings(teamId);
  }

  /** Whether a team has an enabled automatic action (the intake hook's cheap pre-check). */
  async hasAutomaticActions(ex: Executor, teamId: string): Promise<boolean> {
    const r = await ex
      .selectFrom('remediationActions')
      .select('id')
      .where('teamId', '=', teamId)
      .where('mode', '=', 'automatic')
      .where('enabled', '=', 1)
      .executeTakeFirst();
    return r !== undefined;
  }

  /**
   * For a newly triggered alert (the `automation.evaluate` job): run each enabled automatic action of the alert's
   * team whose conditions match, unless the kill switch is on or the action already ran `rateLimitPerHour` times
   * automatically for this service in the last hour — then a `skipped` run records why (audited, on the timeline).
   * At most one automatic run per action and alert, so a retried job does not run twice.
   */
  async maybeRunAutomatic(trx: Transaction<Database> | Executor, alertId: string): Promise<void> {
    const now = this.deps.clock.now();
    const alert = await trx
      .selectFrom('alerts')
      .innerJoin('services', 'services.id', 'alerts.serviceId')
      .select([
        'alerts.id',
        'alerts.labels',
        'alerts.serviceId',
        'alerts.severity',
        'alerts.ruleKey',
        'alerts.isDrill',
        'services.teamId',
      ])
      .where('alerts.id', '=', alertId)
      .executeTakeFirst();
    if (!alert?.teamId) return;
    const actions = await trx
      .selectFrom('remediationActions')
      .selectAll()
      .where('teamId', '=', alert.teamId)
      .where('mode', '=', 'automatic')
      .where('enabled', '=', 1)
      .orderBy('id')
      .execute();
    if (!actions.length) return;
    const labels = fromJsonText<Record<string, string>>(alert.labels, {});
    const settings = await this.automationSettings(alert.teamId, trx);
    for (const row of actions) {
      const action = toAction(row);
      if (
        !matchesAutoConditions(action.autoConditions, {
          ruleKey: alert.ruleKey,
          labels,
          serviceId: alert.serviceId,
          severity: alert.severity,
        })
      )
        continue;
      // Two alerts of one service evaluated at once (PostgreSQL) would both count N-1 recent runs and both run:
      // the action's row, locked until this job commits, makes the count and the insert one step. NO KEY: a
      // person's run of the action (a key-share lock for its foreign key) does not wait for it.
      if (this.deps.db.engine === 'postgres') {
        await trx.selectFrom('remediationActions').select('id').where('id', '=', action.id).forNoKeyUpdate().execute();
      }
      const already = await trx
        .selectFrom('remediationRuns')
        .select('id')
        .where('actionId', '=', action.id)
        .where('alertId', '=', alert.id)
        .where('trigger', '=', 'automatic')
        .executeTakeFirst();
      if (already) continue;
      const decision = automaticDecision({
        paused: settings.automaticPaused,
        pausedReason: settings.reason,
        recentAutomaticRuns: await this.recentSelfStartedRuns(trx, action.id, alert.serviceId, now),
        rateLimitPerHour: action.rateLimitPerHour,
      });
      if (decision.run) {
        await this.requestRunIn(trx, null, { actionId: action.id, alertId: alert.id, trigger: 'automatic' }, now, {
          recordRefusal: true,
        });
      } else {
        await this.recordSkipped(trx, action, alert.id, alert.serviceId, decision.reason, now);
      }
    }
  }

  /**
   * Runs of the action Muster started by itself (automatic, or by an automation rule) for the service in the last
   * hour, skipped ones aside. On PostgreSQL the caller holds the action's row lock when it must count and insert as
   * one step (maybeRunAutomatic); a rule's run is serialised by its job's once-per-subject insert.
   */
  private async recentSelfStartedRuns(
    trx: Executor,
    actionId: string,
    serviceId: string | null,
    now: number,
  ): Promise<number> {
    let q = trx
      .selectFrom('remediationRuns')
      .select((eb) => eb.fn.countAll<number>().as('n'))
      .where('actionId', '=', actionId)
      .where('trigger', 'in', ['automatic', 'rule'])
      .where('status', '!=', 'skipped')
      .where('createdAt', '>', now - 3_600_000);
    q = serviceId === null ? q.where('serviceId', 'is', null) : q.where('serviceId', '=', serviceId);
    const r = await q.executeTakeFirst();
    return Number(r?.n ?? 0);
  }

  private async recordSkipped(
    trx: Executor,
    action: Action,
    alertId: string,
    serviceId: string,
    reason: string,
    now: number,
  ): Promise<void> {
    const link = await trx
      .selectFrom('incidentAlerts')
      .select('incidentId')
      .where('alertId', '=', alertId)
      .executeTakeFirst();
    const runId = newId('run', now);
    await insertRun(
      trx,
      {
        id: runId,
        actionId: action.id,
        teamId: action.teamId,
        incidentId: link?.incidentId ?? null,
        alertId,
        serviceId,
        status: 'skipped',
        trigger: 'automatic',
        requestedByLabel: 'Muster (automatic)',
        error: reason,
        finishedAt: now,
      },
      now,
    );
    await recordAudit(
      trx,
      systemActor('Muster (automatic)'),
      'remediation.run_skipped',
      { type: 'remediation_run', id: runId },
      { actionId: action.id, alertId, reason },
      now,
    );
    await postRunEvent(trx, runId, 'skipped', { userId: null, label: 'Muster (automatic)' }, now);
  }
}

/** An action's automatic conditions as stored (empty lists left out); a regex matcher compiles on RE2 or is refused. */
function autoConditionsOf(ac: AutoConditions, problems: FieldProblem[]): AutoConditions {
  const out: AutoConditions = {};
  if (ac.alertnames?.length) out.alertnames = ac.alertnames;
  if (ac.serviceIds?.length) out.serviceIds = ac.serviceIds;
  if (ac.severities?.length) out.severities = ac.severities;
  if (ac.matchers?.length) {
    out.matchers = ac.matchers.map((m, i) => {
      if (m.op === '=~' || m.op === '!~') {
        const prob = patternProblem(`autoConditions.matchers[${i}].value`, m.value);
        if (prob) problems.push(prob);
      }
      return { name: m.name, op: m.op, value: m.value };
    });
  }
  return out;
}

function dedupe(problems: FieldProblem[]): FieldProblem[] {
  const seen = new Set<string>();
  // A template's "has no value" only echoes why its parameter was refused (a missing or refused value): keep the why.
  const explained = new Set(problems.filter((p) => p.message !== 'has no value').map((p) => p.field));
  return problems.filter((p) => {
    if (p.message === 'has no value' && explained.has(p.field)) return false;
    const k = `${p.field}\u0000${p.message}`;
    if (seen.has(k)) return false;
    seen.add(k);
    return true;
  });
}

function systemActor(label: string): Actor {
  return { userId: null, tokenId: null, label, ip: null, isAdmin: true };
}
