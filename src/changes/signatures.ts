/**
 * How each change source proves a delivery is its own (pure). Tools that sign hash the raw body with the hook's
 * secret: GitHub `X-Hub-Signature-256: sha256=<hex>`, Flux generic-hmac `X-Signature: sha256=<hex>` (sha384 and
 * sha512 too), LaunchDarkly `X-LD-Signature: <hex>` and Flagsmith `X-Flagsmith-Signature: <hex>` (HMAC-SHA256),
 * Terraform Cloud `X-TFE-Notification-Signature: <hex>` (HMAC-SHA512). GitLab sends the secret itself in
 * `X-Gitlab-Token`. Argo CD, the Kubernetes event exporter and Unleash send it in `Authorization` (`Bearer <secret>`,
 * or the bare secret: Unleash's webhook sets the header's value as typed). Comparisons are constant-time.
 */
import { createHmac, timingSafeEqual } from 'node:crypto';
import type { ChangeSource } from './sources.js';

export type Headers = Record<string, string | string[] | undefined>;

const header = (h: Headers, name: string): string | undefined => {
  const v = h[name];
  return Array.isArray(v) ? v[0] : v;
};

function same(a: string, b: string): boolean {
  const ab = Buffer.from(a);
  const bb = Buffer.from(b);
  return ab.length === bb.length && timingSafeEqual(ab, bb);
}

const hmac = (algo: string, key: string, raw: string): string => createHmac(algo, key).update(raw).digest('hex');

/** The header a source proves itself with (named in a 401 and in the docs). */
export const AUTH_HEADER: Record<ChangeSource, string> = {
  github: 'X-Hub-Signature-256',
  gitlab: 'X-Gitlab-Token',
  argocd: 'Authorization',
  flux: 'X-Signature',
  kubernetes: 'Authorization',
  launchdarkly: 'X-LD-Signature',
  unleash: 'Authorization',
  flagsmith: 'X-Flagsmith-Signature',
  terraform: 'X-TFE-Notification-Signature',
};

/** Whether the delivery carries a valid proof under one of `secrets` (the current one, and a rotated one in grace). */
export function verifyDelivery(
  source: ChangeSource,
  headers: Headers,
  raw: string,
  secrets: string[],
): { ok: true } | { ok: false; reason: string } {
  const name = AUTH_HEADER[source];
  const given = header(headers, name.toLowerCase())?.trim();
  if (!given) return { ok: false, reason: `the ${name} header is missing` };
  const match = (expected: (secret: string) => string) => secrets.some((s) => same(given, expected(s)));
  let ok: boolean;
  switch (source) {
    case 'github':
      ok = match((s) => `sha256=${hmac('sha256', s, raw)}`);
      break;
    case 'flux': {
      const m = /^(sha256|sha384|sha512)=([0-9a-f]+)$/i.exec(given);
      const algo = m?.[1]?.toLowerCase();
      const hex = m?.[2]?.toLowerCase();
      ok = algo !== undefined && hex !== undefined && secrets.some((s) => same(hex, hmac(algo, s, raw)));
      break;
    }
    case 'launchdarkly':
    case 'flagsmith':
      ok = match((s) => hmac('sha256', s, raw));
      break;
    case 'terraform':
      ok = match((s) => hmac('sha512', s, raw));
      break;
    case 'gitlab':
      ok = match((s) => s);
      break;
    case 'argocd':
    case 'kubernetes':
    case 'unleash': {
      const token = given.replace(/^Bearer\s+/i, '');
      ok = secrets.some((s) => same(token, s));
      break;
    }
  }
  return ok ? { ok: true } : { ok: false, reason: `the ${name} header does not match the hook's secret` };
}

/** What a sender would put in the header: for tests and the docs' examples. */
export function signFor(source: ChangeSource, secret: string, raw: string): Record<string, string> {
  switch (source) {
    case 'github':
      return { 'x-hub-signature-256': `sha256=${hmac('sha256', secret, raw)}` };
    case 'flux':
      return { 'x-signature': `sha256=${hmac('sha256', secret, raw)}` };
    case 'launchdarkly':
      return { 'x-ld-signature': hmac('sha256', secret, raw) };
    case 'flagsmith':
      return { 'x-flagsmith-signature': hmac('sha256', secret, raw) };
    case 'terraform':
      return { 'x-tfe-notification-signature': hmac('sha512', secret, raw) };
    case 'gitlab':
      return { 'x-gitlab-token': secret };
    case 'argocd':
    case 'kubernetes':
    case 'unleash':
      return { authorization: `Bearer ${secret}` };
  }
}
