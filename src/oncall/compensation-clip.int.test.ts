/**
 * Issue 14: the compensation report counted hours from before the schedule existed (a layer whose start date lies in
 * the past counted from that date). Hours are clipped at the schedule's creation, and at each layer's own start.
 * Hand-worked on both engines.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { ENGINES } from '../db/testing/index.js';
import { FakeClock } from '../shared/clock.js';
import { startTestMuster, type TestMuster } from '../testing/server.js';

interface Row {
  name: string;
  totalHours: number;
  workingHours: number;
  offHours: number;
  weekendHours: number;
  hoursPay: number;
  total: number;
}

for (const engine of ENGINES) {
  describe(`compensation counts hours from the schedule's creation [${engine}]`, () => {
    let t: TestMuster;
    // The schedule is made on Tuesday 10 March 2026 at 12:00 UTC.
    const clock = new FakeClock(Date.parse('2026-03-10T12:00:00Z'));
    let scheduleId = '';

    before(async () => {
      t = await startTestMuster(engine, {}, { clock });
      const team = await t.api<{ id: string }>('POST', '/api/teams', { name: 'Payments' });
      const ids: Record<string, string> = {};
      for (const name of ['ana', 'ben']) {
        const u = await t.api<{ user: { id: string } }>('POST', '/api/users', {
          email: `${name}@clip.example.test`,
          name,
          timezone: 'UTC',
        });
        ids[name] = u.body.user.id;
      }
      const s = await t.api<{ id: string }>('POST', '/api/schedules', {
        teamId: team.body.id,
        name: 'Payments primary',
        timezone: 'UTC',
        layers: [
          // Continues a rotation kept elsewhere: its start date is nine days before the schedule existed.
          {
            name: 'Ana all day',
            participants: [ids.ana],
            turn: { unit: 'days', count: 1 },
            startDate: '2026-03-01',
            handoffTime: '09:00',
          },
          // Takes over (the higher layer) from Thursday 12 March 09:00.
          {
            name: 'Ben from Thursday',
            participants: [ids.ben],
            turn: { unit: 'days', count: 1 },
            startDate: '2026-03-12',
            handoffTime: '09:00',
          },
        ],
      });
      assert.equal(s.status, 201, JSON.stringify(s.body));
      scheduleId = s.body.id;
      clock.set(Date.parse('2026-03-20T00:00:00Z'));
    });
    after(async () => t?.stop());

    it('clips each schedule at its creation and each layer at its start, by hand', async () => {
      // From Sunday 1 March to Sunday 15 March 00:00 (UTC, all weekdays).
      // ana: Tue 10 Mar 12:00 → Thu 12 Mar 09:00 = 45 h (not 264 h from 1 March 09:00).
      //   working (Mon–Fri 09–17): Tue 12–17 = 5, Wed 09–17 = 8 → 13; weekend 0; off-hours 45 − 13 = 32.
      // ben: Thu 12 Mar 09:00 → Sun 15 Mar 00:00 = 63 h.
      //   working: Thu 09–17 = 8, Fri 09–17 = 8 → 16; weekend: Sat 00:00 → Sun 00:00 = 24; off-hours 63 − 16 − 24 = 23.
      // Pay at 10/h, off-hours ×1.5, weekend ×2: ana 10 × (13 + 48) = 610; ben 10 × (16 + 34.5 + 48) = 985.
      const range = 'from=2026-03-01T00:00:00Z&to=2026-03-15T00:00:00Z';
      const r = await t.api<{ rows: Row[]; total: number }>(
        'GET',
        `/api/oncall/compensation?${range}&scheduleId=${scheduleId}&baseHourlyRate=10`,
      );
      assert.equal(r.status, 200, JSON.stringify(r.body));
      const by = Object.fromEntries(r.body.rows.map((row) => [row.name, row]));
      assert.deepEqual(
        [by.ana!.totalHours, by.ana!.workingHours, by.ana!.offHours, by.ana!.weekendHours, by.ana!.total],
        [45, 13, 32, 0, 610],
      );
      assert.deepEqual(
        [by.ben!.totalHours, by.ben!.workingHours, by.ben!.offHours, by.ben!.weekendHours, by.ben!.total],
        [63, 16, 23, 24, 985],
      );
      assert.equal(r.body.total, 1595);
    });

    it('counts nothing for a range wholly before the schedule existed', async () => {
      const r = await t.api<{ rows: Row[]; total: number }>(
        'GET',
        `/api/oncall/compensation?from=2026-03-01T00:00:00Z&to=2026-03-10T00:00:00Z&scheduleId=${scheduleId}&baseHourlyRate=10`,
      );
      assert.equal(r.status, 200, JSON.stringify(r.body));
      assert.deepEqual(r.body.rows.map((row) => [row.name, row.totalHours]).sort(), [
        ['ana', 0],
        ['ben', 0],
      ]);
      assert.equal(r.body.total, 0);
    });
  });
}
