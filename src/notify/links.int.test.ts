import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { ENGINES } from '../db/testing/index.js';
import { startNotifyHarness, type NotifyHarness } from '../testing/notify.js';

interface Delivery {
  status: string;
  lastError: string | null;
  alertId: string | null;
}

/** A real alert, through the catalog and the generic intake endpoint. */
async function fireAlert(h: NotifyHarness, title: string): Promise<string> {
  const team = await h.t.api<{ id: string }>('POST', '/api/teams', { name: `Team ${title}` });
  const svc = await h.t.api<{ id: string }>('POST', '/api/services', { name: `Svc ${title}`, teamId: team.body.id });
  assert.equal(svc.status, 201, JSON.stringify(svc.body));
  const key = await h.t.api<{ key: string }>('POST', `/api/services/${svc.body.id}/integration-keys`, {
    source: 'generic',
  });
  assert.equal(key.status, 201, JSON.stringify(key.body));
  const fired = await h.t.api<{ alerts: { alertId: string }[] }>(
    'POST',
    `/integrations/generic/${key.body.key}`,
    { status: 'firing', title },
    null,
  );
  assert.equal(fired.status, 200, JSON.stringify(fired.body));
  return fired.body.alerts[0]!.alertId;
}

const alertStatus = async (h: NotifyHarness, id: string): Promise<string> =>
  (await h.t.api<{ status: string }>('GET', `/api/alerts/${id}`)).body.status;

const linkFrom = (text: string, label: 'Acknowledge' | 'Resolve'): string => {
  const m = new RegExp(`${label}: (\\S+)`).exec(text);
  assert.ok(m, `no ${label} link in:\n${text}`);
  return m[1]!;
};

const post = (url: string) =>
  fetch(url, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: 'confirm=1' });

async function waitForLog(h: NotifyHarness, alertId: string, n: number): Promise<Delivery[]> {
  const deadline = Date.now() + 20_000;
  for (;;) {
    const r = await h.t.api<{ notifications: Delivery[] }>('GET', `/api/notifications?alertId=${alertId}`);
    if (r.body.notifications.length >= n && r.body.notifications.every((d) => d.status !== 'pending')) {
      return r.body.notifications;
    }
    if (Date.now() > deadline) throw new Error(JSON.stringify(r.body));
    await new Promise((res) => setTimeout(res, 50));
  }
}

for (const engine of ENGINES) {
  describe(`one-click action links [${engine}]`, () => {
    let h: NotifyHarness;
    let adminId: string;
    before(async () => {
      h = await startNotifyHarness(engine);
      adminId = (await h.t.api<{ id: string }>('GET', '/api/me')).body.id;
      const cm = await h.t.api('POST', `/api/users/${adminId}/contact-methods`, {
        kind: 'email',
        address: 'oncall@example.test',
      });
      assert.equal(cm.status, 201);
    });
    after(async () => h.stop());

    it('emails an acknowledge link that confirms on GET, acts once on POST, and refuses reuse', async () => {
      const alertId = await fireAlert(h, 'Checkout errors');
      await h.notify({ userId: adminId, alertId, urgency: 'high', message: { subject: 'Checkout errors', body: 'x' } });
      await h.smtp.waitFor((ms) => ms.some((m) => m.subject.includes('Checkout errors')));
      const mail = h.smtp.messages.find((m) => m.subject.includes('Checkout errors'))!;
      const ack = linkFrom(mail.text, 'Acknowledge');
      assert.ok(ack.startsWith(`${h.t.url}/a/`), ack);
      assert.ok(mail.html.includes(ack.replace(/&/g, '&amp;')), 'the HTML part has the same link');

      const page = await fetch(ack);
      assert.equal(page.status, 200);
      assert.match(await page.text(), /<form method="post">/);
      assert.equal(page.headers.get('cache-control'), 'no-store');
      assert.equal(await alertStatus(h, alertId), 'triggered', 'GET changes nothing');

      const done = await post(ack);
      assert.equal(done.status, 200);
      assert.match(await done.text(), /acknowledged/);
      assert.equal(await alertStatus(h, alertId), 'acknowledged');

      const again = await post(ack);
      assert.equal(again.status, 409);
      assert.match(await again.text(), /used already/);
      assert.equal((await fetch(ack)).status, 409, 'the confirmation page says so too');
    });

    it('resolves with the resolve link, recording the recipient as the actor', async () => {
      const alertId = await fireAlert(h, 'Queue backlog');
      await h.notify({ userId: adminId, alertId, urgency: 'high', message: { subject: 'Queue backlog', body: 'y' } });
      await h.smtp.waitFor((ms) => ms.some((m) => m.subject.includes('Queue backlog')));
      const mail = h.smtp.messages.find((m) => m.subject.includes('Queue backlog'))!;
      assert.equal((await post(linkFrom(mail.text, 'Resolve'))).status, 200);
      const alert = await h.t.api<{ status: string; resolvedByLabel: string }>('GET', `/api/alerts/${alertId}`);
      assert.equal(alert.body.status, 'resolved');
      assert.match(alert.body.resolvedByLabel, /\(link\)$/);
    });

    it('signs links with a secret generated at first start and kept in instance_settings', async () => {
      const row = await h.t.muster.services.db.kysely
        .selectFrom('instanceSettings')
        .select('value')
        .where('key', '=', 'notify.action_link_secret')
        .executeTakeFirst();
      assert.ok(row && row.value.length >= 40);
    });

    it('refuses an expired link and a tampered one', async () => {
      const alertId = await fireAlert(h, 'Stale link');
      const links = h.t.muster.services.actionLinks;
      const ttl = h.t.muster.services.config.notify.linkTtlMinutes * 60_000;
      const old = await links.create({ action: 'acknowledge', alertId, userId: adminId }, Date.now() - ttl - 1000);
      assert.equal((await fetch(old.url)).status, 410);
      assert.equal((await post(old.url)).status, 410);

      const fresh = await links.create({ action: 'acknowledge', alertId, userId: adminId }, Date.now());
      const [v, payload, mac] = fresh.token.split('.') as [string, string, string];
      const claim = JSON.parse(Buffer.from(payload, 'base64url').toString()) as Record<string, unknown>;
      const forged = Buffer.from(JSON.stringify({ ...claim, a: 'resolve' })).toString('base64url');
      for (const token of [`${v}.${forged}.${mac}`, `${v}.${payload}.${mac.slice(0, -2)}AA`, 'garbage-token-value']) {
        const r = await post(`${h.t.url}/a/${token}`);
        assert.equal(r.status, 400, token);
      }
      assert.equal(await alertStatus(h, alertId), 'triggered');
      assert.equal((await post(fresh.url)).status, 200, 'the genuine link still works');
    });

    it('skips a planned page when the alert was acknowledged before it was due', async () => {
      const alertId = await fireAlert(h, 'Acked first');
      assert.equal((await h.t.api('POST', `/api/alerts/${alertId}/acknowledge`, {})).status, 200);
      await h.notify({ userId: adminId, alertId, urgency: 'high', message: { subject: 'Acked first', body: 'z' } });
      const [d] = await waitForLog(h, alertId, 1);
      assert.equal(d!.status, 'skipped');
      assert.match(d!.lastError ?? '', /acknowledged or resolved/);
      assert.ok(!h.smtp.messages.some((m) => m.subject.includes('Acked first')));
    });
  });
}
