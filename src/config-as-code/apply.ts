/**
 * Applying a plan inside the caller's transaction: each change written with the same columns the domain services
 * write, references resolved from slugs and emails to ids as objects are created, one audit entry per object and
 * one for the whole apply (src/config-as-code/service.ts). Anything that throws rolls the whole apply back.
 */
import { randomBytes } from 'node:crypto';
import type { Db, Executor } from '../db/index.js';
import { serviceHasAlerts } from '../catalog/errors.js';
import { integrationKeyFromBytes, integrationKeyPrefix } from '../catalog/model.js';
import { replaceDependencies } from '../catalog/repo.js';
import { checkScheduleTargets } from '../escalation/policies.js';
import type { EscalationLevel } from '../escalation/model.js';
import { recordAudit, type Actor } from '../identity/index.js';
import { scheduleNextHandoff } from '../oncall/handoff-jobs.js';
import { replaceParticipants, turnToColumns } from '../oncall/repo.js';
import { assertActiveUsers } from '../oncall/service.js';
import type { TurnLength } from '../oncall/model.js';
import { sha256Hex } from '../shared/crypto.js';
import { newId } from '../shared/ids.js';
import { fromJsonText, toJsonText } from '../shared/json.js';
import { recheckHeldBy } from '../alerts/suppression.js';
import { savePolicy } from '../incidents/repo.js';
import type { Severity } from '../incidents/severity.js';
import { listPolicies } from '../postmortems/repo.js';
import { conflict } from '../shared/errors.js';
import { contactMethodKey, type Current, type SlugKind } from './current.js';
import { KIND_WORD, mergedValue, type Change, type DesiredState, type Plan, type Value } from './model.js';
import type { Kind } from './schema.js';

/** A key apply made: its secret, shown once in the apply's answer and never again. */
export interface NewIntegrationKey {
  service: string;
  name: string;
  source: string;
  prefix: string;
  key: string;
}

interface Ctx {
  trx: Executor;
  engine: Db['engine'];
  actor: Actor;
  now: number;
  current: Current;
  desired: DesiredState;
  newKeys: NewIntegrationKey[];
}

const AUDIT_TYPE: Record<Kind, string> = {
  users: 'user',
  teams: 'team',
  schedules: 'schedule',
  escalationPolicies: 'escalation_policy',
  services: 'service',
  postmortemTemplates: 'postmortem_template',
  severityPolicies: 'severity_policy',
  runbooks: 'runbook',
  statusPageComponents: 'status_component',
  silences: 'silence',
};

const must = (m: Map<string, string>, key: string, what: string): string => {
  const id = m.get(key);
  if (id === undefined) throw new Error(`config apply: no ${what} ${key}`); // plan's reference check prevents this
  return id;
};

export async function applyPlan(
  trx: Executor,
  engine: Db['engine'],
  actor: Actor,
  now: number,
  desired: DesiredState,
  current: Current,
  plan: Plan,
): Promise<NewIntegrationKey[]> {
  const ctx: Ctx = { trx, engine, actor, now, current, desired, newKeys: [] };
  for (const change of plan.changes) {
    const id = await APPLY[change.kind](ctx, change);
    await recordAudit(
      trx,
      actor,
      `config.${KIND_WORD[change.kind]}.${change.action}d`,
      { type: AUDIT_TYPE[change.kind], id },
      { key: change.key, fields: change.fields.map((f) => f.field) },
      now,
    );
  }
  await applyDependencies({ trx, now, current, desired, plan });
  return ctx.newKeys;
}

type Applier = (ctx: Ctx, change: Change) => Promise<string>;

function values(ctx: Ctx, change: Change): { value: Value; id: string | undefined } {
  const cur = ctx.current.state[change.kind].get(change.key);
  const d = ctx.desired[change.kind].get(change.key);
  return { value: d ? mergedValue(change.kind, d.value, cur?.value) : {}, id: cur?.id };
}

async function rememberSlug(ctx: Ctx, kind: SlugKind, slug: string, objectId: string): Promise<void> {
  await ctx.trx
    .deleteFrom('configSlugs')
    .where('kind', '=', kind)
    .where((eb) => eb.or([eb('slug', '=', slug), eb('objectId', '=', objectId)]))
    .execute();
  await ctx.trx.insertInto('configSlugs').values({ kind, slug, objectId, createdAt: ctx.now }).execute();
}

