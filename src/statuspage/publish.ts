/**
 * Incidents on the status page: publish one (public title, impact, affected components), then post public updates
 * from templates (public and internal variants) or free text. Each update is stored, goes on the incident timeline
 * (noteStatusPageUpdate) and fans out to confirmed subscribers through a durable job enqueued in the same transaction.
 */
import type { Executor } from '../db/index.js';
import type { Actor } from '../identity/index.js';
import { noteStatusPageUpdate, type IncidentService } from '../incidents/index.js';
import { enqueueJob } from '../jobs/index.js';
import { forbidden, validationError } from '../shared/errors.js';
import { newId } from '../shared/ids.js';
import { toJsonText } from '../shared/json.js';
import { incidentAlreadyPublished, incidentNotPublished, maintenanceNotFound } from './errors.js';
import { JOB_FAN_OUT, type FanOutPayload } from './jobs.js';
import {
  PUBLIC_STATUS_LABELS,
  componentList,
  nextUpdateText,
  renderTemplate,
  type AffectedComponent,
  type PublicStatus,
  type Template,
} from './model.js';
import { findMaintenance, findPublicIncident, listComponents, type PublicIncident, type PublicUpdate } from './repo.js';
import { StatusPageAdmin, type StatusPageDeps } from './service.js';

export interface UpdateInput {
  /** A template (built-in `builtin:investigating` … or an administrator's); its placeholders are filled in. */
  templateId?: string | undefined;
  /** Public text; overrides the template's public variant. */
  message?: string | undefined;
  /** Internal text for the incident timeline; overrides the template's internal variant. */
  internalMessage?: string | undefined;
  status?: PublicStatus | undefined;
  components?: AffectedComponent[] | undefined;
  nextUpdateMinutes?: number | undefined;
  title?: string | undefined;
  impact?: string | undefined;
}

export interface PublishInput extends UpdateInput {
  components: AffectedComponent[];
}

type IncidentLookup = Pick<IncidentService, 'get' | 'canCommunicate'>;

export class StatusPagePublishing extends StatusPageAdmin {
  constructor(
    deps: StatusPageDeps,
    private readonly incidents: IncidentLookup,
  ) {
    super(deps);
  }

  async publication(incidentId: string): Promise<{ publication: PublicIncident; updates: PublicUpdate[] }> {
    const ex = this.deps.db.kysely;
    const p = await findPublicIncident(ex, incidentId);
    if (!p) throw incidentNotPublished(incidentId);
    const updates = await ex
      .selectFrom('statusUpdates')
      .selectAll()
      .where('statusIncidentId', '=', p.id)
      .orderBy('postedAt', 'desc')
      .orderBy('id', 'desc')
      .execute();
    return { publication: p, updates };
  }

  /** An incident's public story belongs to its Communications Lead and Incident Commander (and administrators). */
  private async requireComms(actor: Actor, incidentId: string): Promise<void> {
    if ((await this.incidents.canCommunicate(actor, incidentId)) === false) {
      throw forbidden(
        "The incident's public updates belong to its Communications Lead, its Incident Commander and administrators.",
      );
    }
  }

  async publish(actor: Actor, incidentId: string, input: PublishInput) {
    await this.requireComms(actor, incidentId);
    const detail = await this.incidents.get(incidentId);
    const template = await this.findTemplate(input.templateId ?? 'builtin:investigating');
    await this.txAndWake(async (trx, now) => {
      if (await findPublicIncident(trx, incidentId)) throw incidentAlreadyPublished(incidentId);
      const components = await this.checkAffected(trx, input.components);
      const row = {
        id: newId('sti', now),
        incidentId,
        title: (input.title ?? detail.incident.title).trim(),
        impact: input.impact ?? detail.incident.summary,
        status: input.status ?? template.status,
        components: toJsonText(components),
        publishedAt: now,
        resolvedAt: null,
        updatedAt: now,
      };
      await trx.insertInto('statusIncidents').values(row).execute();
      await this.audit(trx, actor, 'status_page.incident_published', row.id, { incidentId, title: row.title });
      await this.postIn(trx, actor, (await findPublicIncident(trx, incidentId))!, detail.incident.severity, {
        ...input,
        templateId: template.id,
      });
    });
    return this.publication(incidentId);
  }

  async postUpdate(actor: Actor, incidentId: string, input: UpdateInput) {
    await this.requireComms(actor, incidentId);
    const detail = await this.incidents.get(incidentId);
    await this.txAndWake(async (trx) => {
      const p = await this.lockPublication(trx, incidentId);
      await this.postIn(trx, actor, p, detail.incident.severity, input);
    });
    return this.publication(incidentId);
  }

