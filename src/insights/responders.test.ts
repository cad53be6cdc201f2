/** Responders as pure functions, over hand-worked action sequences (docs/insights.md "Responders"). */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { MINUTE } from '../shared/clock.js';
import {
  responderBucket,
  respondersBySeverity,
  severityAt,
  summariseResponders,
  uncoordinatedPeriods,
  uncoordinatedSeconds,
  type Action,
} from './responders.js';

const T = Date.UTC(2026, 2, 2, 9);
const m = (n: number) => T + n * MINUTE;
let seq = 0;
const act = (userId: string, minute: number): Action => ({ userId, at: m(minute), seq: ++seq });

describe('uncoordinated periods', () => {
  it('flags a P1 from the third person acting within 15 minutes with no IC, until an IC is assigned', () => {
    const periods = uncoordinatedPeriods({
      severity: 'P1',
      severityChanges: [],
      resolvedAt: m(60),
      actions: [act('ann', 0), act('bob', 5), act('ann', 7), act('cai', 10), act('dee', 12), act('bob', 25)],
      commanders: [{ startedAt: m(20), endedAt: null }],
    });
    assert.deepEqual(periods, [{ from: m(10), until: m(20), userIds: ['ann', 'bob', 'cai'] }]);
    assert.equal(uncoordinatedSeconds(periods, m(99)), 600);
  });

  it('needs the three within 15 minutes (both ends inclusive)', () => {
    const spread = uncoordinatedPeriods({
      severity: 'P1',
      severityChanges: [],
      resolvedAt: null,
      actions: [act('ann', 0), act('bob', 10), act('cai', 20)],
      commanders: [],
    });
    assert.deepEqual(spread, []);
    const edge = uncoordinatedPeriods({
      severity: 'P2',
      severityChanges: [],
      resolvedAt: null,
      actions: [act('ann', 0), act('bob', 10), act('cai', 15)],
      commanders: [],
    });
    assert.deepEqual(edge, [{ from: m(15), until: null, userIds: ['ann', 'bob', 'cai'] }]);
    assert.equal(uncoordinatedSeconds(edge, m(25)), 600, 'a period still lasting counts up to now');
  });

  it('never flags a P3 or P4', () => {
    for (const severity of ['P3', 'P4']) {
      const periods = uncoordinatedPeriods({
        severity,
        severityChanges: [],
        resolvedAt: null,
        actions: [act('ann', 0), act('bob', 1), act('cai', 2), act('dee', 3)],
        commanders: [],
      });
      assert.deepEqual(periods, [], severity);
    }
  });

  it('one person acting many times is one person', () => {
    const periods = uncoordinatedPeriods({
      severity: 'P1',
      severityChanges: [],
      resolvedAt: null,
      actions: [act('ann', 0), act('ann', 1), act('bob', 2), act('ann', 3), act('bob', 4)],
      commanders: [],
    });
    assert.deepEqual(periods, []);
  });

  it('an IC in place from the start prevents it; when the IC steps down, counting starts again', () => {
    const periods = uncoordinatedPeriods({
      severity: 'P1',
      severityChanges: [],
      resolvedAt: m(90),
      actions: [act('ann', 0), act('bob', 1), act('cai', 2), act('dee', 31), act('eve', 32), act('fay', 40)],
      commanders: [{ startedAt: m(0), endedAt: m(30) }],
    });
    // At 31 and 32 only dee and eve acted since the IC stepped down at 30; fay at 40 makes three.
    assert.deepEqual(periods, [{ from: m(40), until: m(90), userIds: ['dee', 'eve', 'fay'] }]);
  });

  it('ends at resolution; actions after it are not counted', () => {
    const periods = uncoordinatedPeriods({
      severity: 'P2',
      severityChanges: [],
      resolvedAt: m(12),
      actions: [act('ann', 0), act('bob', 5), act('cai', 10), act('dee', 14), act('eve', 15), act('fay', 16)],
      commanders: [],
    });
    assert.deepEqual(periods, [{ from: m(10), until: m(12), userIds: ['ann', 'bob', 'cai'] }]);
  });

  it('follows the severity over time: a P3 raised to P1 is flagged from then, a P1 lowered to P3 stops', () => {
    const raised = uncoordinatedPeriods({
      severity: 'P1',
      severityChanges: [{ at: m(8), from: 'P3', to: 'P1' }],
      resolvedAt: null,
      actions: [act('ann', 0), act('bob', 2), act('cai', 4), act('ann', 9)],
      commanders: [],
    });
    assert.deepEqual(raised, [{ from: m(9), until: null, userIds: ['ann', 'bob', 'cai'] }]);
    const lowered = uncoordinatedPeriods({
      severity: 'P3',
      severityChanges: [{ at: m(20), from: 'P1', to: 'P3' }],
      resolvedAt: null,
      actions: [act('ann', 0), act('bob', 2), act('cai', 4), act('dee', 25)],
      commanders: [],
    });
    assert.deepEqual(lowered, [{ from: m(4), until: m(20), userIds: ['ann', 'bob', 'cai'] }]);
    assert.equal(severityAt('P3', [{ at: m(20), from: 'P1', to: 'P3' }], m(19)), 'P1');
  });

  it('a second period can start after the IC leaves', () => {
    const periods = uncoordinatedPeriods({
      severity: 'P1',
      severityChanges: [],
      resolvedAt: null,
      actions: [act('ann', 0), act('bob', 1), act('cai', 2), act('ann', 41), act('bob', 42), act('cai', 43)],
      commanders: [{ startedAt: m(10), endedAt: m(40) }],
    });
    assert.deepEqual(periods, [
      { from: m(2), until: m(10), userIds: ['ann', 'bob', 'cai'] },
      { from: m(43), until: null, userIds: ['ann', 'bob', 'cai'] },
    ]);
  });
});

