/**
 * Post-mortem creation and reminders as durable jobs (docs/postmortems.md).
 * - `postmortems.create`: enqueued in the transaction that resolves an incident whose severity's policy says
 *   'required' (the hook src/server.ts gives IncidentService), unique per incident, so re-resolving never makes a second
 *   one; the post-mortem row itself is unique per incident as well.
 * - `postmortems.remind`: one job per reminder (two business days before the due date, the due day, the overdue
 *   notice), unique per post-mortem × kind × due date and scheduled when the post-mortem is created or its due date
 *   changes. A job whose due date is no longer the post-mortem's, or whose post-mortem is published, ends quietly.
 */
import type { Db, Executor } from '../db/index.js';
import { currentRoles, findIncident } from '../incidents/index.js';
import { recordAudit, systemActor, type Actor } from '../identity/index.js';
import { enqueueJob, type JobHandler } from '../jobs/index.js';
import type { NotifyService } from '../notify/index.js';
import { conflict, validationError } from '../shared/errors.js';
import { newId } from '../shared/ids.js';
import { toJsonText } from '../shared/json.js';
import { addBusinessDays, reminderTimes, type ReminderKind } from './model.js';
import { findByIncident, findPolicy, findPostmortem, findTemplate, incidentTeams } from './repo.js';

export const CREATE_JOB = 'postmortems.create';
export const REMIND_JOB = 'postmortems.remind';

export interface CreatePayload {
  incidentId: string;
  /** The Incident Commander when the incident resolved (the owner), captured in the resolving transaction. */
  commanderUserId: string | null;
}

export interface RemindPayload {
  postmortemId: string;
  kind: ReminderKind;
  dueAt: number;
}

/** Called by IncidentService inside the transaction that resolves an incident. */
export async function onIncidentResolved(trx: Executor, engine: Db['engine'], incidentId: string, now: number) {
  const incident = await findIncident(trx, incidentId);
  if (!incident) return;
  const policy = await findPolicy(trx, incident.severity);
  if (policy.mode !== 'required') return;
  if (await findByIncident(trx, incidentId)) return; // re-resolved: the post-mortem stays as it is
  const roles = await currentRoles(trx, incidentId);
  const payload: CreatePayload = { incidentId, commanderUserId: roles.commander?.userId ?? null };
  await enqueueJob(trx, engine, { kind: CREATE_JOB, payload, uniqueKey: `${CREATE_JOB}:${incidentId}` }, now);
}

export interface CreateInput {
  incidentId: string;
  templateId?: string | undefined;
  /** The owner; default: the Incident Commander now, else the declarer. */
  ownerUserId?: string | null | undefined;
  actor: Actor;
  now: number;
}

/**
 * Create the incident's post-mortem in the caller's transaction: the policy for its severity decides the template
 * (unless one is given), whether it is required and its due date (resolved + N business days, or now + N while the
 * incident is still open). Returns the id and whether this call created it.
 */
export async function createIn(
  trx: Executor,
  engine: Db['engine'],
  input: CreateInput,
): Promise<{ id: string; created: boolean }> {
  const existing = await findByIncident(trx, input.incidentId);
  if (existing) return { id: existing.id, created: false };
  const incident = await findIncident(trx, input.incidentId);
  if (!incident) throw conflict('incident_not_found', `No incident with id ${input.incidentId}.`);
  const policy = await findPolicy(trx, incident.severity);
  const templateId = input.templateId ?? policy.templateId;
  const template = await findTemplate(trx, templateId);
  if (!template || (template.archivedAt !== null && input.templateId)) {
    throw validationError([{ field: 'templateId', message: `no usable template ${templateId}` }]);
  }
  let owner = input.ownerUserId;
  if (owner === undefined) {
    const roles = await currentRoles(trx, incident.id);
    owner = roles.commander?.userId ?? incident.declaredByUserId;
  }
  if (owner) {
    const u = await trx.selectFrom('users').select('id').where('id', '=', owner).executeTakeFirst();
    if (!u) owner = null;
  }
  const base = incident.resolvedAt ?? input.now;
  const dueAt = policy.dueBusinessDays ? addBusinessDays(base, policy.dueBusinessDays) : null;
  const id = newId('pm', input.now);
  const sections = Object.fromEntries(template.sections.map((s) => [s.key, '']));
  const title = `Post-mortem: ${incident.title}`.slice(0, 300);
  const inserted = await trx
    .insertInto('postmortems')
    .values({
      id,
      incidentId: incident.id,
      templateId: template.id,
      templateSections: toJsonText(template.sections),
      title,
      status: 'draft',
      ownerUserId: owner ?? null,
      dueAt,
      isRequired: policy.mode === 'required' ? 1 : 0,
      sections: toJsonText(sections),
      impact: '{}',
      publicSummary: null,
      publicSummaryPublishedAt: null,
      revision: 1,
      createdByLabel: input.actor.label,
      createdAt: input.now,
      updatedAt: input.now,
      reviewRequestedAt: null,
      publishedAt: null,
      remindedAt: null,
    })
    .onConflict((oc) => oc.column('incidentId').doNothing())
    .executeTakeFirst();
  if (Number(inserted.numInsertedOrUpdatedRows ?? 0n) === 0) {
    return { id: (await findByIncident(trx, incident.id))!.id, created: false };
  }
  await trx
    .insertInto('postmortemRevisions')
    .values({
      id: newId('pmr', input.now),
      postmortemId: id,
      revision: 1,
      at: input.now,
      authorUserId: input.actor.userId,
      authorLabel: input.actor.label,
      summary: `Created from the ${template.name} template`,
      snapshot: toJsonText({
        title,
        status: 'draft',
        sections,
        impact: {},
        publicSummary: null,
        ownerUserId: owner ?? null,
        dueAt,
      }),
    })
    .execute();
  if (dueAt !== null) await scheduleReminders(trx, engine, id, dueAt, input.now);
  await recordAudit(
    trx,
    input.actor,
    'postmortem.created',
    { type: 'postmortem', id },
    { incidentId: incident.id, templateId: template.id, isRequired: policy.mode === 'required', dueAt },
    input.now,
  );
  return { id, created: true };
}

