/** Server-sent event streams (the incident room, the alert stream, a run's output): one way to open one. */
import type { ServerResponse } from 'node:http';
import type { FastifyInstance, FastifyRequest } from 'fastify';

/** Counts open streams (`muster_live_streams_open{stream}`); the app decorates itself with it (trackEventStreams). */
export interface StreamGauge {
  inc(labels: { stream: string }): void;
  dec(labels: { stream: string }): void;
}

const GAUGE = 'musterLiveStreams';

/** Every stream opened through `openEventStream` in this app is counted in `gauge` until its connection closes. */
export function trackEventStreams(app: FastifyInstance, gauge: StreamGauge): void {
  app.decorate(GAUGE, gauge);
}

/** The stream's name for the metric, from its route: alerts, incident_room, remediation_run. */
function streamName(req: FastifyRequest): string {
  const url = req.routeOptions.url ?? '';
  if (url.startsWith('/api/alerts/')) return 'alerts';
  if (url.startsWith('/api/incidents/')) return 'incident_room';
  if (url.startsWith('/api/runs/')) return 'remediation_run';
  return 'other';
}

/** Answer 200 as an event stream (no buffering by proxies) and tell the browser how soon to reconnect. */
export function openEventStream(req: FastifyRequest, res: ServerResponse, retryMs: number): void {
  res.writeHead(200, {
    'content-type': 'text/event-stream; charset=utf-8',
    'cache-control': 'no-cache, no-transform',
    connection: 'keep-alive',
    'x-accel-buffering': 'no',
    'x-request-id': req.id,
  });
  res.write(`retry: ${retryMs}\n: connected\n\n`);
  const gauge = (req.server as unknown as Record<string, StreamGauge | undefined>)[GAUGE];
  if (gauge) {
    const labels = { stream: streamName(req) };
    gauge.inc(labels);
    res.once('close', () => gauge.dec(labels));
  }
}
