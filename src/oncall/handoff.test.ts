/** Hand-off instants: only where the person changes (into and out of gaps too), and edits that move them. */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { handoffAt, handoffMessage, nextHandoff } from './handoff.js';
import type { ScheduleDef } from './model.js';
import { buildLayer } from './testing.js';

const H = 3_600_000;
const MON = Date.parse('2026-11-23T09:00:00Z');
const daily = (participants: string[]): ScheduleDef => ({
  timezone: 'UTC',
  layers: [
    buildLayer({ participants, turn: { unit: 'days', count: 1 }, startDate: '2026-11-23', handoffTime: '09:00' }),
  ],
});

describe('nextHandoff', () => {
  it('finds the next change of person', () => {
    const h = nextHandoff(daily(['a', 'b']), [], MON + H);
    assert.equal(h?.at, MON + 24 * H);
    assert.deepEqual([h?.outgoing?.userId, h?.incoming?.userId], ['a', 'b']);
    assert.equal(h?.outgoing?.start, MON, 'the outgoing shift keeps its real start');
  });

  it('skips a turn boundary where the same person carries on', () => {
    const h = nextHandoff(daily(['a', 'a', 'b']), [], MON + H);
    assert.equal(h?.at, MON + 48 * H);
  });

  it('counts an override as two hand-offs, and the instant is gone once it is removed', () => {
    const o = { id: 'ovr1', userId: 'c', start: MON + 3 * H, end: MON + 5 * H, createdAt: 1 };
    assert.equal(nextHandoff(daily(['a', 'b']), [o], MON)?.at, MON + 3 * H);
    assert.equal(nextHandoff(daily(['a', 'b']), [o], MON + 3 * H)?.at, MON + 5 * H);
    assert.ok(handoffAt(daily(['a', 'b']), [o], MON + 3 * H));
    assert.equal(handoffAt(daily(['a', 'b']), [], MON + 3 * H), null);
  });

  it('returns null when one person covers the whole horizon', () => {
    assert.equal(nextHandoff(daily(['a']), [], MON), null);
  });
});

describe('handoffMessage', () => {
  it('names both sides, the pages, the open alerts and the next shift', () => {
    const h = nextHandoff(daily(['a', 'b']), [], MON + H)!;
    const m = handoffMessage({
      scheduleName: 'Primary',
      role: 'outgoing',
      handoff: h,
      names: { a: 'Ana', b: 'Ben' },
      pages: [{ alertId: 'alt1', at: MON + 2 * H }],
      openAlerts: [{ id: 'alt1', summary: 'Disk full', severity: 'warning', status: 'acknowledged' }],
      upcoming: { start: MON + 48 * H, end: MON + 72 * H, userId: 'a', source: 'l', sourceKind: 'layer' },
      url: 'https://muster.example/schedules/s',
    });
    assert.match(m.subject, /passes to Ben/);
    assert.match(m.body, /Ana → Ben/);
    assert.match(m.body, /: 1\./);
    assert.match(m.body, /- \[warning\] Disk full \(acknowledged\)/);
    assert.match(m.body, /next shift: 2026-11-25T09:00:00Z/);
  });
});
