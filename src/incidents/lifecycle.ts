/** Severity, status and milestone changes: each recorded with its reason, each rescheduling the timers it affects. */
import { validationError } from '../shared/errors.js';
import { audit, event, refresh, signal, systemEvent, type Ctx } from './context.js';
import { policyText } from './declare.js';
import { sameStatus } from './errors.js';
import { scheduleTimers } from './jobs.js';
import {
  milestoneForStatus,
  milestoneOrderProblems,
  proposeSeverity,
  type IncidentStatus,
  type Milestone,
  type Severity,
  type SeverityAssessment,
} from './model.js';
import { loadPolicy } from './repo.js';

export interface Warning {
  code: string;
  message: string;
}

const reasonOf = (reason: string): string => {
  const r = reason.trim();
  if (!r) throw validationError([{ field: 'reason', message: 'must not be empty: say why' }]);
  return r;
};

async function reschedule(c: Ctx): Promise<void> {
  await refresh(c);
  await scheduleTimers(c.trx, c.engine, c.incident, await loadPolicy(c.trx, c.incident.severity), c.now);
}

export async function changeSeverity(
  c: Ctx,
  input: { severity: Severity; reason: string; assessment?: SeverityAssessment | undefined },
): Promise<Warning[]> {
  const reason = reasonOf(input.reason);
  const from = c.incident.severity;
  const proposed = input.assessment ? proposeSeverity(input.assessment) : null;
  const warnings: Warning[] = [];
  if (proposed && proposed.severity !== input.severity) {
    warnings.push({
      code: 'severity_differs_from_assessment',
      message: `The assessment points to ${proposed.severity} (${proposed.reasons.join('; ')}), not ${input.severity}.`,
    });
  }
  if (from !== input.severity) {
    await c.trx
      .updateTable('incidents')
      .set({ severity: input.severity, updatedAt: c.now })
      .where('id', '=', c.incident.id)
      .execute();
  }
  await event(c, {
    kind: from === input.severity ? 'severity_confirmed' : 'severity_changed',
    body: from === input.severity ? `${from} confirmed: ${reason}` : `${from} → ${input.severity}: ${reason}`,
    details: { from, to: input.severity, reason, assessment: input.assessment ?? null, proposed },
  });
  await signal(c, { kind: 'severity_assessed' });
  if (from !== input.severity) {
    await reschedule(c);
    const policy = await loadPolicy(c.trx, input.severity);
    await systemEvent(c, { kind: 'severity_policy', body: policyText(policy), details: { policy } });
  }
  await audit(c, 'incident.severity_changed', { from, to: input.severity, reason });
  return warnings;
}

export async function changeStatus(
  c: Ctx,
  input: { status: IncidentStatus; message?: string | undefined },
): Promise<void> {
  const from = c.incident.status;
  if (from === input.status) throw sameStatus(c.incident.id, from);
  const message = input.message?.trim() || null;
  const isReopen = from === 'resolved';
  const set: Partial<Record<Milestone, number | null>> = {};
  const milestone = milestoneForStatus(input.status);
  if (milestone && c.incident[milestone] === null) set[milestone] = c.now;
  if (input.status === 'resolved' && c.incident.mitigatedAt === null) set.mitigatedAt = c.now;
  if (isReopen) set.resolvedAt = null;
  await c.trx
    .updateTable('incidents')
    .set({ ...set, status: input.status, updatedAt: c.now })
    .where('id', '=', c.incident.id)
    .execute();
  await event(c, {
    kind: isReopen ? 'reopened' : 'status_changed',
    body: `${from} → ${input.status}${message ? `: ${message}` : ''}`,
    details: { from, to: input.status, message, milestones: Object.keys(set) },
  });
  if (isReopen || input.status === 'resolved') await reschedule(c);
  await audit(c, isReopen ? 'incident.reopened' : 'incident.status_changed', { from, to: input.status });
}

export async function changeMilestone(
  c: Ctx,
  input: { milestone: Milestone; at: number | null; reason: string },
): Promise<Warning[]> {
  const reason = reasonOf(input.reason);
  const from = c.incident[input.milestone];
  await c.trx
    .updateTable('incidents')
    .set({ [input.milestone]: input.at, updatedAt: c.now })
    .where('id', '=', c.incident.id)
    .execute();
  const after = await refresh(c);
  await event(c, {
    kind: 'milestone_changed',
    body: `${input.milestone} ${input.at === null ? 'cleared' : `set to ${new Date(input.at).toISOString()}`}: ${reason}`,
    details: { milestone: input.milestone, from, to: input.at, reason },
  });
  await audit(c, 'incident.milestone_changed', { milestone: input.milestone, from, to: input.at, reason });
  return milestoneOrderProblems(after).map((m) => ({ code: 'milestones_out_of_order', message: m }));
}

export async function acknowledge(c: Ctx): Promise<void> {
  if (c.incident.acknowledgedAt === null) {
    await c.trx
      .updateTable('incidents')
      .set({ acknowledgedAt: c.now, updatedAt: c.now })
      .where('id', '=', c.incident.id)
      .execute();
  }
  await event(c, { kind: 'acknowledged', body: `${c.actor.label} acknowledged the incident.` });
  await signal(c, { kind: 'incident_acknowledged' });
  await audit(c, 'incident.acknowledged', {});
}

export async function updateDetails(
  c: Ctx,
  patch: { title?: string | undefined; summary?: string | undefined },
): Promise<void> {
  const changes: { title?: string; summary?: string } = {};
  if (patch.title !== undefined) {
    const t = patch.title.trim();
    if (!t) throw validationError([{ field: 'title', message: 'must not be empty' }]);
    changes.title = t;
  }
  if (patch.summary !== undefined) changes.summary = patch.summary.trim();
  if (!Object.keys(changes).length) return;
  await c.trx
    .updateTable('incidents')
    .set({ ...changes, updatedAt: c.now })
    .where('id', '=', c.incident.id)
    .execute();
  await event(c, { kind: 'details_updated', body: changes.title ?? '', details: { changes: Object.keys(changes) } });
  await audit(c, 'incident.updated', { changes: Object.keys(changes) });
}
