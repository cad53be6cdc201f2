/**
 * Status page administration under /api/status-page (signed in; set-up routes need an administrator): settings,
 * components, templates, scheduled maintenance, incident publications and public updates, subscribers. The public
 * page and its JSON are in statuspage-public.ts.
 */
import { Type } from '@sinclair/typebox';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import type { FastifyInstance } from 'fastify';
import { actorOf } from '../auth.js';
import { withErrors } from '../schemas.js';
import type { Services } from '../services.js';
import {
  AffectedComponentSchema,
  ComponentSchema,
  ComponentStatusSchema,
  MaintenanceSchema,
  PublicStatusSchema,
  PublicationSchema,
  SettingsSchema,
  SubscriberSchema,
  TemplateSchema,
  UpdateSchema,
  presentComponent,
  presentMaintenance,
  presentPublication,
  presentSubscriber,
  presentUpdate,
} from './statuspage-schemas.js';

const tags = ['status page'];
const Id = Type.Object({ id: Type.String({ minLength: 1, maxLength: 100 }) });
const IncidentParams = Type.Object({ incidentId: Type.String({ minLength: 1, maxLength: 100 }) });
const admin = { auth: 'admin' as const };
const ms = (iso: string | undefined): number | undefined => (iso === undefined ? undefined : Date.parse(iso));

const ComponentIn = Type.Object({
  name: Type.String({ minLength: 1, maxLength: 200 }),
  description: Type.Optional(Type.String({ maxLength: 2000 })),
  serviceIds: Type.Optional(
    Type.Array(Type.String({ maxLength: 100 }), { maxItems: 100, description: 'Ids or slugs' }),
  ),
  status: Type.Optional(ComponentStatusSchema),
  displayOrder: Type.Optional(Type.Integer({ minimum: 0, maximum: 1_000_000 })),
});
const TemplateIn = Type.Object({
  name: Type.String({ minLength: 1, maxLength: 100 }),
  status: PublicStatusSchema,
  publicText: Type.String({ minLength: 1, maxLength: 5000 }),
  internalText: Type.Optional(Type.String({ maxLength: 5000 })),
});
const MaintenanceIn = Type.Object({
  title: Type.String({ minLength: 1, maxLength: 300 }),
  description: Type.Optional(Type.String({ maxLength: 5000 })),
  componentIds: Type.Array(Type.String({ maxLength: 100 }), { maxItems: 100 }),
  startsAt: Type.String({ format: 'date-time' }),
  endsAt: Type.String({ format: 'date-time' }),
});
const UpdateIn = Type.Object({
  templateId: Type.Optional(Type.String({ maxLength: 100, description: 'e.g. builtin:identified' })),
  message: Type.Optional(Type.String({ maxLength: 5000, description: 'Public text; overrides the template' })),
  internalMessage: Type.Optional(Type.String({ maxLength: 5000, description: 'For the incident timeline only' })),
  status: Type.Optional(PublicStatusSchema),
  components: Type.Optional(Type.Array(AffectedComponentSchema, { maxItems: 100 })),
  nextUpdateMinutes: Type.Optional(Type.Integer({ minimum: 1, maximum: 1440 })),
  title: Type.Optional(Type.String({ minLength: 1, maxLength: 300, description: 'Public title' })),
  impact: Type.Optional(Type.String({ maxLength: 2000, description: 'Public impact statement' })),
});
const PublishIn = Type.Composite([
  Type.Omit(UpdateIn, ['components']),
  Type.Object({ components: Type.Array(AffectedComponentSchema, { maxItems: 100 }) }),
]);

export function registerStatusPageRoutes(app: FastifyInstance, services: Services): void {
  registerSettingsRoutes(app, services);
  registerComponentRoutes(app, services);
  registerTemplateRoutes(app, services);
  registerMaintenanceRoutes(app, services);
  registerMaintenanceUpdateRoutes(app, services);
  registerPublicationRoutes(app, services);
  registerSubscriberAdminRoutes(app, services);
}

function registerSettingsRoutes(app: FastifyInstance, services: Services): void {
  const r = app.withTypeProvider<TypeBoxTypeProvider>();
  const sp = services.statusPage.page;

  r.get(
    '/api/status-page/settings',
    { schema: { tags, summary: 'Status page settings', response: withErrors({ 200: SettingsSchema }) } },
    async () => sp.settings().then((s) => ({ ...s, updatedAt: new Date(s.updatedAt).toISOString() })),
  );
  r.patch(
    '/api/status-page/settings',
    {
      config: admin,
      schema: {
        tags,
        summary: 'Change the title, slug or description (administrators)',
        body: Type.Object({
          title: Type.Optional(Type.String({ minLength: 1, maxLength: 200 })),
          slug: Type.Optional(Type.String({ minLength: 1, maxLength: 63 })),
          description: Type.Optional(Type.String({ maxLength: 2000 })),
        }),
        response: withErrors({ 200: SettingsSchema }),
      },
    },
    async (req) =>
      sp.updateSettings(actorOf(req), req.body).then((s) => ({ ...s, updatedAt: new Date(s.updatedAt).toISOString() })),
  );
}

