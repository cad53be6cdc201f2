/**
 * Alert quality (per rule and per service: pages, judgements, time to acknowledge, share of noise, the 20% flag) and
 * the alert list's live stream (server-sent events).
 */
import type { ServerResponse } from 'node:http';
import { Type } from '@sinclair/typebox';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { NOISE_THRESHOLD, parseWindow, type Alert, type QualityStats } from '../../alerts/index.js';
import { ALL_TOPICS } from '../../db/live.js';
import { toIso } from '../../shared/clock.js';
import { validationError } from '../../shared/errors.js';
import { actorOf } from '../auth.js';
import { withErrors } from '../schemas.js';
import type { Services } from '../services.js';
import { presentAlert } from './alerts.js';
import { openEventStream } from '../sse.js';

const N = Type.Union([Type.Number(), Type.Null()]);
const Stats = {
  alerts: Type.Integer({ description: 'Alerts created in the window' }),
  pages: Type.Integer({ description: 'Of those, alerts that paged (not held by a silence, maintenance or damping)' }),
  classified: Type.Integer(),
  actionable: Type.Integer(),
  notActionable: Type.Integer(),
  falsePositive: Type.Integer(),
  noiseShare: Type.Union([Type.Number(), Type.Null()], {
    description: '(not actionable + false positive) / classified',
  }),
  ttaMedianSeconds: N,
  ttaP90Seconds: N,
  isNoisy: Type.Boolean({ description: `noiseShare above ${NOISE_THRESHOLD}` }),
};
const Window = Type.Object({
  window: Type.Optional(Type.String({ pattern: '^\\d{1,4}[mhdw]$', default: '28d', description: 'e.g. 28d, 4w, 24h' })),
  service: Type.Optional(Type.String({ maxLength: 100, description: 'Service id or slug' })),
  minClassified: Type.Optional(Type.Integer({ minimum: 1, maximum: 1000, description: 'Judged pages needed to flag' })),
});
const Range = { since: Type.String({ format: 'date-time' }), until: Type.String({ format: 'date-time' }) };

const presentStats = ({ key: _k, ttaMedianMs, ttaP90Ms, ...s }: QualityStats) => ({
  ...s,
  ttaMedianSeconds: ttaMedianMs === null ? null : ttaMedianMs / 1000,
  ttaP90Seconds: ttaP90Ms === null ? null : ttaP90Ms / 1000,
});

async function queryOf(
  services: Services,
  req: FastifyRequest,
  q: { window?: string; service?: string; minClassified?: number },
) {
  const windowMs = parseWindow(q.window ?? '28d');
  if (windowMs === null)
    throw validationError([{ field: 'window', message: 'must be like 28d, 4w, 24h (max a year)' }]);
  const serviceId = q.service ? (await services.catalog.get(actorOf(req), q.service)).id : undefined;
  return { windowMs, serviceId, minClassified: q.minClassified };
}

const HEARTBEAT_MS = 15_000;
const SAFETY_POLL_MS = 5_000;
/** Re-read this far back on every nudge: commits land out of order, and PostgreSQL writers' clocks differ a little. */
const LOOKBACK_MS = 10_000;
/** How far back a reconnecting stream may resume from its Last-Event-ID; older: it starts from now (reload the list). */
const RESUME_MAX_MS = 60 * 60_000;

/** An event's id: the alert's `updatedAt` and id, the position in the stream a reconnect resumes after. */
const eventIdOf = (a: Alert): string => `${a.updatedAt}.${a.id}`;
/** The position a Last-Event-ID names, or null when it is not one of ours (then the stream starts from now). */
export function resumePointOf(lastEventId: string | undefined, now: number): { at: number; alertId: string } | null {
  const m = /^(\d{1,15})\.([A-Za-z0-9_]{1,100})$/.exec(lastEventId ?? '');
  if (!m) return null;
  const at = Number(m[1]);
  if (at > now || at < now - RESUME_MAX_MS) return null;
  return { at, alertId: m[2]! };
}