const applyUser: Applier = async (ctx, change) => {
  const { value: v, id } = values(ctx, change);
  const { trx, now } = ctx;
  if (change.action === 'delete') {
    await trx.updateTable('users').set({ disabledAt: now, updatedAt: now }).where('id', '=', id!).execute();
    await trx.deleteFrom('sessions').where('userId', '=', id!).execute();
    return id!;
  }
  const cols = {
    name: String(v.name),
    timezone: String(v.timezone),
    isAdmin: v.admin ? (1 as const) : (0 as const),
    updatedAt: now,
  };
  if (change.action === 'update') {
    await trx
      .updateTable('users')
      .set({ ...cols, disabledAt: null })
      .where('id', '=', id!)
      .execute();
    await applyRules(ctx, id!, String(v.email), v.notificationRules);
    return id!;
  }
  // A person not yet in Muster is invited: no password; an administrator sends a sign-in link.
  const newIdValue = newId('usr', now);
  await trx
    .insertInto('users')
    .values({ id: newIdValue, email: String(v.email), passwordHash: null, createdAt: now, disabledAt: null, ...cols })
    .execute();
  ctx.current.lookup.userIdByEmail.set(String(v.email), newIdValue);
  return newIdValue;
};

/** A person's notification rules, exactly the file's when it lists them, on their own contact methods. */
async function applyRules(ctx: Ctx, uid: string, email: string, rules: unknown): Promise<void> {
  if (rules === undefined) return;
  await ctx.trx.deleteFrom('notificationRules').where('userId', '=', uid).execute();
  for (const r of rules as {
    contactMethod: { kind: string; address: string };
    urgency: string;
    delayMinutes: number;
  }[]) {
    const contactMethodId = must(
      ctx.current.lookup.contactMethodIds,
      contactMethodKey(email, r.contactMethod.kind, r.contactMethod.address),
      'contact method',
    );
    await ctx.trx
      .insertInto('notificationRules')
      .values({
        id: newId('nr', ctx.now),
        userId: uid,
        contactMethodId,
        urgency: r.urgency,
        delayMinutes: r.delayMinutes,
        createdAt: ctx.now,
      })
      .execute();
  }
}

const userId = (ctx: Ctx, email: string) => must(ctx.current.lookup.userIdByEmail, email, 'user');

const applyTeam: Applier = async (ctx, change) => {
  const { value: v, id } = values(ctx, change);
  const { trx, now } = ctx;
  if (change.action === 'delete') {
    await trx.deleteFrom('teamMembers').where('teamId', '=', id!).execute();
    await trx.deleteFrom('teams').where('id', '=', id!).execute();
    return id!;
  }
  let teamId = id;
  const cols = { name: String(v.name), description: String(v.description), updatedAt: now };
  if (change.action === 'create') {
    teamId = newId('team', now);
    await trx
      .insertInto('teams')
      .values({ id: teamId, slug: String(v.slug), createdAt: now, ...cols })
      .execute();
    ctx.current.lookup.teamIdBySlug.set(String(v.slug), teamId);
  } else {
    await trx.updateTable('teams').set(cols).where('id', '=', teamId!).execute();
  }
  const members = (v.members ?? []) as { user: string; role: string }[];
  await trx.deleteFrom('teamMembers').where('teamId', '=', teamId!).execute();
  if (members.length) {
    await trx
      .insertInto('teamMembers')
      .values(members.map((m) => ({ teamId: teamId!, userId: userId(ctx, m.user), role: m.role, createdAt: now })))
      .execute();
  }
  return teamId!;
};

interface LayerValue {
  name: string;
  timeZone: string | null;
  participants: string[];
  turn: TurnLength;
  startDate: string;
  handoffTime: string;
  restrictions: { days: string[]; start: string; end: string }[];
  endsAt: string | null;
}

