/**
 * Issue 10, defect 2 (ReDoS), on both engines: a responder's silence `(a+)+b` and one event whose label is thirty "a"
 * and a "c" blocked the event loop for 10.5 s with JavaScript's RegExp. Silence patterns run on RE2 now
 * (src/shared/pattern.ts): intake answers at once, matching still works, and patterns RE2 cannot run are a 400 naming
 * the field.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { ENGINES } from '../db/testing/index.js';
import { startTestMuster, type TestMuster } from '../testing/server.js';

const HOUR = 3600_000;
const iso = (ms: number) => new Date(ms).toISOString();

for (const engine of ENGINES) {
  describe(`silence patterns run on RE2 [${engine}]`, () => {
    let t: TestMuster;
    let serviceId: string;
    let key: string;
    let responderToken: string;

    before(async () => {
      t = await startTestMuster(engine);
      const team = await t.api<{ id: string }>('POST', '/api/teams', { name: 'ReDoS team' });
      const user = await t.api<{ user: { id: string } }>('POST', '/api/users', {
        email: 'responder@example.test',
        name: 'Responder',
        password: 'a long enough password',
      });
      const userId = user.body.user.id;
      const member = await t.api('PUT', `/api/teams/${team.body.id}/members/${userId}`, { role: 'responder' });
      assert.ok(member.status < 300, JSON.stringify(member.body));
      responderToken = (
        await t.muster.services.tokens.create(
          { userId, tokenId: null, label: 'responder', ip: null, isAdmin: false },
          { name: 'responder' },
        )
      ).token;
      const svc = await t.api<{ id: string }>('POST', '/api/services', {
        name: 'Checkout',
        teamId: team.body.id,
        criticality: 'high',
      });
      serviceId = svc.body.id;
      key = (await t.api<{ key: string }>('POST', `/api/services/${serviceId}/integration-keys`, { source: 'generic' }))
        .body.key;
    });
    after(async () => t.stop());

    const silence = (value: string, token = responderToken) =>
      t.api<{ id: string; error?: { code: string; details: { problems: { field: string; message: string }[] } } }>(
        'POST',
        '/api/silences',
        {
          matchers: [{ name: 'source', value, isRegex: true, isEqual: true }],
          service: serviceId,
          endsAt: iso(Date.now() + HOUR),
          comment: 'ReDoS attempt',
        },
        token,
      );

    const fire = async (dedupKey: string, source: string) => {
      const started = performance.now();
      const r = await fetch(`${t.url}/integrations/generic/${key}`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ status: 'firing', dedupKey, title: 'broke', severity: 'critical', labels: { source } }),
      });
      const ms = performance.now() - started;
      assert.equal(r.status, 200, await r.clone().text());
      return { ms, alertId: ((await r.json()) as { alerts: { alertId: string }[] }).alerts[0]!.alertId };
    };

    it("answers an event against a responder's silence `(a+)+b` at once, and still matches with it", async () => {
      const sil = await silence('(a+)+b');
      assert.equal(sil.status, 201, JSON.stringify(sil.body));
      // JavaScript's RegExp took 10.5 s on this event, blocking every other request meanwhile.
      const evil = await fire('evil', `${'a'.repeat(30)}c`);
      assert.ok(evil.ms < 3000, `intake took ${evil.ms.toFixed(0)} ms`);
      const health = performance.now();
      const alert = await t.api<{ suppressedReason: string | null }>('GET', `/api/alerts/${evil.alertId}`);
      assert.equal(alert.status, 200);
      assert.ok(performance.now() - health < 3000, 'the database answers afterwards');
      assert.equal(alert.body.suppressedReason, null, 'not matched: it pages');
      // The same silence still holds what it matches (anchored: the whole value).
      const held = await fire('held', `${'a'.repeat(30)}b`);
      assert.ok(held.ms < 3000);
      const heldAlert = await t.api<{ suppressedReason: string | null }>('GET', `/api/alerts/${held.alertId}`);
      assert.equal(heldAlert.body.suppressedReason, 'silenced');
    });

    it('refuses patterns RE2 cannot run, and over-long ones, with a 400 naming the field', async () => {
      for (const value of ['(?=a)a', '(a)\\1', '(', 'a{1001}', '\\pL{1000}'.repeat(100), 'a'.repeat(1001)]) {
        const r = await silence(value);
        assert.equal(r.status, 400, `${value.slice(0, 40)}: ${JSON.stringify(r.body)}`);
        assert.equal(r.body.error?.code, 'validation_failed');
        assert.ok(
          // The schema's length bound names it body.matchers.0.value; the service's RE2 check matchers[0].value.
          r.body.error?.details.problems.some((p) => /matchers(\[0\]|\.0)\.value$/.test(p.field)),
          JSON.stringify(r.body.error),
        );
      }
    });
  });
}
