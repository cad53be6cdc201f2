/**
 * The current state, read from the database in the canonical form of src/config-as-code/model.ts, with every
 * reference turned from an id into a slug or an email. Run inside the apply transaction (pass its `trx`), so the plan
 * applied is the plan of what is there at that moment.
 */
import type { Executor } from '../db/index.js';
import { listServiceRows } from '../catalog/repo.js';
import { slugify } from '../identity/model.js';
import { listLayers, listOverrides, listScheduleRows } from '../oncall/repo.js';
import { fromJsonText } from '../shared/json.js';
import type { EscalationLevel } from '../escalation/model.js';
import { loadPolicy } from '../incidents/repo.js';
import { SEVERITIES } from '../incidents/severity.js';
import { findPolicy, listTemplates } from '../postmortems/repo.js';
import {
  DEFAULT_WORKING_HOURS,
  emptyState,
  normalizeCondition,
  uniqueSorted,
  keyOf,
  type CurrentObject,
  type CurrentState,
} from './model.js';

/** Ids and names the apply step needs beside the state: who is who. */
export interface Lookup {
  userIdByEmail: Map<string, string>;
  teamIdBySlug: Map<string, string>;
  scheduleIdBySlug: Map<string, string>;
  policyIdBySlug: Map<string, string>;
  serviceIdBySlug: Map<string, string>;
  postmortemTemplateIdBySlug: Map<string, string>;
  /** `email|kind|address` → the contact method's id (methods not expired). */
  contactMethodIds: Map<string, string>;
}

export const contactMethodKey = (email: string, kind: string, address: string): string =>
  JSON.stringify([email, kind, address]);

export interface Current {
  state: CurrentState;
  lookup: Lookup;
}

export type SlugKind = 'schedule' | 'escalation_policy' | 'postmortem_template' | 'status_component';

/**
 * The slug of each object: the one a file gave it (table config_slugs), else one made from its name, made unique
 * with -2, -3, … in creation order.
 */
export async function slugsOf(
  ex: Executor,
  kind: SlugKind,
  rows: { id: string; name: string }[],
  reserved: Iterable<string> = [],
): Promise<Map<string, string>> {
  const out = new Map<string, string>();
  if (rows.length === 0) return out;
  const kept = await ex.selectFrom('configSlugs').select(['slug', 'objectId']).where('kind', '=', kind).execute();
  const ids = new Set(rows.map((r) => r.id));
  const taken = new Set<string>(reserved);
  for (const k of kept) {
    if (ids.has(k.objectId)) {
      out.set(k.objectId, k.slug);
      taken.add(k.slug);
    }
  }
  for (const r of [...rows].sort((a, b) => (a.id < b.id ? -1 : 1))) {
    if (out.has(r.id)) continue;
    const base = slugify(r.name).slice(0, 44) || kind.replace('_', '-');
    let slug = base;
    for (let n = 2; taken.has(slug); n++) slug = `${base}-${n}`;
    taken.add(slug);
    out.set(r.id, slug);
  }
  return out;
}

const iso = (ms: number): string => new Date(ms).toISOString();

