/**
 * The alert page's Paging section in a real browser at desktop size and at 390 × 844, on a real in-process server
 * (SQLite) whose pages go to local webhook receivers: who was paged on which channel and how it went, the next
 * level; escalate now (level 2 paged once), reassign to a person chosen by name, acknowledge and snooze; then
 * "Declare incident" from the alert, pre-filled with its title, service and the alert, another alert added with the
 * picker by typing part of its title. At 390 px nothing scrolls sideways and Acknowledge and Resolve are in the first
 * screen. Needs web/dist: `npm run build:web` first.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type { Browser, Page } from 'playwright-core';
import { launchBrowser, openPage, signIn } from './browser.js';
import { WebhookReceiver } from '../src/testing/notify.js';
import { startTestMuster, type TestMuster } from '../src/testing/server.js';
import { until } from '../src/testing/fixtures.js';

const VIEWPORTS = [
  { name: 'desktop', width: 1280, height: 900 },
  { name: 'phone', width: 390, height: 844 },
] as const;

function ok<T>(r: { status: number; body: T }, what: string): T {
  assert.ok(r.status >= 200 && r.status < 300, `${what}: HTTP ${r.status} ${JSON.stringify(r.body)}`);
  return r.body;
}

async function assertNoSideways(page: Page, what: string): Promise<void> {
  const f = await page.evaluate(() => ({ scroll: document.documentElement.scrollWidth, inner: window.innerWidth }));
  assert.ok(f.scroll <= f.inner, `${what} scrolls sideways: ${JSON.stringify(f)}`);
}

describe('web UI: an alert’s paging, its actions, and declaring an incident from it', () => {
  let muster: TestMuster;
  let browser: Browser;
  const hooks: Record<string, WebhookReceiver> = {};
  let key: string;
  let serviceId = '';

  const trigger = async (dedupKey: string, title: string): Promise<string> => {
    const r = await fetch(`${muster.url}/integrations/generic/${key}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ status: 'firing', dedupKey, title, severity: 'critical' }),
    });
    assert.equal(r.status, 200);
    return ((await r.json()) as { alerts: { alertId: string }[] }).alerts[0]!.alertId;
  };
  const pagesFor = (name: string, alertId: string): number =>
    hooks[name]!.hits.filter((h) => h.body.includes(alertId)).length;

  before(async () => {
    muster = await startTestMuster('sqlite');
    browser = await launchBrowser();
    const api = muster.api;
    const team = ok(await api<{ id: string }>('POST', '/api/teams', { name: 'Payments', slug: 'payments' }), 'team');
    const users: Record<string, string> = {};
    for (const [name, full] of [
      ['ana', 'Ana Lopez'],
      ['ben', 'Ben Okafor'],
      ['cy', 'Cy Tanaka'],
    ] as const) {
      hooks[name] = await new WebhookReceiver().start();
      users[name] = ok(
        await api<{ user: { id: string } }>('POST', '/api/users', {
          email: `${name}@example.test`,
          name: full,
          password: 'a long enough password',
        }),
        name,
      ).user.id;
      ok(await api('PUT', `/api/teams/${team.id}/members/${users[name]}`, { role: 'responder' }), 'member');
      ok(
        await api('POST', `/api/users/${users[name]}/contact-methods`, {
          kind: 'webhook',
          label: 'Phone bridge',
          address: hooks[name].url,
        }),
        'contact method',
      );
    }
    const policy = ok(
      await api<{ id: string }>('POST', '/api/escalation-policies', {
        teamId: team.id,
        name: 'Payments on call',
        repeat: 0,
        workingHours: { timezone: 'Europe/London', days: [1, 2, 3, 4, 5, 6, 7], start: '00:00', end: '23:59' },
        levels: [
          { delayMinutes: 30, targets: [{ type: 'user', id: users.ana }] },
          { delayMinutes: 30, targets: [{ type: 'user', id: users.ben }] },
        ],
      }),
      'policy',
    );
    const svc = ok(
      await api<{ id: string }>('POST', '/api/services', {
        name: 'Checkout',
        slug: 'checkout',
        teamId: team.id,
        escalationPolicyId: policy.id,
      }),
      'service',
    );
    serviceId = svc.id;
    // A viewer of the team: reads alerts, may act on none.
    const vic = ok(
      await api<{ user: { id: string } }>('POST', '/api/users', {
        email: 'vic@example.test',
        name: 'Vic Viewer',
        password: 'a long enough password',
      }),
      'vic',
    ).user.id;
    ok(await api('PUT', `/api/teams/${team.id}/members/${vic}`, { role: 'viewer' }), 'viewer');
    key = ok(
      await api<{ key: string }>('POST', `/api/services/${svc.id}/integration-keys`, { source: 'generic' }),
      'key',
    ).key;
  });

  after(async () => {
    await browser?.close();
    await muster?.stop();
    for (const h of Object.values(hooks)) await h.close();
  });

  for (const vp of VIEWPORTS) {
    test(`paging, escalate, reassign, snooze and declare from the alert (${vp.name}, ${vp.width} px)`, async () => {
      const alertId = await trigger(`pay-${vp.name}`, `Card payments failing (${vp.name})`);
      const otherId = await trigger(`refund-${vp.name}`, `Refunds slow (${vp.name})`);
      await until('ana paged', async () => pagesFor('ana', alertId) === 1);

      const { context, page, errors } = await openPage(browser, { width: vp.width, height: vp.height });
      await signIn(page, muster.url, `/alerts/${alertId}`);
      const paging = page.locator('section.card.paging, .card.paging').first();
      await paging.waitFor();
      // Who, how and how it went: the delivery turns "delivered" once the webhook answered.
      const pages = page.getByRole('list', { name: 'Pages sent' });
      await pages.getByText('Ana Lopez').waitFor();
      await pages.getByText('delivered').waitFor();
      await pages
        .getByText(/Webhook/)
        .first()
        .waitFor();
      await paging.getByText(/level 2 pages/).waitFor();
      await paging.getByText(/Ben Okafor/).waitFor();

      if (vp.width <= 430) {
        await assertNoSideways(page, 'the alert page');
        for (const name of [/^Acknowledge$/, /^Resolve…$/]) {
          const box = await page.getByRole('button', { name }).boundingBox();
          assert.ok(
            box && box.y + box.height <= vp.height && box.x + box.width <= vp.width,
            `${String(name)} ${JSON.stringify(box)}`,
          );
        }
      }

      await page.screenshot({ path: `/tmp/muster-alert-paging-${vp.name}-first-screen.png` });
      // Escalate now: level 2 (Ben) is paged at once, and once.
      await page.getByRole('button', { name: 'Escalate now to level 2' }).click();
      await pages.getByText('Ben Okafor').waitFor();
      await until('ben paged', async () => pagesFor('ben', alertId) === 1);

      // Reassign to Cy, chosen by typing part of the name.
      await page.getByRole('button', { name: 'Reassign…' }).click();
      const person = page.getByRole('combobox', { name: 'Person' });
      await person.fill('Tana');
      await page.getByRole('option', { name: /Cy Tanaka/ }).click();
      await page.getByRole('button', { name: 'Page Cy Tanaka instead' }).click();
      await paging.getByText('Reassigned to Cy Tanaka').waitFor();
      await until('cy paged', async () => pagesFor('cy', alertId) === 1);
      await pages.getByText('Cy Tanaka').waitFor();
      assert.equal(pagesFor('ben', alertId), 1, 'ben was paged once');

      // Acknowledge, then snooze for 15 minutes.
      await page.getByRole('button', { name: 'Acknowledge', exact: true }).click();
      await page.getByRole('button', { name: 'Snooze…' }).click();
      await page.getByLabel('Page again after').selectOption('15');
      await page.getByRole('button', { name: 'Snooze', exact: true }).click();
      await paging.getByText(/Snoozed until/).waitFor();
      await page.getByRole('list', { name: 'History' }).getByText('Snoozed', { exact: true }).waitFor();
      if (vp.width <= 430) await assertNoSideways(page, 'the alert page with its forms used');

      await page.screenshot({ path: `/tmp/muster-alert-paging-${vp.name}-alert.png`, fullPage: true });

      // Declare an incident from the alert: title, service and the alert pre-filled; add another alert by name.
      await page.getByRole('link', { name: 'Declare incident…' }).click();
      await page.waitForURL((u) => u.pathname === '/incidents/new' && u.searchParams.get('alert') === alertId);
      const title = page.getByLabel('Title');
      await until(
        'the title pre-filled',
        async () => (await title.inputValue()) === `Card payments failing (${vp.name})`,
      );
      await page.getByRole('list', { name: 'Affected services chosen' }).getByText('Checkout').waitFor();
      const chosenAlerts = page.getByRole('list', { name: 'Alerts chosen' });
      await chosenAlerts.getByText(`Card payments failing (${vp.name})`).waitFor();
      await page.getByRole('combobox', { name: 'Alerts' }).fill(`Refunds slow (${vp.name}`);
      await page.getByRole('option', { name: new RegExp(`Refunds slow \\(${vp.name}\\)`) }).click();
      await chosenAlerts.getByText(`Refunds slow (${vp.name})`).waitFor();
      if (vp.width <= 430) await assertNoSideways(page, 'the declare form');
      await page.getByRole('radio', { name: /P2/ }).check();
      await page.getByRole('button', { name: /^Declare P2 incident/ }).click();
      await page.waitForURL((u) => /^\/incidents\/inc_/.test(u.pathname));
      const incidentId = new URL(page.url()).pathname.split('/')[2]!;
      const d = ok(
        await muster.api<{ alerts: { id: string }[]; services: { name: string }[] }>(
          'GET',
          `/api/incidents/${incidentId}`,
        ),
        'incident',
      );
      assert.deepEqual(d.alerts.map((a) => a.id).sort(), [alertId, otherId].sort());
      assert.deepEqual(
        d.services.map((s) => s.name),
        ['Checkout'],
      );
      // The room links alerts and adds services by name too.
      await page.getByRole('list', { name: 'Affected services' }).getByText('Checkout').waitFor();
      await page.screenshot({ path: `/tmp/muster-alert-paging-${vp.name}.png`, fullPage: true });
      assert.deepEqual(errors, []);
      await context.close();
    });
  }
  for (const vp of VIEWPORTS) {
    test(`the service's Paging groups card changes how alerts share a page (${vp.name}, ${vp.width} px)`, async () => {
      const { context, page, errors } = await openPage(browser, { width: vp.width, height: vp.height });
      await signIn(page, muster.url, '/services/checkout');
      const card = page.locator('.card', { has: page.getByRole('heading', { name: 'Paging groups' }) });
      await card.getByRole('button', { name: 'Change paging groups' }).click();
      const form = card.getByRole('form', { name: 'Paging groups' });
      if (vp.name === 'desktop') {
        await form.getByLabel('Group alerts').selectOption('labels');
        await form.getByLabel('Labels').fill('cluster, namespace');
      } else {
        await form.getByLabel('Group alerts').selectOption('window');
        await form.getByLabel('Window (minutes)').fill('15');
      }
      if (vp.width <= 430) await assertNoSideways(page, 'the paging groups form');
      await form.getByRole('button', { name: 'Save paging groups' }).click();
      const expected =
        vp.name === 'desktop'
          ? 'Alerts with the same cluster, namespace share one page.'
          : 'Every alert within 15 minutes of a page joins it.';
      await card.getByText(expected).waitFor();
      // Saved, not only shown: a reload reads it back, and so does the API.
      await page.reload();
      await page
        .locator('.card', { has: page.getByRole('heading', { name: 'Paging groups' }) })
        .getByText(expected)
        .waitFor();
      const saved = ok(
        await muster.api<{ pagingGroups: { mode: string; labels: string[]; windowMinutes: number } }>(
          'GET',
          `/api/services/${serviceId}`,
        ),
        'service',
      ).pagingGroups;
      if (vp.name === 'desktop') assert.deepEqual([saved.mode, saved.labels], ['labels', ['cluster', 'namespace']]);
      else assert.deepEqual([saved.mode, saved.windowMinutes], ['window', 15]);
      assert.deepEqual(errors, []);
      await context.close();
    });
  }

  test('a team viewer reads the alert and is offered no action the API would refuse', async () => {
    const alertId = await trigger('pay-viewer', 'Card payments failing (viewer)');
    const { context, page, errors } = await openPage(browser, { width: 390, height: 844 });
    await signIn(page, muster.url, `/alerts/${alertId}`, 'vic@example.test', 'a long enough password');
    await page
      .getByRole('note')
      .getByText(/Acting on it needs the responder role/)
      .waitFor();
    // The page has loaded the paging view (the note says so); none of the actions is there.
    await page.getByRole('heading', { name: 'Paging', exact: true }).waitFor();
    for (const name of [/^Acknowledge$/, /^Resolve/, /^Escalate now/, /^Reassign/, /^Snooze/])
      assert.equal(await page.getByRole('button', { name }).count(), 0, `${String(name)} is offered to a viewer`);
    assert.equal(await page.getByRole('link', { name: 'Declare incident…' }).count(), 0);
    await assertNoSideways(page, 'the alert page for a viewer');
    assert.deepEqual(errors, []);
    await context.close();
  });
});
