/**
 * People health in a real browser, on both engines, over a history made through the API under a fake clock: the
 * admin declares, leads and resolves all seven incidents of Payments API (one a P1 where they also took the
 * Communications Lead role against the policy, with a reason), and Ana is paged through real intake and escalation an
 * hour ago, in her sleep hours (her zone is picked so that an hour ago was 03:00 there; the team works every day).
 * Worked by hand: the admin is flagged (7 of the team's 7 incidents, the median is 0); Payments API is known by one
 * person (7 of 7 incidents) with the three remedies; Ana's next working morning (09:00–13:00 her time) is recovery,
 * on her own shift of "Payments primary", and Bo (the other participant, not on call then) is proposed to cover it;
 * the cover button makes that override. Payments API ranks above Ledger. The team page shows the panel, and
 * Insights' People tab the hero, the pulse (7 answers this quarter) and 1 role-separation override. Nothing scrolls
 * sideways at 390 px. Screenshots go to /tmp/shots-people-a/. Needs web/dist: `npm run build:web` first.
 */
import assert from 'node:assert/strict';
import { mkdirSync } from 'node:fs';
import { after, before, describe, test } from 'node:test';
import type { Browser, Page } from 'playwright-core';
import { browserTestEngines } from '../src/db/testing/index.js';
import { FakeClock } from '../src/shared/clock.js';
import { startTestMuster, type TestMuster } from '../src/testing/server.js';
import { launchBrowser, openPage, signIn } from './browser.js';
import { until } from '../src/testing/fixtures.js';

/** One engine for this browser file; MUSTER_E2E_ENGINES=both runs both (docs/adr/0012). */
const ENGINES = browserTestEngines('sqlite');

const SHOTS = '/tmp/shots-people-a';
const MINUTE = 60_000;
const HOUR = 60 * MINUTE;
const DAY = 24 * HOUR;

/** The page is no wider than the viewport (nothing scrolls sideways). */
async function assertFits(page: Page, what: string): Promise<void> {
  await page
    .waitForFunction(() => document.documentElement.scrollWidth <= document.documentElement.clientWidth, null, {
      timeout: 3_000,
    })
    .catch(() => undefined);
  const w = await page.evaluate(() => {
    const client = document.documentElement.clientWidth;
    const wide = [...document.querySelectorAll<HTMLElement>('body *')]
      .filter((e) => e.getBoundingClientRect().right > client + 1)
      .filter((e) => ![...e.children].some((c) => c.getBoundingClientRect().right > client + 1))
      .slice(0, 5)
      .map((e) => `${e.tagName.toLowerCase()}.${e.className} ${Math.round(e.getBoundingClientRect().right)}`);
    return { scroll: document.documentElement.scrollWidth, client, wide };
  });
  assert.ok(w.scroll <= w.client, `${what} scrolls sideways at 390 px: ${JSON.stringify(w)}`);
}

/** An IANA zone in which `at` is 03:xx local time (Etc/GMT-N is UTC+N). */
function zoneWhereItIsThreeAm(at: number): string {
  let offset = (((3 - new Date(at).getUTCHours()) % 24) + 24) % 24;
  if (offset > 14) offset -= 24;
  return offset === 0 ? 'Etc/GMT' : offset > 0 ? `Etc/GMT-${offset}` : `Etc/GMT+${-offset}`;
}