export async function readCurrent(ex: Executor, now: number): Promise<Current> {
  const state = emptyState<CurrentObject>();
  const put = (o: CurrentObject) => state[o.kind].set(o.key, o);

  const users = await ex.selectFrom('users').selectAll().orderBy('id').execute();
  const emailById = new Map(users.map((u) => [u.id, u.email]));
  const methods = await ex
    .selectFrom('contactMethods')
    .select(['id', 'userId', 'kind', 'address'])
    .where('expiredAt', 'is', null)
    .execute();
  const methodById = new Map(methods.map((m) => [m.id, m]));
  const contactMethodIds = new Map(
    methods.map((m) => [contactMethodKey(emailById.get(m.userId) ?? '', m.kind, m.address), m.id]),
  );
  const rules = await ex
    .selectFrom('notificationRules')
    .select(['userId', 'contactMethodId', 'urgency', 'delayMinutes'])
    .execute();
  for (const u of users) {
    put({
      kind: 'users',
      key: u.email,
      id: u.id,
      value: {
        email: u.email,
        name: u.name,
        timezone: u.timezone,
        admin: u.isAdmin === 1,
        disabled: u.disabledAt !== null,
        notificationRules: rules
          .filter((r) => r.userId === u.id && methodById.has(r.contactMethodId))
          .map((r) => {
            const m = methodById.get(r.contactMethodId)!;
            return {
              contactMethod: { kind: m.kind, address: m.address },
              urgency: r.urgency,
              delayMinutes: r.delayMinutes,
            };
          })
          .sort((a, b) => (JSON.stringify(a) < JSON.stringify(b) ? -1 : 1)),
      },
    });
  }
  const email = (id: string) => emailById.get(id) ?? `unknown-user:${id}`;

  const teams = await ex.selectFrom('teams').selectAll().orderBy('id').execute();
  const teamSlug = new Map(teams.map((t) => [t.id, t.slug]));
  const members = await ex.selectFrom('teamMembers').selectAll().execute();
  for (const t of teams) {
    put({
      kind: 'teams',
      key: t.slug,
      id: t.id,
      value: {
        slug: t.slug,
        name: t.name,
        description: t.description,
        members: members
          .filter((m) => m.teamId === t.id)
          .map((m) => ({ user: email(m.userId), role: m.role }))
          .sort((a, b) => a.user.localeCompare(b.user)),
      },
    });
  }
  const team = (id: string) => teamSlug.get(id) ?? `unknown-team:${id}`;

  const schedules = await listScheduleRows(ex);
  const scheduleSlugs = await slugsOf(ex, 'schedule', schedules);
  const layers = await listLayers(
    ex,
    schedules.map((s) => s.id),
  );
  const overrides = await listOverrides(
    ex,
    schedules.map((s) => s.id),
    now,
    8.64e15,
  );
  for (const s of schedules) {
    const slug = scheduleSlugs.get(s.id)!;
    put({
      kind: 'schedules',
      key: slug,
      id: s.id,
      value: {
        slug,
        name: s.name,
        team: team(s.teamId),
        description: s.description,
        timezone: s.timezone,
        shared: s.shared === 1,
        layers: layers
          .filter((l) => l.scheduleId === s.id)
          .map((l) => ({
            name: l.name,
            timeZone: l.timeZone ?? null,
            participants: l.participants.map(email),
            turn: l.turn,
            startDate: l.startDate,
            handoffTime: l.handoffTime,
            restrictions: l.restrictions.map((r) => ({ days: r.days, start: r.start, end: r.end })),
            endsAt: l.endsAt === null ? null : iso(l.endsAt),
          })),
        overrides: overrides
          .filter((o) => o.scheduleId === s.id)
          .map((o) => ({ user: email(o.userId), start: iso(o.start), end: iso(o.end), reason: o.reason }))
          .sort((a, b) => (JSON.stringify(a) < JSON.stringify(b) ? -1 : 1)),
      },
    });
  }
  const scheduleSlug = (id: string) => scheduleSlugs.get(id) ?? `unknown-schedule:${id}`;

  const policies = await ex.selectFrom('escalationPolicies').selectAll().orderBy('id').execute();
  const policySlugs = await slugsOf(ex, 'escalation_policy', policies);
  for (const p of policies) {
    const slug = policySlugs.get(p.id)!;
    const wh = fromJsonText<typeof DEFAULT_WORKING_HOURS>(p.workingHours, DEFAULT_WORKING_HOURS);
    put({
      kind: 'escalationPolicies',
      key: slug,
      id: p.id,
      value: {
        slug,
        name: p.name,
        team: team(p.teamId),
        description: p.description,
        repeat: p.repeat,
        ackTimeoutMinutes: p.ackTimeoutMinutes,
        shared: p.shared === 1,
        workingHours: { timezone: wh.timezone, days: [...new Set(wh.days)].sort(), start: wh.start, end: wh.end },
        levels: fromJsonText<EscalationLevel[]>(p.levels, []).map((l) => ({
          delayMinutes: l.delayMinutes,
          condition: normalizeCondition(l.condition),
          targets: l.targets.map((t) => (t.type === 'user' ? { user: email(t.id) } : { schedule: scheduleSlug(t.id) })),
        })),
      },
    });
  }

  const services = await listServiceRows(ex, {});
  const serviceSlug = new Map(services.map((s) => [s.id, s.slug]));
  const deps = await ex.selectFrom('serviceDependencies').selectAll().execute();
  const keys = await ex
    .selectFrom('integrationKeys')
    .select(['serviceId', 'name', 'source'])
    .where('revokedAt', 'is', null)
    .where('isDrill', '=', 0)
    .execute();
  const windows = await ex
    .selectFrom('maintenanceWindows')
    .select(['serviceId', 'startsAt', 'endsAt', 'comment'])
    .where('endsAt', '>', now)
    .execute();
  const silences = await ex
    .selectFrom('silences')
    .select(['serviceId', 'matchers', 'startsAt', 'endsAt', 'comment'])
    .where('endsAt', '>', now)
    .where('serviceId', 'is not', null)
    .execute();
  const byJson = (a: unknown, b: unknown) => (JSON.stringify(a) < JSON.stringify(b) ? -1 : 1);
  for (const s of services) {
    put({
      kind: 'services',
      key: s.slug,
      id: s.id,
      value: {
        slug: s.slug,
        name: s.name,
        team: team(s.teamId),
        description: s.description,
        criticality: s.criticality,
        escalationPolicy: s.escalationPolicyId
          ? (policySlugs.get(s.escalationPolicyId) ?? `unknown-policy:${s.escalationPolicyId}`)
          : null,
        dependsOn: deps
          .filter((d) => d.serviceId === s.id)
          .map((d) => serviceSlug.get(d.dependsOnId) ?? d.dependsOnId)
          .sort(),
        incidentRule: s.incidentRule
          ? {
              alertSeverities: [...new Set(s.incidentRule.alertSeverities)].sort(),
              incidentSeverity: s.incidentRule.incidentSeverity,
            }
          : null,
        pagingGroups: {
          mode: s.pagingGroups.mode,
          labels: s.pagingGroups.labels,
          windowMinutes: s.pagingGroups.windowMinutes,
        },
        integrationKeys: keys
          .filter((k) => k.serviceId === s.id)
          .map((k) => ({ name: k.name, source: k.source }))
          .sort((a, b) => (JSON.stringify(a) < JSON.stringify(b) ? -1 : 1)),
        maintenanceWindows: windows
          .filter((w) => w.serviceId === s.id)
          .map((w) => ({ start: iso(w.startsAt), end: iso(w.endsAt), comment: w.comment }))
          .sort(byJson),
        silences: silences
          .filter((x) => x.serviceId === s.id)
          .map((x) => ({
            matchers: fromJsonText<{ name: string; value: string; isRegex: boolean; isEqual: boolean }[]>(
              x.matchers,
              [],
            ).map((m) => ({ name: m.name, value: m.value, isRegex: m.isRegex, isEqual: m.isEqual })),
            start: iso(x.startsAt),
            end: iso(x.endsAt),
            comment: x.comment,
          }))
          .sort(byJson),
      },
    });
  }

  await readPostmortemTemplatesAndSeverityPolicies(ex, put);

  const runbooks = await ex
    .selectFrom('runbooks')
    .select(['id', 'teamId', 'slug', 'title', 'body', 'reviewIntervalDays', 'archivedAt'])
    .orderBy('id')
    .execute();
  const runbookServices = await ex.selectFrom('runbookServices').select(['runbookId', 'serviceId']).execute();
  const runbookRules = await ex
    .selectFrom('runbookAlertRules')
    .select(['runbookId', 'alertname', 'matchers'])
    .execute();
  for (const r of runbooks) {
    const key = `${team(r.teamId)}/${r.slug}`;
    put({
      kind: 'runbooks',
      key,
      id: r.id,
      value: {
        team: team(r.teamId),
        slug: r.slug,
        title: r.title,
        body: r.body,
        reviewIntervalDays: r.reviewIntervalDays,
        services: [
          ...new Set(
            runbookServices
              .filter((x) => x.runbookId === r.id)
              .map((x) => serviceSlug.get(x.serviceId) ?? `unknown-service:${x.serviceId}`),
          ),
        ].sort(),
        alertRules: uniqueSorted(
          runbookRules
            .filter((x) => x.runbookId === r.id)
            .map((x) => ({
              alertname: x.alertname,
              matchers: fromJsonText<{ name: string; op: string; value: string }[]>(x.matchers, []).map((m) => ({
                name: m.name,
                op: m.op,
                value: m.value,
              })),
            })),
        ),
        disabled: r.archivedAt !== null,
      },
    });
  }

  const components = await ex
    .selectFrom('statusComponents')
    .select(['id', 'name', 'description', 'serviceIds', 'displayOrder'])
    .orderBy('id')
    .execute();
  const componentSlugs = await slugsOf(ex, 'status_component', components);
  for (const c of components) {
    const slug = componentSlugs.get(c.id)!;
    put({
      kind: 'statusPageComponents',
      key: slug,
      id: c.id,
      value: {
        slug,
        name: c.name,
        description: c.description,
        services: [
          ...new Set(
            fromJsonText<string[]>(c.serviceIds, []).map((id) => serviceSlug.get(id) ?? `unknown-service:${id}`),
          ),
        ].sort(),
        displayOrder: c.displayOrder,
      },
    });
  }

  // Silences across every service (no service) that have not ended, each named by what it says.
  const orgSilences = await ex
    .selectFrom('silences')
    .select(['id', 'matchers', 'startsAt', 'endsAt', 'comment'])
    .where('endsAt', '>', now)
    .where('serviceId', 'is', null)
    .orderBy('id')
    .execute();
  for (const x of orgSilences) {
    const value = {
      matchers: fromJsonText<{ name: string; value: string; isRegex: boolean; isEqual: boolean }[]>(x.matchers, []).map(
        (m) => ({ name: m.name, value: m.value, isRegex: m.isRegex, isEqual: m.isEqual }),
      ),
      start: iso(x.startsAt),
      end: iso(x.endsAt),
      comment: x.comment,
    };
    const key = String(keyOf('silences', value));
    // Two identical silences are one object of the files; the later one is kept apart by its id.
    put({ kind: 'silences', key: state.silences.has(key) ? `${key}-${x.id}` : key, id: x.id, value });
  }

  const idMap = <T extends { key: string; id: string }>(m: Map<string, T>) =>
    new Map([...m.values()].map((o) => [o.key, o.id]));
  return {
    state,
    lookup: {
      userIdByEmail: idMap(state.users),
      teamIdBySlug: idMap(state.teams),
      scheduleIdBySlug: idMap(state.schedules),
      policyIdBySlug: idMap(state.escalationPolicies),
      serviceIdBySlug: idMap(state.services),
      postmortemTemplateIdBySlug: idMap(state.postmortemTemplates),
      contactMethodIds,
    },
  };
}

