/**
 * Status page administration: settings, components, templates and scheduled maintenance. Publishing incidents and
 * posting public updates live in publish.ts; subscribers in subscribers.ts; the public view in view.ts.
 */
import type { Db, Executor } from '../db/index.js';
import { recordAudit, type Actor } from '../identity/index.js';
import type { Clock } from '../shared/clock.js';
import { forbidden, validationError, type FieldProblem } from '../shared/errors.js';
import { newId } from '../shared/ids.js';
import { toJsonText } from '../shared/json.js';
import { builtInTemplate, componentNotFound, maintenanceNotFound, templateNotFound } from './errors.js';
import {
  BUILT_IN_TEMPLATES,
  SLUG,
  unknownPlaceholders,
  type ComponentStatus,
  type PublicStatus,
  type Template,
} from './model.js';
import {
  findComponent,
  findMaintenance,
  listComponents,
  listMaintenances,
  listTemplates,
  loadSettingsRow,
  toTemplate,
  type Component,
  type Maintenance,
  type Settings,
} from './repo.js';

export interface StatusPageDeps {
  db: Db;
  clock: Clock;
  publicUrl: () => string;
  /** Resolve a catalog service id or slug to its id (throws when unknown). */
  resolveService: (idOrSlug: string) => Promise<string>;
  onEnqueued?: () => void;
}

export interface ComponentInput {
  name: string;
  description?: string | undefined;
  serviceIds?: string[] | undefined;
  status?: ComponentStatus | undefined;
  displayOrder?: number | undefined;
}

export interface TemplateInput {
  name: string;
  status: PublicStatus;
  publicText: string;
  internalText?: string | undefined;
}

export interface MaintenanceInput {
  title: string;
  description?: string | undefined;
  componentIds: string[];
  startsAt: number;
  endsAt: number;
}

const requireAdmin = (actor: Actor): void => {
  if (!actor.isAdmin) throw forbidden('Only administrators change the status page set-up.');
};

export class StatusPageAdmin {
  constructor(protected readonly deps: StatusPageDeps) {}

  protected now(): number {
    return this.deps.clock.now();
  }

  protected tx<T>(fn: (trx: Executor, now: number) => Promise<T>): Promise<T> {
    const now = this.now();
    return this.deps.db.kysely.transaction().execute((trx) => fn(trx, now));
  }

  protected audit(trx: Executor, actor: Actor, action: string, id: string | null, details: Record<string, unknown>) {
    return recordAudit(trx, actor, action, { type: 'status_page', id }, details, this.now());
  }

  async settings(): Promise<Settings & { url: string }> {
    const { title, slug, description, updatedAt } = await this.tx((trx, now) => loadSettingsRow(trx, now));
    return { title, slug, description, updatedAt, url: `${this.deps.publicUrl()}/status` };
  }

  async updateSettings(actor: Actor, patch: Partial<Pick<Settings, 'title' | 'slug' | 'description'>>) {
    requireAdmin(actor);
    if (patch.slug !== undefined && !SLUG.test(patch.slug)) {
      throw validationError([{ field: 'slug', message: 'must be lowercase letters, digits and -, at most 63' }]);
    }
    await this.tx(async (trx, now) => {
      await loadSettingsRow(trx, now);
      await trx
        .updateTable('statusPageSettings')
        .set({
          ...(patch.title !== undefined ? { title: patch.title } : {}),
          ...(patch.slug !== undefined ? { slug: patch.slug } : {}),
          ...(patch.description !== undefined ? { description: patch.description } : {}),
          updatedAt: now,
        })
        .where('id', '=', 'default')
        .execute();
      await this.audit(trx, actor, 'status_page.settings_updated', null, { ...patch });
    });
    return this.settings();
  }

  // ---- components ----------------------------------------------------------------------------------------------

  listComponents(): Promise<Component[]> {
    return listComponents(this.deps.db.kysely);
  }

  private async resolveServices(ids: string[] | undefined): Promise<string[] | undefined> {
    if (ids === undefined) return undefined;
    return [...new Set(await Promise.all(ids.map((s) => this.deps.resolveService(s))))];
  }

