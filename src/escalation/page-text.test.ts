/** The page's words and paging keys: pure parts of paging groups. */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { Alert } from '../alerts/index.js';
import { DEFAULT_PAGING_GROUPS, pagingGroupProblems } from '../catalog/index.js';
import { pagingKeyOf } from './groups.js';
import { alertListLines, pageMessage } from './page-text.js';

const alert = (id: string, summary: string): Alert =>
  ({
    id,
    summary,
    severity: 'critical',
    description: 'p99 above 2 s',
    context: [],
    isDrill: false,
  }) as unknown as Alert;
const base = { runId: 'run_1', serviceName: 'Checkout', urgency: 'high' as const, url: 'https://m.example/alerts/a0' };

describe('page text', () => {
  it('words a page of one alert as before', () => {
    const m = pageMessage({ ...base, alert: alert('a0', 'Latency high'), alerts: [alert('a0', 'Latency high')] });
    assert.equal(m.subject, '[Muster] Latency high');
    assert.match(m.body, /^CRITICAL on Checkout: Latency high\np99 above 2 s\n/);
    assert.deepEqual(m.alerts?.count, 1);
  });
  it('says how many alerts a page stands for and lists the first ten, then how many more', () => {
    const alerts = Array.from({ length: 13 }, (_, i) => alert(`a${i}`, `Latency on web-${i}`));
    const m = pageMessage({ ...base, alert: alerts[0]!, alerts });
    assert.equal(m.subject, '[Muster] 13 alerts on Checkout: Latency on web-0');
    assert.match(m.body, /^CRITICAL on Checkout: 13 alerts\n- Latency on web-0 \(critical\)\n/);
    assert.ok(m.body.includes('- Latency on web-9 (critical)'));
    assert.ok(!m.body.includes('web-10'));
    assert.ok(m.body.includes('and 3 more'));
    assert.equal(m.alerts?.count, 13);
    assert.equal(m.alerts?.listed.length, 10);
    assert.deepEqual(alertListLines(alerts.slice(0, 2)), [
      '- Latency on web-0 (critical)',
      '- Latency on web-1 (critical)',
    ]);
  });
});

describe('paging keys', () => {
  const row = { labels: JSON.stringify({ cluster: 'eu', namespace: 'shop' }), isDrill: 0, groupKey: 'key:{}:{a="b"}' };
  it('groups by the source group key, labels or the service, and never for per_alert', () => {
    assert.equal(pagingKeyOf(DEFAULT_PAGING_GROUPS, row), 'group:key:{}:{a="b"}');
    const byLabels = { ...DEFAULT_PAGING_GROUPS, mode: 'labels' as const, labels: ['cluster', 'missing'] };
    assert.equal(pagingKeyOf(byLabels, row), 'labels:[["cluster","eu"],["missing",""]]');
    assert.equal(pagingKeyOf({ ...DEFAULT_PAGING_GROUPS, mode: 'window' }, row), 'window');
    assert.equal(pagingKeyOf({ ...DEFAULT_PAGING_GROUPS, mode: 'per_alert' }, row), null);
  });
  it('keeps drills apart from real alerts', () => {
    assert.equal(pagingKeyOf({ ...DEFAULT_PAGING_GROUPS, mode: 'window' }, { ...row, isDrill: 1 }), 'drill|window');
  });
  it('names each bad setting', () => {
    const fields = (g: Parameters<typeof pagingGroupProblems>[0]) => pagingGroupProblems(g).map((p) => p.field);
    assert.deepEqual(fields({ mode: 'labels', labels: [], windowMinutes: 10 }), ['pagingGroups.labels']);
    assert.deepEqual(fields({ mode: 'window', labels: [], windowMinutes: 0 }), ['pagingGroups.windowMinutes']);
    assert.deepEqual(fields({ mode: 'labels', labels: ['a', 'a'], windowMinutes: 10 }), ['pagingGroups.labels']);
    assert.deepEqual(fields({ mode: 'labels', labels: ['cluster'], windowMinutes: 10 }), []);
  });
});
