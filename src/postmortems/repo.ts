/** Post-mortem rows: templates, policies, post-mortems and the people they name. SQL only, executor passed in. */
import type { Db, Executor } from '../db/index.js';
import type { PostmortemsTable } from '../db/schema.js';
import { notFound } from '../shared/errors.js';
import { fromJsonText } from '../shared/json.js';
import { parseSections, type PolicyMode, type TemplateSection } from './model.js';

export type PostmortemRow = PostmortemsTable;

export interface UserRef {
  id: string;
  name: string;
}

export interface Template {
  id: string;
  name: string;
  description: string;
  isBuiltin: boolean;
  archivedAt: number | null;
  sections: TemplateSection[];
}

export interface Policy {
  severity: string;
  mode: PolicyMode;
  dueBusinessDays: number | null;
  templateId: string;
}

export const postmortemNotFound = (id: string) => notFound('postmortem', id);

export async function findTemplate(ex: Executor, id: string): Promise<Template | null> {
  const r = await ex.selectFrom('postmortemTemplates').selectAll().where('id', '=', id).executeTakeFirst();
  if (!r) return null;
  return {
    id: r.id,
    name: r.name,
    description: r.description,
    isBuiltin: r.isBuiltin === 1,
    archivedAt: r.archivedAt,
    sections: parseSections(fromJsonText<unknown>(r.sections, [])),
  };
}

export async function listTemplates(ex: Executor, includeArchived = false): Promise<Template[]> {
  let q = ex.selectFrom('postmortemTemplates').selectAll().orderBy('isBuiltin', 'desc').orderBy('name');
  if (!includeArchived) q = q.where('archivedAt', 'is', null);
  return (await q.execute()).map((r) => ({
    id: r.id,
    name: r.name,
    description: r.description,
    isBuiltin: r.isBuiltin === 1,
    archivedAt: r.archivedAt,
    sections: parseSections(fromJsonText<unknown>(r.sections, [])),
  }));
}

export async function findPolicy(ex: Executor, severity: string): Promise<Policy> {
  const r = await ex.selectFrom('postmortemPolicies').selectAll().where('severity', '=', severity).executeTakeFirst();
  if (!r) return { severity, mode: 'optional', dueBusinessDays: null, templateId: 'pmt_light' };
  return {
    severity: r.severity,
    mode: r.mode as PolicyMode,
    dueBusinessDays: r.dueBusinessDays,
    templateId: r.templateId,
  };
}

export async function listPolicies(ex: Executor): Promise<Policy[]> {
  const rows = await ex.selectFrom('postmortemPolicies').selectAll().orderBy('severity').execute();
  return rows.map((r) => ({
    severity: r.severity,
    mode: r.mode as PolicyMode,
    dueBusinessDays: r.dueBusinessDays,
    templateId: r.templateId,
  }));
}

export async function findPostmortem(ex: Executor, id: string): Promise<PostmortemRow | null> {
  return (await ex.selectFrom('postmortems').selectAll().where('id', '=', id).executeTakeFirst()) ?? null;
}

export async function findByIncident(ex: Executor, incidentId: string): Promise<PostmortemRow | null> {
  return (
    (await ex.selectFrom('postmortems').selectAll().where('incidentId', '=', incidentId).executeTakeFirst()) ?? null
  );
}

/** The post-mortem row locked for this transaction (PostgreSQL; SQLite has one writer). */
export async function lockPostmortem(ex: Executor, engine: Db['engine'], id: string): Promise<PostmortemRow> {
  let q = ex.selectFrom('postmortems').selectAll().where('id', '=', id);
  if (engine === 'postgres') q = q.forUpdate();
  const r = await q.executeTakeFirst();
  if (!r) throw postmortemNotFound(id);
  return r;
}

/** `{ id, name }` for each user id (name: display name, else email). */
export async function userRefs(ex: Executor, ids: (string | null)[]): Promise<Map<string, UserRef>> {
  const wanted = [...new Set(ids.filter((i): i is string => !!i))];
  if (!wanted.length) return new Map();
  const rows = await ex.selectFrom('users').select(['id', 'name', 'email']).where('id', 'in', wanted).execute();
  return new Map(rows.map((r) => [r.id, { id: r.id, name: r.name || r.email }]));
}

export const sectionsOf = (r: PostmortemRow): Record<string, string> =>
  fromJsonText<Record<string, string>>(r.sections, {});

export const templateSectionsOf = (r: PostmortemRow): TemplateSection[] =>
  parseSections(fromJsonText<unknown>(r.templateSections, []));

export interface ImpactOverrides {
  customersAffected?: string;
  revenueImpact?: string;
  notes?: string;
}

export const overridesOf = (r: PostmortemRow): ImpactOverrides => fromJsonText<ImpactOverrides>(r.impact, {});

/** The teams of the services each incident affects. */
export async function incidentTeams(ex: Executor, incidentIds: string[]): Promise<Map<string, UserRef[]>> {
  const out = new Map<string, UserRef[]>();
  if (!incidentIds.length) return out;
  const rows = await ex
    .selectFrom('incidentServices')
    .innerJoin('services', 'services.id', 'incidentServices.serviceId')
    .innerJoin('teams', 'teams.id', 'services.teamId')
    .select(['incidentServices.incidentId', 'teams.id', 'teams.name'])
    .where('incidentServices.incidentId', 'in', incidentIds)
    .orderBy('teams.name')
    .execute();
  for (const r of rows) {
    const list = out.get(r.incidentId) ?? [];
    if (!list.some((t) => t.id === r.id)) list.push({ id: r.id, name: r.name });
    out.set(r.incidentId, list);
  }
  return out;
}

/** The ids of incidents that touch one of the team's services: `where('…incidentId', 'in', incidentIdsOfTeam(…))`. */
export function incidentIdsOfTeam(ex: Executor, teamId: string) {
  return ex
    .selectFrom('incidentServices')
    .innerJoin('services', 'services.id', 'incidentServices.serviceId')
    .select('incidentServices.incidentId')
    .where('services.teamId', '=', teamId);
}
