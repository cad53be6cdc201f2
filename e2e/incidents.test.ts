/**
 * The incident pages in a real browser (Debian's Chromium via playwright-core) against an in-process server:
 * a P1 is declared through the UI with the severity questionnaire, the three roles go to three different people
 * (the P1 warning disappears), the first-five-minutes checklist completes (acknowledge: a declaration without alerts;
 * assess severity: the questionnaire, then a confirmation with a reason; open the channel: opening the room; roles;
 * recent changes: checked and a suspect marked through the UI), and a note posted on one page appears live on a
 * second page viewing the same room, signed in as someone else. No chat tool is involved. On both engines (on
 * PostgreSQL the live path is the LISTEN/NOTIFY relay).
 * Finally the incident is published on the public status page with an update (through the API: the publishing UI
 * belongs to the status page pages) and the public page, GET /status without signing in, and
 * GET /api/public/status show it. Needs web/dist: `npm run build:web` first.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { type Browser } from 'playwright-core';
import { browserTestEngines } from '../src/db/testing/index.js';
import { launchBrowser, openPage, signIn } from './browser.js';
import { ADMIN_EMAIL, ADMIN_PASSWORD, startTestMuster, type TestMuster } from '../src/testing/server.js';
import { GithubStandIn } from '../src/testing/trackers.js';

/** One engine for this browser file; MUSTER_E2E_ENGINES=both runs both (docs/adr/0012). */
const ENGINES = browserTestEngines('postgres');

const PASSWORD = 'a long enough password';
/** The room's safety poll runs every 5 s: a note seen sooner than this came through the live stream. */
const LIVE_WITHIN_MS = 4_000;
const SCREENSHOT = '/tmp/muster-incident-room.png';

let muster: TestMuster;
let browser: Browser;

async function openSignedIn(email: string, password: string, path: string) {
  const opened = await openPage(browser, { width: 1360, height: 1000 });
  await signIn(opened.page, muster.url, path, email, password);
  return opened;
}

