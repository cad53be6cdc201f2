/**
 * The completion rate's arithmetic on a fixed history (the seed's definitions: P1/P2 incidents resolved in the
 * window; thorough = published; on time = published by its due date; per team and overall).
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { DAY } from '../shared/clock.js';
import { completionOf, completionReport, windowFrom, type CompletionIncident } from './analysis.js';

const t0 = Date.UTC(2026, 9, 1);
const window = { from: t0, to: t0 + 30 * DAY };

const pm = (status: string, dueDay: number | null, publishedDay: number | null) => ({
  id: `pm_${status}_${dueDay}_${publishedDay}`,
  status,
  dueAt: dueDay === null ? null : t0 + dueDay * DAY,
  publishedAt: publishedDay === null ? null : t0 + publishedDay * DAY,
});

const inc = (
  id: string,
  severity: string,
  resolvedDay: number | null,
  teamIds: string[],
  postmortem: CompletionIncident['postmortem'],
): CompletionIncident => ({
  id,
  title: `Incident ${id}`,
  severity,
  resolvedAt: resolvedDay === null ? null : t0 + resolvedDay * DAY,
  teamIds,
  postmortem,
});

/** Ten incidents: seven eligible (P1/P2 resolved in the window). */
const history: CompletionIncident[] = [
  inc('i1', 'P1', 1, ['shop'], pm('published', 8, 5)), // thorough, on time
  inc('i2', 'P2', 2, ['shop', 'pay'], pm('published', 9, 12)), // thorough, late
  inc('i3', 'P1', 3, ['pay'], pm('in_review', 10, null)), // missing (in review)
  inc('i4', 'P2', 4, ['pay'], null), // missing (none)
  inc('i5', 'P1', 5, [], pm('published', null, 6)), // thorough, on time (no due date), no team
  inc('i6', 'P2', 6, ['shop'], pm('draft', 4, null)), // missing (draft, due earliest)
  inc('i7', 'P1', 29.9, ['shop'], pm('published', 35, 29.95)), // thorough, on time, last moment of the window
  inc('i8', 'P3', 3, ['shop'], null), // not eligible: P3
  inc('i9', 'P1', 30, ['shop'], null), // not eligible: resolved at the window's end (exclusive)
  inc('i10', 'P1', null, ['shop'], null), // not eligible: unresolved
];

describe('completion rate', () => {
  it('counts eligible, thorough and on-time overall, and lists what is missing (most overdue first)', () => {
    const c = completionOf(history, window);
    assert.equal(c.eligible, 7);
    assert.equal(c.thorough, 4);
    assert.equal(c.onTime, 3);
    assert.equal(c.rate, 4 / 7);
    assert.equal(c.onTimeRate, 3 / 7);
    assert.deepEqual(
      c.missing.map((m) => [m.incidentId, m.status, m.postmortemId !== null]),
      [
        ['i6', 'draft', true],
        ['i3', 'in_review', true],
        ['i4', 'none', false],
      ],
    );
    assert.equal(c.missing[0]!.dueAt, t0 + 4 * DAY);
  });

  it('leaves a post-mortem that is not due yet out of the rate, as in progress, until its due date passes', () => {
    const recent = [
      ...history,
      inc('i11', 'P1', 28, ['shop'], pm('draft', 33, null)), // due after the window's end: in progress
      inc('i12', 'P2', 27, ['shop'], pm('published', 32, 28)), // published before its due date: counts
    ];
    const c = completionOf(recent, window);
    assert.equal(c.inProgress, 1);
    assert.equal(c.eligible, 8);
    assert.equal(c.thorough, 5);
    assert.equal(c.rate, 5 / 8);
    assert.ok(!c.missing.some((m) => m.incidentId === 'i11'));
    // Asked after i11's due date: it is missing, and counts against the rate.
    const later = completionOf(recent, { ...window, asOf: t0 + 34 * DAY });
    assert.equal(later.inProgress, 0);
    assert.equal(later.eligible, 9);
    assert.equal(later.rate, 5 / 9);
    assert.ok(later.missing.some((m) => m.incidentId === 'i11'));
  });

  it('gives each team the incidents of its services, an incident counting for each of its teams', () => {
    const r = completionReport(
      history,
      [
        { id: 'shop', name: 'Shop' },
        { id: 'pay', name: 'Payments' },
      ],
      window,
    );
    assert.equal(r.target, 0.9);
    assert.equal(r.overall.eligible, 7);
    assert.deepEqual(
      r.teams.map((t) => [t.team.name, t.eligible, t.thorough, t.onTime]),
      [
        ['Payments', 3, 1, 0], // i2 (late), i3, i4
        ['Shop', 4, 3, 2], // i1, i2 (late), i6, i7
      ],
    );
    assert.equal(r.teams[0]!.rate, 1 / 3);
    assert.equal(r.teams[1]!.rate, 3 / 4);
  });

  it('scopes to one team, listing it even when nothing is eligible; rates are null then', () => {
    const r = completionReport(history, [{ id: 'ops', name: 'Ops' }], window, 'ops');
    assert.equal(r.overall.eligible, 0);
    assert.equal(r.overall.rate, null);
    assert.equal(r.overall.onTimeRate, null);
    assert.deepEqual(r.teams, [
      {
        team: { id: 'ops', name: 'Ops' },
        eligible: 0,
        inProgress: 0,
        thorough: 0,
        onTime: 0,
        rate: null,
        onTimeRate: null,
        missing: [],
      },
    ]);
    const pay = completionReport(history, [{ id: 'pay', name: 'Payments' }], window, 'pay');
    assert.equal(pay.overall.eligible, 3);
    const { team, ...payRow } = pay.teams[0]!;
    assert.equal(team.name, 'Payments');
    assert.deepEqual(payRow, pay.overall, "a team's own scope: overall is its row");
  });

  it('reads the window: defaults to 90 days to now, refuses a backwards or unreadable one naming the field', () => {
    const now = t0 + 100 * DAY;
    assert.deepEqual(windowFrom({}, now), { from: now - 90 * DAY, to: now, asOf: now });
    assert.deepEqual(windowFrom({ from: '2026-10-01T00:00:00Z', to: '2026-10-31T00:00:00Z' }, now), {
      from: t0,
      to: t0 + 30 * DAY,
      asOf: now,
    });
    assert.throws(
      () => windowFrom({ from: '2026-11-01T00:00:00Z', to: '2026-10-01T00:00:00Z' }, now),
      (e: { details: { problems: { field: string }[] } }) => e.details.problems[0]!.field === 'from',
    );
    assert.throws(
      () => windowFrom({ to: 'yesterday' }, now),
      (e: { details: { problems: { field: string }[] } }) => e.details.problems[0]!.field === 'to',
    );
  });
});