const applySchedule: Applier = async (ctx, change) => {
  const { value: v, id } = values(ctx, change);
  const { trx, now } = ctx;
  if (change.action === 'delete') {
    const layerIds = (await trx.selectFrom('scheduleLayers').select('id').where('scheduleId', '=', id!).execute()).map(
      (l) => l.id,
    );
    if (layerIds.length) await trx.deleteFrom('scheduleLayerParticipants').where('layerId', 'in', layerIds).execute();
    await trx.deleteFrom('scheduleLayers').where('scheduleId', '=', id!).execute();
    await trx.deleteFrom('scheduleOverrides').where('scheduleId', '=', id!).execute();
    await trx.deleteFrom('shiftSwapRequests').where('scheduleId', '=', id!).execute();
    await trx
      .updateTable('calendarFeedTokens')
      .set({ revokedAt: now })
      .where('kind', '=', 'schedule')
      .where('targetId', '=', id!)
      .where('revokedAt', 'is', null)
      .execute();
    await trx.deleteFrom('schedules').where('id', '=', id!).execute();
    await trx.deleteFrom('configSlugs').where('kind', '=', 'schedule').where('objectId', '=', id!).execute();
    return id!;
  }
  const cols = {
    name: String(v.name),
    description: String(v.description),
    timezone: String(v.timezone),
    teamId: must(ctx.current.lookup.teamIdBySlug, String(v.team), 'team'),
    shared: v.shared ? (1 as const) : (0 as const),
    updatedAt: now,
  };
  let scheduleId = id;
  if (change.action === 'create') {
    scheduleId = newId('sch', now);
    await trx
      .insertInto('schedules')
      .values({ id: scheduleId, createdAt: now, ...cols })
      .execute();
    ctx.current.lookup.scheduleIdBySlug.set(String(v.slug), scheduleId);
  } else {
    await trx.updateTable('schedules').set(cols).where('id', '=', scheduleId!).execute();
  }
  await rememberSlug(ctx, 'schedule', String(v.slug), scheduleId!);

  // Layers are matched by position: the layer at the same place is updated, extra ones added or removed.
  const layers = v.layers as LayerValue[];
  const existing = await trx
    .selectFrom('scheduleLayers')
    .select(['id', 'position'])
    .where('scheduleId', '=', scheduleId!)
    .orderBy('position')
    .orderBy('id')
    .execute();
  for (const [position, l] of layers.entries()) {
    const participants = l.participants.map((e) => userId(ctx, e));
    await assertActiveUsers(trx, participants, `layers[${position}].participants`);
    const layerCols = {
      name: l.name,
      position,
      ...turnToColumns(l.turn),
      startDate: l.startDate,
      handoffTime: l.handoffTime,
      restrictions: toJsonText(l.restrictions),
      endsAt: l.endsAt === null ? null : Date.parse(l.endsAt),
      timeZone: l.timeZone,
      updatedAt: now,
    };
    let layerId = existing[position]?.id;
    if (layerId) {
      await trx.updateTable('scheduleLayers').set(layerCols).where('id', '=', layerId).execute();
    } else {
      layerId = newId('lay', now);
      await trx
        .insertInto('scheduleLayers')
        .values({ id: layerId, scheduleId: scheduleId!, createdAt: now, ...layerCols })
        .execute();
    }
    await replaceParticipants(trx, layerId, participants);
  }
  const extra = existing.slice(layers.length).map((l) => l.id);
  if (extra.length) {
    await trx.deleteFrom('scheduleLayerParticipants').where('layerId', 'in', extra).execute();
    await trx.deleteFrom('scheduleLayers').where('id', 'in', extra).execute();
  }

  // Overrides that have not ended: exactly the file's, when it lists them.
  if (v.overrides !== undefined) {
    const want = v.overrides as { user: string; start: string; end: string; reason: string }[];
    const have = await trx
      .selectFrom('scheduleOverrides')
      .select(['id', 'userId', 'startsAt', 'endsAt', 'reason'])
      .where('scheduleId', '=', scheduleId!)
      .where('endsAt', '>', now)
      .execute();
    const keyOf = (uid: string, s: number, e: number, r: string) => `${uid}|${s}|${e}|${r}`;
    const wanted = new Map(
      want.map((o) => {
        const uid = userId(ctx, o.user);
        return [keyOf(uid, Date.parse(o.start), Date.parse(o.end), o.reason), { ...o, uid }];
      }),
    );
    const gone = have.filter((h) => !wanted.delete(keyOf(h.userId, h.startsAt, h.endsAt, h.reason))).map((h) => h.id);
    if (gone.length) await trx.deleteFrom('scheduleOverrides').where('id', 'in', gone).execute();
    for (const o of wanted.values()) {
      await assertActiveUsers(trx, [o.uid], 'overrides.user');
      await trx
        .insertInto('scheduleOverrides')
        .values({
          id: newId('ovr', now),
          scheduleId: scheduleId!,
          userId: o.uid,
          startsAt: Date.parse(o.start),
          endsAt: Date.parse(o.end),
          reason: o.reason,
          swapRequestId: null,
          createdByLabel: ctx.actor.label,
          createdAt: now,
        })
        .execute();
    }
  }
  await scheduleNextHandoff(trx, ctx.engine, scheduleId!, now, now);
  return scheduleId!;
};

