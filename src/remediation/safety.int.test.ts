/**
 * Remediation's safety rules through the real parts, on both engines: automatic actions fired by real alerts (intake,
 * the automation.evaluate job, maybeRunAutomatic) respect the rate limit per service and the team's kill switch, and
 * an hour later (a FakeClock) run again; the live stream (`GET /api/runs/:id/stream`) delivers output and the end, read
 * by a real HTTP client while an agent speaks the protocol; an Incident Commander from another team approves; an IC
 * who runs an action is flagged; queued agent runs nudge waiting agents; and a sealed header value or the signing
 * secret never reaches the run, its output, the timeline, the audit log or the server's log.
 */
import assert from 'node:assert/strict';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { Writable } from 'node:stream';
import { after, before, describe, it } from 'node:test';
import { loadConfig } from '../config/index.js';
import { createTestDatabase, ENGINES, type TestDatabase } from '../db/testing/index.js';
import { systemActor } from '../identity/index.js';
import { startMuster, type Muster } from '../server.js';
import { FakeClock, HOUR, MINUTE } from '../shared/clock.js';
import { createLogger } from '../shared/logger.js';
import { apiFor, type ApiCall } from '../testing/server.js';
import { readSse } from '../testing/sse.js';
import { agentServiceFor } from './agent/index.js';
import { until } from '../testing/fixtures.js';

const SIGNING_SECRET = 'whsec-SIGNING-5e3c1a9b7d';
const HEADER_TOKEN = 'tok-SEALED-HEADER-8f2e4d6c';
const API_KEY = 'key-SEALED-APIKEY-0a1b2c3d';

interface Run {
  id: string;
  status: string;
  error: string | null;
  trigger: string;
  icFlagged: boolean;
  output: string;
  approvedBy: { userId: string | null; label: string } | null;
}
interface Ev {
  kind: string;
  body: string;
  isFlagged: boolean;
}

