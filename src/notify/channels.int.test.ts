import assert from 'node:assert/strict';
import { createHmac, timingSafeEqual } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import { ENGINES } from '../db/testing/index.js';
import { enqueueJob, findJob } from '../jobs/index.js';
import { DELIVER_JOB } from './index.js';
import { startNotifyHarness, type NotifyHarness } from '../testing/notify.js';

interface Attempt {
  status: string;
  isPermanent: boolean;
  error: string | null;
  providerMessageId: string | null;
}
interface Delivery {
  id: string;
  channel: string;
  status: string;
  attempts: number;
  lastError: string | null;
  providerMessageId: string | null;
  attemptsLog: Attempt[];
}

let userSeq = 0;

async function newUser(h: NotifyHarness): Promise<string> {
  const r = await h.t.api<{ user: { id: string } }>('POST', '/api/users', {
    email: `person${++userSeq}-${Date.now()}@example.test`,
    name: `Person ${userSeq}`,
    password: 'a long enough password',
  });
  assert.equal(r.status, 201);
  return r.body.user.id;
}

async function addContact(
  h: NotifyHarness,
  userId: string,
  body: Record<string, unknown>,
  delayMinutes: number | null = 0,
): Promise<{ id: string; secret?: string }> {
  const r = await h.t.api<{ contactMethod: { id: string }; secret?: string }>(
    'POST',
    `/api/users/${userId}/contact-methods`,
    body,
  );
  assert.equal(r.status, 201, JSON.stringify(r.body));
  if (delayMinutes !== null) {
    const rule = await h.t.api('POST', `/api/users/${userId}/notification-rules`, {
      contactMethodId: r.body.contactMethod.id,
      urgency: 'high',
      delayMinutes,
    });
    assert.equal(rule.status, 201, JSON.stringify(rule.body));
  }
  return { id: r.body.contactMethod.id, ...(r.body.secret ? { secret: r.body.secret } : {}) };
}

async function deliveriesOf(h: NotifyHarness, userId: string): Promise<Delivery[]> {
  const r = await h.t.api<{ notifications: Delivery[] }>('GET', `/api/notifications?userId=${userId}`);
  assert.equal(r.status, 200);
  return r.body.notifications;
}

