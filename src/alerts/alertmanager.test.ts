import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { alertFingerprint, parseAlertmanagerWebhook } from './alertmanager.js';
import { parseGenericEvent } from './generic.js';
import { parseGrafanaWebhook } from './grafana.js';

const observed = JSON.parse(
  readFileSync(join(import.meta.dirname, 'fixtures', 'alertmanager-0.25-observed.json'), 'utf8'),
) as { alertmanager: Record<string, unknown> };

describe('alertFingerprint', () => {
  it('matches the fingerprints Alertmanager 0.25 sent', () => {
    assert.equal(
      alertFingerprint({ alertname: 'AlwaysFiring', severity: 'critical', team: 'sre' }),
      '7a45a93b5308ff5f',
    );
    assert.equal(
      alertFingerprint({
        alertname: 'DiskFull',
        cluster: 'prod-eu',
        instance: 'db-1:9100',
        job: 'node',
        severity: 'warning',
      }),
      'e3a32f610265e26f',
    );
    assert.equal(alertFingerprint({ alertname: 'Trunc', instance: 'a' }), '7b7051a5446a8d98');
  });
});

describe('parseAlertmanagerWebhook', () => {
  it('reads a captured group: fingerprints, zero endsAt as null, groupKey, runbook and source links', () => {
    const { events, problems } = parseAlertmanagerWebhook(observed.alertmanager.B_one_resolved);
    assert.deepEqual(problems, []);
    assert.deepEqual(
      events.map((e) => [e.dedupKey, e.action, e.endsAt]),
      [
        ['d9f50dfdc8486b4a', 'trigger', null],
        ['4320a77964054ac3', 'resolve', Date.parse('2026-11-24T18:28:41Z')],
      ],
    );
    assert.equal(events[0]!.groupKey, '{}/{}:{alertname="HighLatency"}');
    assert.equal(events[0]!.summary, 'p99 latency above 2s');
    assert.equal(events[0]!.severity, 'critical');
    assert.deepEqual(
      events[0]!.links.map((l) => l.kind),
      ['source'],
    );
  });

  it('computes the fingerprint when a sender leaves it out, and tolerates unknown keys', () => {
    const body = structuredClone(observed.alertmanager.E_prometheus_rule) as { alerts: Record<string, unknown>[] };
    delete body.alerts[0]!.fingerprint;
    Object.assign(body, { notification_reason: 'first notification', routeLabels: { team: 'sre' } });
    const { events } = parseAlertmanagerWebhook(body);
    assert.equal(events[0]!.dedupKey, '7a45a93b5308ff5f');
  });

  it('names every bad field of a rejected alert, and keeps the good ones', () => {
    const good = { status: 'firing', labels: { alertname: 'Up' }, startsAt: '2026-11-24T18:31:40.645Z' };
    const bad = { status: 'x', labels: {}, startsAt: 'nope' };
    const { events, problems, rejected } = parseAlertmanagerWebhook({ alerts: [good, bad, 7, good] });
    assert.deepEqual(problems, []);
    assert.equal(events.length, 2);
    assert.deepEqual(
      rejected.map((r) => [r.index, r.problems.map((p) => p.field)]),
      [
        [1, ['alerts[1].labels', 'alerts[1].status', 'alerts[1].startsAt']],
        [2, ['alerts[2]']],
      ],
    );
    assert.equal(rejected[0]!.item, bad);
    assert.deepEqual(
      parseAlertmanagerWebhook({}).problems.map((p) => p.field),
      ['alerts'],
    );
  });
});

describe('parseGrafanaWebhook', () => {
  it('adds dashboard, panel and silence links and the values', () => {
    const { events } = parseGrafanaWebhook({
      version: '1',
      alerts: [
        {
          status: 'firing',
          labels: { alertname: 'High memory' },
          annotations: {},
          startsAt: '2021-10-12T09:51:03.157076+02:00',
          endsAt: '0001-01-01T00:00:00Z',
          fingerprint: 'c6eadffa33fcdf37',
          dashboardURL: 'https://g/d/1',
          panelURL: '',
          silenceURL: 'https://g/silence',
          values: { B: 44.2, C: 1 },
        },
      ],
    });
    assert.deepEqual(
      events[0]!.links.map((l) => l.kind),
      ['dashboard', 'silence'],
    );
    assert.equal(events[0]!.description, 'Values: B=44.2, C=1');
  });
});

describe('parseGenericEvent', () => {
  it('needs a title to fire and a dedup key to resolve', () => {
    const missing = parseGenericEvent({ status: 'firing' });
    assert.ok('problems' in missing && missing.problems[0]!.field === 'title');
    const resolve = parseGenericEvent({ status: 'resolved' });
    assert.ok('problems' in resolve && resolve.problems[0]!.field === 'dedupKey');
    const ok = parseGenericEvent({ status: 'firing', summary: 'Backup failed', severity: 'sev2' });
    assert.ok('event' in ok);
    assert.equal(ok.event.dedupKey, null);
    assert.equal(ok.event.severity, 'error');
  });
});