export function registerAlertQualityRoutes(app: FastifyInstance, services: Services): void {
  const r = app.withTypeProvider<TypeBoxTypeProvider>();
  const tags = ['alert-quality'];
  const streams = new Set<ServerResponse>();
  // Open streams would keep the server from closing; the LISTEN connection must go back before the pool closes.
  app.addHook('preClose', async () => {
    for (const res of streams) res.end();
  });
  app.addHook('onClose', async () => services.alerts.live.stop());

  r.get(
    '/api/alerts/stream',
    {
      schema: {
        tags: ['alerts'],
        summary: 'Live alert list: server-sent events (event: alert, data: {type: created|updated, alert})',
        description:
          'Each event has an `id:` line; a client that reconnects with `Last-Event-ID` (browsers do) gets every ' +
          'alert changed after that event first, if it is at most an hour old (older: from now; reload the list).',
        querystring: Type.Object({
          service: Type.Optional(Type.String({ maxLength: 100, description: 'Service id or slug' })),
        }),
        headers: Type.Object({
          'last-event-id': Type.Optional(
            Type.String({ maxLength: 200, description: 'The id of the last event received: resume after it' }),
          ),
        }),
      },
    },
    async (req, reply) => {
      const q = req.query;
      const serviceId = q.service ? (await services.catalog.get(actorOf(req), q.service)).id : undefined;
      await services.alerts.live.ensureListening();
      reply.hijack();
      const resume = resumePointOf(req.headers['last-event-id'], services.clock.now());
      openAlertStream(req, reply.raw, { services, streams, serviceId, resume });
    },
  );

  r.get(
    '/api/alert-quality/rules',
    {
      schema: {
        tags,
        summary: 'Per alert rule (alertname, else PagerDuty class, else alert name), worst first',
        querystring: Window,
        response: withErrors({
          200: Type.Object({
            ...Range,
            rules: Type.Array(Type.Object({ ruleKey: Type.String(), serviceIds: Type.Array(Type.String()), ...Stats })),
          }),
        }),
      },
    },
    async (req) => {
      const out = await services.alertQuality.rules(await queryOf(services, req, req.query));
      return {
        since: toIso(out.since),
        until: toIso(out.until),
        rules: out.rules.map((x) => ({ ...presentStats(x), ruleKey: x.ruleKey, serviceIds: x.serviceIds })),
      };
    },
  );

  r.get(
    '/api/alert-quality/services',
    {
      schema: {
        tags,
        summary: 'Per service, worst first, with the rules above the noise threshold',
        querystring: Window,
        response: withErrors({
          200: Type.Object({
            ...Range,
            services: Type.Array(
              Type.Object({
                serviceId: Type.String(),
                serviceName: Type.String(),
                serviceSlug: Type.String(),
                noisyRules: Type.Array(Type.String()),
                ...Stats,
              }),
            ),
          }),
        }),
      },
    },
    async (req) => {
      const out = await services.alertQuality.services(await queryOf(services, req, req.query));
      return {
        since: toIso(out.since),
        until: toIso(out.until),
        services: out.services.map((x) => ({
          ...presentStats(x),
          serviceId: x.serviceId,
          serviceName: x.serviceName,
          serviceSlug: x.serviceSlug,
          noisyRules: x.noisyRules,
        })),
      };
    },
  );
}

function openAlertStream(
  req: FastifyRequest,
  res: ServerResponse,
  o: {
    services: Services;
    streams: Set<ServerResponse>;
    serviceId: string | undefined;
    resume: { at: number; alertId: string } | null;
  },
): void {
  const { alerts, clock } = o.services;
  // Resuming: from the last event the client had, which is not sent again.
  const startedAt = o.resume ? o.resume.at : clock.now();
  const sent = new Map<string, number>(); // alert id → updatedAt last sent
  if (o.resume) sent.set(o.resume.alertId, o.resume.at);
  let cursor = startedAt;
  let isClosed = false;
  let flushing: Promise<void> | null = null;
  let isPending = false;
  openEventStream(req, res, 3000);
  const send = (a: Alert): void => {
    const type = a.createdAt >= startedAt && !sent.has(a.id) ? 'created' : 'updated';
    res.write(`id: ${eventIdOf(a)}\nevent: alert\ndata: ${JSON.stringify({ type, alert: presentAlert(a) })}\n\n`);
    sent.set(a.id, a.updatedAt);
    cursor = Math.max(cursor, a.updatedAt);
  };
  const drain = async (): Promise<void> => {
    do {
      isPending = false;
      const since = Math.max(startedAt, cursor - LOOKBACK_MS);
      const changed = await alerts.changedSince({ since, serviceId: o.serviceId, limit: 500 });
      for (const a of changed) {
        if (isClosed) return;
        if (sent.get(a.id) !== a.updatedAt) send(a);
      }
      // A full read (a resume after a busy minute): read on from where it ended.
      if (changed.length === 500 && cursor > since + LOOKBACK_MS) isPending = true;
      for (const [id, at] of sent) if (at < cursor - 2 * LOOKBACK_MS) sent.delete(id);
    } while (isPending && !isClosed);
  };
  const flush = (): void => {
    if (isClosed) return;
    if (flushing) {
      isPending = true;
      return;
    }
    flushing = drain()
      .catch((err: unknown) => req.log.warn({ err }, 'alert stream read failed'))
      .finally(() => {
        flushing = null;
        if (isPending) flush();
      });
  };
  const unsubscribe = alerts.live.subscribe(ALL_TOPICS, flush);
  const heartbeat = setInterval(() => res.write(': ping\n\n'), HEARTBEAT_MS);
  const poll = setInterval(() => {
    flush();
    alerts.live.ensureListening().catch((err: unknown) => req.log.warn({ err }, 'the alert stream cannot LISTEN yet'));
  }, SAFETY_POLL_MS);
  o.streams.add(res);
  if (o.resume) flush();
  const close = () => {
    isClosed = true;
    unsubscribe();
    clearInterval(heartbeat);
    clearInterval(poll);
    o.streams.delete(res);
  };
  // Gone while the route awaited: 'close' has fired already and would never fire again.
  if (res.destroyed || req.raw.destroyed) close();
  else res.on('close', close);
}
