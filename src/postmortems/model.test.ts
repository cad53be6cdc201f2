import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { DAY, HOUR } from '../shared/clock.js';
import {
  addBusinessDays,
  checkTemplateSections,
  isFilled,
  metricsOf,
  publishProblems,
  reminderTimes,
  type TemplateSection,
} from './model.js';

const at = (y: number, m: number, d: number, h = 12) => Date.UTC(y, m - 1, d, h);

describe('post-mortem model', () => {
  it('counts business days Monday to Friday in UTC, keeping the time of day', () => {
    assert.equal(addBusinessDays(at(2026, 12, 2), 5), at(2026, 12, 9), 'Wednesday → next Wednesday');
    assert.equal(addBusinessDays(at(2026, 12, 4), 1), at(2026, 12, 7), 'Friday + 1 → Monday');
    assert.equal(addBusinessDays(at(2026, 12, 5), 1), at(2026, 12, 7), 'Saturday + 1 → Monday');
    assert.equal(addBusinessDays(at(2026, 12, 6), 5), at(2026, 12, 11), 'Sunday + 5 → Friday');
    assert.equal(addBusinessDays(at(2026, 12, 9), -2), at(2026, 12, 7), 'Wednesday − 2 → Monday');
    assert.equal(addBusinessDays(at(2026, 12, 7), -2), at(2026, 12, 3), 'Monday − 2 → Thursday');
  });

  it('schedules reminders two business days before, on the due day and overdue at the due moment', () => {
    const due = at(2026, 12, 9, 12);
    assert.deepEqual(reminderTimes(due, at(2026, 12, 2)), [
      { kind: 'before', runAt: at(2026, 12, 7, 12) },
      { kind: 'due', runAt: at(2026, 12, 9, 0) },
      { kind: 'overdue', runAt: due },
    ]);
    // A due date moved close: the reminders already past are dropped, the overdue notice stays.
    assert.deepEqual(
      reminderTimes(due, due - HOUR).map((r) => r.kind),
      ['overdue'],
    );
  });

  it('validates template sections: unique keys, known kinds, 1–30 sections', () => {
    const s = (key: string, kind = 'text'): TemplateSection =>
      ({ key, title: key, kind, required: false, help: '' }) as TemplateSection;
    assert.throws(() => checkTemplateSections([]), /at least one section/);
    assert.throws(() => checkTemplateSections([s('a'), s('a')]), /sections\[1\]\.key/);
    assert.throws(() => checkTemplateSections([s('a', 'essay')]), /sections\[0\]\.kind/);
    assert.throws(() => checkTemplateSections([s('Bad Key')]), /sections\[0\]\.key/);
    assert.throws(() => checkTemplateSections(Array.from({ length: 31 }, (_, i) => s(`k${i}`))), /at most 30/);
    assert.equal(checkTemplateSections([s('summary'), s('timeline', 'timeline')]).length, 2);
  });

  it('decides what is filled and what blocks publishing', () => {
    const t: TemplateSection[] = [
      { key: 'summary', title: 'Summary', kind: 'text', required: true, help: '' },
      { key: 'timeline', title: 'Timeline', kind: 'timeline', required: true, help: '' },
      { key: 'root_cause', title: 'Root cause', kind: 'whys', required: true, help: '' },
      { key: 'action_items', title: 'Action items', kind: 'actions', required: true, help: '' },
      { key: 'notes', title: 'Notes', kind: 'text', required: false, help: '' },
    ];
    const empty = { sections: {}, answeredWhys: 0, actionItems: 0, factors: 0 };
    assert.equal(isFilled(t[1]!, empty), true, 'the timeline is pre-filled');
    assert.equal(isFilled(t[2]!, { ...empty, answeredWhys: 1 }), true);
    assert.equal(isFilled(t[3]!, { ...empty, sections: { action_items: 'None: the fix was the rollback.' } }), true);
    const codes = publishProblems(t, empty, [{ decision: 'changes_requested' }], [{ sectionKey: 'x', excerpt: 'y' }]);
    assert.deepEqual(
      codes.map((p) => `${p.code}:${p.sectionKey ?? ''}`),
      [
        'section_empty:summary',
        'section_empty:root_cause',
        'section_empty:action_items',
        'review_missing:',
        'changes_requested:',
        'blame_finding:x',
      ],
    );
    const ready = { sections: { summary: 'x' }, answeredWhys: 2, actionItems: 1, factors: 0 };
    assert.deepEqual(publishProblems(t, ready, [{ decision: 'approved' }], []), []);
  });

  it("measures MTTA from the first alert's firing, not from detection", () => {
    const m = {
      impactStartedAt: 0,
      detectedAt: 10 * 60_000,
      acknowledgedAt: 15 * 60_000,
      mitigatedAt: null,
      resolvedAt: DAY,
    };
    assert.deepEqual(metricsOf(m, 8 * 60_000), { mttdSeconds: 600, mttaSeconds: 420, mttrSeconds: 86_400 - 600 });
    assert.equal(metricsOf(m, null).mttaSeconds, 300, 'no alert: from detection');
    assert.equal(metricsOf({ ...m, acknowledgedAt: null }, 0).mttaSeconds, null);
  });
});
