import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { DEFAULT_WINDOWS } from '../oncall/sustainability.js';
import {
  backToBack,
  cardScore,
  heroFigures,
  knowledgeFigure,
  knowledgeRemedies,
  median,
  monthlyLoad,
  offHoursPageHours,
  recoveries,
  recoveryWindow,
} from './model.js';

const H = 3_600_000;
const at = (iso: string) => Date.parse(iso);

describe('people health model', () => {
  it('median of odd and even counts', () => {
    assert.equal(median([3, 1, 2]), 2);
    assert.equal(median([4, 1, 2, 3]), 2.5);
    assert.equal(median([]), 0);
  });

  it('flags a person above twice the median or a third of the team, with a minimum count', () => {
    // Pages: Ana 12, Ben 3, Cy 3, Dee 2 → total 20, median (2,3,3,12) = 3; Ana 12 > 2×3 and 12/20 = 60% > 1/3.
    // Ben's 3 is under the minimum of 5: never flagged. Incidents: all 1, total 4: nobody has 5.
    const p = (userId: string, pages: number) => ({
      userId,
      name: userId,
      pagesAcknowledged: pages,
      incidentsResponded: 1,
      rolesHeld: 0,
      offHoursPageHours: 0,
    });
    const f = heroFigures([p('ben', 3), p('ana', 12), p('cy', 3), p('dee', 2)]);
    assert.equal(f.median.pages, 3);
    assert.equal(f.teamTotals.pages, 20);
    assert.equal(f.people[0]!.userId, 'ana');
    assert.equal(f.people[0]!.flagged, true);
    assert.equal(f.people[0]!.share.pages, 0.6);
    assert.match(f.people[0]!.reasons[0]!, /Acknowledged 12 pages: 60% of the team's 20; 4× the team median of 3/);
    assert.deepEqual(
      f.people.filter((x) => x.flagged).map((x) => x.userId),
      ['ana'],
    );
  });

  it('off-hours page hours merge one person overlapping pages and cap each at 8 h', () => {
    // 01:00→03:00 and 02:00→04:00 merge to 3 h; an unresolved page at 10:00 counts to `until` 12:00 (2 h).
    const base = at('2026-03-02T00:00:00Z');
    const hours = offHoursPageHours(
      [
        { at: base + H, resolvedAt: base + 3 * H },
        { at: base + 2 * H, resolvedAt: base + 4 * H },
        { at: base + 10 * H, resolvedAt: null },
      ],
      base + 12 * H,
    );
    assert.equal(hours, 5);
    assert.equal(offHoursPageHours([{ at: base, resolvedAt: base + 20 * H }], base + 30 * H), 8);
  });

  it('knowledge: one person handling 80% of at least 5 incidents is flagged', () => {
    const inc = (n: number, handlers: string[]) => ({ incidentId: `i${n}`, handlers });
    const f = knowledgeFigure(
      [inc(1, ['ana']), inc(2, ['ana']), inc(3, ['ana', 'ben']), inc(4, ['ana']), inc(5, ['ben'])],
      (u) => u.toUpperCase(),
    );
    // Ana 4 of 5 = 80% → flagged; Ben 2 of 5.
    assert.equal(f.flagged, true);
    assert.equal(f.holder!.name, 'ANA');
    assert.equal(f.holder!.share, 0.8);
    const four = knowledgeFigure([inc(1, ['ana']), inc(2, ['ana']), inc(3, ['ana']), inc(4, ['ana'])], (u) => u);
    assert.equal(four.flagged, false, 'four incidents are under the minimum of five');
  });

  it('knowledge remedies link to pages the web UI has (the runbook editor preset to the service, the schedule)', () => {
    const routes = [
      ...readFileSync(join(import.meta.dirname, '..', '..', 'web', 'src', 'pages', 'index.ts'), 'utf8').matchAll(
        /path: '([^']+)'/g,
      ),
    ].map((m) => new RegExp(`^${m[1]!.replace(/:[a-z]+/gi, '[^/]+')}$`));
    const remedies = knowledgeRemedies({
      serviceId: 'svc_1',
      serviceName: 'Checkout',
      teamSlug: 'payments',
      hasRunbook: false,
      scheduleIds: ['sch_1'],
      holderName: 'Ana',
    });
    assert.deepEqual(
      remedies.map((r) => r.href),
      ['/runbooks/new?serviceId=svc_1', '/oncall/schedules/sch_1', '/teams/payments'],
    );
    const none = knowledgeRemedies({
      ...{ serviceId: 's', serviceName: 'S', teamSlug: 't', holderName: 'A' },
      hasRunbook: true,
      scheduleIds: [],
    });
    for (const r of [...remedies, ...none]) {
      const path = r.href.split('?')[0]!;
      assert.ok(
        routes.some((re) => re.test(path)),
        `${r.kind} links to ${path}, which the web UI does not have`,
      );
    }
  });

  it('monthly load flags more than a week in four', () => {
    // March 2026 has 744 h; 8 days on call = 192 h = 25.8% > 25%.
    const m = { start: at('2026-03-01T00:00:00Z'), end: at('2026-04-01T00:00:00Z') };
    const [load] = monthlyLoad([{ start: m.start, end: m.start + 8 * 24 * H }], [m]);
    assert.equal(load!.onCallHours, 192);
    assert.equal(load!.flagged, true);
    const [week] = monthlyLoad([{ start: m.start, end: m.start + 7 * 24 * H }], [m]);
    assert.equal(week!.flagged, false);
  });

  it('back-to-back shifts across schedules are chained; one schedule alone is not', () => {
    const b = backToBack('ana', [
      { scheduleId: 'a', start: 0, end: 10 * H },
      { scheduleId: 'b', start: 10.5 * H, end: 20 * H },
      { scheduleId: 'a', start: 100 * H, end: 110 * H },
      { scheduleId: 'a', start: 110 * H, end: 120 * H },
    ]);
    assert.deepEqual(b, [{ userId: 'ana', scheduleIds: ['a', 'b'], from: 0, to: 20 * H }]);
  });

  it('recovery is the next working morning, 09:00–13:00 in the person zone, once per night', () => {
    // Tuesday 2026-03-03 03:12 in Berlin (02:12 UTC) → 09:00–13:00 Berlin (08:00–12:00 UTC).
    const w = recoveryWindow(at('2026-03-03T02:12:00Z'), 'Europe/Berlin', DEFAULT_WINDOWS);
    assert.deepEqual(w, { from: at('2026-03-03T08:00:00Z'), to: at('2026-03-03T12:00:00Z') });
    // Saturday 03:00: Monday is more than a day away → none.
    assert.equal(recoveryWindow(at('2026-03-07T03:00:00Z'), 'UTC', DEFAULT_WINDOWS), null);
    const r = recoveries(
      [
        { userId: 'ana', at: at('2026-03-03T02:12:00Z'), timezone: 'Europe/Berlin' },
        { userId: 'ana', at: at('2026-03-03T04:00:00Z'), timezone: 'Europe/Berlin' },
      ],
      DEFAULT_WINDOWS,
    );
    assert.equal(r.length, 1);
    assert.equal(r[0]!.pages, 2);
  });

  it('the card score adds up as documented', () => {
    // 3×1 open + 2 pages/week + 10×0.5 noisy + 5×(1−0.5) + 2×1 overdue + 3 (no runbook) + 5 (knowledge) = 22.5
    assert.equal(
      cardScore({
        openIncidents: 1,
        pagesPerWeek: 2,
        noisyShare: 0.5,
        postmortemCompletion: 0.5,
        overdueActionItems: 1,
        runbookCoverage: { hasRunbook: false, runbookCount: 0, alertRulesCovered: null },
        knowledgeFlag: true,
      }),
      22.5,
    );
  });
});
