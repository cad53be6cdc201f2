/**
 * `muster action …` against a real server and a real local HTTP receiver, on both engines: `run --wait` prints the
 * output and exits with the run's status, `--dry-run`, `runs`, `approve` (never by the requester), and a refused
 * `--param` named in the error.
 */
import assert from 'node:assert/strict';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, describe, it } from 'node:test';
import { ENGINES } from '../db/testing/index.js';
import { runMuster as muster } from '../testing/cli.js';
import { startTestMuster, type TestMuster } from '../testing/server.js';

for (const engine of ENGINES) {
  describe(`muster action CLI [${engine}]`, () => {
    let t: TestMuster;
    let env: Record<string, string>;
    let receiver: http.Server;
    const urls: string[] = [];
    let base = '';
    let teamId = '';
    let alertId = '';

    const createAction = async (body: Record<string, unknown>): Promise<string> => {
      const r = await t.api<{ id: string }>('POST', '/api/actions', { teamId, kind: 'http', mode: 'manual', ...body });
      assert.equal(r.status, 201, JSON.stringify(r.body));
      return r.body.id;
    };

    before(async () => {
      receiver = http.createServer((req, res) => {
        urls.push(req.url!);
        req.resume();
        req.on('end', () => {
          const failing = req.url!.startsWith('/broken');
          res.writeHead(failing ? 500 : 200, { 'content-type': 'text/plain' });
          res.end(failing ? 'the deployment is locked\n' : `restarted ${req.url!.split('/')[2]}\n`);
        });
      });
      await new Promise<void>((r) => receiver.listen(0, '127.0.0.1', r));
      base = `http://127.0.0.1:${(receiver.address() as AddressInfo).port}`;
      t = await startTestMuster(engine);
      env = { MUSTER_URL: t.url, MUSTER_TOKEN: t.adminToken };
      teamId = (await t.api<{ id: string }>('POST', '/api/teams', { name: 'Platform' })).body.id;
      const service = (await t.api<{ id: string }>('POST', '/api/services', { teamId, name: 'Checkout' })).body.id;
      const key = (
        await t.api<{ key: string }>('POST', `/api/services/${service}/integration-keys`, { source: 'generic' })
      ).body.key;
      const fired = await t.api<{ alerts: { alertId: string }[] }>(
        'POST',
        `/integrations/generic/${key}`,
        { status: 'firing', dedupKey: 'cli-1', title: 'Pod crash', labels: { pod: 'web-7' } },
        null,
      );
      alertId = fired.body.alerts[0]!.alertId;
    });
    after(async () => {
      await t.stop();
      receiver.close();
    });

    it('run --wait prints the output and exits 0 for a 2xx answer, non-zero for a failing one', async () => {
      const restart = await createAction({
        name: 'Restart pod',
        params: [{ name: 'pod', from: 'label', key: 'pod', required: true }],
        http: {
          method: 'POST',
          url: `${base}/hooks/{{param.pod}}/restart`,
          dryRun: { query: { dry_run: 'true' } },
          allowPrivateAddress: true,
        },
      });
      const ok = await muster(['action', 'run', restart, '--alert', alertId, '--wait'], env);
      assert.equal(ok.code, 0, ok.stderr);
      assert.match(ok.stdout, /HTTP 200/);
      assert.match(ok.stdout, /restarted web-7/);
      assert.match(ok.stderr, /Restart pod: succeeded/);
      assert.equal(urls.at(-1), '/hooks/web-7/restart');

      const dry = await muster(['action', 'run', restart, '--alert', alertId, '--dry-run', '--wait'], env);
      assert.equal(dry.code, 0, dry.stderr);
      assert.equal(urls.at(-1), '/hooks/web-7/restart?dry_run=true');

      const broken = await createAction({
        name: 'Roll back',
        http: { method: 'POST', url: `${base}/broken/rollback`, allowPrivateAddress: true },
      });
      const bad = await muster(['action', 'run', broken, '--wait'], env);
      assert.notEqual(bad.code, 0);
      assert.match(bad.stdout, /the deployment is locked/);
      assert.match(bad.stderr, /Roll back: failed \(The target answered HTTP 500\.\)/);

      const runs = await muster(['action', 'runs', '--action', restart], env);
      assert.equal(runs.code, 0, runs.stderr);
      const lines = runs.stdout.split('\n').filter((l) => /^run_/.test(l));
      assert.equal(lines.length, 2, runs.stdout);
      for (const l of lines) assert.match(l, /succeeded\s+Restart pod/);
      const json = await muster(['action', 'runs', '--team', teamId, '--status', 'failed', '--json'], env);
      assert.deepEqual(
        (JSON.parse(json.stdout) as { actionName: string }[]).map((r) => r.actionName),
        ['Roll back'],
      );
    });

    it('approve: a second person approves; the requester cannot', async () => {
      const user = await t.api<{ user: { id: string } }>('POST', '/api/users', {
        email: 'second@example.test',
        name: 'Second',
        password: 'a long enough password',
      });
      await t.api('PUT', `/api/teams/${teamId}/members/${user.body.user.id}`, { role: 'responder' });
      const token = (await t.api<{ token: string }>('POST', '/api/tokens', { name: 'x', userId: user.body.user.id }))
        .body.token;
      const guarded = await createAction({
        name: 'Drain node',
        mode: 'approval',
        http: { method: 'POST', url: `${base}/hooks/node/drain`, allowPrivateAddress: true },
      });
      const requested = await muster(['action', 'run', guarded], env);
      assert.equal(requested.code, 0, requested.stderr);
      const [runId, status] = requested.stdout.trim().split(' ');
      assert.equal(status, 'awaiting_approval');

      const self = await muster(['action', 'approve', runId!], env);
      assert.notEqual(self.code, 0);
      assert.match(self.stderr, /A second person must approve.*approver_is_requester/);

      const approved = await muster(['action', 'approve', runId!, '--note', 'go'], { ...env, MUSTER_TOKEN: token });
      assert.equal(approved.code, 0, approved.stderr);
      assert.match(approved.stdout, new RegExp(`^${runId} queued$`, 'm'));
      const again = await muster(['action', 'reject', runId!, '--note', 'too late'], env);
      assert.notEqual(again.code, 0);
      assert.match(again.stderr, /not awaiting approval/);

      // --wait on an approval action says what it waits for, then follows the run once approved.
      const waiting = muster(['action', 'run', guarded, '--wait'], env);
      let pending: string | undefined;
      for (let i = 0; i < 100 && !pending; i++) {
        await new Promise((r) => setTimeout(r, 100));
        const list = await t.api<{ items: { id: string }[] }>(
          'GET',
          `/api/runs?actionId=${guarded}&status=awaiting_approval`,
        );
        pending = list.body.items[0]?.id;
      }
      assert.ok(pending, 'no run awaiting approval');
      assert.equal((await t.api('POST', `/api/runs/${pending}/approve`, {}, token)).status, 200);
      const followed = await waiting;
      assert.equal(followed.code, 0, followed.stderr);
      assert.match(
        followed.stderr,
        new RegExp(`Drain node: awaiting approval by a second person \\(muster action approve ${pending}\\)`),
      );
      assert.match(followed.stderr, /Drain node: succeeded/);
    });

    it('a refused --param names the field; a malformed one says how to write it', async () => {
      const scale = await createAction({
        name: 'Scale',
        params: [{ name: 'replicas', from: 'input', key: 'replicas', pattern: '^[0-9]{1,2}$', required: true }],
        http: { method: 'POST', url: `${base}/hooks/scale?n={{param.replicas}}`, allowPrivateAddress: true },
      });
      const before = urls.length;
      const refused = await muster(['action', 'run', scale, '--param', 'replicas=3;reboot', '--wait'], env);
      assert.equal(refused.code, 1);
      assert.match(refused.stderr, /the action did not run/);
      assert.match(refused.stderr, /- params\.replicas: does not match the parameter's pattern/);
      const malformed = await muster(['action', 'run', scale, '--param', 'replicas'], env);
      assert.equal(malformed.code, 1);
      assert.match(malformed.stderr, /--param replicas: write it as NAME=VALUE/);
      const missing = await muster(['action', 'run', scale], env);
      assert.match(missing.stderr, /- params\.replicas: is required/);
      assert.equal(urls.length, before, 'nothing was sent');
    });
  });
}
