import assert from 'node:assert/strict';
import { Writable } from 'node:stream';
import { after, before, describe, it } from 'node:test';
import Fastify from 'fastify';
import { ENGINES } from '../db/testing/index.js';
import { createLogger, redactUrl } from '../shared/logger.js';
import { startTestMuster, type TestMuster } from '../testing/server.js';
import { installErrorHandling } from './errors.js';

for (const engine of ENGINES) {
  describe(`HTTP edge [${engine}]`, () => {
    let t: TestMuster;
    before(async () => {
      t = await startTestMuster(engine, { metricsToken: 'metrics-token-0123456789', bodyLimitBytes: 4096 });
    });
    after(async () => t.stop());

    it('answers /healthz and /readyz without authentication', async () => {
      assert.deepEqual((await t.api('GET', '/healthz', undefined, null)).body, { status: 'ok' });
      const ready = await t.api<{ status: string; engine: string }>('GET', '/readyz', undefined, null);
      assert.equal(ready.status, 200);
      assert.equal(ready.body.engine, engine);
    });

    it('serves Prometheus metrics to the metrics token and administrators only', async () => {
      assert.equal((await t.api('GET', '/metrics', undefined, null)).status, 401);
      assert.equal((await t.api('GET', '/metrics', undefined, 'wrong-token')).status, 401);
      const byToken = await t.api<string>('GET', '/metrics', undefined, 'metrics-token-0123456789');
      assert.equal(byToken.status, 200);
      assert.match(byToken.body, /muster_http_request_duration_seconds_bucket/);
      assert.equal((await t.api('GET', '/metrics')).status, 200);
    });

    it('rejects oversized bodies with 413 payload_too_large in the envelope', async () => {
      const r = await t.api<{ error: { code: string } }>('POST', '/api/teams', { name: 'x'.repeat(10_000) });
      assert.equal(r.status, 413);
      assert.equal(r.body.error.code, 'payload_too_large');
    });

    it('answers malformed JSON and unknown routes with stable codes', async () => {
      const bad = await t.api<{ error: { code: string } }>('POST', '/api/teams', '{"name":');
      assert.equal(bad.status, 400);
      assert.equal(bad.body.error.code, 'invalid_json');
      const none = await t.api<{ error: { code: string } }>('GET', '/api/nothing-here');
      assert.equal(none.status, 404);
      assert.equal(none.body.error.code, 'route_not_found');
    });

    it('returns a request id header that matches the envelope', async () => {
      const r = await t.api<{ requestId: string }>('GET', '/api/teams', undefined, null);
      assert.equal(r.headers.get('x-request-id'), r.body.requestId);
    });
  });
}

describe('error masking and log redaction', () => {
  it('masks unknown errors as 500 internal_error without echoing their message', async () => {
    const app = Fastify({ logger: false });
    installErrorHandling(app);
    app.get('/boom', async () => {
      throw new Error('password=hunter2 at db host');
    });
    const r = await app.inject({ method: 'GET', url: '/boom' });
    assert.equal(r.statusCode, 500);
    const body = r.json<{ error: { code: string; message: string }; requestId: string }>();
    assert.equal(body.error.code, 'internal_error');
    assert.doesNotMatch(r.body, /hunter2/);
    assert.ok(body.requestId);
    await app.close();
  });

  it('redacts credentials in logged objects and URLs', () => {
    let out = '';
    const sink = new Writable({
      write(chunk: Buffer, _enc, cb) {
        out += chunk.toString();
        cb();
      },
    });
    const log = createLogger({ level: 'info', destination: sink });
    log.info(
      { req: { headers: { authorization: 'Bearer mst_secret', cookie: 'muster_session=abc' } }, password: 'p' },
      'x',
    );
    assert.doesNotMatch(out, /mst_secret|muster_session=abc|"password":"p"/);
    assert.equal(redactUrl('/integrations/alertmanager/KEY123?x=1'), '/integrations/alertmanager/[redacted]?x=1');
    assert.equal(redactUrl('postgres://muster:pw@db/muster'), 'postgres://muster:[redacted]@db/muster');
    assert.equal(redactUrl('/feed.ics?token=abc&x=1'), '/feed.ics?token=[redacted]&x=1');
  });
});
