/**
 * Web Push contact methods end to end on both engines (issue 14, item 4), against a push-service stand-in written
 * from RFC 8030, RFC 8292 and RFC 8291 (src/testing/standins/push-service.ts) that plays the browser too: an alert
 * pages a person whose contact method is a push subscription; the stand-in verifies the VAPID signature and claims,
 * decrypts the message and finds the alert's title, service and one-click links; the acknowledge link acknowledges;
 * a 410 from the push service marks the method expired and it is no longer paged; private endpoints are refused.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { ENGINES } from '../db/testing/index.js';
import type { ResolveAll } from '../shared/net.js';
import { WebhookReceiver } from '../testing/notify.js';
import { startTestMuster, type TestMuster } from '../testing/server.js';
import { PushServiceStandIn, type BrowserSubscription } from '../testing/standins/push-service.js';
import type { PushPayload } from './webpush.js';
import { until } from '../testing/fixtures.js';

/** Host names as a DNS server would answer them; a test re-points one after it was given (DNS rebinding). */
const dns: Record<string, string[]> = { 'push.example.test': ['93.184.215.14'] };
const resolve: ResolveAll = (host) => {
  const addresses = dns[host];
  if (!addresses) return Promise.reject(Object.assign(new Error(`ENOTFOUND ${host}`), { code: 'ENOTFOUND' }));
  return Promise.resolve(addresses.map((address) => ({ address, family: address.includes(':') ? 6 : 4 })));
};

interface Method {
  id: string;
  kind: string;
  hasSecret: boolean;
  expiredAt: string | null;
  isVerified: boolean;
}
interface Delivery {
  contactMethodId: string;
  channel: string;
  status: string;
  lastError: string | null;
}
interface Problem {
  field: string;
  message: string;
}

