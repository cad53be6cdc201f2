/**
 * Phone first for what a responder needs at night (issue 14), in a real browser at 390 × 844 on both engines, with a
 * check at 360 and 430 px: the alert page, the one-click acknowledge page opened from a page's link, my on-call, the
 * incident room, sign-in and the alert list. For each: nothing scrolls sideways (the document is no wider than the
 * window) and the primary actions are in the first screen (their box within the first 844 px, without scrolling).
 * The navigation folds behind a Menu button that is itself in the first screen. Screenshots of the pages at 390 px go
 * to /tmp/shots-phone/. Needs web/dist: `npm run build:web` first.
 */
import assert from 'node:assert/strict';
import { mkdirSync } from 'node:fs';
import { after, before, describe, test } from 'node:test';
import type { Browser, Locator, Page } from 'playwright-core';
import { browserTestEngines } from '../src/db/testing/index.js';
import { launchBrowser, openPage, signIn } from './browser.js';
import { startTestMuster, type TestMuster } from '../src/testing/server.js';

/** One engine for this browser file; MUSTER_E2E_ENGINES=both runs both (docs/adr/0012). */
const ENGINES = browserTestEngines('postgres');

const SHOTS = '/tmp/shots-phone';
const HEIGHT = 844;
const WIDTHS = [360, 390, 430] as const;
const RUNBOOK = 'https://wiki.example.test/runbooks/checkout-errors-when-the-payment-provider-answers-slowly';
// Long words with nowhere to break: a label value, a dedup key, a URL. They must wrap, not widen the page.
const LONG_LABEL = 'checkout-api-7d9f8b6c5d-x2x9z.eu-west-1.compute.internal:9102/metrics/checkout_http_requests';

interface Seeded {
  meId: string;
  colleagueId: string;
  /** Stays triggered: its page keeps its Acknowledge and Resolve buttons. */
  alertId: string;
  /** The one the one-click links act on. */
  pagedAlertId: string;
  incidentId: string;
  scheduleId: string;
}

function ok<T>(r: { status: number; body: T }, what: string): T {
  assert.ok(r.status >= 200 && r.status < 300, `${what}: HTTP ${r.status} ${JSON.stringify(r.body)}`);
  return r.body;
}

