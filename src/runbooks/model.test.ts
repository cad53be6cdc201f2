import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { DAY } from '../shared/clock.js';
import {
  alertRuleProblems,
  isStale,
  matchesAlertRule,
  needsStaleReminder,
  nextFreshnessAt,
  reviewDueAt,
  runbookSlug,
  SLUG,
  type AlertRule,
} from './model.js';

const alert = (ruleKey: string, labels: Record<string, string> = {}) => ({ ruleKey, labels });

describe('runbook alert rules', () => {
  it('matches by alertname, against the rule key or the alertname label', () => {
    const rule: AlertRule = { alertname: 'HighLatency', matchers: [] };
    assert.equal(matchesAlertRule(rule, alert('HighLatency')), true);
    assert.equal(matchesAlertRule(rule, alert('other', { alertname: 'HighLatency' })), true);
    assert.equal(matchesAlertRule(rule, alert('HighErrorRate')), false);
  });

  it('needs every matcher to hold; a missing label reads as empty', () => {
    const rule: AlertRule = {
      alertname: null,
      matchers: [
        { name: 'env', op: '=', value: 'prod' },
        { name: 'team', op: '!=', value: 'search' },
      ],
    };
    assert.equal(matchesAlertRule(rule, alert('X', { env: 'prod' })), true);
    assert.equal(matchesAlertRule(rule, alert('X', { env: 'prod', team: 'search' })), false);
    assert.equal(matchesAlertRule(rule, alert('X', { env: 'staging' })), false);
    assert.equal(matchesAlertRule(rule, alert('X', {})), false);
  });

  it('anchors regex matchers (RE2), as Alertmanager does', () => {
    const rule: AlertRule = { alertname: 'Disk', matchers: [{ name: 'instance', op: '=~', value: 'db-[0-9]+' }] };
    assert.equal(matchesAlertRule(rule, alert('Disk', { instance: 'db-12' })), true);
    assert.equal(matchesAlertRule(rule, alert('Disk', { instance: 'old-db-12' })), false);
    const not: AlertRule = { alertname: null, matchers: [{ name: 'instance', op: '!~', value: 'db-.*' }] };
    assert.equal(matchesAlertRule(not, alert('Disk', { instance: 'web-1' })), true);
    assert.equal(matchesAlertRule(not, alert('Disk', { instance: 'db-1' })), false);
    const ci: AlertRule = { alertname: null, matchers: [{ name: 'env', op: '=~', value: '(?i)PROD' }] };
    assert.equal(matchesAlertRule(ci, alert('X', { env: 'prod' })), true);
  });

  it('never matches with an empty rule or a regex that does not compile', () => {
    assert.equal(matchesAlertRule({ alertname: null, matchers: [] }, alert('X', { a: 'b' })), false);
    const broken: AlertRule = { alertname: null, matchers: [{ name: 'a', op: '!~', value: '(' }] };
    assert.equal(matchesAlertRule(broken, alert('X', { a: 'b' })), false);
  });

  it('refuses bad rules naming the field: empty, bad label, invalid or pathological regex', () => {
    const bomb = '\\pL{1000}'.repeat(100);
    const problems = alertRuleProblems([
      { alertname: null, matchers: [] },
      { alertname: '  ', matchers: [] },
      {
        alertname: 'A',
        matchers: [
          { name: '1bad', op: '=', value: 'x' },
          { name: 'a', op: '=~', value: '(' },
          { name: 'b', op: '!~', value: bomb },
          { name: 'c', op: '=~', value: '(a+)+b' },
        ],
      },
    ]);
    const fields = problems.map((p) => p.field);
    assert.deepEqual(fields, [
      'alertRules[0]',
      'alertRules[1].alertname',
      'alertRules[2].matchers[0].name',
      'alertRules[2].matchers[1].value',
      'alertRules[2].matchers[2].value',
    ]);
    assert.match(problems[4]!.message, /too complex/);
    // `(a+)+b` is fine on RE2 (linear time), and matches quickly even against a hostile value.
    assert.equal(
      matchesAlertRule(
        { alertname: null, matchers: [{ name: 'c', op: '=~', value: '(a+)+b' }] },
        alert('X', { c: `${'a'.repeat(5000)}c` }),
      ),
      false,
    );
  });
});

describe('runbook freshness', () => {
  const created = Date.UTC(2026, 0, 1);

  it('is due the interval after the last review, or after creation', () => {
    assert.equal(reviewDueAt({ lastReviewedAt: null, createdAt: created, reviewIntervalDays: 30 }), created + 30 * DAY);
    const reviewed = created + 10 * DAY;
    assert.equal(
      reviewDueAt({ lastReviewedAt: reviewed, createdAt: created, reviewIntervalDays: 30 }),
      reviewed + 30 * DAY,
    );
    const r = { lastReviewedAt: null, createdAt: created, reviewIntervalDays: 30 };
    assert.equal(isStale(r, created + 30 * DAY - 1), false);
    assert.equal(isStale(r, created + 30 * DAY), true);
  });

  it('reminds once per staleness: again only after a review and a new lapse', () => {
    const r = { lastReviewedAt: null, createdAt: created, reviewIntervalDays: 30, staleNotifiedAt: null };
    assert.equal(needsStaleReminder(r, created + 29 * DAY), false);
    assert.equal(needsStaleReminder(r, created + 31 * DAY), true);
    const notified = { ...r, staleNotifiedAt: created + 31 * DAY };
    assert.equal(needsStaleReminder(notified, created + 60 * DAY), false);
    const reviewed = { ...notified, lastReviewedAt: created + 40 * DAY };
    assert.equal(needsStaleReminder(reviewed, created + 60 * DAY), false);
    assert.equal(needsStaleReminder(reviewed, created + 71 * DAY), true);
  });

  it('runs daily at 08:00 UTC, strictly after now', () => {
    assert.equal(nextFreshnessAt(Date.parse('2026-03-02T07:00:00Z')), Date.parse('2026-03-02T08:00:00Z'));
    assert.equal(nextFreshnessAt(Date.parse('2026-03-02T08:00:00Z')), Date.parse('2026-03-03T08:00:00Z'));
  });
});

describe('runbook slugs', () => {
  it('makes URL-safe slugs from titles', () => {
    assert.equal(runbookSlug('Payments API: high latency!'), 'payments-api-high-latency');
    assert.equal(runbookSlug('Ça déborde'), 'ca-deborde');
    assert.equal(runbookSlug('!!!'), 'runbook');
    const long = runbookSlug('a '.repeat(100));
    assert.ok(long.length <= 60 && SLUG.test(long), long);
    assert.equal(SLUG.test('Bad Slug'), false);
  });
});