for (const engine of ENGINES) {
  describe(`Web Push contact methods [${engine}]`, () => {
    let t: TestMuster;
    let push: PushServiceStandIn;
    let hook: WebhookReceiver;
    let anaId: string;
    let anaToken: string;
    let key: string;
    let vapidKey: string;
    let sub: BrowserSubscription;
    let methodId: string;

    const trigger = async (dedupKey: string): Promise<string> => {
      const r = await t.api<{ alerts: { alertId: string }[] }>(
        'POST',
        `/integrations/generic/${key}`,
        { status: 'firing', dedupKey, title: `Checkout errors ${dedupKey}`, severity: 'critical' },
        null,
      );
      assert.equal(r.status, 200, JSON.stringify(r.body));
      return r.body.alerts[0]!.alertId;
    };
    const deliveries = async (alertId: string): Promise<Delivery[]> =>
      (await t.api<{ notifications: Delivery[] }>('GET', `/api/notifications?alertId=${alertId}`)).body.notifications;
    const methods = async (): Promise<Method[]> =>
      (await t.api<{ contactMethods: Method[] }>('GET', `/api/users/${anaId}/contact-methods`)).body.contactMethods;

    before(async () => {
      push = await new PushServiceStandIn().start();
      hook = await new WebhookReceiver().start();
      t = await startTestMuster(engine, {}, { resolve });
      const teamId = (await t.api<{ id: string }>('POST', '/api/teams', { name: 'Checkout' })).body.id;
      const ana = await t.api<{ user: { id: string } }>('POST', '/api/users', {
        email: 'ana@example.test',
        name: 'Ana',
        password: 'a long enough password',
      });
      anaId = ana.body.user.id;
      anaToken = (
        await t.muster.services.tokens.create(
          { userId: anaId, tokenId: null, label: 'ana', ip: null, isAdmin: false },
          { name: 'phone' },
        )
      ).token;
      await t.api('PUT', `/api/teams/${teamId}/members/${anaId}`, { role: 'responder' });
      const policy = await t.api<{ id: string }>('POST', '/api/escalation-policies', {
        teamId,
        name: 'Checkout paging',
        repeat: 0,
        workingHours: { timezone: 'UTC', days: [1, 2, 3, 4, 5], start: '09:00', end: '17:30' },
        levels: [{ delayMinutes: 30, targets: [{ type: 'user', id: anaId }] }],
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
      // Ana's second way to be reached: a webhook, so a page that leaves push out still shows up somewhere.
      const cm = await t.api('POST', `/api/users/${anaId}/contact-methods`, { kind: 'webhook', address: hook.url });
      assert.equal(cm.status, 201, JSON.stringify(cm.body));

      // The browser asks for the server's VAPID key (signed in), then subscribes with it.
      const vapid = await t.api<{ publicKey: string }>('GET', '/api/push/vapid-public-key', undefined, anaToken);
      assert.equal(vapid.status, 200, JSON.stringify(vapid.body));
      vapidKey = vapid.body.publicKey;
      sub = push.subscribe(vapidKey);
      // The stand-in listens on loopback: an organisation administrator's endpoint may be private (as webhooks).
      const created = await t.api<{ contactMethod: Method; secret?: string }>(
        'POST',
        `/api/users/${anaId}/contact-methods`,
        { kind: 'webpush', label: 'Phone', address: sub.endpoint, keys: sub.keys },
      );
      assert.equal(created.status, 201, JSON.stringify(created.body));
      assert.equal(created.body.contactMethod.kind, 'webpush');
      assert.equal(created.body.contactMethod.isVerified, true, 'push needs no verification step');
      assert.equal(created.body.secret, undefined, 'the subscription keys are never returned');
      methodId = created.body.contactMethod.id;
    });
    after(async () => {
      await t.stop();
      await push.close();
      await hook.close();
    });

    it('serves the VAPID public key to signed-in users only, made on first start and kept in the database', async () => {
      const anonymous = await fetch(`${t.url}/api/push/vapid-public-key`);
      assert.equal(anonymous.status, 401);
      const row = await t.muster.services.db.kysely
        .selectFrom('instanceSettings')
        .select('value')
        .where('key', '=', 'notify.webpush_vapid_keys')
        .executeTakeFirstOrThrow();
      const stored = JSON.parse(row.value) as { publicKey: string; privateKey: string };
      assert.equal(stored.publicKey, vapidKey);
      assert.equal(Buffer.from(stored.privateKey, 'base64url').length, 32);
      const listed = JSON.stringify(await methods());
      assert.ok(!listed.includes(stored.privateKey) && !listed.includes(sub.keys.auth), 'no key in the API');
    });

    it('pages with one encrypted push message: title, service, action links; its acknowledge link acknowledges', async () => {
      const alertId = await trigger('push-page');
      await until('the push message', async () => push.received.some((r) => r.text.includes(alertId))).catch(
        async (e: Error) => {
          const seen = {
            deliveries: await deliveries(alertId),
            refusals: push.refusals,
            requests: push.requests.length,
          };
          throw new Error(`${e.message}: ${JSON.stringify(seen)}`);
        },
      );
      const mine = push.received.filter((r) => r.text.includes(alertId));
      assert.equal(mine.length, 1, 'one message for the page');
      const [msg] = mine;
      assert.equal(msg!.subscriptionId, sub.id);
      assert.equal(msg!.urgency, 'high', 'a critical alert is high urgency');
      assert.ok(msg!.ttl > 0, 'a TTL');
      assert.match(msg!.topic ?? '', /^[A-Za-z0-9_-]{1,32}$/, 'a topic, so the push service replaces a re-page');
      assert.equal(msg!.claims.aud, push.url, 'VAPID aud is the push service origin');
      assert.equal(msg!.vapidKey, vapidKey);
      assert.deepEqual(push.refusals, []);

      const payload = JSON.parse(msg!.text) as PushPayload;
      assert.match(payload.title, /Checkout errors push-page/);
      assert.doesNotMatch(payload.title, /\[Muster\]/);
      assert.match(payload.body, /Checkout API/, 'the body names the service');
      assert.match(payload.body, /Checkout errors push-page/, 'and the summary');
      assert.equal(payload.tag, alertId, 'a re-page for the alert replaces the notification');
      assert.equal(payload.alertId, alertId);
      assert.equal(payload.url, `${t.url}/alerts/${alertId}`);
      assert.equal(payload.requireInteraction, true);
      assert.ok(payload.actions, 'acknowledge and resolve links');
      assert.ok(payload.actions.acknowledge.startsWith(`${t.url}/a/`), payload.actions.acknowledge);
      assert.ok(payload.actions.resolve?.startsWith(`${t.url}/a/`), payload.actions.resolve);

      const [d] = (await deliveries(alertId)).filter((x) => x.contactMethodId === methodId);
      assert.equal(d?.channel, 'webpush');
      await until('the delivery recorded', async () =>
        (await deliveries(alertId)).some((x) => x.contactMethodId === methodId && x.status === 'sent'),
      );

      // What the service worker's Acknowledge action does: POST the signed link, no session.
      const acked = await fetch(payload.actions.acknowledge, {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
        body: 'confirm=1',
      });
      assert.equal(acked.status, 200);
      const alert = await t.api<{ status: string; acknowledgedByLabel?: string }>('GET', `/api/alerts/${alertId}`);
      assert.equal(alert.body.status, 'acknowledged');
    });

    it('marks the method expired on 410 Gone, no longer pages it, and renews it when the device subscribes again', async () => {
      push.unsubscribe(sub.id);
      const gone = await trigger('push-gone');
      const failed = await until('the push delivery failed', async () =>
        (await deliveries(gone)).find((x) => x.contactMethodId === methodId && x.status === 'failed'),
      );
      assert.match(failed.lastError ?? '', /410/);
      const expired = (await methods()).find((m) => m.id === methodId)!;
      assert.ok(expired.expiredAt, 'shown expired');
      const audit = await t.api<{ events: { action: string; details: { id?: string } }[] }>(
        'GET',
        '/api/audit-events?action=contact_method.expired',
      );
      assert.ok(
        audit.body.events.some((e) => e.action === 'contact_method.expired' && e.details.id === methodId),
        JSON.stringify(audit.body),
      );

      const later = await trigger('push-after-expiry');
      await until('the webhook page', async () => hook.hits.some((h) => h.body.includes(later)));
      await until('every delivery finished', async () =>
        (await deliveries(later)).every((x) => x.status !== 'pending' && x.status !== 'sending'),
      );
      assert.deepEqual(
        (await deliveries(later)).filter((x) => x.contactMethodId === methodId),
        [],
        'an expired subscription is not paged',
      );

      // The same device enables push again: a new subscription at the same endpoint renews the method.
      const again = push.subscribe(vapidKey);
      const renewed = await t.api<{ contactMethod: Method }>('POST', `/api/users/${anaId}/contact-methods`, {
        kind: 'webpush',
        address: sub.endpoint,
        keys: again.keys,
      });
      assert.equal(renewed.status, 201, JSON.stringify(renewed.body));
      assert.equal(renewed.body.contactMethod.id, methodId, 'the same method, not a second one');
      assert.equal(renewed.body.contactMethod.expiredAt, null);
      assert.equal((await methods()).filter((m) => m.kind === 'webpush').length, 1);
    });

    it('refuses a private endpoint when given (naming the field) and when used, and bad keys', async () => {
      const endpointOf = (host: string) => `http://${host}/push/abc`;
      for (const host of ['127.0.0.1:8443', 'localhost', '[::1]', '10.1.2.3', '169.254.169.254']) {
        const r = await t.api<{ error: { code: string; details: { problems: Problem[] } } }>(
          'POST',
          `/api/users/${anaId}/contact-methods`,
          { kind: 'webpush', address: endpointOf(host), keys: sub.keys },
          anaToken,
        );
        assert.equal(r.status, 400, `${host}: ${JSON.stringify(r.body)}`);
        assert.deepEqual(
          r.body.error.details.problems.map((p) => p.field),
          ['address'],
          host,
        );
      }
      const bad = await t.api<{ error: { details: { problems: Problem[] } } }>(
        'POST',
        `/api/users/${anaId}/contact-methods`,
        { kind: 'webpush', address: 'https://push.example.test/push/x', keys: { p256dh: 'AAAA', auth: 'short' } },
        anaToken,
      );
      assert.equal(bad.status, 400);
      assert.deepEqual(bad.body.error.details.problems.map((p) => p.field).sort(), ['keys.auth', 'keys.p256dh']);
      const noKeys = await t.api<{ error: { details: { problems: Problem[] } } }>(
        'POST',
        `/api/users/${anaId}/contact-methods`,
        { kind: 'webpush', address: 'https://push.example.test/push/x' },
        anaToken,
      );
      assert.equal(noKeys.status, 400);
      assert.deepEqual(
        noKeys.body.error.details.problems.map((p) => p.field),
        ['keys'],
      );

      // Given as a public name by Ana herself, re-pointed at a private address before it is used: refused on send.
      dns['push.example.test'] = ['93.184.215.14'];
      const port = new URL(push.url).port;
      const sneaky = push.subscribe(vapidKey);
      const given = await t.api<{ contactMethod: Method }>(
        'POST',
        `/api/users/${anaId}/contact-methods`,
        { kind: 'webpush', address: `http://push.example.test:${port}/push/${sneaky.id}`, keys: sneaky.keys },
        anaToken,
      );
      assert.equal(given.status, 201, JSON.stringify(given.body));
      dns['push.example.test'] = ['127.0.0.1'];
      const alertId = await trigger('push-rebound');
      const refused = await until('the rebound push refused', async () =>
        (await deliveries(alertId)).find(
          (x) => x.contactMethodId === given.body.contactMethod.id && x.status === 'failed',
        ),
      );
      assert.match(
        refused.lastError ?? '',
        /push\.example\.test resolves to a private, loopback or link-local address; refused/,
      );
      assert.deepEqual(push.payloadsFor(sneaky.id), [], 'nothing reached the private address');
    });
  });
}
