/**
 * Change events: deploys, config and infrastructure changes per service, so responders can ask "what changed?".
 * In: the generic change webhook (its own `change` integration key), PagerDuty change events (routes/intake.ts) and
 * people or CI tokens through POST /api/changes (`muster change record`).
 */
import { Type } from '@sinclair/typebox';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import type { FastifyInstance } from 'fastify';
import { intakeBusy, invalidIntegrationKey } from '../../alerts/index.js';
import { CHANGE_KINDS, type ChangeEvent } from '../../changes/index.js';
import { systemActor } from '../../identity/index.js';
import { toIso } from '../../shared/clock.js';
import { validationError } from '../../shared/errors.js';
import { actorOf } from '../auth.js';
import { OPEN_BODY } from '../closed-schemas.js';
import { ErrorEnvelope, Timestamp, withErrors } from '../schemas.js';
import type { Services } from '../services.js';
import { intakeKeyFrom } from './intake.js';

/** A sender's own key/value details, stored as JSON and shown as given (never read into columns). */
const FreeFormDetails = Type.Record(
  Type.String(),
  Type.Unknown({ [OPEN_BODY]: 'free-form details from the sender, stored as JSON and shown as given' }),
);

const KindSchema = Type.Union(
  CHANGE_KINDS.map((k) => Type.Literal(k)),
  { default: 'other' },
);
const LinkIn = Type.Union([
  Type.String({ maxLength: 2000 }),
  Type.Object({ href: Type.String({ maxLength: 2000 }), text: Type.Optional(Type.String({ maxLength: 500 })) }),
]);
const ChangeSchema = Type.Object({
  id: Type.String(),
  serviceId: Type.String(),
  summary: Type.String(),
  source: Type.String(),
  kind: Type.String({ description: 'deploy, config, infrastructure or other' }),
  author: Type.Union([Type.String(), Type.Null()]),
  at: Timestamp,
  receivedAt: Timestamp,
  links: Type.Array(Type.Object({ href: Type.String(), text: Type.String() })),
  details: Type.Record(Type.String(), Type.Unknown()),
});
const ListQuery = Type.Object({
  since: Type.Optional(Type.String({ format: 'date-time' })),
  until: Type.Optional(Type.String({ format: 'date-time' })),
  limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 500, default: 100 })),
});
/** Issue 22 item 3: the service has an open P1/P2 (the change is still recorded). */
export const ChangeWarningSchema = Type.Object({
  code: Type.Literal('open_incident'),
  message: Type.String(),
  incidentId: Type.String(),
  severity: Type.String(),
  serviceId: Type.String(),
});
const ListResponse = withErrors({ 200: Type.Object({ changes: Type.Array(ChangeSchema) }) });

const present = (c: ChangeEvent) => ({ ...c, at: toIso(c.at), receivedAt: toIso(c.receivedAt) });
const ms = (iso: string | undefined): number | undefined => (iso === undefined ? undefined : Date.parse(iso));

