/**
 * Alert quality over time and the weekly digest through the HTTP API on both engines, under a fake clock, over a
 * history made through the API and worked out by hand: alerts judged through /api/alerts/:id/classification in two
 * weeks, one at Monday 00:30 BST (Sunday 23:30 UTC) that falls in the second week in London and the first in UTC;
 * per rule and per service, the team filter, 400s; the digest's settings (403 for a team the person does not
 * administer), its preview, and the weekly job emailing (real SMTP) the subscriber and nobody else, then scheduling
 * the next Monday.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { ENGINES } from '../db/testing/index.js';
import { systemActor } from '../identity/index.js';
import { FakeClock, HOUR, toIso } from '../shared/clock.js';
import { SmtpSink } from '../testing/smtp.js';
import { startTestMuster, type TestMuster } from '../testing/server.js';
import { DIGEST_JOB } from './digest.js';

const W1 = Date.UTC(2026, 2, 23); // Monday 23 March 2026 00:00 GMT = UTC
const EDGE = Date.UTC(2026, 2, 29, 23, 30); // Monday 30 March 00:30 BST
const W2_LONDON = Date.UTC(2026, 2, 29, 23);
const W2_UTC = Date.UTC(2026, 2, 30);
const TO = Date.UTC(2026, 3, 5, 23); // Monday 6 April 00:00 BST
const WINDOW = `from=${toIso(W1)}&to=${toIso(TO)}`;

interface Figures {
  alerts: number;
  classified: number;
  noisy: number;
  noisyShare: number | null;
}
interface Quality {
  filter: { teamId: string | null; severity: null; kinds: string[] };
  timeZone: string;
  timeZoneSource: string;
  groupBy: string;
  overall: Figures & { buckets: (Figures & { start: string })[] };
  series: (Figures & { key: string; name: string; serviceIds: string[]; buckets: (Figures & { start: string })[] })[];
}
interface Settings {
  teams: { teamId: string; name: string; subscribed: boolean }[];
}

for (const engine of ENGINES) {
  describe(`insights: alert quality over time and the weekly digest [${engine}]`, () => {
    let t: TestMuster;
    let smtp: SmtpSink;
    const clock = new FakeClock(W1 + 9 * HOUR);
    const ids = { shop: '', other: '', checkout: '', ada: '', bob: '', cy: '' };
    const tokens = { ada: '', bob: '', cy: '' };
    let key = '';

    const ok = <T>(r: { status: number; body: T }, what: string): T => {
      assert.ok(r.status >= 200 && r.status < 300, `${what}: HTTP ${r.status} ${JSON.stringify(r.body)}`);
      return r.body;
    };
    const judged = async (rule: string, n: number, classification: string): Promise<void> => {
      const alertId = ok(
        await t.api<{ alerts: { alertId: string }[] }>(
          'POST',
          `/integrations/generic/${key}`,
          {
            status: 'firing',
            dedupKey: `${rule}-${n}`,
            title: rule,
            severity: 'critical',
            labels: { alertname: rule },
          },
          null,
        ),
        'intake',
      ).alerts[0]!.alertId;
      ok(await t.api('POST', `/api/alerts/${alertId}/classification`, { classification }), 'classify');
    };
    const quality = async (q: string) => ok(await t.api<Quality>('GET', `/api/insights/alert-quality?${q}`), q);
    const pick = (b: Figures & { start: string }) => [b.start, b.alerts, b.classified, b.noisy, b.noisyShare];

    before(async () => {
      smtp = await new SmtpSink().start();
      t = await startTestMuster(
        engine,
        { 'smtp.host': '127.0.0.1', 'smtp.port': smtp.port, 'smtp.from': 'muster@example.test' },
        { clock },
      );
      ids.shop = ok(await t.api<{ id: string }>('POST', '/api/teams', { name: 'Shop' }), 'team').id;
      ids.other = ok(await t.api<{ id: string }>('POST', '/api/teams', { name: 'Other' }), 'team').id;
      ids.checkout = ok(
        await t.api<{ id: string }>('POST', '/api/services', { teamId: ids.shop, name: 'checkout' }),
        'service',
      ).id;
      key = ok(
        await t.api<{ key: string }>('POST', `/api/services/${ids.checkout}/integration-keys`, { source: 'generic' }),
        'key',
      ).key;
      for (const [name, role] of [
        ['ada', 'admin'],
        ['bob', 'admin'],
        ['cy', 'responder'],
      ] as const) {
        const u = ok(
          await t.api<{ user: { id: string } }>('POST', '/api/users', { email: `${name}@example.test`, name }),
          'user',
        );
        ids[name] = u.user.id;
        ok(
          await t.api('POST', `/api/users/${ids[name]}/contact-methods`, {
            kind: 'email',
            address: `${name}@example.test`,
          }),
          'email',
        );
        ok(await t.api('PUT', `/api/teams/${ids.shop}/members/${ids[name]}`, { role }), 'member');
        tokens[name] = (
          await t.muster.services.tokens.create(systemActor('test'), { userId: ids[name], name: 'test' })
        ).token;
      }
      // The team's zone: its on-call schedule's (the digest runs on Monday 08:00 there).
      ok(
        await t.api('POST', '/api/schedules', {
          teamId: ids.shop,
          name: 'Shop primary',
          timezone: 'Europe/London',
          layers: [
            {
              name: 'Weekly',
              participants: [ids.ada],
              turn: { unit: 'weeks', count: 1 },
              startDate: '2026-03-02',
              handoffTime: '09:00',
            },
          ],
        }),
        'schedule',
      );
      // Week 1: DiskFull judged false positive twice and actionable once; a P2 incident on checkout.
      await judged('DiskFull', 1, 'false_positive');
      await judged('DiskFull', 2, 'false_positive');
      await judged('DiskFull', 3, 'actionable');
      ok(
        await t.api('POST', '/api/incidents', { title: 'Slow checkout', severity: 'P2', serviceIds: [ids.checkout] }),
        'declare',
      );
      // Monday 00:30 BST: London's second week, UTC's first.
      clock.set(EDGE);
      await judged('HighLatency', 1, 'not_actionable');
      clock.set(W2_UTC + 2 * HOUR);
      await judged('HighLatency', 2, 'actionable');
    });
    after(async () => {
      await t.stop();
      await smtp.close();
    });

    it('buckets the noisy share by week in the zone asked for', async () => {
      const london = await quality(`${WINDOW}&timeZone=Europe/London`);
      assert.equal(london.timeZone, 'Europe/London');
      assert.equal(london.timeZoneSource, 'request');
      assert.deepEqual([london.filter.severity, london.filter.kinds], [null, ['real']]);
      assert.deepEqual(
        [london.overall.alerts, london.overall.classified, london.overall.noisy, london.overall.noisyShare],
        [5, 5, 3, 0.6],
      );
      assert.deepEqual(london.overall.buckets.map(pick), [
        [toIso(W1), 3, 3, 2, 2 / 3],
        [toIso(W2_LONDON), 2, 2, 1, 0.5],
      ]);
      const utc = await quality(WINDOW);
      assert.equal(utc.timeZoneSource, 'default');
      assert.deepEqual(utc.overall.buckets.map(pick), [
        [toIso(W1), 4, 4, 3, 0.75],
        [toIso(W2_UTC), 1, 1, 0, 0],
      ]);
    });

    it('per rule and per service, worst first, the `limit` worst, and the team filter', async () => {
      const rules = await quality(`${WINDOW}&timeZone=Europe/London&groupBy=rule`);
      assert.equal(rules.groupBy, 'rule');
      assert.deepEqual(
        rules.series.map((s) => [s.key, s.name, s.serviceIds, s.alerts, s.noisy, s.noisyShare]),
        [
          ['DiskFull', 'DiskFull', [ids.checkout], 3, 2, 2 / 3],
          ['HighLatency', 'HighLatency', [ids.checkout], 2, 1, 0.5],
        ],
      );
      assert.deepEqual(rules.series[1]!.buckets.map(pick), [
        [toIso(W1), 0, 0, 0, null],
        [toIso(W2_LONDON), 2, 2, 1, 0.5],
      ]);
      const services = await quality(`${WINDOW}&groupBy=service&limit=1`);
      assert.deepEqual(
        services.series.map((s) => [s.key, s.name, s.alerts, s.noisy]),
        [[ids.checkout, 'checkout', 5, 3]],
      );
      const other = await quality(`${WINDOW}&teamId=${ids.other}`);
      assert.deepEqual([other.overall.alerts, other.series, other.filter.teamId], [0, [], ids.other]);
      const shop = await quality(`${WINDOW}&teamId=${ids.shop}&serviceId=${ids.checkout}`);
      assert.equal(shop.overall.alerts, 5);
      assert.deepEqual([shop.timeZone, shop.timeZoneSource], ['Europe/London', 'team']);
      assert.deepEqual(shop.overall.buckets.map(pick)[1], [toIso(W2_LONDON), 2, 2, 1, 0.5]);
    });

    it('answers 400 naming the field for bad input', async () => {
      for (const [q, field] of [
        ['limit=0', 'limit'],
        ['limit=51', 'limit'],
        ['groupBy=team', 'groupBy'],
        ['timeZone=Mars/Olympus', 'timeZone'],
        [`from=${toIso(TO)}&to=${toIso(W1)}`, 'from'],
      ] as const) {
        const r = await t.api<{ error: { fields?: { field: string }[] }; message?: string }>(
          'GET',
          `/api/insights/alert-quality?${q}`,
        );
        assert.equal(r.status, 400, q);
        assert.match(JSON.stringify(r.body), new RegExp(field), q);
      }
    });

    it("the digest's settings: the teams one administers; 403 for a team one does not", async () => {
      const mine = ok(await t.api<Settings>('GET', '/api/insights/digest', undefined, tokens.ada), 'settings');
      assert.deepEqual(mine.teams, [{ teamId: ids.shop, name: 'Shop', subscribed: false }]);
      assert.deepEqual(
        ok(await t.api<Settings>('GET', '/api/insights/digest', undefined, tokens.cy), 'settings').teams,
        [],
        'a responder administers no team',
      );
      const put = await t.api<Settings>('PUT', '/api/insights/digest', { teamIds: [ids.shop] }, tokens.ada);
      assert.deepEqual(ok(put, 'subscribe').teams, [{ teamId: ids.shop, name: 'Shop', subscribed: true }]);
      assert.equal((await t.api('PUT', '/api/insights/digest', { teamIds: [ids.shop] }, tokens.cy)).status, 403);
      assert.equal((await t.api('PUT', '/api/insights/digest', { teamIds: [ids.other] }, tokens.ada)).status, 403);
      assert.equal((await t.api('PUT', '/api/insights/digest', { teamIds: ['nope'] }, tokens.ada)).status, 403);
      assert.equal((await t.api('PUT', '/api/insights/digest', { teams: [] }, tokens.ada)).status, 400);
      assert.equal(
        (await t.api('GET', `/api/insights/digest/preview?teamId=${ids.shop}`, undefined, tokens.cy)).status,
        403,
      );
      // Still subscribed after the refused changes.
      assert.equal(
        ok(await t.api<Settings>('GET', '/api/insights/digest', undefined, tokens.ada), 'settings').teams[0]!
          .subscribed,
        true,
      );
    });

    it('previews last week as the email says it', async () => {
      const p = ok(
        await t.api<{ subject: string; text: string; html: string }>(
          'GET',
          `/api/insights/digest/preview?teamId=${ids.shop}`,
          undefined,
          tokens.ada,
        ),
        'preview',
      );
      assert.equal(p.subject, 'Weekly insights for Shop: 2026-03-23 to 2026-03-29');
      assert.match(p.text, /^Shop, the week of 2026-03-23 to 2026-03-29 \(Europe\/London\)\.$/m);
      assert.match(p.text, /Incidents: 1 \(P2 1\)/);
      assert.match(p.text, /Noisiest alert rule: DiskFull, 2 of 3 judged alerts not actionable or false positives/);
      assert.match(p.text, /Post-mortems past their due date: 0/);
      assert.match(p.text, new RegExp(`/insights/alert-quality\\?teamId=${ids.shop}`));
      assert.match(p.html, /^<!doctype html>/);
    });

    it("the weekly job emails the subscriber only, on Monday 08:00 in the team's zone, then schedules the next Monday", async () => {
      const db = t.muster.services.db.kysely;
      const jobs = async () =>
        db
          .selectFrom('jobs')
          .select(['uniqueKey', 'status', 'runAt'])
          .where('kind', '=', DIGEST_JOB)
          .orderBy('runAt')
          .execute();
      assert.deepEqual(
        (await jobs()).map((j) => [j.uniqueKey, j.status, Number(j.runAt)]),
        [[`${DIGEST_JOB}:${ids.shop}:2026-03-30`, 'pending', Date.UTC(2026, 2, 30, 7)]], // 08:00 BST
      );
      // Subscribing again (and bob's unsubscribing nothing) makes no second job for the same Monday.
      ok(await t.api('PUT', '/api/insights/digest', { teamIds: [ids.shop] }, tokens.ada), 'again');
      ok(await t.api('PUT', '/api/insights/digest', { teamIds: [] }, tokens.bob), 'bob: none');
      assert.equal((await jobs()).length, 1);
      clock.set(Date.UTC(2026, 2, 30, 6, 59));
      t.muster.services.runner?.wake();
      await new Promise((r) => setTimeout(r, 400));
      const digests = () => smtp.messages.filter((m) => m.subject.includes('Weekly insights'));
      assert.equal(digests().length, 0, 'not before 08:00 BST');
      clock.set(Date.UTC(2026, 2, 30, 7, 0, 1));
      t.muster.services.runner?.wake();
      await smtp.waitFor(() => digests().length > 0);
      const mail = digests()[0]!;
      assert.deepEqual(mail.to, ['ada@example.test']);
      assert.match(mail.subject, /Weekly insights for Shop: 2026-03-23 to 2026-03-29/);
      assert.match(mail.text, /Incidents: 1 \(P2 1\)/);
      assert.match(mail.text, /Noisiest alert rule: DiskFull/);
      await new Promise((r) => setTimeout(r, 500));
      assert.deepEqual(
        digests().map((m) => m.to),
        [['ada@example.test']],
        'bob (an admin, not subscribed) and cy get nothing',
      );
      const after = await jobs();
      assert.deepEqual(
        after.map((j) => [j.uniqueKey, j.status]),
        [
          [`${DIGEST_JOB}:${ids.shop}:2026-03-30`, 'succeeded'],
          [`${DIGEST_JOB}:${ids.shop}:2026-04-06`, 'pending'],
        ],
      );
      assert.equal(Number(after[1]!.runAt), Date.UTC(2026, 3, 6, 7));
    });

    it("leaves a game day's drill alerts out unless drills are asked for", async () => {
      const day = Date.UTC(2026, 4, 4); // a Monday, after every other alert here
      clock.set(day + 10 * HOUR);
      const gameday = ok(
        await t.api<{ id: string }>('POST', '/api/gamedays', {
          teamId: ids.shop,
          title: 'Checkout drill',
          mode: 'live',
          serviceIds: [ids.checkout],
        }),
        'game day',
      );
      const drillKey = ok(
        await t.api<{ key: string }>('POST', `/api/gamedays/${gameday.id}/drill-key`, {}),
        'drill key',
      ).key;
      const alertId = ok(
        await t.api<{ alerts: { alertId: string }[] }>(
          'POST',
          `/integrations/generic/${drillKey}`,
          { status: 'firing', dedupKey: 'drill', title: 'Drill', severity: 'critical', labels: { alertname: 'Drill' } },
          null,
        ),
        'intake',
      ).alerts[0]!.alertId;
      ok(await t.api('POST', `/api/alerts/${alertId}/classification`, { classification: 'not_actionable' }), 'judge');
      const q = `from=${toIso(day)}&to=${toIso(day + 86_400_000)}&timeZone=UTC`;
      const real = await quality(q);
      assert.deepEqual([real.overall.alerts, real.series.length, real.filter.kinds], [0, 0, ['real']]);
      const withDrills = await quality(`${q}&includeKinds=drill`);
      assert.deepEqual(
        [withDrills.overall.alerts, withDrills.overall.noisy, withDrills.filter.kinds],
        [1, 1, ['real', 'drill']],
      );
    });
  });
}
