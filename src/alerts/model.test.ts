import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { MINUTE } from '../shared/clock.js';
import {
  canJoinGroup,
  decideDedup,
  extractContext,
  groupKeyFor,
  isMissingRunbook,
  normalizeSeverity,
  parseTimestamp,
  type AlertRef,
  type IntakeEvent,
} from './model.js';

const T0 = Date.UTC(2026, 10, 24, 18, 28, 27);

function buildEvent(over: Partial<IntakeEvent> = {}): IntakeEvent {
  return {
    action: 'trigger',
    dedupKey: 'd9f50dfdc8486b4a',
    startsAt: T0,
    endsAt: null,
    summary: 'p99 latency above 2s',
    description: '',
    severity: 'critical',
    labels: { alertname: 'HighLatency' },
    annotations: {},
    links: [],
    groupKey: null,
    groupName: 'HighLatency',
    ...over,
  };
}

const open = (over: Partial<AlertRef> = {}): AlertRef => ({
  id: 'alr_1',
  status: 'triggered',
  sourceStartsAt: T0,
  ...over,
});

describe('decideDedup', () => {
  it('opens a new alert when nothing holds the key', () => {
    assert.deepEqual(decideDedup(buildEvent(), null, null), { kind: 'create' });
  });

  it('folds a re-sent trigger into the open alert', () => {
    assert.deepEqual(decideDedup(buildEvent(), open(), open()), {
      kind: 'refresh',
      alertId: 'alr_1',
      isNewInstance: false,
    });
  });

  it('marks a new start time on an open alert as a re-fire of the same alert', () => {
    const d = decideDedup(buildEvent({ startsAt: T0 + MINUTE }), open(), open());
    assert.deepEqual(d, { kind: 'refresh', alertId: 'alr_1', isNewInstance: true });
  });

  it('opens a new alert when the same fingerprint fires again after resolution with a new startsAt', () => {
    const resolved = open({ status: 'resolved' });
    assert.deepEqual(decideDedup(buildEvent({ startsAt: T0 + 10 * MINUTE }), null, resolved), { kind: 'create' });
  });

  it('ignores a repeated delivery of an instance that is already resolved', () => {
    const d = decideDedup(buildEvent(), null, open({ status: 'resolved' }));
    assert.equal(d.kind, 'ignore');
  });

  it('opens a new alert for a trigger without instance identity after resolution (PagerDuty semantics)', () => {
    const d = decideDedup(buildEvent({ startsAt: null }), null, open({ status: 'resolved', sourceStartsAt: null }));
    assert.deepEqual(d, { kind: 'create' });
  });

  it('drops acknowledge and resolve with no open alert', () => {
    assert.equal(decideDedup(buildEvent({ action: 'acknowledge' }), null, null).kind, 'ignore');
    assert.equal(decideDedup(buildEvent({ action: 'resolve' }), null, open({ status: 'resolved' })).kind, 'ignore');
  });

  it('acknowledges once', () => {
    assert.deepEqual(decideDedup(buildEvent({ action: 'acknowledge' }), open(), open()), {
      kind: 'acknowledge',
      alertId: 'alr_1',
    });
    assert.equal(
      decideDedup(buildEvent({ action: 'acknowledge' }), open({ status: 'acknowledged' }), null).kind,
      'ignore',
    );
  });

  it('drops a late resolve for an older instance than the open alert', () => {
    const d = decideDedup(buildEvent({ action: 'resolve', startsAt: T0 - MINUTE }), open(), open());
    assert.deepEqual(d, { kind: 'ignore', alertId: 'alr_1', reason: 'stale_resolve' });
  });

  it('resolves the open alert for the same or a newer instance', () => {
    assert.equal(decideDedup(buildEvent({ action: 'resolve' }), open(), open()).kind, 'resolve');
    assert.equal(decideDedup(buildEvent({ action: 'resolve', startsAt: T0 + MINUTE }), open(), open()).kind, 'resolve');
  });
});