export function registerChangeRoutes(app: FastifyInstance, services: Services): void {
  const r = app.withTypeProvider<TypeBoxTypeProvider>();
  const tags = ['changes'];
  const { changes } = services;

  r.post(
    '/integrations/change/:key',
    {
      config: { auth: 'integration' },
      schema: {
        tags: ['intake'],
        summary: 'Generic change webhook (a `change` integration key): record a deploy or config change',
        security: [],
        params: Type.Object({ key: Type.String({ maxLength: 200 }) }),
        body: Type.Object({
          summary: Type.String({ minLength: 1, maxLength: 1024 }),
          service: Type.Optional(
            Type.String({ maxLength: 100, description: "The key's service (id or slug), as a check" }),
          ),
          timestamp: Type.Optional(Type.String({ format: 'date-time', description: 'Default: when received' })),
          author: Type.Optional(Type.String({ maxLength: 200 })),
          links: Type.Optional(Type.Array(LinkIn, { maxItems: 20 })),
          kind: Type.Optional(KindSchema),
          customDetails: Type.Optional(FreeFormDetails),
        }),
        response: {
          202: Type.Object({
            status: Type.Literal('success'),
            id: Type.String(),
            warnings: Type.Array(ChangeWarningSchema, {
              description: 'The service has an open P1 or P2 incident: tell its Incident Commander',
            }),
          }),
          400: ErrorEnvelope,
          401: ErrorEnvelope,
          503: ErrorEnvelope,
        },
      },
    },
    async (req, reply) => {
      const plaintext = intakeKeyFrom(req, req.params.key);
      const result = await services.intakeLimiter.run(async () => {
        const key = plaintext ? await services.integrationKeys.authenticate(plaintext, ['change']) : null;
        if (!key) throw invalidIntegrationKey();
        const b = req.body;
        if (b.service) {
          const svc = await services.catalog.get(systemActor('change-webhook'), b.service).catch(() => null);
          if (svc?.id !== key.serviceId) {
            throw validationError([{ field: 'service', message: "must name the integration key's own service" }]);
          }
        }
        const change = {
          summary: b.summary,
          source: 'change-webhook',
          at: ms(b.timestamp) ?? null,
          links: b.links ?? [],
          details: b.customDetails ?? {},
          kind: b.kind,
          author: b.author,
        };
        return changes.record(key, change, b);
      }, plaintext ?? undefined);
      if (!result) throw intakeBusy(1);
      const { id, warnings } = result.value;
      return reply.status(202).send({ status: 'success' as const, id, warnings });
    },
  );

  r.post(
    '/api/changes',
    {
      schema: {
        tags,
        summary: 'Record a change against a service (responders of its team; CI tokens too)',
        body: Type.Object({
          service: Type.String({ minLength: 1, maxLength: 100, description: 'Id or slug' }),
          summary: Type.String({ minLength: 1, maxLength: 1024 }),
          kind: Type.Optional(KindSchema),
          links: Type.Optional(Type.Array(LinkIn, { maxItems: 20 })),
          author: Type.Optional(Type.String({ maxLength: 200, description: 'Default: who sends it' })),
          timestamp: Type.Optional(Type.String({ format: 'date-time', description: 'Default now' })),
          customDetails: Type.Optional(FreeFormDetails),
        }),
        response: withErrors({
          201: Type.Composite([ChangeSchema, Type.Object({ warnings: Type.Array(ChangeWarningSchema) })]),
        }),
      },
    },
    async (req, reply) => {
      const actor = actorOf(req);
      const b = req.body;
      const { change: created, warnings } = await changes.recordByUser(actor, b.service, {
        summary: b.summary,
        source: 'api',
        at: ms(b.timestamp) ?? null,
        links: b.links ?? [],
        details: b.customDetails ?? {},
        kind: b.kind,
        author: b.author ?? actor.label,
      });
      return reply.status(201).send({ ...present(created), warnings });
    },
  );

  r.get(
    '/api/changes',
    {
      schema: {
        tags,
        summary: 'Changes, newest first',
        querystring: Type.Composite([
          ListQuery,
          Type.Object({ service: Type.Optional(Type.String({ maxLength: 100, description: 'Id or slug' })) }),
        ]),
        response: ListResponse,
      },
    },
    async (req) => {
      const q = req.query;
      const list = await changes.list({
        service: q.service,
        since: ms(q.since),
        until: ms(q.until),
        limit: q.limit ?? 100,
      });
      return { changes: list.map(present) };
    },
  );

  r.get(
    '/api/services/:service/changes',
    {
      schema: {
        tags,
        summary: "A service's changes, newest first",
        params: Type.Object({ service: Type.String({ minLength: 1, maxLength: 100 }) }),
        querystring: ListQuery,
        response: ListResponse,
      },
    },
    async (req) => {
      const q = req.query;
      const list = await changes.list({
        service: req.params.service,
        since: ms(q.since),
        until: ms(q.until),
        limit: q.limit ?? 100,
      });
      return { changes: list.map(present) };
    },
  );
}
