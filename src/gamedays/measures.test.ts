import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { figures, rolesHeldByDifferentPeople, secondsFrom } from './measures.js';
import { haltText, injectProblems, nextOccurrence, reminderAt, sortScript } from './model.js';

const T0 = Date.parse('2026-05-04T09:00:00Z');
const s = (n: number) => T0 + n * 1000;

describe('game day measures', () => {
  it('counts from the drill start in whole seconds, never negative', () => {
    assert.equal(secondsFrom(T0, null), null);
    assert.equal(secondsFrom(T0, s(90.4)), 90);
    assert.equal(secondsFrom(T0, s(-5)), 0);
  });

  it('takes acknowledge from the first acknowledged page, else a drill alert, else null', () => {
    const base = {
      startedAt: T0,
      mitigatedAt: s(1800),
      checklist: [],
      roleAssignments: [],
      actions: [],
    };
    assert.equal(
      figures({
        ...base,
        events: [
          { kind: 'alert_acknowledged', at: s(200) },
          { kind: 'alert_acknowledged', at: s(120) },
          { kind: 'note', at: s(10) },
        ],
        drillAlertAckAt: s(60),
      }).timeToAcknowledge,
      120,
    );
    assert.equal(figures({ ...base, events: [], drillAlertAckAt: s(60) }).timeToAcknowledge, 60);
    assert.equal(figures({ ...base, events: [], drillAlertAckAt: null }).timeToAcknowledge, null);
    assert.equal(figures({ ...base, events: [], drillAlertAckAt: null }).timeToMitigate, 1800);
  });

  it('reads severity, roles and recent changes from the checklist, and counts it and the actions', () => {
    const f = figures({
      startedAt: T0,
      mitigatedAt: null,
      events: [],
      checklist: [
        { step: 'acknowledge', doneAt: s(0) },
        { step: 'assess_severity', doneAt: s(240) },
        { step: 'open_channel', doneAt: null },
        { step: 'declare_roles', doneAt: s(300) },
        { step: 'check_changes', doneAt: s(600) },
      ],
      roleAssignments: [],
      actions: [{ outcome: 'done' }, { outcome: 'done' }, { outcome: 'missed' }, { outcome: 'pending' }],
      drillAlertAckAt: null,
    });
    assert.equal(f.timeToSeverity, 240);
    assert.equal(f.timeToRoles, 300);
    assert.equal(f.timeToRecentChanges, 600);
    assert.equal(f.timeToMitigate, null);
    assert.deepEqual(f.checklist, { done: 4, total: 5 });
    assert.deepEqual(f.actions, { done: 2, missed: 1, pending: 1 });
    assert.equal(f.rolesHeldByDifferentPeople, null);
  });

  it('says whether the three roles were held by different people', () => {
    const three = [
      { role: 'commander', userId: 'a' },
      { role: 'technical_lead', userId: 'b' },
      { role: 'communications_lead', userId: 'c' },
    ];
    assert.equal(rolesHeldByDifferentPeople(three), true);
    assert.equal(rolesHeldByDifferentPeople(three.slice(0, 2)), null);
    // A hand-over to someone new keeps them different; one person in two roles does not.
    assert.equal(rolesHeldByDifferentPeople([...three, { role: 'commander', userId: 'd' }]), true);
    assert.equal(rolesHeldByDifferentPeople([...three, { role: 'communications_lead', userId: 'a' }]), false);
    assert.equal(rolesHeldByDifferentPeople([...three, { role: 'scribe', userId: 'a' }]), true);
  });
});

describe('game day model', () => {
  it('finds the next occurrence of a series, keeping the time and clamping the day of month', () => {
    assert.equal(nextOccurrence(T0, 'none'), null);
    assert.equal(new Date(nextOccurrence(T0, 'monthly')!).toISOString(), '2026-06-04T09:00:00.000Z');
    assert.equal(new Date(nextOccurrence(T0, 'quarterly')!).toISOString(), '2026-08-04T09:00:00.000Z');
    assert.equal(new Date(nextOccurrence(T0, 'yearly')!).toISOString(), '2027-05-04T09:00:00.000Z');
    const jan31 = Date.parse('2026-01-31T14:30:00Z');
    assert.equal(new Date(nextOccurrence(jan31, 'monthly')!).toISOString(), '2026-02-28T14:30:00.000Z');
    const nov30 = Date.parse('2026-11-30T08:00:00Z');
    assert.equal(new Date(nextOccurrence(nov30, 'quarterly')!).toISOString(), '2027-02-28T08:00:00.000Z');
  });

  it('reminds a day before, or at once when that has passed', () => {
    assert.equal(reminderAt(T0 + 3 * 86_400_000, T0), T0 + 2 * 86_400_000);
    assert.equal(reminderAt(T0 + 3_600_000, T0), T0);
  });

  it('checks and orders a script of injects', () => {
    assert.deepEqual(injectProblems([{ offsetSeconds: 0, body: 'ok' }]), []);
    assert.deepEqual(
      injectProblems([
        { offsetSeconds: -1, body: 'x' },
        { offsetSeconds: 10, body: ' ' },
      ]).map((p) => p.field),
      ['injects/0/offsetSeconds', 'injects/1/body'],
    );
    assert.deepEqual(
      sortScript([
        { offsetSeconds: 300, body: 'b' },
        { offsetSeconds: 0, body: 'a' },
        { offsetSeconds: 300, body: 'c' },
      ]).map((i) => i.body),
      ['a', 'b', 'c'],
    );
  });

  it('words each halt reason', () => {
    assert.equal(haltText('abort', ''), 'Aborted by the facilitator.');
    assert.match(haltText('prometheus', 'error_rate 0.2 > 0.1'), /Prometheus halt condition.*0\.2 > 0\.1/);
    assert.match(haltText('real_incident', 'P1 INC-1'), /real incident/);
  });
});
