import { Type } from '@sinclair/typebox';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import type { FastifyInstance } from 'fastify';
import type { ContactMethod, DeliveryLogEntry, NotificationRule } from '../../notify/index.js';
import { toIso, toIsoOrNull } from '../../shared/clock.js';
import { fromJsonText } from '../../shared/json.js';
import { actorOf } from '../auth.js';
import { NullableTimestamp, Paging, Timestamp, withErrors } from '../schemas.js';
import type { Services } from '../services.js';

const Kind = Type.Union(['email', 'webhook', 'ntfy', 'slack', 'sms', 'voice', 'webpush'].map((k) => Type.Literal(k)));
const PushKeys = Type.Object(
  {
    p256dh: Type.String({ minLength: 1, maxLength: 200, description: 'The browser’s P-256 public key, base64url' }),
    auth: Type.String({ minLength: 1, maxLength: 100, description: 'The 16-byte auth secret, base64url' }),
  },
  { description: 'webpush: the subscription’s keys (PushSubscription.toJSON().keys); the address is its endpoint' },
);
const Urgency = Type.Union([Type.Literal('high'), Type.Literal('low')]);
const UserParams = Type.Object({ id: Type.String({ minLength: 1, maxLength: 100 }) });
const ItemParams = Type.Object({
  id: Type.String({ minLength: 1, maxLength: 100 }),
  itemId: Type.String({ minLength: 1, maxLength: 100 }),
});

const ContactMethodSchema = Type.Object({
  id: Type.String(),
  userId: Type.String(),
  kind: Type.String(),
  label: Type.String(),
  address: Type.String({ description: 'Email, URL, ntfy topic, Slack member id or E.164 phone number' }),
  serverUrl: Type.Union([Type.String(), Type.Null()], { description: 'ntfy server; null means the default' }),
  hasSecret: Type.Boolean(),
  isVerified: Type.Boolean({
    description:
      'Ready to page as far as verification goes: SMS and voice once their code is confirmed; every other kind always',
  }),
  needsVerification: Type.Boolean({
    description: 'Whether this kind is verified before it pages (SMS and voice only); the others have no verification',
  }),
  allowPrivateAddress: Type.Boolean({
    description: 'An organisation administrator allowed this webhook URL or ntfy server to be a private address',
  }),
  expiredAt: Type.Union([Timestamp, Type.Null()], {
    description: 'webpush: when the push service said the subscription is gone; an expired method is not paged',
  }),
  createdAt: Timestamp,
  updatedAt: Timestamp,
  health: Type.Optional(
    Type.Object(
      {
        status: Type.String({
          description: 'ok, failing (its latest deliveries failed or its breaker is open) or unknown',
        }),
        failedInARow: Type.Integer(),
        lastError: Type.Union([Type.String(), Type.Null()]),
        lastFailedAt: NullableTimestamp,
        breaker: Type.String({ description: 'closed, open or half-open: the circuit breaker for its destination' }),
        breakerRetryAt: NullableTimestamp,
      },
      { description: 'Is this contact method reaching its person? (listed contact methods only)' },
    ),
  ),
});
const AllowPrivateAddress = Type.Boolean({
  description:
    'Organisation administrators only: the webhook URL or ntfy server may be a private address (loopback, private, ' +
    'link-local…). Anyone else must give a URL that resolves to public addresses only.',
});
const WithSecret = Type.Object({
  contactMethod: ContactMethodSchema,
  secret: Type.Optional(Type.String({ description: 'Webhook signing secret: shown in this response only' })),
});
const RuleSchema = Type.Object({
  id: Type.String(),
  userId: Type.String(),
  contactMethodId: Type.String(),
  urgency: Type.String(),
  delayMinutes: Type.Integer(),
  createdAt: Timestamp,
});
const AttemptSchema = Type.Object({
  id: Type.String(),
  status: Type.String({ description: 'sent, failed or skipped' }),
  channel: Type.String(),
  isPermanent: Type.Boolean(),
  error: Type.Union([Type.String(), Type.Null()]),
  providerMessageId: Type.Union([Type.String(), Type.Null()]),
  at: Timestamp,
});
const DeliverySchema = Type.Object({
  id: Type.String(),
  userId: Type.String(),
  alertId: Type.Union([Type.String(), Type.Null()]),
  contactMethodId: Type.String(),
  ruleId: Type.Union([Type.String(), Type.Null()]),
  channel: Type.String(),
  urgency: Type.String(),
  subject: Type.String(),
  status: Type.String({ description: 'pending, sent, failed or skipped' }),
  attempts: Type.Integer(),
  providerMessageId: Type.Union([Type.String(), Type.Null()]),
  lastError: Type.Union([Type.String(), Type.Null()]),
  dueAt: Timestamp,
  createdAt: Timestamp,
  finishedAt: NullableTimestamp,
  attemptsLog: Type.Array(AttemptSchema),
});

