/**
 * `muster alerts paging | escalate | reassign | snooze | ack | resolve` against a real server on both engines, pages
 * going to local webhook receivers: the paging view in words, level 2 paged at once, a reassignment to a person
 * named by email, a snooze given as "2h".
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { ENGINES } from '../db/testing/index.js';
import { runMuster as muster } from '../testing/cli.js';
import { WebhookReceiver } from '../testing/notify.js';
import { startTestMuster, type TestMuster } from '../testing/server.js';

async function until(what: string, fn: () => boolean, ms = 15_000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!fn()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 25));
  }
}

for (const engine of ENGINES) {
  describe(`muster alerts paging commands [${engine}]`, () => {
    let t: TestMuster;
    let env: Record<string, string>;
    let key: string;
    const hooks: Record<string, WebhookReceiver> = {};
    const pagesFor = (name: string, alertId: string): number =>
      hooks[name]!.hits.filter((h) => h.body.includes(alertId)).length;

    before(async () => {
      t = await startTestMuster(engine);
      env = { MUSTER_URL: t.url, MUSTER_TOKEN: t.adminToken };
      const team = (await t.api<{ id: string }>('POST', '/api/teams', { name: 'Checkout' })).body;
      const users: Record<string, string> = {};
      for (const name of ['ana', 'ben', 'cy']) {
        hooks[name] = await new WebhookReceiver().start();
        users[name] = (
          await t.api<{ user: { id: string } }>('POST', '/api/users', {
            email: `${name}@example.test`,
            name,
            password: 'a long enough password',
          })
        ).body.user.id;
        await t.api('PUT', `/api/teams/${team.id}/members/${users[name]}`, { role: 'responder' });
        await t.api('POST', `/api/users/${users[name]}/contact-methods`, { kind: 'webhook', address: hooks[name].url });
      }
      const policy = await t.api<{ id: string }>('POST', '/api/escalation-policies', {
        teamId: team.id,
        name: 'Checkout on call',
        repeat: 0,
        workingHours: { timezone: 'UTC', days: [1, 2, 3, 4, 5, 6, 7], start: '00:00', end: '23:59' },
        levels: [
          { delayMinutes: 60, targets: [{ type: 'user', id: users.ana }] },
          { delayMinutes: 60, targets: [{ type: 'user', id: users.ben }] },
        ],
      });
      assert.equal(policy.status, 201, JSON.stringify(policy.body));
      const svc = await t.api<{ id: string }>('POST', '/api/services', {
        name: 'Checkout API',
        teamId: team.id,
        escalationPolicyId: policy.body.id,
      });
      key = (
        await t.api<{ key: string }>('POST', `/api/services/${svc.body.id}/integration-keys`, { source: 'generic' })
      ).body.key;
    });
    after(async () => {
      await t.stop();
      for (const h of Object.values(hooks)) await h.close();
    });

    it('shows the paging, escalates, reassigns by email, acknowledges and snoozes', async () => {
      const fired = await t.api<{ alerts: { alertId: string }[] }>(
        'POST',
        `/integrations/generic/${key}`,
        { status: 'firing', dedupKey: 'cli-paging', title: 'Checkout errors', severity: 'critical' },
        null,
      );
      const id = fired.body.alerts[0]!.alertId;
      await until('ana paged', () => pagesFor('ana', id) === 1);

      const shown = await muster(['alerts', 'paging', id], env);
      assert.equal(shown.code, 0, shown.stderr);
      assert.match(shown.stdout, /state: paging/);
      assert.match(shown.stdout, /escalation: Checkout on call, active, level 1 of 2 paged/);
      assert.match(shown.stdout, /next: level 2 at \S+: ben/);
      assert.match(shown.stdout, /^AT\s+PERSON\s+LEVEL\s+CHANNEL/m);
      assert.match(shown.stdout, /ana\s+1\s+webhook/);

      const escalated = await muster(['alerts', 'escalate', id], env);
      assert.equal(escalated.code, 0, escalated.stderr);
      await until('ben paged', () => pagesFor('ben', id) === 1);

      const noTarget = await muster(['alerts', 'reassign', id], env);
      assert.equal(noTarget.code, 1);
      assert.match(noTarget.stderr, /--user EMAIL or --policy NAME/);
      const reassigned = await muster(['alerts', 'reassign', id, '--user', 'cy@example.test', '--json'], env);
      assert.equal(reassigned.code, 0, reassigned.stderr);
      const view = JSON.parse(reassigned.stdout) as { run: { policyName: string }; previousRuns: { status: string }[] };
      assert.equal(view.run.policyName, 'Reassigned to cy');
      assert.equal(view.previousRuns[0]?.status, 'reassigned');
      await until('cy paged', () => pagesFor('cy', id) === 1);

      const notAcked = await muster(['alerts', 'snooze', id, '--for', '30m'], env);
      assert.equal(notAcked.code, 1);
      assert.match(notAcked.stderr, /acknowledge it first/);
      const acked = await muster(['alerts', 'ack', id], env);
      assert.equal(acked.code, 0, acked.stderr);
      assert.match(acked.stdout, /acknowledged/);
      const bad = await muster(['alerts', 'snooze', id, '--for', 'soon'], env);
      assert.equal(bad.code, 1);
      assert.match(bad.stderr, /not a duration/);
      const before = Date.now();
      const snoozed = await muster(['alerts', 'snooze', id, '--for', '2h', '--json'], env);
      assert.equal(snoozed.code, 0, snoozed.stderr);
      const until2h = Date.parse((JSON.parse(snoozed.stdout) as { snoozedUntil: string }).snoozedUntil);
      assert.ok(until2h >= before + 2 * 3_600_000 - 1000 && until2h <= Date.now() + 2 * 3_600_000 + 1000);
      const shownSnoozed = await muster(['alerts', 'paging', id], env);
      assert.match(shownSnoozed.stdout, /state: snoozed/);
      const resolved = await muster(['alerts', 'resolve', id], env);
      assert.equal(resolved.code, 0, resolved.stderr);
      assert.match(resolved.stdout, /resolved/);
    });
  });
}
