/**
 * Claim → commit → send → record (issue 23), on both engines:
 *   - an acknowledgement that lands while a page to a slow endpoint is in flight commits at once (it does not wait
 *     for the send); that one send finishes and is recorded `sent`; a page claimed after the acknowledgement (the
 *     person's next rule step) is skipped and never reaches its endpoint;
 *   - no send can start inside a database transaction: the outbound helpers throw TransactionMisuseError.
 */
import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import { after, before, describe, it } from 'node:test';
import { TransactionMisuseError } from '../db/tx-context.js';
import { ENGINES } from '../db/testing/index.js';
import { FakeClock, MINUTE } from '../shared/clock.js';
import { resolveAll } from '../shared/net.js';
import { closeServer, listenHook, WebhookReceiver } from '../testing/notify.js';
import { startTestMuster, type TestMuster } from '../testing/server.js';
import { httpRequest } from './channel.js';
import { until } from '../testing/fixtures.js';

const HOLD_MS = 4_000;

/** A receiver that holds each request for HOLD_MS; `inFlight` counts requests received and not yet answered. */
class SlowReceiver {
  inFlight = 0;
  answered = 0;
  private server: Server | null = null;
  url = '';
  async start(): Promise<this> {
    this.server = createServer((req, res) => {
      req.resume();
      req.on('end', () => {
        this.inFlight++;
        setTimeout(() => {
          this.inFlight--;
          this.answered++;
          if (!res.destroyed) res.writeHead(200).end('ok');
        }, HOLD_MS).unref();
      });
    });
    this.url = await listenHook(this.server);
    return this;
  }
  close(): Promise<void> {
    return closeServer(this.server);
  }
}

for (const engine of ENGINES) {
  describe(`claim, send, record [${engine}]`, () => {
    let t: TestMuster;
    const clock = new FakeClock(Date.parse('2026-11-24T12:00:00Z'));
    const slow = new SlowReceiver();
    const fast = new WebhookReceiver();

    before(async () => {
      t = await startTestMuster(engine, { 'jobs.pollIntervalMs': 50 }, { clock });
      await Promise.all([slow.start(), fast.start()]);
    });
    after(async () => {
      await slow.close();
      await t.stop();
      await fast.close();
    });

    it('commits an acknowledgement during a slow send at once; that send finishes, a later claim is skipped', async () => {
      const teamId = (await t.api<{ id: string }>('POST', '/api/teams', { name: 'Ack team' })).body.id;
      const u = await t.api<{ user: { id: string } }>('POST', '/api/users', {
        email: 'acker@example.test',
        name: 'acker',
        password: 'a long enough password',
      });
      const userId = u.body.user.id;
      await t.api('PUT', `/api/teams/${teamId}/members/${userId}`, { role: 'responder' });
      const contact = async (url: string) =>
        (
          await t.api<{ contactMethod: { id: string } }>('POST', `/api/users/${userId}/contact-methods`, {
            kind: 'webhook',
            address: url,
          })
        ).body.contactMethod.id;
      const slowCm = await contact(slow.url);
      const fastCm = await contact(fast.url);
      // The slow webhook at once, the fast one a minute later (claimed after the acknowledgement).
      for (const [contactMethodId, delayMinutes] of [
        [slowCm, 0],
        [fastCm, 1],
      ] as const) {
        const r = await t.api('POST', `/api/users/${userId}/notification-rules`, {
          contactMethodId,
          urgency: 'high',
          delayMinutes,
        });
        assert.equal(r.status, 201, JSON.stringify(r.body));
      }
      const policy = await t.api<{ id: string }>('POST', '/api/escalation-policies', {
        teamId,
        name: 'Ack policy',
        workingHours: { timezone: 'UTC', days: [1, 2, 3, 4, 5, 6, 7], start: '00:00', end: '23:59' },
        levels: [{ delayMinutes: 30, targets: [{ type: 'user', id: userId }] }],
      });
      const svc = await t.api<{ id: string }>('POST', '/api/services', {
        name: 'Ack service',
        teamId,
        escalationPolicyId: policy.body.id,
      });
      const key = (
        await t.api<{ key: string }>('POST', `/api/services/${svc.body.id}/integration-keys`, { source: 'generic' })
      ).body.key;
      const r = await t.api<{ alerts: { alertId: string }[] }>(
        'POST',
        `/integrations/generic/${key}`,
        { status: 'firing', dedupKey: 'slow-ack', title: 'Slow endpoint', severity: 'critical' },
        null,
      );
      const alertId = r.body.alerts[0]!.alertId;

      await until('the page to the slow endpoint in flight', async () => slow.inFlight === 1);
      const t0 = performance.now();
      const ack = await t.api('POST', `/api/alerts/${alertId}/acknowledge`);
      const ackMs = performance.now() - t0;
      assert.equal(ack.status, 200, JSON.stringify(ack.body));
      // The acknowledgement committed while the send was still waiting for its answer: it held no lock over it.
      assert.equal(slow.answered, 0, `the acknowledgement waited for the send (${ackMs.toFixed(0)} ms)`);
      assert.equal(slow.inFlight, 1);

      type Log = { notifications: { contactMethodId: string; status: string; lastError: string | null }[] };
      const statusOf = async (cm: string) =>
        (await t.api<Log>('GET', `/api/notifications?alertId=${alertId}`)).body.notifications.find(
          (n) => n.contactMethodId === cm,
        );
      // The send in flight finishes and is recorded.
      await until('the slow page recorded sent', async () => (await statusOf(slowCm))?.status === 'sent');
      // The next rule step is claimed after the acknowledgement: skipped, never sent.
      clock.advance(MINUTE);
      t.muster.services.runner?.wake();
      const skipped = await until('the later page skipped', async () => {
        const d = await statusOf(fastCm);
        return d?.status === 'skipped' ? d : null;
      });
      assert.match(skipped.lastError ?? '', /acknowledged or resolved/);
      assert.equal(fast.hits.length, 0);
      assert.equal(slow.answered, 1);
    });

    it('refuses to start a send, an HTTP request or a DNS lookup inside a database transaction', async () => {
      const db = t.muster.services.db;
      await assert.rejects(
        db.kysely.transaction().execute(() => httpRequest('webhook', fast.url, { body: '{}' })),
        TransactionMisuseError,
      );
      await assert.rejects(
        db.kysely.transaction().execute(async () => {
          await resolveAll('localhost');
        }),
        TransactionMisuseError,
      );
      assert.equal(fast.hits.length, 0, 'a request left inside a transaction');
      // Outside a transaction the same request goes out.
      const ok = await httpRequest('webhook', fast.url, { body: '{}' });
      assert.equal(ok.status, 200);
      assert.equal(fast.hits.length, 1);
    });
  });
}
