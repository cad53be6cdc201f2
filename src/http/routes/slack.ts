/**
 * Slack's calls into Muster: the Events API (messages in incident channels become notes) and interactivity (a page's
 * Acknowledge / Resolve buttons). Public routes: the credential is Slack's request signature, checked against the raw
 * body (https://api.slack.com/authentication/verifying-requests-from-slack), so these routes keep the body as text.
 */
import type { FastifyInstance } from 'fastify';
import { validationError } from '../../shared/errors.js';
import type { Services } from '../services.js';

function parseJson(text: string, field: string): Record<string, unknown> {
  try {
    const v = JSON.parse(text) as unknown;
    if (v && typeof v === 'object') return v as Record<string, unknown>;
  } catch {
    /* reported below */
  }
  throw validationError([{ field, message: 'must be a JSON object' }]);
}

/** Registered in its own encapsulated scope: bodies stay raw text here only. */
export async function registerSlackRoutes(app: FastifyInstance, services: Services): Promise<void> {
  await app.register(async (scope) => {
    scope.removeAllContentTypeParsers();
    scope.addContentTypeParser('*', { parseAs: 'string', bodyLimit: 1024 * 1024 }, (_req, body, done) =>
      done(null, body),
    );
    const opts = { config: { auth: 'public' as const }, schema: { hide: true } };

    scope.post('/integrations/slack/events', opts, async (req) => {
      const raw = typeof req.body === 'string' ? req.body : '';
      services.chat.verify(req.headers, raw);
      return services.chat.handleEvent(parseJson(raw, 'body'));
    });

    // Slack sends interactivity as application/x-www-form-urlencoded with one field, `payload`, holding JSON.
    scope.post('/integrations/slack/interactions', opts, async (req) => {
      const raw = typeof req.body === 'string' ? req.body : '';
      services.chat.verify(req.headers, raw);
      const payload = new URLSearchParams(raw).get('payload');
      if (!payload) throw validationError([{ field: 'payload', message: 'is required' }]);
      return services.chat.handleInteraction(parseJson(payload, 'payload'));
    });
  });
}