for (const engine of ENGINES)
  describe(`incident pages (${engine})`, () => {
    before(async () => {
      muster = await startTestMuster(engine);
      browser = await launchBrowser();
    });

    after(async () => {
      await browser?.close();
      await muster?.stop();
    });

    test('declare a P1, command it, and watch the room live from a second page', async () => {
      const mk = async (email: string, name: string) => {
        const r = await muster.api<{ user: { id: string } }>('POST', '/api/users', { email, name, password: PASSWORD });
        assert.equal(r.status, 201, JSON.stringify(r.body));
        return r.body.user.id;
      };
      const alice = await mk('alice.ic@example.test', 'Alice Ives');
      const bob = await mk('bob.tl@example.test', 'Bob Turner');
      const cara = await mk('cara.cl@example.test', 'Cara Lane');
      const team = await muster.api<{ id: string }>('POST', '/api/teams', { name: 'Payments', slug: 'payments' });
      assert.equal(team.status, 201, JSON.stringify(team.body));
      const svc = await muster.api<{ id: string }>('POST', '/api/services', { name: 'Checkout', teamId: team.body.id });
      assert.equal(svc.status, 201, JSON.stringify(svc.body));
      const change = await muster.api<{ id: string }>('POST', '/api/changes', {
        service: svc.body.id,
        summary: 'Deploy checkout v2.14.0',
        kind: 'deploy',
      });
      assert.equal(change.status, 201, JSON.stringify(change.body));

      const a = await openSignedIn(ADMIN_EMAIL, ADMIN_PASSWORD, '/incidents');
      const page = a.page;
      await page.getByText('No open incidents.').waitFor();
      await page.getByRole('link', { name: 'Declare incident' }).click();
      await page.waitForURL((u) => u.pathname === '/incidents/new');

      // The questionnaire proposes P1 from customer impact; the P1–P4 meanings are on the page in plain words.
      await page.getByText('Severity is customer impact, not how hard the problem is to fix.').waitFor();
      await page.getByText('Users cannot complete core workflows').first().waitFor();
      await page.getByLabel('Title').fill('Card payments fail at checkout');
      await page
        .getByRole('radiogroup', { name: 'Is data integrity at risk?' })
        .getByLabel('No', { exact: true })
        .check();
      await page
        .getByRole('radiogroup', { name: 'Can users complete core workflows?' })
        .getByLabel('No', { exact: true })
        .check();
      const proposal = page.getByTestId('severity-proposal');
      await proposal.getByText('Proposed: P1').waitFor();
      await proposal.getByText('Users cannot complete core workflows').waitFor();
      const declared = page.waitForResponse(
        (r) => r.request().method() === 'POST' && r.url().endsWith('/api/incidents'),
      );
      await page.getByRole('button', { name: 'Declare P1 incident' }).click();
      assert.equal((await declared).status(), 201);
      await page.waitForURL((u) => /^\/incidents\/[^/]+$/.test(u.pathname) && u.pathname !== '/incidents/new');
      const roomPath = new URL(page.url()).pathname;
      const incidentId = decodeURIComponent(roomPath.split('/')[2]!);

      // Header, and the room is open (joining it ticks "open the incident channel").
      await page.getByRole('heading', { name: 'Card payments fail at checkout' }).waitFor();
      assert.equal((await page.getByTestId('incident-severity').first().textContent())?.trim(), 'P1');
      await page.getByTestId('room-live').getByText('Live').waitFor();
      const step = (s: string) => page.locator(`.checklist [data-step="${s}"]`);
      for (const s of ['acknowledge', 'assess_severity', 'open_channel']) {
        await step(s)
          .and(page.locator('[data-done="true"]'))
          .getByText(/^Done /)
          .waitFor();
      }

      // Roles: the P1 warning stays until three different people hold the three roles.
      const warnings = page.getByTestId('role-warnings');
      await warnings.getByText('P1: assign an Incident Commander immediately.').waitFor();
      await page.getByLabel('Incident Commander').selectOption(alice);
      await page.getByLabel('Technical Lead').selectOption(bob);
      await warnings.getByText('Communications Lead not assigned').waitFor();
      // A P1 requires three different people: a second role for Alice asks for a reason first.
      await page.getByLabel('Communications Lead').selectOption(alice);
      const override = page.getByTestId('override-reason');
      await override.getByText('P1 needs three different people').waitFor();
      await override.getByRole('button', { name: 'Choose someone else' }).click();
      await page.getByLabel('Communications Lead').selectOption(cara);
      await warnings.waitFor({ state: 'detached' });
      await step('declare_roles').and(page.locator('[data-done="true"]')).waitFor();

      // Recent changes: the affected service's deploy, marked as the suspected cause through the UI.
      const linked = await muster.api('POST', `/api/incidents/${incidentId}/services`, { serviceId: svc.body.id });
      assert.equal(linked.status, 200, JSON.stringify(linked.body));
      await step('check_changes').getByRole('button', { name: 'Check recent changes' }).click();
      const changeRow = page.locator(`[data-change-id="${change.body.id}"]`);
      await changeRow.getByText('Deploy checkout v2.14.0').waitFor();
      await changeRow.getByRole('button', { name: 'Mark as suspected cause' }).click();
      await changeRow.getByText('suspected cause').waitFor();

      // Confirm the severity with a reason through the severity control.
      await page.getByRole('button', { name: 'Change severity' }).click();
      await page.getByLabel('Reason').fill('All card payments fail: revenue is down');
      await page.getByRole('button', { name: 'Confirm P1' }).click();
      await page
        .locator('[data-kind="severity_confirmed"]')
        .getByText('P1 confirmed: All card payments fail')
        .waitFor();
      await page.getByLabel('Reason').waitFor({ state: 'detached' });

      // The whole checklist is done, each step with its time.
      await page
        .getByTestId('checklist-progress')
        .getByText(/^All done in /)
        .waitFor();
      assert.equal(await page.locator('.checklist [data-done="true"]').count(), 5);
      const detail = await muster.api<{ checklist: { step: string; doneAt: string | null }[]; warnings: unknown[] }>(
        'GET',
        `/api/incidents/${incidentId}`,
      );
      assert.deepEqual(
        detail.body.checklist.filter((c) => !c.doneAt).map((c) => c.step),
        [],
      );
      assert.deepEqual(detail.body.warnings, []);
      await page.screenshot({ path: SCREENSHOT, fullPage: true });

      // A second viewer (Alice, in another browser) sees a note appear without reloading.
      const b = await openSignedIn('alice.ic@example.test', PASSWORD, roomPath);
      await b.page.getByTestId('room-live').getByText('Live').waitFor();
      const text = `Rolled back checkout to v2.13.9 at ${Date.now()}`;
      await page.getByRole('textbox', { name: 'Note' }).fill(text);
      const posted = page.waitForResponse((r) => r.request().method() === 'POST' && r.url().endsWith('/notes'));
      await page.getByRole('button', { name: 'Post note' }).click();
      assert.equal((await posted).status(), 201);
      const t0 = Date.now();
      await b.page.locator('.room-event-note').getByText(text).waitFor({ timeout: LIVE_WITHIN_MS });
      const seenAfterMs = Date.now() - t0;
      await page.locator('.room-event-note').getByText(text).waitFor();
      // The second page never navigated: the note came over the stream.
      assert.equal(new URL(b.page.url()).pathname, roomPath);
      console.log(`note seen on the second page ${seenAfterMs} ms after the POST answered`);

      // Both viewers are recorded as having joined the room.
      const after = await muster.api<{ participants: { userId: string }[] }>('GET', `/api/incidents/${incidentId}`);
      assert.ok(after.body.participants.some((p) => p.userId === alice));

      // The list shows it under the P1 filter.
      await page.goto(`${muster.url}/incidents?severity=P1`);
      await page.locator(`[data-incident-id="${incidentId}"]`).getByText('Card payments fail at checkout').waitFor();

      // Publish it on the status page with an update; the public page shows it without signing in.
      const component = await muster.api<{ id: string }>('POST', '/api/status-page/components', {
        name: 'Payments',
        serviceIds: [svc.body.id],
      });
      assert.equal(component.status, 201, JSON.stringify(component.body));
      // The Communications Lead publishes from the incident room: public title, impact, the affected component and
      // its status, the first update; then a public update as the cause is found.
      await page.goto(`${muster.url}${roomPath}`);
      const publish = page.getByRole('form', { name: 'Publish on the status page' });
      await publish.getByLabel('Public title').fill('Card payments failing');
      await publish.getByLabel('Customer impact').fill('Card payments fail at checkout.');
      await publish.getByRole('checkbox', { name: 'Payments', exact: true }).check();
      await publish.getByLabel('Payments status').selectOption('major_outage');
      await publish.getByLabel('First update').fill('We are investigating failed card payments.');
      await publish.getByRole('button', { name: 'Publish' }).click();
      const update = page.getByRole('form', { name: 'Post a public update' });
      await update.getByLabel('Public status').selectOption('identified');
      await update.getByLabel('Public update').fill('We rolled back a faulty release; payments are recovering.');
      await update.getByRole('button', { name: 'Post public update' }).click();
      await page.getByTestId('public-status').getByText('identified').waitFor();
      const publication = await muster.api<{ publication: { components: { status: string }[] } }>(
        'GET',
        `/api/status-page/incidents/${incidentId}`,
      );
      assert.deepEqual(
        publication.body.publication.components.map((c) => c.status),
        ['major_outage'],
      );
      const pub = await muster.api<{ incidents: { title: string; status: string; updates: { message?: string }[] }[] }>(
        'GET',
        '/api/public/status',
        undefined,
        null,
      );
      assert.equal(pub.status, 200, JSON.stringify(pub.body));
      const shown = pub.body.incidents.find((i) => i.title === 'Card payments failing');
      assert.ok(shown, JSON.stringify(pub.body.incidents));
      assert.equal(shown.status, 'identified');
      const publicContext = await browser.newContext();
      const publicPage = await publicContext.newPage();
      await publicPage.goto(`${muster.url}/status`);
      await publicPage.getByText('Card payments failing').first().waitFor();
      await publicPage.getByText('We rolled back a faulty release; payments are recovering.').first().waitFor();
      // Subscribe from the page to one component only: the form's checkbox, then the confirmation page.
      await publicPage.getByLabel('Email address').fill('payments-watcher@example.test');
      await publicPage.getByRole('checkbox', { name: 'Payments', exact: true }).check();
      await publicPage.getByRole('button', { name: 'Subscribe' }).click();
      await publicPage.getByText('Check your email').waitFor();
      const subs = await muster.api<{ subscribers: { address: string; componentIds: string[] }[] }>(
        'GET',
        '/api/status-page/subscribers?status=pending',
      );
      assert.deepEqual(subs.body.subscribers.find((s) => s.address === 'payments-watcher@example.test')?.componentIds, [
        component.body.id,
      ]);
      await publicContext.close();

      // Setting up the status page in the web UI: add a component, set its status, see who follows what.
      await page.goto(`${muster.url}/status-page`);
      const componentsTable = page.getByRole('table', { name: 'Components' });
      await componentsTable.getByText('Payments').waitFor();
      await page.getByLabel('New component').fill('Website');
      await page.getByRole('button', { name: 'Add component' }).click();
      await componentsTable.getByText('Website').waitFor();
      const patched = page.waitForResponse((r) => r.request().method() === 'PATCH');
      await page.getByLabel('Website status').selectOption('degraded_performance');
      assert.equal((await patched).status(), 200);
      const listed = await muster.api<{ components: { name: string; status: string }[] }>(
        'GET',
        '/api/status-page/components',
      );
      assert.equal(listed.body.components.find((c) => c.name === 'Website')?.status, 'degraded_performance');
      const watcher = page.getByRole('table', { name: 'Subscribers' }).getByRole('row', { name: /payments-watcher/ });
      await watcher.getByText('Payments', { exact: true }).waitFor();

      // The executive summary: one screen for someone who was not in the room.
      await page.goto(`${muster.url}/incidents/${incidentId}/summary`);
      const whoIsOnIt = page.locator('.card').filter({ hasText: 'Who is on it' });
      await whoIsOnIt.getByText('Alice Ives').waitFor();
      await page.getByText('We rolled back a faulty release; payments are recovering.').first().waitFor();

      assert.deepEqual(a.errors, []);
      assert.deepEqual(b.errors, []);
      await b.context.close();
      await a.context.close();
    });

    test('findings, not noise, at 390 px: a hypothesis with who is on it, live on a second page, confirmed; the P3 leaves as a ticket', async () => {
      const github = await new GithubStandIn('ghp_e2e', ['acme/basket']).start();
      try {
        const dana = await muster.api<{ user: { id: string } }>('POST', '/api/users', {
          email: 'dana.sre@example.test',
          name: 'Dana Sato',
          password: PASSWORD,
        });
        const team = await muster.api<{ id: string }>('POST', '/api/teams', { name: 'Basket', slug: 'basket' });
        await muster.api('PUT', `/api/teams/${team.body.id}/members/${dana.body.user.id}`, { role: 'responder' });
        const svc = await muster.api<{ id: string }>('POST', '/api/services', {
          name: 'Basket API',
          teamId: team.body.id,
        });
        const tracker = await muster.api('PUT', `/api/teams/${team.body.id}/trackers/github`, {
          baseUrl: github.url,
          project: 'acme/basket',
          token: 'ghp_e2e',
          allowPrivateAddress: true,
        });
        assert.equal(tracker.status, 200, JSON.stringify(tracker.body));
        const declared = await muster.api<{ incident: { id: string } }>('POST', '/api/incidents', {
          title: 'Basket totals wrong',
          severity: 'P2',
          serviceIds: [svc.body.id],
        });
        const incidentId = declared.body.incident.id;
        const me = await muster.api<{ id: string }>('GET', '/api/me');
        await muster.api('PUT', `/api/incidents/${incidentId}/roles/technical_lead`, { userId: me.body.id });
        const roomPath = `/incidents/${incidentId}`;

        const phone = await openPage(browser, { width: 390, height: 844 });
        await signIn(phone.page, muster.url, roomPath, ADMIN_EMAIL, ADMIN_PASSWORD);
        const page = phone.page;
        const watcher = await openSignedIn('dana.sre@example.test', PASSWORD, roomPath);
        await watcher.page.getByTestId('room-live').getByText('Live').waitFor();
        await page.getByTestId('room-live').getByText('Live').waitFor();

        // A hypothesis from the phone: the owner is the author unless someone else is picked.
        const form = page.getByRole('form', { name: 'Add a hypothesis or finding' });
        await form.getByLabel('Type', { exact: true }).selectOption('hypothesis');
        await form.getByLabel('What', { exact: true }).fill('Currency rounding changed in v3.2');
        await form.getByLabel('Evidence link').fill('https://grafana.example/d/basket');
        await form.getByRole('button', { name: 'Add hypothesis' }).click();
        const open = page.getByTestId('open-hypotheses');
        await open.getByText('Currency rounding changed in v3.2').waitFor();
        await open.getByText('is on it').waitFor();
        const link = open.getByRole('link', { name: 'Evidence (grafana.example)' });
        assert.equal(await link.getAttribute('href'), 'https://grafana.example/d/basket');
        // The second viewer sees it, and who is on it, without reloading.
        const theirs = watcher.page.getByTestId('open-hypotheses');
        await theirs.getByText('Currency rounding changed in v3.2').waitFor({ timeout: LIVE_WITHIN_MS + 2_000 });
        await theirs.getByText('admin', { exact: false }).first().waitFor();
        assert.equal(await theirs.getByRole('button', { name: 'Confirm' }).count(), 0, 'only the owner, IC or TL');

        // The owner (and TL) confirms it: it becomes a finding, and the timeline filters to findings.
        await open.getByRole('button', { name: 'Confirm' }).click();
        await page.getByTestId('settled-entries').getByText('Currency rounding changed in v3.2').waitFor();
        await page.getByText('Nobody is chasing a hypothesis right now.').waitFor();
        await watcher.page.getByTestId('settled-entries').getByText('Currency rounding changed in v3.2').waitFor();
        await page.getByLabel('Show', { exact: true }).selectOption('finding');
        await page.locator('.room-events .room-event-finding').first().waitFor();
        assert.equal(await page.locator('.room-events .room-event').count(), 1, 'only the finding');
        const wide = await page.evaluate(
          () => document.documentElement.scrollWidth - document.documentElement.clientWidth,
        );
        assert.ok(wide <= 0, `the room scrolls sideways by ${wide} px at 390 px`);

        // Downgraded to P3: the room offers the ticket; it is created in GitHub and shows its state.
        const down = await muster.api('POST', `/api/incidents/${incidentId}/severity`, {
          severity: 'P3',
          reason: 'A few baskets only',
        });
        assert.equal(down.status, 200, JSON.stringify(down.body));
        const ticket = page.getByTestId('incident-ticket');
        await ticket.getByText('A P3 or P4 is tracked as regular engineering work.', { exact: false }).waitFor();
        await ticket.getByRole('button', { name: 'Create ticket in Basket’s GitHub' }).click();
        await ticket.getByRole('link', { name: 'acme/basket#1' }).waitFor();
        await ticket.getByTestId('ticket-state').getByText('open').waitFor();
        assert.equal(github.issues[0]?.title, 'P3: Basket totals wrong');
        assert.match(github.issues[0]?.body ?? '', /Finding: Currency rounding changed in v3.2/);
        const wideAfter = await page.evaluate(
          () => document.documentElement.scrollWidth - document.documentElement.clientWidth,
        );
        assert.ok(wideAfter <= 0, `the room scrolls sideways by ${wideAfter} px at 390 px`);
        await page.screenshot({ path: '/tmp/muster-room-findings-390.png', fullPage: true });
        assert.deepEqual(phone.errors, []);
        assert.deepEqual(watcher.errors, []);
        await watcher.context.close();
        await phone.context.close();
      } finally {
        await github.close();
      }
    });

    test('the bridge call and add responders at 390 px: join the bridge, page a person, who acknowledges from the room', async () => {
      const erin = await muster.api<{ user: { id: string } }>('POST', '/api/users', {
        email: 'erin.dba@example.test',
        name: 'Erin Dawes',
        password: PASSWORD,
      });
      assert.equal(erin.status, 201, JSON.stringify(erin.body));
      const team = await muster.api<{ id: string }>('POST', '/api/teams', { name: 'Ledger', slug: 'ledger' });
      await muster.api('PUT', `/api/teams/${team.body.id}/members/${erin.body.user.id}`, { role: 'responder' });
      // A bridge on this server (a link the browser opens; Muster never fetches it).
      const bridge = await muster.api('PUT', `/api/teams/${team.body.id}/bridge`, {
        mode: 'template',
        url: `${muster.url}/healthz?room=muster-{incident_key}`,
        dialIn: '+44 20 7946 0000 PIN 4242#',
      });
      assert.equal(bridge.status, 200, JSON.stringify(bridge.body));
      const svc = await muster.api<{ id: string }>('POST', '/api/services', {
        name: 'Ledger API',
        teamId: team.body.id,
      });
      const declared = await muster.api<{ incident: { id: string } }>('POST', '/api/incidents', {
        title: 'Ledger writes failing',
        severity: 'P1',
        serviceIds: [svc.body.id],
      });
      const incidentId = declared.body.incident.id;
      const roomPath = `/incidents/${incidentId}`;

      const phone = await openPage(browser, { width: 390, height: 844 });
      await signIn(phone.page, muster.url, roomPath, ADMIN_EMAIL, ADMIN_PASSWORD);
      const page = phone.page;
      await page.getByTestId('room-live').getByText('Live').waitFor();
      // The bridge at the top of the room: one tap.
      const join = page.getByTestId('join-bridge');
      await join.waitFor();
      assert.match((await join.getAttribute('href')) ?? '', /\/healthz\?room=muster-[0-9a-z]{10}$/);
      await page.getByTestId('bridge-bar').getByText('Dial-in: +44 20 7946 0000 PIN 4242#').waitFor();
      const popup = page.context().waitForEvent('page');
      await join.click();
      await (await popup).close();
      await page.locator('.room-events').getByText('joined the bridge call', { exact: false }).waitFor();

      // A P1 offers more hands under the first five minutes: page Erin with a message.
      const card = page.locator('.responders');
      await card.getByText('P1: all hands on deck', { exact: false }).waitFor();
      await card.getByRole('button', { name: 'Add responders' }).click();
      await card.getByLabel('Page', { exact: true }).selectOption('user');
      await card.getByLabel('Person').fill('Erin');
      await card.getByRole('option', { name: /Erin Dawes/ }).click();
      await card.getByLabel('Message').fill('Ledger primary refuses writes');
      await card.getByRole('button', { name: 'Page them' }).click();
      const item = card.locator('.responder-item').filter({ hasText: 'Erin Dawes' });
      await item.getByText('Paged', { exact: true }).waitFor();
      const wide = await page.evaluate(
        () => document.documentElement.scrollWidth - document.documentElement.clientWidth,
      );
      assert.ok(wide <= 0, `the room scrolls sideways by ${wide} px at 390 px`);

      // Erin opens the room from her page and acknowledges; the IC's phone sees it without reloading.
      const erinPage = await openPage(browser, { width: 390, height: 844 });
      await signIn(erinPage.page, muster.url, roomPath, 'erin.dba@example.test', PASSWORD);
      const ask = erinPage.page.getByTestId('responder-ask');
      await ask.getByText('Ledger primary refuses writes', { exact: false }).waitFor();
      await ask.getByRole('button', { name: 'Acknowledge' }).click();
      await item.getByText('Acknowledged', { exact: true }).waitFor({ timeout: LIVE_WITHIN_MS + 2_000 });
      await page.locator('.room-events').getByText('acknowledged and is coming to help', { exact: false }).waitFor();
      const wideAfter = await page.evaluate(
        () => document.documentElement.scrollWidth - document.documentElement.clientWidth,
      );
      assert.ok(wideAfter <= 0, `the room scrolls sideways by ${wideAfter} px at 390 px`);
      await page.screenshot({ path: '/tmp/muster-room-responders-390.png', fullPage: true });
      assert.deepEqual(phone.errors, []);
      assert.deepEqual(erinPage.errors, []);
      await erinPage.context.close();
      await phone.context.close();
    });
  });
