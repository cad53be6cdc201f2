/** Incident objects → API JSON (RFC 3339 timestamps), and the TypeBox schemas the incident routes share. */
import { Type } from '@sinclair/typebox';
import type { Incident, IncidentDetail, RankedChange, Task, TimelineEvent } from '../../incidents/index.js';
import { toIso, toIsoOrNull } from '../../shared/clock.js';
import { NullableTimestamp, Timestamp } from '../schemas.js';

export const SeveritySchema = Type.Union([
  Type.Literal('P1'),
  Type.Literal('P2'),
  Type.Literal('P3'),
  Type.Literal('P4'),
]);
export const StatusSchema = Type.Union([
  Type.Literal('investigating'),
  Type.Literal('identified'),
  Type.Literal('monitoring'),
  Type.Literal('resolved'),
]);
export const AssessmentSchema = Type.Object(
  {
    canUsersCompleteCoreWorkflows: Type.Optional(Type.Boolean()),
    isDataIntegrityAtRisk: Type.Optional(Type.Boolean()),
    areRevenueSystemsDown: Type.Optional(Type.Boolean()),
    isSubsetOfUsers: Type.Optional(Type.Boolean()),
    hasWorkaround: Type.Optional(Type.Boolean()),
    isInternalOnly: Type.Optional(Type.Boolean()),
    isCosmetic: Type.Optional(Type.Boolean()),
  },
  { description: 'The severity questionnaire; unanswered questions never raise the severity.' },
);

/** The incident's post-mortem in lists and details (src/postmortems), null when it has none. */
export const PostmortemRefSchema = Type.Union([
  Type.Object({
    id: Type.String(),
    status: Type.String(),
    dueAt: NullableTimestamp,
    isOverdue: Type.Boolean(),
    isRequired: Type.Boolean(),
  }),
  Type.Null(),
]);

export const IncidentSchema = Type.Object({
  id: Type.String(),
  title: Type.String(),
  summary: Type.String(),
  severity: SeveritySchema,
  status: StatusSchema,
  declaredBy: Type.Object({ userId: Type.Union([Type.String(), Type.Null()]), label: Type.String() }),
  declaredAt: Timestamp,
  updatedAt: Timestamp,
  milestones: Type.Object({
    impactStartedAt: NullableTimestamp,
    detectedAt: NullableTimestamp,
    acknowledgedAt: NullableTimestamp,
    mitigatedAt: NullableTimestamp,
    resolvedAt: NullableTimestamp,
  }),
  suspectedChangeId: Type.Union([Type.String(), Type.Null()]),
  kind: Type.Optional(Type.String({ description: 'real, drill or imported' })),
  importedFrom: Type.Optional(
    Type.Object(
      {
        source: Type.String({ description: 'pagerduty, opsgenie or grafana-oncall' }),
        externalId: Type.String({ description: "The incident's id in the source" }),
        url: Type.Union([Type.String(), Type.Null()], { description: 'A link back to it in the source' }),
      },
      { description: 'Only on an imported incident (docs/import.md)' },
    ),
  ),
  postmortem: Type.Optional(PostmortemRefSchema),
  postmortemExpected: Type.Optional(Type.Boolean()),
});

export const TimelineEventSchema = Type.Object({
  id: Type.String(),
  seq: Type.Integer(),
  at: Timestamp,
  kind: Type.String(),
  actorUserId: Type.Union([Type.String(), Type.Null()]),
  actorLabel: Type.String(),
  body: Type.String(),
  details: Type.Record(Type.String(), Type.Unknown()),
  isFlagged: Type.Boolean(),
});

export const TaskSchema = Type.Object({
  id: Type.String(),
  title: Type.String(),
  assigneeUserId: Type.Union([Type.String(), Type.Null()]),
  isDone: Type.Boolean(),
  doneAt: NullableTimestamp,
  createdByLabel: Type.String(),
  createdAt: Timestamp,
});

