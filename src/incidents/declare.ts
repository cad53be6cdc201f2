/** Declaring an incident: the row, its services and alerts, the checklist, the first timeline entries, the timers. */
import type { Db, Executor } from '../db/index.js';
import type { Actor } from '../identity/index.js';
import { validationError, type FieldProblem } from '../shared/errors.js';
import { newId } from '../shared/ids.js';
import { linkAlert } from './activity.js';
import { resolveBridgeAtDeclaration } from './bridge.js';
import { audit, event, refresh, signal, systemEvent, type Ctx } from './context.js';
import { scheduleTimers } from './jobs.js';
import {
  CHECKLIST_STEPS,
  SEVERITY_DEFINITIONS,
  proposeSeverity,
  type IncidentKind,
  type Severity,
  type SeverityAssessment,
  type SeverityPolicy,
} from './model.js';
import { loadPolicy, toIncident } from './repo.js';

export interface DeclareInput {
  title: string;
  summary?: string | undefined;
  severity: Severity;
  assessment?: SeverityAssessment | undefined;
  serviceIds?: string[] | undefined;
  alertIds?: string[] | undefined;
  impactStartedAt?: number | undefined;
  kind?: IncidentKind | undefined;
}

/** Services by id or slug; unknown ones are bad input of the declaration (400 naming `serviceIds.N`). */
async function resolveServices(trx: Executor, ids: string[]): Promise<string[]> {
  const out: string[] = [];
  const problems: FieldProblem[] = [];
  for (const [i, idOrSlug] of ids.entries()) {
    const s = await trx
      .selectFrom('services')
      .select('id')
      .where((eb) => eb.or([eb('id', '=', idOrSlug), eb('slug', '=', idOrSlug)]))
      .executeTakeFirst();
    if (!s) problems.push({ field: `serviceIds.${i}`, message: `no service with id or slug ${idOrSlug}` });
    else if (!out.includes(s.id)) out.push(s.id);
  }
  if (problems.length) throw validationError(problems);
  return out;
}

/** Every alert named must exist (400 naming `alertIds.N`), before anything is written. */
async function checkAlerts(trx: Executor, ids: string[]): Promise<void> {
  if (ids.length === 0) return;
  const found = new Set(
    (await trx.selectFrom('alerts').select('id').where('id', 'in', ids).execute()).map((r) => r.id),
  );
  const problems = ids.flatMap((id, i) =>
    found.has(id) ? [] : [{ field: `alertIds.${i}`, message: `no alert with id ${id}` }],
  );
  if (problems.length) throw validationError(problems);
}

/** Detection = the first linked alert's first sighting, else now; impact start = the source's start, if known. */
async function initialMilestones(trx: Executor, alertIds: string[], now: number) {
  if (!alertIds.length) return { detectedAt: now, impactStartedAt: null as number | null, hasDrillAlert: false };
  const rows = await trx
    .selectFrom('alerts')
    .select(['firstSeenAt', 'sourceStartsAt', 'isDrill'])
    .where('id', 'in', alertIds)
    .execute();
  if (!rows.length) return { detectedAt: now, impactStartedAt: null, hasDrillAlert: false };
  const detectedAt = Math.min(...rows.map((r) => r.firstSeenAt));
  return {
    detectedAt,
    impactStartedAt: Math.min(...rows.map((r) => r.sourceStartsAt ?? r.firstSeenAt)),
    // A game day's drill alert (a drill key's) makes a drill, never a real incident.
    hasDrillAlert: rows.some((r) => Number(r.isDrill) === 1),
  };
}

/** Describe a severity's policy for the timeline, so the rules in force are recorded with the incident. */
export function policyText(p: SeverityPolicy): string {
  const parts = [`${p.severity} — ${SEVERITY_DEFINITIONS[p.severity].title}.`];
  if (p.requireDistinctRoles) parts.push('IC, Technical Lead and Communications Lead must be three different people.');
  if (p.commanderDeadlineMinutes !== null)
    parts.push(`Without an IC after ${p.commanderDeadlineMinutes} min, Muster pages.`);
  if (p.updateReminderMinutes !== null) parts.push(`Status updates every ${p.updateReminderMinutes} min.`);
  parts.push(p.pagesOutOfHours ? 'Pages out of hours.' : 'Does not page out of hours: handled during business hours.');
  return parts.join(' ');
}

