/**
 * One-click acknowledge/resolve links from notifications, at /a/<token>. Public: the signed token is the
 * credential. GET shows a confirmation page and changes nothing, because mail scanners and chat unfurlers fetch
 * every link; only the POST from that page's button acts. Responses are small HTML pages, not the JSON envelope.
 */
import { Type } from '@sinclair/typebox';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import type { FastifyInstance, FastifyReply } from 'fastify';
import { isAppError } from '../../shared/errors.js';
import type { Services } from '../services.js';

// A wildcard, not `:token`: signed tokens are longer than the router's 100-character limit for named parameters.
const Params = Type.Object({ '*': Type.String({ minLength: 10, maxLength: 2000 }) });

function escapeHtml(s: string): string {
  return s.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!);
}

function page(reply: FastifyReply, status: number, title: string, inner: string): FastifyReply {
  return reply
    .status(status)
    .type('text/html; charset=utf-8')
    .header('cache-control', 'no-store')
    .header('referrer-policy', 'no-referrer')
    .header('x-robots-tag', 'noindex, nofollow')
    .header(
      'content-security-policy',
      "default-src 'none'; style-src 'unsafe-inline'; form-action 'self'; frame-ancestors 'none'",
    )
    .send(
      `<!doctype html><html lang="en"><head><meta charset="utf-8"><meta name="viewport" ` +
        `content="width=device-width,initial-scale=1"><title>${escapeHtml(title)} · Muster</title>` +
        '<style>body{font:16px system-ui,sans-serif;max-width:32rem;margin:3rem auto;padding:0 1rem}' +
        'button{font:inherit;padding:.6rem 1.4rem;border-radius:.4rem;border:0;background:#1f6feb;color:#fff}' +
        '</style></head><body>' +
        `<h1>${escapeHtml(title)}</h1>${inner}</body></html>`,
    );
}

function errorPage(reply: FastifyReply, e: unknown): FastifyReply {
  if (isAppError(e) && e.status < 500)
    return page(reply, e.status, 'This link cannot be used', `<p>${escapeHtml(e.message)}</p>`);
  if (isAppError(e) && e.code === 'action_links_unavailable') {
    return page(reply, 503, 'Not available', `<p>${escapeHtml(e.message)}</p>`);
  }
  throw e;
}

const VERB = { acknowledge: 'Acknowledge', resolve: 'Resolve' } as const;

/** Registered in its own encapsulated scope: the form-encoded body parser applies to these routes only. */
export async function registerActionLinkRoutes(app: FastifyInstance, services: Services): Promise<void> {
  await app.register(async (scope) => {
    scope.addContentTypeParser('application/x-www-form-urlencoded', { parseAs: 'string' }, (_req, body, done) =>
      done(null, Object.fromEntries(new URLSearchParams(String(body)))),
    );
    const r = scope.withTypeProvider<TypeBoxTypeProvider>();
    const schema = { hide: true, params: Params };

    r.get('/a/*', { config: { auth: 'public' }, schema }, async (req, reply) => {
      try {
        const claim = await services.actionLinks.inspect(req.params['*'], services.clock.now());
        const verb = VERB[claim.action];
        return page(
          reply,
          200,
          `${verb} alert?`,
          `<p>Alert <code>${escapeHtml(claim.alertId)}</code>. This link works once.</p>` +
            `<form method="post"><input type="hidden" name="confirm" value="1"><button type="submit">${verb}</button></form>`,
        );
      } catch (e) {
        return errorPage(reply, e);
      }
    });

    r.post('/a/*', { config: { auth: 'public' }, schema }, async (req, reply) => {
      try {
        const claim = await services.actionLinks.use(req.params['*'], req.ip || null);
        const done = claim.action === 'acknowledge' ? 'Acknowledged' : 'Resolved';
        return page(
          reply,
          200,
          done,
          `<p>Alert <code>${escapeHtml(claim.alertId)}</code> is ${done.toLowerCase()}.</p>`,
        );
      } catch (e) {
        return errorPage(reply, e);
      }
    });
  });
}