async function seed(muster: TestMuster): Promise<Seeded> {
  const api = muster.api;
  const meId = ok(await api<{ id: string }>('GET', '/api/me'), 'me').id;
  const team = ok(await api<{ id: string }>('POST', '/api/teams', { name: 'Payments', slug: 'payments' }), 'team');
  const colleague = ok(
    await api<{ user: { id: string } }>('POST', '/api/users', {
      email: 'sam.ops@example.test',
      name: 'Sam Ops',
      password: 'a long enough password',
    }),
    'colleague',
  ).user.id;
  ok(await api('PUT', `/api/teams/${team.id}/members/${colleague}`, { role: 'responder' }), 'member');
  const scheduleId = ok(
    await api<{ id: string }>('POST', '/api/schedules', {
      teamId: team.id,
      name: 'Payments primary',
      timezone: 'Europe/Berlin',
      layers: [
        {
          name: 'Weekly',
          participants: [meId, colleague],
          turn: { unit: 'weeks', count: 1 },
          startDate: new Date(Date.now() - 86_400_000).toISOString().slice(0, 10),
          handoffTime: '00:00',
        },
      ],
    }),
    'schedule',
  ).id;
  // Paged through a policy, so the alert page has its paging to show (who, which channel, the levels).
  const policy = ok(
    await api<{ id: string }>('POST', '/api/escalation-policies', {
      teamId: team.id,
      name: 'Checkout escalation',
      repeat: 0,
      workingHours: { timezone: 'UTC', days: [1, 2, 3, 4, 5], start: '09:00', end: '17:00' },
      levels: [
        { delayMinutes: 5, targets: [{ type: 'schedule', id: scheduleId }] },
        { delayMinutes: 10, targets: [{ type: 'user', id: colleague }] },
      ],
    }),
    'policy',
  );
  ok(
    await api('POST', `/api/users/${meId}/contact-methods`, { kind: 'email', address: 'admin@example.test' }),
    'contact method',
  );
  const service = ok(
    await api<{ id: string }>('POST', '/api/services', {
      name: 'Checkout API',
      teamId: team.id,
      escalationPolicyId: policy.id,
    }),
    'service',
  );
  ok(
    await api('POST', '/api/runbooks', {
      teamId: team.id,
      title: 'Checkout errors: first steps',
      body: '# Checkout errors\n\nLook at the payment provider status first.',
      serviceIds: [service.id],
    }),
    'runbook',
  );
  const key = ok(
    await api<{ key: string }>('POST', `/api/services/${service.id}/integration-keys`, { source: 'generic' }),
    'key',
  ).key;
  const fire = async (title: string, extra: Record<string, unknown> = {}) => {
    const r = await fetch(`${muster.url}/integrations/generic/${key}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ status: 'firing', title, ...extra }),
    });
    assert.equal(r.status, 200, await r.clone().text());
    return ((await r.json()) as { alerts: { alertId: string }[] }).alerts[0]!.alertId;
  };
  const alertId = await fire('Checkout error rate above 5% on POST /api/checkout in eu-west-1', {
    dedupKey: `checkout/5xx/${LONG_LABEL}`,
    description:
      '7.2% of POST /api/checkout answered 5xx over the last 5 minutes. The payment provider answered slowly ' +
      `(p99 4.1 s) from ${LONG_LABEL}.`,
    severity: 'critical',
    labels: { service: 'checkout', region: 'eu-west-1', instance: LONG_LABEL },
    annotations: { runbook_url: RUNBOOK, dashboard: `https://grafana.example.test/d/${LONG_LABEL}` },
  });
  const pagedAlertId = await fire('Card authorisations slower than 2 s at the payment provider', {
    dedupKey: 'auth/latency',
    description: `p99 of card authorisations is 4.1 s (threshold 2 s), measured at ${LONG_LABEL}.`,
    severity: 'critical',
    annotations: { runbook_url: RUNBOOK },
  });
  for (let i = 1; i <= 3; i++) await fire(`Card authorisations slower than 2 s (${i})`, { dedupKey: `auth/${i}` });

  const incidentId = ok(
    await api<{ incident: { id: string } }>('POST', '/api/incidents', {
      title: 'Checkout returns errors for card payments',
      severity: 'P1',
      summary: `Card payments fail for about 7% of customers; the provider answers slowly from ${LONG_LABEL}.`,
      serviceIds: [service.id],
    }),
    'incident',
  ).incident.id;
  ok(await api('POST', `/api/incidents/${incidentId}/notes`, { text: `Restarted ${LONG_LABEL}; watching.` }), 'note');

  return { meId, colleagueId: colleague, alertId, pagedAlertId, incidentId, scheduleId };
}

interface Fit {
  scroll: number;
  inner: number;
  wide: string[];
}

/** How wide the document is against the window, and the innermost elements sticking out (to name a culprit). */
async function fit(page: Page): Promise<Fit> {
  return page.evaluate(() => {
    const inner = window.innerWidth;
    const wide = [...document.querySelectorAll<HTMLElement>('body *')]
      .filter((e) => e.getBoundingClientRect().right > inner + 1)
      .filter((e) => ![...e.children].some((c) => c.getBoundingClientRect().right > inner + 1))
      .slice(0, 6)
      .map((e) => `${e.tagName.toLowerCase()}.${String(e.className)} ${Math.round(e.getBoundingClientRect().right)}`);
    return { scroll: document.documentElement.scrollWidth, inner, wide };
  });
}

async function assertNoSideways(page: Page, what: string): Promise<void> {
  const f = await fit(page);
  assert.ok(f.scroll <= f.inner, `${what} scrolls sideways at ${f.inner} px: ${JSON.stringify(f)}`);
}

/** The element is shown and its whole box lies in the first screen, the page not scrolled. */
async function assertFirstScreen(page: Page, target: Locator, what: string): Promise<void> {
  await target.waitFor();
  const box = await target.boundingBox();
  const scrolled = await page.evaluate(() => [window.scrollX, window.scrollY]);
  assert.deepEqual(scrolled, [0, 0], `${what}: the page is not scrolled`);
  const vw = page.viewportSize()!.width;
  assert.ok(box, `${what} has a box`);
  assert.ok(
    box.y >= 0 && box.y + box.height <= HEIGHT && box.x >= 0 && box.x + box.width <= vw,
    `${what} is in the first screen at ${vw} px: ${JSON.stringify(box)}`,
  );
}

