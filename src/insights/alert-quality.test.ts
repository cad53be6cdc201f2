/**
 * Alert quality over time on a hand-worked history (docs/insights.md, "Alert quality over time"): weekly buckets in
 * Europe/London across the spring DST change (an alert on Sunday 29 March 2026 at 23:30 UTC is Monday 00:30 BST: the
 * next week in London, the same week in UTC), per rule and per service, the worst `limit`, and every figure checked
 * against the noisy-rules view's own computeQuality so the definitions cannot drift apart.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { computeQuality, type Classification, type QualitySample } from '../alerts/model.js';
import { HOUR, MINUTE } from '../shared/clock.js';
import { alertQualityOverTime, type QualityCount } from './alert-quality.js';

const W1 = Date.UTC(2026, 2, 23); // Monday 23 March 2026 00:00 GMT = 00:00 UTC
const W2_LONDON = Date.UTC(2026, 2, 29, 23); // Monday 30 March 00:00 BST
const W2_UTC = Date.UTC(2026, 2, 30);
const TO = Date.UTC(2026, 3, 5, 23); // Monday 6 April 00:00 BST
const EDGE = Date.UTC(2026, 2, 29, 23, 30); // Monday 30 March 00:30 BST, Sunday 29 March 23:30 UTC

const a = (at: number, ruleKey: string, serviceId: string, classification: Classification | null): QualityCount => ({
  at,
  ruleKey,
  serviceId,
  classification,
  count: 1,
});

/**
 * DiskFull on s1, week 1: 2 false positives, 1 actionable, 1 not judged → 4 alerts, 3 judged, 2 noisy (2/3).
 * HighLatency: week 1 actionable on s1 and on s2; at EDGE not actionable on s2; week 2 actionable on s1 → 4 alerts,
 *   4 judged, 1 noisy (1/4).
 * CPU on s2, week 2: 1 not judged → share null.
 * London weeks: week 1 = 6 alerts, 5 judged, 2 noisy (0.4); week 2 = 3 alerts, 2 judged, 1 noisy (0.5).
 * UTC weeks: EDGE moves to week 1: 7 alerts, 6 judged, 3 noisy (0.5); week 2 = 2 alerts, 1 judged, 0 noisy (0).
 * s1: DiskFull's 4 + HighLatency's 2 → 6 alerts, 5 judged, 2 noisy (0.4). s2: 3 alerts, 2 judged, 1 noisy (0.5).
 */
const history: QualityCount[] = [
  a(W1 + 9 * HOUR, 'DiskFull', 's1', 'false_positive'),
  a(W1 + 10 * HOUR, 'DiskFull', 's1', 'false_positive'),
  a(W1 + 11 * HOUR, 'DiskFull', 's1', 'actionable'),
  a(W1 + 12 * HOUR, 'DiskFull', 's1', null),
  a(W1 + 30 * HOUR, 'HighLatency', 's1', 'actionable'),
  a(W1 + 31 * HOUR, 'HighLatency', 's2', 'actionable'),
  a(EDGE, 'HighLatency', 's2', 'not_actionable'),
  a(W2_UTC + 2 * HOUR, 'HighLatency', 's1', 'actionable'),
  a(W2_UTC + 3 * HOUR + 5 * MINUTE, 'CPU', 's2', null),
];

const names = new Map([
  ['s1', 'checkout'],
  ['s2', 'payments'],
]);
const opts = { bucket: 'week' as const, from: W1, to: TO, limit: 10, serviceNames: names };
const pick = (b: { start: number; alerts: number; classified: number; noisy: number; noisyShare: number | null }) => [
  b.start,
  b.alerts,
  b.classified,
  b.noisy,
  b.noisyShare,
];

