/**
 * Muster's own metrics on a real server, on both engines: intake events by outcome, pages and deliveries by final
 * outcome (a webhook answering 404 is a failed delivery), the job backlog read from the database (the same figures
 * from two processes on one PostgreSQL), open live streams, the PostgreSQL pool's waits; Debian's promtool accepts
 * the exposition (`promtool check metrics`) and the shipped alert rules (`promtool check rules`), and the rules and
 * the Grafana dashboard name only metrics a running Muster exposes.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { sql } from 'kysely';
import { loadConfig } from '../config/index.js';
import { ENGINES } from '../db/testing/index.js';
import { enqueueJob } from '../jobs/index.js';
import { startMuster, type Muster } from '../server.js';
import { createLogger } from '../shared/logger.js';
import { WebhookReceiver } from '../testing/notify.js';
import { startTestMuster, type TestMuster } from '../testing/server.js';
import { until } from '../testing/fixtures.js';

const ROOT = join(import.meta.dirname, '..', '..');
const RULES = join(ROOT, 'docs', 'operations', 'muster-alerts.yml');
const DASHBOARD = join(ROOT, 'docs', 'operations', 'muster-dashboard.json');
const PROMTOOL = process.env.MUSTER_TEST_PROMTOOL ?? '/usr/bin/promtool';

function promtool(args: string[], input?: string): { status: number | null; out: string } {
  if (!existsSync(PROMTOOL)) {
    throw new Error(`This test runs Debian's promtool and cannot run without it: apt-get install prometheus`);
  }
  const r = spawnSync(PROMTOOL, args, { input, encoding: 'utf8' });
  return { status: r.status, out: `${r.stdout}${r.stderr}` };
}

interface Sample {
  name: string;
  labels: Record<string, string>;
  value: number;
}

function parseExposition(text: string): Sample[] {
  const out: Sample[] = [];
  for (const line of text.split('\n')) {
    if (!line || line.startsWith('#')) continue;
    const m = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})? (\S+)/.exec(line);
    if (!m) continue;
    const labels: Record<string, string> = {};
    for (const l of (m[2] ?? '').matchAll(/([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"/g)) labels[l[1]!] = l[2]!;
    out.push({ name: m[1]!, labels, value: Number(m[3]) });
  }
  return out;
}

/** The sum of the samples named `name` whose labels include `labels` (0 when none). */
function valueOf(samples: Sample[], name: string, labels: Record<string, string> = {}): number {
  return samples
    .filter((s) => s.name === name && Object.entries(labels).every(([k, v]) => s.labels[k] === v))
    .reduce((a, s) => a + s.value, 0);
}

