/**
 * The Incident Commander rotation's page for a live game day's drill incident says DRILL like a drill alert's page
 * (email "[DRILL] …"), a tabletop's drill incident pages nobody, and a real incident's page has no DRILL; both
 * engines, real SMTP sink, real job runner.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { ENGINES } from '../db/testing/index.js';
import { FakeClock } from '../shared/clock.js';
import { startTestMuster, type TestMuster } from '../testing/server.js';
import { SmtpSink } from '../testing/smtp.js';

for (const engine of ENGINES) {
  describe(`commander page of a drill incident [${engine}]`, () => {
    let t: TestMuster;
    let smtp: SmtpSink;
    const clock = new FakeClock(Date.parse('2026-05-04T10:00:00Z'));
    let teamId: string;
    let serviceId: string;

    before(async () => {
      smtp = await new SmtpSink().start();
      t = await startTestMuster(
        engine,
        { 'smtp.host': '127.0.0.1', 'smtp.port': smtp.port, 'smtp.from': 'muster@example.test' },
        { clock },
      );
      teamId = (await t.api<{ id: string }>('POST', '/api/teams', { name: 'Payments' })).body.id;
      const ida = (
        await t.api<{ user: { id: string } }>('POST', '/api/users', { email: 'ida@example.test', name: 'ida' })
      ).body.user.id;
      await t.api('PUT', `/api/teams/${teamId}/members/${ida}`, { role: 'responder' });
      const cm = await t.api('POST', `/api/users/${ida}/contact-methods`, {
        kind: 'email',
        address: 'ida@example.test',
      });
      assert.equal(cm.status, 201, JSON.stringify(cm.body));
      const s = await t.api<{ id: string }>('POST', '/api/schedules', {
        teamId,
        name: 'Incident commanders',
        timezone: 'UTC',
        layers: [
          {
            name: 'Weekly',
            participants: [ida],
            turn: { unit: 'weeks', count: 1 },
            startDate: '2026-04-27',
            handoffTime: '09:00',
          },
        ],
      });
      assert.equal(s.status, 201, JSON.stringify(s.body));
      const set = await t.api('PUT', '/api/settings/incident-commander-schedule', { scheduleId: s.body.id });
      assert.ok(set.status < 300, JSON.stringify(set.body));
      serviceId = (await t.api<{ id: string }>('POST', '/api/services', { teamId, name: 'Checkout' })).body.id;
    });
    after(async () => {
      await t.stop();
      await smtp.close();
    });

    it('pages the IC rotation with [DRILL] for a live drill P1, not for a tabletop, and without it for a real P1', async () => {
      const begin = async (title: string, mode: string) => {
        const g = await t.api<{ id: string }>('POST', '/api/gamedays', {
          teamId,
          title,
          mode,
          severity: 'P1',
          serviceIds: [serviceId],
        });
        assert.equal(g.status, 201, JSON.stringify(g.body));
        const started = await t.api<{ incidentId: string }>('POST', `/api/gamedays/${g.body.id}/start`);
        assert.equal(started.status, 200, JSON.stringify(started.body));
        return started.body.incidentId;
      };
      const tabletop = await begin('Checkout tabletop', 'tabletop');
      await begin('Checkout live drill', 'live');
      t.muster.services.runner?.wake();
      await smtp.waitFor(() => smtp.messages.some((m) => m.subject.includes('needs an Incident Commander')));
      const drillPage = smtp.messages.find((m) => m.subject.includes('needs an Incident Commander'))!;
      assert.match(drillPage.subject, /^\[DRILL\] .*DRILL: Checkout live drill/);

      // The tabletop's timer has run (its room says no IC), yet nobody was paged for it.
      const db = t.muster.services.db.kysely;
      const deadline = Date.now() + 20_000;
      while (
        !(await db
          .selectFrom('incidentEvents')
          .select('id')
          .where('incidentId', '=', tabletop)
          .where('kind', '=', 'commander_missing')
          .executeTakeFirst())
      ) {
        assert.ok(Date.now() < deadline, 'the tabletop commander timer ran');
        await new Promise((r) => setTimeout(r, 50));
      }
      const tabletopPages = await db
        .selectFrom('notificationDeliveries')
        .select('id')
        .where('dedupKey', 'like', `notify:commander:${tabletop}:%`)
        .execute();
      assert.deepEqual(tabletopPages, [], 'a tabletop pages nobody');

      const real = await t.api('POST', '/api/incidents', {
        title: 'Checkout down for real',
        severity: 'P1',
        serviceIds: [serviceId],
      });
      assert.equal(real.status, 201, JSON.stringify(real.body));
      t.muster.services.runner?.wake();
      await smtp.waitFor(() => smtp.messages.some((m) => m.subject.includes('Checkout down for real')));
      const realPage = smtp.messages.find((m) => m.subject.includes('Checkout down for real'))!;
      assert.match(realPage.subject, /needs an Incident Commander/);
      assert.doesNotMatch(realPage.subject, /DRILL/);
      assert.ok(!smtp.messages.some((m) => m.subject.includes('Checkout tabletop')), 'no mail for the tabletop');
    });
  });
}