export async function declareIn(
  trx: Executor,
  engine: Db['engine'],
  actor: Actor,
  input: DeclareInput,
  now: number,
): Promise<string> {
  const title = input.title.trim();
  if (!title) throw validationError([{ field: 'title', message: 'must not be empty' }]);
  const id = newId('inc', now);
  const serviceIds = await resolveServices(trx, input.serviceIds ?? []);
  const alertIds = [...new Set(input.alertIds ?? [])];
  await checkAlerts(trx, input.alertIds ?? []);
  const m = await initialMilestones(trx, alertIds, now);
  if (m.hasDrillAlert && input.kind !== undefined && input.kind !== 'drill')
    throw validationError([
      {
        field: 'alertIds',
        message: `a game day's drill alert can only be part of a drill, not a ${input.kind} incident`,
      },
    ]);
  const isDrill = (input.kind ?? (m.hasDrillAlert ? 'drill' : 'real')) === 'drill';
  const row = {
    id,
    title,
    summary: input.summary?.trim() ?? '',
    severity: input.severity,
    status: 'investigating',
    declaredByUserId: actor.userId,
    declaredByLabel: actor.label,
    declaredAt: now,
    updatedAt: now,
    impactStartedAt: input.impactStartedAt ?? m.impactStartedAt,
    detectedAt: m.detectedAt,
    // A person declaring has responded — except in a drill, where the acknowledgement is what is being practised.
    acknowledgedAt: alertIds.length || isDrill ? null : now,
    mitigatedAt: null,
    resolvedAt: null,
    suspectedChangeId: null,
    timerGeneration: 0,
    lastEventSeq: 0,
    kind: isDrill ? 'drill' : (input.kind ?? 'real'),
  };
  await trx.insertInto('incidents').values(row).execute();
  if (serviceIds.length) {
    await trx
      .insertInto('incidentServices')
      .values(serviceIds.map((serviceId) => ({ incidentId: id, serviceId, createdAt: now })))
      .execute();
  }
  await trx
    .insertInto('incidentChecklist')
    .values(
      CHECKLIST_STEPS.map((step) => ({
        incidentId: id,
        step,
        doneAt: null,
        doneByUserId: null,
        doneByLabel: null,
        source: null,
      })),
    )
    .execute();
  const c: Ctx = { trx, engine, incident: toIncident(row), actor, now };
  await recordDeclaration(c, input, serviceIds);
  await resolveBridgeAtDeclaration(c, serviceIds);
  for (const alertId of alertIds) await linkAlert(c, alertId, { isAtDeclaration: true });
  await refresh(c);
  await scheduleTimers(trx, engine, c.incident, await loadPolicy(trx, input.severity), now);
  await audit(c, 'incident.declared', { severity: input.severity, title, serviceIds, alertIds });
  return id;
}

async function recordDeclaration(c: Ctx, input: DeclareInput, serviceIds: string[]): Promise<void> {
  const proposed = input.assessment ? proposeSeverity(input.assessment) : null;
  await event(c, {
    kind: 'declared',
    body: `${c.actor.label} declared ${input.severity}: ${c.incident.title}`,
    details: {
      severity: input.severity,
      serviceIds,
      assessment: input.assessment ?? null,
      proposed,
      impactStartedAtGiven: input.impactStartedAt !== undefined,
    },
  });
  const policy = await loadPolicy(c.trx, input.severity);
  await systemEvent(c, { kind: 'severity_policy', body: policyText(policy), details: { policy } });
  if (input.assessment) await signal(c, { kind: 'severity_assessed' });
  if (!input.alertIds?.length && c.incident.kind !== 'drill') await signal(c, { kind: 'incident_acknowledged' });
}
