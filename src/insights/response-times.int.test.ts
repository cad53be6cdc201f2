/**
 * Response times through the HTTP API on both engines, over a history made through the API under a fake clock and
 * worked out by hand: impact started pre-filled from alerts (and kept once a person sets it), an incident never
 * acknowledged, a drill left out unless asked for, per team, the team's time zone, weekly buckets and drill-downs.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { ENGINES } from '../db/testing/index.js';
import { DAY, FakeClock, MINUTE, toIso } from '../shared/clock.js';
import { startTestMuster, type TestMuster } from '../testing/server.js';
import type { Stats } from './model.js';

interface Figures {
  timeZone: string;
  timeZoneSource: string;
  filter: { kinds: string[] };
  overall: Record<'mttd' | 'mtta' | 'mttr' | 'mttm', Stats>;
  groups: { key: string; metrics: Record<string, Stats> }[];
  buckets: { start: string; metrics: Record<string, Stats> }[];
}
interface DrillDown {
  incidents: { id: string; durationSeconds: number; from: string | null; until: string | null }[];
  total: number;
  truncated: boolean;
}
interface Detail {
  incident: { id: string; kind: string; milestones: Record<string, string | null> };
}

const T0 = Date.UTC(2026, 2, 2, 9); // Monday 2 March 2026, 09:00 UTC (GMT in London)
const WINDOW = `from=${toIso(Date.UTC(2026, 2, 2))}&to=${toIso(Date.UTC(2026, 2, 16))}`;

for (const engine of ENGINES) {
  describe(`insights: response times [${engine}]`, () => {
    let t: TestMuster;
    const clock = new FakeClock(T0);
    const ids = { shop: '', pay: '', checkout: '', payments: '', A: '', B: '', C: '', D: '', F: '' };
    let key = '';

    const ok = <T>(r: { status: number; body: T }, what: string): T => {
      assert.ok(r.status >= 200 && r.status < 300, `${what}: HTTP ${r.status} ${JSON.stringify(r.body)}`);
      return r.body;
    };
    const fire = async (dedupKey: string, startsAt?: number): Promise<string> =>
      ok(
        await t.api<{ alerts: { alertId: string }[] }>(
          'POST',
          `/integrations/generic/${key}`,
          {
            status: 'firing',
            dedupKey,
            title: dedupKey,
            severity: 'critical',
            ...(startsAt !== undefined ? { startsAt: toIso(startsAt) } : {}),
          },
          null,
        ),
        'intake',
      ).alerts[0]!.alertId;
    const declare = async (body: Record<string, unknown>): Promise<string> =>
      ok(await t.api<Detail>('POST', '/api/incidents', { title: 'x', ...body }), 'declare').incident.id;
    const status = async (id: string, s: string) =>
      ok(await t.api('POST', `/api/incidents/${id}/status`, { status: s }), s);
    const detail = async (id: string) => ok(await t.api<Detail>('GET', `/api/incidents/${id}`), 'detail').incident;
    const figures = async (q = '') =>
      ok(await t.api<Figures>('GET', `/api/insights/response-times?${WINDOW}${q}`), 'figures');

    before(async () => {
      t = await startTestMuster(engine, {}, { clock });
      ids.shop = ok(await t.api<{ id: string }>('POST', '/api/teams', { name: 'Shop' }), 'team').id;
      ids.pay = ok(await t.api<{ id: string }>('POST', '/api/teams', { name: 'Payments' }), 'team').id;
      ids.checkout = ok(
        await t.api<{ id: string }>('POST', '/api/services', { teamId: ids.shop, name: 'checkout' }),
        'service',
      ).id;
      ids.payments = ok(
        await t.api<{ id: string }>('POST', '/api/services', { teamId: ids.pay, name: 'payments' }),
        'service',
      ).id;
      ok(
        await t.api('POST', '/api/schedules', { teamId: ids.shop, name: 'Shop primary', timezone: 'Europe/London' }),
        'schedule',
      );
      key = ok(
        await t.api<{ key: string }>('POST', `/api/services/${ids.checkout}/integration-keys`, { source: 'generic' }),
        'key',
      ).key;

      // A (P1, checkout): alert started 10 min before it fired; acknowledged after 5 min; mitigated 30, resolved 60.
      const a1 = await fire('a1', T0 - 10 * MINUTE);
      ids.A = await declare({ severity: 'P1', alertIds: [a1] });
      clock.advance(5 * MINUTE);
      ok(await t.api('POST', `/api/alerts/${a1}/acknowledge`), 'ack');
      clock.set(T0 + 30 * MINUTE);
      await status(ids.A, 'monitoring');
      clock.set(T0 + 60 * MINUTE);
      await status(ids.A, 'resolved');

      // B (P2, payments): a person noticed 20 min after impact started; resolved after 30 min.
      clock.set(T0 + DAY);
      ids.B = await declare({
        severity: 'P2',
        serviceIds: [ids.payments],
        impactStartedAt: toIso(T0 + DAY - 20 * MINUTE),
      });
      clock.advance(30 * MINUTE);
      await status(ids.B, 'resolved');

      // C (P1, checkout): alert started 2 min before it fired; never acknowledged; resolved after 2 h.
      clock.set(T0 + 2 * DAY);
      const a2 = await fire('a2', T0 + 2 * DAY - 2 * MINUTE);
      ids.C = await declare({ severity: 'P1', alertIds: [a2] });
      clock.advance(120 * MINUTE);
      await status(ids.C, 'resolved');

      // D: a drill, resolved after 10 min.
      clock.set(T0 + 3 * DAY);
      ids.D = await declare({ severity: 'P1', kind: 'drill', serviceIds: [ids.checkout] });
      clock.advance(10 * MINUTE);
      await status(ids.D, 'resolved');

      // F (P3, checkout), the next week: declared by a person; an alert linked a minute later pre-fills impact started
      // (5 min before); a person corrects it to 3 min before; a later alert that started earlier does not move it.
      clock.set(T0 + 8 * DAY);
      ids.F = await declare({ severity: 'P3', serviceIds: [ids.checkout] });
      clock.advance(MINUTE);
      ok(
        await t.api('POST', `/api/incidents/${ids.F}/alerts`, { alertId: await fire('a3', T0 + 8 * DAY - 5 * MINUTE) }),
        'link',
      );
      assert.equal((await detail(ids.F)).milestones.impactStartedAt, toIso(T0 + 8 * DAY - 5 * MINUTE));
      ok(
        await t.api('PUT', `/api/incidents/${ids.F}/milestones/impactStartedAt`, {
          at: toIso(T0 + 8 * DAY - 3 * MINUTE),
          reason: 'The deploy went out at 08:57',
        }),
        'correct',
      );
      ok(
        await t.api('POST', `/api/incidents/${ids.F}/alerts`, {
          alertId: await fire('a4', T0 + 8 * DAY - 30 * MINUTE),
        }),
        'link',
      );
      clock.set(T0 + 8 * DAY + 10 * MINUTE);
      await status(ids.F, 'resolved');
    });
    after(async () => t.stop());

    it('records the kind and pre-fills impact started from the earliest linked alert unless a person set it', async () => {
      assert.equal((await detail(ids.D)).kind, 'drill');
      assert.equal((await detail(ids.A)).kind, 'real');
      assert.equal((await detail(ids.A)).milestones.impactStartedAt, toIso(T0 - 10 * MINUTE));
      assert.equal((await detail(ids.B)).milestones.impactStartedAt, toIso(T0 + DAY - 20 * MINUTE));
      assert.equal((await detail(ids.F)).milestones.impactStartedAt, toIso(T0 + 8 * DAY - 3 * MINUTE));
    });

    it("keeps the first linked alert's first sighting on the incident (incidents.first_alert_at)", async () => {
      const rows = await t.muster.services.db.kysely
        .selectFrom('incidents')
        .select(['id', 'firstAlertAt'])
        .where('id', 'in', [ids.A, ids.B, ids.F])
        .execute();
      const at = new Map(rows.map((r) => [r.id, r.firstAlertAt === null ? null : Number(r.firstAlertAt)]));
      assert.equal(at.get(ids.A), T0); // a1 fired at T0 (it started 10 min before)
      assert.equal(at.get(ids.B), null); // no alert
      assert.equal(at.get(ids.F), T0 + 8 * DAY + MINUTE); // a3 and a4 both fired then
    });

    it('overall, without the drill; an incident never acknowledged counts for MTTD and MTTR only', async () => {
      const f = await figures('&groupBy=none');
      assert.deepEqual(f.filter.kinds, ['real']);
      assert.equal(f.timeZone, 'UTC');
      assert.equal(f.timeZoneSource, 'default');
      assert.deepEqual(f.overall, {
        mttd: { median: 390, p90: 1200, mean: 525, count: 4 }, // C 120, F 180, A 600, B 1200
        mtta: { median: 0, p90: 300, mean: 100, count: 3 }, // B 0, F 0 (declared by a person), A 300; C never
        mttr: { median: 2700, p90: 7200, mean: 3300, count: 4 }, // F 600, B 1800, A 3600, C 7200
        // A 1800; resolving straight from investigating marks it mitigated too: F 600, B 1800, C 7200
        mttm: { median: 1800, p90: 7200, mean: 2850, count: 4 },
      });
      const withDrill = await figures('&groupBy=none&includeKinds=drill');
      assert.deepEqual(withDrill.filter.kinds, ['real', 'drill']);
      assert.deepEqual(withDrill.overall.mttr, { median: 1800, p90: 7200, mean: 2760, count: 5 }); // + D 600
    });

    it("per team and per severity; a team's figures are bucketed in its schedules' time zone", async () => {
      const byTeam = await figures('&groupBy=team');
      assert.deepEqual(
        byTeam.groups.map((g) => [g.key, g.metrics.mttr!.count, g.metrics.mttr!.mean]).sort(),
        [
          [ids.pay, 1, 1800],
          [ids.shop, 3, 3800], // A 3600, C 7200, F 600
        ].sort(),
      );
      const bySeverity = await figures('&groupBy=severity');
      assert.deepEqual(
        bySeverity.groups.map((g) => [g.key, g.metrics.mtta!.count]),
        [
          ['P1', 1],
          ['P2', 1],
          ['P3', 1],
        ],
      );
      const shop = await figures(`&teamId=${ids.shop}&bucket=week`);
      assert.equal(shop.timeZone, 'Europe/London');
      assert.equal(shop.timeZoneSource, 'team');
      assert.equal(shop.overall.mttr.count, 3);
      assert.deepEqual(
        shop.buckets.map((b) => [b.start, b.metrics.mttr!.count]),
        [
          ['2026-03-02T00:00:00.000Z', 2], // GMT: London midnight is UTC midnight
          ['2026-03-09T00:00:00.000Z', 1],
        ],
      );
      const pay = await figures(`&teamId=${ids.pay}&bucket=month`);
      assert.equal(pay.timeZone, 'UTC'); // no schedules
      assert.deepEqual(
        pay.buckets.map((b) => [b.start, b.metrics.mttr!.count]),
        [['2026-03-01T00:00:00.000Z', 1]],
      );
    });

    it('drills down to the incidents behind a figure', async () => {
      const mtta = ok(
        await t.api<DrillDown>(
          'GET',
          `/api/insights/response-times/incidents?${WINDOW}&metric=mtta&groupBy=team&group=${ids.shop}`,
        ),
        'drill',
      );
      assert.deepEqual(
        mtta.incidents.map((i) => [i.id, i.durationSeconds]),
        [
          [ids.A, 300],
          [ids.F, 0],
        ],
      );
      assert.equal(mtta.total, 2);
      assert.equal(mtta.truncated, false);
      assert.equal(mtta.incidents[0]!.from, toIso(T0));
      assert.equal(mtta.incidents[0]!.until, toIso(T0 + 5 * MINUTE));
      const week2 = ok(
        await t.api<DrillDown>(
          'GET',
          `/api/insights/response-times/incidents?${WINDOW}&metric=mttr&bucket=2026-03-09T00:00:00.000Z`,
        ),
        'drill',
      );
      assert.deepEqual(
        week2.incidents.map((i) => i.id),
        [ids.F],
      );
    });

    it('refuses bad filters with 400 naming the field', async () => {
      for (const [q, field] of [
        ['&includeKinds=bogus', 'includeKinds'],
        ['&timeZone=Mars/Base', 'timeZone'],
      ] as const) {
        const r = await t.api<{ error: { code: string; details: { problems: { field: string }[] } } }>(
          'GET',
          `/api/insights/response-times?${WINDOW}${q}`,
        );
        assert.equal(r.status, 400, JSON.stringify(r.body));
        assert.ok(
          r.body.error.details.problems.some((p) => p.field === field),
          JSON.stringify(r.body),
        );
      }
      const backwards = await t.api('GET', `/api/insights/response-times?from=${toIso(T0)}&to=${toIso(T0 - DAY)}`);
      assert.equal(backwards.status, 400);
      const bucket = await t.api('GET', `/api/insights/response-times/incidents?metric=mttr&bucket=soon`);
      assert.equal(bucket.status, 400);
    });
  });
}