for (const engine of ENGINES) {
  describe(`remediation safety [${engine}]`, () => {
    const clock = new FakeClock(Date.now());
    let tdb: TestDatabase;
    let muster: Muster;
    let api: ApiCall;
    let log = '';
    let receiver: http.Server;
    let base = '';
    const received: { url: string; headers: http.IncomingHttpHeaders }[] = [];
    let teamId = '';
    let serviceId = '';
    let key = '';
    const users: Record<'ivy' | 'zed' | 'max', { id: string; token: string }> = {} as never;

    const db = () => muster.services.db.kysely;
    const fire = async (dedupKey: string, intakeKey = key) => {
      const r = await api<{ alerts: { alertId: string }[] }>(
        'POST',
        `/integrations/generic/${intakeKey}`,
        { status: 'firing', dedupKey, title: `${dedupKey} is failing`, labels: { pod: 'web-1' } },
        null,
      );
      assert.equal(r.status, 200, JSON.stringify(r.body));
      return r.body.alerts[0]!.alertId;
    };
    const settled = async () => {
      muster.services.runner?.wake();
      await until('the jobs to finish', async () => {
        const row = await db()
          .selectFrom('jobs')
          .select((eb) => eb.fn.countAll<number>().as('n'))
          .where('kind', 'in', ['automation.evaluate', 'remediation.http'])
          .where('status', 'in', ['pending', 'running'])
          .executeTakeFirstOrThrow();
        return Number(row.n) === 0;
      });
    };
    const runsOf = async (actionId: string) =>
      (await api<{ items: (Run & { alertId: string })[] }>('GET', `/api/runs?actionId=${actionId}`)).body.items;
    const ended = async (runId: string) =>
      until(`run ${runId} to end`, async () => {
        const r = (await api<Run>('GET', `/api/runs/${runId}`)).body;
        return ['queued', 'running', 'awaiting_approval'].includes(r.status) ? null : r;
      });
    const timeline = async (incidentId: string) =>
      (await api<{ events: Ev[] }>('GET', `/api/incidents/${incidentId}/timeline`)).body.events;
    const declare = async (title: string) =>
      (await api<{ incident: { id: string } }>('POST', '/api/incidents', { title, severity: 'P3' })).body.incident.id;
    const createAction = async (body: Record<string, unknown>, team = teamId) => {
      const r = await api<{ id: string }>('POST', '/api/actions', { teamId: team, mode: 'manual', ...body });
      assert.equal(r.status, 201, JSON.stringify(r.body));
      return r.body.id;
    };
    const user = async (name: string, team: string) => {
      const u = await api<{ user: { id: string } }>('POST', '/api/users', {
        email: `${name}@example.test`,
        name,
        password: 'a long enough password',
      });
      await api('PUT', `/api/teams/${team}/members/${u.body.user.id}`, { role: 'responder' });
      const token = (await api<{ token: string }>('POST', '/api/tokens', { name, userId: u.body.user.id })).body.token;
      return { id: u.body.user.id, token };
    };

    before(async () => {
      receiver = http.createServer((req, res) => {
        received.push({ url: req.url!, headers: req.headers });
        req.resume();
        req.on('end', () => {
          // The answer echoes what it was sent (some automation servers do): Muster must not keep it.
          const echo = `auth=${String(req.headers.authorization)} key=${String(req.headers['x-api-key'])}\n`;
          if (req.url!.startsWith('/fail')) {
            res.writeHead(500, { 'content-type': 'text/plain' });
            res.end(`failed: ${echo}`);
          } else setTimeout(() => res.end(`restarted\n${echo}`), req.url!.startsWith('/slow') ? 300 : 0);
        });
      });
      await new Promise<void>((r) => receiver.listen(0, '127.0.0.1', r));
      base = `http://127.0.0.1:${(receiver.address() as AddressInfo).port}`;
      tdb = await createTestDatabase(engine);
      const config = loadConfig({
        env: {},
        overrides: {
          host: '127.0.0.1',
          port: 0,
          dataDir: tdb.dataDir,
          databaseUrl: tdb.databaseUrl,
          logLevel: 'trace',
          adminEmail: 'admin@example.test',
          adminPassword: 'correct horse battery staple',
          'jobs.pollIntervalMs': 50,
        },
      });
      const sink = new Writable({
        write(chunk: Buffer, _enc, cb) {
          log += chunk.toString();
          cb();
        },
      });
      muster = await startMuster(config, { log: createLogger({ level: 'trace', destination: sink }), clock });
      const admin = await muster.services.identity.findUserByEmail('admin@example.test');
      const { token } = await muster.services.tokens.create(systemActor('test'), { userId: admin!.id, name: 't' });
      api = apiFor(muster.url, token);
      teamId = (await api<{ id: string }>('POST', '/api/teams', { name: 'Platform' })).body.id;
      const teamB = (await api<{ id: string }>('POST', '/api/teams', { name: 'Payments' })).body.id;
      serviceId = (await api<{ id: string }>('POST', '/api/services', { teamId, name: 'Checkout' })).body.id;
      key = (await api<{ key: string }>('POST', `/api/services/${serviceId}/integration-keys`, { source: 'generic' }))
        .body.key;
      users.ivy = await user('ivy', teamId);
      users.zed = await user('zed', teamB);
      users.max = await user('max', teamB);
    });
    after(async () => {
      await muster?.stop();
      await tdb?.drop();
      receiver?.close();
    });

    it('automatic actions: at most N runs per hour per service, the kill switch, again an hour later', async () => {
      // A team of its own, so that no other test's alerts fire its automatic action.
      const team = (await api<{ id: string }>('POST', '/api/teams', { name: 'Autoheal' })).body.id;
      const svc = (await api<{ id: string }>('POST', '/api/services', { teamId: team, name: 'Cache' })).body.id;
      const intake = (
        await api<{ key: string }>('POST', `/api/services/${svc}/integration-keys`, { source: 'generic' })
      ).body.key;
      const action = await createAction(
        {
          name: 'Flush cache',
          kind: 'http',
          mode: 'automatic',
          rateLimitPerHour: 2,
          autoConditions: { serviceIds: [svc], matchers: [{ name: 'pod', op: '=~', value: 'web-.*' }] },
          http: { method: 'POST', url: `${base}/hooks/flush`, allowPrivateAddress: true },
        },
        team,
      );
      const sent = () => received.filter((r) => r.url === '/hooks/flush').length;
      const fireAndSettle = async (dedupKey: string) => {
        const alertId = await fire(dedupKey, intake);
        await settled();
        const run = (await runsOf(action)).find((r) => r.alertId === alertId);
        assert.ok(run, `no run recorded for ${dedupKey}`);
        return run;
      };

      // Two runs in the hour, then the third is refused, visibly.
      for (const k of ['auto-1', 'auto-2']) {
        const run = await fireAndSettle(k);
        assert.equal(run.trigger, 'automatic');
        assert.equal((await ended(run.id)).status, 'succeeded');
      }
      assert.equal(sent(), 2);
      clock.advance(10 * MINUTE);
      const limited = await fireAndSettle('auto-3');
      assert.equal(limited.status, 'skipped');
      assert.match(limited.error ?? '', /^Rate limit reached: 2 automatic runs for this service in the last hour/);
      assert.equal(sent(), 2, 'the third run sent nothing');

      // The kill switch: paused (audited), nothing runs, and the skip says why.
      const paused = await api('PUT', `/api/teams/${team}/automation`, {
        automaticPaused: true,
        reason: 'cache migration',
      });
      assert.equal(paused.status, 200, JSON.stringify(paused.body));
      clock.advance(HOUR);
      const off = await fireAndSettle('auto-4');
      assert.equal(off.status, 'skipped');
      assert.equal(off.error, 'Automatic runs are paused for this team (cache migration).');
      assert.equal(sent(), 2);

      // Resumed, an hour after the first runs: it runs again.
      assert.equal((await api('PUT', `/api/teams/${team}/automation`, { automaticPaused: false })).status, 200);
      const again = await fireAndSettle('auto-5');
      assert.equal((await ended(again.id)).status, 'succeeded');
      assert.equal(sent(), 3);

      const audit = await db()
        .selectFrom('auditEvents')
        .select(['action', 'details'])
        .where('action', 'in', [
          'remediation.run_skipped',
          'remediation.automatic_paused',
          'remediation.automatic_resumed',
        ])
        .orderBy('at')
        .orderBy('id')
        .execute();
      assert.deepEqual(
        audit.map((a) => a.action),
        [
          'remediation.run_skipped',
          'remediation.automatic_paused',
          'remediation.run_skipped',
          'remediation.automatic_resumed',
        ],
      );
      assert.match(String(audit[2]!.details), /paused for this team/);
    });

    it('the live stream delivers output chunks and the end, from an agent speaking the protocol', async () => {
      const created = await api<{ agent: { id: string }; token: string }>('POST', '/api/agents', {
        teamId,
        name: 'stream-1',
      });
      assert.equal(created.status, 201, JSON.stringify(created.body));
      const agentToken = created.body.token;
      const action = await createAction({ name: 'Show status', kind: 'agent', agent: { command: 'status' } });
      // Queuing an agent run nudges the team's waiting agents (in the queuing transaction).
      const agents = agentServiceFor(muster.services);
      await agents.live.ensureListening();
      let nudges = 0;
      const unsubscribe = agents.live.subscribe(teamId, () => nudges++);
      const run = await api<{ id: string; status: string }>('POST', `/api/actions/${action}/runs`, {});
      assert.equal(run.status, 201, JSON.stringify(run.body));
      assert.equal(run.body.status, 'queued');
      await until('the waiting agents to be nudged', async () => nudges > 0);
      unsubscribe();

      const stream = await fetch(`${muster.url}/api/runs/${run.body.id}/stream`, {
        headers: {
          authorization: `Bearer ${(await api<{ token: string }>('POST', '/api/tokens', { name: 's' })).body.token}`,
        },
      });
      assert.equal(stream.status, 200);
      assert.match(stream.headers.get('content-type') ?? '', /text\/event-stream/);
      const body = stream.body!;
      type Frame = { status?: string; chunk?: string; seq?: number };
      const first = await readSse<Frame>(body, (d) => d.status === 'queued');
      assert.equal(first.at(-1)!.status, 'queued');

      const agentCall = (path: string, payload: unknown) => api('POST', path, payload, agentToken);
      const polled = await agentCall('/api/agent/v1/poll', {
        commands: [{ name: 'status' }],
        host: 'stream-host',
        version: 'test',
      });
      assert.equal(polled.status, 200, JSON.stringify(polled.body));
      assert.equal((polled.body as { run: { id: string } }).run.id, run.body.id);
      for (const [seq, chunk] of [
        [0, 'first line\n'],
        [1, 'second line\n'],
      ] as const) {
        const r = await agentCall(`/api/agent/v1/runs/${run.body.id}/output`, { seq, stream: 'stdout', chunk });
        assert.equal(r.status, 200, JSON.stringify(r.body));
      }
      const outputs = await readSse<Frame>(body, (d) => d.chunk === 'second line\n');
      assert.deepEqual(
        outputs.filter((d) => d.chunk !== undefined).map((d) => [d.seq, d.chunk]),
        [
          [0, 'first line\n'],
          [1, 'second line\n'],
        ],
      );
      const fin = await agentCall(`/api/agent/v1/runs/${run.body.id}/finish`, { exitCode: 0 });
      assert.equal(fin.status, 200, JSON.stringify(fin.body));
      const end = await readSse<Frame>(body, (d) => d.status === 'succeeded');
      assert.equal(end.at(-1)!.status, 'succeeded');
      // The stream ends after the final status.
      const reader = body.getReader();
      for (;;) {
        const r = await reader.read();
        if (r.done) break;
      }
    });

    it('the live stream of an HTTP action against a slow receiver: output, then the end', async () => {
      const action = await createAction({
        name: 'Slow restart',
        kind: 'http',
        http: { method: 'POST', url: `${base}/slow/restart`, allowPrivateAddress: true },
      });
      const run = await api<{ id: string }>('POST', `/api/actions/${action}/runs`, {});
      const token = (await api<{ token: string }>('POST', '/api/tokens', { name: 's2' })).body.token;
      const stream = await fetch(`${muster.url}/api/runs/${run.body.id}/stream`, {
        headers: { authorization: `Bearer ${token}` },
      });
      type Frame = { status?: string; chunk?: string; stream?: string };
      const frames = await readSse<Frame>(stream.body!, (d) => d.status === 'succeeded');
      const chunks = frames.filter((f) => f.chunk !== undefined).map((f) => f.chunk);
      assert.deepEqual(chunks.slice(0, 1), ['HTTP 200\n']);
      assert.match(chunks.join(''), /restarted/);
      const statuses = frames.filter((f) => f.status).map((f) => f.status);
      assert.equal(statuses.at(-1), 'succeeded');
      assert.ok(frames.findIndex((f) => f.chunk) < frames.findIndex((f) => f.status === 'succeeded'));
    });

    it('an Incident Commander from another team approves (when the incident affects the team); an IC who runs an action is flagged', async () => {
      const incident = await declare('Checkout errors');
      const guarded = await createAction({
        name: 'Fail over',
        kind: 'http',
        mode: 'approval',
        http: { method: 'POST', url: `${base}/hooks/failover`, allowPrivateAddress: true },
      });
      // Zed (team Payments) commands the incident; Max (team Payments) holds no role.
      const ic = await api('PUT', `/api/incidents/${incident}/roles/commander`, { userId: users.zed.id });
      assert.equal(ic.status, 200, JSON.stringify(ic.body));
      const run = await api<Run>('POST', `/api/actions/${guarded}/runs`, { incidentId: incident });
      assert.equal(run.body.status, 'awaiting_approval');
      const byMax = await api<{ error: { code: string } }>(
        'POST',
        `/api/runs/${run.body.id}/approve`,
        {},
        users.max.token,
      );
      assert.equal(byMax.status, 403);
      // The incident touches none of the action's team's services yet: commanding it is no right to approve (anyone
      // could declare one and name a friend its commander).
      const unrelated = await api('POST', `/api/runs/${run.body.id}/approve`, {}, users.zed.token);
      assert.equal(unrelated.status, 403, JSON.stringify(unrelated.body));
      const affected = await api('POST', `/api/incidents/${incident}/services`, { serviceId });
      assert.equal(affected.status, 200, JSON.stringify(affected.body));
      const inbox = await api<{ items: { id: string }[] }>('GET', '/api/approvals', undefined, users.zed.token);
      assert.deepEqual(
        inbox.body.items.map((r) => r.id),
        [run.body.id],
      );
      const byZed = await api<Run>('POST', `/api/runs/${run.body.id}/approve`, { note: 'go' }, users.zed.token);
      assert.equal(byZed.status, 200, JSON.stringify(byZed.body));
      assert.equal(byZed.body.approvedBy?.userId, users.zed.id);
      assert.equal((await ended(run.body.id)).status, 'succeeded');
      assert.ok(
        (await timeline(incident)).some((e) => e.body === 'Action Fail over was approved by the Incident Commander.'),
      );
      const approvedAudit = await db()
        .selectFrom('auditEvents')
        .select('details')
        .where('action', '=', 'remediation.run_approved')
        .where('targetId', '=', run.body.id)
        .executeTakeFirstOrThrow();
      assert.match(String(approvedAudit.details), /"asIncidentCommander":true/);
      // A run with no incident: Zed commands nothing there.
      const other = await api<Run>('POST', `/api/actions/${guarded}/runs`, {});
      assert.equal((await api('POST', `/api/runs/${other.body.id}/approve`, {}, users.zed.token)).status, 403);
      assert.equal(
        (await api('POST', `/api/runs/${other.body.id}/reject`, { reason: 'x' }, users.zed.token)).status,
        403,
      );

      // Ivy (the action's team) takes command and runs an action herself: flagged, as for acknowledging.
      await api('PUT', `/api/incidents/${incident}/roles/commander`, { userId: users.ivy.id });
      const manual = await createAction({
        name: 'Restart web',
        kind: 'http',
        http: { method: 'POST', url: `${base}/hooks/restart`, allowPrivateAddress: true },
      });
      const byIc = await api<Run>('POST', `/api/actions/${manual}/runs`, { incidentId: incident }, users.ivy.token);
      assert.equal(byIc.status, 201, JSON.stringify(byIc.body));
      assert.equal(byIc.body.icFlagged, true);
      const events = await timeline(incident);
      assert.ok(
        events.some(
          (e) => e.kind === 'commander_technical_action' && e.isFlagged && /ran the action Restart web/.test(e.body),
        ),
        JSON.stringify(events),
      );
      assert.ok(
        events.some((e) => e.kind === 'remediation' && e.isFlagged && /Restart web was requested/.test(e.body)),
      );
      // A responder who is not the IC is not flagged.
      await api('PUT', `/api/incidents/${incident}/roles/commander`, { userId: users.zed.id });
      const byResponder = await api<Run>(
        'POST',
        `/api/actions/${manual}/runs`,
        { incidentId: incident },
        users.ivy.token,
      );
      assert.equal(byResponder.body.icFlagged, false);
    });

    it('a sealed header value and the signing secret reach no run, output, timeline, audit entry or log line', async () => {
      const incident = await declare('Secrets stay sealed');
      const alertId = await fire('secret-1');
      const mk = (name: string, path: string) =>
        createAction({
          name,
          kind: 'http',
          params: [{ name: 'pod', from: 'label', key: 'pod', required: true }],
          http: {
            method: 'POST',
            url: `${base}${path}/{{param.pod}}`,
            headers: { authorization: `Bearer ${HEADER_TOKEN}`, 'x-api-key': API_KEY },
            body: { pod: '{{param.pod}}' },
            secret: SIGNING_SECRET,
            allowPrivateAddress: true,
          },
        });
      const ok = await mk('Sealed restart', '/hooks/sealed');
      const failing = await mk('Sealed failure', '/fail/sealed');
      const before = received.length;
      for (const [action, want] of [
        [ok, 'succeeded'],
        [failing, 'failed'],
      ] as const) {
        const run = await api<Run>('POST', `/api/actions/${action}/runs`, { alertId, incidentId: incident });
        assert.equal(run.status, 201, JSON.stringify(run.body));
        const end = await ended(run.body.id);
        assert.equal(end.status, want, JSON.stringify(end));
        assert.match(end.output, /auth=\[redacted\] key=\[redacted\]/);
      }
      // The receiver did get them: the test would see a leak.
      const sent = received.slice(before);
      assert.equal(sent.length, 2);
      assert.equal(sent[0]!.headers.authorization, `Bearer ${HEADER_TOKEN}`);
      assert.equal(sent[0]!.headers['x-api-key'], API_KEY);
      assert.match(String(sent[0]!.headers['x-muster-signature']), /^t=\d+,v1=[0-9a-f]{64}$/);

      const dump = async (table: 'remediationRuns' | 'remediationRunOutput' | 'incidentEvents' | 'auditEvents') =>
        JSON.stringify(await db().selectFrom(table).selectAll().execute());
      const api1 = JSON.stringify((await api('GET', `/api/actions/${ok}`)).body);
      const places: Record<string, string> = {
        'the run rows': await dump('remediationRuns'),
        'the run output': await dump('remediationRunOutput'),
        'the timeline': await dump('incidentEvents'),
        'the audit log': await dump('auditEvents'),
        'the API': api1 + JSON.stringify((await api('GET', `/api/runs?actionId=${ok}`)).body),
        'the log': log,
      };
      assert.match(places['the run output']!, /restarted/, 'the output was recorded');
      assert.match(log, /remediation|\/api\/actions/, 'the log was captured');
      for (const [where, text] of Object.entries(places)) {
        for (const secret of [HEADER_TOKEN, API_KEY, SIGNING_SECRET]) {
          assert.ok(!text.includes(secret), `${secret} reached ${where}`);
        }
      }
    });
  });
}
