/**
 * The Paging, Learning, Responders and Alert quality insights pages in a real browser, on both engines, against a
 * server seeded through its API under a fake clock (three pages through real intake and escalation, two incidents
 * with an action item, judged alerts): each page shows a figure worked out by hand, a chart card's CSV downloads,
 * the paging drill-down lists a person's pages, and no page scrolls sideways at 390 px. Screenshots at desktop and
 * phone widths go to /tmp/shots-insights-b/. Needs web/dist: `npm run build:web` first.
 */
import assert from 'node:assert/strict';
import { mkdirSync, readFileSync } from 'node:fs';
import { after, before, describe, test } from 'node:test';
import type { Browser, Page } from 'playwright-core';
import { browserTestEngines } from '../src/db/testing/index.js';
import { systemActor } from '../src/identity/index.js';
import { FakeClock } from '../src/shared/clock.js';
import { startTestMuster, type TestMuster } from '../src/testing/server.js';
import { launchBrowser, openPage, signIn } from './browser.js';
import { until } from '../src/testing/fixtures.js';

/** One engine for this browser file; MUSTER_E2E_ENGINES=both runs both (docs/adr/0012). */
const ENGINES = browserTestEngines('sqlite');

const SHOTS = '/tmp/shots-insights-b';
const MINUTE = 60_000;
const DAY = 86_400_000;

/** The page is no wider than the viewport (nothing scrolls sideways). */
async function assertFits(page: Page, what: string): Promise<void> {
  // Charts follow their box with a ResizeObserver, a frame or two after the viewport changes.
  await page
    .waitForFunction(() => document.documentElement.scrollWidth <= document.documentElement.clientWidth, null, {
      timeout: 3_000,
    })
    .catch(() => undefined);
  const w = await page.evaluate(() => {
    const client = document.documentElement.clientWidth;
    // The innermost elements sticking out, to name the culprit when it fails.
    const wide = [...document.querySelectorAll<HTMLElement>('body *')]
      .filter((e) => e.getBoundingClientRect().right > client + 1)
      .filter((e) => ![...e.children].some((c) => c.getBoundingClientRect().right > client + 1))
      .slice(0, 5)
      .map((e) => `${e.tagName.toLowerCase()}.${e.className} ${Math.round(e.getBoundingClientRect().right)}`);
    return { scroll: document.documentElement.scrollWidth, client, wide };
  });
  assert.ok(w.scroll <= w.client, `${what} scrolls sideways at 390 px: ${JSON.stringify(w)}`);
}

/** Click a chart card's "Download CSV" and return the file's text. */
async function downloadCsv(page: Page, cardTitle: string): Promise<{ name: string; text: string }> {
  const card = page.locator('section.card', { has: page.getByRole('heading', { name: cardTitle, exact: true }) });
  const [download] = await Promise.all([
    page.waitForEvent('download'),
    card.getByRole('button', { name: 'Download CSV' }).click(),
  ]);
  const path = await download.path();
  return { name: download.suggestedFilename(), text: readFileSync(path, 'utf8') };
}

