/**
 * Hand-off summaries on a real server with a fake clock: the job waits at the schedule's next hand-off, both sides get
 * a low-urgency summary through their real contact methods, the next hand-off is scheduled after each run, an
 * override adds its own hand-offs, a hand-off edited away sends nothing, and start-up never duplicates the job.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { ENGINES } from '../db/testing/index.js';
import { FakeClock } from '../shared/clock.js';
import { WebhookReceiver } from '../testing/notify.js';
import { startTestMuster, type TestMuster } from '../testing/server.js';
import { ensureHandoffJobs, HANDOFF_JOB } from './index.js';
import { until } from '../testing/fixtures.js';

const at = (iso: string): number => Date.parse(iso);

for (const engine of ENGINES) {
  describe(`hand-off summaries [${engine}]`, () => {
    let t: TestMuster;
    const clock = new FakeClock(at('2026-11-24T08:00:00Z'));
    const hooks: Record<string, WebhookReceiver> = {};
    const users: Record<string, string> = {};
    let scheduleId: string;

    const summaries = (name: string): string[] =>
      hooks[name]!.hits.map((h) => h.body).filter((b) => b.includes('Hand-off'));
    const handoffJobs = async () =>
      (
        await t.muster.services.db.kysely
          .selectFrom('jobs')
          .select(['runAt', 'status', 'uniqueKey'])
          .where('kind', '=', HANDOFF_JOB)
          .orderBy('runAt')
          .execute()
      ).map((j) => ({ ...j, runAt: Number(j.runAt) }));
    const moveTo = (iso: string): void => {
      clock.set(at(iso));
      t.muster.services.runner?.wake();
    };

    before(async () => {
      t = await startTestMuster(engine, {}, { clock });
      const teamId = (await t.api<{ id: string }>('POST', '/api/teams', { name: 'Search' })).body.id;
      for (const name of ['ana', 'ben']) {
        hooks[name] = await new WebhookReceiver().start();
        const u = await t.api<{ user: { id: string } }>('POST', '/api/users', {
          email: `${name}@example.test`,
          name,
          password: 'a long enough password',
        });
        users[name] = u.body.user.id;
        const cm = await t.api('POST', `/api/users/${u.body.user.id}/contact-methods`, {
          kind: 'webhook',
          address: hooks[name].url,
        });
        assert.equal(cm.status, 201, JSON.stringify(cm.body));
      }
      const s = await t.api<{ id: string }>('POST', '/api/schedules', {
        teamId,
        name: 'Search primary',
        timezone: 'UTC',
        layers: [
          {
            name: 'Daily',
            participants: [users.ana, users.ben],
            turn: { unit: 'days', count: 1 },
            startDate: '2026-11-23',
            handoffTime: '09:00',
          },
        ],
      });
      assert.equal(s.status, 201, JSON.stringify(s.body));
      scheduleId = s.body.id;
    });
    after(async () => {
      await t.stop();
      for (const h of Object.values(hooks)) await h.close();
    });

    it('waits for the next hand-off, summarises it to both sides and schedules the one after', async () => {
      const pending = await handoffJobs();
      assert.deepEqual(
        pending.map((j) => [new Date(j.runAt).toISOString(), j.status]),
        [['2026-11-24T09:00:00.000Z', 'pending']],
        'created with the schedule, due at the hand-off',
      );
      assert.equal(await ensureHandoffJobs(t.muster.services.db, clock.now()), 0, 'start-up adds no second job');
      moveTo('2026-11-24T08:59:00Z');
      await new Promise((r) => setTimeout(r, 300));
      assert.equal(summaries('ana').length + summaries('ben').length, 0, 'nothing before the hand-off');
      moveTo('2026-11-24T09:00:05Z');
      const [toAna] = await until('ana’s summary', async () => summaries('ana').length === 1 && summaries('ana'));
      const [toBen] = await until('ben’s summary', async () => summaries('ben').length === 1 && summaries('ben'));
      assert.match(toAna!, /passes to ben/);
      assert.match(toAna!, /Pages during ana's shift/);
      assert.match(toAna!, /next shift: 2026-11-25T09:00:00Z/);
      assert.match(toBen!, /you are on call for Search primary/);
      assert.match(toBen!, /shift: 2026-11-24T09:00:00Z – 2026-11-25T09:00:00Z/);
      const next = await until('the next hand-off job', async () => {
        const jobs = await handoffJobs();
        return jobs.some((j) => j.status === 'succeeded') && jobs.find((j) => j.status === 'pending');
      });
      assert.equal(new Date(next.runAt).toISOString(), '2026-11-25T09:00:00.000Z');
    });

    it('adds the hand-offs of a new override and sends nothing for one that was removed', async () => {
      const o = await t.api<{ id: string }>('POST', `/api/schedules/${scheduleId}/overrides`, {
        userId: users.ana,
        start: '2026-11-24T12:00:00Z',
        end: '2026-11-24T14:00:00Z',
      });
      assert.equal(o.status, 201, JSON.stringify(o.body));
      const gone = await t.api<{ id: string }>('POST', `/api/schedules/${scheduleId}/overrides`, {
        userId: users.ana,
        start: '2026-11-24T10:00:00Z',
        end: '2026-11-24T11:00:00Z',
      });
      assert.equal(gone.status, 201, JSON.stringify(gone.body));
      assert.equal((await t.api('DELETE', `/api/schedules/${scheduleId}/overrides/${gone.body.id}`)).status, 204);
      const pendingAt = (await handoffJobs()).filter((j) => j.status === 'pending').map((j) => j.runAt);
      assert.ok(pendingAt.includes(at('2026-11-24T10:00:00Z')), 'the removed override left its job behind');
      assert.ok(pendingAt.includes(at('2026-11-24T12:00:00Z')), 'the override’s start is a hand-off');
      const before = { ana: summaries('ana').length, ben: summaries('ben').length };
      const settled = async (...isos: string[]): Promise<boolean> => {
        const jobs = await handoffJobs();
        const deliveries = await t.muster.services.db.kysely
          .selectFrom('jobs')
          .select('id')
          .where('kind', '=', 'notify.deliver')
          .where('status', 'in', ['pending', 'running'])
          .execute();
        return (
          deliveries.length === 0 && isos.every((i) => jobs.some((j) => j.runAt === at(i) && j.status === 'succeeded'))
        );
      };
      moveTo('2026-11-24T12:00:01Z');
      await until('ana takes over', async () => summaries('ana').length === before.ana + 1);
      await until('ben hands over', async () => summaries('ben').length === before.ben + 1);
      await until('10:00 and 12:00 ran', () => settled('2026-11-24T10:00:00Z', '2026-11-24T12:00:00Z'));
      assert.deepEqual(
        [summaries('ana').length, summaries('ben').length],
        [before.ana + 1, before.ben + 1],
        'the 10:00 hand-off was edited away: no summary',
      );
      moveTo('2026-11-24T14:00:01Z');
      await until('14:00 ran', () => settled('2026-11-24T14:00:00Z'));
      await until('the hand-back reached both', async () => summaries('ben').length === before.ben + 2);
      assert.equal(summaries('ana').length, before.ana + 2);
      assert.match(summaries('ben').at(-1)!, /you are on call/);
    });
  });
}
