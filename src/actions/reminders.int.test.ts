/**
 * Action-item reminders and the overdue digest on a real server with a fake clock, both engines: the owner hears
 * two days before the due date and on the day (through their own contact method), never twice; a finished item or a
 * moved date says nothing; the daily digest lists each owner's overdue items and each team admin's team's, once per
 * day even when start-up runs again, then schedules the next day.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { ENGINES } from '../db/testing/index.js';
import { DAY, FakeClock, HOUR } from '../shared/clock.js';
import { WebhookReceiver } from '../testing/notify.js';
import { startTestMuster, type TestMuster } from '../testing/server.js';
import { DIGEST_JOB, ensureDigestJob } from './index.js';
import { until } from '../testing/fixtures.js';

const at = (iso: string): number => Date.parse(iso);
const settle = () => new Promise((r) => setTimeout(r, 400));

for (const engine of ENGINES) {
  describe(`action-item reminders and the overdue digest [${engine}]`, () => {
    let t: TestMuster;
    const clock = new FakeClock(at('2026-03-02T08:00:00Z'));
    const hooks: Record<string, WebhookReceiver> = {};
    const users: Record<string, string> = {};
    let teamId: string;
    let incident: string;

    const subjects = (name: string): string[] =>
      hooks[name]!.hits.map((h) => (JSON.parse(h.body) as { subject: string }).subject);
    const bodies = (name: string): string[] =>
      hooks[name]!.hits.map((h) => (JSON.parse(h.body) as { body: string }).body);
    /**
     * Every page sent is recorded as sent. Wait for this before the fake clock jumps days ahead: a send still being
     * recorded would otherwise see its claim lapse (claims are timed by the same clock) and go out a second time.
     */
    const allRecorded = (): Promise<unknown> =>
      until('the deliveries recorded as sent', async () => {
        const open = await t.muster.services.db.kysely
          .selectFrom('notificationDeliveries')
          .select('id')
          .where('finishedAt', 'is', null)
          .where('dueAt', '<=', clock.now())
          .executeTakeFirst();
        return open === undefined;
      });
    const moveTo = (iso: string): void => {
      clock.set(at(iso));
      t.muster.services.runner?.wake();
    };
    const create = async (body: Record<string, unknown>): Promise<string> => {
      const r = await t.api<{ id: string }>('POST', '/api/action-items', { incidentId: incident, teamId, ...body });
      assert.equal(r.status, 201, JSON.stringify(r.body));
      return r.body.id;
    };

    before(async () => {
      t = await startTestMuster(engine, {}, { clock });
      teamId = (await t.api<{ id: string }>('POST', '/api/teams', { name: 'Payments' })).body.id;
      for (const [name, role] of [
        ['olga', 'responder'],
        ['pete', 'responder'],
        ['ada', 'admin'],
      ] as const) {
        hooks[name] = await new WebhookReceiver().start();
        const u = await t.api<{ user: { id: string } }>('POST', '/api/users', { email: `${name}@example.test`, name });
        users[name] = u.body.user.id;
        const cm = await t.api('POST', `/api/users/${users[name]}/contact-methods`, {
          kind: 'webhook',
          address: hooks[name].url,
        });
        assert.equal(cm.status, 201, JSON.stringify(cm.body));
        await t.api('PUT', `/api/teams/${teamId}/members/${users[name]}`, { role });
      }
      incident = (
        await t.api<{ incident: { id: string } }>('POST', '/api/incidents', {
          title: 'Card payments failing',
          severity: 'P1',
        })
      ).body.incident.id;
    });
    after(async () => {
      await t.stop();
      for (const h of Object.values(hooks)) await h.close();
    });

    it('reminds the owner two days before and on the due date, once each', async () => {
      const id = await create({ title: 'Add a canary', ownerUserId: users.olga, dueAt: '2026-03-10' }); // 17:00 UTC
      const finished = await create({ title: 'Already handled', ownerUserId: users.pete, dueAt: '2026-03-10' });
      const moved = await create({ title: 'Moved later', ownerUserId: users.pete, dueAt: '2026-03-10' });
      assert.equal((await t.api('PATCH', `/api/action-items/${finished}`, { status: 'done' })).status, 200);
      assert.equal((await t.api('PATCH', `/api/action-items/${moved}`, { dueAt: '2026-03-20' })).status, 200);
      moveTo('2026-03-08T16:59:00Z');
      await settle();
      assert.deepEqual(subjects('olga'), [], 'nothing before two days ahead');
      moveTo('2026-03-08T17:00:01Z');
      await until('the two-day reminder', async () => subjects('olga').length === 1);
      await allRecorded();
      assert.deepEqual(subjects('olga'), ['Action item due in 2 days: Add a canary']);
      assert.match(bodies('olga')[0]!, /due on 2026-03-10/);
      moveTo('2026-03-10T09:00:01Z');
      await until('the on-the-day reminder', async () => subjects('olga').length === 2);
      assert.equal(subjects('olga')[1], 'Action item due today: Add a canary');
      await allRecorded();
      await settle();
      assert.deepEqual(subjects('pete'), [], 'a finished item and a moved date remind nobody');
      const row = await t.muster.services.db.kysely
        .selectFrom('actionItems')
        .select('remindedAt')
        .where('id', '=', id)
        .executeTakeFirstOrThrow();
      assert.equal(Number(row.remindedAt), clock.now());
    });

    it('sends the daily overdue digest to owners and team admins once, then schedules the next day', async () => {
      // Olga's canary is overdue from 2026-03-10T17:00; the digest runs at 09:00 UTC.
      const before = { olga: hooks.olga!.hits.length, ada: hooks.ada!.hits.length, pete: hooks.pete!.hits.length };
      await ensureDigestJob(t.muster.services.db, clock.now()); // a restart: no second job for the same day
      moveTo('2026-03-11T09:00:01Z');
      await until('the owner digest', async () => hooks.olga!.hits.length === before.olga + 1);
      await until('the team-admin digest', async () => hooks.ada!.hits.length === before.ada + 1);
      const toOlga = hooks.olga!.hits.at(-1)!.body;
      assert.match(toOlga, /1 overdue action item of yours/);
      assert.match(toOlga, /Add a canary \(Payments; due 2026-03-10, 1 day overdue\)/);
      const toAda = hooks.ada!.hits.at(-1)!.body;
      assert.match(toAda, /Your team has 1 overdue action item/);
      await ensureDigestJob(t.muster.services.db, clock.now());
      await allRecorded();
      await settle();
      assert.equal(hooks.olga!.hits.length, before.olga + 1, 'once per day');
      assert.equal(hooks.ada!.hits.length, before.ada + 1);
      assert.equal(hooks.pete!.hits.length, before.pete, 'nothing overdue of pete’s');
      const jobs = await t.muster.services.db.kysely
        .selectFrom('jobs')
        .select(['uniqueKey', 'status', 'runAt'])
        .where('kind', '=', DIGEST_JOB)
        .orderBy('runAt')
        .execute();
      const pending = jobs.filter((j) => j.status === 'pending');
      assert.deepEqual(
        pending.map((j) => j.uniqueKey),
        [`${DIGEST_JOB}:2026-03-12`],
        'the next digest is tomorrow',
      );
      assert.equal(
        jobs.filter((j) => j.uniqueKey === `${DIGEST_JOB}:2026-03-11`).length,
        1,
        'one digest job for the day',
      );
      const notified = await t.muster.services.db.kysely
        .selectFrom('actionItems')
        .select('overdueNotifiedAt')
        .where('ownerUserId', '=', users.olga!)
        .executeTakeFirstOrThrow();
      assert.equal(Number(notified.overdueNotifiedAt), at('2026-03-11T09:00:01Z'));
      // The next day it comes again while the item is still overdue; once it is done, it stops.
      moveTo(new Date(at('2026-03-12T09:00:00Z') + 1000).toISOString());
      await until('the second day’s digest', async () => hooks.olga!.hits.length === before.olga + 2);
      assert.match(hooks.olga!.hits.at(-1)!.body, /2 days overdue/);
      await allRecorded();
      const item = await t.api<{ items: { id: string }[] }>('GET', `/api/action-items?owner=${users.olga}`);
      await t.api('PATCH', `/api/action-items/${item.body.items[0]!.id}`, { status: 'done' });
      moveTo(new Date(at('2026-03-13T09:00:00Z') + HOUR).toISOString());
      await until('the third digest job', async () => {
        const j = await t.muster.services.db.kysely
          .selectFrom('jobs')
          .select('status')
          .where('uniqueKey', '=', `${DIGEST_JOB}:2026-03-13`)
          .executeTakeFirst();
        return j?.status === 'succeeded';
      });
      await settle();
      assert.equal(hooks.olga!.hits.length, before.olga + 2, 'nothing overdue: no digest');
      assert.ok(clock.now() - at('2026-03-11T09:00:01Z') < 3 * DAY);
    });
  });
}