/** Every metric name a scrape can show: its samples, and each declared family with a histogram's series names. */
function exposedNames(text: string): Set<string> {
  const names = new Set(parseExposition(text).map((s) => s.name));
  for (const m of text.matchAll(/^# TYPE (\S+) (\S+)$/gm)) {
    names.add(m[1]!);
    if (m[2] === 'histogram') for (const s of ['_bucket', '_count', '_sum']) names.add(m[1]! + s);
  }
  return names;
}

async function scrapeText(url: string, token: string): Promise<string> {
  const r = await fetch(`${url}/metrics`, { headers: { authorization: `Bearer ${token}` } });
  assert.equal(r.status, 200);
  return r.text();
}

for (const engine of ENGINES) {
  describe(`Muster's own metrics [${engine}]`, () => {
    let t: TestMuster;
    const hooks: Record<string, WebhookReceiver> = {};
    let key: string;
    const scrape = async (): Promise<Sample[]> => parseExposition(await scrapeText(t.url, t.adminToken));

    before(async () => {
      t = await startTestMuster(engine, { metricsToken: 'metrics-token-for-tests' });
      const teamId = (await t.api<{ id: string }>('POST', '/api/teams', { name: 'Checkout' })).body.id;
      const users: string[] = [];
      for (const name of ['ana', 'ben']) {
        hooks[name] = await new WebhookReceiver().start();
        const u = await t.api<{ user: { id: string } }>('POST', '/api/users', {
          email: `${name}@example.test`,
          name,
          password: 'a long enough password',
        });
        users.push(u.body.user.id);
        await t.api('PUT', `/api/teams/${teamId}/members/${u.body.user.id}`, { role: 'responder' });
        const cm = await t.api('POST', `/api/users/${u.body.user.id}/contact-methods`, {
          kind: 'webhook',
          address: hooks[name].url,
        });
        assert.equal(cm.status, 201, JSON.stringify(cm.body));
      }
      // Ben's receiver answers 404 to everything: a broken channel.
      for (let i = 0; i < 10; i++) hooks.ben!.statuses.push(404);
      const policy = await t.api<{ id: string }>('POST', '/api/escalation-policies', {
        teamId,
        name: 'Checkout policy',
        repeat: 0,
        workingHours: { timezone: 'Europe/London', days: [1, 2, 3, 4, 5], start: '09:00', end: '17:30' },
        levels: [{ delayMinutes: 5, targets: users.map((id) => ({ type: 'user', id })) }],
      });
      assert.equal(policy.status, 201, JSON.stringify(policy.body));
      const svc = await t.api<{ id: string }>('POST', '/api/services', {
        name: 'Checkout API',
        teamId,
        escalationPolicyId: policy.body.id,
      });
      assert.equal(svc.status, 201, JSON.stringify(svc.body));
      key = (
        await t.api<{ key: string }>('POST', `/api/services/${svc.body.id}/integration-keys`, { source: 'generic' })
      ).body.key;
    });
    after(async () => {
      await t?.stop();
      for (const h of Object.values(hooks)) await h.close();
    });

    it('counts intake events by outcome, pages sent, and deliveries by final outcome: a webhook 404 is failed', async () => {
      const before = await scrape();
      const send = (body: unknown) =>
        t.api<{ alerts: { alertId: string }[] }>('POST', `/integrations/generic/${key}`, body, null);
      const first = await send({ status: 'firing', dedupKey: 'db-down', title: 'Database down', severity: 'critical' });
      assert.equal(first.status, 200, JSON.stringify(first.body));
      const again = await send({ status: 'firing', dedupKey: 'db-down', title: 'Database down', severity: 'critical' });
      assert.equal(again.status, 200);
      const bad = await send({ status: 'firing' });
      assert.equal(bad.status, 400);
      const alertId = first.body.alerts[0]!.alertId;
      const { db } = t.muster.services;
      const finals = await until('both pages final', async () => {
        const rows = await db.kysely
          .selectFrom('notificationDeliveries')
          .select(['status', 'contactMethodId'])
          .where('alertId', '=', alertId)
          .execute();
        return rows.length === 2 && rows.every((r) => r.status === 'sent' || r.status === 'failed') ? rows : null;
      });
      assert.deepEqual(finals.map((r) => r.status).sort(), ['failed', 'sent']);
      assert.equal(hooks.ben!.hits.length, 1, 'a 404 is permanent: not retried');
      // The job that recorded the failed delivery completed, yet the delivery counts as failed.
      const after = await until('the final outcomes counted', async () => {
        const s = await scrape();
        const d = (outcome: string) =>
          valueOf(s, 'muster_notification_deliveries_total', { channel: 'webhook', outcome }) -
          valueOf(before, 'muster_notification_deliveries_total', { channel: 'webhook', outcome });
        return d('sent') === 1 && d('failed') === 1 ? s : null;
      });
      const delta = (name: string, labels: Record<string, string>) =>
        valueOf(after, name, labels) - valueOf(before, name, labels);
      assert.equal(delta('muster_pages_sent_total', { channel: 'webhook' }), 1);
      assert.equal(delta('muster_notification_deliveries_total', { outcome: 'skipped' }), 0);
      assert.equal(delta('muster_notification_sends_total', { channel: 'webhook', outcome: 'failed_permanent' }), 1);
      assert.equal(delta('muster_intake_events_total', { source: 'generic', outcome: 'accepted' }), 1);
      assert.equal(delta('muster_intake_events_total', { source: 'generic', outcome: 'deduplicated' }), 1);
      assert.equal(delta('muster_intake_events_total', { source: 'generic', outcome: 'rejected' }), 1);
      assert.equal(delta('muster_intake_events_total', { outcome: 'throttled' }), 0);
      assert.equal(valueOf(after, 'muster_intake_queued'), 0);
      assert.equal(valueOf(after, 'muster_intake_in_flight'), 0);
    });

    it('counts open live streams until they close', async () => {
      const ac = new AbortController();
      const res = await fetch(`${t.url}/api/alerts/stream`, {
        headers: { authorization: `Bearer ${t.adminToken}` },
        signal: ac.signal,
      });
      assert.equal(res.status, 200);
      const reader = res.body!.getReader();
      await reader.read(); // the stream is open (retry line sent)
      await until('the stream counted', async () => {
        return valueOf(await scrape(), 'muster_live_streams_open', { stream: 'alerts' }) === 1;
      });
      ac.abort();
      await reader.cancel().catch(() => undefined);
      await until('the closed stream no longer counted', async () => {
        return valueOf(await scrape(), 'muster_live_streams_open', { stream: 'alerts' }) === 0;
      });
    });

    it('is accepted by promtool check metrics, as are the shipped rules; rules and dashboard name real metrics', async () => {
      const text = await scrapeText(t.url, 'metrics-token-for-tests');
      const checked = promtool(['check', 'metrics'], text);
      assert.equal(checked.status, 0, checked.out);
      const rules = promtool(['check', 'rules', RULES]);
      assert.equal(rules.status, 0, rules.out);
      const exposed = exposedNames(text);
      for (const [file, content] of [
        [RULES, readFileSync(RULES, 'utf8')],
        [DASHBOARD, readFileSync(DASHBOARD, 'utf8')],
      ] as const) {
        const named = new Set([...content.matchAll(/\bmuster_[a-z0-9_]+/g)].map((m) => m[0]));
        assert.ok(named.size > 5, `${file} names Muster's metrics`);
        const missing = [...named].filter((n) => !exposed.has(n));
        assert.deepEqual(missing, [], `${file} names metrics Muster does not expose`);
      }
      const dashboard = JSON.parse(readFileSync(DASHBOARD, 'utf8')) as { panels: { targets: { expr: string }[] }[] };
      assert.ok(dashboard.panels.every((p) => p.targets.length > 0));
    });

    if (engine === 'postgres') {
      it('times the checkouts that waited for a busy PostgreSQL pool', async () => {
        const { db } = t.muster.services;
        const before = await scrape();
        const size = db.pgPool!.options.max;
        // More concurrent queries than the pool has connections: the extra ones wait.
        await Promise.all(Array.from({ length: size + 3 }, () => sql`select pg_sleep(0.2)`.execute(db.kysely)));
        const after = await scrape();
        const count = (x: Sample[], le?: string) =>
          le === undefined
            ? valueOf(x, 'muster_db_pool_acquire_seconds_count')
            : valueOf(x, 'muster_db_pool_acquire_seconds_bucket', { le });
        assert.ok(count(after) - count(before) >= size + 3, 'every checkout timed');
        // The queries beyond the pool size waited for one of the first to finish its 0.2 s sleep.
        const slow = count(after) - count(before) - (count(after, '0.1') - count(before, '0.1'));
        assert.ok(slow >= 3, `${slow} checkouts waited longer than 0.1 s`);
        assert.ok(valueOf(after, 'muster_db_pool_connections', { state: 'idle' }) >= 1);
      });
    }
  });

  describe(`job backlog gauges, read from the database [${engine}]`, () => {
    let t: TestMuster;
    let second: Muster | null = null;
    const KIND = 'metrics.backlog-test';

    before(async () => {
      // No runner: the jobs stay where the test puts them.
      t = await startTestMuster(engine, { 'jobs.enabled': false });
    });
    after(async () => {
      await second?.stop();
      await t?.stop();
    });

    it('reports pending, due, overdue, the oldest due age and dead jobs by kind', async () => {
      const { db, clock } = t.muster.services;
      const now = clock.now();
      await db.kysely.transaction().execute(async (trx) => {
        await enqueueJob(trx, db.engine, { kind: KIND, payload: {}, runAt: now - 10 * 60_000 }, now); // overdue
        await enqueueJob(trx, db.engine, { kind: KIND, payload: {}, runAt: now - 1_000 }, now); // due, not overdue
        await enqueueJob(trx, db.engine, { kind: KIND, payload: {}, runAt: now + 60 * 60_000 }, now); // later
        const dead = await enqueueJob(trx, db.engine, { kind: KIND, payload: {}, runAt: now }, now);
        await trx.updateTable('jobs').set({ status: 'dead' }).where('id', '=', dead!).execute();
      });
      const check = (samples: Sample[]) => {
        const k = { kind: KIND };
        assert.equal(valueOf(samples, 'muster_jobs_pending', k), 3);
        assert.equal(valueOf(samples, 'muster_jobs_due', k), 2);
        assert.equal(valueOf(samples, 'muster_jobs_overdue', k), 1);
        assert.equal(valueOf(samples, 'muster_jobs_dead', k), 1);
        assert.equal(valueOf(samples, 'muster_jobs_running', k), 0);
        const age = valueOf(samples, 'muster_jobs_oldest_due_age_seconds', k);
        assert.ok(age >= 600, `oldest due age ${age} s`);
      };
      check(parseExposition(await scrapeText(t.url, t.adminToken)));
      if (engine === 'postgres') {
        // A second process on the same database sees the same backlog (the figures are the database's, not a process's).
        const config = loadConfig({
          env: {},
          overrides: {
            host: '127.0.0.1',
            port: 0,
            databaseUrl: t.tdb.databaseUrl,
            logLevel: 'silent',
            'jobs.enabled': false,
            metricsToken: 'second-process-token',
          },
        });
        second = await startMuster(config, { log: createLogger({ level: 'silent' }) });
        check(parseExposition(await scrapeText(second.url, 'second-process-token')));
      }
    });
  });
}
