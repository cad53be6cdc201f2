import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { MINUTE } from '../shared/clock.js';
import { computeQuality, parseWindow, percentile, ruleKeyFor, type QualitySample } from './model.js';
import {
  decideSuppression,
  isFlapping,
  matcherProblems,
  matchesAll,
  opMatcherHolds,
  parseMatcher,
  type Matcher,
} from './noise-model.js';

const T = Date.UTC(2026, 0, 1);
const m = (name: string, value: string, isRegex = false, isEqual = true): Matcher => ({
  name,
  value,
  isRegex,
  isEqual,
});

describe('silence matchers', () => {
  it('match like Alertmanager: anchored regexes, missing labels as empty, negation', () => {
    const labels = { alertname: 'DiskFull', env: 'prod' };
    assert.ok(matchesAll([m('alertname', 'Disk.*', true)], labels));
    assert.ok(!matchesAll([m('alertname', 'Disk', true)], labels), 'anchored');
    assert.ok(matchesAll([m('env', 'staging', false, false)], labels));
    assert.ok(!matchesAll([m('env', 'pr.*', true, false)], labels));
    assert.ok(matchesAll([m('team', '')], labels), 'missing label equals ""');
  });

  it('reads only the alert’s own labels: a matcher named after an Object property is a missing label', () => {
    // Found by npm run fuzz: `toString` read Object.prototype.toString, and RE2 threw on the function (a 500).
    const labels = { alertname: 'DiskFull' };
    for (const name of ['toString', 'constructor', '__proto__', 'hasOwnProperty']) {
      assert.ok(matchesAll([m(name, '', true)], labels), `${name} =~ "" matches`);
      assert.ok(matchesAll([m(name, '')], labels), `${name} = "" matches`);
      assert.ok(!matchesAll([m(name, '.+', true)], labels), `${name} =~ ".+" does not`);
    }
  });
  it('reads operator matchers (runbooks, automation rules, automatic actions) by the same rules', () => {
    const labels = { env: 'prod', pod: 'api-1' };
    assert.ok(opMatcherHolds({ name: 'env', op: '=', value: 'prod' }, labels));
    assert.ok(!opMatcherHolds({ name: 'env', op: '!=', value: 'prod' }, labels));
    assert.ok(opMatcherHolds({ name: 'pod', op: '=~', value: 'api-.*' }, labels));
    assert.ok(!opMatcherHolds({ name: 'pod', op: '=~', value: 'api' }, labels), 'anchored');
    assert.ok(opMatcherHolds({ name: 'pod', op: '!~', value: 'web-.*' }, labels));
    assert.ok(opMatcherHolds({ name: 'team', op: '!=', value: 'x' }, labels), 'missing label reads as ""');
    assert.ok(!opMatcherHolds({ name: 'pod', op: '!~', value: '(' }, labels), 'a broken regex matches nothing');
    // The copies this replaced read Object.prototype: `toString =~ "x.*"` made RE2 throw on every alert checked.
    for (const name of ['toString', 'constructor', '__proto__']) {
      assert.ok(!opMatcherHolds({ name, op: '=~', value: 'x.*' }, labels), `${name} =~ "x.*" does not match`);
      assert.ok(opMatcherHolds({ name, op: '!~', value: 'x.*' }, labels), `${name} !~ "x.*" matches`);
    }
  });
  it('refuse a silence that matches everything or has a broken regex', () => {
    assert.equal(matcherProblems([], false).length, 1);
    assert.equal(matcherProblems([], true).length, 0);
    assert.ok(matcherProblems([m('x', '.*', true)], false).some((p) => p.field === 'matchers'));
    assert.ok(matcherProblems([m('x', '(', true)], false).some((p) => p.field === 'matchers[0].value'));
  });
  it('run regexes on RE2: a catastrophic pattern is answered at once, and JavaScript-only syntax is refused', () => {
    const evil = { source: `${'a'.repeat(30)}c` };
    const t = performance.now();
    assert.equal(matchesAll([m('source', '(a+)+b', true)], evil), false);
    assert.equal(matchesAll([m('source', '(a+)+b', true, false)], evil), true);
    assert.ok(performance.now() - t < 1000, `took ${(performance.now() - t).toFixed(1)} ms`);
    const lookahead = matcherProblems([m('x', '(?=a)a', true)], false);
    assert.equal(lookahead[0]?.field, 'matchers[0].value');
    assert.match(lookahead[0]?.message ?? '', /RE2/);
    assert.equal(matcherProblems([m('x', 'a'.repeat(1001), true)], false)[0]?.field, 'matchers[0].value');
    // A stored regex that no longer compiles never mutes: neither =~ nor !~ matches.
    assert.equal(matchesAll([m('x', '(?=a)a', true)], { x: 'a' }), false);
    assert.equal(matchesAll([m('x', '(?=a)a', true, false)], { x: 'b' }), false);
  });
  it('parse the CLI form', () => {
    assert.deepEqual(parseMatcher('env!~"stag.*"'), m('env', 'stag.*', true, false));
    assert.deepEqual(parseMatcher('alertname=Disk'), m('alertname', 'Disk'));
  });
});