const applyPolicy: Applier = async (ctx, change) => {
  const { value: v, id } = values(ctx, change);
  const { trx, now } = ctx;
  if (change.action === 'delete') {
    await trx.deleteFrom('escalationPolicies').where('id', '=', id!).execute();
    await trx.deleteFrom('configSlugs').where('kind', '=', 'escalation_policy').where('objectId', '=', id!).execute();
    return id!;
  }
  const teamId = must(ctx.current.lookup.teamIdBySlug, String(v.team), 'team');
  const levels: EscalationLevel[] = (
    v.levels as { delayMinutes: number; condition?: EscalationLevel['condition']; targets: Record<string, string>[] }[]
  ).map((l) => ({
    delayMinutes: l.delayMinutes,
    ...(l.condition ? { condition: l.condition } : {}),
    targets: l.targets.map((t) =>
      t.user !== undefined
        ? { type: 'user' as const, id: userId(ctx, t.user) }
        : { type: 'schedule' as const, id: must(ctx.current.lookup.scheduleIdBySlug, t.schedule!, 'schedule') },
    ),
  }));
  await checkScheduleTargets(trx, teamId, levels);
  const cols = {
    teamId,
    name: String(v.name),
    description: String(v.description),
    repeat: Number(v.repeat),
    levels: toJsonText(levels),
    workingHours: toJsonText(v.workingHours),
    ackTimeoutMinutes: (v.ackTimeoutMinutes as number | null) ?? null,
    shared: v.shared ? (1 as const) : (0 as const),
    updatedAt: now,
  };
  let policyId = id;
  if (change.action === 'create') {
    policyId = newId('esc', now);
    await trx
      .insertInto('escalationPolicies')
      .values({ id: policyId, createdAt: now, ...cols })
      .execute();
    ctx.current.lookup.policyIdBySlug.set(String(v.slug), policyId);
  } else {
    await trx.updateTable('escalationPolicies').set(cols).where('id', '=', policyId!).execute();
  }
  await rememberSlug(ctx, 'escalation_policy', String(v.slug), policyId!);
  return policyId!;
};

