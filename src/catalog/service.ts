import type { Db, Executor } from '../db/index.js';
import { recordAudit, type Actor, type TeamService } from '../identity/index.js';
import type { Clock } from '../shared/clock.js';
import { AppError, validationError, type FieldProblem } from '../shared/errors.js';
import { newId } from '../shared/ids.js';
import { toJsonText } from '../shared/json.js';
import { serviceHasAlerts, serviceNotFound, serviceSlugTaken } from './errors.js';
import {
  DEFAULT_PAGING_GROUPS,
  normalizeDependencies,
  pagingGroupProblems,
  serviceProblems,
  type Criticality,
  type PagingGroups,
} from './model.js';
import {
  dependencyIds,
  dependentIds,
  existingServiceIds,
  findServiceRow,
  listServiceRows,
  replaceDependencies,
  type IncidentRule,
  type Service,
} from './repo.js';

export interface ServiceDetail extends Service {
  /** Services this one depends on (ids). */
  dependsOn: string[];
  /** Services that depend on this one (ids). */
  dependents: string[];
}

export interface CreateServiceInput {
  name: string;
  slug?: string | undefined;
  description?: string | undefined;
  teamId: string;
  criticality?: string | undefined;
  escalationPolicyId?: string | null | undefined;
  incidentRule?: IncidentRule | null | undefined;
  dependsOn?: string[] | undefined;
  /** How its alerts share a page (docs/alerts.md, "Paging groups"); fields left out keep their value. */
  pagingGroups?: Partial<PagingGroups> | undefined;
}

/** The settings as they will be (`current` merged with the input), or the problems naming each field. */
function mergedPagingGroups(
  current: PagingGroups,
  input: Partial<PagingGroups> | undefined,
): { value: PagingGroups | null; problems: FieldProblem[] } {
  if (!input) return { value: null, problems: [] };
  const value: PagingGroups = {
    mode: input.mode ?? current.mode,
    labels: (input.labels ?? current.labels).map((l) => l.trim()),
    windowMinutes: input.windowMinutes ?? current.windowMinutes,
  };
  const problems = pagingGroupProblems(value);
  return { value: problems.length ? null : value, problems };
}

const pagingGroupColumns = (g: PagingGroups) => ({
  pagingGroupMode: g.mode,
  pagingGroupLabels: toJsonText(g.labels),
  pagingGroupWindowMinutes: g.windowMinutes,
});

export type UpdateServiceInput = Partial<Omit<CreateServiceInput, 'slug'>>;

function slugify(name: string): string {
  return (
    name
      .normalize('NFKD')
      .replace(/[\u0300-\u036f]/g, '')
      .toLowerCase()
      .replace(/[^a-z0-9]+/g, '-')
      .replace(/^-+|-+$/g, '')
      .slice(0, 48) || 'service'
  );
}

/** Services: who owns what, how critical it is, what it depends on. Team admins manage; everyone signed in reads. */
export class CatalogService {
  constructor(private readonly deps: { db: Db; clock: Clock; teams: TeamService }) {}

  list(_actor: Actor, filter: { teamId?: string; q?: string } = {}): Promise<Service[]> {
    return listServiceRows(this.deps.db.kysely, filter);
  }

  async get(_actor: Actor, idOrSlug: string): Promise<ServiceDetail> {
    const db = this.deps.db.kysely;
    const service = await findServiceRow(db, idOrSlug);
    if (!service) throw serviceNotFound(idOrSlug);
    return {
      ...service,
      dependsOn: await dependencyIds(db, service.id),
      dependents: await dependentIds(db, service.id),
    };
  }

  /** The owning team's admins (and instance administrators) manage a service and its integration keys. */
  async requireManage(actor: Actor, teamId: string): Promise<void> {
    await this.deps.teams.requireRole(actor, teamId, 'admin');
  }

  async create(actor: Actor, input: CreateServiceInput): Promise<ServiceDetail> {
    const name = input.name.trim();
    const slug = input.slug?.trim() || slugify(name);
    const problems = serviceProblems({ ...input, name, slug }, true);
    const groups = mergedPagingGroups(DEFAULT_PAGING_GROUPS, input.pagingGroups);
    problems.push(...groups.problems);
    const deps = normalizeDependencies(null, input.dependsOn ?? []);
    if (problems.length) throw validationError(problems);
    const team = await this.deps.teams.get(actor, input.teamId);
    await this.requireManage(actor, team.id);
    const now = this.deps.clock.now();
    const id = newId('svc', now);
    await this.deps.db.kysely.transaction().execute(async (trx) => {
      if (await findServiceRow(trx, slug)) throw serviceSlugTaken(slug);
      await checkPolicyReference(trx, team.id, input.escalationPolicyId);
      await this.checkDependencies(trx, deps.ids);
      await trx
        .insertInto('services')
        .values({
          id,
          name,
          slug,
          description: input.description?.trim() ?? '',
          teamId: team.id,
          criticality: (input.criticality as Criticality | undefined) ?? 'medium',
          escalationPolicyId: input.escalationPolicyId ?? null,
          incidentRule: input.incidentRule ? toJsonText(input.incidentRule) : null,
          ...(groups.value ? pagingGroupColumns(groups.value) : {}),
          createdAt: now,
          updatedAt: now,
        })
        .execute();
      await replaceDependencies(trx, id, deps.ids, now);
      await recordAudit(trx, actor, 'service.created', { type: 'service', id }, { name, slug, teamId: team.id }, now);
    });
    return this.get(actor, id);
  }

