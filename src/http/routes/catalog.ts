import { Type } from '@sinclair/typebox';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import type { FastifyInstance } from 'fastify';
import type { IntegrationKey, IntegrationSource, Service, ServiceDetail } from '../../catalog/index.js';
import { toIso, toIsoOrNull } from '../../shared/clock.js';
import { actorOf } from '../auth.js';
import { NullableTimestamp, Timestamp, withErrors } from '../schemas.js';
import type { Services } from '../services.js';

const Criticality = Type.Union(['critical', 'high', 'medium', 'low'].map((c) => Type.Literal(c)));
const Source = Type.Union(
  ['alertmanager', 'pagerduty', 'grafana', 'generic', 'change'].map((s) => Type.Literal(s)),
  { description: 'Which intake endpoint the key works with (change: change events only)' },
);

const IncidentRuleSchema = Type.Object(
  {
    alertSeverities: Type.Array(
      Type.Union([Type.Literal('critical'), Type.Literal('error'), Type.Literal('warning'), Type.Literal('info')]),
      { minItems: 1, maxItems: 4 },
    ),
    incidentSeverity: Type.Union([Type.Literal('P1'), Type.Literal('P2'), Type.Literal('P3'), Type.Literal('P4')]),
  },
  { description: 'Alerts of these severities declare an incident of this severity automatically' },
);

const PagingGroupModeSchema = Type.Union(
  ['alertmanager', 'labels', 'window', 'per_alert'].map((m) => Type.Literal(m)),
  {
    description:
      'How alerts share a page: alertmanager = the source group key (Alertmanager groupKey, the alert name for the ' +
      'other sources), labels = equal values of the chosen labels, window = every alert within windowMinutes of ' +
      'the page, per_alert = each alert pages on its own',
  },
);

const PagingGroupsBody = Type.Object(
  {
    mode: Type.Optional(PagingGroupModeSchema),
    labels: Type.Optional(
      Type.Array(Type.String({ minLength: 1, maxLength: 100 }), {
        maxItems: 10,
        description: 'Mode labels: the label names whose values group alerts',
      }),
    ),
    windowMinutes: Type.Optional(
      Type.Integer({ minimum: 1, maximum: 1440, description: 'Mode window: minutes after the page starts' }),
    ),
  },
  { description: 'Paging groups (docs/alerts.md): fields left out keep their value' },
);

const ServiceSchema = Type.Object({
  id: Type.String(),
  name: Type.String(),
  slug: Type.String(),
  description: Type.String(),
  teamId: Type.String(),
  criticality: Type.String(),
  escalationPolicyId: Type.Union([Type.String(), Type.Null()]),
  incidentRule: Type.Union([
    Type.Object({ alertSeverities: Type.Array(Type.String()), incidentSeverity: Type.String() }),
    Type.Null(),
  ]),
  pagingGroups: Type.Object({
    mode: Type.String(),
    labels: Type.Array(Type.String()),
    windowMinutes: Type.Integer(),
  }),
  createdAt: Timestamp,
  updatedAt: Timestamp,
  dependsOn: Type.Optional(Type.Array(Type.String())),
  dependents: Type.Optional(Type.Array(Type.String())),
});

export const IntegrationKeySchema = Type.Object({
  id: Type.String(),
  serviceId: Type.String(),
  source: Type.String(),
  name: Type.String(),
  prefix: Type.String({ description: 'First characters of the key, to tell keys apart' }),
  createdAt: Timestamp,
  createdBy: Type.String(),
  lastUsedAt: NullableTimestamp,
  revokedAt: NullableTimestamp,
  replacedById: Type.Union([Type.String(), Type.Null()]),
  isDrill: Type.Boolean({ description: "A game day's drill key: its alerts page as drills (docs/gamedays.md)" }),
});

const CreatedKeySchema = Type.Object({
  key: Type.String({ description: 'The plaintext key. Shown in this response only; store it now.' }),
  integrationKey: IntegrationKeySchema,
  endpoint: Type.String({ description: 'Where the monitoring tool sends to' }),
  usage: Type.String(),
});

const ServiceParams = Type.Object({
  service: Type.String({ minLength: 1, maxLength: 100, description: 'id or slug' }),
});
const KeyParams = Type.Object({
  service: Type.String({ minLength: 1, maxLength: 100 }),
  keyId: Type.String({ minLength: 1, maxLength: 100 }),
});

export const presentService = (s: Service | ServiceDetail) => ({
  ...s,
  createdAt: toIso(s.createdAt),
  updatedAt: toIso(s.updatedAt),
});

export const presentIntegrationKey = (k: IntegrationKey) => ({
  ...k,
  createdAt: toIso(k.createdAt),
  lastUsedAt: toIsoOrNull(k.lastUsedAt),
  revokedAt: toIsoOrNull(k.revokedAt),
});

/** How to point a tool at Muster with a fresh key (the key itself goes where the tool keeps secrets). */
function endpointFor(publicUrl: string, source: IntegrationSource, key: string): { endpoint: string; usage: string } {
  const base = publicUrl.replace(/\/$/, '');
  switch (source) {
    case 'alertmanager':
      return {
        endpoint: `${base}/integrations/alertmanager/${key}`,
        usage: `webhook_configs: url ${base}/integrations/alertmanager/<key>, or url ${base}/integrations/alertmanager with http_config.authorization.credentials = <key>`,
      };
    case 'pagerduty':
      return {
        endpoint: `${base}/v2/enqueue`,
        usage:
          'PagerDuty Events API v2: send the key as routing_key (Alertmanager pagerduty_configs: url + routing_key)',
      };
    case 'change':
      return { endpoint: `${base}/v2/change/enqueue`, usage: 'PagerDuty change events: send the key as routing_key' };
    case 'grafana':
      return { endpoint: `${base}/integrations/grafana/${key}`, usage: 'Grafana webhook contact point URL' };
    case 'generic':
      return {
        endpoint: `${base}/integrations/generic/${key}`,
        usage: 'POST the generic JSON (docs/integrations/generic-webhook.md)',
      };
  }
}