/** The reminder jobs for a due date, in the caller's transaction (unique per post-mortem × kind × due date). */
export async function scheduleReminders(
  trx: Executor,
  engine: Db['engine'],
  postmortemId: string,
  dueAt: number,
  now: number,
): Promise<void> {
  for (const r of reminderTimes(dueAt, now)) {
    const payload: RemindPayload = { postmortemId, kind: r.kind, dueAt };
    await enqueueJob(
      trx,
      engine,
      { kind: REMIND_JOB, payload, runAt: r.runAt, uniqueKey: `${REMIND_JOB}:${postmortemId}:${r.kind}:${dueAt}` },
      now,
    );
  }
}

/** `postmortems.create`: the automatic post-mortem of a resolved incident whose policy requires one. */
export function createHandler(deps: { db: Db }): JobHandler<CreatePayload> {
  return async (ctx) => {
    await ctx.complete(async (trx) => {
      const { incidentId, commanderUserId } = ctx.job.payload;
      const now = ctx.clock.now();
      const incident = await findIncident(trx, incidentId);
      if (!incident) return;
      const r = await createIn(trx, deps.db.engine, {
        incidentId,
        ownerUserId: commanderUserId ?? incident.declaredByUserId,
        actor: systemActor('postmortems'),
        now,
      });
      ctx.log.info({ incidentId, postmortemId: r.id, created: r.created }, 'post-mortem for a resolved incident');
    });
  };
}

export interface RemindDeps {
  db: Db;
  notify: Pick<NotifyService, 'notifyUser'>;
  publicUrl: () => string;
}

const fmtDay = (t: number): string => new Date(t).toISOString().slice(0, 10);

/** `postmortems.remind`: the owner before and on the due date; the owner and the incident's team admins once overdue. */
export function remindHandler(deps: RemindDeps): JobHandler<RemindPayload> {
  return async (ctx) => {
    await ctx.complete(async (trx) => {
      const { postmortemId, kind, dueAt } = ctx.job.payload;
      const now = ctx.clock.now();
      const pm = await findPostmortem(trx, postmortemId);
      if (!pm || pm.status === 'published' || pm.dueAt !== dueAt) return; // published, deleted or rescheduled
      const url = `${deps.publicUrl()}/postmortems/${pm.id}`;
      const recipients = new Set<string>();
      if (pm.ownerUserId) recipients.add(pm.ownerUserId);
      if (kind === 'overdue') {
        const teams = (await incidentTeams(trx, [pm.incidentId])).get(pm.incidentId) ?? [];
        if (teams.length) {
          const admins = await trx
            .selectFrom('teamMembers')
            .select('userId')
            .where(
              'teamId',
              'in',
              teams.map((t) => t.id),
            )
            .where('role', 'in', ['admin', 'owner'])
            .execute();
          for (const a of admins) recipients.add(a.userId);
        }
      }
      const subject =
        kind === 'before'
          ? `Post-mortem due ${fmtDay(dueAt)}: ${pm.title}`
          : kind === 'due'
            ? `Post-mortem due today: ${pm.title}`
            : `Post-mortem overdue since ${fmtDay(dueAt)}: ${pm.title}`;
      const body = [
        subject,
        `Status: ${pm.status.replace('_', ' ')}.`,
        kind === 'overdue'
          ? 'It is past its due date. Finish the required sections, get a review and publish it.'
          : 'Finish the required sections, ask for a review and publish it by the due date.',
        url,
      ].join('\n');
      for (const userId of recipients) {
        await deps.notify.notifyUser(
          trx,
          {
            userId,
            urgency: 'low',
            message: { subject, body, url },
            key: `${ctx.job.uniqueKey ?? ctx.job.id}:${userId}`,
          },
          now,
        );
      }
      await trx.updateTable('postmortems').set({ remindedAt: now }).where('id', '=', pm.id).execute();
      await recordAudit(
        trx,
        systemActor('postmortems'),
        `postmortem.${kind === 'overdue' ? 'overdue_notified' : 'reminded'}`,
        { type: 'postmortem', id: pm.id },
        { kind, dueAt, recipients: [...recipients] },
        now,
      );
    });
  };
}
