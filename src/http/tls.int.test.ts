/**
 * The optional TLS listener, on both engines: with a certificate and key (a self-signed pair made here with openssl)
 * Muster serves https, a PagerDuty Events v2 trigger over https is accepted, plain http on the same port is not
 * served, and the settings are checked at start (one without the other, an unreadable file, a key of another pair).
 */
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { request } from 'node:https';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { ConfigError, loadConfig } from '../config/index.js';
import { ENGINES } from '../db/testing/index.js';
import { startTestMuster, type TestMuster } from '../testing/server.js';
import { readTlsFiles } from './tls.js';

/** A self-signed certificate for 127.0.0.1 and its key, as PEM files in `dir`. */
function selfSigned(dir: string, name: string): { cert: string; key: string } {
  const cert = join(dir, `${name}.crt`);
  const key = join(dir, `${name}.key`);
  execFileSync(
    'openssl',
    [
      'req',
      '-x509',
      '-newkey',
      'ec',
      '-pkeyopt',
      'ec_paramgen_curve:prime256v1',
      '-nodes',
      '-keyout',
      key,
      '-out',
      cert,
      '-days',
      '2',
      '-subj',
      '/CN=127.0.0.1',
      '-addext',
      'subjectAltName=IP:127.0.0.1',
    ],
    { stdio: 'ignore' },
  );
  return { cert, key };
}

/** One https request trusting only `ca`, the body parsed as JSON. */
function httpsCall(
  url: string,
  ca: Buffer,
  opts: { method?: string; body?: unknown; token?: string } = {},
): Promise<{ status: number; body: Record<string, unknown> }> {
  return new Promise((resolve, reject) => {
    const body = opts.body === undefined ? undefined : JSON.stringify(opts.body);
    const headers: Record<string, string | number> = {};
    if (body) Object.assign(headers, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) });
    if (opts.token) headers.authorization = `Bearer ${opts.token}`;
    const req = request(url, { method: opts.method ?? 'GET', ca, headers }, (res) => {
      let text = '';
      res.setEncoding('utf8');
      res.on('data', (c: string) => (text += c));
      res.on('end', () => {
        let parsed: Record<string, unknown> = {};
        try {
          parsed = JSON.parse(text) as Record<string, unknown>;
        } catch {
          parsed = { text };
        }
        resolve({ status: res.statusCode ?? 0, body: parsed });
      });
    });
    req.on('error', reject);
    req.end(body);
  });
}

const dir = mkdtempSync(join(tmpdir(), 'muster-tls-test-'));
const pair = selfSigned(dir, 'muster');
const other = selfSigned(dir, 'other');

describe('TLS settings', () => {
  it('needs the certificate and the key together, both readable and of one pair', () => {
    assert.throws(
      () => loadConfig({ env: { MUSTER_TLS_CERT_FILE: pair.cert } }),
      (e: unknown) =>
        e instanceof ConfigError && e.problems.some((p) => p.startsWith('tlsKeyFile (MUSTER_TLS_KEY_FILE)')),
    );
    const config = loadConfig({ env: { MUSTER_TLS_CERT_FILE: pair.cert, MUSTER_TLS_KEY_FILE: pair.key } });
    assert.match(config.publicUrl, /^https:\/\//, 'the default public URL is https');
    assert.ok(readTlsFiles(config));
    assert.throws(
      () => readTlsFiles({ tlsCertFile: join(dir, 'missing.crt'), tlsKeyFile: pair.key }),
      (e: unknown) => e instanceof ConfigError && /MUSTER_TLS_CERT_FILE\): cannot read .*ENOENT/.test(e.problems[0]!),
    );
    assert.throws(
      () => readTlsFiles({ tlsCertFile: pair.cert, tlsKeyFile: other.key }),
      (e: unknown) => e instanceof ConfigError && /tlsCertFile\/tlsKeyFile/.test(e.problems[0]!),
    );
  });
});

for (const engine of ENGINES) {
  describe(`the TLS listener [${engine}]`, () => {
    let t: TestMuster;
    const ca = readFileSync(pair.cert);
    before(async () => {
      t = await startTestMuster(engine, { tlsCertFile: pair.cert, tlsKeyFile: pair.key });
    });
    after(async () => {
      await t?.stop();
    });

    it('serves https: the API, and a PagerDuty Events v2 trigger over it', async () => {
      assert.match(t.url, /^https:\/\/127\.0\.0\.1:\d+$/);
      const health = await httpsCall(`${t.url}/healthz`, ca);
      assert.equal(health.status, 200, JSON.stringify(health.body));
      const token = t.adminToken;
      const team = await httpsCall(`${t.url}/api/teams`, ca, { method: 'POST', body: { name: 'TLS' }, token });
      assert.equal(team.status, 201, JSON.stringify(team.body));
      const svc = await httpsCall(`${t.url}/api/services`, ca, {
        method: 'POST',
        body: { name: 'TLS API', teamId: team.body.id },
        token,
      });
      assert.equal(svc.status, 201, JSON.stringify(svc.body));
      const key = await httpsCall(`${t.url}/api/services/${String(svc.body.id)}/integration-keys`, ca, {
        method: 'POST',
        body: { source: 'pagerduty' },
        token,
      });
      assert.equal(key.status, 201, JSON.stringify(key.body));
      const event = await httpsCall(`${t.url}/v2/enqueue`, ca, {
        method: 'POST',
        body: {
          routing_key: key.body.key,
          event_action: 'trigger',
          payload: { summary: 'Checkout 5xx above 5%', source: 'api-1', severity: 'critical' },
        },
      });
      assert.equal(event.status, 202, JSON.stringify(event.body));
      assert.equal(event.body.status, 'success');
      const unauthenticated = await httpsCall(`${t.url}/api/services`, ca);
      assert.equal(unauthenticated.status, 401, 'the API still needs a token over https');
    });

    it('does not serve plain http on the TLS port', async () => {
      const plain = t.url.replace('https://', 'http://');
      const r = await fetch(`${plain}/healthz`, { signal: AbortSignal.timeout(5000) }).catch(() => null);
      assert.ok(r === null || r.status !== 200, 'plain http is not served');
    });
  });
}

after(() => rmSync(dir, { recursive: true, force: true }));
