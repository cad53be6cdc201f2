import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { planStep, validatePolicy, type EscalationTarget, type PolicySnapshot } from './model.js';

const snapshot = (over: Partial<PolicySnapshot> = {}): PolicySnapshot => ({
  policyId: 'esc_1',
  name: 'Payments',
  repeat: 1,
  workingHours: { timezone: 'Europe/London', days: [1, 2, 3, 4, 5], start: '09:00', end: '17:30' },
  levels: [
    { delayMinutes: 5, targets: [{ type: 'schedule', id: 'primary' }] },
    { delayMinutes: 10, targets: [{ type: 'schedule', id: 'secondary' }] },
    { delayMinutes: 15, targets: [{ type: 'user', id: 'usr_manager' }] },
  ],
  ...over,
});

const onCall =
  (table: Record<string, string[]>) =>
  (t: EscalationTarget): string[] =>
    t.type === 'user' ? [t.id] : (table[t.id] ?? []);

const TUESDAY_NOON = Date.parse('2026-11-24T12:00:00Z');
const TUESDAY_NIGHT = Date.parse('2026-11-24T23:00:00Z');

describe('planStep', () => {
  it('pages the first level and schedules the next after its delay', () => {
    const plan = planStep(snapshot(), { levelIndex: 0, pass: 0 }, TUESDAY_NOON, 'high', onCall({ primary: ['usr_a'] }));
    assert.equal(plan.kind, 'page');
    if (plan.kind !== 'page') return;
    assert.deepEqual(plan.page.userIds, ['usr_a']);
    assert.deepEqual(plan.next, { position: { levelIndex: 1, pass: 0 }, at: TUESDAY_NOON + 5 * 60_000 });
  });

  it('skips a level with nobody on call at once, records it, and pages the next level without waiting', () => {
    const plan = planStep(
      snapshot(),
      { levelIndex: 0, pass: 0 },
      TUESDAY_NOON,
      'high',
      onCall({ secondary: ['usr_b'] }),
    );
    assert.equal(plan.kind, 'page');
    if (plan.kind !== 'page') return;
    assert.deepEqual(plan.skipped, [{ levelIndex: 0, pass: 0, reason: 'nobody_on_call' }]);
    assert.deepEqual(plan.page, { levelIndex: 1, pass: 0, userIds: ['usr_b'] });
    assert.equal(plan.next?.at, TUESDAY_NOON + 10 * 60_000);
  });

  it('repeats the levels the configured number of times, then stops', () => {
    const last = planStep(snapshot(), { levelIndex: 2, pass: 0 }, TUESDAY_NOON, 'high', onCall({}));
    assert.equal(last.kind, 'page');
    if (last.kind === 'page') assert.deepEqual(last.next?.position, { levelIndex: 0, pass: 1 });
    const end = planStep(snapshot(), { levelIndex: 2, pass: 1 }, TUESDAY_NOON, 'high', onCall({}));
    assert.equal(end.kind, 'page');
    if (end.kind === 'page') assert.equal(end.next, null);
  });

  it('ends as exhausted, not in a loop, when every level is empty', () => {
    const s = snapshot({ levels: [{ delayMinutes: 5, targets: [{ type: 'schedule', id: 'empty' }] }], repeat: 3 });
    const plan = planStep(s, { levelIndex: 0, pass: 0 }, TUESDAY_NOON, 'high', onCall({}));
    assert.equal(plan.kind, 'exhausted');
    if (plan.kind === 'exhausted') assert.equal(plan.skipped.length, 1);
  });

  it('holds low-urgency alerts until working hours in the policy time zone, and pages high urgency at once', () => {
    const low = planStep(snapshot(), { levelIndex: 0, pass: 0 }, TUESDAY_NIGHT, 'low', onCall({ primary: ['usr_a'] }));
    assert.deepEqual(low, {
      kind: 'hold',
      until: Date.parse('2026-11-25T09:00:00Z'),
      reason: 'low_urgency_outside_working_hours',
    });
    const high = planStep(
      snapshot(),
      { levelIndex: 0, pass: 0 },
      TUESDAY_NIGHT,
      'high',
      onCall({ primary: ['usr_a'] }),
    );
    assert.equal(high.kind, 'page');
  });

  it('applies working-hours and day-of-week conditions in the explicit time zone', () => {
    const s = snapshot({
      levels: [
        { delayMinutes: 5, targets: [{ type: 'user', id: 'usr_day' }], condition: { kind: 'working_hours' } },
        { delayMinutes: 5, targets: [{ type: 'user', id: 'usr_night' }], condition: { kind: 'outside_working_hours' } },
        {
          delayMinutes: 5,
          targets: [{ type: 'user', id: 'usr_weekend' }],
          condition: { kind: 'days_of_week', days: [6, 7] },
        },
      ],
    });
    const day = planStep(s, { levelIndex: 0, pass: 0 }, TUESDAY_NOON, 'high', onCall({}));
    assert.equal(day.kind === 'page' && day.page.userIds[0], 'usr_day');
    const night = planStep(s, { levelIndex: 0, pass: 0 }, TUESDAY_NIGHT, 'high', onCall({}));
    assert.equal(night.kind === 'page' && night.page.userIds[0], 'usr_night');
    assert.deepEqual(night.kind === 'page' && night.skipped.map((x) => x.reason), ['condition_not_met']);
  });

  it('pages each person once even when several targets resolve to them', () => {
    const s = snapshot({
      levels: [
        {
          delayMinutes: 5,
          targets: [
            { type: 'schedule', id: 'p' },
            { type: 'user', id: 'usr_a' },
          ],
        },
      ],
    });
    const plan = planStep(s, { levelIndex: 0, pass: 0 }, TUESDAY_NOON, 'high', onCall({ p: ['usr_a'] }));
    assert.deepEqual(plan.kind === 'page' && plan.page.userIds, ['usr_a']);
  });
});

describe('validatePolicy', () => {
  it('names the field of every problem', () => {
    const problems = validatePolicy({ repeat: 12, levels: [{ delayMinutes: 0, targets: [] }] });
    assert.deepEqual(
      problems.map((p) => p.field),
      ['repeat', 'levels.0.delayMinutes', 'levels.0.targets'],
    );
    assert.deepEqual(validatePolicy(snapshot()), []);
  });
});
