/**
 * The Insights pages in a real browser, on both engines: /insights (response times) and /insights/recurrence over
 * three incidents made through the API under a fake clock and worked out by hand. Checks the figures, the chart, the
 * table and the CSV download, the drill-down to the incidents, the recurrence with "recurred after fix" and its chain,
 * and no sideways scrolling at 390 px. Screenshots go to /tmp/shots-insights/. Needs web/dist: `npm run build:web`.
 */
import assert from 'node:assert/strict';
import { mkdirSync, readFileSync } from 'node:fs';
import { after, before, describe, test } from 'node:test';
import { type Browser, type Page } from 'playwright-core';
import { browserTestEngines } from '../src/db/testing/index.js';
import { DAY, FakeClock, MINUTE, toIso } from '../src/shared/clock.js';
import { launchBrowser, openPage, signIn } from './browser.js';
import { startTestMuster, type TestMuster } from '../src/testing/server.js';

/** One engine for this browser file; MUSTER_E2E_ENGINES=both runs both (docs/adr/0012). */
const ENGINES = browserTestEngines('postgres');

const SHOTS = '/tmp/shots-insights';
const WEEK = 7 * DAY;
/** Monday 09:00 UTC, two to three weeks ago: the three incidents fall in one UTC week inside the last 30 days. */
const MONDAY = (() => {
  const today = new Date();
  const midnight = Date.UTC(today.getUTCFullYear(), today.getUTCMonth(), today.getUTCDate());
  const sinceMonday = (new Date(midnight).getUTCDay() + 6) % 7;
  return midnight - sinceMonday * DAY - 2 * WEEK + 9 * 3_600_000;
})();

const noSidewaysScroll = async (page: Page, what: string) => {
  const width = await page.evaluate(() => document.documentElement.scrollWidth);
  assert.ok(width <= 390, `${what} has no sideways scrolling at 390 px (${width} px)`);
};

const csvOf = async (page: Page, card: ReturnType<Page['locator']>): Promise<{ name: string; text: string }> => {
  const download = page.waitForEvent('download');
  await card.getByRole('button', { name: 'Download CSV' }).click();
  const d = await download;
  return { name: d.suggestedFilename(), text: readFileSync(await d.path(), 'utf8') };
};