function registerComponentRoutes(app: FastifyInstance, services: Services): void {
  const r = app.withTypeProvider<TypeBoxTypeProvider>();
  const sp = services.statusPage.page;
  r.get(
    '/api/status-page/components',
    {
      schema: {
        tags,
        summary: 'Components in display order',
        response: withErrors({ 200: Type.Object({ components: Type.Array(ComponentSchema) }) }),
      },
    },
    async () => ({ components: (await sp.listComponents()).map(presentComponent) }),
  );
  r.post(
    '/api/status-page/components',
    {
      config: admin,
      schema: { tags, summary: 'Add a component', body: ComponentIn, response: withErrors({ 201: ComponentSchema }) },
    },
    async (req, reply) => reply.status(201).send(presentComponent(await sp.createComponent(actorOf(req), req.body))),
  );
  r.patch(
    '/api/status-page/components/:id',
    {
      config: admin,
      schema: {
        tags,
        summary: 'Change a component (name, services, status, order)',
        params: Id,
        body: Type.Partial(ComponentIn),
        response: withErrors({ 200: ComponentSchema }),
      },
    },
    async (req) => presentComponent(await sp.updateComponent(actorOf(req), req.params.id, req.body)),
  );
  r.delete(
    '/api/status-page/components/:id',
    {
      config: admin,
      schema: { tags, summary: 'Remove a component', params: Id, response: withErrors({ 204: Type.Null() }) },
    },
    async (req, reply) => {
      await sp.deleteComponent(actorOf(req), req.params.id);
      return reply.status(204).send(null);
    },
  );
}

function registerTemplateRoutes(app: FastifyInstance, services: Services): void {
  const r = app.withTypeProvider<TypeBoxTypeProvider>();
  const sp = services.statusPage.page;
  r.get(
    '/api/status-page/templates',
    {
      schema: {
        tags,
        summary: 'Update templates: the built-in ones, then administrators’ own',
        response: withErrors({ 200: Type.Object({ templates: Type.Array(TemplateSchema) }) }),
      },
    },
    async () => ({ templates: await sp.listTemplates() }),
  );
  r.post(
    '/api/status-page/templates',
    {
      config: admin,
      schema: { tags, summary: 'Add a template', body: TemplateIn, response: withErrors({ 201: TemplateSchema }) },
    },
    async (req, reply) => reply.status(201).send(await sp.createTemplate(actorOf(req), req.body)),
  );
  r.patch(
    '/api/status-page/templates/:id',
    {
      config: admin,
      schema: {
        tags,
        summary: 'Change a template',
        params: Id,
        body: Type.Partial(TemplateIn),
        response: withErrors({ 200: TemplateSchema }),
      },
    },
    async (req) => sp.updateTemplate(actorOf(req), req.params.id, req.body),
  );
  r.delete(
    '/api/status-page/templates/:id',
    {
      config: admin,
      schema: { tags, summary: 'Remove a template', params: Id, response: withErrors({ 204: Type.Null() }) },
    },
    async (req, reply) => {
      await sp.deleteTemplate(actorOf(req), req.params.id);
      return reply.status(204).send(null);
    },
  );
}

function registerMaintenanceRoutes(app: FastifyInstance, services: Services): void {
  const r = app.withTypeProvider<TypeBoxTypeProvider>();
  const sp = services.statusPage.page;
  r.get(
    '/api/status-page/maintenance',
    {
      schema: {
        tags,
        summary: 'Maintenance windows ending at or after `since` (default: all)',
        querystring: Type.Object({ since: Type.Optional(Type.String({ format: 'date-time' })) }),
        response: withErrors({ 200: Type.Object({ maintenance: Type.Array(MaintenanceSchema) }) }),
      },
    },
    async (req) => ({ maintenance: (await sp.listMaintenance(ms(req.query.since))).map(presentMaintenance) }),
  );
  r.post(
    '/api/status-page/maintenance',
    {
      schema: {
        tags,
        summary: 'Schedule maintenance',
        body: MaintenanceIn,
        response: withErrors({ 201: MaintenanceSchema }),
      },
    },
    async (req, reply) => {
      const b = req.body;
      const m = await sp.scheduleMaintenance(actorOf(req), {
        ...b,
        startsAt: Date.parse(b.startsAt),
        endsAt: Date.parse(b.endsAt),
      });
      return reply.status(201).send(presentMaintenance(m));
    },
  );
  r.get(
    '/api/status-page/maintenance/:id',
    {
      schema: { tags, summary: 'One maintenance window', params: Id, response: withErrors({ 200: MaintenanceSchema }) },
    },
    async (req) => presentMaintenance(await sp.getMaintenance(req.params.id)),
  );
  r.patch(
    '/api/status-page/maintenance/:id',
    {
      schema: {
        tags,
        summary: 'Change or cancel (`isCancelled: true`) a maintenance window',
        params: Id,
        body: Type.Composite([
          Type.Partial(MaintenanceIn),
          Type.Object({ isCancelled: Type.Optional(Type.Boolean()) }),
        ]),
        response: withErrors({ 200: MaintenanceSchema }),
      },
    },
    async (req) => {
      const b = req.body;
      const patch = { ...b, startsAt: ms(b.startsAt), endsAt: ms(b.endsAt) };
      return presentMaintenance(await sp.updateMaintenance(actorOf(req), req.params.id, patch));
    },
  );
}

