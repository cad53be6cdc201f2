/**
 * Alert noise on both engines: silences and maintenance windows hold paging (the alert is recorded), expiry starts
 * paging, flapping, alert-quality stats, change events (webhook, API, CLI) and the live alert stream.
 */
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { after, before, describe, it } from 'node:test';
import { ENGINES } from '../db/testing/index.js';
import { startTestMuster, type TestMuster } from '../testing/server.js';

interface AlertJson {
  id: string;
  status: string;
  pagedAt: string | null;
  suppressedReason: string | null;
  suppressedById: string | null;
  isFlapping: boolean;
  ruleKey: string;
  events: { kind: string; details: Record<string, unknown> }[];
}
const HOUR = 3600_000;
const iso = (ms: number) => new Date(ms).toISOString();
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

for (const engine of ENGINES) {
  describe(`alert noise [${engine}]`, () => {
    let t: TestMuster;
    let teamId: string;
    let n = 0;

    async function serviceWithKey(source = 'generic'): Promise<{ serviceId: string; slug: string; key: string }> {
      const svc = await t.api<{ id: string; slug: string }>('POST', '/api/services', {
        name: `Noise ${++n}`,
        teamId,
        criticality: 'high',
      });
      assert.equal(svc.status, 201, JSON.stringify(svc.body));
      const k = await t.api<{ key: string }>('POST', `/api/services/${svc.body.id}/integration-keys`, { source });
      return { serviceId: svc.body.id, slug: svc.body.slug, key: k.body.key };
    }
    const fire = async (key: string, dedupKey: string, labels: Record<string, string> = {}, status = 'firing') => {
      const r = await fetch(`${t.url}/integrations/generic/${key}`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ status, dedupKey, title: `${dedupKey} broke`, severity: 'critical', labels }),
      });
      assert.equal(r.status, 200);
      return ((await r.json()) as { alerts: { alertId: string }[] }).alerts[0]!.alertId;
    };
    const alert = async (id: string) => (await t.api<AlertJson>('GET', `/api/alerts/${id}`)).body;
    // Paging started = the alert has its escalation run (created in the transaction that decided to page).
    const pagingStarts = async (alertId: string) =>
      (
        await t.muster.services.db.kysely
          .selectFrom('escalationRuns')
          .select('id')
          .where('alertId', '=', alertId)
          .execute()
      ).length;
    const waitFor = async (what: () => Promise<boolean>, ms = 8000) => {
      const end = Date.now() + ms;
      while (Date.now() < end) {
        if (await what()) return;
        await sleep(50);
      }
      assert.fail('timed out');
    };

    before(async () => {
      t = await startTestMuster(engine);
      teamId = (await t.api<{ id: string }>('POST', '/api/teams', { name: 'Noise team' })).body.id;
    });
    after(async () => t.stop());

    it('records a silenced alert without paging, and pages once the silence is expired', async () => {
      const { serviceId, key } = await serviceWithKey();
      const sil = await t.api<{ id: string; status: string }>('POST', '/api/silences', {
        matchers: [
          { name: 'alertname', value: 'Disk.*', isRegex: true, isEqual: true },
          { name: 'env', value: 'staging', isRegex: false, isEqual: false },
        ],
        service: serviceId,
        endsAt: iso(Date.now() + HOUR),
        comment: 'disk migration',
      });
      assert.equal(sil.status, 201, JSON.stringify(sil.body));
      assert.equal(sil.body.status, 'active');
      const held = await fire(key, 'disk-1', { alertname: 'DiskFull', env: 'prod' });
      const other = await fire(key, 'disk-2', { alertname: 'DiskFull', env: 'staging' });
      const a = await alert(held);
      assert.equal(a.status, 'triggered');
      assert.equal(a.pagedAt, null);
      assert.equal(a.suppressedReason, 'silenced');
      assert.equal(a.suppressedById, sil.body.id);
      assert.ok(a.events.some((e) => e.kind === 'silenced' && e.details.silenceId === sil.body.id));
      assert.equal(await pagingStarts(held), 0);
      assert.notEqual((await alert(other)).pagedAt, null, 'a != matcher excludes env=staging');
      assert.equal(await pagingStarts(other), 1);

      const expired = await t.api<{ status: string }>('POST', `/api/silences/${sil.body.id}/expire`);
      assert.equal(expired.body.status, 'expired');
      await waitFor(async () => (await alert(held)).pagedAt !== null);
      assert.equal(await pagingStarts(held), 1);
      assert.ok((await alert(held)).events.some((e) => e.kind === 'paging_started'));
      const audit = await t.api<{ events: { action: string }[] }>(
        'GET',
        `/api/audit-events?targetType=silence&targetId=${sil.body.id}`,
      );
      assert.deepEqual(audit.body.events.map((e) => e.action).sort(), ['silence.created', 'silence.expired']);
    });

    it('rejects a silence that would match everything, and a bad regex', async () => {
      const r = await t.api<{ error: { code: string } }>('POST', '/api/silences', {
        matchers: [{ name: 'x', value: '(', isRegex: true, isEqual: true }],
        endsAt: iso(Date.now() + HOUR),
        comment: 'c',
      });
      assert.equal(r.status, 400);
      const all = await t.api<{ error: { code: string } }>('POST', '/api/silences', {
        matchers: [],
        endsAt: iso(Date.now() + HOUR),
        comment: 'c',
      });
      assert.equal(all.status, 400);
    });

    it('holds paging during a maintenance window and pages when it is removed', async () => {
      const { slug, key } = await serviceWithKey();
      const w = await t.api<{ id: string }>('POST', `/api/services/${slug}/maintenance-windows`, {
        endsAt: iso(Date.now() + HOUR),
        comment: 'db upgrade',
      });
      assert.equal(w.status, 201, JSON.stringify(w.body));
      const id = await fire(key, 'maint-1');
      const a = await alert(id);
      assert.equal(a.suppressedReason, 'maintenance');
      assert.ok(a.events.some((e) => e.kind === 'in_maintenance'));
      const list = await t.api<{ maintenanceWindows: unknown[] }>('GET', `/api/services/${slug}/maintenance-windows`);
      assert.equal(list.body.maintenanceWindows.length, 1);
      const del = await t.api('DELETE', `/api/services/${slug}/maintenance-windows/${w.body.id}`);
      assert.equal(del.status, 204);
      await waitFor(async () => (await alert(id)).pagedAt !== null);
    });

    it('marks a key flapping from its second re-fire in 30 minutes and damps its paging from then', async () => {
      const { key } = await serviceWithKey();
      const ids: string[] = [];
      for (let i = 0; i < 3; i++) {
        ids.push(await fire(key, 'flappy'));
        await fire(key, 'flappy', {}, 'resolved');
      }
      const last = await alert(ids[2]!);
      assert.equal(last.isFlapping, true, 'the second re-fire is flapping');
      assert.ok(last.events.some((e) => e.kind === 'flapping'));
      assert.equal(last.suppressedReason, 'flapping');
      assert.equal(last.pagedAt, null, 'damped: no page for the second re-fire');
      assert.equal(await pagingStarts(ids[2]!), 0);
      const firstRefire = await alert(ids[1]!);
      assert.equal(firstRefire.isFlapping, false, 'the first re-fire is not flapping yet');
      assert.notEqual(firstRefire.pagedAt, null, 'the first re-fire still pages');
      assert.notEqual((await alert(ids[0]!)).pagedAt, null);
    });

    it('classifies pages and flags rules above 20% noise, worst first', async () => {
      const { key } = await serviceWithKey();
      const judge = async (rule: string, c: string, i: number) => {
        const id = await fire(key, `${rule}-${i}`, { alertname: rule });
        const ack = await t.api('POST', `/api/alerts/${id}/acknowledge`);
        assert.equal(ack.status, 200, JSON.stringify(ack.body));
        const r = await t.api('POST', `/api/alerts/${id}/classification`, { classification: c, note: 'n' });
        assert.equal(r.status, 200, JSON.stringify(r.body));
      };
      for (const [i, c] of ['actionable', 'actionable', 'actionable', 'actionable', 'actionable'].entries())
        await judge('GoodRule', c, i);
      for (const [i, c] of ['actionable', 'false_positive', 'not_actionable'].entries()) await judge('NoisyRule', c, i);
      const bad = await t.api('POST', `/api/alerts/nope/classification`, { classification: 'meh' });
      assert.equal(bad.status, 400);
      const q = await t.api<{ rules: { ruleKey: string; isNoisy: boolean; noiseShare: number; classified: number }[] }>(
        'GET',
        '/api/alert-quality/rules?window=28d',
      );
      assert.equal(q.status, 200, JSON.stringify(q.body));
      const mine = q.body.rules.filter((r) => r.ruleKey === 'GoodRule' || r.ruleKey === 'NoisyRule');
      assert.deepEqual(
        mine.map((r) => [r.ruleKey, r.isNoisy, r.classified]),
        [
          ['NoisyRule', true, 3],
          ['GoodRule', false, 5],
        ],
      );
      assert.equal(q.body.rules[0]!.isNoisy, true);
      const s = await t.api<{ services: { noisyRules: string[] }[] }>('GET', '/api/alert-quality/services');
      assert.ok(s.body.services.some((x) => x.noisyRules.includes('NoisyRule')));
    });

    it("leaves a game day's drill alerts out of the noisy-rules view", async () => {
      const { serviceId } = await serviceWithKey();
      const g = await t.api<{ id: string }>('POST', '/api/gamedays', {
        teamId,
        title: 'Drill',
        mode: 'live',
        serviceIds: [serviceId],
      });
      assert.equal(g.status, 201, JSON.stringify(g.body));
      const k = await t.api<{ key: string }>('POST', `/api/gamedays/${g.body.id}/drill-key`, {});
      assert.equal(k.status, 201, JSON.stringify(k.body));
      for (const i of [1, 2]) {
        const id = await fire(k.body.key, `drill-${i}`, { alertname: 'DrillRule' });
        assert.equal((await t.api('POST', `/api/alerts/${id}/acknowledge`)).status, 200);
        const r = await t.api('POST', `/api/alerts/${id}/classification`, { classification: 'not_actionable' });
        assert.equal(r.status, 200, JSON.stringify(r.body));
      }
      const q = await t.api<{ rules: { ruleKey: string }[] }>('GET', '/api/alert-quality/rules?window=28d');
      assert.equal(q.status, 200, JSON.stringify(q.body));
      assert.ok(q.body.rules.length > 0, 'the view lists the real rules');
      assert.deepEqual(
        q.body.rules.filter((r) => r.ruleKey === 'DrillRule'),
        [],
      );
    });

    it('records changes from the webhook, the API and the CLI', async () => {
      const { slug } = await serviceWithKey();
      const svc = await t.api<{ id: string }>('GET', `/api/services/${slug}`);
      const k = await t.api<{ key: string }>('POST', `/api/services/${svc.body.id}/integration-keys`, {
        source: 'change',
      });
      const hook = await fetch(`${t.url}/integrations/change/${k.body.key}`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({
          summary: 'deploy v1.4.2',
          kind: 'deploy',
          author: 'ci',
          links: ['https://ci.example/1', { href: 'https://git.example/c/abc', text: 'commit' }],
          customDetails: { sha: 'abc' },
        }),
      });
      assert.equal(hook.status, 202, await hook.clone().text());
      const wrong = await fetch(`${t.url}/integrations/change/nope`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ summary: 'x' }),
      });
      assert.equal(wrong.status, 401);
      const api = await t.api('POST', '/api/changes', { service: slug, summary: 'flag flip', kind: 'config' });
      assert.equal(api.status, 201, JSON.stringify(api.body));
      const main = join(import.meta.dirname, '..', 'cli', 'main.ts');
      const cli = (...args: string[]) =>
        promisify(execFile)(process.execPath, ['--import', 'tsx', main, ...args], {
          env: { PATH: process.env.PATH ?? '', HOME: '/tmp', MUSTER_URL: t.url, MUSTER_TOKEN: t.adminToken },
        });
      await cli('change', 'record', '--service', slug, '--summary', 'deploy v1.4.3', '--link', 'https://ci.example/2');
      const listed = JSON.parse((await cli('--json', 'change', 'list', '--service', slug)).stdout) as {
        summary: string;
        kind: string;
        links: { href: string }[];
      }[];
      assert.deepEqual(
        listed.map((c) => [c.summary, c.kind]),
        [
          ['deploy v1.4.3', 'deploy'],
          ['flag flip', 'config'],
          ['deploy v1.4.2', 'deploy'],
        ],
      );
      assert.equal(listed[2]!.links.length, 2);
      const per = await t.api<{ changes: unknown[] }>('GET', `/api/services/${slug}/changes`);
      assert.equal(per.body.changes.length, 3);
    });

    it('streams an alert created by intake to the live alert list', async () => {
      const { key, serviceId } = await serviceWithKey();
      const ctrl = new AbortController();
      const res = await fetch(`${t.url}/api/alerts/stream?service=${serviceId}`, {
        headers: { authorization: `Bearer ${t.adminToken}` },
        signal: ctrl.signal,
      });
      assert.equal(res.status, 200);
      const reader = res.body!.getReader();
      const created = fire(key, 'live-1');
      let text = '';
      const end = Date.now() + 8000;
      while (!text.includes('"type":"created"') && Date.now() < end) {
        const chunk = await reader.read();
        if (chunk.done) break;
        text += new TextDecoder().decode(chunk.value);
      }
      const id = await created;
      ctrl.abort();
      assert.match(text, /event: alert/);
      assert.ok(text.includes(id), text);
    });
  });
}
