/**
 * The learning process through the HTTP API on both engines, over a history made under a fake clock and worked out by
 * hand: a published post-mortem, a team with an overdue one, an action item done late and one left overdue, a drill
 * and an import (each with an overdue post-mortem, an overdue item and a factor) left out unless asked for, per team,
 * weekly buckets and factor counts; then the backlog gauges on /metrics change as incidents open and resolve and items
 * close.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { ENGINES } from '../db/testing/index.js';
import { DAY, FakeClock, HOUR, toIso } from '../shared/clock.js';
import { ADMIN_EMAIL, startTestMuster, type TestMuster } from '../testing/server.js';
import type { Stats } from './model.js';

interface Learning {
  completion: { eligible: number; completed: number; inProgress: number; rate: number | null; belowTarget: boolean };
  postmortemsOverdue: number;
  actionItems: { open: number; overdue: number; closedInWindow: number; timeToClose: Stats };
}
interface Report {
  filter: { from: string; to: string; teamId: string | null; kinds: string[] };
  bucket: string;
  timeZone: string;
  timeZoneSource: string;
  target: number;
  overall: Learning;
  byTeam: ({ teamId: string; name: string } & Learning)[];
  buckets: {
    start: string;
    completion: { eligible: number; completed: number; rate: number | null };
    actionItemsClosed: number;
    actionItemsOpened: number;
  }[];
  factors: { id: string; key: string; name: string; count: number; incidentIds: string[] }[];
}
interface Problem {
  error: { code: string; details?: { problems: { field: string }[] } };
}

const T0 = Date.UTC(2026, 2, 2, 9); // Monday 2 March 2026, 09:00 UTC
const NOW = T0 + 9 * DAY; // Wednesday 11 March: the time of the question
const WINDOW = `from=${toIso(Date.UTC(2026, 2, 2))}&to=${toIso(Date.UTC(2026, 2, 16))}`;
const none: Stats = { median: null, p90: null, mean: null, count: 0 };

for (const engine of ENGINES) {
  describe(`insights: the learning process [${engine}]`, () => {
    let t: TestMuster;
    const clock = new FakeClock(T0);
    const ids = { shop: '', pay: '', checkout: '', payments: '', A: '', B: '', D: '', I: '', late: '', left: '' };

    const ok = <T>(r: { status: number; body: T }, what: string): T => {
      assert.ok(r.status >= 200 && r.status < 300, `${what}: HTTP ${r.status} ${JSON.stringify(r.body)}`);
      return r.body;
    };
    const declare = async (body: Record<string, unknown>): Promise<string> =>
      ok(await t.api<{ incident: { id: string } }>('POST', '/api/incidents', { title: 'x', ...body }), 'declare')
        .incident.id;
    const resolve = async (id: string) =>
      ok(await t.api('POST', `/api/incidents/${id}/status`, { status: 'resolved' }), 'resolve');
    /** The incident's post-mortem, tagged with a factor, then set to this status and due date directly (pm-core's workflow is tested there). */
    const postmortem = async (incidentId: string, p: { status: string; dueAt: number; publishedAt?: number }) => {
      const started = await t.api('POST', `/api/incidents/${incidentId}/postmortem`, {});
      assert.ok(started.status === 201 || started.status === 409, JSON.stringify(started.body));
      const id = ok(await t.api<{ id: string }>('GET', `/api/incidents/${incidentId}/postmortem`), 'pm').id;
      ok(await t.api('PUT', `/api/postmortems/${id}/factors/cf_capacity`, {}), 'factor');
      await t.muster.services.db.kysely
        .updateTable('postmortems')
        .set({ status: p.status, dueAt: p.dueAt, publishedAt: p.publishedAt ?? null, updatedAt: clock.now() })
        .where('id', '=', id)
        .execute();
      return id;
    };
    const item = async (body: Record<string, unknown>): Promise<string> =>
      ok(
        await t.api<{ id: string }>('POST', '/api/action-items', {
          title: 'Fix it',
          ownerUserId: ADMIN_EMAIL,
          ...body,
        }),
        'item',
      ).id;
    const report = async (q = '') => ok(await t.api<Report>('GET', `/api/insights/learning?${WINDOW}${q}`), 'report');

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

      // A (P1, Shop): resolved after an hour; its post-mortem published on time.
      ids.A = await declare({ severity: 'P1', serviceIds: [ids.checkout] });
      clock.set(T0 + HOUR);
      await resolve(ids.A);
      // An item on it, due in 2 days, done after 5 days (late): closed in the first week after 4 days 22 hours.
      clock.set(T0 + 2 * HOUR);
      ids.late = await item({ incidentId: ids.A, teamId: ids.shop, dueAt: toIso(T0 + 2 * DAY) });
      await postmortem(ids.A, { status: 'published', dueAt: T0 + 5 * DAY, publishedAt: T0 + 3 * DAY });

      // B (P2, Payments): resolved on Tuesday; its post-mortem a draft due on Thursday: overdue by the question.
      clock.set(T0 + DAY);
      ids.B = await declare({ severity: 'P2', serviceIds: [ids.payments] });
      clock.advance(HOUR);
      await resolve(ids.B);
      await postmortem(ids.B, { status: 'draft', dueAt: T0 + 3 * DAY });
      // An item on it, due Thursday, left open: overdue.
      ids.left = await item({ incidentId: ids.B, teamId: ids.pay, dueAt: toIso(T0 + 3 * DAY) });

      // D (a drill) and I (an import), both Shop, resolved on Wednesday: overdue post-mortems and items, a factor each.
      clock.set(T0 + 2 * DAY);
      ids.D = await declare({ severity: 'P1', kind: 'drill', serviceIds: [ids.checkout] });
      ids.I = await declare({ severity: 'P2', kind: 'imported', serviceIds: [ids.checkout] });
      clock.advance(HOUR);
      for (const id of [ids.D, ids.I]) {
        await resolve(id);
        await postmortem(id, { status: 'in_review', dueAt: T0 + 4 * DAY });
        await item({ incidentId: id, teamId: ids.shop, dueAt: toIso(T0 + 4 * DAY) });
      }

      clock.set(T0 + 5 * DAY);
      ok(await t.api('PATCH', `/api/action-items/${ids.late}`, { status: 'done' }), 'done');
      clock.set(NOW);
    });
    after(async () => t.stop());

    it('counts completion, overdue post-mortems and action items, drills and imports left out', async () => {
      const r = await report();
      assert.deepEqual(r.filter, {
        from: '2026-03-02T00:00:00.000Z',
        to: '2026-03-16T00:00:00.000Z',
        teamId: null,
        serviceId: null,
        severity: null,
        kinds: ['real'],
      });
      assert.equal(r.target, 0.9);
      assert.equal(r.bucket, 'week');
      assert.equal(r.timeZoneSource, 'default');
      assert.deepEqual(r.overall, {
        completion: { eligible: 2, completed: 1, inProgress: 0, rate: 0.5, belowTarget: true },
        postmortemsOverdue: 1,
        actionItems: {
          open: 1,
          overdue: 1,
          closedInWindow: 1,
          timeToClose: { median: 5 * 86400 - 7200, p90: 5 * 86400 - 7200, mean: 5 * 86400 - 7200, count: 1 },
        },
      });
    });

    it('per team: Payments has the overdue post-mortem and item, Shop the item done late', async () => {
      const r = await report();
      assert.deepEqual(
        r.byTeam.map((x) => x.name),
        ['Payments', 'Shop'],
      );
      const [pay, shop] = r.byTeam;
      assert.deepEqual(pay, {
        teamId: ids.pay,
        name: 'Payments',
        completion: { eligible: 1, completed: 0, inProgress: 0, rate: 0, belowTarget: true },
        postmortemsOverdue: 1,
        actionItems: { open: 1, overdue: 1, closedInWindow: 0, timeToClose: none },
      });
      assert.deepEqual(shop!.completion, { eligible: 1, completed: 1, inProgress: 0, rate: 1, belowTarget: false });
      assert.equal(shop!.postmortemsOverdue, 0);
      assert.deepEqual(
        { ...shop!.actionItems, timeToClose: shop!.actionItems.timeToClose.median },
        { open: 0, overdue: 0, closedInWindow: 1, timeToClose: 5 * 86400 - 7200 },
      );

      const one = await report(`&teamId=${ids.pay}`);
      const { teamId: _id, name: _name, ...payFigures } = pay;
      assert.deepEqual(one.overall, payFigures);
      assert.deepEqual(
        one.byTeam.map((x) => x.teamId),
        [ids.pay],
      );
      assert.deepEqual(one.factors.find((f) => f.key === 'capacity')?.incidentIds, [ids.B]);
    });

    it('buckets by week and counts contributing factors with their incidents', async () => {
      const r = await report();
      assert.deepEqual(r.buckets, [
        {
          start: '2026-03-02T00:00:00.000Z',
          completion: { eligible: 2, completed: 1, rate: 0.5 },
          actionItemsClosed: 1,
          actionItemsOpened: 2,
        },
        {
          start: '2026-03-09T00:00:00.000Z',
          completion: { eligible: 0, completed: 0, rate: null },
          actionItemsClosed: 0,
          actionItemsOpened: 0,
        },
      ]);
      const capacity = r.factors.find((f) => f.key === 'capacity')!;
      assert.deepEqual(capacity, { ...capacity, count: 2, incidentIds: [ids.B, ids.A] });
      assert.equal(r.factors[0]!.key, 'capacity', 'most counted first');
    });

    it('includes drills and imports when asked', async () => {
      const r = await report('&includeKinds=drill,imported');
      assert.deepEqual(r.filter.kinds, ['real', 'drill', 'imported']);
      assert.deepEqual(r.overall.completion, {
        eligible: 4,
        completed: 1,
        inProgress: 0,
        rate: 0.25,
        belowTarget: true,
      });
      assert.equal(r.overall.postmortemsOverdue, 3);
      assert.deepEqual([r.overall.actionItems.open, r.overall.actionItems.overdue], [3, 3]);
      assert.equal(r.factors.find((f) => f.key === 'capacity')!.count, 4);
      const drillOnly = await report('&includeKinds=drill');
      assert.equal(drillOnly.overall.completion.eligible, 3);
    });

    it('refuses bad filters with 400 naming the field', async () => {
      for (const [q, field] of [
        ['&includeKinds=practice', 'includeKinds'],
        ['&timeZone=Mars/Olympus', 'timeZone'],
        ['&teamId=team_nobody', 'teamId'],
      ] as const) {
        const r = await t.api<Problem>('GET', `/api/insights/learning?${WINDOW}${q}`);
        assert.equal(r.status, 400, q);
        assert.deepEqual(
          r.body.error.details?.problems.map((p) => p.field),
          [field],
        );
      }
      const reversed = await t.api<Problem>('GET', `/api/insights/learning?from=${toIso(NOW)}&to=${toIso(NOW - DAY)}`);
      assert.equal(reversed.status, 400);
    });

    it('the gauges on /metrics follow open incidents, overdue post-mortems and items', async () => {
      const scrape = async () => {
        const text = ok(await t.api<string>('GET', '/metrics'), 'metrics');
        const value = (name: string) => {
          const m = new RegExp(`^${name.replace(/[{}]/g, '\\$&')} (\\S+)$`, 'm').exec(text);
          return m ? Number(m[1]) : undefined;
        };
        return {
          p1: value('muster_incidents_open{severity="P1"}'),
          p2: value('muster_incidents_open{severity="P2"}'),
          pmOverdue: value('muster_postmortems_overdue'),
          itemsOpen: value('muster_action_items_open'),
          itemsOverdue: value('muster_action_items_overdue'),
        };
      };
      // Everything resolved; the drill's and the import's post-mortems and items are left out.
      assert.deepEqual(await scrape(), { p1: 0, p2: 0, pmOverdue: 1, itemsOpen: 1, itemsOverdue: 1 });

      const open = await declare({ severity: 'P2', serviceIds: [ids.payments] });
      const drill = await declare({ severity: 'P1', kind: 'drill', serviceIds: [ids.checkout] });
      const fresh = await item({ incidentId: open, teamId: ids.pay, dueAt: toIso(NOW + 7 * DAY) });
      assert.deepEqual(await scrape(), { p1: 0, p2: 1, pmOverdue: 1, itemsOpen: 2, itemsOverdue: 1 });

      await resolve(open);
      await resolve(drill);
      ok(await t.api('PATCH', `/api/action-items/${ids.left}`, { status: 'done' }), 'done');
      const pmB = ok(await t.api<{ id: string }>('GET', `/api/incidents/${ids.B}/postmortem`), 'pm').id;
      await t.muster.services.db.kysely
        .updateTable('postmortems')
        .set({ status: 'published', publishedAt: clock.now() })
        .where('id', '=', pmB)
        .execute();
      assert.deepEqual(await scrape(), { p1: 0, p2: 0, pmOverdue: 0, itemsOpen: 1, itemsOverdue: 0 });
      // The fresh item passes its due date.
      clock.set(NOW + 8 * DAY);
      const later = await scrape();
      assert.equal(later.itemsOverdue, 1);
      ok(await t.api('PATCH', `/api/action-items/${fresh}`, { status: 'done' }), 'done');
      assert.equal((await scrape()).itemsOpen, 0);
    });
  });
}