/** A fresh one-click link, as a page's email or SMS carries (the notify tests follow one from a real email). */
async function linkFor(muster: TestMuster, s: Seeded, action: 'acknowledge' | 'resolve'): Promise<string> {
  const link = await muster.muster.services.actionLinks.create(
    { action, alertId: s.pagedAlertId, userId: s.meId },
    Date.now(),
  );
  return link.url;
}

interface PhonePage {
  name: string;
  /** Opens the page and waits until what it loads later is there (so nothing moves after the measure). */
  open(page: Page): Promise<void>;
  /** The primary actions: each must be in the first screen. */
  primary(page: Page): [string, Locator][];
}

function phonePages(muster: TestMuster, s: Seeded): PhonePage[] {
  const main = (page: Page) => page.locator('main');
  return [
    {
      name: 'alert',
      async open(page) {
        await page.goto(`${muster.url}/alerts/${s.alertId}`);
        await page.getByRole('heading', { level: 1, name: /Checkout error rate above 5%/ }).waitFor();
        await page.getByRole('link', { name: 'Checkout errors: first steps' }).first().waitFor();
      },
      primary: (page) => [
        ['Acknowledge', main(page).getByRole('button', { name: 'Acknowledge', exact: true }).first()],
        [
          'Resolve',
          main(page)
            .getByRole('button', { name: /^Resolve/ })
            .first(),
        ],
      ],
    },
    {
      name: 'one-click',
      async open(page) {
        await page.goto(await linkFor(muster, s, 'acknowledge'));
        await page.getByRole('heading', { level: 1, name: /Card authorisations slower than 2 s/ }).waitFor();
      },
      primary: (page) => [
        ['Acknowledge', page.getByRole('button', { name: 'Acknowledge', exact: true })],
        ['Resolve', page.getByRole('button', { name: 'Resolve', exact: true })],
        ['the service', page.getByText('Checkout API', { exact: true })],
      ],
    },
    {
      name: 'my-oncall',
      async open(page) {
        await page.goto(`${muster.url}/me/oncall`);
        await page
          .getByRole('table', { name: 'My shifts' })
          .or(page.getByRole('list', { name: 'My shifts' }))
          .waitFor();
        await page.getByText('No swap requests.').waitFor();
      },
      primary: (page) => [
        ['the current shift', page.getByTestId('oncall-now-shift').first()],
        ['Ask someone to cover', page.getByRole('button', { name: 'Ask someone to cover' })],
      ],
    },
    {
      name: 'room',
      async open(page) {
        await page.goto(`${muster.url}/incidents/${s.incidentId}`);
        await page.getByRole('heading', { level: 1, name: 'Checkout returns errors for card payments' }).waitFor();
        await page
          .getByRole('list', { name: 'Timeline' })
          .getByText(/Restarted checkout-api/)
          .waitFor();
        await page.getByRole('heading', { name: 'First five minutes' }).waitFor();
      },
      primary: (page) =>
        ['Add a note', 'Post an update', 'Change status', 'Change severity'].map((name) => [
          name,
          page.getByRole('group', { name: 'Room actions' }).getByRole('button', { name }),
        ]),
    },
    {
      name: 'signin',
      async open(page) {
        await page.goto(`${muster.url}/signin`);
        await page.getByLabel('Email').waitFor();
      },
      primary: (page) => [
        ['Email', page.getByLabel('Email')],
        ['Password', page.getByLabel('Password')],
        ['Sign in', page.getByRole('button', { name: 'Sign in' })],
      ],
    },
    {
      name: 'alerts',
      async open(page) {
        await page.goto(`${muster.url}/alerts`);
        await page.getByRole('link', { name: /Checkout error rate above 5%/ }).waitFor();
      },
      primary: (page) => [
        ['the newest alert', page.getByRole('table', { name: 'Alerts' }).getByRole('link').first()],
        [
          'its Acknowledge',
          page.getByRole('table', { name: 'Alerts' }).getByRole('button', { name: 'Acknowledge' }).first(),
        ],
      ],
    },
  ];
}

