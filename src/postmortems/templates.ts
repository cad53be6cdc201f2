/**
 * Post-mortem templates (ordered sections with help text, some required) and the per-severity policy (required /
 * optional / none, due in N business days, which template). Organisation administrators change both; a post-mortem
 * keeps the sections its template had when it was created.
 */
import type { Db, Executor } from '../db/index.js';
import { recordAudit, type Actor } from '../identity/index.js';
import type { Clock } from '../shared/clock.js';
import { conflict, forbidden, notFound, validationError } from '../shared/errors.js';
import { newId } from '../shared/ids.js';
import { toJsonText } from '../shared/json.js';
import { checkTemplateSections, POLICY_MODES, type PolicyMode, type TemplateSection } from './model.js';
import { findPolicy, findTemplate, listPolicies, listTemplates, type Policy, type Template } from './repo.js';

export interface TemplateInput {
  name: string;
  description?: string | undefined;
  sections: TemplateSection[];
}

export const presentTemplate = (t: Template) => ({
  id: t.id,
  name: t.name,
  description: t.description,
  isBuiltin: t.isBuiltin,
  sections: t.sections,
});

const SEVERITIES = ['P1', 'P2', 'P3', 'P4'];

export class TemplateAdmin {
  constructor(private readonly deps: { db: Db; clock: Clock }) {}

  private tx<T>(fn: (trx: Executor, now: number) => Promise<T>): Promise<T> {
    const now = this.deps.clock.now();
    return this.deps.db.kysely.transaction().execute((trx) => fn(trx, now));
  }

  private requireAdmin(actor: Actor): void {
    if (!actor.isAdmin) throw forbidden('Only administrators change post-mortem templates and policies.');
  }

  async list() {
    return (await listTemplates(this.deps.db.kysely)).map(presentTemplate);
  }

  async get(id: string) {
    const t = await findTemplate(this.deps.db.kysely, id);
    if (!t || t.archivedAt !== null) throw notFound('template', id);
    return presentTemplate(t);
  }

  private checkName(name: string): string {
    const n = name.trim();
    if (!n) throw validationError([{ field: 'name', message: 'must not be empty' }]);
    return n;
  }

  async create(actor: Actor, input: TemplateInput) {
    this.requireAdmin(actor);
    const name = this.checkName(input.name);
    const sections = checkTemplateSections(input.sections);
    const id = await this.tx(async (trx, now) => {
      const id = newId('pmt', now);
      await trx
        .insertInto('postmortemTemplates')
        .values({
          id,
          name,
          description: input.description?.trim() ?? '',
          sections: toJsonText(sections),
          isBuiltin: 0,
          archivedAt: null,
          createdAt: now,
          updatedAt: now,
        })
        .execute();
      await recordAudit(trx, actor, 'postmortem_template.created', { type: 'postmortem_template', id }, { name }, now);
      return id;
    });
    return this.get(id);
  }

  async update(actor: Actor, id: string, input: Partial<TemplateInput>) {
    this.requireAdmin(actor);
    await this.tx(async (trx, now) => {
      const t = await findTemplate(trx, id);
      if (!t || t.archivedAt !== null) throw notFound('template', id);
      const set: { name?: string; description?: string; sections?: string; updatedAt: number } = { updatedAt: now };
      if (input.name !== undefined) set.name = this.checkName(input.name);
      if (input.description !== undefined) set.description = input.description.trim();
      if (input.sections !== undefined) set.sections = toJsonText(checkTemplateSections(input.sections));
      await trx.updateTable('postmortemTemplates').set(set).where('id', '=', id).execute();
      await recordAudit(
        trx,
        actor,
        'postmortem_template.updated',
        { type: 'postmortem_template', id },
        { changes: Object.keys(input) },
        now,
      );
    });
    return this.get(id);
  }

  /** Archive (post-mortems made from it keep their sections); built-ins and templates a policy uses stay. */
  async archive(actor: Actor, id: string): Promise<void> {
    this.requireAdmin(actor);
    await this.tx(async (trx, now) => {
      const t = await findTemplate(trx, id);
      if (!t || t.archivedAt !== null) throw notFound('template', id);
      if (t.isBuiltin) throw conflict('template_builtin', 'Built-in templates cannot be deleted; edit them instead.');
      const used = (await listPolicies(trx)).filter((p) => p.templateId === id).map((p) => p.severity);
      if (used.length) {
        throw conflict('template_in_use', `The policy for ${used.join(', ')} uses this template: change it first.`);
      }
      await trx
        .updateTable('postmortemTemplates')
        .set({ archivedAt: now, updatedAt: now })
        .where('id', '=', id)
        .execute();
      await recordAudit(trx, actor, 'postmortem_template.archived', { type: 'postmortem_template', id }, {}, now);
    });
  }

  async policies(): Promise<Policy[]> {
    const stored = await listPolicies(this.deps.db.kysely);
    return Promise.all(
      SEVERITIES.map(async (s) => stored.find((p) => p.severity === s) ?? findPolicy(this.deps.db.kysely, s)),
    );
  }

  async setPolicy(
    actor: Actor,
    severity: string,
    patch: {
      mode?: PolicyMode | undefined;
      dueBusinessDays?: number | null | undefined;
      templateId?: string | undefined;
    },
  ): Promise<Policy> {
    this.requireAdmin(actor);
    if (!SEVERITIES.includes(severity)) throw validationError([{ field: 'severity', message: 'P1, P2, P3 or P4' }]);
    if (patch.mode !== undefined && !POLICY_MODES.includes(patch.mode)) {
      throw validationError([{ field: 'mode', message: POLICY_MODES.join(', ') }]);
    }
    return this.tx(async (trx, now) => {
      const next = { ...(await findPolicy(trx, severity)) };
      if (patch.mode !== undefined) next.mode = patch.mode;
      if (patch.dueBusinessDays !== undefined) next.dueBusinessDays = patch.dueBusinessDays;
      if (patch.templateId !== undefined) {
        const t = await findTemplate(trx, patch.templateId);
        if (!t || t.archivedAt !== null) throw validationError([{ field: 'templateId', message: 'no such template' }]);
        next.templateId = t.id;
      }
      if (next.mode === 'required' && next.dueBusinessDays === null) {
        throw validationError([{ field: 'dueBusinessDays', message: 'a required post-mortem needs a due date' }]);
      }
      const values = {
        severity,
        mode: next.mode,
        dueBusinessDays: next.dueBusinessDays,
        templateId: next.templateId,
        updatedAt: now,
      };
      await trx
        .insertInto('postmortemPolicies')
        .values(values)
        .onConflict((oc) =>
          oc.column('severity').doUpdateSet({
            mode: values.mode,
            dueBusinessDays: values.dueBusinessDays,
            templateId: values.templateId,
            updatedAt: now,
          }),
        )
        .execute();
      await recordAudit(
        trx,
        actor,
        'postmortem_policy.updated',
        { type: 'postmortem_policy', id: severity },
        { ...patch },
        now,
      );
      return next;
    });
  }
}