async function waitForDeliveries(
  h: NotifyHarness,
  userId: string,
  done: (ds: Delivery[]) => boolean,
  timeoutMs = 20_000,
): Promise<Delivery[]> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const ds = await deliveriesOf(h, userId);
    if (done(ds)) return ds;
    if (Date.now() > deadline) throw new Error(`deliveries not done: ${JSON.stringify(ds, null, 1)}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

const allFinished = (n: number) => (ds: Delivery[]) =>
  ds.length === n && ds.every((d) => d.status !== 'pending' && d.status !== 'sending');
const message = (subject: string) => ({ subject, body: `Body of ${subject}`, url: 'https://muster.example/alerts/1' });

for (const engine of ENGINES) {
  describe(`notification channels [${engine}]`, () => {
    let h: NotifyHarness;
    before(async () => {
      h = await startNotifyHarness(engine);
    });
    after(async () => h.stop());

    it('delivers email to a real SMTP server with the subject and body, and records the attempt', async () => {
      const userId = await newUser(h);
      await addContact(h, userId, { kind: 'email', address: 'rita@example.test' });
      await h.notify({ userId, urgency: 'high', message: message('Disk full on db-1') });
      const [d] = await waitForDeliveries(h, userId, allFinished(1));
      assert.equal(d!.status, 'sent');
      const mail = h.smtp.messages.find((m) => m.to.includes('rita@example.test'));
      assert.ok(mail);
      assert.equal(mail.subject, '[Muster] Disk full on db-1');
      assert.match(mail.text, /Body of Disk full on db-1/);
      assert.match(mail.text, /Details: https:\/\/muster\.example\/alerts\/1/);
      assert.equal(mail.headers.get('x-muster-delivery-id'), d!.id);
      assert.deepEqual(
        d!.attemptsLog.map((a) => a.status),
        ['sent'],
      );
      assert.ok(d!.providerMessageId);
    });

    it('retries an SMTP 451 and records a 550 recipient as a permanent failure', async () => {
      const userId = await newUser(h);
      h.smtp.rejectRecipients.add('gone@example.test');
      await addContact(h, userId, { kind: 'email', address: 'gone@example.test' });
      await addContact(h, userId, { kind: 'email', address: 'busy@example.test' });
      h.smtp.failNext(1);
      await h.notify({ userId, urgency: 'low', message: message('SMTP outcomes') });
      const ds = await waitForDeliveries(h, userId, allFinished(2));
      const outcomes = ds
        .map((d) => d.attemptsLog.map((a) => `${a.status}${a.isPermanent ? '!' : ''}`).join(','))
        .sort();
      // RCPT TO refuses gone@ with 550 before DATA, so the one 451 (at DATA) always lands on busy@.
      assert.deepEqual(outcomes, ['failed!', 'failed,sent']);
      const gone = ds.find((d) => d.status === 'failed')!;
      assert.match(gone.lastError ?? '', /SMTP 550/);
      assert.ok(
        h.smtp.messages.some((m) => m.to.includes('busy@example.test') && m.subject.startsWith('[Muster, low]')),
      );
    });

    it('POSTs signed JSON to a webhook, verifiable with the secret shown at creation', async () => {
      const userId = await newUser(h);
      const { secret } = await addContact(h, userId, { kind: 'webhook', address: h.webhook.url });
      assert.ok(secret);
      const before = h.webhook.hits.length;
      await h.notify({ userId, urgency: 'high', message: message('Webhook page') });
      await waitForDeliveries(h, userId, allFinished(1));
      const hit = h.webhook.hits[before]!;
      const header = String(hit.headers['muster-signature']);
      const [, t, v1] = /^t=(\d+),v1=([0-9a-f]{64})$/.exec(header) ?? [];
      assert.ok(t && v1, header);
      const expected = createHmac('sha256', secret).update(`${t}.${hit.body}`).digest('hex');
      assert.ok(timingSafeEqual(Buffer.from(v1), Buffer.from(expected)), 'signature verifies');
      assert.ok(Math.abs(Date.now() / 1000 - Number(t)) < 60);
      const payload = JSON.parse(hit.body) as { subject: string; urgency: string; type: string };
      assert.equal(payload.subject, 'Webhook page');
      assert.equal(payload.type, 'notification');
      const wrong = createHmac('sha256', 'not the secret').update(`${t}.${hit.body}`).digest('hex');
      assert.notEqual(wrong, v1);
    });

    it('publishes to an ntfy server with priority and title', async () => {
      const userId = await newUser(h);
      await addContact(h, userId, { kind: 'ntfy', address: 'muster-test-topic' });
      await h.notify({ userId, urgency: 'high', message: message('Push page') });
      const [d] = await waitForDeliveries(h, userId, allFinished(1));
      assert.equal(d!.status, 'sent');
      const pub = h.ntfy.published.find((p) => p.title === 'Push page');
      assert.ok(pub);
      assert.equal(pub.topic, 'muster-test-topic');
      assert.equal(pub.priority, 5);
      assert.equal(d!.providerMessageId, pub.id);
    });

    it('sends a Slack DM through conversations.open and chat.postMessage', async () => {
      const userId = await newUser(h);
      await addContact(h, userId, { kind: 'slack', address: 'U0001' });
      await h.notify({ userId, urgency: 'high', message: message('Slack page') });
      const [d] = await waitForDeliveries(h, userId, allFinished(1));
      assert.equal(d!.status, 'sent');
      const msg = h.slack.messages.find((m) => m.text.includes('Slack page'));
      assert.ok(msg);
      assert.equal(msg.channel, 'DU0001');
      assert.equal(d!.providerMessageId, `DU0001:${msg.ts}`);
    });

    it('records an unknown Slack user as a permanent failure without retrying', async () => {
      const userId = await newUser(h);
      await addContact(h, userId, { kind: 'slack', address: 'U9999' });
      await h.notify({ userId, urgency: 'high', message: message('Nobody home') });
      const [d] = await waitForDeliveries(h, userId, allFinished(1));
      assert.equal(d!.status, 'failed');
      assert.equal(d!.attemptsLog.length, 1);
      assert.equal(d!.attemptsLog[0]!.isPermanent, true);
      assert.match(d!.lastError ?? '', /user_not_found/);
    });

    it('texts and calls verified numbers through Twilio, and skips an unverified one', async () => {
      const userId = await newUser(h);
      await addContact(h, userId, { kind: 'sms', address: '+14155550101', isVerified: true });
      await addContact(h, userId, { kind: 'voice', address: '+14155550102', isVerified: true });
      await addContact(h, userId, { kind: 'sms', address: '+14155550103' }); // not verified
      await h.notify({ userId, urgency: 'high', message: message('Phone page') });
      const ds = await waitForDeliveries(h, userId, allFinished(3));
      assert.deepEqual(ds.map((d) => d.status).sort(), ['sent', 'sent', 'skipped']);
      const sms = h.twilio.sent.find((s) => s.to === '+14155550101');
      assert.equal(sms?.kind, 'sms');
      assert.match(sms.body ?? '', /Phone page/);
      const call = h.twilio.sent.find((s) => s.to === '+14155550102');
      assert.equal(call?.kind, 'call');
      assert.match(call.twiml ?? '', /<Response><Say[^>]*>This is Muster\. High urgency\. Phone page\./);
      assert.ok(!h.twilio.sent.some((s) => s.to === '+14155550103'));
      assert.match(ds.find((d) => d.status === 'skipped')!.lastError ?? '', /not verified/);
    });

    it('retries a transient failure (500, then 200) with backoff and records both attempts', async () => {
      const userId = await newUser(h);
      await addContact(h, userId, { kind: 'sms', address: '+14155550111', isVerified: true });
      h.twilio.failNext(500, 1, { code: 20500, message: 'Internal Server Error', status: 500 });
      await h.notify({ userId, urgency: 'high', message: message('Retry me') });
      const [d] = await waitForDeliveries(h, userId, allFinished(1));
      assert.equal(d!.status, 'sent');
      assert.deepEqual(
        d!.attemptsLog.map((a) => [a.status, a.isPermanent]),
        [
          ['failed', false],
          ['sent', false],
        ],
      );
      assert.match(d!.attemptsLog[0]!.error ?? '', /HTTP 500/);
      assert.equal(h.twilio.sent.filter((s) => s.to === '+14155550111').length, 1);
    });

    it('waits as long as a 429 Retry-After asks before retrying', async () => {
      const userId = await newUser(h);
      await addContact(h, userId, { kind: 'webhook', address: h.webhook.url });
      h.webhook.statuses.push(429);
      h.webhook.responseHeaders.push({ 'retry-after': '120' });
      const before = Date.now();
      await h.notify({ userId, urgency: 'high', message: message('Slow down') });
      const [d] = await waitForDeliveries(h, userId, (ds) => ds.length === 1 && ds[0]!.attemptsLog.length === 1);
      assert.match(d!.attemptsLog[0]!.error ?? '', /HTTP 429/);
      // The failed attempt is recorded first; the job goes back to pending (with its retry time) just after.
      const deadline = Date.now() + 10_000;
      let job: { status: string; runAt: number } | undefined;
      for (;;) {
        job = await h.t.muster.services.db.kysely
          .selectFrom('jobs')
          .select(['status', 'runAt'])
          .where('kind', '=', 'notify.deliver')
          .where('payload', 'like', `%${d!.id}%`)
          .executeTakeFirst();
        if (job?.status === 'pending' || Date.now() > deadline) break;
        await new Promise((r) => setTimeout(r, 25));
      }
      assert.equal(job?.status, 'pending');
      assert.ok(job.runAt >= before + 120_000, `retry at +${job.runAt - before} ms, not before Retry-After's 120 s`);
      assert.ok(job.runAt <= Date.now() + 125_000);
    });

    it('records a 400 as a permanent failure and stops', async () => {
      const userId = await newUser(h);
      h.twilio.invalidNumbers.add('+14155550122');
      await addContact(h, userId, { kind: 'sms', address: '+14155550122', isVerified: true });
      await h.notify({ userId, urgency: 'high', message: message('Bad number') });
      const [d] = await waitForDeliveries(h, userId, allFinished(1));
      assert.equal(d!.status, 'failed');
      assert.equal(d!.attemptsLog.length, 1);
      assert.equal(d!.attemptsLog[0]!.isPermanent, true);
      assert.match(d!.lastError ?? '', /HTTP 400: 21211/);
      await new Promise((r) => setTimeout(r, 1500));
      assert.equal(h.twilio.requests.filter((r) => r.body.includes('%2B14155550122')).length, 1, 'no retry');
    });

    it('does not let one channel that is down hold up another', async () => {
      const userId = await newUser(h);
      await addContact(h, userId, { kind: 'ntfy', address: 'down-topic' });
      await addContact(h, userId, { kind: 'email', address: 'isolated@example.test' });
      h.ntfy.failNext(503, 1000, { code: 50301, http: 503, error: 'service unavailable' });
      try {
        await h.notify({ userId, urgency: 'high', message: message('Isolation') });
        const ds = await waitForDeliveries(h, userId, (all) =>
          all.some((d) => d.channel === 'email' && d.status === 'sent'),
        );
        const ntfy = ds.find((d) => d.channel === 'ntfy')!;
        assert.equal(ntfy.status, 'pending');
        assert.ok(h.smtp.messages.some((m) => m.to.includes('isolated@example.test')));
      } finally {
        h.ntfy.clearFaults();
      }
      const ds = await waitForDeliveries(h, userId, allFinished(2), 30_000);
      const ntfy = ds.find((d) => d.channel === 'ntfy')!;
      assert.equal(ntfy.status, 'sent');
      assert.ok(ntfy.attemptsLog.filter((a) => a.status === 'failed').length >= 1);
    });

    it('follows the rule delays: a step due later is planned, not sent', async () => {
      const userId = await newUser(h);
      await addContact(h, userId, { kind: 'email', address: 'now@example.test' }, 0);
      await addContact(h, userId, { kind: 'email', address: 'later@example.test' }, 5);
      await h.notify({ userId, urgency: 'high', message: message('Stepwise') });
      const ds = await waitForDeliveries(h, userId, (all) => all.some((d) => d.status === 'sent'));
      assert.equal(ds.length, 2);
      assert.deepEqual(ds.map((d) => d.status).sort(), ['pending', 'sent']);
      assert.ok(!h.smtp.messages.some((m) => m.to.includes('later@example.test')));
    });

    it('ignores a duplicate or late job for a delivery that was already sent', async () => {
      const userId = await newUser(h);
      await addContact(h, userId, { kind: 'slack', address: 'U0002' });
      const [deliveryId] = await h.notify({ userId, urgency: 'high', message: message('Exactly once') });
      await waitForDeliveries(h, userId, allFinished(1));
      const { services } = h.t.muster;
      const now = services.clock.now();
      const jobId = await services.db.kysely
        .transaction()
        .execute((trx) =>
          enqueueJob(
            trx,
            services.db.engine,
            { kind: DELIVER_JOB, payload: { deliveryId }, uniqueKey: `dup:${deliveryId}` },
            now,
          ),
        );
      services.runner?.wake();
      const deadline = Date.now() + 10_000;
      while ((await findJob(services.db.kysely, jobId!))?.status !== 'succeeded') {
        assert.ok(Date.now() < deadline, 'the duplicate job ran');
        await new Promise((r) => setTimeout(r, 25));
      }
      const [d] = await deliveriesOf(h, userId);
      assert.equal(d!.attemptsLog.length, 1);
      assert.equal(h.slack.messages.filter((m) => m.text.includes('Exactly once')).length, 1);
    });

    it('does not notify twice for the same key', async () => {
      const userId = await newUser(h);
      await addContact(h, userId, { kind: 'email', address: 'once@example.test' });
      const first = await h.notify({ userId, urgency: 'high', message: message('Once'), key: 'step-1' });
      const second = await h.notify({ userId, urgency: 'high', message: message('Once'), key: 'step-1' });
      assert.equal(first.length, 1);
      assert.equal(second.length, 0);
      await waitForDeliveries(h, userId, allFinished(1));
    });
  });
}
