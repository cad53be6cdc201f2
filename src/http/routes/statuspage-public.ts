/**
 * The public status page, unauthenticated: GET /status (server-rendered HTML, no JavaScript), GET /api/public/status
 * (the same data as JSON), subscribing (POST /api/public/status/subscribers, or the page's form), and the confirm and
 * unsubscribe links. Links show a page with one button (GET changes nothing: mail scanners fetch every link); the
 * POST from it acts. Form posts are parsed in this encapsulated scope only.
 */
import { Type } from '@sinclair/typebox';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import type { FastifyInstance, FastifyReply } from 'fastify';
import { isAppError, validationError } from '../../shared/errors.js';
import { renderMessagePage, renderStatusPage } from '../../statuspage/index.js';
import { ErrorEnvelope } from '../schemas.js';
import type { Services } from '../services.js';
import { PublicStatusViewSchema, presentPublicStatus } from './statuspage-schemas.js';

const tags = ['status page (public)'];
const pub = { auth: 'public' as const };
const LinkParams = Type.Object({ id: Type.String({ minLength: 1, maxLength: 100 }) });
const LinkQuery = Type.Object({ token: Type.String({ maxLength: 200 }) });

const ComponentIds = Type.Array(Type.String({ maxLength: 100 }), {
  maxItems: 100,
  description: 'Follow only updates about these components (from /api/public/status); none: every update',
});
const SubscribeBody = Type.Object(
  {
    email: Type.Optional(Type.String({ maxLength: 320 })),
    webhookUrl: Type.Optional(Type.String({ maxLength: 2000 })),
    componentIds: Type.Optional(ComponentIds),
  },
  { description: 'Exactly one of email or webhookUrl; componentIds to follow only some components' },
);
const SubscribeResponses = {
  202: Type.Object({
    id: Type.Union([Type.String(), Type.Null()], { description: 'Webhook subscribers only' }),
    kind: Type.Union([Type.Literal('email'), Type.Literal('webhook')]),
    status: Type.Union([Type.Literal('confirmation_sent'), Type.Literal('subscribed')]),
    secret: Type.Optional(Type.String({ description: 'Webhook signing secret, shown once' })),
  }),
  400: ErrorEnvelope,
  429: ErrorEnvelope,
};

function html(reply: FastifyReply, status: number, body: string, cache = 'no-store'): FastifyReply {
  return reply
    .status(status)
    .type('text/html; charset=utf-8')
    .header('cache-control', cache)
    .header('referrer-policy', 'no-referrer')
    .header('x-content-type-options', 'nosniff')
    .header(
      'content-security-policy',
      "default-src 'none'; style-src 'unsafe-inline'; form-action 'self'; frame-ancestors 'none'",
    )
    .send(body);
}

function errorPage(reply: FastifyReply, e: unknown, title = 'This link cannot be used'): FastifyReply {
  if (isAppError(e) && e.status < 500) return html(reply, e.status, renderMessagePage(title, e.message));
  throw e;
}

const LINK_TEXT = {
  confirm: {
    title: 'Confirm your subscription',
    ask: 'Press the button to start getting status updates.',
    button: 'Confirm',
    done: 'Subscribed',
    doneText: 'You will get an email for every status update. Each one has an unsubscribe link.',
  },
  unsubscribe: {
    title: 'Unsubscribe',
    ask: 'Press the button to stop getting status updates.',
    button: 'Unsubscribe',
    done: 'Unsubscribed',
    doneText: 'You will not get further status updates.',
  },
} as const;

export async function registerStatusPagePublicRoutes(app: FastifyInstance, services: Services): Promise<void> {
  registerPublicJsonRoutes(app, services);
  await app.register(async (scope) => {
    // A field sent once is a string; sent several times (the component checkboxes), an array.
    scope.addContentTypeParser('application/x-www-form-urlencoded', { parseAs: 'string' }, (_req, body, done) => {
      const fields = new Map<string, string | string[]>();
      for (const [k, v] of new URLSearchParams(String(body))) {
        const had = fields.get(k);
        fields.set(k, had === undefined ? v : Array.isArray(had) ? [...had, v] : [had, v]);
      }
      done(null, Object.fromEntries(fields)); // own properties only, even for a field named __proto__
    });
    registerPublicHtmlRoutes(scope, services);
  });
}

