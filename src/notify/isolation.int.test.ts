/**
 * "One dead endpoint must never delay anyone else's page" (issue 23), on a real server with real sockets, loopback
 * only. Three people's webhooks point at endpoints that break the way real ones do:
 *   - hang: accepts the connection and never answers (a hung or firewalled receiver);
 *   - slow: answers after 9 s (inside the 10 s time-out: that page must still be delivered);
 *   - drop: a listener whose accept queue is full (its process is stopped), so the kernel drops the SYNs: the
 *     connection never completes, like an address that drops packets.
 * Another team's alerts arrive every 250 ms and page a healthy webhook. Their intake time (the HTTP round trip) and
 * alert → page time (send of the intake request → arrival at the receiver) are measured with no dead endpoint, then
 * while 3 and then 102 pages to the dead endpoints are in flight; they must stay within twice the clean figures (with
 * a small floor, so timer noise on a shared machine is not a failure) and every one of their pages must arrive.
 * Before issue 23 each dead page held the paging transaction for its whole time-out: on SQLite intake stopped for
 * 10 s at a time.
 */
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { createServer, type Server } from 'node:http';
import net from 'node:net';
import { after, before, describe, it } from 'node:test';
import { ENGINES } from '../db/testing/index.js';
import { startTestMuster, type TestMuster } from '../testing/server.js';
import { closeServer, listenHook } from '../testing/notify.js';

const OTHER_ALERTS = 12;
const SPACING_MS = 250;
/** Differences below this are timer and scheduling noise on a shared test machine, not a dead endpoint's cost. */
const NOISE_FLOOR_MS = 60;

const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

function percentile(xs: number[], p: number): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.ceil((p / 100) * s.length) - 1)] ?? NaN;
}

/** An HTTP receiver that answers after `holdMs` (Infinity: never), recording each request's arrival. */
class Receiver {
  readonly arrivals: { at: number; body: string }[] = [];
  private server: Server | null = null;
  url = '';
  constructor(private readonly holdMs: number) {}

  async start(): Promise<this> {
    this.server = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('error', () => undefined);
      res.on('error', () => undefined);
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        this.arrivals.push({ at: performance.now(), body: Buffer.concat(chunks).toString('utf8') });
        if (this.holdMs === Infinity) return;
        setTimeout(() => !res.destroyed && res.writeHead(200).end('ok'), this.holdMs).unref();
      });
    });
    this.server.keepAliveTimeout = 60_000;
    this.url = await listenHook(this.server);
    return this;
  }

  close(): Promise<void> {
    return closeServer(this.server);
  }
}

/**
 * A listener that never accepts: a child process listens with a backlog of 1 and is stopped (SIGSTOP); two
 * connections fill its accept queue, after which the kernel drops every SYN. Connecting hangs until the sender's
 * connect time-out.
 */
async function startBlackhole(): Promise<{ url: string; close(): void }> {
  const child: ChildProcess = spawn(
    process.execPath,
    [
      '-e',
      `const s=require('net').createServer();s.listen({port:0,host:'127.0.0.1',backlog:1},()=>process.stdout.write(s.address().port+'\\n'))`,
    ],
    { stdio: ['ignore', 'pipe', 'inherit'] },
  );
  const port = await new Promise<number>((resolve) =>
    child.stdout!.once('data', (d: Buffer) => resolve(Number(String(d).trim()))),
  );
  child.kill('SIGSTOP');
  const fillers = Array.from({ length: 3 }, () => net.connect(port, '127.0.0.1').on('error', () => undefined));
  await sleep(200);
  // Prove it drops: a fresh connection is still connecting half a second later.
  const probe = net.connect(port, '127.0.0.1').on('error', () => undefined);
  await sleep(500);
  assert.ok(probe.connecting, 'the blackhole listener accepted a connection; the drop case would not be tested');
  probe.destroy();
  return {
    url: `http://127.0.0.1:${port}/hook`,
    close() {
      for (const f of fillers) f.destroy();
      child.kill('SIGKILL');
    },
  };
}

interface Figures {
  intake: number[];
  page: number[];
}