const applyService: Applier = async (ctx, change) => {
  const { value: v, id } = values(ctx, change);
  const { trx, now } = ctx;
  if (change.action === 'delete') {
    // Alerts are history (and alert-quality data): a service that has any is kept, as in the UI.
    const alert = await trx.selectFrom('alerts').select('id').where('serviceId', '=', id!).executeTakeFirst();
    if (alert) throw serviceHasAlerts(change.key);
    await trx
      .deleteFrom('serviceDependencies')
      .where((eb) => eb.or([eb('dependsOnId', '=', id!), eb('serviceId', '=', id!)]))
      .execute();
    await trx.deleteFrom('services').where('id', '=', id!).execute();
    return id!;
  }
  const g = v.pagingGroups as { mode: string; labels: string[]; windowMinutes: number };
  const cols = {
    name: String(v.name),
    description: String(v.description),
    teamId: must(ctx.current.lookup.teamIdBySlug, String(v.team), 'team'),
    criticality: String(v.criticality),
    escalationPolicyId:
      v.escalationPolicy === null
        ? null
        : must(ctx.current.lookup.policyIdBySlug, v.escalationPolicy as string, 'escalation policy'),
    incidentRule: v.incidentRule === null ? null : toJsonText(v.incidentRule),
    pagingGroupMode: g.mode,
    pagingGroupLabels: toJsonText(g.labels),
    pagingGroupWindowMinutes: g.windowMinutes,
    updatedAt: now,
  };
  let serviceId = id;
  if (change.action === 'create') {
    serviceId = newId('svc', now);
    await trx
      .insertInto('services')
      .values({ id: serviceId, slug: String(v.slug), createdAt: now, ...cols })
      .execute();
    ctx.current.lookup.serviceIdBySlug.set(String(v.slug), serviceId);
  } else {
    await trx.updateTable('services').set(cols).where('id', '=', serviceId!).execute();
  }
  // Integration keys: declared by name and source; a new one is made here and its secret answered once.
  if (v.integrationKeys !== undefined) {
    const want = v.integrationKeys as { name: string; source: string }[];
    const have = await trx
      .selectFrom('integrationKeys')
      .select(['id', 'name', 'source'])
      .where('serviceId', '=', serviceId!)
      .where('revokedAt', 'is', null)
      .where('isDrill', '=', 0)
      .execute();
    const k = (x: { name: string; source: string }) => `${x.source}|${x.name}`;
    const wanted = new Set(want.map(k));
    const gone = have.filter((h) => !wanted.has(k(h))).map((h) => h.id);
    if (gone.length) await trx.updateTable('integrationKeys').set({ revokedAt: now }).where('id', 'in', gone).execute();
    const haveKeys = new Set(have.map(k));
    for (const w of want.filter((x) => !haveKeys.has(k(x)))) {
      const key = integrationKeyFromBytes(randomBytes(32));
      const keyId = newId('ikey', now);
      await trx
        .insertInto('integrationKeys')
        .values({
          id: keyId,
          serviceId: serviceId!,
          source: w.source,
          name: w.name,
          keyHash: sha256Hex(key),
          prefix: integrationKeyPrefix(key),
          createdAt: now,
          createdBy: ctx.actor.label,
          lastUsedAt: null,
          revokedAt: null,
          replacedById: null,
          isDrill: 0,
        })
        .execute();
      ctx.newKeys.push({
        service: String(v.slug),
        name: w.name,
        source: w.source,
        prefix: integrationKeyPrefix(key),
        key,
      });
    }
  }
  await applyWindows(ctx, serviceId!, v.maintenanceWindows as TimeBound[] | undefined);
  await applySilences(ctx, serviceId!, v.silences as (TimeBound & { matchers: unknown[] })[] | undefined);
  return serviceId!;
};

interface TimeBound {
  start: string;
  end: string;
  comment: string;
}

const entryKey = (x: TimeBound & { matchers?: unknown[] }) =>
  JSON.stringify([Date.parse(x.start), Date.parse(x.end), x.comment, x.matchers ?? null]);

/** Maintenance windows that have not ended: exactly the file's; a removed one lets what it held page at once. */
async function applyWindows(ctx: Ctx, serviceId: string, want: TimeBound[] | undefined): Promise<void> {
  if (want === undefined) return;
  const { trx, now } = ctx;
  const have = await trx
    .selectFrom('maintenanceWindows')
    .select(['id', 'startsAt', 'endsAt', 'comment'])
    .where('serviceId', '=', serviceId)
    .where('endsAt', '>', now)
    .execute();
  const wanted = new Map(want.map((w) => [entryKey(w), w]));
  for (const h of have) {
    if (wanted.delete(entryKey({ start: iso(h.startsAt), end: iso(h.endsAt), comment: h.comment }))) continue;
    await trx.deleteFrom('maintenanceWindows').where('id', '=', h.id).execute();
    await recheckHeldBy(trx, ctx.engine, h.id, now);
  }
  for (const w of wanted.values()) {
    await trx
      .insertInto('maintenanceWindows')
      .values({
        id: newId('mnt', now),
        serviceId,
        startsAt: Date.parse(w.start),
        endsAt: Date.parse(w.end),
        comment: w.comment,
        createdByUserId: ctx.actor.userId,
        createdByLabel: ctx.actor.label,
        createdAt: now,
      })
      .execute();
  }
}

