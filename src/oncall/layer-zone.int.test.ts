/**
 * Follow the sun over HTTP on both engines: a schedule in Asia/Tokyo with an EMEA layer in Europe/London and an AMER
 * layer in America/New_York gives the hand-worked final schedule on the days each side changes to summer time; the
 * layer zone is validated (400 naming the field), kept, cleared back to the schedule's; the iCal feed names each
 * layer's zone and links the schedule's web page; the hand-off summary links it too.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { ENGINES } from '../db/testing/index.js';
import { FakeClock } from '../shared/clock.js';
import { WebhookReceiver } from '../testing/notify.js';
import { startTestMuster, type TestMuster } from '../testing/server.js';
import { unfold } from './ical.js';
import { until } from '../testing/fixtures.js';

interface LayerJson {
  id: string;
  name: string;
  timeZone: string | null;
}
interface ShiftJson {
  userId: string;
  start: string;
  end: string;
}

for (const engine of ENGINES) {
  describe(`follow-the-sun layers over HTTP [${engine}]`, () => {
    let t: TestMuster;
    // Friday 6 March 2026, 12:00Z: EMEA (08-16Z) is on; AMER takes over at 14:00Z (09:00 in New York, EST).
    const clock = new FakeClock(Date.parse('2026-03-06T12:00:00Z'));
    const hook = new WebhookReceiver();
    const u: Record<string, string> = {};
    let scheduleId = '';
    let layers: LayerJson[] = [];

    const finalOn = async (day: string): Promise<string[]> => {
      const from = `${day}T00:00:00Z`;
      const to = new Date(Date.parse(from) + 86400_000).toISOString();
      const r = await t.api<{ final: ShiftJson[] }>(
        'GET',
        `/api/schedules/${scheduleId}/shifts?from=${from}&to=${encodeURIComponent(to)}`,
      );
      assert.equal(r.status, 200, JSON.stringify(r.body));
      const name = (id: string) => Object.entries(u).find(([, v]) => v === id)?.[0] ?? id;
      const hhmm = (s: string) => (s.slice(0, 10) === day ? s.slice(11, 16) : '24:00');
      return r.body.final.map((s) => `${hhmm(s.start)}-${hhmm(s.end)} ${name(s.userId)}`);
    };

    before(async () => {
      t = await startTestMuster(engine, {}, { clock });
      await hook.start();
      const teamId = (await t.api<{ id: string }>('POST', '/api/teams', { name: 'Platform' })).body.id;
      for (const name of ['apac', 'e1', 'e2', 'a1', 'a2']) {
        const r = await t.api<{ user: { id: string } }>('POST', '/api/users', {
          email: `${name}@example.test`,
          name,
        });
        u[name] = r.body.user.id;
        const cm = await t.api('POST', `/api/users/${r.body.user.id}/contact-methods`, {
          kind: 'webhook',
          address: hook.url,
        });
        assert.equal(cm.status, 201, JSON.stringify(cm.body));
      }
      const created = await t.api<{ id: string; layers: LayerJson[] }>('POST', '/api/schedules', {
        teamId,
        name: 'Platform follow the sun',
        timezone: 'Asia/Tokyo',
        layers: [
          {
            name: 'APAC',
            participants: [u.apac],
            turn: { unit: 'weeks', count: 1 },
            startDate: '2026-03-02',
            handoffTime: '09:00',
          },
          {
            name: 'EMEA',
            timeZone: 'Europe/London',
            participants: [u.e1, u.e2],
            turn: { unit: 'days', count: 1 },
            startDate: '2026-03-02',
            handoffTime: '08:00',
            restrictions: [{ days: [], start: '08:00', end: '16:00' }],
          },
          {
            name: 'AMER',
            timeZone: 'America/New_York',
            participants: [u.a1, u.a2],
            turn: { unit: 'days', count: 1 },
            startDate: '2026-03-02',
            handoffTime: '09:00',
            restrictions: [{ days: [], start: '09:00', end: '17:00' }],
          },
        ],
      });
      assert.equal(created.status, 201, JSON.stringify(created.body));
      scheduleId = created.body.id;
      layers = created.body.layers;
    });
    after(async () => {
      await t.stop();
      await hook.close();
    });

    it('keeps each layer zone and computes the final schedule on each side’s clock across both DST changes', async () => {
      assert.deepEqual(
        layers.map((l) => [l.name, l.timeZone]),
        [
          ['APAC', null],
          ['EMEA', 'Europe/London'],
          ['AMER', 'America/New_York'],
        ],
      );
      // Hand-worked (see follow-the-sun.test.ts): AMER moves an hour earlier in UTC on 8 March, EMEA on 29 March.
      assert.deepEqual(await finalOn('2026-03-07'), [
        '00:00-08:00 apac',
        '08:00-14:00 e2',
        '14:00-22:00 a2',
        '22:00-24:00 apac',
      ]);
      assert.deepEqual(await finalOn('2026-03-08'), [
        '00:00-08:00 apac',
        '08:00-13:00 e1',
        '13:00-21:00 a1',
        '21:00-24:00 apac',
      ]);
      assert.deepEqual(await finalOn('2026-03-29'), [
        '00:00-07:00 apac',
        '07:00-13:00 e2',
        '13:00-21:00 a2',
        '21:00-24:00 apac',
      ]);
    });

    it('refuses a layer zone that is not an IANA zone, naming the field', async () => {
      const bad = await t.api<{ error: { details: { problems: { field: string }[] } } }>(
        'POST',
        `/api/schedules/${scheduleId}/layers`,
        {
          name: 'Mars',
          timeZone: 'Mars/Olympus_Mons',
          participants: [u.apac],
          turn: { unit: 'days', count: 1 },
          startDate: '2026-03-02',
          handoffTime: '09:00',
        },
      );
      assert.equal(bad.status, 400);
      assert.deepEqual(
        bad.body.error.details.problems.map((p) => p.field),
        ['timeZone'],
      );
      const patch = await t.api<{ error: { details: { problems: { field: string }[] } } }>(
        'PATCH',
        `/api/schedules/${scheduleId}/layers/${layers[1]!.id}`,
        { timeZone: 'Europe/Londres' },
      );
      assert.equal(patch.status, 400);
      assert.deepEqual(
        patch.body.error.details.problems.map((p) => p.field),
        ['timeZone'],
      );
    });

    it('feeds name each layer’s zone and link the schedule’s web page; so does the hand-off summary', async () => {
      const link = await t.api<{ url: string }>('POST', `/api/schedules/${scheduleId}/feed`);
      assert.equal(link.status, 201, JSON.stringify(link.body));
      const ics = await (await fetch(link.body.url)).text();
      const events = unfold(ics)
        .join('\n')
        .split('BEGIN:VEVENT')
        .slice(1)
        .map((e) => e.split('\n'));
      const emea = events.find((e) => e.some((l) => l.includes('Layer: EMEA')));
      assert.ok(emea, 'an EMEA shift is in the feed');
      assert.ok(emea.some((l) => /^DESCRIPTION:.*\\nLayer: EMEA \(hand-offs in Europe\/London\)\\n/.test(l)));
      const apac = events.find((e) => e.some((l) => l.includes('Layer: APAC')));
      assert.ok(
        apac?.some((l) => l.includes('Layer: APAC (hand-offs in Asia/Tokyo)')),
        "APAC: the schedule's zone",
      );
      const urls = [...new Set(events.flatMap((e) => e.filter((l) => l.startsWith('URL:')).map((l) => l.slice(4))))];
      assert.deepEqual(
        urls.map((x) => new URL(x).pathname),
        [`/oncall/schedules/${scheduleId}`],
      );

      // 14:00Z: EMEA (e-person) hands over to AMER (a-person); both get a summary linking the schedule's page.
      clock.set(Date.parse('2026-03-06T14:00:05Z'));
      t.muster.services.runner?.wake();
      const summaries = await until('both hand-off summaries', async () => {
        const s = hook.hits.map((h) => JSON.parse(h.body) as { subject?: string; url?: string | null });
        const handoffs = s.filter((b) => (b.subject ?? '').includes('Hand-off'));
        return handoffs.length >= 2 && handoffs;
      });
      for (const s of summaries) assert.equal(new URL(s.url!).pathname, `/oncall/schedules/${scheduleId}`);
    });

    it('a layer zone cleared with null is the schedule’s again', async () => {
      const r = await t.api<{ layers: LayerJson[] }>('PATCH', `/api/schedules/${scheduleId}/layers/${layers[1]!.id}`, {
        timeZone: null,
      });
      assert.equal(r.status, 200, JSON.stringify(r.body));
      assert.equal(r.body.layers.find((l) => l.name === 'EMEA')!.timeZone, null);
      // EMEA's 08:00-16:00 is now Tokyo's: 23:00-07:00Z; AMER is unchanged.
      assert.deepEqual(await finalOn('2026-03-10'), [
        '00:00-07:00 e1',
        '07:00-13:00 apac',
        '13:00-21:00 a1',
        '21:00-23:00 apac',
        '23:00-24:00 e2',
      ]);
    });
  });
}