  async createComponent(actor: Actor, input: ComponentInput): Promise<Component> {
    requireAdmin(actor);
    const serviceIds = (await this.resolveServices(input.serviceIds)) ?? [];
    return this.tx(async (trx, now) => {
      const last = await trx
        .selectFrom('statusComponents')
        .select((eb) => eb.fn.max('displayOrder').as('max'))
        .executeTakeFirst();
      const row = {
        id: newId('stc', now),
        name: input.name.trim(),
        description: input.description ?? '',
        serviceIds: toJsonText(serviceIds),
        status: input.status ?? 'operational',
        displayOrder: input.displayOrder ?? Number(last?.max ?? 0) + 10,
        createdAt: now,
        updatedAt: now,
      };
      await trx.insertInto('statusComponents').values(row).execute();
      await this.audit(trx, actor, 'status_page.component_created', row.id, { name: row.name });
      return (await findComponent(trx, row.id))!;
    });
  }

  async updateComponent(actor: Actor, id: string, patch: Partial<ComponentInput>): Promise<Component> {
    requireAdmin(actor);
    const serviceIds = await this.resolveServices(patch.serviceIds);
    return this.tx(async (trx, now) => {
      if (!(await findComponent(trx, id))) throw componentNotFound(id);
      await trx
        .updateTable('statusComponents')
        .set({
          ...(patch.name !== undefined ? { name: patch.name.trim() } : {}),
          ...(patch.description !== undefined ? { description: patch.description } : {}),
          ...(serviceIds !== undefined ? { serviceIds: toJsonText(serviceIds) } : {}),
          ...(patch.status !== undefined ? { status: patch.status } : {}),
          ...(patch.displayOrder !== undefined ? { displayOrder: patch.displayOrder } : {}),
          updatedAt: now,
        })
        .where('id', '=', id)
        .execute();
      await this.audit(trx, actor, 'status_page.component_updated', id, { ...patch });
      return (await findComponent(trx, id))!;
    });
  }

  async deleteComponent(actor: Actor, id: string): Promise<void> {
    requireAdmin(actor);
    await this.tx(async (trx) => {
      if (!(await findComponent(trx, id))) throw componentNotFound(id);
      await trx.deleteFrom('statusComponents').where('id', '=', id).execute();
      await this.audit(trx, actor, 'status_page.component_deleted', id, {});
    });
  }

  /** Check component ids exist; returns them deduplicated. */
  protected async checkComponents(ex: Executor, ids: string[], field: string): Promise<string[]> {
    const unique = [...new Set(ids)];
    const known = new Set((await listComponents(ex)).map((c) => c.id));
    const problems: FieldProblem[] = unique
      .filter((id) => !known.has(id))
      .map((id) => ({ field, message: `no component ${id}` }));
    if (problems.length) throw validationError(problems);
    return unique;
  }

  // ---- templates -----------------------------------------------------------------------------------------------

  async listTemplates(): Promise<Template[]> {
    return [...BUILT_IN_TEMPLATES, ...(await listTemplates(this.deps.db.kysely))];
  }

  /** Inside a transaction pass its `ex`: the root handle refuses to run there (src/db/tx-context.ts). */
  async findTemplate(id: string, ex: Executor = this.deps.db.kysely): Promise<Template> {
    const builtIn = BUILT_IN_TEMPLATES.find((t) => t.id === id);
    if (builtIn) return builtIn;
    const r = await ex.selectFrom('statusTemplates').selectAll().where('id', '=', id).executeTakeFirst();
    if (!r) throw templateNotFound(id);
    return toTemplate(r);
  }

  private checkTemplate(input: Partial<TemplateInput>): void {
    const problems: FieldProblem[] = [];
    for (const field of ['publicText', 'internalText'] as const) {
      const bad = unknownPlaceholders(input[field] ?? '');
      if (bad.length) problems.push({ field, message: `unknown placeholders: ${bad.join(', ')}` });
    }
    if (problems.length) throw validationError(problems);
  }

  async createTemplate(actor: Actor, input: TemplateInput): Promise<Template> {
    requireAdmin(actor);
    this.checkTemplate(input);
    return this.tx(async (trx, now) => {
      const row = {
        id: newId('stt', now),
        name: input.name.trim(),
        status: input.status,
        publicText: input.publicText,
        internalText: input.internalText ?? '',
        createdAt: now,
        updatedAt: now,
      };
      const clash = await trx
        .selectFrom('statusTemplates')
        .select('id')
        .where('name', '=', row.name)
        .executeTakeFirst();
      if (clash) throw validationError([{ field: 'name', message: 'a template with this name exists' }]);
      await trx.insertInto('statusTemplates').values(row).execute();
      await this.audit(trx, actor, 'status_page.template_created', row.id, { name: row.name });
      return toTemplate(row);
    });
  }

