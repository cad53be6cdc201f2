/**
 * Runbooks on a real server, both engines: write, save versions and diff them, a stale base version refused, review,
 * alert rules by alertname and label matchers (RE2 regexes; a pathological one refused), the alert and incident
 * endpoints (the alert's own runbook link kept as externalUrl), the "Update the runbook" action item marking it
 * reviewed, and the daily freshness reminder sent once per staleness (fake clock).
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { ENGINES } from '../db/testing/index.js';
import { DAY, FakeClock } from '../shared/clock.js';
import { WebhookReceiver } from '../testing/notify.js';
import { FRESHNESS_JOB } from './index.js';
import { startTestMuster, type TestMuster } from '../testing/server.js';
import { until } from '../testing/fixtures.js';

const settle = () => new Promise((r) => setTimeout(r, 400));
const at = (iso: string): number => Date.parse(iso);

interface Summary {
  id: string;
  slug: string;
  title: string;
  version: number;
  isStale: boolean;
  lastReviewedAt: string | null;
}
interface For {
  items: { runbook: Summary; reason: string }[];
  externalUrl: string | null;
}

for (const engine of ENGINES) {
  describe(`runbooks [${engine}]`, () => {
    let t: TestMuster;
    const clock = new FakeClock(at('2026-03-02T07:00:00Z'));
    let teamId: string;
    let service: string;
    let key: string;
    let ada: string;
    let hook: WebhookReceiver;

    const fire = async (body: Record<string, unknown>): Promise<string> => {
      const r = await t.api<{ alerts: { alertId: string }[] }>(
        'POST',
        `/integrations/generic/${key}`,
        { status: 'firing', ...body },
        null,
      );
      assert.equal(r.status, 200, JSON.stringify(r.body));
      return r.body.alerts[0]!.alertId;
    };
    const create = async (body: Record<string, unknown>): Promise<Summary> => {
      const r = await t.api<Summary>('POST', '/api/runbooks', { teamId, body: '# Steps', ...body });
      assert.equal(r.status, 201, JSON.stringify(r.body));
      return r.body;
    };

    before(async () => {
      t = await startTestMuster(engine, {}, { clock });
      teamId = (await t.api<{ id: string }>('POST', '/api/teams', { name: 'Payments' })).body.id;
      service = (await t.api<{ id: string }>('POST', '/api/services', { teamId, name: 'Checkout' })).body.id;
      key = (await t.api<{ key: string }>('POST', `/api/services/${service}/integration-keys`, { source: 'generic' }))
        .body.key;
      hook = await new WebhookReceiver().start();
      ada = (await t.api<{ user: { id: string } }>('POST', '/api/users', { email: 'ada@example.test', name: 'Ada' }))
        .body.user.id;
      await t.api('POST', `/api/users/${ada}/contact-methods`, { kind: 'webhook', address: hook.url });
      await t.api('PUT', `/api/teams/${teamId}/members/${ada}`, { role: 'admin' });
    });
    after(async () => {
      await t.stop();
      await hook.close();
    });

    it('saves versions, diffs them, refuses a stale base version, and reviews', async () => {
      const rb = await create({ title: 'Checkout is slow', body: 'Step one\n', reviewIntervalDays: 30 });
      assert.equal(rb.version, 1);
      const saved = await t.api<Summary>('PATCH', `/api/runbooks/${rb.id}`, {
        body: 'Step one\nStep two\n',
        note: 'Added step two',
        baseVersion: 1,
      });
      assert.equal(saved.status, 200, JSON.stringify(saved.body));
      assert.equal(saved.body.version, 2);
      const stale = await t.api<{ error: { code: string } }>('PATCH', `/api/runbooks/${rb.id}`, {
        body: 'Other',
        baseVersion: 1,
      });
      assert.equal(stale.status, 409);
      assert.equal(stale.body.error.code, 'version_conflict');
      const versions = await t.api<{ items: { version: number; note: string }[] }>(
        'GET',
        `/api/runbooks/${rb.id}/versions`,
      );
      assert.deepEqual(
        versions.body.items.map((v) => [v.version, v.note]),
        [
          [2, 'Added step two'],
          [1, 'Created'],
        ],
      );
      const v1 = await t.api<{ body: string }>('GET', `/api/runbooks/${rb.id}/versions/1`);
      assert.equal(v1.body.body, 'Step one\n');
      const diff = await t.api<{ unified: string }>('GET', `/api/runbooks/${rb.id}/diff?from=1&to=2`);
      assert.match(diff.body.unified, /\n\+Step two/);
      const missing = await t.api('GET', `/api/runbooks/${rb.id}/diff?from=1&to=9`);
      assert.equal(missing.status, 400);
      clock.advance(31 * DAY);
      const listed = await t.api<{ items: Summary[] }>('GET', `/api/runbooks?teamId=${teamId}&stale=true`);
      assert.ok(listed.body.items.some((s) => s.id === rb.id));
      // The filters run in SQL (before the limit); a 730-day interval in ms needs bigint arithmetic on PostgreSQL.
      const longLived = await create({ title: 'Rotate 100% of the TLS_certs', body: 'x\n', reviewIntervalDays: 730 });
      const ids = async (qs: string) =>
        (await t.api<{ items: Summary[] }>('GET', `/api/runbooks?teamId=${teamId}&${qs}`)).body.items.map((s) => s.id);
      assert.ok(!(await ids('stale=true')).includes(longLived.id));
      assert.ok((await ids('stale=false')).includes(longLived.id));
      assert.ok(!(await ids('stale=false')).includes(rb.id));
      assert.deepEqual(await ids('q=CHECKOUT'), [rb.id], 'case-insensitive title search');
      assert.deepEqual(await ids(`q=${encodeURIComponent('100%')}`), [longLived.id], '% is a literal');
      assert.deepEqual(await ids('q=tls_c'), [longLived.id], '_ is a literal');
      assert.deepEqual(await ids('q=s_s'), [], 'not a wildcard (it would match "is slow")');
      const reviewed = await t.api<Summary>('POST', `/api/runbooks/${rb.id}/review`, {});
      assert.equal(reviewed.status, 200);
      assert.equal(reviewed.body.isStale, false);
      assert.equal(reviewed.body.lastReviewedAt, new Date(clock.now()).toISOString());
      assert.equal((await t.api('DELETE', `/api/runbooks/${rb.id}`)).status, 204);
      const after = await t.api<{ items: Summary[] }>('GET', `/api/runbooks?teamId=${teamId}`);
      assert.ok(!after.body.items.some((s) => s.id === rb.id), 'archived runbooks leave the list');
    });

    it('refuses bad alert rules naming the field, a pathological regex included', async () => {
      const bad = await t.api<{ error: { details: { problems: { field: string }[] } } }>('POST', '/api/runbooks', {
        teamId,
        title: 'Bad',
        body: '',
        alertRules: [{ alertname: null, matchers: [{ name: 'x', op: '=~', value: '\\pL{1000}'.repeat(100) }] }],
      });
      assert.equal(bad.status, 400);
      assert.deepEqual(
        bad.body.error.details.problems.map((d) => d.field),
        ['alertRules[0].matchers[0].value'],
      );
    });

    it('shows alert-rule runbooks first, then the service’s, and keeps the alert’s own link', async () => {
      const byName = await create({ title: 'Disk full', alertRules: [{ alertname: 'DiskFull', matchers: [] }] });
      const byRegex = await create({
        title: 'Database hosts',
        alertRules: [{ alertname: null, matchers: [{ name: 'instance', op: '=~', value: 'db-[0-9]+' }] }],
      });
      const bySvc = await create({ title: 'Checkout basics', serviceIds: [service] });
      const alert = await fire({
        dedupKey: 'disk-db-1',
        title: 'Disk 95% full',
        labels: { alertname: 'DiskFull', instance: 'db-1' },
        annotations: { runbook_url: 'https://wiki.example.test/disk' },
      });
      const r = await t.api<For>('GET', `/api/alerts/${alert}/runbooks`);
      assert.equal(r.status, 200, JSON.stringify(r.body));
      assert.deepEqual(
        r.body.items.map((i) => [i.runbook.id, i.reason]),
        [
          [byRegex.id, 'alert_rule'],
          [byName.id, 'alert_rule'],
          [bySvc.id, 'service'],
        ],
      );
      assert.equal(r.body.externalUrl, 'https://wiki.example.test/disk');
      const other = await fire({ dedupKey: 'cpu', title: 'CPU', labels: { alertname: 'Cpu', instance: 'old-db-1' } });
      const r2 = await t.api<For>('GET', `/api/alerts/${other}/runbooks`);
      assert.deepEqual(
        r2.body.items.map((i) => i.runbook.id),
        [bySvc.id],
        'an unanchored near-miss does not match',
      );
      assert.equal(r2.body.externalUrl, null);
      // The alert list shows the runbook each alert's page shows first (one call for the page of alerts).
      const list = await t.api<{ runbooks: Record<string, { id: string; title: string } | null> }>(
        'GET',
        `/api/runbooks/for-alerts?alertIds=${alert},${other},alr_none`,
      );
      assert.equal(list.status, 200, JSON.stringify(list.body));
      assert.deepEqual(list.body.runbooks, {
        [alert]: { id: byRegex.id, slug: byRegex.slug, title: 'Database hosts' },
        [other]: { id: bySvc.id, slug: bySvc.slug, title: 'Checkout basics' },
        alr_none: null,
      });
      const tooMany = await t.api(
        'GET',
        `/api/runbooks/for-alerts?alertIds=${Array<string>(101)
          .fill('a')
          .map((a, i) => a + i)
          .join(',')}`,
      );
      assert.equal(tooMany.status, 400);
      // The incident: its linked alert's rules, then its services'.
      const inc = await t.api<{ incident: { id: string } }>('POST', '/api/incidents', {
        title: 'Disks',
        severity: 'P3',
        serviceIds: [service],
      });
      const incident = inc.body.incident.id;
      assert.equal((await t.api('POST', `/api/incidents/${incident}/alerts`, { alertId: alert })).status, 200);
      const ri = await t.api<For>('GET', `/api/incidents/${incident}/runbooks`);
      assert.deepEqual(
        ri.body.items.map((i) => i.reason),
        ['alert_rule', 'alert_rule', 'service'],
      );
      assert.equal(ri.body.externalUrl, 'https://wiki.example.test/disk');
      // A runbook an automation rule suggested for the incident (the rule's firing, as the automation job records it).
      const suggested = await create({ title: 'Suggested by a rule' });
      const kysely = t.muster.services.db.kysely;
      const now = clock.now();
      await kysely
        .insertInto('automationRules')
        .values({
          id: 'aur_test',
          teamId,
          name: 'Suggest on P3',
          enabled: 1,
          trigger: 'incident_declared',
          conditions: '{}',
          action: 'suggest_runbook',
          actionConfig: JSON.stringify({ runbookId: suggested.id }),
          createdByUserId: null,
          createdAt: now,
          updatedAt: now,
        })
        .execute();
      await kysely
        .insertInto('automationFirings')
        .values({
          id: 'auf_test',
          ruleId: 'aur_test',
          subjectId: incident,
          incidentId: incident,
          alertId: null,
          outcome: 'done',
          detail: '',
          runId: null,
          firedAt: now,
        })
        .execute();
      const rs = await t.api<For>('GET', `/api/incidents/${incident}/runbooks`);
      assert.deepEqual(
        rs.body.items.map((i) => i.reason),
        ['alert_rule', 'alert_rule', 'suggested', 'service'],
      );
      assert.equal(rs.body.items[2]!.runbook.id, suggested.id);
      assert.equal((await t.api('GET', '/api/alerts/nope/runbooks')).status, 404);

      // "Update the runbook": a runbook of the item's team, reviewed (with a version note) when done.
      const noRunbook = await t.api('POST', '/api/action-items', {
        incidentId: incident,
        teamId,
        title: 'Update the disk runbook',
        ownerUserId: ada,
        kind: 'runbook',
      });
      assert.equal(noRunbook.status, 400);
      const item = await t.api<{ id: string; runbookId: string }>('POST', '/api/action-items', {
        incidentId: incident,
        teamId,
        title: 'Update the disk runbook',
        ownerUserId: ada,
        kind: 'runbook',
        runbookId: byName.id,
      });
      assert.equal(item.status, 201, JSON.stringify(item.body));
      assert.equal(item.body.runbookId, byName.id);
      clock.advance(DAY);
      assert.equal((await t.api('PATCH', `/api/action-items/${item.body.id}`, { status: 'done' })).status, 200);
      const rb = await t.api<Summary>('GET', `/api/runbooks/${byName.id}`);
      assert.equal(rb.body.lastReviewedAt, new Date(clock.now()).toISOString());
      const versions = await t.api<{ items: { note: string }[] }>('GET', `/api/runbooks/${byName.id}/versions`);
      assert.match(versions.body.items[0]!.note, /action item "Update the disk runbook" done/);
    });

    it('reminds the team admins of a stale runbook once', async () => {
      const rb = await create({ title: 'Stale soon', reviewIntervalDays: 1 });
      const before = hook.hits.length;
      clock.advance(3 * DAY);
      t.muster.services.runner?.wake();
      await until('the freshness reminder', async () => hook.hits.some((h) => h.body.includes('Stale soon')));
      const count = hook.hits.filter((h) => h.body.includes('Stale soon')).length;
      assert.equal(count, 1);
      // The send is recorded before the clock jumps a day: a job still in flight then would see its lease expire on
      // the fake clock and be claimed again (a second send the real clock never makes).
      await until('the reminder recorded as sent', async () => {
        const rows = await t.muster.services.db.kysely
          .selectFrom('notificationDeliveries')
          .select('status')
          .where('userId', '=', ada)
          .where('channel', '=', 'webhook')
          .execute();
        return rows.length > 0 && rows.every((r) => r.status !== 'pending' && r.status !== 'sending');
      });
      const first = clock.now();
      clock.advance(DAY);
      t.muster.services.runner?.wake();
      await until('the next day’s check', async () => {
        const done = await t.muster.services.db.kysely
          .selectFrom('jobs')
          .select(['runAt', 'status'])
          .where('kind', '=', FRESHNESS_JOB)
          .where('status', '=', 'succeeded')
          .execute();
        return done.some((j) => Number(j.runAt) > first);
      });
      await settle();
      assert.equal(hook.hits.filter((h) => h.body.includes('Stale soon')).length, 1, 'once per staleness');
      assert.ok(hook.hits.length > before);
      void rb;
    });
  });
}
