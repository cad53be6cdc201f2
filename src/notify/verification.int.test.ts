import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { ENGINES } from '../db/testing/index.js';
import { startNotifyHarness, type NotifyHarness } from '../testing/notify.js';

/** Issue 10, defect 8: the verification code reaches the phone only, never the user's own notification log. */
for (const engine of ENGINES) {
  describe(`contact method verification [${engine}]`, () => {
    let h: NotifyHarness;
    before(async () => {
      h = await startNotifyHarness(engine);
    });
    after(async () => h.stop());

    it('texts the code, and neither the log, the delivery nor its attempts show it', async () => {
      const user = await h.t.api<{ user: { id: string } }>('POST', '/api/users', {
        email: `verify-${Date.now()}@example.test`,
        name: 'Verifier',
        password: 'a long enough password',
      });
      assert.equal(user.status, 201);
      const userId = user.body.user.id;
      const token = (await h.t.api<{ token: string }>('POST', '/api/tokens', { name: 'own', userId })).body.token;
      const number = '+14155550177';
      const cm = await h.t.api<{ contactMethod: { id: string } }>(
        'POST',
        `/api/users/${userId}/contact-methods`,
        { kind: 'sms', address: number },
        token,
      );
      assert.equal(cm.status, 201, JSON.stringify(cm.body));
      const cmId = cm.body.contactMethod.id;
      const started = await h.t.api<{ deliveryId: string }>(
        'POST',
        `/api/users/${userId}/contact-methods/${cmId}/verification`,
        undefined,
        token,
      );
      assert.equal(started.status, 202, JSON.stringify(started.body));

      let sms: { body?: string } | undefined;
      for (let i = 0; i < 200 && !sms; i++) {
        sms = h.twilio.sent.find((s) => s.to === number);
        if (!sms) await new Promise((r) => setTimeout(r, 25));
      }
      const code = /verification code:? (?:is )?(\d{6})/.exec(sms?.body ?? '')?.[1];
      assert.ok(code, `the SMS carries the code: ${sms?.body}`);

      // What the user can read about that delivery, and what is stored, shows no code.
      const log = await h.t.api<{ notifications: { id: string }[] }>(
        'GET',
        `/api/notifications?userId=${userId}`,
        undefined,
        token,
      );
      assert.equal(log.status, 200);
      assert.ok(log.body.notifications.some((n) => n.id === started.body.deliveryId));
      assert.ok(!JSON.stringify(log.body).includes(code), 'the notification log shows the code');
      const db = h.t.muster.services.db.kysely;
      const delivery = await db
        .selectFrom('notificationDeliveries')
        .selectAll()
        .where('id', '=', started.body.deliveryId)
        .executeTakeFirstOrThrow();
      assert.ok(!JSON.stringify(delivery).includes(code), 'the stored delivery holds the code');
      assert.match(delivery.message, /\{\{code\}\}/);
      const attempts = await db
        .selectFrom('notificationAttempts')
        .selectAll()
        .where('deliveryId', '=', started.body.deliveryId)
        .execute();
      assert.ok(attempts.length > 0);
      assert.ok(!JSON.stringify(attempts).includes(code));

      // The code from the phone verifies the number.
      const confirmed = await h.t.api<{ isVerified: boolean }>(
        'POST',
        `/api/users/${userId}/contact-methods/${cmId}/verification/confirm`,
        { code },
        token,
      );
      assert.equal(confirmed.status, 200, JSON.stringify(confirmed.body));
      assert.equal(confirmed.body.isVerified, true);
    });
  });
}
