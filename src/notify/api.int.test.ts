import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { ENGINES } from '../db/testing/index.js';
import type { ResolveAll } from '../shared/net.js';
import { startNotifyHarness, type NotifyHarness } from '../testing/notify.js';

/** The public names these tests give as webhook and ntfy URLs (outbound URLs must resolve to public addresses). */
const resolve: ResolveAll = (host) =>
  ['ntfy.example.test', 'hooks.example.test'].includes(host)
    ? Promise.resolve([{ address: '93.184.215.14', family: 4 }])
    : Promise.reject(Object.assign(new Error(`ENOTFOUND ${host}`), { code: 'ENOTFOUND' }));

for (const engine of ENGINES) {
  describe(`contact methods and notification rules API [${engine}]`, () => {
    let h: NotifyHarness;
    let userId: string;
    let userToken: string;
    let otherId: string;
    before(async () => {
      h = await startNotifyHarness(engine, {}, { resolve });
      const mk = async (email: string) =>
        (
          await h.t.api<{ user: { id: string } }>('POST', '/api/users', {
            email,
            name: email,
            password: 'a long enough password',
          })
        ).body.user.id;
      userId = await mk('self@example.test');
      otherId = await mk('other@example.test');
      const tok = await h.t.muster.services.tokens.create(
        { userId, tokenId: null, label: 'self', ip: null, isAdmin: false },
        { name: 't' },
      );
      userToken = tok.token;
    });
    after(async () => h.stop());

    it('lets people manage their own contact methods and rules, audited, and not someone else’s', async () => {
      const cm = await h.t.api<{ contactMethod: { id: string; kind: string; isVerified: boolean } }>(
        'POST',
        `/api/users/${userId}/contact-methods`,
        { kind: 'ntfy', address: 'my-topic', serverUrl: 'https://ntfy.example.test' },
        userToken,
      );
      assert.equal(cm.status, 201);
      assert.equal(cm.body.contactMethod.isVerified, true, 'ntfy needs no verification: ready at once');
      const rule = await h.t.api<{ id: string }>(
        'POST',
        `/api/users/${userId}/notification-rules`,
        { contactMethodId: cm.body.contactMethod.id, urgency: 'high', delayMinutes: 0 },
        userToken,
      );
      assert.equal(rule.status, 201);
      const dup = await h.t.api<{ error: { code: string } }>(
        'POST',
        `/api/users/${userId}/notification-rules`,
        { contactMethodId: cm.body.contactMethod.id, urgency: 'high', delayMinutes: 0 },
        userToken,
      );
      assert.equal(dup.body.error.code, 'notification_rule_exists');
      const list = await h.t.api<{ rules: unknown[] }>(
        'GET',
        `/api/users/${userId}/notification-rules`,
        undefined,
        userToken,
      );
      assert.equal(list.body.rules.length, 1);
      assert.equal((await h.t.api('GET', `/api/users/${otherId}/contact-methods`, undefined, userToken)).status, 403);
      assert.equal(
        (
          await h.t.api(
            'POST',
            `/api/users/${otherId}/contact-methods`,
            { kind: 'email', address: 'x@y.test' },
            userToken,
          )
        ).status,
        403,
      );
      const audit = await h.t.api<{ events: { action: string }[] }>(
        'GET',
        `/api/audit-events?targetType=user&targetId=${userId}`,
      );
      const actions = audit.body.events.map((e) => e.action);
      assert.ok(actions.includes('contact_method.created') && actions.includes('notification_rule.created'));
    });

    it('names the field when an address does not fit its kind', async () => {
      const r = await h.t.api<{ error: { code: string; details: { problems: { field: string }[] } } }>(
        'POST',
        `/api/users/${userId}/contact-methods`,
        { kind: 'sms', address: '0155 555' },
        userToken,
      );
      assert.equal(r.status, 400);
      assert.deepEqual(
        r.body.error.details.problems.map((p) => p.field),
        ['address'],
      );
    });

    it('verifies an SMS number with a code sent through the number itself; only admins may skip that', async () => {
      const cm = await h.t.api<{ contactMethod: { id: string } }>(
        'POST',
        `/api/users/${userId}/contact-methods`,
        { kind: 'sms', address: '+14155550199' },
        userToken,
      );
      const id = cm.body.contactMethod.id;
      const selfVerify = await h.t.api(
        'PATCH',
        `/api/users/${userId}/contact-methods/${id}`,
        { isVerified: true },
        userToken,
      );
      assert.equal(selfVerify.status, 403);
      const sent = await h.t.api(
        'POST',
        `/api/users/${userId}/contact-methods/${id}/verification`,
        undefined,
        userToken,
      );
      assert.equal(sent.status, 202);
      await h.twilio.waitFor(() => h.twilio.sent.some((s) => s.to === '+14155550199'));
      const code = /code: (\d{6})/.exec(h.twilio.sent.find((s) => s.to === '+14155550199')!.body ?? '')?.[1];
      assert.ok(code);
      const wrong = await h.t.api(
        'POST',
        `/api/users/${userId}/contact-methods/${id}/verification/confirm`,
        { code: '000000' },
        userToken,
      );
      assert.equal(wrong.status, 400);
      const ok = await h.t.api<{ isVerified: boolean }>(
        'POST',
        `/api/users/${userId}/contact-methods/${id}/verification/confirm`,
        { code },
        userToken,
      );
      assert.equal(ok.status, 200);
      assert.equal(ok.body.isVerified, true);
      const moved = await h.t.api<{ contactMethod: { isVerified: boolean } }>(
        'PATCH',
        `/api/users/${userId}/contact-methods/${id}`,
        { address: '+14155550198' },
        userToken,
      );
      assert.equal(moved.body.contactMethod.isVerified, false, 'a new number must be verified again');
    });

    it('asks verification of SMS and voice only: the other kinds say verified and refuse a code', async () => {
      type Cm = { id: string; kind: string; isVerified: boolean; needsVerification: boolean };
      const add = async (body: Record<string, string>) => {
        const r = await h.t.api<{ contactMethod: Cm }>('POST', `/api/users/${userId}/contact-methods`, body, userToken);
        assert.equal(r.status, 201, JSON.stringify(r.body));
        return r.body.contactMethod;
      };
      const email = await add({ kind: 'email', address: 'me@example.test' });
      const webhook = await add({ kind: 'webhook', address: 'https://hooks.example.test/muster' });
      const ntfy = await add({ kind: 'ntfy', address: 'another-topic', serverUrl: 'https://ntfy.example.test' });
      const slack = await add({ kind: 'slack', address: 'U024BE7LH' });
      const sms = await add({ kind: 'sms', address: '+14155550177' });
      const voice = await add({ kind: 'voice', address: '+14155550178' });
      for (const m of [email, webhook, ntfy, slack]) {
        assert.deepEqual([m.kind, m.isVerified, m.needsVerification], [m.kind, true, false]);
        const code = await h.t.api<{ error: { code: string } }>(
          'POST',
          `/api/users/${userId}/contact-methods/${m.id}/verification`,
          undefined,
          userToken,
        );
        assert.equal(code.status, 409, m.kind);
        assert.equal(code.body.error.code, 'verification_not_needed');
      }
      for (const m of [sms, voice])
        assert.deepEqual([m.kind, m.isVerified, m.needsVerification], [m.kind, false, true]);
      // The list says the same, and a changed email address stays ready (only numbers are verified again).
      const list = await h.t.api<{ contactMethods: Cm[] }>(
        'GET',
        `/api/users/${userId}/contact-methods`,
        undefined,
        userToken,
      );
      const byId = new Map(list.body.contactMethods.map((c) => [c.id, c]));
      assert.equal(byId.get(email.id)!.isVerified, true);
      assert.equal(byId.get(sms.id)!.isVerified, false);
      const moved = await h.t.api<{ contactMethod: Cm }>(
        'PATCH',
        `/api/users/${userId}/contact-methods/${email.id}`,
        { address: 'me2@example.test' },
        userToken,
      );
      assert.equal(moved.body.contactMethod.isVerified, true);
    });

    it('shows people only their own delivery log unless they ask about an alert', async () => {
      assert.equal((await h.t.api('GET', `/api/notifications?userId=${otherId}`, undefined, userToken)).status, 403);
      assert.equal((await h.t.api('GET', '/api/notifications', undefined, userToken)).status, 200);
    });

    it('rotates a webhook secret and shows the new one once', async () => {
      const cm = await h.t.api<{ contactMethod: { id: string; hasSecret: boolean }; secret: string }>(
        'POST',
        `/api/users/${userId}/contact-methods`,
        { kind: 'webhook', address: 'https://hooks.example.test/muster' },
        userToken,
      );
      assert.equal(cm.body.contactMethod.hasSecret, true);
      const list = await h.t.api<{ contactMethods: Record<string, unknown>[] }>(
        'GET',
        `/api/users/${userId}/contact-methods`,
        undefined,
        userToken,
      );
      assert.ok(!JSON.stringify(list.body).includes(cm.body.secret), 'the secret is not listed');
      const rotated = await h.t.api<{ secret: string }>(
        'PATCH',
        `/api/users/${userId}/contact-methods/${cm.body.contactMethod.id}`,
        { rotateSecret: true },
        userToken,
      );
      assert.ok(rotated.body.secret && rotated.body.secret !== cm.body.secret);
    });
  });
}