  private async lockPublication(trx: Executor, incidentId: string): Promise<PublicIncident> {
    if (this.deps.db.engine === 'postgres') {
      await trx.selectFrom('statusIncidents').select('id').where('incidentId', '=', incidentId).forUpdate().execute();
    }
    const p = await findPublicIncident(trx, incidentId);
    if (!p) throw incidentNotPublished(incidentId);
    return p;
  }

  private async checkAffected(trx: Executor, list: AffectedComponent[]): Promise<AffectedComponent[]> {
    await this.checkComponents(
      trx,
      list.map((c) => c.componentId),
      'components',
    );
    const byId = new Map(list.map((c) => [c.componentId, c]));
    return [...byId.values()];
  }

  /** One public update in the caller's transaction: the publication row, the update, the timeline, the fan-out. */
  private async postIn(trx: Executor, actor: Actor, p: PublicIncident, severity: string, input: UpdateInput) {
    const now = this.now();
    const template: Template | null = input.templateId ? await this.findTemplate(input.templateId, trx) : null;
    const status = input.status ?? template?.status ?? p.status;
    const components = input.components ? await this.checkAffected(trx, input.components) : p.components;
    const title = input.title?.trim() ?? p.title;
    const impact = input.impact ?? p.impact;
    const names = new Map((await listComponents(trx)).map((c) => [c.id, c.name]));
    const values = {
      title,
      severity,
      impact: impact || 'some requests may fail',
      next_update: nextUpdateText(now, input.nextUpdateMinutes),
      components: componentList(components.map((c) => names.get(c.componentId) ?? c.componentId)),
      status: PUBLIC_STATUS_LABELS[status],
    };
    const publicText = (input.message ?? (template ? renderTemplate(template.publicText, values) : '')).trim();
    if (!publicText) throw validationError([{ field: 'message', message: 'give a message or a templateId' }]);
    const internal = input.internalMessage ?? (template ? renderTemplate(template.internalText, values) : '');
    await trx
      .updateTable('statusIncidents')
      .set({
        title,
        impact,
        status,
        components: toJsonText(components),
        resolvedAt: status === 'resolved' ? (p.resolvedAt ?? now) : null,
        updatedAt: now,
      })
      .where('id', '=', p.id)
      .execute();
    const update = await this.insertUpdate(trx, actor, {
      statusIncidentId: p.id,
      maintenanceId: null,
      status,
      body: publicText,
      templateId: template?.id ?? null,
    });
    const internalText = internal.trim() || null;
    await noteStatusPageUpdate(
      trx,
      p.incidentId,
      { id: update.id, status, publicText, internalText },
      { userId: actor.userId, label: actor.label },
      now,
    );
    await this.audit(trx, actor, 'status_page.update_posted', p.id, { updateId: update.id, status });
    return update;
  }

  protected async insertUpdate(
    trx: Executor,
    actor: Actor,
    u: Pick<PublicUpdate, 'statusIncidentId' | 'maintenanceId' | 'status' | 'body' | 'templateId'>,
  ): Promise<PublicUpdate> {
    const now = this.now();
    const row: PublicUpdate = { id: newId('stu', now), ...u, postedByLabel: actor.label, postedAt: now };
    await trx.insertInto('statusUpdates').values(row).execute();
    const payload: FanOutPayload = { updateId: row.id };
    await enqueueJob(
      trx,
      this.deps.db.engine,
      { kind: JOB_FAN_OUT, payload, uniqueKey: `${JOB_FAN_OUT}:${row.id}` },
      now,
    );
    return row;
  }

  /** Wake the job runner after a commit that enqueued a fan-out (a spare wake-up is harmless). */
  private async txAndWake<T>(fn: (trx: Executor, now: number) => Promise<T>): Promise<T> {
    const out = await this.tx(fn);
    this.deps.onEnqueued?.();
    return out;
  }

  /** An update on a maintenance window (started, extended, done), shown on the page and sent to subscribers. */
  async postMaintenanceUpdate(
    actor: Actor,
    maintenanceId: string,
    input: { message: string; status?: 'scheduled' | 'in_progress' | 'completed' | undefined },
  ): Promise<PublicUpdate> {
    if (!actor.isAdmin) throw forbidden('Only administrators post maintenance updates.');
    return this.txAndWake(async (trx, now) => {
      const m = await findMaintenance(trx, maintenanceId);
      if (!m) throw maintenanceNotFound(maintenanceId);
      const message = input.message.trim();
      if (!message) throw validationError([{ field: 'message', message: 'must not be empty' }]);
      const status = input.status ?? (now < m.startsAt ? 'scheduled' : now < m.endsAt ? 'in_progress' : 'completed');
      const update = await this.insertUpdate(trx, actor, {
        statusIncidentId: null,
        maintenanceId,
        status,
        body: message,
        templateId: null,
      });
      await this.audit(trx, actor, 'status_page.maintenance_update_posted', maintenanceId, { updateId: update.id });
      return update;
    });
  }
}
