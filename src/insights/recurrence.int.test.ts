/**
 * Recurrence through the HTTP API on both engines, over a fixed history declared under a fake clock:
 *   A (day 0)  checkout, alert rule HighLatency; two action items, both done by day 10
 *   D (day 5)  checkout, alert rule DiskFull                  — only shares a service with A: no match
 *   B (day 20) checkout, alert rule HighLatency               — recurs A (after fix); one action item left open
 *   C (day 40) checkout, alert rule HighLatency               — recurs A (after fix) and B (not after fix)
 *   P (day 50) payments, no alerts; Q (day 60) payments       — Q linked to P by a responder ("same as")
 *   X (day 45) checkout, HighLatency, a drill                 — left out unless includeKinds=drill
 * Every declaration is at 09:00 UTC; day 0 is Monday 5 January 2026. Weekly buckets in Pacific/Honolulu (UTC−10)
 * start on Monday 10:00 UTC, so A (Monday 09:00 UTC = Sunday 23:00 local) falls in the week before UTC's.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { ENGINES } from '../db/testing/index.js';
import { DAY, FakeClock, toIso } from '../shared/clock.js';
import { startTestMuster, type TestMuster } from '../testing/server.js';

const T0 = Date.UTC(2026, 0, 5, 9);

interface Inc {
  id: string;
  title: string;
  declaredAt: string;
  serviceIds: string[];
}
interface Reason {
  kind: string;
  detail: string;
}
interface Group {
  id: string;
  total: number;
  recurring: number;
  rate: number | null;
  recurredAfterFix: number;
}
interface Overview {
  rate: number | null;
  recurring: number;
  total: number;
  recurredAfterFix: number;
  byService: Group[];
  byTeam: Group[];
  bucket: string;
  timeZone: string;
  timeZoneSource: string;
  buckets: { start: string; total: number; recurring: number; rate: number | null; recurredAfterFix: number }[];
  items: { incident: Inc; recursOf: { incident: Inc; reasons: Reason[]; recurredAfterFix: boolean }[] }[];
}
interface Chain {
  incident: Inc;
  links: { incidentId: string; note: string; createdByLabel: string }[];
  chain: { incident: Inc; recursOf: Inc; reasons: Reason[]; recurredAfterFix: boolean }[];
}
interface Problem {
  error: { code: string; details?: { problems: { field: string }[] } };
}

for (const engine of ENGINES) {
  describe(`recurrence [${engine}]`, () => {
    let t: TestMuster;
    const clock = new FakeClock(T0);
    const ids: Record<string, string> = {};
    const svc = { checkout: '', payments: '' };
    const team = { shop: '', pay: '' };
    const keys = { checkout: '' };
    let me = '';
    let n = 0;

    const ok = <T>(r: { status: number; body: T }, what: string): T => {
      assert.ok(r.status >= 200 && r.status < 300, `${what}: HTTP ${r.status} ${JSON.stringify(r.body)}`);
      return r.body;
    };
    const at = (day: number) => clock.set(T0 + day * DAY);

    async function alert(rule: string): Promise<string> {
      const res = await fetch(`${t.url}/integrations/generic/${keys.checkout}`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({
          status: 'firing',
          dedupKey: `k${++n}`,
          title: `${rule} fired`,
          labels: { alertname: rule },
        }),
      });
      assert.equal(res.status, 200);
      const list = ok(
        await t.api<{ alerts: { id: string; dedupKey: string }[] }>('GET', `/api/alerts?service=${svc.checkout}`),
        'alerts',
      );
      return list.alerts.find((a) => a.dedupKey === `k${n}`)!.id;
    }

    async function declare(name: string, day: number, serviceId: string, rule: string | null): Promise<string> {
      at(day);
      const alertIds = rule === null ? [] : [await alert(rule)];
      const d = ok(
        await t.api<{ incident: { id: string } }>('POST', '/api/incidents', {
          title: name,
          severity: 'P2',
          serviceIds: [serviceId],
          alertIds,
        }),
        `declare ${name}`,
      );
      ids[name] = d.incident.id;
      return d.incident.id;
    }

    /** An action item of the incident, then set to this status at this day (the workflow is src/actions' to test). */
    async function item(incident: string, status: string, doneDay: number | null): Promise<void> {
      const it = ok(
        await t.api<{ id: string }>('POST', '/api/action-items', {
          incidentId: ids[incident],
          title: `Fix ${incident}`,
          ownerUserId: me,
          teamId: team.shop,
          dueAt: toIso(T0 + 90 * DAY),
        }),
        'action item',
      );
      await t.muster.services.db.kysely
        .updateTable('actionItems')
        .set({ status, doneAt: doneDay === null ? null : T0 + doneDay * DAY })
        .where('id', '=', it.id)
        .execute();
    }

    before(async () => {
      t = await startTestMuster(engine, {}, { clock });
      me = ok(await t.api<{ id: string }>('GET', '/api/me'), 'me').id;
      team.shop = ok(await t.api<{ id: string }>('POST', '/api/teams', { name: 'Shop' }), 'team').id;
      team.pay = ok(await t.api<{ id: string }>('POST', '/api/teams', { name: 'Payments' }), 'team').id;
      svc.checkout = ok(
        await t.api<{ id: string }>('POST', '/api/services', { teamId: team.shop, name: 'checkout' }),
        'svc',
      ).id;
      svc.payments = ok(
        await t.api<{ id: string }>('POST', '/api/services', { teamId: team.pay, name: 'payments' }),
        'svc',
      ).id;
      keys.checkout = ok(
        await t.api<{ key: string }>('POST', `/api/services/${svc.checkout}/integration-keys`, { source: 'generic' }),
        'key',
      ).key;
      await declare('A', 0, svc.checkout, 'HighLatency');
      await declare('D', 5, svc.checkout, 'DiskFull');
      await declare('B', 20, svc.checkout, 'HighLatency');
      await declare('C', 40, svc.checkout, 'HighLatency');
      await declare('X', 45, svc.checkout, 'HighLatency');
      await t.muster.services.db.kysely
        .updateTable('incidents')
        .set({ kind: 'drill' })
        .where('id', '=', ids.X!)
        .execute();
      await declare('P', 50, svc.payments, null);
      await declare('Q', 60, svc.payments, null);
      await item('A', 'done', 8);
      await item('A', 'verified', 10);
      await item('B', 'done', 25);
      await item('B', 'open', null);
      at(70);
    });
    after(async () => t.stop());

    const names = () => new Map(Object.entries(ids).map(([k, v]) => [v, k]));

    it('links two incidents as the same problem, once, and refuses bad links naming the field', async () => {
      const l = ok(
        await t.api<{ links: { incidentId: string; note: string }[] }>('POST', `/api/incidents/${ids.Q}/links`, {
          relatedIncidentId: ids.P,
          note: 'same bad config push',
        }),
        'link',
      );
      assert.deepEqual(
        l.links.map((x) => [x.incidentId, x.note]),
        [[ids.P, 'same bad config push']],
      );
      const again = await t.api<Problem>('POST', `/api/incidents/${ids.P}/links`, { relatedIncidentId: ids.Q });
      assert.equal(again.status, 409);
      const self = await t.api<Problem>('POST', `/api/incidents/${ids.P}/links`, { relatedIncidentId: ids.P });
      assert.equal(self.status, 400);
      assert.equal(self.body.error.details?.problems[0]?.field, 'relatedIncidentId');
      const missing = await t.api<Problem>('POST', `/api/incidents/${ids.P}/links`, { relatedIncidentId: 'inc_nope' });
      assert.equal(missing.status, 400);
      assert.equal(missing.body.error.details?.problems[0]?.field, 'relatedIncidentId');
    });

    it('computes the rate, reasons and "recurred after fix" over the hand-worked history', async () => {
      const o = ok(
        await t.api<Overview>('GET', `/api/insights/recurrence?from=${encodeURIComponent(toIso(T0))}`),
        'overview',
      );
      const nm = names();
      // A, D, B, C, P, Q in the period (X is a drill); B, C and Q recur an earlier one.
      assert.equal(o.total, 6);
      assert.equal(o.recurring, 3);
      assert.equal(o.rate, 0.5);
      assert.equal(o.recurredAfterFix, 2);
      const got = o.items.map((i) => [
        nm.get(i.incident.id),
        i.recursOf.map((m) => [
          nm.get(m.incident.id),
          m.reasons.map((r) => r.kind).includes('same_rule') ? 'rule' : m.reasons.map((r) => r.kind).join('+'),
          m.recurredAfterFix,
        ]),
      ]);
      assert.deepEqual(got, [
        ['Q', [['P', 'linked', false]]],
        [
          'C',
          [
            ['A', 'rule', true],
            ['B', 'rule', false],
          ],
        ],
        ['B', [['A', 'rule', true]]],
      ]);
      // The same rule's alerts in the same group: same_rule only (not also same_group), named, not keyed.
      assert.deepEqual(o.items[1]!.recursOf[0]!.reasons, [{ kind: 'same_rule', detail: 'alert rule "HighLatency"' }]);
      const linked = o.items[0]!.recursOf[0]!.reasons[0]!;
      assert.match(linked.detail, /same bad config push/);
      const bySvc = Object.fromEntries(o.byService.map((g) => [g.id, [g.total, g.recurring, g.recurredAfterFix]]));
      assert.deepEqual(bySvc, { [svc.checkout]: [4, 2, 2], [svc.payments]: [2, 1, 0] });
      const byTeam = Object.fromEntries(o.byTeam.map((g) => [g.id, g.rate]));
      assert.deepEqual(byTeam, { [team.shop]: 0.5, [team.pay]: 0.5 });
    });

    it('buckets the rate by week and month in the zone asked, every bucket of the window, empty ones too', async () => {
      const from = encodeURIComponent(toIso(T0));
      const figures = (o: Overview) =>
        Object.fromEntries(
          o.buckets
            .filter((b) => b.total > 0)
            .map((b) => [b.start, [b.total, b.recurring, b.rate, b.recurredAfterFix]]),
        );
      const utc = ok(await t.api<Overview>('GET', `/api/insights/recurrence?from=${from}`), 'utc');
      assert.deepEqual([utc.bucket, utc.timeZone, utc.timeZoneSource], ['week', 'UTC', 'default']);
      // Mondays 5 January … 16 March (now, day 70): 11 weeks.
      assert.equal(utc.buckets.length, 11);
      assert.equal(utc.buckets[0]!.start, '2026-01-05T00:00:00.000Z');
      assert.equal(utc.buckets[10]!.start, '2026-03-16T00:00:00.000Z');
      assert.deepEqual(utc.buckets[1], {
        start: '2026-01-12T00:00:00.000Z',
        total: 0,
        recurring: 0,
        rate: null,
        recurredAfterFix: 0,
      });
      assert.deepEqual(figures(utc), {
        '2026-01-05T00:00:00.000Z': [2, 0, 0, 0], // A (Mon), D (Sat)
        '2026-01-19T00:00:00.000Z': [1, 1, 1, 1], // B (Sun 25 Jan) recurs A after its fix
        '2026-02-09T00:00:00.000Z': [1, 1, 1, 1], // C (Sat 14 Feb) recurs A after fix (and B)
        '2026-02-23T00:00:00.000Z': [1, 0, 0, 0], // P
        '2026-03-02T00:00:00.000Z': [1, 1, 1, 0], // Q, linked to P
      });
      const hnl = ok(
        await t.api<Overview>('GET', `/api/insights/recurrence?from=${from}&timeZone=Pacific/Honolulu`),
        'honolulu',
      );
      assert.deepEqual([hnl.timeZone, hnl.timeZoneSource], ['Pacific/Honolulu', 'request']);
      assert.equal(hnl.buckets.length, 11);
      assert.equal(hnl.buckets[10]!.start, '2026-03-09T10:00:00.000Z'); // now is Sunday 15 March 23:00 local
      assert.deepEqual(figures(hnl), {
        '2025-12-29T10:00:00.000Z': [1, 0, 0, 0], // A: Sunday 4 January 23:00 local
        '2026-01-05T10:00:00.000Z': [1, 0, 0, 0], // D
        '2026-01-19T10:00:00.000Z': [1, 1, 1, 1],
        '2026-02-09T10:00:00.000Z': [1, 1, 1, 1],
        '2026-02-23T10:00:00.000Z': [1, 0, 0, 0], // P: Monday 23 February 23:00 local
        '2026-03-02T10:00:00.000Z': [1, 1, 1, 0],
      });
      const month = ok(await t.api<Overview>('GET', `/api/insights/recurrence?from=${from}&bucket=month`), 'month');
      assert.deepEqual(figures(month), {
        '2026-01-01T00:00:00.000Z': [3, 1, 1 / 3, 1], // A, D, B
        '2026-02-01T00:00:00.000Z': [2, 1, 0.5, 1], // C, P
        '2026-03-01T00:00:00.000Z': [1, 1, 1, 0], // Q
      });
      // The figures over time add up to the period's.
      assert.equal(
        month.buckets.reduce((s, b) => s + b.recurring, 0),
        month.recurring,
      );
    });

    it('filters by team and service, takes drills in when asked, and honours the window', async () => {
      const from = encodeURIComponent(toIso(T0));
      const shop = ok(
        await t.api<Overview>('GET', `/api/insights/recurrence?from=${from}&teamId=${team.shop}`),
        'team',
      );
      assert.deepEqual([shop.total, shop.recurring], [4, 2]);
      const pay = ok(
        await t.api<Overview>('GET', `/api/insights/recurrence?from=${from}&serviceId=${svc.payments}`),
        'svc',
      );
      assert.deepEqual([pay.total, pay.recurring], [2, 1]);
      const drills = ok(
        await t.api<Overview>('GET', `/api/insights/recurrence?from=${from}&includeKinds=drill`),
        'drill',
      );
      assert.deepEqual([drills.total, drills.recurring], [7, 4]);
      // A 19-day window: B (20 days after A) no longer recurs A; C (20 after B) not B; Q (10 after P) still does.
      const short = ok(await t.api<Overview>('GET', `/api/insights/recurrence?from=${from}&windowDays=19`), 'short');
      assert.deepEqual(
        short.items.map((i) => names().get(i.incident.id)),
        ['Q'],
      );
      const exact = ok(await t.api<Overview>('GET', `/api/insights/recurrence?from=${from}&windowDays=20`), 'exact');
      assert.deepEqual(
        exact.items.map((i) => names().get(i.incident.id)),
        ['Q', 'C', 'B'],
      );
      const empty = ok(await t.api<Overview>('GET', `/api/insights/recurrence?from=${from}&teamId=nobody`), 'empty');
      assert.equal(empty.rate, null);
    });

    it('refuses bad parameters with 400 naming the field', async () => {
      for (const [q, field] of [
        ['windowDays=0', 'windowDays'],
        ['includeKinds=game', 'includeKinds'],
        ['from=yesterday', 'from'],
        ['timeZone=Mars/Olympus', 'timeZone'],
        ['bucket=day', 'bucket'],
      ] as const) {
        const r = await t.api<Problem>('GET', `/api/insights/recurrence?${q}`);
        assert.equal(r.status, 400, q);
        assert.match(JSON.stringify(r.body), new RegExp(field));
      }
    });

    it("shows one incident's chain both ways with its links, and unlinks", async () => {
      const nm = names();
      const b = ok(await t.api<Chain>('GET', `/api/insights/recurrence/incidents/${ids.B}`), 'chain B');
      assert.deepEqual(
        b.chain.map((m) => `${nm.get(m.incident.id)}<${nm.get(m.recursOf.id)}:${m.recurredAfterFix}`),
        ['B<A:true', 'C<A:true', 'C<B:false'],
      );
      const q = ok(await t.api<Chain>('GET', `/api/insights/recurrence/incidents/${ids.P}`), 'chain P');
      assert.deepEqual(
        q.links.map((l) => l.incidentId),
        [ids.Q],
      );
      assert.deepEqual(
        q.chain.map((m) => m.reasons.map((r) => r.kind)),
        [['linked']],
      );
      assert.equal((await t.api('GET', '/api/insights/recurrence/incidents/inc_nope')).status, 404);
      const gone = ok(await t.api<{ links: unknown[] }>('DELETE', `/api/incidents/${ids.P}/links/${ids.Q}`), 'unlink');
      assert.deepEqual(gone.links, []);
      assert.equal((await t.api('DELETE', `/api/incidents/${ids.P}/links/${ids.Q}`)).status, 404);
      const after = ok(await t.api<Chain>('GET', `/api/insights/recurrence/incidents/${ids.Q}`), 'chain Q');
      assert.deepEqual(after.chain, []);
    });
  });
}