/** The service's silences that have not ended: exactly the file's; a removed one is expired now, as in the UI. */
async function applySilences(
  ctx: Ctx,
  serviceId: string,
  want: (TimeBound & { matchers: unknown[] })[] | undefined,
): Promise<void> {
  if (want === undefined) return;
  const { trx, now } = ctx;
  const have = await trx
    .selectFrom('silences')
    .select(['id', 'matchers', 'startsAt', 'endsAt', 'comment'])
    .where('serviceId', '=', serviceId)
    .where('endsAt', '>', now)
    .execute();
  const wanted = new Map(want.map((w) => [entryKey(w), w]));
  for (const h of have) {
    const matchers = fromJsonText<{ name: string; value: string; isRegex: boolean; isEqual: boolean }[]>(
      h.matchers,
      [],
    );
    const key = entryKey({
      start: iso(h.startsAt),
      end: iso(h.endsAt),
      comment: h.comment,
      matchers: matchers.map((m) => ({ name: m.name, value: m.value, isRegex: m.isRegex, isEqual: m.isEqual })),
    });
    if (wanted.delete(key)) continue;
    await trx
      .updateTable('silences')
      .set({ endsAt: now, startsAt: Math.min(h.startsAt, now), expiredByLabel: ctx.actor.label, updatedAt: now })
      .where('id', '=', h.id)
      .execute();
    await recheckHeldBy(trx, ctx.engine, h.id, now);
  }
  for (const w of wanted.values()) {
    await trx
      .insertInto('silences')
      .values({
        id: newId('sil', now),
        serviceId,
        matchers: toJsonText(w.matchers),
        startsAt: Date.parse(w.start),
        endsAt: Date.parse(w.end),
        comment: w.comment,
        createdByUserId: ctx.actor.userId,
        createdByLabel: ctx.actor.label,
        expiredByLabel: null,
        createdAt: now,
        updatedAt: now,
      })
      .execute();
  }
}

const iso = (ms: number): string => new Date(ms).toISOString();

/** Dependencies point at services that may be created later in the same apply: set once every service exists. */
async function applyDependencies(ctx: {
  trx: Executor;
  now: number;
  current: Current;
  desired: DesiredState;
  plan: Plan;
}): Promise<void> {
  for (const change of ctx.plan.changes) {
    if (change.kind !== 'services' || change.action === 'delete') continue;
    if (change.action === 'update' && !change.fields.some((f) => f.field.startsWith('dependsOn'))) continue;
    const d = ctx.desired.services.get(change.key)!;
    const id = must(ctx.current.lookup.serviceIdBySlug, change.key, 'service');
    const ids = (d.value.dependsOn as string[]).map((s) => must(ctx.current.lookup.serviceIdBySlug, s, 'service'));
    await replaceDependencies(ctx.trx, id, ids, ctx.now);
  }
}

/** A post-mortem template; a removed one is archived (post-mortems made from it keep their sections), as in the UI. */
const applyPostmortemTemplate: Applier = async (ctx, change) => {
  const { value: v, id } = values(ctx, change);
  const { trx, now } = ctx;
  if (change.action === 'delete') {
    // Severity policies were changed earlier in this apply: one still using the template keeps it, and the apply fails.
    const used = (await listPolicies(trx)).filter((p) => p.templateId === id).map((p) => p.severity);
    if (used.length) {
      throw conflict(
        'template_in_use',
        `Post-mortem template ${change.key}: the policy for ${used.join(', ')} uses it; change that first.`,
      );
    }
    await trx
      .updateTable('postmortemTemplates')
      .set({ archivedAt: now, updatedAt: now })
      .where('id', '=', id!)
      .execute();
    await trx.deleteFrom('configSlugs').where('kind', '=', 'postmortem_template').where('objectId', '=', id!).execute();
    return id!;
  }
  const cols = {
    name: String(v.name),
    description: String(v.description),
    sections: toJsonText(v.sections),
    updatedAt: now,
  };
  let templateId = id;
  if (change.action === 'create') {
    templateId = newId('pmt', now);
    await trx
      .insertInto('postmortemTemplates')
      .values({ id: templateId, isBuiltin: 0, archivedAt: null, createdAt: now, ...cols })
      .execute();
    ctx.current.lookup.postmortemTemplateIdBySlug.set(String(v.slug), templateId);
  } else {
    await trx.updateTable('postmortemTemplates').set(cols).where('id', '=', templateId!).execute();
  }
  const builtin = ctx.current.state.postmortemTemplates.get(change.key)?.builtin === true;
  if (!builtin) await rememberSlug(ctx, 'postmortem_template', String(v.slug), templateId!);
  return templateId!;
};