export function registerCatalogRoutes(app: FastifyInstance, services: Services): void {
  const r = app.withTypeProvider<TypeBoxTypeProvider>();
  const tags = ['services'];

  r.get(
    '/api/services',
    {
      schema: {
        tags,
        summary: 'List services',
        querystring: Type.Object({
          team: Type.Optional(Type.String({ maxLength: 100, description: 'Team id' })),
          q: Type.Optional(Type.String({ maxLength: 200, description: 'Matches name or slug' })),
        }),
        response: withErrors({ 200: Type.Object({ services: Type.Array(ServiceSchema) }) }),
      },
    },
    async (req) => ({
      services: (
        await services.catalog.list(actorOf(req), {
          ...(req.query.team ? { teamId: req.query.team } : {}),
          ...(req.query.q ? { q: req.query.q } : {}),
        })
      ).map(presentService),
    }),
  );

  const ServiceBody = {
    name: Type.String({ maxLength: 100 }),
    description: Type.Optional(Type.String({ maxLength: 4000 })),
    teamId: Type.String({ maxLength: 100, description: 'Owning team (id or slug)' }),
    criticality: Type.Optional(Criticality),
    escalationPolicyId: Type.Optional(Type.Union([Type.String({ maxLength: 100 }), Type.Null()])),
    incidentRule: Type.Optional(Type.Union([Type.Null(), IncidentRuleSchema])),
    dependsOn: Type.Optional(Type.Array(Type.String({ maxLength: 100 }), { maxItems: 200 })),
    pagingGroups: Type.Optional(PagingGroupsBody),
  };

  r.post(
    '/api/services',
    {
      schema: {
        tags,
        summary: 'Create a service (admins of the owning team)',
        body: Type.Object({ ...ServiceBody, slug: Type.Optional(Type.String({ maxLength: 48 })) }),
        response: withErrors({ 201: ServiceSchema }),
      },
    },
    async (req, reply) => reply.status(201).send(presentService(await services.catalog.create(actorOf(req), req.body))),
  );

  r.get(
    '/api/services/:service',
    {
      schema: {
        tags,
        summary: 'A service with its dependencies',
        params: ServiceParams,
        response: withErrors({ 200: ServiceSchema }),
      },
    },
    async (req) => presentService(await services.catalog.get(actorOf(req), req.params.service)),
  );

  r.patch(
    '/api/services/:service',
    {
      schema: {
        tags,
        summary: 'Change a service; dependsOn replaces the dependency list (team admins)',
        params: ServiceParams,
        body: Type.Partial(Type.Object(ServiceBody)),
        response: withErrors({ 200: ServiceSchema }),
      },
    },
    async (req) => presentService(await services.catalog.update(actorOf(req), req.params.service, req.body)),
  );

  r.delete(
    '/api/services/:service',
    {
      schema: {
        tags,
        summary: 'Delete a service that never had alerts (team admins)',
        params: ServiceParams,
        response: withErrors({ 204: Type.Null() }),
      },
    },
    async (req, reply) => {
      await services.catalog.remove(actorOf(req), req.params.service);
      return reply.status(204).send(null);
    },
  );

  r.get(
    '/api/services/:service/integration-keys',
    {
      schema: {
        tags,
        summary: "A service's integration keys (prefixes only, never the key)",
        params: ServiceParams,
        response: withErrors({ 200: Type.Object({ integrationKeys: Type.Array(IntegrationKeySchema) }) }),
      },
    },
    async (req) => ({
      integrationKeys: (await services.integrationKeys.list(actorOf(req), req.params.service)).map(
        presentIntegrationKey,
      ),
    }),
  );

  const created = (r: { key: string; integrationKey: IntegrationKey }) => ({
    key: r.key,
    integrationKey: presentIntegrationKey(r.integrationKey),
    ...endpointFor(services.config.publicUrl, r.integrationKey.source, r.key),
  });

  r.post(
    '/api/services/:service/integration-keys',
    {
      schema: {
        tags,
        summary: 'Create an integration key. The key is in this response only (team admins).',
        params: ServiceParams,
        body: Type.Object({ source: Source, name: Type.Optional(Type.String({ maxLength: 100 })) }),
        response: withErrors({ 201: CreatedKeySchema }),
      },
    },
    async (req, reply) =>
      reply
        .status(201)
        .send(created(await services.integrationKeys.create(actorOf(req), req.params.service, req.body))),
  );

  r.post(
    '/api/services/:service/integration-keys/:keyId/rotate',
    {
      schema: {
        tags,
        summary: 'Replace a key: a new key is returned once and the old one stops working at once (team admins)',
        params: KeyParams,
        response: withErrors({ 201: CreatedKeySchema }),
      },
    },
    async (req, reply) =>
      reply
        .status(201)
        .send(created(await services.integrationKeys.rotate(actorOf(req), req.params.service, req.params.keyId))),
  );

  r.delete(
    '/api/services/:service/integration-keys/:keyId',
    {
      schema: {
        tags,
        summary: 'Revoke a key; it stops working at once (team admins)',
        params: KeyParams,
        response: withErrors({ 204: Type.Null() }),
      },
    },
    async (req, reply) => {
      await services.integrationKeys.revoke(actorOf(req), req.params.service, req.params.keyId);
      return reply.status(204).send(null);
    },
  );
}
