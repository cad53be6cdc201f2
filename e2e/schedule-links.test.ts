/**
 * Issue 14, items 5 and 6 in a real browser (Debian's Chromium) against an in-process server on SQLite:
 * - the link in a generated iCal event and in a hand-off summary opens the schedule's page (the old `/schedules/:id`
 *   shows "Page not found", which the test checks too, so it can tell the two apart);
 * - the schedule editor carries a layer's own time zone (follow the sun) to the API and back;
 * - "Who gets paged" on the service page lists each level's time and who it pages, at 390 px without sideways
 *   scrolling.
 * Needs web/dist: `npm run build:web` first.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type { Browser, Page } from 'playwright-core';
import { FakeClock } from '../src/shared/clock.js';
import { WebhookReceiver } from '../src/testing/notify.js';
import { startTestMuster, type TestMuster } from '../src/testing/server.js';
import { unfold } from '../src/oncall/ical.js';
import { launchBrowser, openPage, signIn } from './browser.js';
import { until } from '../src/testing/fixtures.js';

const HOUR = 3_600_000;

function ok<T>(r: { status: number; body: T }, what: string): T {
  assert.ok(r.status >= 200 && r.status < 300, `${what}: HTTP ${r.status} ${JSON.stringify(r.body)}`);
  return r.body;
}

describe('schedule links, layer zones and who gets paged in the browser', () => {
  let muster: TestMuster;
  let browser: Browser;
  // The real time, so the browser's session cookie is current; moved forward an hour at most.
  const clock = new FakeClock(Date.now());
  const hook = new WebhookReceiver();
  let teamId = '';
  let scheduleId = '';
  let layerId = '';
  const users: Record<string, string> = {};

  before(async () => {
    muster = await startTestMuster('sqlite', {}, { clock });
    browser = await launchBrowser();
    await hook.start();
    teamId = ok(
      await muster.api<{ id: string }>('POST', '/api/teams', { name: 'Platform', slug: 'platform' }),
      'team',
    ).id;
    for (const name of ['Ana Ops', 'Ben Ops']) {
      const id = ok(
        await muster.api<{ user: { id: string } }>('POST', '/api/users', {
          email: `${name.split(' ')[0]!.toLowerCase()}@example.test`,
          name,
        }),
        name,
      ).user.id;
      users[name] = id;
      ok(await muster.api('PUT', `/api/teams/${teamId}/members/${id}`, { role: 'responder' }), 'member');
      ok(
        await muster.api('POST', `/api/users/${id}/contact-methods`, { kind: 'webhook', address: hook.url }),
        'contact method',
      );
    }
    // Hourly turns from midnight UTC today: the next hand-off is at the next full hour.
    const today = new Date(clock.now()).toISOString().slice(0, 10);
    const s = ok(
      await muster.api<{ id: string; layers: { id: string }[] }>('POST', '/api/schedules', {
        teamId,
        name: 'Platform primary',
        timezone: 'UTC',
        layers: [
          {
            name: 'Hourly',
            participants: [users['Ana Ops'], users['Ben Ops']],
            turn: { unit: 'hours', count: 1 },
            startDate: today,
            handoffTime: '00:00',
          },
        ],
      }),
      'schedule',
    );
    scheduleId = s.id;
    layerId = s.layers[0]!.id;
  });

  after(async () => {
    await browser?.close();
    await muster?.stop();
    await hook.close();
  });

  /** The page a link opens, by the heading the web app shows for it. */
  async function headingAt(page: Page, url: string): Promise<string> {
    assert.equal(new URL(url).origin, new URL(muster.url).origin, `${url} is on this server`);
    await page.goto(url);
    // The schedule's name once it has loaded, or the web app's "Page not found".
    const h1 = page.locator('h1', { hasText: /^(Platform primary|Page not found)$/ });
    await h1.waitFor();
    return (await h1.textContent()) ?? '';
  }

  test('the iCal event link and the hand-off summary link open the schedule page', async () => {
    const feed = ok(await muster.api<{ url: string }>('POST', `/api/schedules/${scheduleId}/feed`), 'feed');
    const ics = await (await fetch(feed.url)).text();
    const eventUrl = unfold(ics)
      .find((l) => l.startsWith('URL:'))
      ?.slice(4);
    assert.ok(eventUrl, 'the feed has an event with a URL');

    const next = Math.ceil((clock.now() + 1) / HOUR) * HOUR;
    clock.set(next + 5_000);
    muster.muster.services.runner?.wake();
    const summary = await until('a hand-off summary', async () => {
      const bodies = hook.hits.map((h) => JSON.parse(h.body) as { subject?: string; url?: string | null });
      return bodies.find((b) => (b.subject ?? '').includes('Hand-off') && b.url);
    });

    const { context, page, errors } = await openPage(browser);
    await signIn(page, muster.url, '/oncall');
    assert.equal(await headingAt(page, eventUrl), 'Platform primary', `iCal link ${eventUrl}`);
    assert.equal(await headingAt(page, summary.url!), 'Platform primary', `hand-off link ${summary.url}`);
    // What the links used to be: the test tells a schedule page from "Page not found".
    assert.equal(await headingAt(page, `${muster.url}/schedules/${scheduleId}`), 'Page not found');
    assert.deepEqual(errors, []);
    await context.close();
  });

  test("the schedule editor sets a layer's own time zone, and clears it", async () => {
    const { context, page, errors } = await openPage(browser);
    await signIn(page, muster.url, `/oncall/schedules/${scheduleId}/edit`);
    const zone = page.getByLabel('Layer time zone');
    assert.equal(await zone.inputValue(), '', "empty: the schedule's zone");
    await zone.fill('America/New_York');
    await page.getByText('This layer hands off and keeps its restrictions in its own zone.').waitFor();
    await page.getByText('Local time in America/New_York.').waitFor();
    const saved = page.waitForResponse(
      (r) => r.request().method() === 'PATCH' && r.url().includes(`/layers/${layerId}`),
    );
    await page.getByRole('button', { name: 'Save schedule' }).click();
    assert.equal((await saved).status(), 200);
    await page.waitForURL((u) => u.pathname === `/oncall/schedules/${scheduleId}`);
    await page.getByText("America/New_York (the layer's own zone)").waitFor();
    const api = ok(
      await muster.api<{ layers: { timeZone: string | null }[] }>('GET', `/api/schedules/${scheduleId}`),
      'schedule',
    );
    assert.equal(api.layers[0]!.timeZone, 'America/New_York');

    await page.goto(`${muster.url}/oncall/schedules/${scheduleId}/edit`);
    await page.getByLabel('Layer time zone').fill('');
    const cleared = page.waitForResponse(
      (r) => r.request().method() === 'PATCH' && r.url().includes(`/layers/${layerId}`),
    );
    await page.getByRole('button', { name: 'Save schedule' }).click();
    assert.equal((await cleared).status(), 200);
    await page.waitForURL((u) => u.pathname === `/oncall/schedules/${scheduleId}`);
    const after = ok(
      await muster.api<{ layers: { timeZone: string | null }[] }>('GET', `/api/schedules/${scheduleId}`),
      'schedule',
    );
    assert.equal(after.layers[0]!.timeZone, null);
    assert.deepEqual(errors, []);
    await context.close();
  });

  test('who gets paged on the service page, at 390 px', async () => {
    const policy = ok(
      await muster.api<{ id: string }>('POST', '/api/escalation-policies', {
        teamId,
        name: 'Platform paging',
        repeat: 0,
        workingHours: { timezone: 'UTC', days: [1, 2, 3, 4, 5], start: '09:00', end: '17:00' },
        levels: [
          { delayMinutes: 15, targets: [{ type: 'schedule', id: scheduleId }] },
          { delayMinutes: 10, targets: [{ type: 'user', id: users['Ben Ops'] }] },
        ],
      }),
      'policy',
    );
    ok(
      await muster.api('POST', '/api/services', {
        name: 'Platform API',
        slug: 'platform-api',
        teamId,
        escalationPolicyId: policy.id,
      }),
      'service',
    );
    const { context, page, errors } = await openPage(browser, { width: 390, height: 844 });
    await signIn(page, muster.url, '/services/platform-api');
    const panel = page.locator('.card', { has: page.getByRole('heading', { name: 'Who gets paged' }) });
    const steps = panel.getByRole('list', { name: 'Pages in order' });
    // Right away, for now at high urgency: the schedule's on-call person, then Ben.
    await steps.locator('li[data-kind="page"]').nth(1).waitFor();
    assert.match((await steps.locator('li').nth(0).textContent()) ?? '', /Level 1.*pages (Ana|Ben) Ops/);
    assert.match((await steps.locator('li').nth(0).textContent()) ?? '', /on call in Platform primary/);
    assert.match((await steps.locator('li').nth(1).textContent()) ?? '', /Level 2.*pages Ben Ops/);

    // Low urgency on a Saturday night (in the viewer's zone, UTC for the admin): held until Monday 09:00.
    await panel.getByLabel(/Alert at/).fill('2026-12-12T03:00');
    await panel.getByLabel('Urgency').selectOption('low');
    await panel.getByRole('button', { name: 'Show who gets paged' }).click();
    await steps.locator('li[data-kind="hold"]').waitFor();
    assert.match((await steps.locator('li').nth(0).textContent()) ?? '', /Held.*paging starts at Mon 14 Dec, 09:00/);
    const width = await page.evaluate(() => ({
      scroll: document.documentElement.scrollWidth,
      inner: window.innerWidth,
    }));
    assert.ok(width.scroll <= width.inner, `no sideways scrolling at 390 px (${width.scroll} > ${width.inner})`);
    await page.screenshot({ path: '/tmp/muster-who-gets-paged.png', fullPage: false });
    assert.deepEqual(errors, []);
    await context.close();
  });
});