/** What a severity demands (incident roles, reminders, paging) and its post-mortem policy: always four, updated. */
const applySeverityPolicy: Applier = async (ctx, change) => {
  const { value: v } = values(ctx, change);
  const { trx, now } = ctx;
  const severity = change.key as Severity;
  if (change.action === 'delete') return severity; // built in: never planned
  await savePolicy(
    trx,
    {
      severity,
      requireDistinctRoles: v.requireDistinctRoles === true,
      commanderDeadlineMinutes: (v.commanderDeadlineMinutes as number | null) ?? null,
      updateReminderMinutes: (v.updateReminderMinutes as number | null) ?? null,
      pagesOutOfHours: v.pagesOutOfHours === true,
    },
    now,
  );
  const pm = v.postmortem as { mode: string; dueBusinessDays: number | null; template: string };
  const row = {
    mode: pm.mode,
    dueBusinessDays: pm.dueBusinessDays,
    templateId: must(ctx.current.lookup.postmortemTemplateIdBySlug, pm.template, 'post-mortem template'),
    updatedAt: now,
  };
  await trx
    .insertInto('postmortemPolicies')
    .values({ severity, ...row })
    .onConflict((oc) => oc.column('severity').doUpdateSet(row))
    .execute();
  return severity;
};

/**
 * A runbook of a team: a new title or body is a new version (as a save in the UI, which also counts as a review);
 * services and alert rules are replaced; one removed from the files is archived with --prune, and one the files name
 * again is brought back.
 */
const applyRunbook: Applier = async (ctx, change) => {
  const { value: v, id } = values(ctx, change);
  const { trx, now, actor } = ctx;
  if (change.action === 'delete') {
    await trx.updateTable('runbooks').set({ archivedAt: now, updatedAt: now }).where('id', '=', id!).execute();
    return id!;
  }
  const title = String(v.title);
  const body = String(v.body);
  const version = async (runbookId: string, n: number, note: string) =>
    trx
      .insertInto('runbookVersions')
      .values({
        id: newId('rbv', now),
        runbookId,
        version: n,
        title,
        body,
        note,
        authorUserId: actor.userId,
        authorLabel: actor.label,
        createdAt: now,
      })
      .execute();
  let runbookId = id;
  if (change.action === 'create') {
    runbookId = newId('rbk', now);
    await trx
      .insertInto('runbooks')
      .values({
        id: runbookId,
        teamId: must(ctx.current.lookup.teamIdBySlug, String(v.team), 'team'),
        slug: String(v.slug),
        title,
        body,
        version: 1,
        reviewIntervalDays: Number(v.reviewIntervalDays),
        lastReviewedAt: now,
        lastReviewedByUserId: actor.userId,
        staleNotifiedAt: null,
        archivedAt: null,
        createdByUserId: actor.userId,
        createdAt: now,
        updatedAt: now,
      })
      .execute();
    await version(runbookId, 1, 'Created by config as code');
  } else {
    const row = await trx
      .selectFrom('runbooks')
      .select(['version', 'title', 'body'])
      .where('id', '=', runbookId!)
      .executeTakeFirstOrThrow();
    const isNewText = row.title !== title || row.body !== body;
    const next = isNewText ? row.version + 1 : row.version;
    await trx
      .updateTable('runbooks')
      .set({
        title,
        body,
        version: next,
        reviewIntervalDays: Number(v.reviewIntervalDays),
        archivedAt: null,
        lastReviewedAt: now,
        lastReviewedByUserId: actor.userId,
        updatedAt: now,
      })
      .where('id', '=', runbookId!)
      .execute();
    if (isNewText) await version(runbookId!, next, 'Applied by config as code');
  }
  await trx.deleteFrom('runbookServices').where('runbookId', '=', runbookId!).execute();
  const serviceIds = (v.services as string[]).map((s) => must(ctx.current.lookup.serviceIdBySlug, s, 'service'));
  if (serviceIds.length) {
    await trx
      .insertInto('runbookServices')
      .values(serviceIds.map((serviceId) => ({ runbookId: runbookId!, serviceId })))
      .execute();
  }
  await trx.deleteFrom('runbookAlertRules').where('runbookId', '=', runbookId!).execute();
  for (const r of v.alertRules as { alertname: string | null; matchers: unknown[] }[]) {
    await trx
      .insertInto('runbookAlertRules')
      .values({
        id: newId('rbr', now),
        runbookId: runbookId!,
        alertname: r.alertname,
        matchers: toJsonText(r.matchers),
        createdAt: now,
      })
      .execute();
  }
  return runbookId!;
};

