/**
 * Response times on a fixed history worked out by hand (docs/insights.md): each metric's median, p90 and mean, an
 * incident without acknowledgement (left out of MTTA only), groups, and week/month buckets across Europe/London's
 * DST changes.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { DAY, MINUTE, SECOND } from '../shared/clock.js';
import {
  bucketStart,
  bucketStarts,
  drillDown,
  durationOf,
  responseTimes,
  stats,
  type InsightIncident,
} from './model.js';

const T = Date.UTC(2026, 2, 2, 9); // Monday 2 March 2026 09:00 UTC

const inc = (p: Partial<InsightIncident> & { id: string; declaredAt: number }): InsightIncident => ({
  title: p.id,
  severity: 'P1',
  kind: 'real',
  impactStartedAt: null,
  detectedAt: p.declaredAt,
  acknowledgedAt: null,
  mitigatedAt: null,
  resolvedAt: null,
  firstAlertAt: null,
  serviceIds: [],
  teamIds: [],
  ...p,
});

/**
 * A: P1 on s1/t1: impact 10 min before detection; alert at detection, acknowledged 5 min later, mitigated at 30 min,
 *    resolved at 60 min → MTTD 600 s, MTTA 300 s, MTTM 1800 s, MTTR 3600 s.
 * B: P2 on s2/t2, declared by a person (no alert), acknowledged 60 s after declaration, resolved at 30 min, no impact
 *    start → MTTA 60 s, MTTR 1800 s.
 * C: P1 on s1/t1, never acknowledged: impact 2 min before detection, resolved after 2 h → MTTD 120 s, MTTR 7200 s.
 * E: P3 on s1 and s2 (both teams), the next week: alert at declaration, acknowledged after 120 s, resolved after
 *    600 s → MTTA 120 s, MTTR 600 s.
 */
const A = inc({
  id: 'A',
  declaredAt: T,
  impactStartedAt: T - 10 * MINUTE,
  firstAlertAt: T,
  acknowledgedAt: T + 5 * MINUTE,
  mitigatedAt: T + 30 * MINUTE,
  resolvedAt: T + 60 * MINUTE,
  serviceIds: ['s1'],
  teamIds: ['t1'],
});
const B = inc({
  id: 'B',
  severity: 'P2',
  declaredAt: T + DAY,
  acknowledgedAt: T + DAY + 60 * SECOND,
  resolvedAt: T + DAY + 30 * MINUTE,
  serviceIds: ['s2'],
  teamIds: ['t2'],
});
const C = inc({
  id: 'C',
  declaredAt: T + 2 * DAY,
  impactStartedAt: T + 2 * DAY - 2 * MINUTE,
  firstAlertAt: T + 2 * DAY,
  resolvedAt: T + 2 * DAY + 2 * 60 * MINUTE,
  serviceIds: ['s1'],
  teamIds: ['t1'],
});
const E = inc({
  id: 'E',
  severity: 'P3',
  declaredAt: T + 8 * DAY,
  firstAlertAt: T + 8 * DAY,
  acknowledgedAt: T + 8 * DAY + 120 * SECOND,
  resolvedAt: T + 8 * DAY + 600 * SECOND,
  serviceIds: ['s1', 's2'],
  teamIds: ['t1', 't2'],
});
const history = [A, B, C, E];
const window = { from: T, to: Date.UTC(2026, 2, 16) }; // two whole weeks after the first incident

describe('insights model: statistics', () => {
  it('median (middle or mean of the two middle), p90 by nearest rank, mean, in whole seconds', () => {
    assert.deepEqual(stats([60, 120, 180, 240, 3600].map((s) => s * SECOND)), {
      median: 180,
      p90: 3600,
      mean: 840,
      count: 5,
    });
    assert.deepEqual(stats([40, 10, 30, 20].map((s) => s * SECOND)), { median: 25, p90: 40, mean: 25, count: 4 });
    assert.deepEqual(stats([]), { median: null, p90: null, mean: null, count: 0 });
  });

  it("MTTA runs from the first alert's firing, else the declaration; a missing milestone leaves out that metric only", () => {
    assert.equal(durationOf(A, 'mtta'), 300 * SECOND);
    assert.equal(durationOf(B, 'mtta'), 60 * SECOND); // declared by a person: from the declaration
    assert.equal(durationOf(C, 'mtta'), null); // never acknowledged
    // an alert linked after a person declared: the declaration came first
    assert.equal(durationOf({ ...B, firstAlertAt: T + DAY + 30 * SECOND }, 'mtta'), 60 * SECOND);
    assert.equal(durationOf(C, 'mttd'), 120 * SECOND);
    assert.equal(durationOf(C, 'mttr'), 7200 * SECOND);
    assert.equal(durationOf(B, 'mttd'), null); // no impact start
    // out of order (resolved before detected) counts as missing
    assert.equal(durationOf(inc({ id: 'X', declaredAt: T, resolvedAt: T - 1 }), 'mttr'), null);
  });
});