const presentContact = ({ health, ...c }: ContactMethod) => ({
  ...c,
  expiredAt: c.expiredAt === null ? null : toIso(c.expiredAt),
  createdAt: toIso(c.createdAt),
  updatedAt: toIso(c.updatedAt),
  ...(health
    ? {
        health: {
          ...health,
          lastFailedAt: health.lastFailedAt === null ? null : toIso(health.lastFailedAt),
          breakerRetryAt: health.breakerRetryAt === null ? null : toIso(health.breakerRetryAt),
        },
      }
    : {}),
});
const presentRule = (r: NotificationRule) => ({ ...r, createdAt: toIso(r.createdAt) });
const presentDelivery = (d: DeliveryLogEntry) => ({
  id: d.id,
  userId: d.userId,
  alertId: d.alertId,
  contactMethodId: d.contactMethodId,
  ruleId: d.ruleId,
  channel: d.channel,
  urgency: d.urgency,
  subject: fromJsonText<{ subject?: string }>(d.message, {}).subject ?? '',
  status: d.status,
  attempts: d.attempts,
  providerMessageId: d.providerMessageId,
  lastError: d.lastError,
  dueAt: toIso(d.dueAt),
  createdAt: toIso(d.createdAt),
  finishedAt: toIsoOrNull(d.finishedAt),
  attemptsLog: d.attemptsLog.map((a) => ({
    id: a.id,
    status: a.status,
    channel: a.channel,
    isPermanent: a.isPermanent,
    error: a.error,
    providerMessageId: a.providerMessageId,
    at: toIso(a.at),
  })),
});

export function registerNotifyRoutes(app: FastifyInstance, services: Services): void {
  registerContactMethodRoutes(app, services);
  registerRuleRoutes(app, services);
  const r = app.withTypeProvider<TypeBoxTypeProvider>();
  r.get(
    '/api/push/vapid-public-key',
    {
      schema: {
        tags: ['notifications'],
        summary: 'This server’s VAPID public key, for PushManager.subscribe({ applicationServerKey }) (Web Push)',
        response: withErrors({
          200: Type.Object({ publicKey: Type.String({ description: 'An uncompressed P-256 point, base64url' }) }),
        }),
      },
    },
    async () => ({ publicKey: await services.vapid.publicKey() }),
  );
  r.get(
    '/api/notifications',
    {
      schema: {
        tags: ['notifications'],
        summary: 'Delivery log: every notification with its attempts (yours, or everyone’s for an alert or for admins)',
        querystring: Type.Composite([
          Type.Object({ alertId: Type.Optional(Type.String()), userId: Type.Optional(Type.String()) }),
          Paging,
        ]),
        response: withErrors({ 200: Type.Object({ notifications: Type.Array(DeliverySchema) }) }),
      },
    },
    async (req) => {
      const { alertId, userId, before, limit } = req.query;
      const log = await services.notify.log(actorOf(req), { alertId, userId, before, limit: limit ?? 100 });
      return { notifications: log.map(presentDelivery) };
    },
  );
}