for (const engine of ENGINES)
  describe(`insights pages: paging, learning, responders, alert quality (${engine})`, () => {
    let muster: TestMuster;
    let browser: Browser;
    // The Monday two weeks before this one, at 10:00 UTC (a working hour on a weekday for a person in UTC): the pages
    // fall in the default 90 days, and everything up to t0 + 5 days in one week (Monday to Saturday), so the weekly
    // figures do not depend on the day the suite runs (from "ten days ago", the three pages split across two weeks
    // when it ran on a Tuesday).
    const today = Math.floor(Date.now() / DAY) * DAY;
    const mondayThisWeek = today - ((new Date(today).getUTCDay() + 6) % 7) * DAY;
    const t0 = mondayThisWeek - 14 * DAY + 10 * 60 * MINUTE;
    const clock = new FakeClock(t0);
    let anaId = '';
    let uncoordinatedId = '';

    before(async () => {
      mkdirSync(SHOTS, { recursive: true });
      muster = await startTestMuster(engine, {}, { clock });
      browser = await launchBrowser();
      const api = muster.api;
      const team = await api<{ id: string }>('POST', '/api/teams', { name: 'Payments' });
      const teamId = team.body.id;
      const ana = await api<{ user: { id: string } }>('POST', '/api/users', {
        email: 'ana@example.test',
        name: 'Ana Alves',
        timezone: 'UTC',
        password: 'a long enough password',
      });
      assert.equal(ana.status, 201, JSON.stringify(ana.body));
      anaId = ana.body.user.id;
      await api('PUT', `/api/teams/${teamId}/members/${anaId}`, { role: 'responder' });
      const schedule = await api<{ id: string }>('POST', '/api/schedules', {
        teamId,
        name: 'Payments primary',
        timezone: 'UTC',
        layers: [
          {
            name: 'Weekly',
            participants: [anaId],
            turn: { unit: 'weeks', count: 1 },
            startDate: new Date(t0 - 7 * DAY).toISOString().slice(0, 10),
            handoffTime: '09:00',
          },
        ],
      });
      assert.equal(schedule.status, 201, JSON.stringify(schedule.body));
      const policy = await api<{ id: string }>('POST', '/api/escalation-policies', {
        teamId,
        name: 'Payments',
        repeat: 0,
        workingHours: { timezone: 'UTC', days: [1, 2, 3, 4, 5], start: '09:00', end: '17:00' },
        levels: [{ delayMinutes: 5, targets: [{ type: 'schedule', id: schedule.body.id }] }],
      });
      assert.equal(policy.status, 201, JSON.stringify(policy.body));
      const svc = await api<{ id: string }>('POST', '/api/services', { name: 'Payments API', teamId });
      await api('PATCH', `/api/services/${svc.body.id}`, { escalationPolicyId: policy.body.id });
      const key = (
        await api<{ key: string }>('POST', `/api/services/${svc.body.id}/integration-keys`, { source: 'generic' })
      ).body.key;

      /** Fire an alert at `at`, wait for Ana's page, acknowledge it `ackAfter` minutes later (or never), resolve it with a judgement. */
      const page = async (
        at: number,
        dedupKey: string,
        ackAfter: number | null,
        classification: 'actionable' | 'false_positive',
      ) => {
        clock.set(at);
        const r = await api<{ alerts: { alertId: string }[] }>(
          'POST',
          `/integrations/generic/${key}`,
          { status: 'firing', dedupKey, title: `Card payments failing (${dedupKey})`, severity: 'critical' },
          null,
        );
        assert.equal(r.status, 200, JSON.stringify(r.body));
        const alertId = r.body.alerts[0]!.alertId;
        muster.muster.services.runner?.wake();
        await until(`the page for ${dedupKey}`, async () => {
          const v = await api<{ log: { kind: string }[] }>('GET', `/api/alerts/${alertId}/escalation`);
          return v.status === 200 && v.body.log.some((l) => l.kind === 'paged');
        });
        if (ackAfter !== null) {
          clock.set(at + ackAfter * MINUTE);
          const ack = await api('POST', `/api/alerts/${alertId}/acknowledge`, {});
          assert.equal(ack.status, 200, JSON.stringify(ack.body));
        }
        clock.set(at + 30 * MINUTE);
        const res = await api('POST', `/api/alerts/${alertId}/resolve`, { classification });
        assert.equal(res.status, 200, JSON.stringify(res.body));
      };
      // Two pages acknowledged after 3 minutes each (median 3m 00s), one never acknowledged; one judged noisy.
      await page(t0, 'first', 3, 'actionable');
      await page(t0 + DAY, 'second', 3, 'false_positive');
      await page(t0 + 2 * DAY, 'third', null, 'actionable');

      /** A P1 declared at `at`, mitigated 20 minutes later and resolved after 40. */
      const incident = async (at: number, title: string) => {
        clock.set(at);
        const r = await api<{ incident: { id: string } }>('POST', '/api/incidents', {
          title,
          severity: 'P1',
          serviceIds: [svc.body.id],
        });
        assert.equal(r.status, 201, JSON.stringify(r.body));
        const id = r.body.incident.id;
        clock.set(at + 20 * MINUTE);
        assert.equal((await api('POST', `/api/incidents/${id}/status`, { status: 'monitoring' })).status, 200);
        clock.set(at + 40 * MINUTE);
        assert.equal((await api('POST', `/api/incidents/${id}/status`, { status: 'resolved' })).status, 200);
        return id;
      };
      const first = await incident(t0 + 3 * DAY, 'Card payments down');
      await incident(t0 + 4 * DAY, 'Refunds stuck');
      // Three people act within 5 minutes on a P1 with no Incident Commander until minute 17: 12 minutes uncoordinated.
      const tokens: Record<string, string> = {};
      for (const who of ['Bo', 'Cai', 'Dee']) {
        const u = await api<{ user: { id: string } }>('POST', '/api/users', {
          email: `${who.toLowerCase()}@example.test`,
          name: who,
        });
        assert.equal(u.status, 201, JSON.stringify(u.body));
        await api('PUT', `/api/teams/${teamId}/members/${u.body.user.id}`, { role: 'responder' });
        tokens[who] = (
          await muster.muster.services.tokens.create(systemActor('test'), { userId: u.body.user.id, name: 'test' })
        ).token;
      }
      const t5 = t0 + 5 * DAY;
      clock.set(t5);
      const declared = await api<{ incident: { id: string } }>(
        'POST',
        '/api/incidents',
        { title: 'Checkout errors', severity: 'P1', serviceIds: [svc.body.id] },
        tokens.Bo,
      );
      assert.equal(declared.status, 201, JSON.stringify(declared.body));
      uncoordinatedId = declared.body.incident.id;
      for (const [minute, who] of [
        [2, 'Cai'],
        [5, 'Dee'],
      ] as const) {
        clock.set(t5 + minute * MINUTE);
        const n = await api('POST', `/api/incidents/${uncoordinatedId}/notes`, { text: `${who} looked` }, tokens[who]);
        assert.equal(n.status, 201, JSON.stringify(n.body));
      }
      clock.set(t5 + 17 * MINUTE);
      const ic = await api('PUT', `/api/incidents/${uncoordinatedId}/roles/commander`, { userId: anaId });
      assert.ok(ic.status < 300, JSON.stringify(ic.body));
      clock.set(t5 + 25 * MINUTE);
      assert.equal(
        (await api('POST', `/api/incidents/${uncoordinatedId}/status`, { status: 'monitoring' })).status,
        200,
      );
      clock.set(t5 + 40 * MINUTE);
      assert.equal((await api('POST', `/api/incidents/${uncoordinatedId}/status`, { status: 'resolved' })).status, 200);

      const item = await api('POST', '/api/action-items', {
        incidentId: first,
        title: 'Alert on the card processor timeout',
        ownerUserId: anaId,
      });
      assert.equal(item.status, 201, JSON.stringify(item.body));
      clock.set(Date.now());
    });
    after(async () => {
      await browser?.close();
      await muster?.stop();
    });

    test('paging: the figures, a CSV, the drill-down to Ana’s pages, at desktop and phone widths', async () => {
      const { page, errors } = await openPage(browser);
      await signIn(page, muster.url, '/insights/paging');
      await page.getByRole('heading', { name: 'Paging', exact: true }).waitFor();
      assert.equal(await page.getByTestId('paging-pages-total').textContent(), '3');
      assert.equal(await page.getByTestId('paging-tta-median').textContent(), '3m 00s');
      const csv = await downloadCsv(page, 'Pages per person');
      assert.equal(csv.name, 'paging-per-person.csv');
      const lines = csv.text.trim().split('\r\n');
      assert.match(lines[0]!, /^Person,Pages,Acknowledged,/);
      assert.match(lines[1]!, /^Ana Alves,3,2,/);
      await page.getByRole('button', { name: 'Pages of Ana Alves' }).click();
      const pages = page.getByTestId('paging-pages');
      await pages.waitFor();
      assert.equal(await pages.locator('tbody tr').count(), 3);
      await pages.getByText('not acknowledged').waitFor();
      await page.screenshot({ path: `${SHOTS}/paging-desktop.png`, fullPage: true });
      await page.setViewportSize({ width: 390, height: 844 });
      await assertFits(page, 'Paging');
      await page.screenshot({ path: `${SHOTS}/paging-390.png`, fullPage: true });
      assert.deepEqual(errors, []);
    });

    test('learning, responders and alert quality: a figure each, a CSV, no sideways scrolling at 390 px', async () => {
      const { page, errors } = await openPage(browser);
      await signIn(page, muster.url, '/insights/learning');
      await page.getByRole('heading', { name: 'Learning', exact: true }).waitFor();
      assert.equal(await page.getByTestId('learning-items-open').textContent(), '1');
      const learningCsv = await downloadCsv(page, 'Action items opened and closed');
      assert.match(learningCsv.text, /^Week of,Opened,Closed\r\n/);
      await page.screenshot({ path: `${SHOTS}/learning-desktop.png`, fullPage: true });

      await page.getByRole('link', { name: 'Responders', exact: true }).click();
      await page.getByRole('heading', { name: 'Responders', exact: true }).waitFor();
      assert.equal(await page.getByTestId('responders-total').textContent(), '3');
      assert.equal(await page.getByTestId('responders-uncoordinated').textContent(), '1');
      const list = page.getByTestId('responders-uncoordinated-list');
      assert.equal(await list.locator('tbody tr').count(), 1);
      await list.getByText('12m 00s').waitFor();
      const respondersCsv = await downloadCsv(page, 'Time to mitigate by number of responders');
      assert.match(respondersCsv.text, /^Severity,Responders,Incidents,Median to mitigate \(min\)/);
      assert.match(respondersCsv.text, /\r\nP1,1,2,20,/);
      await page.screenshot({ path: `${SHOTS}/responders-desktop.png`, fullPage: true });
      // Wait for the room's live stream to open before leaving: a stream request dropped while the server is still
      // setting it up leaves its timers running (seen on PostgreSQL, whose LISTEN takes a moment).
      const stream = page.waitForResponse((r) => r.url().includes(`/api/incidents/${uncoordinatedId}/stream`));
      await list.getByRole('link', { name: 'Checkout errors' }).click();
      await page.waitForURL((u) => u.pathname === `/incidents/${uncoordinatedId}`);
      await stream;
      await page.goBack();
      await page.getByRole('heading', { name: 'Responders', exact: true }).waitFor();

      await page.getByRole('link', { name: 'Alert quality', exact: true }).click();
      await page.getByRole('heading', { name: 'Alert quality', exact: true }).waitFor();
      assert.equal(await page.getByTestId('quality-noisy-share').textContent(), '33%');
      const qualityCsv = await downloadCsv(page, 'Noisy share over time');
      assert.match(qualityCsv.text, /^Week of,Alerts,Judged,Noisy,Noisy share \(%\)\r\n/);
      assert.match(qualityCsv.text, /\r\n\d{4}-\d{2}-\d{2},3,3,1,33\.3\r\n/);
      await page.getByRole('tab', { name: 'Services' }).click();
      await page.getByRole('heading', { name: 'Noisiest services' }).waitFor();
      await page.screenshot({ path: `${SHOTS}/alert-quality-desktop.png`, fullPage: true });

      await page.setViewportSize({ width: 390, height: 844 });
      for (const [path, title, shot] of [
        ['/insights/paging', 'Paging', 'paging-390-fresh'],
        ['/insights/learning', 'Learning', 'learning-390'],
        ['/insights/responders', 'Responders', 'responders-390'],
        ['/insights/alert-quality', 'Alert quality', 'alert-quality-390'],
      ] as const) {
        await page.goto(muster.url + path);
        await page.getByRole('heading', { name: title, exact: true }).waitFor();
        await page.locator('.ins-figures').waitFor();
        await assertFits(page, title);
        await page.screenshot({ path: `${SHOTS}/${shot}.png`, fullPage: true });
      }
      assert.deepEqual(errors, []);
    });
  });