describe('alert quality over time', () => {
  it('buckets by week in the zone: the alert at Monday 00:30 BST is the second London week, the first UTC week', () => {
    const london = alertQualityOverTime(history, { ...opts, groupBy: 'rule', timeZone: 'Europe/London' });
    assert.deepEqual(
      [london.overall.alerts, london.overall.classified, london.overall.noisy, london.overall.noisyShare],
      [9, 7, 3, 3 / 7],
    );
    assert.deepEqual(london.overall.buckets.map(pick), [
      [W1, 6, 5, 2, 0.4],
      [W2_LONDON, 3, 2, 1, 0.5],
    ]);
    const utc = alertQualityOverTime(history, { ...opts, groupBy: 'rule', timeZone: 'UTC' });
    assert.deepEqual(utc.overall.buckets.map(pick), [
      [W1, 7, 6, 3, 0.5],
      [W2_UTC, 2, 1, 0, 0],
    ]);
  });

  it('per rule, worst first by noisy alerts, every bucket listed (empty ones as 0 and null)', () => {
    const r = alertQualityOverTime(history, { ...opts, groupBy: 'rule', timeZone: 'Europe/London' });
    assert.deepEqual(
      r.series.map((s) => [s.key, s.name, s.serviceIds, s.alerts, s.classified, s.noisy, s.noisyShare, s.isNoisy]),
      [
        ['DiskFull', 'DiskFull', ['s1'], 4, 3, 2, 2 / 3, true],
        ['HighLatency', 'HighLatency', ['s1', 's2'], 4, 4, 1, 0.25, true],
        ['CPU', 'CPU', ['s2'], 1, 0, 0, null, false],
      ],
    );
    assert.deepEqual(r.series[0]!.buckets.map(pick), [
      [W1, 4, 3, 2, 2 / 3],
      [W2_LONDON, 0, 0, 0, null],
    ]);
    assert.deepEqual(r.series[1]!.buckets.map(pick), [
      [W1, 2, 2, 0, 0],
      [W2_LONDON, 2, 2, 1, 0.5],
    ]);
  });

  it('per service, named after the service, and only the `limit` worst', () => {
    const r = alertQualityOverTime(history, { ...opts, groupBy: 'service', timeZone: 'Europe/London', limit: 1 });
    assert.deepEqual(
      r.series.map((s) => [s.key, s.name, s.alerts, s.classified, s.noisy, s.noisyShare]),
      [['s1', 'checkout', 6, 5, 2, 0.4]],
    );
    // The overall figures still cover every service.
    assert.equal(r.overall.alerts, 9);
  });

  it("is the noisy-rules view's definition: the same share and flag as computeQuality over the same alerts", () => {
    const samples: QualitySample[] = history.map((c) => ({
      ruleKey: c.ruleKey,
      serviceId: c.serviceId,
      createdAt: c.at,
      pagedAt: c.at,
      acknowledgedAt: null,
      classification: c.classification as Classification | null,
    }));
    for (const groupBy of ['rule', 'service'] as const) {
      const ours = alertQualityOverTime(history, { ...opts, groupBy, timeZone: 'UTC' }).series;
      const theirs = computeQuality(samples, (s) => (groupBy === 'rule' ? s.ruleKey : s.serviceId));
      assert.equal(ours.length, theirs.length);
      for (const s of ours) {
        const q = theirs.find((x) => x.key === s.key)!;
        assert.deepEqual(
          [s.alerts, s.classified, s.noisy, s.noisyShare, s.isNoisy],
          [q.alerts, q.classified, q.notActionable + q.falsePositive, q.noiseShare, q.isNoisy],
          `${groupBy} ${s.key}`,
        );
      }
    }
  });

  it('an empty window still lists its buckets', () => {
    const r = alertQualityOverTime([], { ...opts, groupBy: 'rule', timeZone: 'Europe/London' });
    assert.deepEqual(r.overall.buckets.map(pick), [
      [W1, 0, 0, 0, null],
      [W2_LONDON, 0, 0, 0, null],
    ]);
    assert.deepEqual(r.series, []);
  });
});