function registerContactMethodRoutes(app: FastifyInstance, services: Services): void {
  const r = app.withTypeProvider<TypeBoxTypeProvider>();
  const tags = ['notifications'];
  const base = '/api/users/:id/contact-methods';
  r.get(
    base,
    {
      schema: {
        tags,
        summary: 'A user’s contact methods with their health (yourself, administrators, or your teams’ administrators)',
        params: UserParams,
        response: withErrors({ 200: Type.Object({ contactMethods: Type.Array(ContactMethodSchema) }) }),
      },
    },
    async (req) => ({
      contactMethods: (await services.contacts.listContactMethods(actorOf(req), req.params.id)).map(presentContact),
    }),
  );
  r.post(
    base,
    {
      schema: {
        tags,
        summary: 'Add a contact method. Webhooks get a signing secret, returned once.',
        params: UserParams,
        body: Type.Object({
          kind: Kind,
          label: Type.Optional(Type.String({ maxLength: 100 })),
          address: Type.String({ minLength: 1, maxLength: 2000 }),
          serverUrl: Type.Optional(Type.Union([Type.String({ maxLength: 2000 }), Type.Null()])),
          accessToken: Type.Optional(Type.String({ maxLength: 500, description: 'ntfy access token (tk_…)' })),
          isVerified: Type.Optional(Type.Boolean({ description: 'Administrators only' })),
          allowPrivateAddress: Type.Optional(AllowPrivateAddress),
          keys: Type.Optional(PushKeys),
        }),
        response: withErrors({ 201: WithSecret }),
      },
    },
    async (req, reply) => {
      const body = req.body as typeof req.body & { kind: ContactMethod['kind'] };
      const created = await services.contacts.createContactMethod(actorOf(req), req.params.id, body);
      return reply.status(201).send({ ...created, contactMethod: presentContact(created.contactMethod) });
    },
  );
  registerContactMethodChanges(app, services);
  registerContactActions(app, services);
}

function registerContactMethodChanges(app: FastifyInstance, services: Services): void {
  const r = app.withTypeProvider<TypeBoxTypeProvider>();
  const tags = ['notifications'];
  const base = '/api/users/:id/contact-methods';
  r.patch(
    `${base}/:itemId`,
    {
      schema: {
        tags,
        summary: 'Change a contact method; a new address must be verified again',
        params: ItemParams,
        body: Type.Object({
          label: Type.Optional(Type.String({ maxLength: 100 })),
          address: Type.Optional(Type.String({ minLength: 1, maxLength: 2000 })),
          serverUrl: Type.Optional(Type.Union([Type.String({ maxLength: 2000 }), Type.Null()])),
          isVerified: Type.Optional(Type.Boolean({ description: 'Administrators only' })),
          rotateSecret: Type.Optional(Type.Boolean({ description: 'Webhooks: issue a new signing secret' })),
          allowPrivateAddress: Type.Optional(AllowPrivateAddress),
        }),
        response: withErrors({ 200: WithSecret }),
      },
    },
    async (req) => {
      const { id, itemId } = req.params;
      const updated = await services.contacts.updateContactMethod(actorOf(req), id, itemId, req.body);
      return { ...updated, contactMethod: presentContact(updated.contactMethod) };
    },
  );
  r.delete(
    `${base}/:itemId`,
    {
      schema: {
        tags,
        summary: 'Remove a contact method and its rules',
        params: ItemParams,
        response: withErrors({ 204: Type.Null() }),
      },
    },
    async (req, reply) => {
      await services.contacts.deleteContactMethod(actorOf(req), req.params.id, req.params.itemId);
      return reply.status(204).send(null);
    },
  );
}

