/**
 * Recurrence matching on a hand-worked history (docs/insights.md "Recurrence"):
 *   A (day 0)  svc1 rule HighLatency, group latency          — the first
 *   D (day 10) svc1 rule DiskFull                            — shares only a service with A: no match
 *   E (day 20) svc2 rule Cpu ; F (day 40) svc3 rule Mem      — nothing in common, but a responder linked them
 *   B (day 30) svc1 rule HighLatency                         — recurs A (same rule); A's items were all done by day 20
 *   C (day 60) svc1 rule HighLatency, group latency          — recurs A (rule + group, after fix) and B (rule; one
 *                                                              of B's items still open: not after fix)
 *   G (day 200) svc4 rule Edge; H = G + 90 days exactly; I = H + 90 days + 1 ms — H recurs G (window inclusive),
 *                                                              I recurs nothing (one ms outside)
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  DAY_MS,
  bucketise,
  chainOf,
  groupName,
  fixedBefore,
  matchRecurrences,
  parseKinds,
  summarise,
  type HistoryIncident,
  type IncidentLink,
  type ItemFact,
} from './recurrence.js';

const t0 = Date.UTC(2026, 0, 1);
const W = 90 * DAY_MS;
const inc = (id: string, day: number, svc: string, rules: string[], groups: string[] = []): HistoryIncident => ({
  id,
  title: id,
  severity: 'P2',
  status: 'resolved',
  kind: 'real',
  declaredAt: t0 + day * DAY_MS,
  serviceIds: [svc],
  ruleKeys: rules,
  groupKeys: groups.map((g) => `${svc}/${g}`),
});
const A = inc('A', 0, 'svc1', ['HighLatency'], ['latency']);
const D = inc('D', 10, 'svc1', ['DiskFull']);
const E = inc('E', 20, 'svc2', ['Cpu']);
const B = inc('B', 30, 'svc1', ['HighLatency']);
const F = inc('F', 40, 'svc3', ['Mem']);
const C = inc('C', 60, 'svc1', ['HighLatency'], ['latency']);
const G = inc('G', 200, 'svc4', ['Edge']);
const H = { ...inc('H', 0, 'svc4', ['Edge']), declaredAt: G.declaredAt + W };
const I = { ...inc('I', 0, 'svc4', ['Edge']), declaredAt: H.declaredAt + W + 1 };
const history = [C, A, B, D, E, F, G, H, I];
const links: IncidentLink[] = [
  { incidentId: 'F', relatedIncidentId: 'E', note: 'same bad config', createdByLabel: 'ana', createdAt: t0 },
];
const item = (incidentId: string, status: string, day: number | null): ItemFact => ({
  incidentId,
  status,
  fixedAt: day === null ? null : t0 + day * DAY_MS,
});
const items = new Map<string, ItemFact[]>([
  ['A', [item('A', 'done', 15), item('A', 'verified', 20)]],
  ['B', [item('B', 'done', 35), item('B', 'open', null)]],
]);
const teamOf = new Map([
  ['svc1', 'team1'],
  ['svc2', 'team2'],
  ['svc3', 'team2'],
  ['svc4', 'team3'],
]);

describe('recurrence matching', () => {
  const matches = matchRecurrences(history, links, items, W);
  const pairs = matches.map((m) => `${m.incidentId}<${m.recursOfId}`);

  it('finds exactly the hand-worked pairs', () => {
    assert.deepEqual(pairs, ['B<A', 'F<E', 'C<A', 'C<B', 'H<G']);
  });

  it('names each reason', () => {
    const get = (p: string) => matches[pairs.indexOf(p)]!;
    assert.deepEqual(get('B<A').reasons, [{ kind: 'same_rule', detail: 'alert rule "HighLatency"' }]);
    // Without the group's rules known, a shared group is a reason of its own.
    assert.deepEqual(get('C<A').reasons, [
      { kind: 'same_rule', detail: 'alert rule "HighLatency"' },
      { kind: 'same_group', detail: 'alert group "latency"' },
    ]);
    assert.deepEqual(get('F<E').reasons, [{ kind: 'linked', detail: 'linked by ana: same bad config' }]);
  });

  it('flags "recurred after fix" only when every item of the earlier incident was done or verified before', () => {
    const flag = Object.fromEntries(matches.map((m) => [`${m.incidentId}<${m.recursOfId}`, m.recurredAfterFix]));
    assert.deepEqual(flag, { 'B<A': true, 'F<E': false, 'C<A': true, 'C<B': false, 'H<G': false });
    assert.equal(fixedBefore([], t0), false, 'no action items: nothing was fixed');
    assert.equal(fixedBefore([item('A', 'done', 10)], t0 + 10 * DAY_MS), false, 'done at the same moment: not before');
    assert.equal(fixedBefore([item('A', 'wont_do', 1)], t0 + 10 * DAY_MS), false, "won't do is not a fix");
  });

  it('names a group by its title or labels, and keeps same_rule only when the group holds that same rule', () => {
    const g = 'svc1/key:{}:{alertname="LatencyP99High"}';
    const withGroup = (id: string, day: number, rules: string[], groupRules: string[], title: string) => ({
      ...inc(id, day, 'svc1', rules),
      groupKeys: [g],
      groupTitles: { [g]: title },
      groupRules: { [g]: groupRules },
    });
    // Same rule, in the same group: one reason.
    const x = withGroup('X', 0, ['LatencyP99High'], ['LatencyP99High'], 'Checkout latency');
    const y = withGroup('Y', 1, ['LatencyP99High'], ['LatencyP99High'], 'Checkout latency');
    assert.deepEqual(matchRecurrences([x, y], [], new Map(), W)[0]!.reasons, [
      { kind: 'same_rule', detail: 'alert rule "LatencyP99High"' },
    ]);
    // The same group through different rules: same_group, named by its title; without a title, by its labels.
    const p = withGroup('P', 0, ['A'], ['A'], 'Checkout latency');
    const q = withGroup('Q', 1, ['B'], ['B'], '');
    assert.deepEqual(matchRecurrences([p, q], [], new Map(), W)[0]!.reasons, [
      { kind: 'same_group', detail: 'alert group "Checkout latency"' },
    ]);
    const r = withGroup('R', 0, ['A'], ['A'], '');
    assert.deepEqual(matchRecurrences([r, q], [], new Map(), W)[0]!.reasons, [
      { kind: 'same_group', detail: 'alert group "alertname="LatencyP99High""' },
    ]);
    assert.equal(groupName('svc1/name:disk full', ''), 'disk full');
    assert.equal(groupName('svc1/sha256:abc', ''), 'untitled');
    assert.doesNotMatch(JSON.stringify(matchRecurrences([p, q, r], [], new Map(), W)), /key:/);
  });

  it('buckets the rate by week, every week overlapping the window, in the zone', () => {
    // 2026-01-01 is a Thursday: the first week starts Monday 29 December.
    const bs = bucketise(history, matches, { from: t0, to: t0 + 14 * DAY_MS, bucket: 'week', timeZone: 'UTC' });
    assert.deepEqual(
      bs.map((b) => [new Date(b.start).toISOString().slice(0, 10), b.total, b.recurring, b.rate]),
      [
        ['2025-12-29', 1, 0, 0], // A
        ['2026-01-05', 1, 0, 0], // D (day 10, a Sunday)
        ['2026-01-12', 0, 0, null],
      ],
    );
  });

  it('a group shared on another service is not a match, nor a rule without a shared service', () => {
    const x = inc('X', 0, 'svc1', ['R'], ['g']);
    const y = inc('Y', 1, 'svc2', ['R'], ['g']);
    assert.deepEqual(matchRecurrences([x, y], [], new Map(), W), []);
  });

  it('a link outside the window does not match', () => {
    const x = inc('X', 0, 'svc1', []);
    const y = inc('Y', 91, 'svc2', []);
    const l = [{ incidentId: 'X', relatedIncidentId: 'Y', note: '', createdByLabel: 'bo', createdAt: t0 }];
    assert.deepEqual(matchRecurrences([x, y], l, new Map(), W), []);
    assert.equal(matchRecurrences([x, y], l, new Map(), 91 * DAY_MS).length, 1);
  });

  it('summarises the rate, per service and per team', () => {
    const s = summarise(history, matches, teamOf);
    // 9 incidents; B, C, F, H recur an earlier one.
    assert.equal(s.total, 9);
    assert.equal(s.recurring, 4);
    assert.equal(s.rate, 4 / 9);
    assert.equal(s.recurredAfterFix, 2); // B and C
    const svc = Object.fromEntries(s.byService.map((g) => [g.id, [g.total, g.recurring, g.recurredAfterFix]]));
    assert.deepEqual(svc, { svc1: [4, 2, 2], svc2: [1, 0, 0], svc3: [1, 1, 0], svc4: [3, 1, 0] });
    const team = Object.fromEntries(s.byTeam.map((g) => [g.id, [g.total, g.recurring, g.rate]]));
    assert.deepEqual(team, { team1: [4, 2, 0.5], team2: [2, 1, 0.5], team3: [3, 1, 1 / 3] });
    assert.equal(summarise([], [], teamOf).rate, null);
  });

  it('follows the chain both ways', () => {
    const ofB = chainOf('B', matches).map((m) => `${m.incidentId}<${m.recursOfId}`);
    assert.deepEqual(ofB, ['B<A', 'C<A', 'C<B']);
    const ofA = chainOf('A', matches).map((m) => `${m.incidentId}<${m.recursOfId}`);
    assert.deepEqual(ofA, ['B<A', 'C<A', 'C<B']);
    assert.deepEqual(chainOf('D', matches), []);
  });

  it('parses includeKinds and names a bad one', () => {
    assert.deepEqual(parseKinds(undefined), []);
    assert.deepEqual(parseKinds('drill, imported'), ['drill', 'imported']);
    assert.throws(() => parseKinds('drill,game'), /includeKinds/);
  });
});
