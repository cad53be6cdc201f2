/**
 * Live game days on a real server, both engines, with every outside party local: a drill key on a service with a
 * real schedule and escalation policy pages the real on-call once, labelled DRILL (email through the test SMTP
 * server, a webhook contact method's `drill: true`); the drill incident's publication never reaches the public page
 * or a subscriber; a communication-failure drill leaves the Slack stand-in silent while a real incident still gets
 * its channel; each failure injection adapter starts and rolls back against its stand-in (the signed webhook checked
 * with its secret); a Prometheus threshold (Debian's real Prometheus scraping a fake app) halts the drill and calls
 * the rollback; a real P1 declared on a target service halts the drill.
 */
import assert from 'node:assert/strict';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, describe, it } from 'node:test';
import { ENGINES } from '../../db/testing/index.js';
import { hmacSha256Hex } from '../../shared/crypto.js';
import { ChaosToolkitRunnerStandIn, GremlinStandIn, KubernetesLitmusStandIn } from '../../testing/chaos.js';
import { startNotifyHarness, WebhookReceiver, type NotifyHarness } from '../../testing/notify.js';
import {
  startMetricsTarget,
  startPrometheus,
  type ManagedProcess,
  type MetricsTarget,
} from '../../testing/prometheus.js';
import { until } from '../../testing/fixtures.js';

interface Gameday {
  id: string;
  status: string;
  incidentId: string | null;
  haltReason: string | null;
  haltKind: string | null;
  injection: { provider: string; state: string; lastError: string | null } | null;
  events: { kind: string; body: string }[];
}

