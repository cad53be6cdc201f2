/**
 * A small local HTTP server that records every request and can be told to fail the next few: the shared base of
 * the vendor stand-ins (Slack, Twilio, ntfy). Each stand-in speaks its vendor's documented protocol; this file only
 * handles recording, fault injection and waiting.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface RecordedRequest {
  method: string;
  path: string;
  headers: IncomingMessage['headers'];
  body: string;
  /** The body's bytes (an encrypted push message is not text). */
  raw: Buffer;
}

export interface Reply {
  status: number;
  body?: unknown;
  headers?: Record<string, string>;
}

export type Route = (req: RecordedRequest) => Reply;

interface Fault extends Reply {
  remaining: number;
}

export class StandIn {
  readonly requests: RecordedRequest[] = [];
  private readonly faults: Fault[] = [];
  private server: Server | null = null;
  url = '';

  constructor(private readonly route: Route) {}

  async start(): Promise<this> {
    this.server = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => this.handle(req, Buffer.concat(chunks), res));
    });
    await new Promise<void>((resolve) => this.server!.listen(0, '127.0.0.1', resolve));
    this.url = `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
    return this;
  }

  private handle(req: IncomingMessage, raw: Buffer, res: ServerResponse): void {
    const body = raw.toString('utf8');
    const recorded: RecordedRequest = {
      method: req.method ?? 'GET',
      path: req.url ?? '/',
      headers: req.headers,
      body,
      raw,
    };
    this.requests.push(recorded);
    const fault = this.faults[0];
    let reply: Reply;
    if (fault) {
      reply = fault;
      if (--fault.remaining <= 0) this.faults.shift();
    } else {
      try {
        reply = this.route(recorded);
      } catch (e) {
        reply = { status: 500, body: { error: String(e) } };
      }
    }
    const isText = typeof reply.body === 'string';
    res.writeHead(reply.status, {
      'content-type': isText ? 'text/plain; charset=utf-8' : 'application/json; charset=utf-8',
      ...reply.headers,
    });
    res.end(reply.body === undefined ? '' : isText ? (reply.body as string) : JSON.stringify(reply.body));
  }

  /** Answer the next `times` requests with this reply instead of the normal protocol. */
  failNext(
    status: number,
    times = 1,
    body: unknown = { error: `injected ${status}` },
    headers?: Record<string, string>,
  ): void {
    this.faults.push({ status, body, remaining: times, ...(headers ? { headers } : {}) });
  }

  /** Stop injecting failures: the stand-in is back. */
  clearFaults(): void {
    this.faults.length = 0;
  }

  /** Wait until `predicate` holds over the recorded requests (polling), or fail after `timeoutMs`. */
  async waitFor(predicate: (requests: RecordedRequest[]) => boolean, timeoutMs = 20_000): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (!predicate(this.requests)) {
      if (Date.now() > deadline) throw new Error(`stand-in at ${this.url}: condition not met in ${timeoutMs} ms`);
      await new Promise((r) => setTimeout(r, 25));
    }
  }

  async close(): Promise<void> {
    const server = this.server;
    if (!server) return;
    this.server = null;
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  }
}