describe('insights model: the fixed history', () => {
  const r = responseTimes(history, { groupBy: 'severity', bucket: 'week', timeZone: 'UTC', ...window });

  it('overall', () => {
    assert.deepEqual(r.overall, {
      mttd: { median: 360, p90: 600, mean: 360, count: 2 }, // A 600, C 120
      mtta: { median: 120, p90: 300, mean: 160, count: 3 }, // B 60, E 120, A 300 (C never acknowledged)
      mttr: { median: 2700, p90: 7200, mean: 3300, count: 4 }, // E 600, B 1800, A 3600, C 7200
      mttm: { median: 1800, p90: 1800, mean: 1800, count: 1 }, // A only
    });
  });

  it('per severity, sorted by key', () => {
    assert.deepEqual(
      r.groups.map((g) => [g.key, g.metrics.mtta.count, g.metrics.mtta.median, g.metrics.mttr.median]),
      [
        ['P1', 1, 300, 5400], // A 300 (C not acknowledged); MTTR A 3600, C 7200
        ['P2', 1, 60, 1800],
        ['P3', 1, 120, 600],
      ],
    );
  });

  it('per team: an incident on two teams counts in each', () => {
    const t = responseTimes(history, { groupBy: 'team', bucket: 'week', timeZone: 'UTC', ...window });
    assert.deepEqual(
      t.groups.map((g) => [g.key, g.metrics.mttr.count, g.metrics.mttr.mean]),
      [
        ['t1', 3, 3800], // A 3600, C 7200, E 600
        ['t2', 2, 1200], // B 1800, E 600
      ],
    );
  });

  it('weekly buckets from Monday 00:00, empty weeks with count 0', () => {
    assert.deepEqual(
      r.buckets.map((b) => [new Date(b.start).toISOString(), b.metrics.mttr.count, b.metrics.mtta.count]),
      [
        ['2026-03-02T00:00:00.000Z', 3, 2],
        ['2026-03-09T00:00:00.000Z', 1, 1],
      ],
    );
    const longer = responseTimes(history, {
      groupBy: 'none',
      bucket: 'week',
      timeZone: 'UTC',
      from: T,
      to: T + 21 * DAY,
    });
    assert.deepEqual(longer.buckets[2]!.metrics.mttr, { median: null, p90: null, mean: null, count: 0 });
    assert.deepEqual(
      longer.groups.map((g) => g.key),
      ['all'],
    );
  });

  it('drills down to the incidents behind a figure, longest first, leaving out those without it', () => {
    const d = drillDown(history, { metric: 'mtta', groupBy: 'team', group: 't1', bucket: 'week', timeZone: 'UTC' });
    assert.deepEqual(
      d.map((x) => [x.incident.id, x.durationSeconds]),
      [
        ['A', 300],
        ['E', 120],
      ],
    );
    const week2 = drillDown(history, {
      metric: 'mttr',
      groupBy: 'severity',
      bucket: 'week',
      bucketStart: Date.UTC(2026, 2, 9),
      timeZone: 'UTC',
    });
    assert.deepEqual(
      week2.map((x) => x.incident.id),
      ['E'],
    );
  });
});

describe('insights model: buckets in Europe/London', () => {
  const tz = 'Europe/London';
  it('the week of the spring change: Monday 23 March 00:00 GMT to Monday 30 March 00:00 BST (167 hours)', () => {
    const start = Date.UTC(2026, 2, 23, 0);
    const next = Date.UTC(2026, 2, 29, 23); // Monday 30 March 00:00 BST
    assert.equal(bucketStart(Date.UTC(2026, 2, 29, 22, 59), 'week', tz), start); // Sunday 23:59 BST
    assert.equal(bucketStart(Date.UTC(2026, 2, 29, 23, 30), 'week', tz), next); // Monday 00:30 BST
    assert.equal(bucketStart(Date.UTC(2026, 2, 29, 23, 30), 'week', 'UTC'), start); // still Sunday in UTC
    assert.equal(next - start, 167 * 60 * MINUTE);
    assert.deepEqual(bucketStarts(start, next + 1, 'week', tz), [start, next]);
  });

  it('the week of the autumn change is 169 hours; months start on the 1st at local midnight', () => {
    const start = Date.UTC(2026, 9, 18, 23); // Monday 19 October 00:00 BST
    assert.equal(bucketStart(Date.UTC(2026, 9, 25, 12), 'week', tz), start);
    assert.equal(bucketStart(Date.UTC(2026, 9, 26, 0, 30), 'week', tz), Date.UTC(2026, 9, 26, 0));
    assert.equal(Date.UTC(2026, 9, 26, 0) - start, 169 * 60 * MINUTE);
    assert.equal(bucketStart(Date.UTC(2026, 2, 31, 23, 30), 'month', tz), Date.UTC(2026, 2, 31, 23)); // 1 April BST
    assert.equal(bucketStart(Date.UTC(2026, 2, 31, 22, 30), 'month', tz), Date.UTC(2026, 2, 1, 0)); // 31 March
  });

  it('an incident just after local midnight on the Monday of the change lands in the new week', () => {
    const late = inc({ id: 'L', declaredAt: Date.UTC(2026, 2, 29, 23, 30), resolvedAt: Date.UTC(2026, 2, 30, 0, 30) });
    const r = responseTimes([late], {
      groupBy: 'none',
      bucket: 'week',
      timeZone: tz,
      from: Date.UTC(2026, 2, 23),
      to: Date.UTC(2026, 3, 5, 23), // Monday 6 April 00:00 BST
    });
    assert.deepEqual(
      r.buckets.map((b) => [new Date(b.start).toISOString(), b.metrics.mttr.count]),
      [
        ['2026-03-23T00:00:00.000Z', 0],
        ['2026-03-29T23:00:00.000Z', 1],
      ],
    );
  });
});
