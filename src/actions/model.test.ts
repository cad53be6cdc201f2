import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { DAY } from '../shared/clock.js';
import {
  applyStatusChange,
  decodeCursor,
  describeTrackerUrl,
  encodeCursor,
  isOverdue,
  nextDigestAt,
  parseDue,
  reminderTimes,
  type StatusState,
} from './model.js';

const open: StatusState = {
  status: 'open',
  statusReason: null,
  verification: null,
  verificationAlertRule: null,
  doneAt: null,
  verifiedAt: null,
};
const fieldsOf = (r: ReturnType<typeof applyStatusChange>) => r.problems.map((p) => p.field);

describe('action-item model', () => {
  it("needs a reason for won't do and evidence for verified; done keeps its time when verified", () => {
    assert.deepEqual(fieldsOf(applyStatusChange(open, { status: 'wont_do' }, 1)), ['statusReason']);
    assert.deepEqual(fieldsOf(applyStatusChange(open, { status: 'verified' }, 1)), ['verification']);
    const done = applyStatusChange(open, { status: 'done' }, 10).next;
    assert.equal(done.doneAt, 10);
    assert.deepEqual(fieldsOf(applyStatusChange(done, { status: 'verified' }, 20)), ['verification']);
    const verified = applyStatusChange(done, { status: 'verified', verification: 'https://ci/1' }, 20).next;
    assert.deepEqual([verified.doneAt, verified.verifiedAt], [10, 20]);
    const reopened = applyStatusChange(verified, { status: 'in_progress' }, 30).next;
    assert.deepEqual([reopened.doneAt, reopened.verifiedAt], [null, null]);
    assert.deepEqual(fieldsOf(applyStatusChange(verified, { verification: '' }, 40)), ['verification']);
  });

  it('round-trips the cursor and refuses forged ones', () => {
    assert.deepEqual(decodeCursor(encodeCursor({ dueAt: 123, id: 'act_1' })), { dueAt: 123, id: 'act_1' });
    for (const bad of [
      '',
      'x',
      Buffer.from('{"a":1}').toString('base64url'),
      Buffer.from('[1.5,"a"]').toString('base64url'),
    ]) {
      assert.equal(decodeCursor(bad), null, bad);
    }
  });

  it('is overdue only past due and unfinished', () => {
    assert.equal(isOverdue({ dueAt: 5, status: 'open' }, 6), true);
    assert.equal(isOverdue({ dueAt: 5, status: 'done' }, 6), false);
    assert.equal(isOverdue({ dueAt: 7, status: 'in_progress' }, 6), false);
  });

  it('parses due days (17:00 UTC) and instants, schedules reminders and the digest', () => {
    assert.equal(parseDue('2026-03-10'), Date.parse('2026-03-10T17:00:00Z'));
    assert.equal(parseDue('2026-03-10T08:00:00+01:00'), Date.parse('2026-03-10T07:00:00Z'));
    assert.equal(parseDue('2026-13-45'), null);
    assert.equal(parseDue('next week'), null);
    const due = Date.parse('2026-03-10T17:00:00Z');
    assert.deepEqual(reminderTimes(due, due - 5 * DAY), [
      { kind: 'before', at: due - 2 * DAY },
      { kind: 'due', at: Date.parse('2026-03-10T09:00:00Z') },
    ]);
    assert.deepEqual(
      reminderTimes(due, due - DAY).map((r) => r.kind),
      ['due'],
    );
    assert.deepEqual(reminderTimes(due, due + 1), []);
    assert.equal(nextDigestAt(Date.parse('2026-03-10T08:59:59Z')), Date.parse('2026-03-10T09:00:00Z'));
    assert.equal(nextDigestAt(Date.parse('2026-03-10T09:00:00Z')), Date.parse('2026-03-11T09:00:00Z'));
  });

  it('recognises GitHub and Jira links given by hand', () => {
    assert.deepEqual(describeTrackerUrl('https://github.com/acme/api/issues/42'), {
      provider: 'github',
      key: 'acme/api#42',
    });
    assert.deepEqual(describeTrackerUrl('https://acme.atlassian.net/browse/OPS-7'), { provider: 'jira', key: 'OPS-7' });
    assert.deepEqual(describeTrackerUrl('https://gitlab.com/acme/infra/api/-/issues/12'), {
      provider: 'gitlab',
      key: 'acme/infra/api#12',
    });
    assert.deepEqual(describeTrackerUrl('https://tracker.example/t/9'), { provider: 'link', key: null });
  });
});