for (const engine of ENGINES) {
  describe(`live game days [${engine}]`, () => {
    let h: NotifyHarness;
    let teamId: string;
    let serviceId: string;
    let idaId: string;
    const contactHook = new WebhookReceiver();
    const subscriberHook = new WebhookReceiver();
    const injectionHook = new WebhookReceiver();
    const ctk = new ChaosToolkitRunnerStandIn();
    const kube = new KubernetesLitmusStandIn();
    const gremlin = new GremlinStandIn();
    let prom: ManagedProcess | undefined;
    let app: MetricsTarget | undefined;

    const api = <T = unknown>(method: string, path: string, body?: unknown) => h.t.api<T>(method, path, body);
    /** Every job due now (but the recurring halt checks) has finished: the marker before asserting an absence. */
    const settled = () =>
      until('the due jobs to finish', async () => {
        const row = await h.t.muster.services.db.kysely
          .selectFrom('jobs')
          .select((eb) => eb.fn.countAll<number>().as('n'))
          .where('status', 'in', ['pending', 'running'])
          .where('runAt', '<=', h.t.muster.services.clock.now())
          .where('kind', '!=', 'gamedays.haltCheck')
          .executeTakeFirstOrThrow();
        return Number(row.n) === 0;
      });
    const get = async (id: string) => (await api<Gameday>('GET', `/api/gamedays/${id}`)).body;
    const create = async (extra: Record<string, unknown> = {}): Promise<string> => {
      const r = await api<{ id: string }>('POST', '/api/gamedays', {
        teamId,
        title: `Drill ${Math.random().toString(36).slice(2, 8)}`,
        mode: 'live',
        severity: 'P3',
        serviceIds: [serviceId],
        facilitatorUserId: idaId,
        ...extra,
      });
      assert.equal(r.status, 201, JSON.stringify(r.body));
      return r.body.id;
    };
    const start = async (id: string): Promise<Gameday> => {
      const r = await api<Gameday>('POST', `/api/gamedays/${id}/start`);
      assert.equal(r.status, 200, JSON.stringify(r.body));
      return r.body;
    };
    const end = async (id: string) => {
      const r = await api<Gameday>('POST', `/api/gamedays/${id}/end`, {});
      assert.equal(r.status, 200, JSON.stringify(r.body));
      return r.body;
    };

    before(async () => {
      await Promise.all([contactHook.start(), subscriberHook.start(), injectionHook.start()]);
      await Promise.all([ctk.start(), kube.start(), gremlin.start()]);
      h = await startNotifyHarness(engine, { 'slack.incidentChannels': true });
      h.t.muster.services.gamedayLive.checkEveryMs = 300;
      teamId = (await api<{ id: string }>('POST', '/api/teams', { name: 'Checkout team' })).body.id;
      const u = await api<{ user: { id: string } }>('POST', '/api/users', { email: 'ida@example.test', name: 'Ida' });
      idaId = u.body.user.id;
      await api('PUT', `/api/teams/${teamId}/members/${idaId}`, { role: 'responder' });
      for (const cm of [
        { kind: 'email', address: 'ida@example.test' },
        { kind: 'webhook', address: contactHook.url },
      ]) {
        const r = await api('POST', `/api/users/${idaId}/contact-methods`, cm);
        assert.equal(r.status, 201, JSON.stringify(r.body));
      }
      const schedule = await api<{ id: string }>('POST', '/api/schedules', {
        teamId,
        name: 'Checkout on call',
        timezone: 'UTC',
        layers: [
          {
            name: 'Primary',
            participants: [idaId],
            turn: { unit: 'weeks', count: 1 },
            startDate: '2026-01-05',
            handoffTime: '09:00',
          },
        ],
      });
      assert.equal(schedule.status, 201, JSON.stringify(schedule.body));
      const policy = await api<{ id: string }>('POST', '/api/escalation-policies', {
        teamId,
        name: 'Checkout',
        repeat: 0,
        workingHours: { timezone: 'UTC', days: [1, 2, 3, 4, 5, 6, 7], start: '00:00', end: '23:59' },
        levels: [{ delayMinutes: 10, targets: [{ type: 'schedule', id: schedule.body.id }] }],
      });
      assert.equal(policy.status, 201, JSON.stringify(policy.body));
      const svc = await api<{ id: string }>('POST', '/api/services', {
        teamId,
        name: 'Checkout',
        escalationPolicyId: policy.body.id,
      });
      assert.equal(svc.status, 201, JSON.stringify(svc.body));
      serviceId = svc.body.id;
      const sub = await api('POST', '/api/status-page/subscribers', { webhookUrl: subscriberHook.url });
      assert.equal(sub.status, 201, JSON.stringify(sub.body));
    });

    after(async () => {
      await prom?.stop();
      await app?.stop();
      await h?.stop();
      await Promise.all([contactHook.close(), subscriberHook.close(), injectionHook.close()]);
      await Promise.all([ctk.close(), kube.close(), gremlin.close()]);
    });

    it('pages the real on-call once through a drill key, labelled DRILL, and keeps the drill off the public page', async () => {
      const id = await create();
      const g = await start(id);
      const key = await api<{ key: string; integrationKey: { id: string; serviceId: string } }>(
        'POST',
        `/api/gamedays/${id}/drill-key`,
        {},
      );
      assert.equal(key.status, 201, JSON.stringify(key.body));
      assert.equal(key.body.integrationKey.serviceId, serviceId);
      const fired = await h.t.api<{ alerts: { alertId: string }[] }>(
        'POST',
        `/integrations/generic/${key.body.key}`,
        { status: 'firing', dedupKey: 'drill-1', title: 'Checkout error rate 12%', severity: 'critical' },
        null,
      );
      assert.equal(fired.status, 200, JSON.stringify(fired.body));
      const alertId = fired.body.alerts[0]!.alertId;
      const mails = () => h.smtp.messages.filter((m) => m.subject.includes('Checkout error rate 12%'));
      const hits = () => contactHook.hits.filter((x) => x.body.includes(alertId));
      await until('the drill page by email and webhook', async () => mails().length >= 1 && hits().length >= 1);
      await settled();
      assert.equal(mails().length, 1, 'paged once by email');
      assert.equal(hits().length, 1, 'paged once by webhook');
      assert.match(mails()[0]!.subject, /^\[DRILL\] /);
      const payload = JSON.parse(hits()[0]!.body) as { drill: boolean; alertId: string };
      assert.equal(payload.drill, true);
      const row = await h.t.muster.services.db.kysely
        .selectFrom('alerts')
        .select('isDrill')
        .where('id', '=', alertId)
        .executeTakeFirstOrThrow();
      assert.equal(row.isDrill, 1);

      // The fire button goes through the same intake and the same key.
      const fire = await api<{ alertId: string; serviceId: string }>('POST', `/api/gamedays/${id}/fire`, {
        summary: 'Payment provider degraded',
      });
      assert.equal(fire.status, 202, JSON.stringify(fire.body));
      await until('the fired drill paged', async () =>
        contactHook.hits.some((x) => x.body.includes(fire.body.alertId) && JSON.parse(x.body).drill === true),
      );
      // The fired alert is in the drill room, so acknowledging it is the drill's acknowledgement.
      const linked = await h.t.muster.services.db.kysely
        .selectFrom('incidentAlerts')
        .select('incidentId')
        .where('alertId', '=', fire.body.alertId)
        .execute();
      assert.deepEqual(
        linked.map((l) => l.incidentId),
        [g.incidentId],
      );

      // A real alert through an ordinary key says drill: false and no [DRILL].
      const realKey = await api<{ key: string }>('POST', `/api/services/${serviceId}/integration-keys`, {
        source: 'generic',
      });
      const real = await h.t.api<{ alerts: { alertId: string }[] }>(
        'POST',
        `/integrations/generic/${realKey.body.key}`,
        { status: 'firing', dedupKey: 'real-1', title: 'Real checkout latency', severity: 'critical' },
        null,
      );
      const realId = real.body.alerts[0]!.alertId;
      await until('the real page', async () => contactHook.hits.some((x) => x.body.includes(realId)));
      assert.equal(JSON.parse(contactHook.hits.find((x) => x.body.includes(realId))!.body).drill, false);
      await until('the real email', async () =>
        h.smtp.messages.some((m) => m.subject.includes('Real checkout latency')),
      );
      assert.doesNotMatch(h.smtp.messages.find((m) => m.subject.includes('Real checkout latency'))!.subject, /DRILL/);

      // The drill incident may be published (its sandbox), but the public page and subscribers never see it.
      const drillPub = await api('POST', `/api/status-page/incidents/${g.incidentId}`, { components: [] });
      assert.equal(drillPub.status, 201, JSON.stringify(drillPub.body));
      const realIncident = await api<{ incident: { id: string } }>('POST', '/api/incidents', {
        title: 'Real: search slow',
        severity: 'P4',
      });
      const realPub = await api('POST', `/api/status-page/incidents/${realIncident.body.incident.id}`, {
        components: [],
      });
      assert.equal(realPub.status, 201, JSON.stringify(realPub.body));
      await until('the real update reached the subscriber', async () =>
        subscriberHook.hits.some((x) => x.body.includes('Real: search slow')),
      );
      await settled();
      assert.ok(!subscriberHook.hits.some((x) => x.body.includes('DRILL')), 'no subscriber hears of the drill');
      const pub = await h.t.api<{ incidents: { title: string }[] }>('GET', '/api/public/status', undefined, null);
      assert.equal(pub.status, 200);
      const titles = pub.body.incidents.map((i) => i.title);
      assert.ok(titles.includes('Real: search slow'), JSON.stringify(titles));
      assert.ok(!titles.some((t) => t.includes('DRILL')), JSON.stringify(titles));
      await end(id);
    });

    it('keeps Slack silent for a communication-failure drill while a real incident still posts', async () => {
      const before = h.slack.requests.length;
      const id = await create({ muteChat: true, title: 'Slack is down drill' });
      const g = await start(id);
      await api('POST', `/api/incidents/${g.incidentId}/notes`, { body: 'Coordinating in the room' });
      const real = await api<{ incident: { id: string } }>('POST', '/api/incidents', {
        title: 'Real incident meanwhile',
        severity: 'P4',
      });
      assert.equal(real.status, 201, JSON.stringify(real.body));
      await until('the real incident got its Slack channel', async () =>
        h.slack.requests
          .slice(before)
          .some((r) => r.path.includes('conversations.create') && r.body.includes('real-incident-meanwhile')),
      );
      await settled();
      const drillCalls = h.slack.requests
        .slice(before)
        .filter((r) => /slack-is-down|Slack is down drill|Coordinating in the room/i.test(r.body));
      assert.deepEqual(drillCalls, [], 'the Slack stand-in received nothing about the drill');
      const ch = await h.t.muster.services.db.kysely
        .selectFrom('chatChannels')
        .select('incidentId')
        .where('incidentId', '=', g.incidentId!)
        .execute();
      assert.equal(ch.length, 0);
      await end(id);
    });

    it('starts and rolls back each failure injection against its stand-in', async () => {
      const secret = 'injection-signing-secret-0123456789';
      const cases: { provider: string; url: string; secret?: string; config: Record<string, unknown> }[] = [
        { provider: 'webhook', url: injectionHook.url, secret, config: { fault: 'latency', ms: 500 } },
        {
          provider: 'chaostoolkit',
          url: ctk.url,
          secret: ctk.token!,
          config: { experiment: { title: 'Kill a node', method: [{ type: 'action', name: 'terminate-node' }] } },
        },
        {
          provider: 'litmus',
          url: kube.url,
          secret: kube.token,
          config: {
            namespace: 'checkout',
            spec: {
              appinfo: { appns: 'checkout', applabel: 'app=checkout', appkind: 'deployment' },
              chaosServiceAccount: 'pod-delete-sa',
              experiments: [{ name: 'pod-delete' }],
            },
          },
        },
        {
          provider: 'gremlin',
          url: `${gremlin.url}/v1`,
          secret: gremlin.apiKey,
          config: {
            teamId: 'team-1',
            target: { type: 'Random', percent: 10 },
            command: { type: 'cpu', args: ['-l', '60'] },
          },
        },
      ];
      for (const c of cases) {
        const id = await create();
        const refused = await api('PUT', `/api/gamedays/${id}/injection`, { ...c, allowPrivateAddress: false });
        assert.equal(refused.status, 400, `${c.provider}: a loopback URL is refused unless allowed`);
        const put = await api<Gameday>('PUT', `/api/gamedays/${id}/injection`, { ...c, allowPrivateAddress: true });
        assert.equal(put.status, 200, JSON.stringify(put.body));
        assert.equal(put.body.injection?.state, 'idle');
        await start(id);
        const started = await until(`${c.provider} started`, async () => {
          const g = await get(id);
          return g.injection?.state !== 'idle' && g.injection?.state !== 'starting' && g;
        });
        assert.equal(started.injection?.state, 'started', JSON.stringify(started.injection));
        await end(id);
        // The rollback is a job: the end returns before it has run.
        const ended = await until(`${c.provider} rolled back`, async () => {
          const g = await get(id);
          // The detail's reads are not one snapshot on PostgreSQL: wait for the event too.
          return g.injection?.state === 'rolled_back' && g.events.some((e) => e.kind === 'injection_rolled_back') && g;
        });
        assert.equal(ended.injection?.state, 'rolled_back', JSON.stringify(ended.injection));
        assert.ok(ended.events.some((e) => e.kind === 'injection_rolled_back'));
      }
      // The webhook: signed with its secret, start then rollback.
      assert.equal(injectionHook.hits.length, 2);
      for (const [i, hit] of injectionHook.hits.entries()) {
        const sig = String(hit.headers['muster-signature']);
        const m = /^t=(\d+),v1=([0-9a-f]{64})$/.exec(sig);
        assert.ok(m, sig);
        assert.equal(m[2], hmacSha256Hex(secret, `${m[1]}.${hit.body}`), 'signature verifies with the secret');
        const body = JSON.parse(hit.body) as { type: string; action: string; config: unknown };
        assert.equal(body.type, 'gameday.injection');
        assert.equal(body.action, i === 0 ? 'start' : 'rollback');
        assert.deepEqual(body.config, { fault: 'latency', ms: 500 });
      }
      assert.deepEqual(
        [...ctk.runs.values()].map((r) => r.status),
        ['rolled_back'],
      );
      assert.equal(kube.engines.size, 0);
      assert.equal(kube.deleted.length, 1);
      assert.match(kube.deleted[0]!, /^checkout\/muster-/);
      const attacks = [...gremlin.attacks.values()];
      assert.equal(attacks.length, 1);
      assert.equal(attacks[0]!.halted, true);
      assert.equal(attacks[0]!.teamId, 'team-1');
    });

    it('halts the drill when a Prometheus query crosses its threshold, and rolls the injection back', async () => {
      app = await startMetricsTarget({ service: 'checkout', errorRatio: 0, requestsPerSecond: 200 });
      prom = await startPrometheus({ alertmanagers: [], scrape: { app: [app.hostPort] }, ruleGroups: [] });
      const id = await create();
      const inj = await api('PUT', `/api/gamedays/${id}/injection`, {
        provider: 'chaostoolkit',
        url: ctk.url,
        secret: ctk.token!,
        allowPrivateAddress: true,
        config: { experiment: { title: 'Raise errors', method: [{ type: 'action', name: 'errors' }] } },
      });
      assert.equal(inj.status, 200, JSON.stringify(inj.body));
      const query = 'sum(http_requests_total{status="500"})';
      const cond = await api('PUT', `/api/gamedays/${id}/halt-conditions`, {
        conditions: [
          {
            kind: 'prometheus',
            prometheusUrl: prom.url,
            query,
            comparator: '>',
            threshold: 50,
            allowPrivateAddress: true,
          },
        ],
      });
      assert.equal(cond.status, 200, JSON.stringify(cond.body));
      await start(id);
      // Checked and clear while the app serves no errors.
      await until(
        'a clear check with a value',
        async () => {
          const c = await h.t.muster.services.db.kysely
            .selectFrom('gamedayHaltConditions')
            .selectAll()
            .where('gamedayId', '=', id)
            .executeTakeFirstOrThrow();
          return c.lastValue !== null && c.lastValue === 0;
        },
        30_000,
      );
      assert.equal((await get(id)).status, 'running');
      const runsBefore = ctk.runs.size;
      app.setErrorRatio(0.5);
      const halted = await until(
        'halted by Prometheus',
        async () => {
          const g = await get(id);
          return g.status === 'halted' && g.injection?.state === 'rolled_back' && g;
        },
        30_000,
      );
      assert.equal(halted.haltKind, 'prometheus');
      assert.match(halted.haltReason ?? '', /http_requests_total/);
      assert.equal([...ctk.runs.values()].at(-1)!.status, 'rolled_back');
      assert.equal(ctk.runs.size, runsBefore);
      const timeline = await api<{ events: { kind: string; body: string }[] }>(
        'GET',
        `/api/incidents/${halted.incidentId}/timeline`,
      );
      assert.ok(
        timeline.body.events.some((e) => e.kind === 'gameday_halted'),
        'the halt is on the drill timeline',
      );
      await end(id);
    });

    it('lets only an administrator allow a private address, and names the field of bad input', async () => {
      const id = await create();
      const tok = await api<{ token: string }>('POST', '/api/tokens', { name: 'ida', userId: idaId });
      const asIda = (method: string, path: string, body?: unknown) => h.t.api(method, path, body, tok.body.token);
      const body = { provider: 'chaostoolkit', url: ctk.url, config: { experiment: { title: 'x', method: [{}] } } };
      const forbidden = await asIda('PUT', `/api/gamedays/${id}/injection`, { ...body, allowPrivateAddress: true });
      assert.equal(forbidden.status, 403, JSON.stringify(forbidden.body));
      const refused = await asIda('PUT', `/api/gamedays/${id}/injection`, body);
      assert.equal(refused.status, 400);
      assert.match(JSON.stringify(refused.body), /"field":"url"/);
      const badConfig = await api('PUT', `/api/gamedays/${id}/injection`, {
        provider: 'litmus',
        url: kube.url,
        allowPrivateAddress: true,
        config: { namespace: 'Not A Namespace', spec: { experiments: [] } },
      });
      assert.equal(badConfig.status, 400);
      assert.match(JSON.stringify(badConfig.body), /config\/namespace/);
      const badCond = await asIda('PUT', `/api/gamedays/${id}/halt-conditions`, {
        conditions: [
          { kind: 'prometheus', prometheusUrl: 'http://127.0.0.1:9090', query: 'up', comparator: '>', threshold: 1 },
        ],
      });
      assert.equal(badCond.status, 400);
      assert.match(JSON.stringify(badCond.body), /conditions\/0\/prometheusUrl/);
      const notRunning = await api('POST', `/api/gamedays/${id}/fire`, {});
      assert.equal(notRunning.status, 409);
    });

    it('halts the drill when a real P1 is declared on a target service', async () => {
      const id = await create();
      await api('PUT', `/api/gamedays/${id}/injection`, {
        provider: 'gremlin',
        url: `${gremlin.url}/v1`,
        secret: gremlin.apiKey,
        allowPrivateAddress: true,
        config: { target: { type: 'Random' }, command: { type: 'latency', args: ['-l', '60'] } },
      });
      const cond = await api('PUT', `/api/gamedays/${id}/halt-conditions`, { conditions: [{ kind: 'real_incident' }] });
      assert.equal(cond.status, 200, JSON.stringify(cond.body));
      await start(id);
      await until('attack started', async () => (await get(id)).injection?.state === 'started');
      // A real P3 elsewhere does not halt it.
      await api('POST', '/api/incidents', { title: 'Minor thing', severity: 'P3', serviceIds: [serviceId] });
      // A halt check enqueued after the P3 was declared has run (it saw the P3).
      const afterP3 = h.t.muster.services.clock.now();
      await until('a halt check after the P3', async () =>
        h.t.muster.services.db.kysely
          .selectFrom('jobs')
          .select('id')
          .where('kind', '=', 'gamedays.haltCheck')
          .where('status', '=', 'succeeded')
          .where('createdAt', '>', afterP3)
          .where('payload', 'like', `%${id}%`)
          .executeTakeFirst(),
      );
      assert.equal((await get(id)).status, 'running');
      const p1 = await api<{ incident: { id: string } }>('POST', '/api/incidents', {
        title: 'Checkout is down for real',
        severity: 'P1',
        serviceIds: [serviceId],
      });
      assert.equal(p1.status, 201, JSON.stringify(p1.body));
      const halted = await until('halted by the real P1', async () => {
        const g = await get(id);
        return g.status === 'halted' && g.injection?.state === 'rolled_back' && g;
      });
      assert.equal(halted.haltKind, 'real_incident');
      assert.match(halted.haltReason ?? '', /Checkout is down for real/);
      assert.ok([...gremlin.attacks.values()].at(-1)!.halted);
    });

    /** A webhook injection target whose answers the test scripts: a delay for start, statuses for rollback. */
    const scripted = async (o: { startDelayMs?: number; rollbackStatuses?: number[] }) => {
      const actions: string[] = [];
      const statuses = [...(o.rollbackStatuses ?? [])];
      const server = createServer((req, res) => {
        let text = '';
        req.on('data', (c: Buffer) => (text += c.toString('utf8')));
        req.on('end', () => {
          const action = (JSON.parse(text) as { action: string }).action;
          actions.push(action);
          const status = action === 'rollback' ? (statuses.shift() ?? 200) : 200;
          const delay = action === 'start' ? (o.startDelayMs ?? 0) : 0;
          setTimeout(() => res.writeHead(status, { 'content-type': 'application/json' }).end('{}'), delay);
        });
      });
      await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
      const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/inject`;
      return { actions, url, close: () => new Promise<void>((r) => server.close(() => r())) };
    };
    const withInjection = async (url: string) => {
      const id = await create();
      const put = await api<Gameday>('PUT', `/api/gamedays/${id}/injection`, {
        provider: 'webhook',
        url,
        secret: 'injection-signing-secret-0123456789',
        allowPrivateAddress: true,
        config: {},
      });
      assert.equal(put.status, 200, JSON.stringify(put.body));
      return id;
    };

    it('returns from the start at once and, halted while the tool is still starting, ends rolled back', async () => {
      const target = await scripted({ startDelayMs: 2500 });
      try {
        const id = await withInjection(target.url);
        const t0 = Date.now();
        const g = await start(id);
        assert.ok(Date.now() - t0 < 2000, `POST /start waited ${Date.now() - t0} ms for the tool`);
        assert.ok(['idle', 'starting'].includes(g.injection!.state), g.injection!.state);
        await until('the tool got the start', async () => target.actions.includes('start'));
        const halted = await api<Gameday>('POST', `/api/gamedays/${id}/halt`, {
          reason: { kind: 'abort', detail: 'Stop while the tool is starting' },
        });
        assert.equal(halted.status, 200, JSON.stringify(halted.body));
        const done = await until('rolled back after the slow start', async () => {
          const x = await get(id);
          return x.injection?.state === 'rolled_back' && x.events.some((e) => e.kind === 'injection_rolled_back') && x;
        });
        assert.deepEqual(target.actions, ['start', 'rollback']);
        const kinds = done.events.map((e) => e.kind);
        assert.ok(kinds.indexOf('injection_started') < kinds.indexOf('injection_rolled_back'), kinds.join());
        assert.equal(done.status, 'halted');
      } finally {
        await target.close();
      }
    });

    it('retries a failed rollback with backoff and records each failure', async () => {
      const target = await scripted({ rollbackStatuses: [500, 503] });
      try {
        const id = await withInjection(target.url);
        await start(id);
        await until('started', async () => (await get(id)).injection?.state === 'started');
        await end(id);
        const done = await until(
          'rolled back on the third try',
          async () => {
            const x = await get(id);
            return (
              x.injection?.state === 'rolled_back' && x.events.some((e) => e.kind === 'injection_rolled_back') && x
            );
          },
          30_000,
        );
        assert.deepEqual(target.actions, ['start', 'rollback', 'rollback', 'rollback']);
        const failed = done.events.filter((e) => e.kind === 'injection_rollback_failed');
        assert.equal(failed.length, 2, JSON.stringify(done.events));
        assert.match(failed[0]!.body, /answered 500/);
        assert.equal(done.events.filter((e) => e.kind === 'injection_rolled_back').length, 1);
        assert.equal(done.injection?.lastError, null);
      } finally {
        await target.close();
      }
    });

    it('revokes the drill key at the end: it answers as revoked and pages nobody', async () => {
      const id = await create();
      await start(id);
      const key = await api<{ key: string; integrationKey: { id: string } }>(
        'POST',
        `/api/gamedays/${id}/drill-key`,
        {},
      );
      assert.equal(key.status, 201, JSON.stringify(key.body));
      const ended = await end(id);
      assert.ok(
        ended.events.some((e) => e.kind === 'drill_keys_revoked'),
        JSON.stringify(ended.events),
      );
      const row = await h.t.muster.services.db.kysely
        .selectFrom('integrationKeys')
        .select('revokedAt')
        .where('id', '=', key.body.integrationKey.id)
        .executeTakeFirstOrThrow();
      assert.notEqual(row.revokedAt, null);
      const alertsBefore = await h.t.muster.services.db.kysely
        .selectFrom('alerts')
        .select((eb) => eb.fn.countAll<number>().as('n'))
        .executeTakeFirstOrThrow();
      const sent = await h.t.api(
        'POST',
        `/integrations/generic/${key.body.key}`,
        { status: 'firing', dedupKey: 'after-end', title: 'Drill after the end', severity: 'critical' },
        null,
      );
      assert.equal(sent.status, 401, JSON.stringify(sent.body));
      assert.equal((sent.body as { error: { code: string } }).error.code, 'invalid_integration_key');
      const alertsAfter = await h.t.muster.services.db.kysely
        .selectFrom('alerts')
        .select((eb) => eb.fn.countAll<number>().as('n'))
        .executeTakeFirstOrThrow();
      assert.equal(Number(alertsAfter.n), Number(alertsBefore.n), 'no alert, so no page');
    });

    it('shows a reader who may not act only the origin of the injection URL, and never audits the full URL', async () => {
      const id = await create();
      const url = `${ctk.url}/t/secret-path-token/runs?token=query-token`;
      const put = await api('PUT', `/api/gamedays/${id}/injection`, {
        provider: 'chaostoolkit',
        url,
        secret: ctk.token!,
        allowPrivateAddress: true,
        config: { experiment: { title: 'x', method: [{}] } },
      });
      assert.equal(put.status, 200, JSON.stringify(put.body));
      const origin = new URL(ctk.url).origin;
      const reader = await api<{ user: { id: string } }>('POST', '/api/users', {
        email: `reader-${id}@example.test`,
        name: 'Reader',
      });
      const tok = await api<{ token: string }>('POST', '/api/tokens', { name: 'reader', userId: reader.body.user.id });
      const asReader = await h.t.api<Gameday & { injection: { url: string } }>(
        'GET',
        `/api/gamedays/${id}`,
        undefined,
        tok.body.token,
      );
      assert.equal(asReader.status, 200, JSON.stringify(asReader.body));
      assert.equal(asReader.body.injection.url, origin);
      assert.doesNotMatch(JSON.stringify(asReader.body), /token/);
      const asActor = await api<{ injection: { url: string } }>('GET', `/api/gamedays/${id}`);
      assert.equal(asActor.body.injection.url, url);
      const audits = await h.t.muster.services.db.kysely
        .selectFrom('auditEvents')
        .select('details')
        .where('action', '=', 'gameday.injection_set')
        .where('targetId', '=', id)
        .execute();
      assert.equal(audits.length, 1);
      assert.equal((JSON.parse(audits[0]!.details) as { url: string }).url, origin);
      assert.doesNotMatch(audits[0]!.details, /token/);
    });
  });
}