describe('suppression', () => {
  const input = {
    alert: { serviceId: 'svc', labels: { alertname: 'A' } },
    silences: [{ id: 's1', serviceId: null, matchers: [m('alertname', 'A')], startsAt: T, endsAt: T + 60 * MINUTE }],
    windows: [],
    flapping: { isFlapping: false, lastPagedAt: null },
  };
  it('holds a matching alert until the silence ends, and not before it starts', () => {
    assert.deepEqual(decideSuppression(input, T + MINUTE), {
      suppressed: true,
      reason: 'silenced',
      silenceId: 's1',
      until: T + 60 * MINUTE,
    });
    assert.equal(decideSuppression(input, T - 1).suppressed, false);
    assert.equal(decideSuppression(input, T + 60 * MINUTE).suppressed, false);
  });
  it('puts maintenance before silences, and damps a flapping key for one window after its last page', () => {
    const w = { id: 'w1', serviceId: 'svc', startsAt: T, endsAt: T + 10 * MINUTE };
    assert.equal(decideSuppression({ ...input, windows: [w] }, T + MINUTE).reason, 'maintenance');
    const flap = { ...input, silences: [], flapping: { isFlapping: true, lastPagedAt: T } };
    assert.deepEqual(decideSuppression(flap, T + MINUTE), {
      suppressed: true,
      reason: 'flapping',
      until: T + 30 * MINUTE,
    });
    assert.equal(decideSuppression(flap, T + 30 * MINUTE).suppressed, false);
  });
  it('counts a key as flapping from its second re-fire within 30 minutes (3 opens)', () => {
    const opens = [0, 10, 20].map((x) => T + x * MINUTE);
    assert.ok(isFlapping(opens, T + 20 * MINUTE), 'the second re-fire');
    assert.ok(!isFlapping(opens.slice(1), T + 20 * MINUTE), 'the first re-fire is not flapping yet');
    assert.ok(!isFlapping(opens, T + 31 * MINUTE), 'the first open has left the window');
    assert.ok(isFlapping([T, T + 29 * MINUTE, T + 29 * MINUTE + 1], T + 29 * MINUTE + 1), 'inside the window');
  });
});

describe('alert quality', () => {
  const s = (ruleKey: string, classification: QualitySample['classification'], ackAfter: number | null = null) => ({
    ruleKey,
    serviceId: 'svc',
    createdAt: T,
    pagedAt: T,
    acknowledgedAt: ackAfter === null ? null : T + ackAfter,
    classification,
  });
  it('flags a rule above 20% noise and sorts it first', () => {
    const samples = [
      s('good', 'actionable', 60_000),
      s('good', 'actionable', 120_000),
      s('good', 'actionable'),
      s('good', 'actionable'),
      s('good', 'actionable'),
      s('noisy', 'false_positive'),
      s('noisy', 'actionable'),
      s('noisy', 'actionable'),
      s('noisy', 'actionable'),
      s('quiet', null),
    ];
    const out = computeQuality(samples, (x) => x.ruleKey);
    assert.deepEqual(
      out.map((r) => [r.key, r.isNoisy, r.noiseShare]),
      [
        ['noisy', true, 0.25],
        ['good', false, 0],
        ['quiet', false, null],
      ],
    );
    assert.equal(out[1]!.ttaMedianMs, 60_000);
    assert.equal(out[1]!.ttaP90Ms, 120_000);
  });
  it('does not flag exactly 20%', () => {
    const xs = [s('r', 'false_positive'), ...Array.from({ length: 4 }, () => s('r', 'actionable'))];
    assert.equal(computeQuality(xs, (x) => x.ruleKey)[0]!.isNoisy, false);
  });
  it('reads rule keys, windows and percentiles', () => {
    assert.equal(ruleKeyFor({ alertname: 'HighLatency', class: 'x' }, 'n'), 'HighLatency');
    assert.equal(ruleKeyFor({ class: 'cpu' }, 'n'), 'cpu');
    assert.equal(ruleKeyFor({}, 'Disk full'), 'Disk full');
    assert.equal(parseWindow('28d'), 28 * 24 * 60 * MINUTE);
    assert.equal(parseWindow('2y'), null);
    assert.equal(percentile([3, 1, 2], 0.5), 2);
    assert.equal(percentile([], 0.9), null);
  });
});
