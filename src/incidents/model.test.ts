import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { MINUTE } from '../shared/clock.js';
import {
  checklistView,
  incidentDurations,
  meanDurations,
  meanStepTimes,
  milestoneOrderProblems,
  stepFulfilledBy,
  type Milestones,
} from './model.js';

const t0 = Date.UTC(2026, 2, 1, 2, 47);
const ms = (p: Partial<Milestones>): Milestones => ({
  impactStartedAt: null,
  detectedAt: null,
  acknowledgedAt: null,
  mitigatedAt: null,
  resolvedAt: null,
  ...p,
});

describe('incident metrics', () => {
  it('computes time to detect, acknowledge and resolve from milestones', () => {
    const d = incidentDurations(
      ms({
        impactStartedAt: t0,
        detectedAt: t0 + 4 * MINUTE,
        acknowledgedAt: t0 + 6 * MINUTE,
        mitigatedAt: t0 + 30 * MINUTE,
        resolvedAt: t0 + 64 * MINUTE,
      }),
    );
    assert.deepEqual(d, {
      timeToDetectMs: 4 * MINUTE,
      timeToAcknowledgeMs: 2 * MINUTE,
      timeToMitigateMs: 26 * MINUTE,
      timeToResolveMs: 60 * MINUTE,
    });
  });

  it('leaves a duration out when a milestone is missing or out of order', () => {
    const d = incidentDurations(ms({ impactStartedAt: t0 + MINUTE, detectedAt: t0, resolvedAt: null }));
    assert.equal(d.timeToDetectMs, null);
    assert.equal(d.timeToResolveMs, null);
    assert.deepEqual(milestoneOrderProblems(ms({ impactStartedAt: t0 + MINUTE, detectedAt: t0 })), [
      'detectedAt is before impactStartedAt',
    ]);
  });

  it('averages MTTD, MTTA and MTTR over the incidents that have both milestones', () => {
    const m = meanDurations([
      ms({ impactStartedAt: t0, detectedAt: t0 + 2 * MINUTE, acknowledgedAt: t0 + 3 * MINUTE }),
      ms({ impactStartedAt: t0, detectedAt: t0 + 4 * MINUTE, resolvedAt: t0 + 34 * MINUTE }),
    ]);
    assert.deepEqual(m, { count: 2, mttdMs: 3 * MINUTE, mttaMs: MINUTE, mttrMs: 30 * MINUTE });
  });
});

describe('first five minutes checklist', () => {
  it('ticks each step from the event that fulfils it', () => {
    assert.equal(stepFulfilledBy({ kind: 'alert_acknowledged' }), 'acknowledge');
    assert.equal(stepFulfilledBy({ kind: 'severity_assessed' }), 'assess_severity');
    assert.equal(stepFulfilledBy({ kind: 'room_joined' }), 'open_channel');
    assert.equal(stepFulfilledBy({ kind: 'changes_viewed' }), 'check_changes');
    assert.equal(stepFulfilledBy({ kind: 'change_suspected' }), 'check_changes');
  });

  it('counts roles as declared only once an IC and a Technical Lead are assigned', () => {
    assert.equal(stepFulfilledBy({ kind: 'roles_changed', holders: { commander: 'a' } }), null);
    assert.equal(
      stepFulfilledBy({ kind: 'roles_changed', holders: { commander: 'a', technical_lead: 'a' } }),
      'declare_roles',
    );
  });

  it('keeps the time from declaration to each step', () => {
    const view = checklistView(t0, [
      { step: 'acknowledge', doneAt: t0 + 90_000, doneByLabel: 'rita', source: 'alert_acknowledged' },
    ]);
    assert.equal(view.length, 5);
    assert.equal(view[0]!.elapsedMs, 90_000);
    assert.equal(view[1]!.doneAt, null);
  });
});

describe('meanStepTimes', () => {
  it('averages the time from declaration to each step over the incidents that did it', () => {
    const m = meanStepTimes([
      { step: 'acknowledge', doneAt: t0 + 60_000, declaredAt: t0 },
      { step: 'acknowledge', doneAt: t0 + 180_000, declaredAt: t0 },
      { step: 'check_changes', doneAt: null, declaredAt: t0 },
    ]);
    assert.deepEqual(
      m.find((x) => x.step === 'acknowledge'),
      { step: 'acknowledge', doneCount: 2, meanElapsedMs: 120_000 },
    );
    assert.deepEqual(
      m.find((x) => x.step === 'check_changes'),
      { step: 'check_changes', doneCount: 0, meanElapsedMs: null },
    );
  });
});