  async updateTemplate(actor: Actor, id: string, patch: Partial<TemplateInput>): Promise<Template> {
    requireAdmin(actor);
    if (id.startsWith('builtin:')) throw builtInTemplate(id);
    this.checkTemplate(patch);
    await this.findTemplate(id);
    await this.tx(async (trx, now) => {
      await trx
        .updateTable('statusTemplates')
        .set({
          ...(patch.name !== undefined ? { name: patch.name.trim() } : {}),
          ...(patch.status !== undefined ? { status: patch.status } : {}),
          ...(patch.publicText !== undefined ? { publicText: patch.publicText } : {}),
          ...(patch.internalText !== undefined ? { internalText: patch.internalText } : {}),
          updatedAt: now,
        })
        .where('id', '=', id)
        .execute();
      await this.audit(trx, actor, 'status_page.template_updated', id, { ...patch });
    });
    return this.findTemplate(id);
  }

  async deleteTemplate(actor: Actor, id: string): Promise<void> {
    requireAdmin(actor);
    if (id.startsWith('builtin:')) throw builtInTemplate(id);
    await this.findTemplate(id);
    await this.tx(async (trx) => {
      await trx.deleteFrom('statusTemplates').where('id', '=', id).execute();
      await this.audit(trx, actor, 'status_page.template_deleted', id, {});
    });
  }

  // ---- scheduled maintenance -----------------------------------------------------------------------------------

  listMaintenance(since?: number): Promise<Maintenance[]> {
    return listMaintenances(this.deps.db.kysely, since ?? 0);
  }

  async getMaintenance(id: string): Promise<Maintenance> {
    const m = await findMaintenance(this.deps.db.kysely, id);
    if (!m) throw maintenanceNotFound(id);
    return m;
  }

  async scheduleMaintenance(actor: Actor, input: MaintenanceInput): Promise<Maintenance> {
    requireAdmin(actor);
    if (input.endsAt <= input.startsAt) throw validationError([{ field: 'endsAt', message: 'must be after startsAt' }]);
    return this.tx(async (trx, now) => {
      const componentIds = await this.checkComponents(trx, input.componentIds, 'componentIds');
      const row = {
        id: newId('stm', now),
        title: input.title.trim(),
        description: input.description ?? '',
        componentIds: toJsonText(componentIds),
        startsAt: input.startsAt,
        endsAt: input.endsAt,
        cancelledAt: null,
        createdAt: now,
        updatedAt: now,
      };
      await trx.insertInto('statusMaintenances').values(row).execute();
      await this.audit(trx, actor, 'status_page.maintenance_scheduled', row.id, { title: row.title });
      return (await findMaintenance(trx, row.id))!;
    });
  }

  async updateMaintenance(
    actor: Actor,
    id: string,
    patch: Partial<MaintenanceInput> & { isCancelled?: boolean | undefined },
  ): Promise<Maintenance> {
    requireAdmin(actor);
    return this.tx(async (trx, now) => {
      const m = await findMaintenance(trx, id);
      if (!m) throw maintenanceNotFound(id);
      const startsAt = patch.startsAt ?? m.startsAt;
      const endsAt = patch.endsAt ?? m.endsAt;
      if (endsAt <= startsAt) throw validationError([{ field: 'endsAt', message: 'must be after startsAt' }]);
      const componentIds = patch.componentIds && (await this.checkComponents(trx, patch.componentIds, 'componentIds'));
      await trx
        .updateTable('statusMaintenances')
        .set({
          ...(patch.title !== undefined ? { title: patch.title.trim() } : {}),
          ...(patch.description !== undefined ? { description: patch.description } : {}),
          ...(componentIds ? { componentIds: toJsonText(componentIds) } : {}),
          startsAt,
          endsAt,
          ...(patch.isCancelled !== undefined ? { cancelledAt: patch.isCancelled ? now : null } : {}),
          updatedAt: now,
        })
        .where('id', '=', id)
        .execute();
      await this.audit(trx, actor, 'status_page.maintenance_updated', id, { ...patch });
      return (await findMaintenance(trx, id))!;
    });
  }
}