/** A component of the public status page; its status (set during incidents) is not the files' business. */
const applyStatusPageComponent: Applier = async (ctx, change) => {
  const { value: v, id } = values(ctx, change);
  const { trx, now } = ctx;
  if (change.action === 'delete') {
    await trx.deleteFrom('statusComponents').where('id', '=', id!).execute();
    await trx.deleteFrom('configSlugs').where('kind', '=', 'status_component').where('objectId', '=', id!).execute();
    return id!;
  }
  const cols = {
    name: String(v.name),
    description: String(v.description),
    serviceIds: toJsonText((v.services as string[]).map((s) => must(ctx.current.lookup.serviceIdBySlug, s, 'service'))),
    displayOrder: Number(v.displayOrder),
    updatedAt: now,
  };
  let componentId = id;
  if (change.action === 'create') {
    componentId = newId('stc', now);
    await trx
      .insertInto('statusComponents')
      .values({ id: componentId, status: 'operational', createdAt: now, ...cols })
      .execute();
  } else {
    await trx.updateTable('statusComponents').set(cols).where('id', '=', componentId!).execute();
  }
  await rememberSlug(ctx, 'status_component', String(v.slug), componentId!);
  return componentId!;
};

/** A silence across every service: created, or (removed from the files, with --prune) expired now, as in the UI. */
const applyOrgSilence: Applier = async (ctx, change) => {
  const { value: v, id } = values(ctx, change);
  const { trx, now } = ctx;
  if (change.action === 'delete') {
    const row = await trx.selectFrom('silences').select('startsAt').where('id', '=', id!).executeTakeFirstOrThrow();
    await trx
      .updateTable('silences')
      .set({ endsAt: now, startsAt: Math.min(row.startsAt, now), expiredByLabel: ctx.actor.label, updatedAt: now })
      .where('id', '=', id!)
      .execute();
    await recheckHeldBy(trx, ctx.engine, id!, now);
    return id!;
  }
  const silenceId = newId('sil', now);
  await trx
    .insertInto('silences')
    .values({
      id: silenceId,
      serviceId: null,
      matchers: toJsonText(v.matchers),
      startsAt: Date.parse(String(v.start)),
      endsAt: Date.parse(String(v.end)),
      comment: String(v.comment),
      createdByUserId: ctx.actor.userId,
      createdByLabel: ctx.actor.label,
      expiredByLabel: null,
      createdAt: now,
      updatedAt: now,
    })
    .execute();
  return silenceId;
};

const APPLY: Record<Kind, Applier> = {
  users: applyUser,
  teams: applyTeam,
  schedules: applySchedule,
  escalationPolicies: applyPolicy,
  services: applyService,
  postmortemTemplates: applyPostmortemTemplate,
  severityPolicies: applySeverityPolicy,
  runbooks: applyRunbook,
  statusPageComponents: applyStatusPageComponent,
  silences: applyOrgSilence,
};