describe('grouping', () => {
  it('uses the source group key, else the alert name', () => {
    assert.equal(groupKeyFor({ groupKey: '{}/{}:{alertname="X"}', groupName: 'X' }), 'key:{}/{}:{alertname="X"}');
    assert.equal(groupKeyFor({ groupKey: null, groupName: 'Disk Full' }), 'name:disk full');
    assert.match(groupKeyFor({ groupKey: 'x'.repeat(500), groupName: '' }), /^sha256:[0-9a-f]{64}$/);
  });

  it('joins a group while it has open alerts, or within the window after its last alert', () => {
    const now = T0 + 2 * 60 * MINUTE;
    assert.equal(canJoinGroup(null, now), false);
    assert.equal(canJoinGroup({ id: 'g', openCount: 1, lastAlertAt: T0 }, now), true);
    assert.equal(canJoinGroup({ id: 'g', openCount: 0, lastAlertAt: now - 29 * MINUTE }, now), true);
    assert.equal(canJoinGroup({ id: 'g', openCount: 0, lastAlertAt: now - 31 * MINUTE }, now), false);
  });

  it('does not join a quiet group when the clock went backwards past the window edge', () => {
    // A clock set back makes now - lastAlertAt negative: that is "recent", so the alert joins.
    assert.equal(canJoinGroup({ id: 'g', openCount: 0, lastAlertAt: T0 + MINUTE }, T0), true);
  });
});

describe('extractContext', () => {
  it('puts runbook, dashboard and recent deploys first, then other links, source and silence', () => {
    const ctx = extractContext(
      {
        summary: 'Error rate above 5%',
        wiki: 'https://wiki.internal/team',
        recent_deploys: 'https://deploy.internal/history?service=api',
        dashboard: 'https://grafana.internal/d/service-health',
        runbook: 'https://wiki.internal/runbooks/high-error-rate',
        description: 'not a link',
      },
      [
        { kind: 'silence', title: 'Silence', url: 'https://grafana.internal/silence' },
        { kind: 'source', title: 'Source', url: 'http://prometheus/graph?g0.expr=x' },
      ],
    );
    assert.deepEqual(
      ctx.map((c) => c.kind),
      ['runbook', 'dashboard', 'deploys', 'link', 'source', 'silence'],
    );
    assert.equal(ctx[3]!.title, 'wiki');
  });

  it('drops duplicates and anything that is not an http(s) URL', () => {
    const ctx = extractContext(
      { runbook_url: 'https://r', runbook: 'https://r', dashboard: 'javascript:alert(1)' },
      [],
    );
    assert.deepEqual(ctx, [{ kind: 'runbook', title: 'Runbook', url: 'https://r' }]);
  });

  it('flags paging alerts with no runbook, not warnings', () => {
    assert.equal(isMissingRunbook('critical', []), true);
    assert.equal(isMissingRunbook('warning', []), false);
    assert.equal(isMissingRunbook('error', [{ kind: 'runbook', title: 'Runbook', url: 'https://r' }]), false);
  });
});

describe('normalizeSeverity and parseTimestamp', () => {
  it('maps common severity words and falls back to error', () => {
    assert.equal(normalizeSeverity('CRITICAL'), 'critical');
    assert.equal(normalizeSeverity('page'), 'critical');
    assert.equal(normalizeSeverity('warn'), 'warning');
    assert.equal(normalizeSeverity('P4'), 'info');
    assert.equal(normalizeSeverity('whatever'), 'error');
    assert.equal(normalizeSeverity(undefined), 'error');
  });

  it("treats Go's zero time as unset and reads nanoseconds and +0000 offsets", () => {
    assert.equal(parseTimestamp('0001-01-01T00:00:00Z'), null);
    assert.equal(parseTimestamp('2026-11-24T18:28:27.182373908Z'), Date.UTC(2026, 10, 24, 18, 28, 27, 182));
    assert.equal(parseTimestamp('2015-07-17T08:42:58.315+0000'), Date.UTC(2015, 6, 17, 8, 42, 58, 315));
    assert.equal(parseTimestamp(undefined), null);
    assert.equal(parseTimestamp('yesterday'), undefined);
  });
});
