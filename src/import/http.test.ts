import assert from 'node:assert/strict';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, describe, it } from 'node:test';
import { AppError } from '../shared/errors.js';
import { createImportHttp, MAX_WAITS_IN_A_ROW } from './http.js';

interface Seen {
  path: string;
  at: number;
  auth: string | undefined;
  accept: string | undefined;
}

/** A real local server: each path answers as its handler says; every request is recorded. */
function startServer(
  handlers: Record<string, (req: http.IncomingMessage, res: http.ServerResponse, n: number) => void>,
) {
  const seen: Seen[] = [];
  const counts = new Map<string, number>();
  const server = http.createServer((req, res) => {
    const path = new URL(req.url ?? '/', 'http://x').pathname;
    seen.push({ path, at: Date.now(), auth: req.headers.authorization, accept: req.headers.accept });
    const n = (counts.get(path) ?? 0) + 1;
    counts.set(path, n);
    const handler = handlers[path];
    if (!handler) {
      res.writeHead(404).end('{}');
      return;
    }
    handler(req, res, n);
  });
  return { server, seen };
}

describe('import HTTP client', () => {
  const TOKEN = 'secret-token-abc123';
  const { server, seen } = startServer({
    '/ok': (_req, res) => res.writeHead(200, { 'content-type': 'application/json' }).end('{"users":[{"id":"P1"}]}'),
    '/limited': (_req, res, n) => {
      if (n === 1) res.writeHead(429, { 'retry-after': '1' }).end('{}');
      else res.writeHead(200).end('{"ok":true}');
    },
    '/limited-date': (_req, res, n) => {
      if (n === 1) res.writeHead(429, { 'retry-after': new Date(Date.now() + 2000).toUTCString() }).end('{}');
      else res.writeHead(200).end('{"ok":"date"}');
    },
    '/always-limited': (_req, res) => res.writeHead(429, { 'retry-after': '0' }).end('{}'),
    '/unauthorised': (_req, res) => res.writeHead(401).end('{"error":{"message":"Unauthorized"}}'),
    '/broken': (_req, res) => res.writeHead(500).end('oops'),
    '/not-json': (_req, res) => res.writeHead(200).end('<html>'),
    '/silent': () => {
      /* never answers */
    },
  });
  let base = '';
  before(async () => {
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  after(async () => {
    server.closeAllConnections();
    await new Promise<void>((r) => server.close(() => r()));
  });

  it('GETs JSON with the given headers and accept JSON, counting requests', async () => {
    const client = createImportHttp({ allowPrivateAddress: true });
    const body = await client.getJson<{ users: { id: string }[] }>(`${base}/ok`, {
      authorization: `Token token=${TOKEN}`,
    });
    assert.deepEqual(body, { users: [{ id: 'P1' }] });
    assert.deepEqual(client.stats, { total: 1, rateLimited: 0 });
    const req = seen.find((s) => s.path === '/ok');
    assert.equal(req?.auth, `Token token=${TOKEN}`);
    assert.equal(req?.accept, 'application/json');
  });

  it('waits out a 429 as its Retry-After (seconds) asks, then answers', async () => {
    const client = createImportHttp({ allowPrivateAddress: true });
    const body = await client.getJson<{ ok: boolean }>(`${base}/limited`, {});
    assert.deepEqual(body, { ok: true });
    assert.deepEqual(client.stats, { total: 2, rateLimited: 1 });
    const times = seen.filter((s) => s.path === '/limited').map((s) => s.at);
    assert.equal(times.length, 2);
    // The second request came no earlier than the second Retry-After asked for (a lower bound: never flaky).
    assert.ok(times[1]! - times[0]! >= 950, `waited ${times[1]! - times[0]!} ms`);
  });

  it('honours a Retry-After given as an HTTP date', async () => {
    const client = createImportHttp({ allowPrivateAddress: true });
    assert.deepEqual(await client.getJson(`${base}/limited-date`, {}), { ok: 'date' });
    assert.equal(client.stats.rateLimited, 1);
    const times = seen.filter((s) => s.path === '/limited-date').map((s) => s.at);
    // An HTTP date has whole seconds: at least one second after the first answer.
    assert.ok(times[1]! - times[0]! >= 950, `waited ${times[1]! - times[0]!} ms`);
  });

  it('gives up after a bounded number of 429s in a row', async () => {
    const client = createImportHttp({ allowPrivateAddress: true });
    await assert.rejects(client.getJson(`${base}/always-limited`, {}), (e: unknown) => {
      assert.ok(e instanceof AppError);
      assert.equal(e.code, 'import_source_error');
      assert.equal(e.status, 502);
      assert.match(e.message, /429/);
      return true;
    });
    assert.equal(client.stats.rateLimited, MAX_WAITS_IN_A_ROW + 1);
  });

  it('a 401 is a clear error naming the status and the path, never the token or the query', async () => {
    const client = createImportHttp({ allowPrivateAddress: true });
    await assert.rejects(
      client.getJson(`${base}/unauthorised?token=${TOKEN}&limit=25`, { authorization: `Token token=${TOKEN}` }),
      (e: unknown) => {
        assert.ok(e instanceof AppError);
        assert.equal(e.code, 'import_source_error');
        assert.equal(e.status, 502);
        assert.match(e.message, /401/);
        assert.match(e.message, /check the token/);
        assert.match(e.message, /GET \/unauthorised\b/);
        const all = JSON.stringify({ m: e.message, d: e.details });
        assert.ok(!all.includes(TOKEN), all);
        assert.ok(!all.includes('limit=25'), all);
        return true;
      },
    );
  });

  it('a 5xx, an answer that is not JSON and an unreachable host are import_source_error', async () => {
    const client = createImportHttp({ allowPrivateAddress: true });
    await assert.rejects(client.getJson(`${base}/broken`, {}), /answered 500 for GET \/broken/);
    await assert.rejects(client.getJson(`${base}/not-json`, {}), /not JSON/);
    const closed = http.createServer();
    await new Promise<void>((r) => closed.listen(0, '127.0.0.1', r));
    const port = (closed.address() as AddressInfo).port;
    await new Promise<void>((r) => closed.close(() => r()));
    await assert.rejects(client.getJson(`http://127.0.0.1:${port}/x`, {}), (e: unknown) => {
      assert.ok(e instanceof AppError);
      assert.equal(e.code, 'import_source_error');
      assert.match(e.message, /Could not reach .* for GET \/x/);
      return true;
    });
  });

  it('times out a request that is never answered', async () => {
    const client = createImportHttp({ allowPrivateAddress: true, timeoutMs: 300 });
    await assert.rejects(client.getJson(`${base}/silent`, {}), (e: unknown) => {
      assert.ok(e instanceof AppError);
      assert.equal(e.code, 'import_source_error');
      assert.match(e.message, /did not answer GET \/silent/);
      return true;
    });
  });

  it('refuses 127.0.0.1 and names resolving to it unless a private address is allowed', async () => {
    const before = seen.length;
    const guarded = createImportHttp({
      allowPrivateAddress: false,
      resolve: () => Promise.resolve([{ address: '127.0.0.1', family: 4 }]),
    });
    await assert.rejects(guarded.getJson(`${base}/ok`, {}), (e: unknown) => {
      assert.ok(e instanceof AppError);
      assert.equal(e.code, 'import_private_address');
      return true;
    });
    const port = new URL(base).port;
    await assert.rejects(guarded.getJson(`http://source.example:${port}/ok`, {}), (e: unknown) => {
      assert.ok(e instanceof AppError);
      assert.equal(e.code, 'import_private_address');
      assert.match(e.message, /source\.example resolves to a private address/);
      return true;
    });
    assert.equal(seen.length, before, 'nothing reached the server');
  });
});
