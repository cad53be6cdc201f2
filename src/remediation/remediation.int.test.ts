/** Remediation actions on both engines: a signed HTTP action against a real local receiver, injection, approval. */
import assert from 'node:assert/strict';
import { createHmac } from 'node:crypto';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, describe, it } from 'node:test';
import { ENGINES } from '../db/testing/index.js';
import { startTestMuster, type TestMuster } from '../testing/server.js';

const SECRET = 'whsec-0123456789abcdef';
const TOKEN = 'Bearer tok-9f8e7d6c5b4a';

interface Got {
  method: string;
  url: string;
  headers: http.IncomingHttpHeaders;
  body: string;
}

for (const engine of ENGINES) {
  describe(`remediation actions [${engine}]`, () => {
    let t: TestMuster;
    let receiver: http.Server;
    let port = 0;
    const got: Got[] = [];
    let alertId = '';
    let actionId = '';
    let teamId = '';

    before(async () => {
      receiver = http.createServer((req, res) => {
        let body = '';
        req.on('data', (c: Buffer) => (body += c.toString()));
        req.on('end', () => {
          got.push({ method: req.method!, url: req.url!, headers: req.headers, body });
          res.writeHead(200, { 'content-type': 'text/plain' });
          res.end(`restarted\nauth was ${String(req.headers.authorization)}\n`);
        });
      });
      await new Promise<void>((r) => receiver.listen(0, '127.0.0.1', r));
      port = (receiver.address() as AddressInfo).port;
      t = await startTestMuster(engine);
      teamId = (await t.api<{ id: string }>('POST', '/api/teams', { name: 'Platform' })).body.id;
      const service = (await t.api<{ id: string }>('POST', '/api/services', { teamId, name: 'Checkout' })).body.id;
      const key = (
        await t.api<{ key: string }>('POST', `/api/services/${service}/integration-keys`, { source: 'generic' })
      ).body.key;
      const fired = await t.api<{ alerts: { alertId: string }[] }>(
        'POST',
        `/integrations/generic/${key}`,
        {
          status: 'firing',
          dedupKey: 'a1',
          title: 'Pod crash',
          labels: { pod: 'web-1', ns: 'prod/eu', evil: 'x; rm -rf /' },
        },
        null,
      );
      alertId = fired.body.alerts[0]!.alertId;
      const created = await t.api<{ id: string; http: { headers: Record<string, string>; hasSecret: boolean } }>(
        'POST',
        '/api/actions',
        {
          teamId,
          name: 'Restart pod',
          kind: 'http',
          mode: 'manual',
          params: [{ name: 'pod', from: 'label', key: 'pod', required: true }],
          http: {
            method: 'POST',
            url: `http://127.0.0.1:${port}/hooks/{{param.pod}}/restart?ns={{label.ns}}`,
            headers: { authorization: TOKEN },
            body: { pod: '{{param.pod}}', alert: '{{alert.id}}' },
            dryRun: { query: { dry_run: 'true' } },
            secret: SECRET,
            allowPrivateAddress: true,
          },
        },
      );
      assert.equal(created.status, 201, JSON.stringify(created.body));
      assert.equal(created.body.http.headers.authorization, '[hidden]');
      assert.ok(created.body.http.hasSecret);
      actionId = created.body.id;
    });
    after(async () => {
      await t.stop();
      receiver.close();
    });

    const waitEnded = async (runId: string) => {
      for (let i = 0; i < 200; i++) {
        const r = await t.api<{ status: string; output: string; httpStatus: number | null; error: string | null }>(
          'GET',
          `/api/runs/${runId}`,
        );
        if (!['queued', 'running', 'awaiting_approval'].includes(r.body.status)) return r.body;
        await new Promise((res) => setTimeout(res, 50));
      }
      throw new Error('the run did not end');
    };

    it('sends a signed request with encoded parameters and records the answer without secrets', async () => {
      const run = await t.api<{ id: string; status: string }>('POST', `/api/actions/${actionId}/runs`, { alertId });
      assert.equal(run.status, 201, JSON.stringify(run.body));
      const ended = await waitEnded(run.body.id);
      assert.equal(ended.status, 'succeeded', JSON.stringify(ended));
      assert.equal(ended.httpStatus, 200);
      const req = got.at(-1)!;
      assert.equal(req.url, '/hooks/web-1/restart?ns=prod%2Feu');
      assert.deepEqual(JSON.parse(req.body), { pod: 'web-1', alert: alertId });
      assert.equal(req.headers.authorization, TOKEN);
      assert.equal(req.headers['x-muster-run-id'], run.body.id);
      const sig = String(req.headers['x-muster-signature']);
      const ts = /t=(\d+)/.exec(sig)![1]!;
      assert.equal(sig, `t=${ts},v1=${createHmac('sha256', SECRET).update(`${ts}.${req.body}`).digest('hex')}`);
      assert.match(ended.output, /restarted/);
      assert.ok(!ended.output.includes('tok-9f8e7d6c5b4a'), ended.output);
      const db = t.muster.services.db.kysely;
      const audit = JSON.stringify(await db.selectFrom('auditEvents').selectAll().execute());
      const runs = JSON.stringify(await db.selectFrom('remediationRuns').selectAll().execute());
      const events = JSON.stringify(await db.selectFrom('incidentEvents').selectAll().execute());
      for (const text of [audit, runs, events]) {
        assert.ok(!text.includes(SECRET) && !text.includes('tok-9f8e7d6c5b4a'));
      }
    });

    it('adds the dry-run query on a dry run', async () => {
      const run = await t.api<{ id: string }>('POST', `/api/actions/${actionId}/runs`, { alertId, dryRun: true });
      assert.equal((await waitEnded(run.body.id)).status, 'succeeded');
      assert.equal(new URL(got.at(-1)!.url, 'http://x').searchParams.get('dry_run'), 'true');
    });

    it('refuses an injection attempt through a label, naming it, and sends nothing', async () => {
      const before = got.length;
      const bad = await t.api<{ id: string }>('POST', '/api/actions', {
        teamId,
        name: 'Evil',
        kind: 'http',
        http: { method: 'POST', url: `http://127.0.0.1:${port}/x?q={{label.evil}}`, allowPrivateAddress: true },
      });
      const r = await t.api<{ error: { code: string; details: { problems: { field: string }[] } } }>(
        'POST',
        `/api/actions/${bad.body.id}/runs`,
        { alertId },
      );
      assert.equal(r.status, 400);
      assert.equal(r.body.error.details.problems[0]!.field, 'label.evil');
      assert.equal(got.length, before);
    });

    it('names a refused parameter once, with why (not also "has no value" where the template uses it)', async () => {
      const before = got.length;
      const bad = await t.api<{ id: string }>('POST', '/api/actions', {
        teamId,
        name: 'Evil param',
        kind: 'http',
        params: [{ name: 'pod', from: 'label', key: 'evil', required: true }],
        http: { method: 'POST', url: `http://127.0.0.1:${port}/x/{{param.pod}}`, allowPrivateAddress: true },
      });
      const r = await t.api<{ error: { details: { problems: { field: string; message: string }[] } } }>(
        'POST',
        `/api/actions/${bad.body.id}/runs`,
        { alertId },
      );
      assert.equal(r.status, 400);
      const problems = r.body.error.details.problems;
      assert.deepEqual(
        problems.map((p) => p.field),
        ['params.pod'],
        JSON.stringify(problems),
      );
      assert.match(problems[0]!.message, /does not match the parameter's pattern/);
      assert.equal(got.length, before);
    });

    it('needs a second person to approve', async () => {
      const user = await t.api<{ user: { id: string } }>('POST', '/api/users', {
        email: 'b@example.test',
        name: 'Bo',
        password: 'a long enough password',
      });
      await t.api('PUT', `/api/teams/${teamId}/members/${user.body.user.id}`, { role: 'responder' });
      const token = (await t.api<{ token: string }>('POST', '/api/tokens', { name: 'x', userId: user.body.user.id }))
        .body.token;
      await t.api('PATCH', `/api/actions/${actionId}`, { mode: 'approval' });
      const run = await t.api<{ id: string; status: string }>('POST', `/api/actions/${actionId}/runs`, { alertId });
      assert.equal(run.body.status, 'awaiting_approval');
      const self = await t.api<{ error: { code: string } }>('POST', `/api/runs/${run.body.id}/approve`, {});
      assert.equal(self.status, 409);
      assert.equal(self.body.error.code, 'approver_is_requester');
      const ok = await t.api<{ status: string }>('POST', `/api/runs/${run.body.id}/approve`, {}, token);
      assert.equal(ok.status, 200);
      assert.equal((await waitEnded(run.body.id)).status, 'succeeded');
    });
  });
}
