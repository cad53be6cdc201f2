/**
 * Security headers for the web app's HTML (index.html, served for every UI path and as the not-found fallback): the
 * public status page and one-click link pages set their own. The UI loads only its own hashed bundles and talks only
 * to this origin: no inline script, no inline <style> (React's style props go through the CSSOM, which CSP allows),
 * no framing. e2e/browser.ts fails a browser test on any CSP violation, so the policy and the UI stay in step.
 */
import type { FastifyReply } from 'fastify';

export const WEB_APP_CSP = [
  "default-src 'self'",
  "script-src 'self'",
  "style-src 'self'",
  "img-src 'self' data:",
  "font-src 'self'",
  "connect-src 'self'",
  "object-src 'none'",
  "base-uri 'none'",
  "form-action 'self'",
  "frame-ancestors 'none'",
].join('; ');

export function webAppHeaders(reply: FastifyReply): FastifyReply {
  return reply
    .header('content-security-policy', WEB_APP_CSP)
    .header('x-frame-options', 'DENY')
    .header('x-content-type-options', 'nosniff')
    .header('referrer-policy', 'same-origin');
}
