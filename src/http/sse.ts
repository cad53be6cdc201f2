/** Server-sent event streams (the incident room, the alert stream, a run's output): one way to open one. */
import type { ServerResponse } from 'node:http';
import type { FastifyRequest } from 'fastify';

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
}