for (const engine of ENGINES)
  describe(`insights pages (${engine})`, () => {
    let muster: TestMuster;
    let browser: Browser;
    const clock = new FakeClock(MONDAY);
    const ids = { a: '', b: '', c: '' };

    const ok = <T>(r: { status: number; body: T }, what: string): T => {
      assert.ok(r.status >= 200 && r.status < 300, `${what}: HTTP ${r.status} ${JSON.stringify(r.body)}`);
      return r.body;
    };

    before(async () => {
      mkdirSync(SHOTS, { recursive: true });
      muster = await startTestMuster(engine, {}, { clock });
      browser = await launchBrowser();
      const api = muster.api;
      const me = ok(await api<{ id: string }>('GET', '/api/me'), 'me').id;
      const team = ok(await api<{ id: string }>('POST', '/api/teams', { name: 'Shop' }), 'team').id;
      const checkout = ok(
        await api<{ id: string }>('POST', '/api/services', { teamId: team, name: 'Checkout, "EU"' }),
        'svc',
      );
      const declare = async (title: string, severity: string, impactMinutesBefore?: number) =>
        ok(
          await api<{ incident: { id: string } }>('POST', '/api/incidents', {
            title,
            severity,
            serviceIds: [checkout.id],
            ...(impactMinutesBefore !== undefined
              ? { impactStartedAt: toIso(clock.now() - impactMinutesBefore * MINUTE) }
              : {}),
          }),
          `declare ${title}`,
        ).incident.id;
      const status = async (id: string, s: string) =>
        ok(await api('POST', `/api/incidents/${id}/status`, { status: s }), s);

      // A (P1): impact 10 min before; mitigated after 30 min, resolved after 60. MTTD 10m, MTTM 30m, MTTR 1h.
      ids.a = await declare('Checkout returns 502s', 'P1', 10);
      clock.advance(30 * MINUTE);
      await status(ids.a, 'monitoring');
      clock.advance(30 * MINUTE);
      await status(ids.a, 'resolved');
      // Its one action item is done before C: C "recurred after fix".
      const item = ok(
        await api<{ id: string }>('POST', '/api/action-items', {
          incidentId: ids.a,
          title: 'Roll back bad deploys automatically',
          ownerUserId: me,
          teamId: team,
          dueAt: toIso(MONDAY + 30 * DAY),
        }),
        'action item',
      );
      clock.advance(3_600_000);
      ok(await api('PATCH', `/api/action-items/${item.id}`, { status: 'done' }), 'done');

      // B (P2), Tuesday: impact 20 min before; resolved after 30 min. MTTD 20m, MTTR 30m.
      clock.set(MONDAY + DAY);
      ids.b = await declare('Slow basket page', 'P2', 20);
      clock.advance(30 * MINUTE);
      await status(ids.b, 'resolved');

      // C (P1), Wednesday: no impact started (no MTTD); resolved after 2 h; linked as the same as A.
      clock.set(MONDAY + 2 * DAY);
      ids.c = await declare('Checkout returns 502s again', 'P1');
      ok(
        await api('POST', `/api/incidents/${ids.c}/links`, { relatedIncidentId: ids.a, note: 'same bad deploy' }),
        'link',
      );
      clock.advance(120 * MINUTE);
      await status(ids.c, 'resolved');

      // D, Thursday: a drill (left out unless asked for), resolved after 10 min.
      clock.set(MONDAY + 3 * DAY);
      const drill = ok(
        await api<{ incident: { id: string } }>('POST', '/api/incidents', {
          title: 'Game day: checkout failover',
          severity: 'P2',
          kind: 'drill',
          serviceIds: [checkout.id],
        }),
        'declare the drill',
      ).incident.id;
      clock.advance(10 * MINUTE);
      await status(drill, 'resolved');
      clock.set(Date.now());
    });
    after(async () => {
      await browser?.close();
      await muster?.stop();
    });

    test('response times: figures, chart, table and CSV, drill-down, at desktop width', async () => {
      const { page, errors, context } = await openPage(browser);
      await signIn(page, muster.url, '/insights');
      // MTTR: 1h, 30m, 2h → median 1h, p90 (nearest rank) 2h, over 3 incidents. MTTD: 10m, 20m → 15m, 20m, 2.
      await page.getByTestId('mttr-median').getByText('1h 00m').waitFor();
      assert.equal(await page.getByTestId('mttr-p90').textContent(), '2h 00m');
      assert.equal(await page.getByTestId('mttr-count').textContent(), '3 incidents');
      assert.equal(await page.getByTestId('mttd-median').textContent(), '15m 00s');
      assert.equal(await page.getByTestId('mttd-p90').textContent(), '20m 00s');
      assert.equal(await page.getByTestId('mttd-count').textContent(), '2 incidents');
      assert.equal(await page.getByTestId('mttm-median').textContent(), '30m 00s');

      const chart = page.getByRole('img', { name: 'Time to resolve by week: median and p90' });
      await chart.locator('canvas').first().waitFor();
      const card = page.locator('section.chart-card');
      await card.getByRole('button', { name: 'Show table' }).click();
      const table = card.getByTestId('chart-table');
      await table.waitFor();
      const weekRow = table.locator('tbody tr', { hasText: '1h 00m' });
      assert.equal(await weekRow.count(), 1, 'one week holds the three incidents');

      const csv = await csvOf(page, card);
      assert.equal(csv.name, 'mttr-by-week.csv');
      const lines = csv.text.split('\r\n');
      assert.equal(lines[0], 'Week of,Incidents,Median,p90,Median (seconds),p90 (seconds)');
      const monday = new Date(MONDAY).toISOString().slice(0, 10);
      assert.ok(lines.includes(`${monday},3,1h 00m,2h 00m,3600,7200`), csv.text);
      assert.ok(lines.length >= 5, 'every week of the last 90 days is a row');
      await page.screenshot({ path: `${SHOTS}/response-times-desktop.png`, fullPage: true });

      // The incidents behind MTTR, longest first; then only the P1s; then into one incident.
      const drill = page.getByTestId('response-drill');
      await drill.locator('tbody tr').nth(2).waitFor();
      assert.deepEqual(await drill.locator('tbody tr').evaluateAll((rows) => rows.map((r) => r.dataset.incidentId)), [
        ids.c,
        ids.a,
        ids.b,
      ]);
      const p1 = page.getByTestId('response-groups').locator('tbody tr', { hasText: 'P1' });
      await p1.getByRole('button', { name: 'Show incidents' }).click();
      await page.waitForURL((u) => u.searchParams.get('group') === 'P1');
      await drill.locator(`tr[data-incident-id="${ids.b}"]`).waitFor({ state: 'detached' });
      assert.equal(await drill.locator('tbody tr').count(), 2);
      // Each row links to its incident room (not opened here: the room's live stream is the room tests' to check).
      const link = drill.getByRole('link', { name: 'Checkout returns 502s again' });
      assert.equal(await link.getAttribute('href'), `/incidents/${ids.c}`);

      // Drills count when asked for: MTTR over 10m, 30m, 1h, 2h → median 45m, 4 incidents; kept in the URL.
      await page.getByLabel('Include drills').check();
      await page.getByTestId('mttr-count').getByText('4 incidents').waitFor();
      assert.equal(await page.getByTestId('mttr-median').textContent(), '45m 00s');
      assert.equal(new URL(page.url()).searchParams.get('drills'), '1');

      // A custom window before the incidents: the empty state says how MTTD gets its data.
      await page.getByLabel('Window').selectOption('custom');
      await page.getByLabel('From', { exact: true }).fill(new Date(MONDAY - 3 * WEEK).toISOString().slice(0, 10));
      await page.getByLabel('To', { exact: true }).fill(new Date(MONDAY - 2 * WEEK).toISOString().slice(0, 10));
      await page.getByText('No incidents in this window').waitFor();
      await page.getByText('MTTD needs “Impact started”').waitFor();
      assert.deepEqual(errors, []);
      await context.close();
    });

    test('recurrence: rate, by service with CSV, the recurrence after fix and its chain', async () => {
      const { page, errors, context } = await openPage(browser);
      await signIn(page, muster.url, '/insights/recurrence');
      await page.getByTestId('recurrence-rate').getByText('33%').waitFor();
      assert.match((await page.getByTestId('recurrence-summary').textContent()) ?? '', /1 of 3 incidents/);
      // The rate over time comes first: the week of the three incidents, every week of the window, the current one
      // marked as unfinished.
      const overTime = page.locator('section.chart-card').first();
      await overTime.getByRole('img', { name: 'Recurrence rate over time' }).locator('canvas').first().waitFor();
      assert.match(
        (await overTime.getByTestId('chart-partial-note').textContent()) ?? '',
        /^Dashed: the week of .+ has not ended, so its figures are so far\.$/,
      );
      const weekly = await csvOf(page, overTime);
      assert.equal(weekly.name, 'recurrence-over-time.csv');
      const rows = weekly.text.split('\r\n');
      assert.equal(rows[0], 'Week of,Incidents,Recurring,Rate (%),Recurred after fix');
      assert.ok(rows.includes(`${new Date(MONDAY).toISOString().slice(0, 10)},3,1,33.3,1`), weekly.text);
      assert.ok(rows.length >= 14, 'every week of the last 90 days is a row, empty ones too');

      await page.getByRole('img', { name: 'Recurrence rate by service' }).getByText('Checkout').waitFor();
      const card = page.locator('section.chart-card', { hasText: 'Recurrence rate by service' });
      const csv = await csvOf(page, card);
      assert.equal(csv.name, 'recurrence-by-service.csv');
      assert.equal(
        csv.text,
        'Service,Incidents,Recurring,Rate (%),Recurred after fix\r\n"Checkout, ""EU""",3,1,33.3,1\r\n',
      );

      const item = page.getByTestId('recurrence-list').locator(`li[data-incident-id="${ids.c}"]`);
      await item.getByText('Recurred after fix').first().waitFor();
      await item.getByText('Linked by admin@example.test: same bad deploy').waitFor();
      await item.getByRole('button', { name: 'Show the chain' }).click();
      const chain = item.getByTestId('recurrence-chain');
      await chain.getByRole('link', { name: 'Checkout returns 502s', exact: true }).waitFor();
      await page.screenshot({ path: `${SHOTS}/recurrence-desktop.png`, fullPage: true });
      assert.deepEqual(errors, []);
      await context.close();
    });

    test('both pages at 390 px: no sideways scrolling', async () => {
      const { page, errors, context } = await openPage(browser, { width: 390, height: 844 });
      await signIn(page, muster.url, '/insights');
      await page.getByTestId('mttr-median').getByText('1h 00m').waitFor();
      await page.locator('[data-testid="time-chart"] canvas').first().waitFor();
      await page.getByRole('button', { name: 'Show table' }).click();
      await page.getByTestId('response-drill').locator('tbody tr').first().waitFor();
      await noSidewaysScroll(page, '/insights');
      await page.screenshot({ path: `${SHOTS}/response-times-390.png`, fullPage: true });

      await page.getByRole('navigation', { name: 'Insights' }).getByRole('link', { name: 'Recurrence' }).click();
      await page.getByTestId('recurrence-rate').getByText('33%').waitFor();
      await page.getByRole('button', { name: 'Show the chain' }).click();
      await page.getByTestId('recurrence-chain').locator('li').first().waitFor();
      // Every card's table (a shown one's button reads 'Hide table').
      const show = page.getByRole('button', { name: 'Show table' });
      for (let n = await show.count(); n > 0; n--) await show.first().click();
      await noSidewaysScroll(page, '/insights/recurrence');
      await page.screenshot({ path: `${SHOTS}/recurrence-390.png`, fullPage: true });
      assert.deepEqual(errors, []);
      await context.close();
    });
  });