describe('responders', () => {
  it('joins, actions and roles make one list, ordered by when each person first showed up', () => {
    const r = summariseResponders({
      joins: [
        { userId: 'bob', name: 'Bob', at: m(1) },
        { userId: 'cai', name: 'Cai', at: m(3) },
      ],
      acted: [
        { userId: 'ann', name: 'Ann', firstAt: m(0), count: 4 },
        { userId: 'bob', name: 'Bob', firstAt: m(2), count: 1 },
      ],
      roles: [
        { userId: 'dee', name: 'Dee', role: 'commander', startedAt: m(5) },
        { userId: 'ann', name: 'Ann', role: 'technical_lead', startedAt: m(5) },
        { userId: 'ann', name: 'Ann', role: 'technical_lead', startedAt: m(9) },
      ],
    });
    assert.deepEqual(r, {
      responders: [
        { userId: 'ann', name: 'Ann', joinedAt: null, firstActedAt: m(0), actions: 4, roles: ['technical_lead'] },
        { userId: 'bob', name: 'Bob', joinedAt: m(1), firstActedAt: m(2), actions: 1, roles: [] },
        { userId: 'cai', name: 'Cai', joinedAt: m(3), firstActedAt: null, actions: 0, roles: [] },
        { userId: 'dee', name: 'Dee', joinedAt: null, firstActedAt: null, actions: 0, roles: ['commander'] },
      ],
      roleHolders: 2,
      acting: 2,
    });
  });

  it('buckets responder counts and gives time to mitigate per severity and bucket', () => {
    assert.deepEqual([0, 1, 2, 3, 4, 5, 7, 8, 30].map(responderBucket), [
      null,
      '1',
      '2',
      '3-4',
      '3-4',
      '5-7',
      '5-7',
      '8+',
      '8+',
    ]);
    const out = respondersBySeverity(
      [
        { severity: 'P1', responders: 3, mttmMs: 10 * MINUTE },
        { severity: 'P1', responders: 4, mttmMs: 30 * MINUTE },
        { severity: 'P1', responders: 4, mttmMs: null },
        { severity: 'P1', responders: 1, mttmMs: 5 * MINUTE },
        { severity: 'P2', responders: 0, mttmMs: 5 * MINUTE },
      ],
      ['P1', 'P2'],
    );
    assert.deepEqual(
      out[0]!.buckets.map((b) => [b.responders, b.incidents, b.timeToMitigate.median, b.timeToMitigate.count]),
      [
        ['1', 1, 300, 1],
        ['2', 0, null, 0],
        ['3-4', 3, 1200, 2],
        ['5-7', 0, null, 0],
        ['8+', 0, null, 0],
      ],
    );
    assert.deepEqual(
      out[1]!.buckets.map((b) => b.incidents),
      [0, 0, 0, 0, 0],
      'nobody: in no bucket',
    );
  });
});