for (const engine of ENGINES)
  describe(`people health pages (${engine})`, () => {
    let muster: TestMuster;
    let browser: Browser;
    const NOW = Date.now();
    const clock = new FakeClock(NOW - 10 * DAY);
    const ids = { quiet: '', team: '', teamSlug: '', svc: '', ledger: '', schedule: '', ana: '', bo: '', me: '' };
    let myName = '';

    const ok = <T>(r: { status: number; body: T }, what: string): T => {
      assert.ok(r.status >= 200 && r.status < 300, `${what}: HTTP ${r.status} ${JSON.stringify(r.body)}`);
      return r.body;
    };

    before(async () => {
      mkdirSync(SHOTS, { recursive: true });
      muster = await startTestMuster(engine, {}, { clock });
      browser = await launchBrowser();
      const api = muster.api;
      const me = ok(await api<{ id: string; name: string; email: string }>('GET', '/api/me'), 'me');
      ids.me = me.id;
      myName = me.name || me.email;
      const team = ok(await api<{ id: string; slug: string }>('POST', '/api/teams', { name: 'Payments' }), 'team');
      ids.team = team.id;
      ids.quiet = ok(await api<{ id: string }>('POST', '/api/teams', { name: 'Quiet' }), 'quiet team').id;
      ids.teamSlug = team.slug;
      const pagedAt = NOW - HOUR;
      const user = async (email: string, name: string, timezone: string) => {
        const u = ok(
          await api<{ user: { id: string } }>('POST', '/api/users', { email, name, timezone }),
          `user ${name}`,
        ).user.id;
        ok(await api('PUT', `/api/teams/${ids.team}/members/${u}`, { role: 'responder' }), `member ${name}`);
        return u;
      };
      ids.ana = await user('ana@example.test', 'Ana Alves', zoneWhereItIsThreeAm(pagedAt));
      ids.bo = await user('bo@example.test', 'Bo Berg', 'UTC');
      await user('cy@example.test', 'Cy Costa', 'UTC');
      // The team works every day, so the morning after a night page is always a working morning.
      ok(await api('PUT', `/api/teams/${ids.team}/people-settings`, { workDays: [1, 2, 3, 4, 5, 6, 7] }), 'settings');

      // Ana's turn of "Payments primary" runs from yesterday 00:00 UTC for a week; Bo is the other participant.
      const schedule = ok(
        await api<{ id: string }>('POST', '/api/schedules', {
          teamId: ids.team,
          name: 'Payments primary',
          timezone: 'UTC',
          layers: [
            {
              name: 'Weekly',
              participants: [ids.ana, ids.bo],
              turn: { unit: 'weeks', count: 1 },
              startDate: new Date(NOW - DAY).toISOString().slice(0, 10),
              handoffTime: '00:00',
            },
          ],
        }),
        'schedule',
      );
      ids.schedule = schedule.id;
      const policy = ok(
        await api<{ id: string }>('POST', '/api/escalation-policies', {
          teamId: ids.team,
          name: 'Payments',
          repeat: 0,
          workingHours: { timezone: 'UTC', days: [1, 2, 3, 4, 5], start: '09:00', end: '17:00' },
          levels: [{ delayMinutes: 5, targets: [{ type: 'schedule', id: ids.schedule }] }],
        }),
        'policy',
      );
      ids.svc = ok(
        await api<{ id: string }>('POST', '/api/services', { name: 'Payments API', teamId: ids.team }),
        'svc',
      ).id;
      ok(await api('PATCH', `/api/services/${ids.svc}`, { escalationPolicyId: policy.id }), 'policy on svc');
      ids.ledger = ok(
        await api<{ id: string }>('POST', '/api/services', { name: 'Ledger', teamId: ids.team }),
        'ledger',
      ).id;

      // Seven incidents of Payments API on seven days, each declared and resolved by the admin 30 minutes later.
      const incidents: string[] = [];
      for (let d = 0; d < 7; d++) {
        clock.set(NOW - (9 - d) * DAY);
        const severity = d === 0 ? 'P1' : 'P3';
        const id = ok(
          await api<{ incident: { id: string } }>('POST', '/api/incidents', {
            title: `Card payments failing #${d + 1}`,
            severity,
            serviceIds: [ids.svc],
          }),
          `declare ${d}`,
        ).incident.id;
        incidents.push(id);
        ok(await api('PUT', `/api/incidents/${id}/roles/ic`, { userId: ids.me }), 'ic');
        if (severity === 'P1') {
          const refused = await api('PUT', `/api/incidents/${id}/roles/cl`, { userId: ids.me });
          assert.equal(refused.status, 409, 'a P1 needs distinct roles');
          ok(
            await api('PUT', `/api/incidents/${id}/roles/cl`, {
              userId: ids.me,
              overrideReason: 'Alone on a Sunday night',
            }),
            'override',
          );
        }
        clock.advance(30 * MINUTE);
        ok(await api('POST', `/api/incidents/${id}/status`, { status: 'resolved' }), `resolve ${d}`);
      }

      // Ana is paged an hour ago (03:00 her time) through the integration; the admin acknowledges and resolves.
      const key = ok(
        await api<{ key: string }>('POST', `/api/services/${ids.svc}/integration-keys`, { source: 'generic' }),
        'key',
      ).key;
      clock.set(pagedAt);
      const fired = ok(
        await api<{ alerts: { alertId: string }[] }>(
          'POST',
          `/integrations/generic/${key}`,
          { status: 'firing', dedupKey: 'night', title: 'Card processor timeouts', severity: 'critical' },
          null,
        ),
        'fire',
      );
      const alertId = fired.alerts[0]!.alertId;
      muster.muster.services.runner?.wake();
      await until('the night page', async () => {
        const v = await api<{ log: { kind: string }[] }>('GET', `/api/alerts/${alertId}/escalation`);
        return v.status === 200 && v.body.log.some((l) => l.kind === 'paged');
      });
      clock.set(pagedAt + 5 * MINUTE);
      ok(await api('POST', `/api/alerts/${alertId}/acknowledge`, {}), 'ack');
      clock.set(pagedAt + 20 * MINUTE);
      ok(await api('POST', `/api/alerts/${alertId}/resolve`, { classification: 'actionable' }), 'resolve alert');

      // The admin answers the pulse of all seven: 7 answers this quarter (at least 5: shown).
      clock.set(NOW);
      for (const id of incidents)
        ok(await api('POST', `/api/incidents/${id}/pulse`, { safe: 4, calm: 3, roleClear: 5 }), 'pulse');
      clock.set(Date.now());
    });
    after(async () => {
      await browser?.close();
      await muster?.stop();
    });

    test('/people: a flagged hero with the reason and the incidents behind it, knowledge, recovery cover, services', async () => {
      const { page, errors } = await openPage(browser);
      await signIn(page, muster.url, '/people');
      await page.goto(`${muster.url}/people?teamId=${ids.team}`);
      await page.getByRole('heading', { name: 'People health', exact: true }).waitFor();

      // Heroes: the admin responded to all 7 incidents (100% of the team's 7; the median is 0).
      const reasons = page.getByTestId('hero-reasons');
      await reasons.waitFor();
      const reasonText = (await reasons.textContent()) ?? '';
      assert.match(reasonText, new RegExp(myName.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')));
      assert.match(reasonText, /Responded to 7 incidents: 100% of the team's 7/);
      const row = page.locator(`tr[data-user-id="${ids.me}"]`);
      await row.getByTestId('hero-incidents').click();
      const items = page.getByTestId('hero-items');
      await items.getByText('Card payments failing #7').waitFor();
      assert.equal(await items.locator('tbody tr').count(), 7);
      await page.getByRole('heading', { name: 'Thresholds' }).waitFor();
      await page.screenshot({ path: `${SHOTS}/people-heroes-desktop.png`, fullPage: true });

      // The thresholds, as a team admin: from 10 of a measure, 7 incidents and 8 roles flag nobody; back to 5.
      const setMinimum = async (n: number) => {
        await page.locator('#ps-hero-min').fill(String(n));
        await page.getByRole('button', { name: 'Save thresholds' }).click();
        await page
          .getByTestId('thresholds-text')
          .filter({ hasText: `load (from ${n})` })
          .waitFor();
      };
      await page.getByText('Change the thresholds').click();
      await page.locator('#ps-hero-share').fill('none');
      await page.getByRole('button', { name: 'Save thresholds' }).click();
      await page.getByText('A percentage from 5 to 100').waitFor();
      await page.locator('#ps-hero-share').fill('33.3');
      await setMinimum(10);
      await page.getByTestId('heroes-none').waitFor();
      const saved = ok(
        await muster.api<{ heroMinCount: number; saved: boolean }>('GET', `/api/teams/${ids.team}/people-settings`),
        'settings',
      );
      assert.equal(saved.heroMinCount, 10);
      await page.screenshot({ path: `${SHOTS}/people-thresholds-desktop.png`, fullPage: true });
      await setMinimum(5);
      await page.getByTestId('hero-reasons').waitFor();

      // Knowledge: Payments API depends on the admin, with the three remedies as links.
      await page.getByRole('tab', { name: 'Knowledge' }).click();
      const flag = page.locator(`[data-testid="knowledge-flag"][data-service-id="${ids.svc}"]`);
      await flag.waitFor();
      assert.match((await flag.textContent()) ?? '', /handled 7 of its 7 incidents \(100%\)/);
      assert.equal(
        await flag.locator('a[data-remedy="write_runbook"]').getAttribute('href'),
        `/runbooks/new?serviceId=${ids.svc}`,
      );
      assert.equal(
        await flag.locator('a[data-remedy="add_shadow"]').getAttribute('href'),
        `/oncall/schedules/${ids.schedule}`,
      );
      assert.equal(await flag.locator('a[data-remedy="pair_next"]').getAttribute('href'), `/teams/${ids.teamSlug}`);
      assert.match(page.url(), /tab=knowledge/);
      await page.screenshot({ path: `${SHOTS}/people-knowledge-desktop.png`, fullPage: true });

      // Load & recovery: Ana's morning is recovery; Bo is proposed; the button makes the override.
      await page.getByRole('tab', { name: 'Load & recovery' }).click();
      const rec = page.locator(`[data-testid="recovery-table"] tr[data-user-id="${ids.ana}"]`);
      await rec.waitFor();
      assert.match((await rec.textContent()) ?? '', /Bo Berg covers Payments primary/);
      await page.getByTestId('load-table').waitFor();
      await page.screenshot({ path: `${SHOTS}/people-load-desktop.png`, fullPage: true });
      await rec.getByTestId('cover-button').click();
      const made = rec.getByTestId('cover-made');
      await made.waitFor();
      assert.match((await made.textContent()) ?? '', /Covered: Bo Berg is on call for Ana Alves on Payments primary/);
      const overrides = ok(
        await muster.api<{ overrides: { userId: string; start: string; end: string }[] }>(
          'GET',
          `/api/schedules/${ids.schedule}/overrides?from=${new Date(NOW - DAY).toISOString()}&to=${new Date(NOW + 3 * DAY).toISOString()}`,
        ),
        'overrides',
      ).overrides;
      assert.equal(overrides.length, 1);
      assert.equal(overrides[0]!.userId, ids.bo);
      assert.equal(new Date(overrides[0]!.end).getTime() - new Date(overrides[0]!.start).getTime(), 4 * HOUR);
      await page.screenshot({ path: `${SHOTS}/people-load-covered-desktop.png`, fullPage: true });

      // Services: Payments API (no runbook, one person knows it) ranks above Ledger.
      await page.getByRole('tab', { name: 'Services' }).click();
      const ranking = page.getByTestId('services-ranking');
      await ranking.waitFor();
      const rows = ranking.locator('tbody tr');
      assert.equal(await rows.count(), 2);
      assert.equal(await rows.nth(0).getAttribute('data-service-id'), ids.svc);
      assert.equal(
        await rows.nth(0).getByRole('link', { name: 'Payments API' }).getAttribute('href'),
        '/services/payments-api',
      );
      await page.screenshot({ path: `${SHOTS}/people-services-desktop.png`, fullPage: true });

      // 390 px: every tab fits.
      await page.setViewportSize({ width: 390, height: 844 });
      for (const [tab, shot] of [
        ['Heroes', 'people-heroes-390'],
        ['Knowledge', 'people-knowledge-390'],
        ['Load & recovery', 'people-load-390'],
        ['Services', 'people-services-390'],
      ] as const) {
        await page.getByRole('tab', { name: tab }).click();
        await page.locator('[role="tabpanel"] table, [role="tabpanel"] .empty').first().waitFor();
        await assertFits(page, `/people ${tab}`);
        await page.screenshot({ path: `${SHOTS}/${shot}.png`, fullPage: true });
      }
      // A team with nothing yet says what would make each figure appear.
      await page.setViewportSize({ width: 1280, height: 800 });
      await page.goto(`${muster.url}/people?teamId=${ids.quiet}`);
      await page.getByText(/Nobody in this team acknowledged a page/).waitFor();
      await page.getByRole('tab', { name: 'Knowledge' }).click();
      await page.getByText(/This team owns no services yet/).waitFor();
      await page.getByRole('tab', { name: 'Load & recovery' }).click();
      await page.getByText(/Nobody was on call for this team in the window/).waitFor();
      await page.getByText(/Nobody was paged in their sleep hours/).waitFor();
      await page.getByRole('tab', { name: 'Services' }).click();
      await page.getByText(/Give it a service on the Services page/).waitFor();
      assert.deepEqual(errors, []);
    });

    test('the team page panel and the Insights People tab', async () => {
      const { page, errors } = await openPage(browser);
      await signIn(page, muster.url, `/teams/${ids.teamSlug}`);
      const panel = page.getByTestId('team-people-panel');
      await panel.getByTestId('team-heroes').waitFor();
      assert.match((await panel.getByTestId('team-heroes').textContent()) ?? '', /Responded to 7 incidents/);
      assert.equal(
        await panel.getByRole('link', { name: 'People health of Payments' }).getAttribute('href'),
        `/people?teamId=${ids.team}&tab=heroes`,
      );
      // Recovery: Ana's morning, covered by the first test on this engine.
      await panel.locator(`tr[data-user-id="${ids.ana}"]`).waitFor();
      const ranking = page.getByTestId('services-ranking');
      await ranking.waitFor();
      assert.equal(await ranking.locator('tbody tr').first().getAttribute('data-service-id'), ids.svc);
      await page.screenshot({ path: `${SHOTS}/team-desktop.png`, fullPage: true });
      await page.setViewportSize({ width: 390, height: 844 });
      await assertFits(page, 'The team page');
      await page.screenshot({ path: `${SHOTS}/team-390.png`, fullPage: true });

      await page.setViewportSize({ width: 1280, height: 800 });
      await page.goto(`${muster.url}/insights/people?teamId=${ids.team}`);
      await page.getByRole('heading', { name: 'People', exact: true }).waitFor();
      await page
        .getByTestId('insights-hero-reasons')
        .getByText(/Responded to 7 incidents/)
        .waitFor();
      const pulse = page.getByTestId('insights-pulse');
      await pulse.waitFor();
      const quarter = `${new Date(NOW).getUTCFullYear()}-Q${Math.floor(new Date(NOW).getUTCMonth() / 3) + 1}`;
      const q = pulse.locator(`tr[data-quarter="${quarter}"]`);
      assert.match((await q.textContent()) ?? '', /7/);
      assert.match((await q.textContent()) ?? '', /4\.0.*3\.0.*5\.0/);
      assert.match((await pulse.textContent()) ?? '', /Not enough answers yet/);
      const overrides = page.getByTestId('role-overrides');
      await overrides.waitFor();
      assert.match((await overrides.locator('tbody tr').first().textContent()) ?? '', /Payments\s*1\s*1/);
      await page.getByText('Alone on a Sunday night').waitFor();
      await page.screenshot({ path: `${SHOTS}/insights-people-desktop.png`, fullPage: true });
      await page.setViewportSize({ width: 390, height: 844 });
      await assertFits(page, 'Insights People');
      await page.screenshot({ path: `${SHOTS}/insights-people-390.png`, fullPage: true });
      assert.deepEqual(errors, []);
    });
  });