/** Signed in (or not, for the sign-in page) at this width, the page opened, measured and its primary actions found. */
async function checkPage(page: Page, p: PhonePage, width: number, shot: boolean): Promise<void> {
  await p.open(page);
  await page.evaluate(() => document.fonts.ready.then(() => undefined));
  await assertNoSideways(page, `${p.name} at ${width} px`);
  for (const [what, target] of p.primary(page)) await assertFirstScreen(page, target, `${p.name}: ${what}`);
  if (shot) {
    await page.screenshot({ path: `${SHOTS}/${p.name}-${width}.png` });
    await page.screenshot({ path: `${SHOTS}/${p.name}-${width}-full.png`, fullPage: true });
  }
}

for (const engine of ENGINES)
  describe(`phone pages (${engine})`, () => {
    let muster: TestMuster;
    let browser: Browser;
    let s: Seeded;
    before(async () => {
      mkdirSync(SHOTS, { recursive: true });
      muster = await startTestMuster(engine);
      browser = await launchBrowser();
      s = await seed(muster);
    });
    after(async () => {
      await browser?.close();
      await muster?.stop();
    });

    for (const width of WIDTHS)
      test(`at ${width} × ${HEIGHT}: no sideways scrolling and the primary actions in the first screen`, async () => {
        const pages = phonePages(muster, s);
        const viewport = { width, height: HEIGHT };
        // Screenshots once, at 390 px on the first engine (the note shows them).
        const shot = width === 390 && engine === ENGINES[0];
        const signedOut = await openPage(browser, viewport);
        await checkPage(
          signedOut.page,
          pages.find((p) => p.name === 'signin')!,
          width,
          shot,
        );
        await checkPage(
          signedOut.page,
          pages.find((p) => p.name === 'one-click')!,
          width,
          shot,
        );
        assert.deepEqual(signedOut.errors, []);
        await signedOut.context.close();

        const { page, errors, context } = await openPage(browser, viewport);
        await signIn(page, muster.url, '/alerts');
        for (const p of pages.filter((x) => x.name !== 'signin' && x.name !== 'one-click')) {
          await checkPage(page, p, width, shot);
        }
        assert.deepEqual(errors, []);
        await context.close();
      });

    test('the pages around them fit 360 px too: summary, declare form, schedule, silences, incidents, service', async () => {
      const { page, errors, context } = await openPage(browser, { width: 360, height: HEIGHT });
      await signIn(page, muster.url, `/incidents/${s.incidentId}/summary`);
      const pages: [string, Locator][] = [
        [`/incidents/${s.incidentId}/summary`, page.getByRole('heading', { name: 'Customer impact' })],
        ['/incidents/new', page.getByLabel('Title')],
        [`/oncall/schedules/${s.scheduleId}`, page.getByRole('heading', { name: 'Add an override' })],
        ['/silences', page.getByRole('heading', { level: 1, name: 'Silences' })],
        ['/incidents', page.getByRole('link', { name: 'Checkout returns errors for card payments' })],
        ['/services/checkout-api', page.locator('dl.facts dd', { hasText: 'Checkout escalation' })],
      ];
      for (const [path, ready] of pages) {
        await page.goto(muster.url + path);
        await ready.first().waitFor();
        await assertNoSideways(page, path);
      }
      assert.deepEqual(errors, []);
      await context.close();
    });

    test('the one-click page acknowledges, then offers Resolve in the first screen, which resolves', async () => {
      const { page, errors, context } = await openPage(browser, { width: 390, height: HEIGHT });
      const url = await linkFor(muster, s, 'acknowledge');
      await page.goto(url);
      assert.equal(
        (await muster.api<{ status: string }>('GET', `/api/alerts/${s.pagedAlertId}`)).body.status,
        'triggered',
      );
      await page.getByRole('link', { name: 'Checkout errors: first steps' }).waitFor();
      await page.getByText(/p99 of card authorisations is 4\.1 s/).waitFor();
      await page.getByRole('button', { name: 'Acknowledge', exact: true }).click();
      await page.getByRole('heading', { level: 1, name: 'Acknowledged' }).waitFor();
      assert.equal(
        (await muster.api<{ status: string }>('GET', `/api/alerts/${s.pagedAlertId}`)).body.status,
        'acknowledged',
      );
      await assertNoSideways(page, 'the acknowledged page');
      const resolve = page.getByRole('button', { name: 'Resolve', exact: true });
      await assertFirstScreen(page, resolve, 'Resolve after acknowledging');
      if (engine === ENGINES[0]) await page.screenshot({ path: `${SHOTS}/one-click-acknowledged-390.png` });
      await resolve.click();
      await page.getByRole('heading', { level: 1, name: 'Resolved' }).waitFor();
      const alert = await muster.api<{ status: string; resolvedByLabel: string }>(
        'GET',
        `/api/alerts/${s.pagedAlertId}`,
      );
      assert.equal(alert.body.status, 'resolved');
      assert.match(alert.body.resolvedByLabel, /\(link\)$/);
      assert.deepEqual(errors, []);
      await context.close();
    });

    test('the navigation folds behind a Menu button that stays reachable; the room’s actions reach their controls', async () => {
      const { page, errors, context } = await openPage(browser, { width: 390, height: HEIGHT });
      await signIn(page, muster.url, `/incidents/${s.incidentId}`);
      const heading = page.getByRole('heading', { level: 1, name: 'Checkout returns errors for card payments' });
      await heading.waitFor();
      const menu = page.getByRole('button', { name: 'Menu' });
      await assertFirstScreen(page, menu, 'the Menu button');
      const nav = page.getByRole('navigation', { name: 'Main' });
      assert.equal(await nav.isVisible(), false, 'the 15 links are folded away');
      const top = (await heading.boundingBox())!.y;
      assert.ok(top < 160, `the page starts right under the top bar (its title at ${top} px)`);

      // The room's actions go to their controls and focus them.
      const actions = page.getByRole('group', { name: 'Room actions' });
      await actions.getByRole('button', { name: 'Add a note' }).click();
      await page.waitForFunction(() => document.activeElement?.id === 'note-text');
      await actions.getByRole('button', { name: 'Change status' }).click();
      await page.waitForFunction(() => !!document.activeElement?.closest('#status-control'));
      await actions.getByRole('button', { name: 'Post an update' }).click();
      await page.waitForFunction(() => document.activeElement?.id === 'update-message');

      // Far down the room the Menu button is still on screen (the top bar stays), and opens the menu there.
      await page.evaluate(() => window.scrollTo(0, document.documentElement.scrollHeight));
      await page.waitForFunction(() => window.scrollY > 1000);
      const box = (await menu.boundingBox())!;
      assert.ok(
        box.y >= 0 && box.y + box.height <= HEIGHT,
        `the Menu button on screen after scrolling: ${JSON.stringify(box)}`,
      );
      await menu.click();
      await nav.getByRole('link', { name: 'My on-call' }).waitFor();
      await assertNoSideways(page, 'the open menu');
      await page.getByRole('button', { name: 'Sign out' }).waitFor();
      if (engine === ENGINES[0]) await page.screenshot({ path: `${SHOTS}/menu-open-390.png` });
      await nav.getByRole('link', { name: 'My on-call' }).click();
      await page.waitForURL((u) => u.pathname === '/me/oncall');
      assert.equal(await nav.isVisible(), false, 'the menu folds again on the next page');
      assert.deepEqual(errors, []);
      await context.close();
    });

    test('my on-call: ask someone to cover the rest of the current shift', async () => {
      const { page, errors, context } = await openPage(browser, { width: 390, height: HEIGHT });
      await signIn(page, muster.url, '/me/oncall');
      const now = page.getByTestId('oncall-now-shift').first();
      await now.getByText('on call now').waitFor();
      await now.getByRole('button', { name: 'Ask someone to cover' }).click();
      const form = page.getByRole('form', { name: 'Ask for a swap' });
      await form.waitFor();
      assert.notEqual(await form.getByLabel(/^From/).inputValue(), '', 'the rest of the shift is filled in');
      assert.notEqual(await form.getByLabel(/^Until/).inputValue(), '');
      await form.getByLabel('Ask').selectOption({ label: 'Sam Ops <sam.ops@example.test>' });
      const sent = page.waitForResponse((r) => r.url().includes('/swaps') && r.request().method() === 'POST');
      await form.getByRole('button', { name: 'Send request' }).click();
      assert.equal((await sent).status(), 201);
      await page.getByText('Request sent.').waitFor();
      await assertNoSideways(page, 'my on-call with the request sent');
      const swaps = await muster.api<{ swaps: { targetUserId: string; status: string }[] }>(
        'GET',
        `/api/swaps?schedule=${s.scheduleId}`,
      );
      assert.deepEqual(
        swaps.body.swaps.map((w) => [w.targetUserId, w.status]),
        [[s.colleagueId, 'pending']],
      );
      assert.deepEqual(errors, []);
      await context.close();
    });
  });