function registerMaintenanceUpdateRoutes(app: FastifyInstance, services: Services): void {
  const r = app.withTypeProvider<TypeBoxTypeProvider>();
  const sp = services.statusPage.page;
  r.post(
    '/api/status-page/maintenance/:id/updates',
    {
      schema: {
        tags,
        summary: 'Post an update on a maintenance window (notifies subscribers)',
        params: Id,
        body: Type.Object({
          message: Type.String({ minLength: 1, maxLength: 5000 }),
          status: Type.Optional(
            Type.Union([Type.Literal('scheduled'), Type.Literal('in_progress'), Type.Literal('completed')]),
          ),
        }),
        response: withErrors({ 201: UpdateSchema }),
      },
    },
    async (req, reply) =>
      reply.status(201).send(presentUpdate(await sp.postMaintenanceUpdate(actorOf(req), req.params.id, req.body))),
  );
}

function registerPublicationRoutes(app: FastifyInstance, services: Services): void {
  const r = app.withTypeProvider<TypeBoxTypeProvider>();
  const sp = services.statusPage.page;
  r.get(
    '/api/status-page/incidents/:incidentId',
    {
      schema: {
        tags,
        summary: "An incident's publication and its public updates (404 incident_not_published if none)",
        params: IncidentParams,
        response: withErrors({ 200: PublicationSchema }),
      },
    },
    async (req) => presentPublication(await sp.publication(req.params.incidentId)),
  );
  r.post(
    '/api/status-page/incidents/:incidentId',
    {
      schema: {
        tags,
        summary:
          'Publish an incident: public title, impact, affected components, and the first update (template default builtin:investigating)',
        params: IncidentParams,
        body: PublishIn,
        response: withErrors({ 201: PublicationSchema }),
      },
    },
    async (req, reply) =>
      reply.status(201).send(presentPublication(await sp.publish(actorOf(req), req.params.incidentId, req.body))),
  );
  r.post(
    '/api/status-page/incidents/:incidentId/updates',
    {
      schema: {
        tags,
        summary: 'Post a public update (from a template or free text); `status: resolved` closes it on the page',
        params: IncidentParams,
        body: UpdateIn,
        response: withErrors({ 201: PublicationSchema }),
      },
    },
    async (req, reply) =>
      reply.status(201).send(presentPublication(await sp.postUpdate(actorOf(req), req.params.incidentId, req.body))),
  );
}

function registerSubscriberAdminRoutes(app: FastifyInstance, services: Services): void {
  const r = app.withTypeProvider<TypeBoxTypeProvider>();
  const subs = services.statusPage.subscribers;
  r.get(
    '/api/status-page/subscribers',
    {
      config: admin,
      schema: {
        tags,
        summary: 'Subscribers, newest first (at most 1,000)',
        querystring: Type.Object({
          status: Type.Optional(Type.Union([Type.Literal('all'), Type.Literal('active'), Type.Literal('pending')])),
        }),
        response: withErrors({ 200: Type.Object({ subscribers: Type.Array(SubscriberSchema) }) }),
      },
    },
    async (req) => ({ subscribers: (await subs.list(actorOf(req), req.query)).map(presentSubscriber) }),
  );
  r.post(
    '/api/status-page/subscribers',
    {
      config: admin,
      schema: {
        tags,
        summary: 'Add a webhook subscriber (administrators; private addresses allowed); the secret is returned once',
        body: Type.Object({
          webhookUrl: Type.String({ minLength: 8, maxLength: 2000 }),
          componentIds: Type.Optional(
            Type.Array(Type.String({ maxLength: 100 }), {
              maxItems: 100,
              description: 'Follow only updates about these components; none: every update',
            }),
          ),
        }),
        response: withErrors({
          201: Type.Object({
            id: Type.Union([Type.String(), Type.Null()]),
            kind: Type.String(),
            status: Type.String(),
            secret: Type.Optional(Type.String()),
          }),
        }),
      },
    },
    async (req, reply) => reply.status(201).send(await subs.subscribe(req.body, { byAdmin: actorOf(req) })),
  );
  r.delete(
    '/api/status-page/subscribers/:id',
    {
      config: admin,
      schema: { tags, summary: 'Remove a subscriber', params: Id, response: withErrors({ 204: Type.Null() }) },
    },
    async (req, reply) => {
      await subs.remove(actorOf(req), req.params.id);
      return reply.status(204).send(null);
    },
  );
}