export const DetailSchema = Type.Object({
  incident: IncidentSchema,
  services: Type.Unknown(),
  alerts: Type.Unknown(),
  roles: Type.Unknown(),
  roleHistory: Type.Unknown(),
  checklist: Type.Unknown(),
  tasks: Type.Array(TaskSchema),
  participants: Type.Unknown(),
  policy: Type.Unknown(),
  warnings: Type.Array(Type.Object({ code: Type.String(), message: Type.String(), roles: Type.Array(Type.String()) })),
  metrics: Type.Unknown(),
  postmortem: Type.Optional(PostmortemRefSchema),
  postmortemExpected: Type.Optional(Type.Boolean()),
  /** The game day whose drill room this is (drill incidents only). */
  gameday: Type.Optional(
    Type.Union([Type.Object({ id: Type.String(), title: Type.String(), status: Type.String() }), Type.Null()]),
  ),
});

export const presentIncident = (i: Incident) => ({
  id: i.id,
  title: i.title,
  summary: i.summary,
  severity: i.severity,
  status: i.status,
  declaredBy: { userId: i.declaredByUserId, label: i.declaredByLabel },
  declaredAt: toIso(i.declaredAt),
  updatedAt: toIso(i.updatedAt),
  milestones: {
    impactStartedAt: toIsoOrNull(i.impactStartedAt),
    detectedAt: toIsoOrNull(i.detectedAt),
    acknowledgedAt: toIsoOrNull(i.acknowledgedAt),
    mitigatedAt: toIsoOrNull(i.mitigatedAt),
    resolvedAt: toIsoOrNull(i.resolvedAt),
  },
  suspectedChangeId: i.suspectedChangeId,
  kind: i.kind,
  ...(i.importSource
    ? { importedFrom: { source: i.importSource, externalId: i.externalId ?? '', url: i.externalUrl ?? null } }
    : {}),
});

export const presentEvent = (e: TimelineEvent) => ({
  id: e.id,
  seq: e.seq,
  at: toIso(e.at),
  kind: e.kind,
  actorUserId: e.actorUserId,
  actorLabel: e.actorLabel,
  body: e.body,
  details: e.details,
  isFlagged: e.isFlagged,
});

export const presentTask = (t: Task) => ({
  id: t.id,
  title: t.title,
  assigneeUserId: t.assigneeUserId,
  isDone: t.isDone,
  doneAt: toIsoOrNull(t.doneAt),
  createdByLabel: t.createdByLabel,
  createdAt: toIso(t.createdAt),
});

export const presentChange = (c: RankedChange) => ({ ...c, at: toIso(c.at) });

const seconds = (ms: number | null): number | null => (ms === null ? null : Math.round(ms / 1000));

export const presentDetail = (d: IncidentDetail) => ({
  incident: presentIncident(d.incident),
  services: d.services,
  alerts: d.alerts.map((a) => ({ ...a, linkedAt: toIso(a.linkedAt) })),
  roles: Object.fromEntries(
    Object.entries(d.roles).map(([role, h]) => [
      role,
      h ? { userId: h.userId, name: h.name, since: toIso(h.since) } : null,
    ]),
  ),
  roleHistory: d.roleHistory.map((r) => ({ ...r, startedAt: toIso(r.startedAt), endedAt: toIsoOrNull(r.endedAt) })),
  checklist: d.checklist.map((c) => ({ ...c, doneAt: toIsoOrNull(c.doneAt), elapsedSeconds: seconds(c.elapsedMs) })),
  tasks: d.tasks.map(presentTask),
  participants: d.participants.map((p) => ({
    ...p,
    firstJoinedAt: toIso(p.firstJoinedAt),
    lastJoinedAt: toIso(p.lastJoinedAt),
  })),
  policy: d.policy,
  warnings: d.warnings,
  metrics: {
    timeToDetectSeconds: seconds(d.metrics.timeToDetectMs),
    timeToAcknowledgeSeconds: seconds(d.metrics.timeToAcknowledgeMs),
    timeToMitigateSeconds: seconds(d.metrics.timeToMitigateMs),
    timeToResolveSeconds: seconds(d.metrics.timeToResolveMs),
  },
});