  async update(actor: Actor, idOrSlug: string, patch: UpdateServiceInput): Promise<ServiceDetail> {
    const service = await this.get(actor, idOrSlug);
    const problems = serviceProblems(patch, false);
    const groups = mergedPagingGroups(service.pagingGroups, patch.pagingGroups);
    problems.push(...groups.problems);
    const deps = patch.dependsOn ? normalizeDependencies(service.id, patch.dependsOn) : null;
    if (deps?.problem) problems.push(deps.problem);
    if (problems.length) throw validationError(problems);
    await this.requireManage(actor, service.teamId);
    let teamId = service.teamId;
    if (patch.teamId !== undefined && patch.teamId !== service.teamId) {
      // Moving a service hands it to another team: the caller must be able to manage it there too.
      teamId = (await this.deps.teams.get(actor, patch.teamId)).id;
      await this.requireManage(actor, teamId);
    }
    const now = this.deps.clock.now();
    await this.deps.db.kysely.transaction().execute(async (trx) => {
      if (patch.escalationPolicyId !== undefined || teamId !== service.teamId) {
        const policyId = patch.escalationPolicyId !== undefined ? patch.escalationPolicyId : service.escalationPolicyId;
        await checkPolicyReference(trx, teamId, policyId);
      }
      await trx
        .updateTable('services')
        .set({
          ...(patch.name !== undefined ? { name: patch.name.trim() } : {}),
          ...(patch.description !== undefined ? { description: patch.description.trim() } : {}),
          ...(patch.criticality !== undefined ? { criticality: patch.criticality } : {}),
          ...(patch.escalationPolicyId !== undefined ? { escalationPolicyId: patch.escalationPolicyId } : {}),
          ...(patch.incidentRule !== undefined
            ? { incidentRule: patch.incidentRule ? toJsonText(patch.incidentRule) : null }
            : {}),
          ...(groups.value ? pagingGroupColumns(groups.value) : {}),
          teamId,
          updatedAt: now,
        })
        .where('id', '=', service.id)
        .execute();
      if (deps) {
        await this.checkDependencies(trx, deps.ids);
        await replaceDependencies(trx, service.id, deps.ids, now);
      }
      await recordAudit(
        trx,
        actor,
        'service.updated',
        { type: 'service', id: service.id },
        { fields: Object.keys(patch) },
        now,
      );
    });
    return this.get(actor, service.id);
  }

  async remove(actor: Actor, idOrSlug: string): Promise<void> {
    const service = await this.get(actor, idOrSlug);
    await this.requireManage(actor, service.teamId);
    const now = this.deps.clock.now();
    await this.deps.db.kysely.transaction().execute(async (trx) => {
      // Alerts are history (and alert-quality data): a service that has any is kept.
      const alert = await trx.selectFrom('alerts').select('id').where('serviceId', '=', service.id).executeTakeFirst();
      if (alert) throw serviceHasAlerts(service.id);
      await trx.deleteFrom('services').where('id', '=', service.id).execute();
      await recordAudit(
        trx,
        actor,
        'service.deleted',
        { type: 'service', id: service.id },
        { name: service.name },
        now,
      );
    });
  }

  private async checkDependencies(trx: Parameters<typeof existingServiceIds>[0], ids: string[]): Promise<void> {
    const found = await existingServiceIds(trx, ids);
    const missing = ids.filter((i) => !found.has(i));
    if (missing.length) {
      throw validationError([{ field: 'dependsOn', message: `no service with id ${missing.join(', ')}` }]);
    }
  }
}

/**
 * A service pages through its own team's escalation policy, or one its team shares with every team: team B cannot
 * make its alerts page team A's on-call unless A allows it.
 */
async function checkPolicyReference(ex: Executor, teamId: string, policyId: string | null | undefined): Promise<void> {
  if (!policyId) return;
  const policy = await ex
    .selectFrom('escalationPolicies')
    .select(['teamId', 'shared'])
    .where('id', '=', policyId)
    .executeTakeFirst();
  if (!policy)
    throw validationError([{ field: 'escalationPolicyId', message: `no escalation policy with id ${policyId}` }]);
  if (policy.teamId !== teamId && policy.shared !== 1) {
    throw new AppError(
      'cross_team_reference',
      "A service may use only its own team's escalation policies, or policies their team shares.",
      {
        status: 403,
        details: {
          problems: [
            {
              field: 'escalationPolicyId',
              message: `policy ${policyId} belongs to another team, which does not share it`,
            },
          ],
        },
      },
    );
  }
}