function registerPublicJsonRoutes(app: FastifyInstance, services: Services): void {
  const sp = services.statusPage;
  const r0 = app.withTypeProvider<TypeBoxTypeProvider>();

  r0.get(
    '/api/public/status',
    {
      config: pub,
      schema: {
        tags,
        summary: 'The public status page as JSON (no sign-in)',
        security: [],
        response: { 200: PublicStatusViewSchema },
      },
    },
    async (_req, reply) => {
      void reply.header('cache-control', 'no-cache').header('access-control-allow-origin', '*');
      return presentPublicStatus(await sp.publicView());
    },
  );

  r0.post(
    '/api/public/status/subscribers',
    {
      config: pub,
      schema: {
        tags,
        summary:
          'Subscribe: an email address (a confirmation link is sent first) or a webhook URL (signed; secret returned once)',
        security: [],
        body: SubscribeBody,
        response: SubscribeResponses,
      },
    },
    async (req, reply) => {
      const { email, webhookUrl, componentIds } = req.body;
      if ((email === undefined) === (webhookUrl === undefined)) {
        throw validationError([{ field: 'email', message: 'give exactly one of email or webhookUrl' }]);
      }
      const input = { ...(email !== undefined ? { email } : { webhookUrl: webhookUrl! }), componentIds };
      return reply.status(202).send(await sp.subscribers.subscribe(input, { ip: req.ip }));
    },
  );

  for (const action of ['confirm', 'unsubscribe'] as const) {
    r0.post(
      `/api/public/status/subscribers/:id/${action}`,
      {
        config: pub,
        schema: {
          tags,
          summary:
            action === 'confirm'
              ? 'Confirm an email subscription (the token from the link)'
              : 'Unsubscribe (the token from any update)',
          security: [],
          params: LinkParams,
          body: LinkQuery,
          response: { 200: Type.Object({ status: Type.String() }), 400: ErrorEnvelope, 410: ErrorEnvelope },
        },
      },
      async (req) => {
        await sp.subscribers[action](req.params.id, req.body.token);
        return { status: action === 'confirm' ? 'confirmed' : 'unsubscribed' };
      },
    );
  }
}

function registerPublicHtmlRoutes(scope: FastifyInstance, services: Services): void {
  const sp = services.statusPage;
  const r = scope.withTypeProvider<TypeBoxTypeProvider>();

  r.get('/status', { config: pub, schema: { hide: true } }, async (_req, reply) =>
    html(reply, 200, renderStatusPage(await sp.publicView()), 'no-cache'),
  );

  r.post(
    '/status/subscribe',
    {
      config: pub,
      schema: {
        hide: true,
        // The page's checkboxes: one `componentIds` field arrives as a string, several as an array.
        body: Type.Object({
          email: Type.String({ maxLength: 320 }),
          componentIds: Type.Optional(Type.Union([Type.String({ maxLength: 100 }), ComponentIds])),
        }),
      },
    },
    async (req, reply) => {
      try {
        const picked = req.body.componentIds;
        const componentIds = picked === undefined ? [] : typeof picked === 'string' ? [picked] : picked;
        await sp.subscribers.subscribe({ email: req.body.email, componentIds }, { ip: req.ip });
        return html(
          reply,
          202,
          renderMessagePage(
            'Check your email',
            'We sent a link to confirm the subscription. Nothing is sent until you confirm.',
          ),
        );
      } catch (e) {
        return errorPage(reply, e, 'Could not subscribe');
      }
    },
  );

  for (const action of ['confirm', 'unsubscribe'] as const) {
    const t = LINK_TEXT[action];
    const schema = { hide: true, params: LinkParams, querystring: LinkQuery };
    const path = `/status/subscribers/:id/${action}`;
    r.get(path, { config: pub, schema }, async (req, reply) => {
      const action_ = `/status/subscribers/${encodeURIComponent(req.params.id)}/${action}?token=${encodeURIComponent(req.query.token)}`;
      return html(reply, 200, renderMessagePage(t.title, t.ask, { action: action_, button: t.button }));
    });
    r.post(path, { config: pub, schema }, async (req, reply) => {
      try {
        await sp.subscribers[action](req.params.id, req.query.token);
        return html(reply, 200, renderMessagePage(t.done, t.doneText));
      } catch (e) {
        return errorPage(reply, e);
      }
    });
  }
}
