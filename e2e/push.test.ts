/**
 * The installable app and push notifications in Debian's Chromium (issue 14, item 4): the manifest, the service
 * worker and the icons are served with their content types; the worker registers at scope / from the web app (no
 * CSP violation); a push message delivered to it (through the DevTools protocol, as a push service would) becomes a
 * notification with the page's title, text, tag and the Acknowledge and Resolve actions; and the acknowledge link
 * it carries acknowledges the alert without a session.
 *
 * What cannot run here: a real push subscription (headless Chromium has no push service to subscribe with; the
 * server side of sending is tested against a push-service stand-in in src/notify/webpush.int.test.ts), and a tap on
 * a notification's action (no API reaches the system notification UI), so the worker's notificationclick handler is
 * not exercised here.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { type Browser } from 'playwright-core';
import { pushPayload, type PushPayload } from '../src/notify/index.js';
import { startTestMuster, type TestMuster } from '../src/testing/server.js';
import { launchBrowser, openPage, signIn } from './browser.js';

let muster: TestMuster;
let browser: Browser;

interface ShownNotification {
  title: string;
  body: string;
  tag: string;
  requireInteraction: boolean;
  actions: { action: string; title: string }[];
  data: { url: string | null; links: { acknowledge: string; resolve: string } | null };
}

describe('installable app and push notifications', () => {
  before(async () => {
    muster = await startTestMuster('sqlite');
    browser = await launchBrowser();
  });
  after(async () => {
    await browser?.close();
    await muster?.stop();
  });

  test('serves the manifest, the service worker and the icons with their content types', async () => {
    const manifest = await fetch(`${muster.url}/manifest.webmanifest`);
    assert.equal(manifest.status, 200);
    assert.match(manifest.headers.get('content-type') ?? '', /^application\/manifest\+json/);
    const m = (await manifest.json()) as {
      name: string;
      start_url: string;
      display: string;
      theme_color: string;
      icons: { src: string; type: string; sizes: string }[];
    };
    assert.equal(m.name, 'Muster');
    assert.equal(m.start_url, '/');
    assert.equal(m.display, 'standalone');
    assert.ok(m.theme_color);
    assert.ok(m.icons.some((i) => i.sizes === '192x192') && m.icons.some((i) => i.sizes === '512x512'));
    for (const icon of m.icons) {
      const r = await fetch(muster.url + icon.src);
      await r.arrayBuffer();
      assert.equal(r.status, 200, icon.src);
      assert.equal(r.headers.get('content-type'), icon.type, icon.src);
    }
    const sw = await fetch(`${muster.url}/sw.js`);
    assert.equal(sw.status, 200);
    assert.match(sw.headers.get('content-type') ?? '', /^text\/javascript/);
    assert.equal(sw.headers.get('cache-control'), 'no-cache');
    assert.match(await sw.text(), /addEventListener\('push'/);
    // Signed out too: the sign-in page links the manifest.
    const index = await (await fetch(`${muster.url}/signin`)).text();
    assert.match(index, /<link rel="manifest" href="\/manifest.webmanifest"/);
  });

  test('the service worker registers and shows a pushed page as a notification whose acknowledge link works', async () => {
    const { context, page, errors } = await openPage(browser);
    await context.grantPermissions(['notifications'], { origin: muster.url });
    const cdp = await context.newCDPSession(page);
    const registrations: { registrationId: string; scopeURL: string; isDeleted: boolean }[] = [];
    cdp.on('ServiceWorker.workerRegistrationUpdated', (e: { registrations: typeof registrations }) => {
      registrations.push(...e.registrations);
    });
    await cdp.send('ServiceWorker.enable');

    await signIn(page, muster.url, '/profile/notifications');
    const worker = await page.evaluate(async () => {
      const reg = await navigator.serviceWorker.ready;
      return { scope: reg.scope, script: reg.active?.scriptURL ?? null };
    });
    assert.equal(worker.scope, `${muster.url}/`);
    assert.equal(worker.script, `${muster.url}/sw.js`);
    await page.getByRole('region', { name: 'Push on this device' }).waitFor();
    await page.getByRole('button', { name: 'Enable push on this device' }).waitFor();

    // A real alert and its signed links, in the payload the server would encrypt and send (src/notify/webpush.ts).
    const team = await muster.api<{ id: string }>('POST', '/api/teams', { name: 'Checkout' });
    const svc = await muster.api<{ id: string }>('POST', '/api/services', {
      name: 'Checkout API',
      teamId: team.body.id,
    });
    const key = await muster.api<{ key: string }>('POST', `/api/services/${svc.body.id}/integration-keys`, {
      source: 'generic',
    });
    const fired = await muster.api<{ alerts: { alertId: string }[] }>(
      'POST',
      `/integrations/generic/${key.body.key}`,
      { status: 'firing', title: 'Checkout errors', severity: 'critical' },
      null,
    );
    const alertId = fired.body.alerts[0]!.alertId;
    const me = await muster.api<{ id: string }>('GET', '/api/me');
    const links = muster.muster.services.actionLinks;
    const now = Date.now();
    const link = async (action: 'acknowledge' | 'resolve') =>
      (await links.create({ action, alertId, userId: me.body.id }, now)).url;
    const payload: PushPayload = pushPayload({
      subject: '[Muster] Checkout errors',
      body: 'CRITICAL on Checkout API: Checkout errors',
      url: `${muster.url}/alerts/${alertId}`,
      deliveryId: 'dlv_test',
      urgency: 'high',
      alertId,
      links: { acknowledge: await link('acknowledge'), resolve: await link('resolve') },
    });

    // The latest state of the registration at the app's scope (events repeat as it installs and activates).
    const reg = registrations.findLast((r) => r.scopeURL === `${muster.url}/`);
    assert.ok(reg && !reg.isDeleted, JSON.stringify(registrations));
    await cdp.send('ServiceWorker.deliverPushMessage', {
      origin: muster.url,
      registrationId: reg.registrationId,
      data: JSON.stringify(payload),
    });
    // page.waitForFunction treats the async predicate's promise as truthy and may settle on null: poll instead.
    const readShown = () =>
      page.evaluate(async (tag) => {
        const reg = await navigator.serviceWorker.ready;
        const [n] = await reg.getNotifications({ tag });
        return n
          ? {
              title: n.title,
              body: n.body,
              tag: n.tag,
              requireInteraction: n.requireInteraction,
              actions: (n as Notification & { actions: { action: string; title: string }[] }).actions.map((a) => ({
                action: a.action,
                title: a.title,
              })),
              data: n.data as ShownNotification['data'],
            }
          : null;
      }, alertId);
    // Chromium starts the stopped worker to deliver the push: on a busy 2-core CI machine that took over 5 s once.
    let n = await readShown();
    for (let i = 0; !n && i < 300; i++) {
      await new Promise((r) => setTimeout(r, 100));
      n = await readShown();
    }
    assert.ok(
      n,
      `the pushed page is shown as a notification within 30 s; registrations: ${JSON.stringify(registrations)}`,
    );
    assert.equal(n.title, 'Checkout errors');
    assert.match(n.body, /Checkout API/);
    assert.equal(n.tag, alertId, 'a re-page replaces it');
    assert.equal(n.requireInteraction, true, 'high urgency stays until acted on');
    assert.deepEqual(
      n.actions.map((a) => a.title),
      ['Acknowledge', 'Resolve'],
    );
    assert.equal(n.data.url, `${muster.url}/alerts/${alertId}`);

    // What the Acknowledge action does: POST the signed link, with no session (a fresh context has no cookie).
    const anonymous = await browser.newContext();
    const status = await (
      await anonymous.newPage()
    ).request.post(n.data.links!.acknowledge, {
      form: { confirm: '1' },
    });
    assert.equal(status.status(), 200);
    await anonymous.close();
    const alert = await muster.api<{ status: string }>('GET', `/api/alerts/${alertId}`);
    assert.equal(alert.body.status, 'acknowledged');

    // A payload that is not Muster's still shows something (a push must be visible), and nothing breaks.
    await cdp.send('ServiceWorker.deliverPushMessage', {
      origin: muster.url,
      registrationId: reg.registrationId,
      data: 'not json',
    });
    await page.waitForFunction(async () => {
      const reg = await navigator.serviceWorker.ready;
      return (await reg.getNotifications()).some((x) => x.title === 'Muster');
    });
    await page.screenshot({ path: '/tmp/muster-push-settings.png', fullPage: true });
    assert.deepEqual(errors, []);
    await context.close();
  });
});