function registerContactActions(app: FastifyInstance, services: Services): void {
  const r = app.withTypeProvider<TypeBoxTypeProvider>();
  const tags = ['notifications'];
  const base = '/api/users/:id/contact-methods/:itemId';
  const Sent = Type.Object({ deliveryId: Type.String() });
  r.post(
    `${base}/test`,
    {
      schema: {
        tags,
        summary: 'Send a test notification now (watch it in GET /api/notifications)',
        params: ItemParams,
        response: withErrors({ 202: Sent }),
      },
    },
    async (req, reply) => {
      const sent = await services.notify.sendDirect(actorOf(req), req.params.id, req.params.itemId, {
        subject: 'Test notification from Muster',
        body: 'If you can read this, Muster can reach you here.',
      });
      return reply.status(202).send(sent);
    },
  );
  r.post(
    `${base}/verification`,
    {
      schema: {
        tags,
        summary:
          'Send a verification code to an SMS or voice contact method (valid 15 minutes); 409 verification_not_needed for other kinds',
        params: ItemParams,
        response: withErrors({ 202: Type.Object({ deliveryId: Type.String(), expiresAt: Timestamp }) }),
      },
    },
    async (req, reply) => {
      const actor = actorOf(req);
      const { id, itemId } = req.params;
      const { code, expiresAt } = await services.contacts.startVerification(actor, id, itemId);
      // The code is sealed: the delivery and the user's own notification log never show it, only the send fills it in.
      const sent = await services.notify.sendDirect(actor, id, itemId, {
        subject: 'Muster verification code: {{code}}',
        body: 'Your Muster verification code is {{code}}. It expires in 15 minutes.',
        sealed: { code: await services.actionLinks.seal(code) },
      });
      return reply.status(202).send({ ...sent, expiresAt: toIso(expiresAt) });
    },
  );
  r.post(
    `${base}/verification/confirm`,
    {
      schema: {
        tags,
        summary: 'Confirm the code that was sent; the contact method becomes verified',
        params: ItemParams,
        body: Type.Object({ code: Type.String({ minLength: 1, maxLength: 20 }) }),
        response: withErrors({ 200: ContactMethodSchema }),
      },
    },
    async (req) =>
      presentContact(
        await services.contacts.confirmVerification(actorOf(req), req.params.id, req.params.itemId, req.body.code),
      ),
  );
}

function registerRuleRoutes(app: FastifyInstance, services: Services): void {
  const r = app.withTypeProvider<TypeBoxTypeProvider>();
  const tags = ['notifications'];
  const base = '/api/users/:id/notification-rules';
  r.get(
    base,
    {
      schema: {
        tags,
        summary: 'A user’s notification rules: which contact method, after how many minutes, for which urgency',
        params: UserParams,
        response: withErrors({ 200: Type.Object({ rules: Type.Array(RuleSchema) }) }),
      },
    },
    async (req) => ({ rules: (await services.contacts.listRules(actorOf(req), req.params.id)).map(presentRule) }),
  );
  r.post(
    base,
    {
      schema: {
        tags,
        summary: 'Add a rule step, e.g. push at 0 minutes, email at 2, SMS at 5',
        params: UserParams,
        body: Type.Object({
          contactMethodId: Type.String({ minLength: 1, maxLength: 100 }),
          urgency: Urgency,
          delayMinutes: Type.Integer({ minimum: 0, maximum: 1440 }),
        }),
        response: withErrors({ 201: RuleSchema }),
      },
    },
    async (req, reply) => {
      const body = req.body as typeof req.body & { urgency: 'high' | 'low' };
      const rule = await services.contacts.createRule(actorOf(req), req.params.id, body);
      return reply.status(201).send(presentRule(rule));
    },
  );
  r.delete(
    `${base}/:itemId`,
    {
      schema: { tags, summary: 'Remove a rule step', params: ItemParams, response: withErrors({ 204: Type.Null() }) },
    },
    async (req, reply) => {
      await services.contacts.deleteRule(actorOf(req), req.params.id, req.params.itemId);
      return reply.status(204).send(null);
    },
  );
}
