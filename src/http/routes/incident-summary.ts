/**
 * GET /api/incidents/:id/summary — the executive summary: one screen for someone who was not in the room. Title,
 * severity and what it means, status, impact, how long so far, what is affected, who holds the roles, the latest
 * public and internal updates, the milestones with MTTD/MTTA/MTTR so far, and the suspected cause. Read-only: it
 * composes the incident, its status page publication and the change log; it holds no SQL.
 */
import { Type } from '@sinclair/typebox';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import type { FastifyInstance } from 'fastify';
import { MILESTONES, ROLES, ROLE_NAMES, SEVERITY_DEFINITIONS, type TimelineEvent } from '../../incidents/index.js';
import { toIso, toIsoOrNull } from '../../shared/clock.js';
import { isAppError } from '../../shared/errors.js';
import { COMPONENT_STATUS_LABELS } from '../../statuspage/index.js';
import { NullableTimestamp, Timestamp, withErrors } from '../schemas.js';
import type { Services } from '../services.js';
import { ComponentStatusSchema, PublicStatusSchema } from './statuspage-schemas.js';

const Nullable = <T extends ReturnType<typeof Type.String>>(t: T) => Type.Union([t, Type.Null()]);
const Seconds = Type.Union([Type.Integer(), Type.Null()]);
const UpdateOut = Type.Union([
  Type.Object({ body: Type.String(), at: Timestamp, by: Type.String(), status: Nullable(Type.String()) }),
  Type.Null(),
]);

export const IncidentSummarySchema = Type.Object(
  {
    id: Type.String(),
    title: Type.String(),
    severity: Type.Object({ level: Type.String(), title: Type.String(), meaning: Type.Array(Type.String()) }),
    status: Type.String(),
    impact: Type.String({ description: 'The public impact statement if published, else the incident summary' }),
    startedAt: Timestamp,
    durationSeconds: Type.Integer({ description: 'Impact start (or detection, or declaration) to resolution or now' }),
    isResolved: Type.Boolean(),
    services: Type.Array(Type.Object({ id: Type.String(), name: Type.String(), slug: Type.String() })),
    components: Type.Array(
      Type.Object({
        componentId: Type.String(),
        name: Type.String(),
        status: ComponentStatusSchema,
        label: Type.String(),
      }),
    ),
    statusPage: Type.Union([
      Type.Object({ title: Type.String(), status: PublicStatusSchema, publishedAt: Timestamp, url: Type.String() }),
      Type.Null(),
    ]),
    roles: Type.Array(
      Type.Object({
        role: Type.String(),
        title: Type.String(),
        name: Nullable(Type.String()),
        since: NullableTimestamp,
      }),
    ),
    latestPublicUpdate: UpdateOut,
    latestInternalUpdate: UpdateOut,
    milestones: Type.Array(Type.Object({ milestone: Type.String(), at: NullableTimestamp })),
    metrics: Type.Object({
      timeToDetectSeconds: Seconds,
      timeToAcknowledgeSeconds: Seconds,
      timeToMitigateSeconds: Seconds,
      timeToResolveSeconds: Type.Union([Type.Integer(), Type.Null()], { description: 'So far, while unresolved' }),
      isResolveTimeSoFar: Type.Boolean(),
    }),
    suspectedCause: Type.Union([
      Type.Object({
        changeId: Type.String(),
        summary: Type.String(),
        kind: Type.String(),
        serviceId: Type.String(),
        author: Nullable(Type.String()),
        at: Timestamp,
      }),
      Type.Null(),
    ]),
    warnings: Type.Array(Type.String()),
    generatedAt: Timestamp,
  },
  { $id: 'IncidentSummary' },
);

const seconds = (ms: number | null): number | null => (ms === null ? null : Math.round(ms / 1000));

function latestUpdate(events: TimelineEvent[], visibility: 'public' | 'internal') {
  const e = [...events]
    .reverse()
    .find((x) => x.kind === 'status_update' && (x.details.visibility ?? 'internal') === visibility);
  if (!e) return null;
  const status = typeof e.details.status === 'string' ? e.details.status : null;
  return { body: e.body, at: toIso(e.at), by: e.actorLabel, status };
}