for (const engine of ENGINES) {
  describe(`a dead endpoint costs everyone else nothing [${engine}]`, () => {
    let t: TestMuster;
    const hang = new Receiver(Infinity);
    const slow = new Receiver(9_000);
    const healthy = new Receiver(0);
    let drop: { url: string; close(): void };
    let victimKey: string;
    let otherKey: string;
    const figures: Record<string, Figures> = {};
    const userIds: Record<string, string> = {};

    /** A team whose one-level policy pages these people, each with one webhook; returns its integration key. */
    async function team(name: string, people: { name: string; url: string }[]): Promise<string> {
      const teamId = (await t.api<{ id: string }>('POST', '/api/teams', { name })).body.id;
      const ids: string[] = [];
      for (const p of people) {
        const u = await t.api<{ user: { id: string } }>('POST', '/api/users', {
          email: `${p.name}@example.test`,
          name: p.name,
          password: 'a long enough password',
        });
        assert.equal(u.status, 201, JSON.stringify(u.body));
        ids.push(u.body.user.id);
        userIds[p.name] = u.body.user.id;
        await t.api('PUT', `/api/teams/${teamId}/members/${u.body.user.id}`, { role: 'responder' });
        const cm = await t.api('POST', `/api/users/${u.body.user.id}/contact-methods`, {
          kind: 'webhook',
          address: p.url,
        });
        assert.equal(cm.status, 201, JSON.stringify(cm.body));
      }
      const policy = await t.api<{ id: string }>('POST', '/api/escalation-policies', {
        teamId,
        name: `${name} policy`,
        repeat: 0,
        workingHours: { timezone: 'UTC', days: [1, 2, 3, 4, 5, 6, 7], start: '00:00', end: '23:59' },
        levels: [{ delayMinutes: 30, targets: ids.map((id) => ({ type: 'user', id })) }],
      });
      assert.equal(policy.status, 201, JSON.stringify(policy.body));
      const svc = await t.api<{ id: string }>('POST', '/api/services', {
        name: `${name} service`,
        teamId,
        escalationPolicyId: policy.body.id,
      });
      assert.equal(svc.status, 201, JSON.stringify(svc.body));
      const key = await t.api<{ key: string }>('POST', `/api/services/${svc.body.id}/integration-keys`, {
        source: 'generic',
      });
      return key.body.key;
    }

    const fire = (key: string, dedupKey: string) =>
      t.api<{ alerts: { alertId: string }[] }>(
        'POST',
        `/integrations/generic/${key}`,
        { status: 'firing', dedupKey, title: `alert ${dedupKey} end`, severity: 'critical' },
        null,
      );

    /** The other team's alerts, one every SPACING_MS; every page must arrive. */
    async function measure(phase: string): Promise<Figures> {
      const sentAt = new Map<string, number>();
      const intake: number[] = [];
      for (let i = 0; i < OTHER_ALERTS; i++) {
        const dedupKey = `other-${phase}-${i}`;
        const t0 = performance.now();
        sentAt.set(dedupKey, t0);
        const r = await fire(otherKey, dedupKey);
        intake.push(performance.now() - t0);
        assert.equal(r.status, 200, JSON.stringify(r.body));
        await sleep(Math.max(0, SPACING_MS - (performance.now() - t0)));
      }
      const page: number[] = [];
      const deadline = Date.now() + 15_000;
      for (const [dedupKey, t0] of sentAt) {
        for (;;) {
          const hit = healthy.arrivals.find((a) => a.body.includes(`alert ${dedupKey} end`));
          if (hit) {
            page.push(hit.at - t0);
            break;
          }
          assert.ok(Date.now() < deadline, `${dedupKey}'s page did not arrive (phase ${phase})`);
          await sleep(10);
        }
      }
      const f = { intake, page };
      figures[phase] = f;
      const fmt = (xs: number[]) => `p50 ${percentile(xs, 50).toFixed(0)} / p90 ${percentile(xs, 90).toFixed(0)} ms`;
      console.log(`# [${engine}] ${phase}: intake ${fmt(intake)}; alert → page ${fmt(page)}`);
      return f;
    }

    function assertWithinTwice(phase: string): void {
      const clean = figures.clean!;
      const now = figures[phase]!;
      for (const what of ['intake', 'page'] as const) {
        const limit = 2 * Math.max(percentile(clean[what], 90), NOISE_FLOOR_MS);
        const got = percentile(now[what], 90);
        assert.ok(got <= limit, `${phase}: ${what} p90 ${got.toFixed(0)} ms > ${limit.toFixed(0)} ms (clean × 2)`);
      }
    }

    before(async () => {
      t = await startTestMuster(engine, { 'jobs.pollIntervalMs': 100 });
      await Promise.all([hang.start(), slow.start(), healthy.start()]);
      drop = await startBlackhole();
      victimKey = await team('Victims', [
        { name: 'hang', url: hang.url },
        { name: 'slow', url: slow.url },
        { name: 'drop', url: drop.url },
      ]);
      otherKey = await team('Others', [{ name: 'other', url: healthy.url }]);
      // Warm up (first connections, prepared statements) before measuring.
      await fire(otherKey, 'warm-up');
      for (let i = 0; i < 50 && healthy.arrivals.length === 0; i++) await sleep(20);
    });

    after(async () => {
      // Let the stuck sends fail now rather than at their time-outs, so the server stops quickly.
      drop.close();
      await Promise.all([hang.close(), slow.close()]);
      await t.stop();
      await healthy.close();
    });

    it('measures the other team with no dead endpoint', async () => {
      await measure('clean');
    });

    it('keeps their intake and pages as fast while 3 pages go to dead endpoints', async () => {
      const r = await fire(victimKey, 'victim-0');
      assert.equal(r.status, 200);
      const victimAlert = r.body.alerts[0]!.alertId;
      // The sends are in flight: the hung and the slow receivers have the request, the drop one is connecting.
      for (let i = 0; i < 200 && (hang.arrivals.length < 1 || slow.arrivals.length < 1); i++) await sleep(20);
      assert.equal(hang.arrivals.length, 1);
      assert.equal(slow.arrivals.length, 1);
      await measure('3 dead pages');
      assertWithinTwice('3 dead pages');
      // The slow endpoint's page (answered after 9 s, inside the 10 s time-out) is delivered and recorded sent.
      const deadline = Date.now() + 15_000;
      let slowStatus = '';
      while (Date.now() < deadline) {
        const log = await t.api<{ notifications: { status: string; userId: string }[] }>(
          'GET',
          `/api/notifications?alertId=${victimAlert}`,
        );
        slowStatus = log.body.notifications.find((n) => n.userId === userIds.slow)?.status ?? '';
        if (slowStatus === 'sent') break;
        await sleep(200);
      }
      assert.equal(slowStatus, 'sent', 'the page to the endpoint that answers after 9 s was not recorded sent');
    });

    it('keeps their intake and pages as fast while 102 pages go to dead endpoints', async () => {
      const victims = await Promise.all(Array.from({ length: 34 }, (_, i) => fire(victimKey, `victim-many-${i}`)));
      for (const v of victims) assert.equal(v.status, 200);
      // The victims' own intake burst settles; their pages are now in flight or refused by the bulkheads.
      await sleep(1_000);
      // Meanwhile each dead destination has a bounded share of the job slots: at most two sends in flight.
      const bulkhead = t.muster.services.notify.bulkhead!;
      const hosts = [hang.url, slow.url, drop.url].map((u) => new URL(u).host);
      let most = 0;
      const sampler = setInterval(() => {
        for (const h of hosts) most = Math.max(most, bulkhead.inFlight(h));
      }, 10);
      try {
        await measure('102 dead pages');
      } finally {
        clearInterval(sampler);
      }
      assertWithinTwice('102 dead pages');
      assert.ok(most >= 1 && most <= 2, `at most two sends in flight to one dead host (saw ${most})`);
    });

    it('shows the owner a failing contact method, and Prometheus the sends by outcome', async () => {
      type Listed = { contactMethods: { health?: { status: string; lastError: string | null; breaker: string } }[] };
      const healthOf = async (name: string) =>
        (await t.api<Listed>('GET', `/api/users/${userIds[name]}/contact-methods`)).body.contactMethods[0]?.health;
      // The packet-dropping endpoint fails to connect within the 3 s connect time-out (well before the 10 s total).
      const deadline = Date.now() + 15_000;
      let drop = await healthOf('drop');
      while (drop?.status !== 'failing' && Date.now() < deadline) {
        await sleep(200);
        drop = await healthOf('drop');
      }
      assert.equal(drop?.status, 'failing', JSON.stringify(drop));
      assert.match(drop.lastError ?? '', /could not connect to 127\.0\.0\.1:\d+ within 3000 ms|circuit|is failing/);
      assert.equal((await healthOf('other'))?.status, 'ok');
      // Someone else (not an administrator) does not see it.
      const tokenFor = async (userId: string) =>
        (
          await t.muster.services.tokens.create(
            { userId, tokenId: null, label: 'test', ip: null, isAdmin: false },
            { name: 'test' },
          )
        ).token;
      const asOutsider = await t.api(
        'GET',
        `/api/users/${userIds.drop}/contact-methods`,
        undefined,
        await tokenFor(userIds.other!),
      );
      assert.equal(asOutsider.status, 403);
      const metrics = await t.api<string>('GET', '/metrics');
      assert.match(metrics.body, /muster_notification_sends_total\{channel="webhook",outcome="sent"\} \d+/);
      assert.match(metrics.body, /muster_notification_sends_total\{channel="webhook",outcome="unreachable"\} \d+/);
      assert.match(metrics.body, /muster_notification_breakers_open \d+/);
    });
  });
}
