/**
 * Paging groups ("one page per problem", issue 14) on both engines, end to end through real webhook deliveries with
 * a fake clock: alerts of one Alertmanager group share one escalation run and one page that says how many alerts it
 * stands for and lists them (one POST or two); `per_alert` pages each; `labels` and `window` modes; acknowledging the
 * page acknowledges every alert of it; acknowledging one alert alone leaves the run paging for the others; resolving
 * them all ends the run; the service's settings are validated.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { countStatementTexts, startCountingStatements, stopCountingStatements } from '../db/statements.js';
import { ENGINES } from '../db/testing/index.js';
import { FakeClock, MINUTE } from '../shared/clock.js';
import { WebhookReceiver } from '../testing/notify.js';
import { startTestMuster, type TestMuster } from '../testing/server.js';
import { until } from '../testing/fixtures.js';

const settle = (): Promise<void> => new Promise((r) => setTimeout(r, 400));

interface Page {
  alertId: string;
  subject: string;
  body: string;
  alertCount: number;
  alerts: { id: string; summary: string; severity: string }[];
}
interface AmAlert {
  name: string;
  instance: string;
  status?: 'firing' | 'resolved';
  labels?: Record<string, string>;
}
interface Problems {
  error: { details: { problems: { field: string }[] } };
}
interface View {
  run: { id: string; status: string; alertId: string };
  log: { kind: string }[];
}
interface PagingPages {
  pages: { userId: string; runId: string | null; status: string }[];
}
interface IncidentDetail {
  incident: { id: string };
  alerts: { id: string }[];
}

for (const engine of ENGINES) {
  describe(`paging groups [${engine}]`, () => {
    let t: TestMuster;
    const clock = new FakeClock(Date.parse('2026-11-24T12:00:00Z')); // a Tuesday, inside working hours
    const hooks: Record<string, WebhookReceiver> = {};
    const users: Record<string, string> = {};
    let teamId: string;
    let n = 0;

    const pages = (name: string): Page[] => hooks[name]!.hits.map((h) => JSON.parse(h.body) as Page);
    const advance = (ms: number): void => {
      clock.advance(ms);
      t.muster.services.runner?.wake();
    };
    /** A service with an Alertmanager key, paging `levels` (one person each, 5 minutes apart). */
    async function service(
      levels: string[],
      pagingGroups?: Record<string, unknown>,
      extra: Record<string, unknown> = {},
    ): Promise<{ serviceId: string; key: string }> {
      const policy = await t.api<{ id: string }>('POST', '/api/escalation-policies', {
        teamId,
        name: `groups ${++n}`,
        repeat: 0,
        workingHours: { timezone: 'UTC', days: [1, 2, 3, 4, 5, 6, 7], start: '00:00', end: '23:59' },
        levels: levels.map((u) => ({ delayMinutes: 5, targets: [{ type: 'user', id: users[u] }] })),
      });
      assert.equal(policy.status, 201, JSON.stringify(policy.body));
      const svc = await t.api<{ id: string; pagingGroups: unknown }>('POST', '/api/services', {
        name: `Groups ${n}`,
        teamId,
        escalationPolicyId: policy.body.id,
        ...(pagingGroups ? { pagingGroups } : {}),
        ...extra,
      });
      assert.equal(svc.status, 201, JSON.stringify(svc.body));
      const key = await t.api<{ key: string }>('POST', `/api/services/${svc.body.id}/integration-keys`, {
        source: 'alertmanager',
      });
      return { serviceId: svc.body.id, key: key.body.key };
    }
    /** One Alertmanager notification of group `group`; the alert ids in order. */
    async function post(key: string, group: string, alerts: AmAlert[]): Promise<string[]> {
      const at = new Date(clock.now()).toISOString();
      const r = await t.api<{ alerts: { alertId: string }[] }>(
        'POST',
        `/integrations/alertmanager/${key}`,
        {
          version: '4',
          groupKey: `{}:{alertname="${group}"}`,
          status: 'firing',
          receiver: 'muster',
          groupLabels: { alertname: group },
          commonLabels: {},
          commonAnnotations: {},
          externalURL: 'http://alertmanager.example',
          alerts: alerts.map((a) => ({
            status: a.status ?? 'firing',
            labels: { alertname: a.name, instance: a.instance, severity: 'critical', ...a.labels },
            annotations: { summary: `${a.name} on ${a.instance}` },
            startsAt: at,
            endsAt: a.status === 'resolved' ? at : '0001-01-01T00:00:00Z',
            generatorURL: 'http://prometheus.example/graph',
          })),
        },
        null,
      );
      assert.equal(r.status, 200, JSON.stringify(r.body));
      return r.body.alerts.map((a) => a.alertId);
    }
    const view = async (alertId: string): Promise<View> => {
      const r = await t.api<View>('GET', `/api/alerts/${alertId}/escalation`);
      assert.equal(r.status, 200, JSON.stringify(r.body));
      return r.body;
    };
    const statusOf = async (alertId: string): Promise<string> =>
      (await t.api<{ status: string }>('GET', `/api/alerts/${alertId}`)).body.status;
    const instances = (k: number, from = 0): AmAlert[] =>
      Array.from({ length: k }, (_, i) => ({ name: 'HighLatency', instance: `web-${from + i}` }));

    before(async () => {
      t = await startTestMuster(engine, {}, { clock });
      teamId = (await t.api<{ id: string }>('POST', '/api/teams', { name: 'Storm' })).body.id;
      for (const name of ['ana', 'ben', 'dee']) {
        hooks[name] = await new WebhookReceiver().start();
        const u = await t.api<{ user: { id: string } }>('POST', '/api/users', {
          email: `${name}@groups.test`,
          name,
          password: 'a long enough password',
        });
        users[name] = u.body.user.id;
        await t.api('PUT', `/api/teams/${teamId}/members/${u.body.user.id}`, { role: 'responder' });
        const cm = await t.api<{ contactMethod: { id: string } }>(
          'POST',
          `/api/users/${u.body.user.id}/contact-methods`,
          {
            kind: 'webhook',
            address: hooks[name].url,
          },
        );
        assert.equal(cm.status, 201, JSON.stringify(cm.body));
        // Dee's webhook is paged a minute after the page is planned: time for a second POST to join first.
        if (name === 'dee') {
          const rule = await t.api('POST', `/api/users/${u.body.user.id}/notification-rules`, {
            contactMethodId: cm.body.contactMethod.id,
            urgency: 'high',
            delayMinutes: 1,
          });
          assert.equal(rule.status, 201, JSON.stringify(rule.body));
        }
      }
    });
    after(async () => {
      await t.stop();
      for (const h of Object.values(hooks)) await h.close();
    });

    it('pages once for 5 alerts of one Alertmanager group in one POST, and the page says 5 and lists them', async () => {
      const before = pages('ana').length;
      const { key } = await service(['ana']);
      const ids = await post(key, 'HighLatency', instances(5));
      assert.equal(new Set(ids).size, 5);
      await until('ana paged', async () => pages('ana').length > before);
      await settle();
      const mine = pages('ana').slice(before);
      assert.equal(mine.length, 1, 'one page for the group');
      const page = mine[0]!;
      assert.equal(page.alertCount, 5);
      assert.match(page.subject, /5 alerts/);
      assert.deepEqual(page.alerts.map((a) => a.id).sort(), [...ids].sort());
      for (let i = 0; i < 5; i++) assert.ok(page.body.includes(`HighLatency on web-${i}`), page.body);
      const runs = await Promise.all(ids.map(async (id) => (await view(id)).run.id));
      assert.equal(new Set(runs).size, 1, 'every alert of the group is on one run');
      const lead = await view(ids[0]!);
      assert.equal(lead.log.filter((l) => l.kind === 'joined').length, 4);
      assert.equal(lead.log.filter((l) => l.kind === 'paged').length, 1);
      const member = await t.api<{ events: { kind: string }[] }>('GET', `/api/alerts/${ids[3]}`);
      assert.ok(member.body.events.some((e) => e.kind === 'joined_page'));
    });

    it('pages once for 5 alerts of one group in two POSTs, and the page sent says 5', async () => {
      const before = pages('dee').length;
      const { key } = await service(['dee']);
      const first = await post(key, 'DiskFull', [
        { name: 'DiskFull', instance: 'db-0' },
        { name: 'DiskFull', instance: 'db-1' },
        { name: 'DiskFull', instance: 'db-2' },
      ]);
      const second = await post(key, 'DiskFull', [
        { name: 'DiskFull', instance: 'db-0' }, // re-sent: the same alert, not a new one
        { name: 'DiskFull', instance: 'db-3' },
        { name: 'DiskFull', instance: 'db-4' },
      ]);
      assert.equal(second[0], first[0], 'dedup is unchanged');
      advance(MINUTE);
      await until('dee paged', async () => pages('dee').length > before);
      await settle();
      const mine = pages('dee').slice(before);
      assert.equal(mine.length, 1);
      assert.equal(mine[0]!.alertCount, 5);
      assert.match(mine[0]!.subject, /5 alerts/);
      assert.equal((await view(second[2]!)).run.id, (await view(first[0]!)).run.id);
    });

    it('lists the first 10 alerts of a page and says how many more', async () => {
      const before = pages('ana').length;
      const { key } = await service(['ana']);
      await post(key, 'HighLatency', instances(12));
      await until('ana paged', async () => pages('ana').length > before);
      const page = pages('ana')[before]!;
      assert.equal(page.alertCount, 12);
      assert.equal(page.alerts.length, 10);
      assert.match(page.body, /and 2 more/);
    });

    it('pages each alert on its own with per_alert', async () => {
      const before = pages('ana').length;
      const { key, serviceId } = await service(['ana'], { mode: 'per_alert' });
      const got = await t.api<{ pagingGroups: { mode: string } }>('GET', `/api/services/${serviceId}`);
      assert.equal(got.body.pagingGroups.mode, 'per_alert');
      const ids = await post(key, 'HighLatency', instances(3));
      await until('three pages', async () => pages('ana').length >= before + 3);
      await settle();
      const mine = pages('ana').slice(before);
      assert.equal(mine.length, 3);
      assert.deepEqual(mine.map((p) => p.alertId).sort(), [...ids].sort());
      assert.ok(mine.every((p) => p.alertCount === 1));
    });

    it('groups by the chosen labels in labels mode', async () => {
      const before = pages('ana').length;
      const { key } = await service(['ana'], { mode: 'labels', labels: ['cluster'] });
      await post(key, 'Mixed', [
        { name: 'CpuHigh', instance: 'a-1', labels: { cluster: 'eu' } },
        { name: 'MemHigh', instance: 'a-2', labels: { cluster: 'eu' } },
        { name: 'CpuHigh', instance: 'b-1', labels: { cluster: 'us' } },
        { name: 'DiskFull', instance: 'b-2', labels: { cluster: 'us' } },
        { name: 'DiskFull', instance: 'b-3', labels: { cluster: 'us' } },
      ]);
      await until('two pages', async () => pages('ana').length >= before + 2);
      await settle();
      const mine = pages('ana').slice(before);
      assert.equal(mine.length, 2, 'one page per cluster');
      assert.deepEqual(mine.map((p) => p.alertCount).sort(), [2, 3]);
    });

    it('words a page when it is sent: the bridge of an incident its alert joined after the page was planned', async () => {
      const before = pages('dee').length;
      const { key } = await service(['dee']);
      const [alertId] = await post(key, 'BridgeLater', [{ name: 'BridgeLater', instance: 'b-0' }]);
      // Dee's page waits a minute: meanwhile an incident is declared on the alert and given a bridge call.
      const inc = await t.api<{ incident: { id: string } }>('POST', '/api/incidents', {
        title: 'Bridge later',
        severity: 'P2',
        alertIds: [alertId],
      });
      assert.equal(inc.status, 201, JSON.stringify(inc.body));
      const bridge = await t.api('PUT', `/api/incidents/${inc.body.incident.id}/bridge`, {
        url: 'https://meet.example.test/bridge-later',
        dialIn: '+1 555 0100',
      });
      assert.equal(bridge.status, 200, JSON.stringify(bridge.body));
      advance(MINUTE);
      await until('dee paged', async () => pages('dee').length > before);
      const page = pages('dee').slice(before)[0]!;
      assert.ok(page.body.includes('Bridge call: https://meet.example.test/bridge-later'), page.body);
      assert.ok(page.body.includes('Dial-in: +1 555 0100'), page.body);
      assert.ok(page.body.includes('BridgeLater on b-0'), page.body);
    });

    it('claims and records a batch of pages at once: a few statements per page, the same pages, an acknowledged one skipped', async () => {
      const before = pages('ben').length;
      const { key } = await service(['ben'], { mode: 'labels', labels: ['cluster'] });
      const runner = t.muster.services.runner!;
      // The runner waits while the alerts come in, so their twelve pages are due together and claimed as a batch.
      await runner.stop();
      let ids: string[];
      try {
        const alerts = Array.from({ length: 24 }, (_, i) => ({
          name: 'QueueDepth',
          instance: `q-${i}`,
          labels: { cluster: `k${i % 12}` },
        }));
        ids = await post(key, 'Queues', alerts);
        // Cluster k3's run (alerts 3 and 15) is acknowledged before its page is claimed: its page must be skipped.
        const ack = await t.api('POST', `/api/alerts/${ids[3]}/acknowledge`);
        assert.equal(ack.status, 200, JSON.stringify(ack.body));
      } finally {
        startCountingStatements();
        await runner.start();
      }
      let statements: number;
      try {
        await until('eleven pages', async () => pages('ben').length >= before + 11);
        await settle();
      } finally {
        statements = stopCountingStatements();
      }
      const mine = pages('ben').slice(before);
      assert.equal(mine.length, 11, 'one page per cluster, none for the acknowledged one');
      assert.ok(mine.every((p) => p.alertCount === 2));
      const acked = new Set([ids[3], ids[15]]);
      assert.ok(mine.every((p) => p.alerts.every((a) => !acked.has(a.id))));
      // Each page names its own cluster's two alerts (the wording read with the batch, not another run's).
      for (const p of mine) {
        const instances = p.alerts.map((a) => a.summary.match(/q-(\d+)/)?.[1]).map(Number);
        assert.equal(instances.length, 2, p.body);
        assert.equal(instances[0]! % 12, instances[1]! % 12, p.body);
      }
      const skipped = (await view(ids[3]!)).log.filter((l) => l.kind === 'paged');
      assert.equal(skipped.length, 1, 'the page was planned');
      // One at a time, these twelve pages cost 257–265 statements (about 21 each: read, claim, record, and the
      // runner's claims); in batches (here of up to six: a healthy destination's bulkhead share) 150–180.
      assert.ok(statements <= 12 * 16, `${statements} statements for 12 pages`);
      console.log(`# ${statements} statements for 12 pages claimed and recorded in batches`);
    });

    it('reads the live runs of a batch’s paging keys at once (not one read per new alert), joining a run begun earlier', async () => {
      const { key } = await service(['ben'], { mode: 'labels', labels: ['cluster'] });
      const [first] = await post(key, 'Earlier', [{ name: 'CpuHigh', instance: 'x-0', labels: { cluster: 'c0' } }]);
      const earlierRun = (await view(first!)).run.id;
      // One POST, one intake transaction: 30 new alerts over 20 clusters; c0 already has a live run.
      const alerts = Array.from({ length: 30 }, (_, i) => ({
        name: 'CpuHigh',
        instance: `x-${i + 1}`,
        labels: { cluster: `c${i % 20}` },
      }));
      const texts = countStatementTexts();
      startCountingStatements();
      let ids: string[];
      let runReads: [string, number][];
      try {
        ids = await post(key, 'Batch', alerts);
      } finally {
        // joinableRun's read and the batch's (same text up to the 60 characters the counter keeps).
        runReads = [...texts].filter(([text]) =>
          text.startsWith('select "r".* from "escalation_runs" as "r" where "r"."policy'),
        );
        stopCountingStatements();
      }
      assert.equal(ids.length, 30);
      // Before: one read per paging key the transaction had not seen (20); now one for the batch.
      assert.equal(
        runReads.reduce((n, [, c]) => n + c, 0),
        1,
        JSON.stringify(runReads),
      );
      const runs = new Map<string, string[]>();
      for (const [i, id] of ids.entries()) {
        const run = (await view(id)).run.id;
        runs.set(run, [...(runs.get(run) ?? []), `c${i % 20}`]);
      }
      assert.equal(runs.size, 20, 'one run per cluster');
      assert.deepEqual(runs.get(earlierRun), ['c0', 'c0'], 'c0’s alerts joined the run begun by the earlier POST');
      for (const clusters of runs.values()) assert.equal(new Set(clusters).size, 1, 'a run holds one cluster');
    });

    it('groups every alert within the window in window mode, and starts a new page after it', async () => {
      const before = pages('ana').length;
      const { key } = await service(['ana'], { mode: 'window', windowMinutes: 10 });
      const [x] = await post(key, 'One', [{ name: 'One', instance: 'i-1' }]);
      await until('ana paged', async () => pages('ana').length > before);
      advance(4 * MINUTE);
      const [y] = await post(key, 'Two', [{ name: 'Two', instance: 'i-2' }]);
      await settle();
      assert.equal(pages('ana').length, before + 1, 'a different group within the window joins the page');
      assert.equal((await view(y!)).run.id, (await view(x!)).run.id);
      advance(7 * MINUTE);
      const [z] = await post(key, 'Three', [{ name: 'Three', instance: 'i-3' }]);
      await until('a second page', async () => pages('ana').length > before + 1);
      assert.notEqual((await view(z!)).run.id, (await view(x!)).run.id, 'after the window: a new page');
    });

    it('acknowledges every alert of the page when one is acknowledged, and the run stops', async () => {
      const beforeBen = pages('ben').length;
      const before = pages('ana').length;
      const { key } = await service(['ana', 'ben']);
      const ids = await post(key, 'HighLatency', instances(3));
      await until('ana paged', async () => pages('ana').length > before);
      const ack = await t.api('POST', `/api/alerts/${ids[2]}/acknowledge`);
      assert.equal(ack.status, 200, JSON.stringify(ack.body));
      for (const id of ids) assert.equal(await statusOf(id), 'acknowledged');
      advance(5 * MINUTE);
      await until('the run stopped', async () => (await view(ids[0]!)).run.status === 'acknowledged');
      await settle();
      assert.equal(pages('ben').length, beforeBen, 'no level 2 page after the acknowledgement');
      // Ended: a new alert of the same group opens a new run and pages again.
      const [again] = await post(key, 'HighLatency', [{ name: 'HighLatency', instance: 'web-9' }]);
      await until('a new page', async () => pages('ana').length > before + 1);
      assert.notEqual((await view(again!)).run.id, (await view(ids[0]!)).run.id);
      assert.equal((await t.api('POST', `/api/alerts/${again}/resolve`)).status, 200);
    });

    it('keeps paging for the others when one alert is acknowledged alone, and ends when all are resolved', async () => {
      const beforeBen = pages('ben').length;
      const before = pages('ana').length;
      const { key } = await service(['ana', 'ben']);
      const ids = await post(key, 'HighLatency', instances(3));
      await until('ana paged', async () => pages('ana').length > before);
      const one = await t.api('POST', `/api/alerts/${ids[0]}/acknowledge`, { onlyThisAlert: true });
      assert.equal(one.status, 200, JSON.stringify(one.body));
      assert.equal(await statusOf(ids[0]!), 'acknowledged');
      assert.equal(await statusOf(ids[1]!), 'triggered');
      // The source resolves another one alone.
      await post(key, 'HighLatency', [{ name: 'HighLatency', instance: 'web-1', status: 'resolved' }]);
      assert.equal(await statusOf(ids[1]!), 'resolved');
      advance(5 * MINUTE);
      const page = await until('ben paged at level 2', async () =>
        pages('ben')
          .slice(beforeBen)
          .find((p) => p.alertId === ids[0]),
      );
      assert.equal(page.alertCount, 1, 'the page names the alerts still triggered');
      assert.deepEqual(
        page.alerts.map((a) => a.id),
        [ids[2]],
      );
      assert.equal(page.alertId, ids[0], 'a page of the run is its lead alert’s');
      const resolved = await t.api('POST', `/api/alerts/${ids[2]}/resolve`);
      assert.equal(resolved.status, 200, JSON.stringify(resolved.body));
      for (const id of ids) assert.equal(await statusOf(id), 'resolved', 'resolving the page resolves all');
      const [later] = await post(key, 'HighLatency', [{ name: 'HighLatency', instance: 'web-7' }]);
      await until('a new page', async () => pages('ana').length > before + 1);
      assert.notEqual((await view(later!)).run.id, (await view(ids[0]!)).run.id, 'the run ended');
    });

    it('reads and validates a service’s paging group settings', async () => {
      const { serviceId } = await service(['ana']);
      const got = await t.api<{ pagingGroups: unknown }>('GET', `/api/services/${serviceId}`);
      assert.deepEqual(got.body.pagingGroups, { mode: 'alertmanager', labels: [], windowMinutes: 10 });
      const bad = await t.api<Problems>('PATCH', `/api/services/${serviceId}`, {
        pagingGroups: { mode: 'sometimes' },
      });
      assert.equal(bad.status, 400);
      assert.ok(
        bad.body.error.details.problems.some((p) => p.field === 'body.pagingGroups.mode'),
        JSON.stringify(bad.body),
      );
      const noLabels = await t.api<Problems>('PATCH', `/api/services/${serviceId}`, {
        pagingGroups: { mode: 'labels' },
      });
      assert.equal(noLabels.status, 400);
      assert.ok(
        noLabels.body.error.details.problems.some((p) => p.field === 'pagingGroups.labels'),
        JSON.stringify(noLabels.body),
      );
      const window = await t.api<{ error: unknown }>('PATCH', `/api/services/${serviceId}`, {
        pagingGroups: { mode: 'window', windowMinutes: 0 },
      });
      assert.equal(window.status, 400);
      assert.ok(JSON.stringify(window.body).includes('windowMinutes'), JSON.stringify(window.body));
      const ok = await t.api<{ pagingGroups: unknown }>('PATCH', `/api/services/${serviceId}`, {
        pagingGroups: { mode: 'labels', labels: ['cluster', 'namespace'] },
      });
      assert.equal(ok.status, 200, JSON.stringify(ok.body));
      assert.deepEqual(ok.body.pagingGroups, { mode: 'labels', labels: ['cluster', 'namespace'], windowMinutes: 10 });
      const audit = await t.api<{ events: { action: string }[] }>(
        'GET',
        `/api/audit-events?targetType=service&targetId=${serviceId}`,
      );
      assert.ok(audit.body.events.some((e) => e.action === 'service.updated'));
    });

    /** The ids of the open incidents of a service, and the alerts of each. */
    const incidentsOf = async (serviceId: string): Promise<{ id: string; alertIds: string[] }[]> => {
      const list = await t.api<{ incidents: { id: string }[] }>('GET', `/api/incidents?serviceId=${serviceId}`);
      assert.equal(list.status, 200, JSON.stringify(list.body));
      return Promise.all(
        list.body.incidents.map(async (i) => {
          const d = await t.api<IncidentDetail>('GET', `/api/incidents/${i.id}`);
          return { id: i.id, alertIds: d.body.alerts.map((a) => a.id).sort() };
        }),
      );
    };
    const pagedIn = async (user: string): Promise<string[]> => {
      const r = await t.api<{ incidents: { incidentId: string; paged: boolean }[] }>(
        'GET',
        `/api/users/${users[user]}/engagements`,
      );
      assert.equal(r.status, 200, JSON.stringify(r.body));
      return r.body.incidents.filter((i) => i.paged).map((i) => i.incidentId);
    };

    it('links the alerts that join a run to the incident its lead alert declared, in the same POST and later', async () => {
      const before = pages('ana').length;
      const { key, serviceId } = await service(['ana'], undefined, {
        incidentRule: { alertSeverities: ['critical'], incidentSeverity: 'P2' },
      });
      const first = await post(key, 'Outage', [
        { name: 'Outage', instance: 'o-0' },
        { name: 'Outage', instance: 'o-1' },
        { name: 'Outage', instance: 'o-2' },
      ]);
      await until('ana paged', async () => pages('ana').length > before);
      const declared = await until('one incident with the 3 alerts', async () => {
        const list = await incidentsOf(serviceId);
        return list.length === 1 && list[0]!.alertIds.length === 3 ? list[0] : null;
      });
      assert.deepEqual(declared.alertIds, [...first].sort());
      const later = await post(key, 'Outage', [
        { name: 'Outage', instance: 'o-3' },
        { name: 'Outage', instance: 'o-4' },
      ]);
      assert.equal((await view(later[1]!)).run.id, (await view(first[0]!)).run.id, 'they joined the run');
      const all = [...first, ...later].sort();
      await until('the later alerts linked', async () => {
        const list = await incidentsOf(serviceId);
        return list.length === 1 && list[0]!.alertIds.length === 5;
      });
      const [only] = await incidentsOf(serviceId);
      assert.deepEqual(only!.alertIds, all, 'every alert of the page is in the one incident');
      assert.ok((await pagedIn('ana')).includes(declared.id), 'ana was paged for it');
      for (const id of first) await t.api('POST', `/api/alerts/${id}/resolve`);
    });

    it('counts a page for an incident linked to any alert of its run, and links new alerts to the lead’s incident', async () => {
      const before = pages('ana').length;
      const { key, serviceId } = await service(['ana']);
      const ids = await post(key, 'Partial', [
        { name: 'Partial', instance: 'p-0' },
        { name: 'Partial', instance: 'p-1' },
      ]);
      await until('ana paged', async () => pages('ana').length > before);
      // Declared from a member alert only: the page (the lead's) still engages ana in it.
      const byMember = await t.api<IncidentDetail>('POST', '/api/incidents', {
        title: 'Partial outage (member)',
        severity: 'P3',
        alertIds: [ids[1]],
      });
      assert.equal(byMember.status, 201, JSON.stringify(byMember.body));
      assert.ok((await pagedIn('ana')).includes(byMember.body.incident.id), 'paged through a member alert');
      assert.ok(!(await pagedIn('ben')).includes(byMember.body.incident.id), 'ben was not paged');
      // Declared by hand from the lead: an alert that joins the run later is linked to it, not to the member's.
      const byLead = await t.api<IncidentDetail>('POST', '/api/incidents', {
        title: 'Partial outage (lead)',
        severity: 'P3',
        alertIds: [ids[0]],
      });
      assert.equal(byLead.status, 201, JSON.stringify(byLead.body));
      const [joined] = await post(key, 'Partial', [{ name: 'Partial', instance: 'p-2' }]);
      assert.equal((await view(joined!)).run.id, (await view(ids[0]!)).run.id);
      await until('the joined alert linked to the lead’s incident', async () => {
        const d = await t.api<IncidentDetail>('GET', `/api/incidents/${byLead.body.incident.id}`);
        return d.body.alerts.some((a) => a.id === joined);
      });
      const member = await t.api<IncidentDetail>('GET', `/api/incidents/${byMember.body.incident.id}`);
      assert.deepEqual(
        member.body.alerts.map((a) => a.id),
        [ids[1]],
      );
      assert.equal((await incidentsOf(serviceId)).length, 2);
      for (const id of ids) await t.api('POST', `/api/alerts/${id}/resolve`);
    });

    /** Dee's pages of an alert, from its paging view (each delivery with its run and status). */
    const deesPages = async (alertId: string) =>
      (await t.api<PagingPages>('GET', `/api/alerts/${alertId}/paging`)).body.pages.filter(
        (p) => p.userId === users.dee,
      );

    it('does not send a page of a reassigned run: its successor pages', async () => {
      const beforeBen = pages('ben').length;
      const beforeDee = pages('dee').length;
      const { key } = await service(['dee']);
      const [id] = await post(key, 'Reassigned', [{ name: 'Reassigned', instance: 'r-0' }]);
      const planned = await until('dee’s page planned (due in a minute)', async () => {
        const mine = await deesPages(id!);
        return mine.length === 1 ? mine[0] : null;
      });
      assert.equal(planned.status, 'pending');
      const r = await t.api('POST', `/api/alerts/${id}/reassign`, { userId: users.ben });
      assert.equal(r.status, 200, JSON.stringify(r.body));
      await until('ben paged by the new run', async () =>
        pages('ben')
          .slice(beforeBen)
          .some((p) => p.alertId === id),
      );
      advance(MINUTE);
      const done = await until('dee’s page of the old run settled', async () => {
        const mine = (await deesPages(id!)).find((p) => p.runId === planned.runId);
        return mine && mine.status !== 'pending' && mine.status !== 'sending' ? mine : null;
      });
      assert.equal(done.status, 'skipped', 'the superseded run’s page is not wanted');
      assert.equal(
        pages('dee')
          .slice(beforeDee)
          .filter((p) => p.alertId === id).length,
        0,
      );
      assert.equal(await statusOf(id!), 'triggered', 'the alert still pages, through its new run');
      await t.api('POST', `/api/alerts/${id}/resolve`);
    });

    it('does not send a page of a snoozed alert, and pages again when the snooze ends', async () => {
      const beforeDee = pages('dee').length;
      const { key } = await service(['dee']);
      const [id] = await post(key, 'Snoozed', [{ name: 'Snoozed', instance: 's-0' }]);
      await until('dee’s page planned', async () => (await deesPages(id!)).length === 1);
      assert.equal((await t.api('POST', `/api/alerts/${id}/acknowledge`)).status, 200);
      const snooze = await t.api('POST', `/api/alerts/${id}/snooze`, { minutes: 30 });
      assert.equal(snooze.status, 200, JSON.stringify(snooze.body));
      advance(MINUTE);
      await until('dee’s first page skipped', async () => (await deesPages(id!))[0]?.status === 'skipped');
      assert.equal(
        pages('dee')
          .slice(beforeDee)
          .filter((p) => p.alertId === id).length,
        0,
      );
      advance(30 * MINUTE);
      await until('triggered again', async () => (await statusOf(id!)) === 'triggered');
      await until('a new page planned', async () => (await deesPages(id!)).length === 2);
      advance(MINUTE);
      await until('dee paged after the snooze', async () =>
        pages('dee')
          .slice(beforeDee)
          .some((p) => p.alertId === id),
      );
      await t.api('POST', `/api/alerts/${id}/resolve`);
    });
  });
}
