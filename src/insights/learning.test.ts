/**
 * The learning process's arithmetic over a fixed two-week history worked out by hand (docs/insights.md, "The learning
 * process"): completion through the post-mortems' own definition (eligible, in progress, published), overdue
 * post-mortems and action items as of the question, items closed in the window and their time to close, per team and
 * per week; and the contributing factors' tally.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { HOUR } from '../shared/clock.js';
import type { CompletionIncident } from '../postmortems/analysis.js';
import {
  learningReport,
  tallyFactors,
  type LearningHistory,
  type LearningItem,
  type PendingPostmortem,
} from './learning.js';

const MAR = (d: number, h = 0) => Date.UTC(2026, 2, d, h); // Monday 2 March 2026 starts the first week
const window = { from: MAR(2), to: MAR(16), asOf: MAR(20) };
const S = 'team_shop';
const P = 'team_pay';
const teams = [
  { id: S, name: 'Shop' },
  { id: P, name: 'Payments' },
];

const inc = (
  id: string,
  severity: string,
  resolvedAt: number,
  teamIds: string[],
  postmortem: CompletionIncident['postmortem'],
): CompletionIncident => ({ id, title: id, severity, resolvedAt, teamIds, postmortem });
const pm = (id: string, status: string, dueAt: number | null, publishedAt: number | null = null) => ({
  id,
  status,
  dueAt,
  publishedAt,
});

const incidents: CompletionIncident[] = [
  // Eligible, published: completed (Shop).
  inc('A', 'P1', MAR(3), [S], pm('pmA', 'published', MAR(10), MAR(5))),
  // Eligible, a draft past its due date: missing (Shop and Payments).
  inc('B', 'P2', MAR(4), [S, P], pm('pmB', 'draft', MAR(11))),
  // A draft not due yet at the time of the question: in progress (Payments), second week.
  inc('C', 'P1', MAR(10), [P], pm('pmC', 'draft', MAR(25))),
  // No post-mortem and no service: eligible and missing, overall only; second week.
  inc('D', 'P1', MAR(11), [], null),
  // Not eligible: a P3, and a P1 resolved before the window.
  inc('E', 'P3', MAR(5), [S], null),
  inc('F', 'P1', Date.UTC(2026, 1, 20), [S], null),
];

const postmortems: PendingPostmortem[] = [
  { id: 'pmB', incidentId: 'B', status: 'draft', dueAt: MAR(11), teamIds: [S, P] },
  { id: 'pmX', incidentId: 'X', status: 'in_review', dueAt: Date.UTC(2026, 1, 1), teamIds: [P] },
  // Due after the question: not overdue.
  { id: 'pmC', incidentId: 'C', status: 'draft', dueAt: MAR(25), teamIds: [P] },
];

const item = (id: string, teamId: string, createdAt: number, dueAt: number, status: string, closedAt: number | null) =>
  ({ id, teamId, createdAt, dueAt, status, closedAt }) satisfies LearningItem;
const items: LearningItem[] = [
  item('i1', S, MAR(2, 10), MAR(9), 'done', MAR(4, 10)), // closed in week 1 after 2 days
  item('i2', S, MAR(3), MAR(5), 'open', null), // open, overdue
  item('i3', P, Date.UTC(2026, 1, 1), Date.UTC(2026, 3, 1), 'in_progress', null), // open, not due
  item('i4', P, Date.UTC(2026, 1, 20), MAR(1), 'done', MAR(12)), // done late: week 2, after 20 days
  item('i5', P, MAR(10), MAR(12), 'verified', MAR(10, 6)), // week 2, after 6 hours
  item('i6', S, MAR(9), MAR(20), 'wont_do', null), // opened in week 2, never closed, not open
];

const history: LearningHistory = { incidents, postmortems, items };

describe('learning: completion, overdue and action items', () => {
  const r = learningReport(history, teams, { ...window, bucket: 'week', timeZone: 'UTC' });

  it('counts completion through the post-mortems’ definition, against 90%', () => {
    assert.equal(r.target, 0.9);
    assert.deepEqual(r.overall.completion, {
      eligible: 3,
      completed: 1,
      inProgress: 1,
      rate: 1 / 3,
      belowTarget: true,
    });
  });

  it('counts overdue post-mortems and open, overdue and closed action items as of the question', () => {
    assert.equal(r.overall.postmortemsOverdue, 2);
    assert.deepEqual(r.overall.actionItems, {
      open: 2,
      overdue: 1,
      closedInWindow: 3,
      // 6 h, 2 days, 20 days: median 2 days, p90 (nearest rank) 20 days, mean 640,800 s.
      timeToClose: { median: 2 * 86400, p90: 20 * 86400, mean: 640800, count: 3 },
    });
  });

  it('splits by team (an incident touching two teams counts for both; items by their team), by name', () => {
    assert.deepEqual(
      r.byTeam.map((t) => [t.name, t.teamId]),
      [
        ['Payments', P],
        ['Shop', S],
      ],
    );
    const [pay, shop] = r.byTeam;
    assert.deepEqual(shop!.completion, { eligible: 2, completed: 1, inProgress: 0, rate: 0.5, belowTarget: true });
    assert.deepEqual(pay!.completion, { eligible: 1, completed: 0, inProgress: 1, rate: 0, belowTarget: true });
    assert.equal(shop!.postmortemsOverdue, 1);
    assert.equal(pay!.postmortemsOverdue, 2);
    assert.deepEqual(shop!.actionItems, {
      open: 1,
      overdue: 1,
      closedInWindow: 1,
      timeToClose: { median: 172800, p90: 172800, mean: 172800, count: 1 },
    });
    assert.deepEqual(pay!.actionItems, {
      open: 1,
      overdue: 0,
      closedInWindow: 2,
      timeToClose: { median: 874800, p90: 1728000, mean: 874800, count: 2 },
    });
  });

  it('buckets completion by resolution and items by when they were opened and closed', () => {
    assert.deepEqual(r.buckets, [
      {
        start: MAR(2),
        completion: { eligible: 2, completed: 1, rate: 0.5 },
        actionItemsClosed: 1,
        actionItemsOpened: 2,
      },
      {
        start: MAR(9),
        completion: { eligible: 1, completed: 0, rate: 0 },
        actionItemsClosed: 2,
        actionItemsOpened: 2,
      },
    ]);
  });

  it('with a team: overall is its share, and its one row', () => {
    const t = learningReport(history, teams, { ...window, bucket: 'week', timeZone: 'UTC', teamId: P });
    assert.deepEqual(
      t.byTeam.map((x) => x.teamId),
      [P],
    );
    const { teamId: _id, name: _name, ...row } = t.byTeam[0]!;
    assert.deepEqual(t.overall, row);
    assert.equal(t.overall.completion.eligible, 1);
    assert.equal(t.overall.postmortemsOverdue, 2);
    assert.equal(t.overall.actionItems.closedInWindow, 2);
    assert.deepEqual(
      t.buckets.map((b) => [b.completion.eligible, b.actionItemsOpened, b.actionItemsClosed]),
      [
        [1, 0, 0],
        [0, 1, 2],
      ],
    );
    // A team with nothing: listed, no rate, not below target.
    const empty = learningReport(history, teams, { ...window, bucket: 'week', timeZone: 'UTC', teamId: 'team_none' });
    assert.deepEqual(empty.byTeam[0]!.completion, {
      eligible: 0,
      completed: 0,
      inProgress: 0,
      rate: null,
      belowTarget: false,
    });
    assert.deepEqual(empty.overall.actionItems.timeToClose, { median: null, p90: null, mean: null, count: 0 });
  });

  it('clips buckets to the window: a window starting mid-week lists that week from its start', () => {
    const mid = learningReport(history, teams, {
      from: MAR(4),
      to: MAR(10),
      asOf: MAR(20),
      bucket: 'week',
      timeZone: 'UTC',
    });
    assert.deepEqual(
      mid.buckets.map((b) => [b.start, b.completion.eligible, b.actionItemsOpened, b.actionItemsClosed]),
      [
        // B (4 March) only: A resolved on the 3rd is before the window; i1 was opened on the 2nd, closed on the 4th.
        [MAR(2), 1, 0, 1],
        // C resolved on the 10th is at the window's end (exclusive); i6 opened on the 9th.
        [MAR(9), 0, 1, 0],
      ],
    );
  });
});

describe('learning: contributing factors', () => {
  it('counts post-mortems per factor, latest incidents first, archived ones only when counted', () => {
    const taxonomy = [
      { id: 'f1', key: 'capacity', label: 'Capacity', archived: false },
      { id: 'f2', key: 'change', label: 'Change management', archived: false },
      { id: 'f3', key: 'old', label: 'Old', archived: true },
      { id: 'f4', key: 'older', label: 'Older', archived: true },
    ];
    const tags = [
      { factorId: 'f2', postmortemId: 'pmA', incidentId: 'A', resolvedAt: MAR(3) },
      { factorId: 'f2', postmortemId: 'pmB', incidentId: 'B', resolvedAt: MAR(4) },
      { factorId: 'f3', postmortemId: 'pmA', incidentId: 'A', resolvedAt: MAR(3) },
    ];
    assert.deepEqual(tallyFactors(taxonomy, tags), [
      { id: 'f2', key: 'change', name: 'Change management', archived: false, count: 2, incidentIds: ['B', 'A'] },
      { id: 'f3', key: 'old', name: 'Old', archived: true, count: 1, incidentIds: ['A'] },
      { id: 'f1', key: 'capacity', name: 'Capacity', archived: false, count: 0, incidentIds: [] },
    ]);
  });

  it('keeps at most 20 incidents per factor', () => {
    const tags = Array.from({ length: 25 }, (_, n) => ({
      factorId: 'f1',
      postmortemId: `pm${n}`,
      incidentId: `i${String(n).padStart(2, '0')}`,
      resolvedAt: MAR(2) + n * HOUR,
    }));
    const [f] = tallyFactors([{ id: 'f1', key: 'k', label: 'K', archived: false }], tags);
    assert.equal(f!.count, 25);
    assert.equal(f!.incidentIds.length, 20);
    assert.equal(f!.incidentIds[0], 'i24');
  });
});