async function publicationOf(services: Services, id: string) {
  try {
    return await services.statusPage.page.publication(id);
  } catch (e) {
    if (isAppError(e) && e.code === 'incident_not_published') return null;
    throw e;
  }
}

type Detail = Awaited<ReturnType<Services['incidents']['get']>>;
type Publication = Awaited<ReturnType<typeof publicationOf>>;

function commandAndTimes(d: Detail, now: number) {
  const i = d.incident;
  const resolveSoFar = i.resolvedAt === null && i.detectedAt !== null ? now - i.detectedAt : null;
  return {
    roles: ROLES.map((role) => ({
      role,
      title: ROLE_NAMES[role],
      name: d.roles[role]?.name ?? null,
      since: toIsoOrNull(d.roles[role]?.since),
    })),
    milestones: [
      { milestone: 'declaredAt', at: toIso(i.declaredAt) },
      ...MILESTONES.map((m) => ({ milestone: m, at: toIsoOrNull(i[m]) })),
    ],
    metrics: {
      timeToDetectSeconds: seconds(d.metrics.timeToDetectMs),
      timeToAcknowledgeSeconds: seconds(d.metrics.timeToAcknowledgeMs),
      timeToMitigateSeconds: seconds(d.metrics.timeToMitigateMs),
      timeToResolveSeconds: seconds(d.metrics.timeToResolveMs ?? resolveSoFar),
      isResolveTimeSoFar: d.metrics.timeToResolveMs === null && resolveSoFar !== null,
    },
  };
}

function publicSide(services: Services, pub: Publication, names: Map<string, string>) {
  return {
    components: (pub?.publication.components ?? []).map((c) => ({
      ...c,
      name: names.get(c.componentId) ?? c.componentId,
      label: COMPONENT_STATUS_LABELS[c.status],
    })),
    statusPage: pub
      ? {
          title: pub.publication.title,
          status: pub.publication.status,
          publishedAt: toIso(pub.publication.publishedAt),
          url: `${services.config.publicUrl}/status`,
        }
      : null,
  };
}

async function buildSummary(services: Services, id: string) {
  const now = services.clock.now();
  const d = await services.incidents.get(id);
  const i = d.incident;
  const [events, pub, components, changes] = await Promise.all([
    services.incidents.timeline(i.id),
    publicationOf(services, i.id),
    services.statusPage.page.listComponents(),
    i.suspectedChangeId ? services.changes.list({ ids: [i.suspectedChangeId], limit: 1 }) : Promise.resolve([]),
  ]);
  const startedAt = i.impactStartedAt ?? i.detectedAt ?? i.declaredAt;
  const change = changes[0];
  const def = SEVERITY_DEFINITIONS[i.severity];
  return {
    id: i.id,
    title: i.title,
    severity: { level: i.severity, title: def.title, meaning: def.meaning },
    status: i.status,
    impact: pub?.publication.impact || i.summary,
    startedAt: toIso(startedAt),
    durationSeconds: Math.max(0, Math.round(((i.resolvedAt ?? now) - startedAt) / 1000)),
    isResolved: i.status === 'resolved',
    services: d.services,
    ...publicSide(services, pub, new Map(components.map((c) => [c.id, c.name]))),
    latestPublicUpdate: latestUpdate(events, 'public'),
    latestInternalUpdate: latestUpdate(events, 'internal'),
    ...commandAndTimes(d, now),
    suspectedCause: change
      ? {
          changeId: change.id,
          summary: change.summary,
          kind: change.kind,
          serviceId: change.serviceId,
          author: change.author,
          at: toIso(change.at),
        }
      : null,
    warnings: d.warnings.map((w) => w.message),
    generatedAt: toIso(now),
  };
}

export function registerIncidentSummaryRoutes(app: FastifyInstance, services: Services): void {
  const r = app.withTypeProvider<TypeBoxTypeProvider>();
  r.get(
    '/api/incidents/:id/summary',
    {
      schema: {
        tags: ['incidents'],
        summary: 'Executive summary: one screen for stakeholders',
        params: Type.Object({ id: Type.String({ minLength: 1, maxLength: 100 }) }),
        response: withErrors({ 200: IncidentSummarySchema }),
      },
    },
    async (req) => buildSummary(services, req.params.id),
  );
}