/** A built-in post-mortem template's slug: its id without `pmt_` (`standard`, `light`, `gameday`), never renamed. */
export const builtinTemplateSlug = (id: string): string => id.replace(/^pmt_/, '').replace(/_/g, '-');

async function readPostmortemTemplatesAndSeverityPolicies(
  ex: Executor,
  put: (o: CurrentObject) => void,
): Promise<void> {
  const templates = await listTemplates(ex);
  const builtins = templates.filter((t) => t.isBuiltin);
  const custom = await slugsOf(
    ex,
    'postmortem_template',
    templates.filter((t) => !t.isBuiltin),
    builtins.map((t) => builtinTemplateSlug(t.id)),
  );
  const slugById = new Map<string, string>();
  for (const t of templates) {
    const slug = t.isBuiltin ? builtinTemplateSlug(t.id) : custom.get(t.id)!;
    slugById.set(t.id, slug);
    put({
      kind: 'postmortemTemplates',
      key: slug,
      id: t.id,
      builtin: t.isBuiltin,
      value: {
        slug,
        name: t.name,
        description: t.description,
        sections: t.sections.map((x) => ({
          key: x.key,
          title: x.title,
          kind: x.kind,
          required: x.required,
          help: x.help,
        })),
      },
    });
  }
  for (const severity of SEVERITIES) {
    const p = await loadPolicy(ex, severity);
    const pm = await findPolicy(ex, severity);
    put({
      kind: 'severityPolicies',
      key: severity,
      id: severity,
      builtin: true,
      value: {
        severity,
        requireDistinctRoles: p.requireDistinctRoles,
        commanderDeadlineMinutes: p.commanderDeadlineMinutes,
        updateReminderMinutes: p.updateReminderMinutes,
        pagesOutOfHours: p.pagesOutOfHours,
        postmortem: {
          mode: pm.mode,
          dueBusinessDays: pm.dueBusinessDays,
          template: slugById.get(pm.templateId) ?? `unknown-template:${pm.templateId}`,
        },
      },
    });
  }
}
