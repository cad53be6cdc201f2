/**
 * A tabletop game day in a real browser (Debian's Chromium via playwright-core) against an in-process server, on both
 * engines, with the facilitator on a 390 px phone: plan it from the scenario library (the payment provider outage:
 * the form fills in from the scenario and shows "start with a tabletop"), start it, open the drill room (the DRILL
 * banner and the first inject in its timeline), tick an expected action done, add an inject live (it reaches the
 * room), end it with the hypothesis's outcome and open the debrief (a post-mortem with the Game day debrief
 * template). No page scrolls sideways at 390 px. A second test takes desktop and phone screenshots of the list, the
 * calendar, the plan form, the run view and the library to /tmp/shots-gamedays/. Needs web/dist: `npm run build:web`.
 */
import assert from 'node:assert/strict';
import { mkdirSync } from 'node:fs';
import { after, before, describe, test } from 'node:test';
import type { Browser, Page } from 'playwright-core';
import { browserTestEngines } from '../src/db/testing/index.js';
import { ChaosToolkitRunnerStandIn } from '../src/testing/chaos.js';
import { startTestMuster, type TestMuster } from '../src/testing/server.js';
import { launchBrowser, openPage, signIn } from './browser.js';

/** One engine for this browser file; MUSTER_E2E_ENGINES=both runs both (docs/adr/0012). */
const ENGINES = browserTestEngines('postgres');

const SHOTS = '/tmp/shots-gamedays';
const PHONE = { width: 390, height: 844 };
const DESKTOP = { width: 1280, height: 900 };

interface Detail {
  id: string;
  status: string;
  incidentId: string | null;
  hypothesisOutcome: string | null;
  injects: { body: string; status: string; addedLive: boolean }[];
  expectedActions: { id: string; body: string; outcome: string; markedAt: string | null }[];
  postmortemId: string | null;
}

async function noSidewaysScroll(page: Page, what: string): Promise<void> {
  const { scroll, client, culprits } = await page.evaluate(() => {
    const client = document.documentElement.clientWidth;
    const culprits = [...document.querySelectorAll('body *')]
      .filter((el) => el.getBoundingClientRect().right > client + 1)
      .filter((el) => ![...el.children].some((c) => c.getBoundingClientRect().right > client + 1))
      .slice(0, 5)
      .map(
        (el) =>
          `${el.tagName.toLowerCase()}.${[...el.classList].join('.')} ${Math.round(el.getBoundingClientRect().right)}px`,
      );
    return { scroll: document.documentElement.scrollWidth, client, culprits };
  });
  assert.ok(scroll <= client, `${what} scrolls sideways at ${client} px: ${scroll} px wide (${culprits.join('; ')})`);
}

async function shoot(page: Page, name: string, engine: string): Promise<void> {
  if (engine !== ENGINES[0]) return;
  mkdirSync(SHOTS, { recursive: true });
  await page.screenshot({ path: `${SHOTS}/${name}.png`, fullPage: true });
}

for (const engine of ENGINES)
  describe(`game days in the browser (${engine})`, () => {
    let muster: TestMuster;
    let browser: Browser;
    let serviceId = '';
    const ctk = new ChaosToolkitRunnerStandIn();
    before(async () => {
      await ctk.start();
      muster = await startTestMuster(engine);
      browser = await launchBrowser();
      const team = await muster.api<{ id: string }>('POST', '/api/teams', { name: 'Payments', slug: 'payments' });
      assert.equal(team.status, 201, JSON.stringify(team.body));
      const svc = await muster.api<{ id: string }>('POST', '/api/services', { name: 'Checkout', teamId: team.body.id });
      assert.equal(svc.status, 201, JSON.stringify(svc.body));
      serviceId = svc.body.id;
      const rita = await muster.api<{ user: { id: string } }>('POST', '/api/users', {
        email: 'rita.responder@example.test',
        name: 'Rita Responder',
        password: 'a long enough password',
      });
      assert.equal(rita.status, 201, JSON.stringify(rita.body));
      const member = await muster.api('PUT', `/api/teams/${team.body.id}/members/${rita.body.user.id}`, {
        role: 'responder',
      });
      assert.equal(member.status, 200, JSON.stringify(member.body));
    });
    after(async () => {
      await browser?.close();
      await muster?.stop();
      await ctk.close();
    });

    test('a facilitator on a phone runs a tabletop from the library to the debrief', async () => {
      const { page, errors, context } = await openPage(browser, PHONE);
      await signIn(page, muster.url, '/gamedays');
      await page.getByText('No game days yet.').waitFor();
      await noSidewaysScroll(page, 'the empty list');

      // Plan it from the library: the scenario fills in the form, with the advice for its level.
      await page.getByRole('link', { name: 'Plan a game day' }).first().click();
      await page.waitForURL((u) => u.pathname === '/gamedays/new');
      await page.getByRole('button', { name: /Payment provider outage/ }).click();
      await page
        .getByTestId('gd-advice')
        .getByText(/Start with a tabletop/)
        .waitFor();
      assert.equal(await page.getByLabel('Title').inputValue(), 'Payment provider outage');
      assert.equal(await page.getByLabel('Kind').inputValue(), 'tabletop');
      assert.match(await page.getByLabel('Hypothesis').inputValue(), /payment provider fails/);
      assert.equal(await page.getByLabel('Inject 1', { exact: true }).inputValue(), 'Error rate at checkout 12%.');
      assert.equal(await page.getByLabel('Expected action 1', { exact: true }).inputValue(), 'Acknowledge the page');
      await page.getByLabel('Checkout').check();
      await page.getByLabel('Rita Responder').check();
      await noSidewaysScroll(page, 'the plan form');
      const created = page.waitForResponse((r) => r.url().endsWith('/api/gamedays') && r.request().method() === 'POST');
      await page.getByRole('button', { name: 'Plan the game day' }).click();
      const createdRes = await created;
      assert.equal(createdRes.status(), 201, await createdRes.text());
      const id = ((await createdRes.json()) as Detail).id;
      await page.waitForURL((u) => u.pathname === `/gamedays/${id}`);
      const planned = (
        await muster.api<Detail & { serviceIds: string[]; mode: string; participants: { name: string }[] }>(
          'GET',
          `/api/gamedays/${id}`,
        )
      ).body;
      assert.equal(planned.status, 'scheduled');
      assert.equal(planned.mode, 'tabletop');
      assert.deepEqual(planned.serviceIds, [serviceId]);
      assert.deepEqual(
        planned.participants.map((p) => p.name),
        ['Rita Responder'],
      );
      assert.equal(planned.injects.length, 3);
      await noSidewaysScroll(page, 'the run view before the start');

      // Start, asked once more.
      await page.getByRole('button', { name: 'Start the drill' }).click();
      await page.getByText(/Start the tabletop\? This declares a P2 DRILL incident/).waitFor();
      await page.getByRole('button', { name: 'Start now' }).click();
      await page.getByText('DRILL running').waitFor();
      await page.locator('[data-inject-status="delivered"]').first().waitFor();
      await noSidewaysScroll(page, 'the running game day');

      // Tick an expected action done: the time and who marked it show.
      const ack = page.locator('.gd-action', { hasText: 'Acknowledge the page' });
      const marked = page.waitForResponse((r) => r.url().includes('/actions/') && r.request().method() === 'PUT');
      await ack.getByRole('button', { name: 'Done' }).click();
      assert.equal((await marked).status(), 200);
      await ack
        .locator('[data-outcome="done"], .gd-action-done')
        .first()
        .waitFor()
        .catch(() => undefined);
      await page.locator('.gd-action-done', { hasText: 'Acknowledge the page' }).waitFor();
      await ack.getByText(/^done at \d\d:\d\d/).waitFor();
      assert.equal(await ack.getByRole('button', { name: 'Done' }).getAttribute('aria-pressed'), 'true');

      // Add an inject live: posted now.
      await page.getByLabel('What happens').fill('The support queue has 40 tickets about failed payments.');
      const added = page.waitForResponse((r) => r.url().endsWith('/injects') && r.request().method() === 'POST');
      await page.getByRole('button', { name: 'Post inject' }).click();
      assert.equal((await added).status(), 201);
      await page
        .locator('.gd-inject[data-inject-status="delivered"]', { hasText: 'The support queue has 40 tickets' })
        .waitFor();
      await page.locator('.gd-inject').getByText('added live').waitFor();
      // "What happened" tells the adding from the delivery (the same text twice read as a duplicate).
      await page.getByText(/^Inject added live \(\+0 min\): The support queue has 40 tickets/).waitFor();
      await page.getByText(/^Posted in the drill room: The support queue has 40 tickets/).waitFor();
      await shoot(page, 'run-running-390', engine);

      // The drill room: the DRILL banner links back, the first inject and the live one are in its timeline.
      await page.getByTestId('gd-drill-room').click();
      await page.waitForURL((u) => u.pathname.startsWith('/incidents/'));
      const banner = page.getByTestId('drill-banner');
      await banner.waitFor();
      assert.match(await banner.innerText(), /DRILL/);
      await page.getByText('Error rate at checkout 12%.').first().waitFor();
      await page.getByText('The support queue has 40 tickets about failed payments.').first().waitFor();
      await noSidewaysScroll(page, 'the drill room');
      await shoot(page, 'drill-room-390', engine);
      await banner.getByRole('link', { name: 'Payment provider outage' }).click();
      await page.waitForURL((u) => u.pathname === `/gamedays/${id}`);

      // End with the outcome, asked once more; then the debrief.
      await page.getByRole('button', { name: 'End the game day' }).click();
      await page.getByLabel('The hypothesis was').selectOption('partly');
      await page
        .getByRole('group', { name: 'End the game day' })
        .getByRole('button', { name: 'End the game day' })
        .click();
      await page.getByText(/^Ended at/).waitFor();
      const ended = (await muster.api<Detail>('GET', `/api/gamedays/${id}`)).body;
      assert.equal(ended.status, 'ended');
      assert.equal(ended.hypothesisOutcome, 'partly');
      assert.equal(ended.expectedActions.find((a) => a.body === 'Acknowledge the page')?.outcome, 'done');
      assert.ok(ended.injects.some((i) => i.addedLive && i.status === 'delivered'));
      assert.ok(ended.injects.every((i) => i.status === 'delivered' || i.status === 'skipped'));
      await page.getByRole('heading', { name: 'Measures' }).waitFor();
      await noSidewaysScroll(page, 'the ended game day');
      await shoot(page, 'run-ended-390', engine);

      await page.getByRole('button', { name: 'Write the debrief' }).click();
      await page.waitForURL((u) => /^\/postmortems\/[^/]+$/.test(u.pathname));
      await page.getByTestId('postmortem-editor').waitFor();
      await page.getByText('What could be improved').first().waitFor();
      await page.getByText('Gaps found').first().waitFor();
      const after = (await muster.api<Detail>('GET', `/api/gamedays/${id}`)).body;
      assert.ok(after.postmortemId, 'the game day knows its debrief');
      assert.ok(page.url().endsWith(`/postmortems/${encodeURIComponent(after.postmortemId)}`));
      await shoot(page, 'debrief-390', engine);

      // Back on the game day, the button opens the same debrief.
      await page.goto(`${muster.url}/gamedays/${id}`);
      await page.getByRole('link', { name: 'Open the debrief' }).waitFor();
      assert.deepEqual(errors, []);
      await context.close();
    });

    test('list, calendar, plan form, run view and library at desktop and 390 px', async () => {
      // One scheduled this month, so the calendar has something on it.
      const at = new Date(Date.now() + 2 * 3600_000);
      const teams = await muster.api<{ teams: { id: string }[] }>('GET', '/api/teams');
      const planned = await muster.api<{ id: string }>('POST', '/api/gamedays', {
        teamId: teams.body.teams[0]!.id,
        scenarioId: 'gds_node_loss',
        title: 'Node loss in the checkout cluster',
        scheduledAt: at.toISOString(),
        recurrence: 'quarterly',
        serviceIds: [serviceId],
      });
      assert.equal(planned.status, 201, JSON.stringify(planned.body));
      const month = at.toISOString().slice(0, 7);
      for (const [size, viewport] of [
        ['desktop', DESKTOP],
        ['390', PHONE],
      ] as const) {
        const { page, errors, context } = await openPage(browser, viewport);
        await signIn(page, muster.url, '/gamedays');
        await page.locator(`[data-gameday-id="${planned.body.id}"]`).first().waitFor();
        if (size === '390') await noSidewaysScroll(page, 'the list');
        await shoot(page, `list-${size}`, engine);

        await page.getByRole('button', { name: 'Calendar' }).click();
        await page.waitForURL((u) => u.searchParams.get('view') === 'calendar');
        await page.goto(`${muster.url}/gamedays?view=calendar&month=${month}`);
        const item = page.locator('.gd-cal-item', { hasText: 'Node loss in the checkout cluster' });
        await item.waitFor();
        assert.ok(await item.isVisible(), 'the game day shows on its day');
        if (size === '390') await noSidewaysScroll(page, 'the calendar');
        await shoot(page, `calendar-${size}`, engine);

        await page.goto(`${muster.url}/gamedays/new?scenario=gds_slack_down`);
        await page.getByLabel('Title').waitFor();
        await page
          .getByTestId('gd-advice')
          .getByText(/A live drill pages the real on-call/)
          .waitFor();
        assert.equal(await page.getByLabel('Title').inputValue(), 'Slack is down');
        assert.equal(await page.getByLabel('Kind').inputValue(), 'live');
        assert.equal(await page.getByLabel(/Mute Slack/).isChecked(), true);
        if (size === '390') await noSidewaysScroll(page, 'the plan form');
        await shoot(page, `new-${size}`, engine);

        await page.goto(`${muster.url}/gamedays/${planned.body.id}`);
        await page.getByRole('button', { name: 'Start the drill' }).waitFor();
        if (size === 'desktop') {
          // Edit before the start: the form holds the game day as it is; the change is saved with PATCH.
          await page.getByRole('link', { name: 'Edit', exact: true }).click();
          await page.waitForURL((u) => u.pathname.endsWith('/edit'));
          assert.equal(await page.getByLabel('Title').inputValue(), 'Node loss in the checkout cluster');
          assert.equal(await page.getByLabel('Repeat').inputValue(), 'quarterly');
          assert.equal(await page.getByLabel('Checkout').isChecked(), true);
          await page.getByLabel('Title').fill('Node loss in the checkout cluster (EU)');
          await page.getByRole('button', { name: 'Add an inject' }).click();
          await page.getByLabel('Minute').last().fill('12');
          await page.getByLabel('Inject 4', { exact: true }).fill('The load balancer marks a second node unhealthy.');
          const patched = page.waitForResponse((r) => r.request().method() === 'PATCH');
          await page.getByRole('button', { name: 'Save' }).click();
          const patch = await patched;
          assert.equal(patch.status(), 200);
          assert.deepEqual(Object.keys(patch.request().postDataJSON() as object).sort(), ['injects', 'title']);
          await page.waitForURL((u) => u.pathname === `/gamedays/${planned.body.id}`);
          await page.getByRole('heading', { name: 'Node loss in the checkout cluster (EU)' }).waitFor();
          await page.locator('.gd-inject', { hasText: 'a second node unhealthy' }).getByText('+12:00').waitFor();
          const edited = await muster.api<Detail & { serviceIds: string[] }>('GET', `/api/gamedays/${planned.body.id}`);
          assert.equal(edited.body.injects.length, 4);
          assert.deepEqual(edited.body.serviceIds, [serviceId]);
        }
        await page.getByRole('button', { name: 'Start the drill' }).click();
        await page.getByRole('button', { name: 'Start now' }).waitFor();
        if (size === '390') await noSidewaysScroll(page, 'the run view');
        await shoot(page, `run-scheduled-${size}`, engine);

        await page.goto(`${muster.url}/gamedays/scenarios`);
        await page.locator('[data-scenario-id="gds_node_loss"]').waitFor();
        await page.getByRole('button', { name: 'Add a scenario' }).click();
        await page.getByLabel('Name').fill('Queue backlog');
        await page.getByRole('button', { name: 'Add an inject' }).click();
        await page.getByLabel('Inject 1', { exact: true }).fill('The order queue holds 50,000 messages.');
        if (size === '390') await noSidewaysScroll(page, 'the library');
        await shoot(page, `scenarios-${size}`, engine);
        if (size === 'desktop') {
          const saved = page.waitForResponse(
            (r) => r.url().endsWith('/api/gameday-scenarios') && r.request().method() === 'POST',
          );
          await page.getByRole('button', { name: 'Add scenario' }).click();
          assert.equal((await saved).status(), 201);
          await page.locator('.gd-library-item', { hasText: 'Queue backlog' }).waitFor();
        }
        assert.deepEqual(errors, []);
        await context.close();
      }
    });

    test('a live drill: halt on a real incident, failure injection set up (Chaos Toolkit runner stand-in), started and rolled back, a drill key shown once, a drill alert fired through the intake', async () => {
      const teams = await muster.api<{ teams: { id: string }[] }>('GET', '/api/teams');
      const planned = await muster.api<{ id: string }>('POST', '/api/gamedays', {
        teamId: teams.body.teams[0]!.id,
        scenarioId: 'gds_slack_down',
        title: 'Slack is down during checkout errors',
        mode: 'live',
        muteChat: true,
        serviceIds: [serviceId],
      });
      assert.equal(planned.status, 201, JSON.stringify(planned.body));
      const id = planned.body.id;
      const { page, errors, context } = await openPage(browser, PHONE);
      await signIn(page, muster.url, `/gamedays/${id}`);
      const live = page.locator('section.gd-live');
      await live.waitFor();

      const put = page.waitForResponse((r) => r.url().endsWith('/halt-conditions') && r.request().method() === 'PUT');
      const realIncident = live.getByLabel('Halt if a real P1 or P2 is declared on a target service');
      // A controlled checkbox: it shows checked once the server has the condition and the page read it again.
      await realIncident.click();
      assert.equal((await put).status(), 200);
      await page.waitForFunction(() => (document.getElementById('gd-halt-real') as HTMLInputElement | null)?.checked);
      const withCondition = await muster.api<{ haltConditions: { kind: string }[] }>('GET', `/api/gamedays/${id}`);
      assert.deepEqual(
        withCondition.body.haltConditions.map((c) => c.kind),
        ['real_incident'],
      );

      // Failure injection, set up before the start: the Chaos Toolkit runner stand-in (on 127.0.0.1, so an
      // administrator allows the private address). Bad JSON is named beside the field; the example fills it in.
      await live.getByRole('button', { name: 'Set up failure injection' }).click();
      const inj = live.getByRole('form', { name: 'Failure injection' });
      await inj.getByLabel('Tool', { exact: true }).selectOption('chaostoolkit');
      await inj.getByLabel('URL').fill(ctk.url);
      await inj.getByLabel('Runner token').fill(ctk.token!);
      await inj.getByLabel('Tool settings (JSON)').fill('{ "experiment": ');
      await inj.getByRole('button', { name: 'Save failure injection' }).click();
      await inj.getByText(/Tool settings \(JSON\) is not valid JSON/).waitFor();
      await inj.getByRole('button', { name: 'Fill in the Chaos Toolkit example' }).click();
      await inj.getByLabel(/Allow a private address/).check();
      await noSidewaysScroll(page, 'the failure injection form');
      await shoot(page, 'run-injection-form-390', engine);
      const saved = page.waitForResponse((r) => r.url().endsWith('/injection') && r.request().method() === 'PUT');
      await inj.getByRole('button', { name: 'Save failure injection' }).click();
      assert.equal((await saved).status(), 200);
      await live.getByText('Starts with the drill').waitFor();
      const withInjection = await muster.api<{
        injection: { provider: string; url: string; state: string; hasSecret: boolean; config: unknown } | null;
      }>('GET', `/api/gamedays/${id}`);
      assert.equal(withInjection.body.injection?.provider, 'chaostoolkit');
      assert.equal(withInjection.body.injection?.url, ctk.url);
      assert.equal(withInjection.body.injection?.state, 'idle');
      assert.equal(withInjection.body.injection?.hasSecret, true);
      assert.equal(
        (withInjection.body.injection?.config as { experiment: { title: string } }).experiment.title,
        'Checkout survives a slow database',
      );
      // Edit keeps the saved token when it is left empty; Remove asks once more; set it again for the drill.
      await live.getByRole('button', { name: 'Edit' }).click();
      await inj.getByText('Saved and never shown again. Leave empty to keep it.').waitFor();
      assert.match(await inj.getByLabel('Tool settings (JSON)').inputValue(), /Checkout survives a slow database/);
      await inj.getByRole('button', { name: 'Cancel' }).click();
      await live.getByRole('button', { name: 'Remove', exact: true }).click();
      const removed = page.waitForResponse((r) => r.url().endsWith('/injection') && r.request().method() === 'DELETE');
      await live.getByRole('button', { name: 'Remove the failure injection' }).click();
      assert.equal((await removed).status(), 200);
      await live.getByRole('button', { name: 'Set up failure injection' }).waitFor();
      const put2 = await muster.api('PUT', `/api/gamedays/${id}/injection`, {
        provider: 'chaostoolkit',
        url: ctk.url,
        secret: ctk.token,
        config: (withInjection.body.injection as { config: unknown }).config,
        allowPrivateAddress: true,
      });
      assert.equal(put2.status, 200, JSON.stringify(put2.body));

      await live.getByRole('button', { name: 'Create a drill key' }).click();
      const secret = page.getByTestId('one-time-secret');
      await secret.waitFor();
      assert.ok((await secret.inputValue()).length > 10, 'the drill key is shown once');
      await live.getByRole('button', { name: 'Done, hide it' }).click();

      await page.getByRole('button', { name: 'Start the drill' }).click();
      await page.getByText(/Start the live drill\? .* page the real on-call, labelled DRILL/).waitFor();
      await page.getByRole('button', { name: 'Start now' }).click();
      await page.getByText('DRILL running').waitFor();
      // The start called the runner; the card says so (the page reads the game day every 4 s).
      await live.getByText('Started', { exact: true }).waitFor();
      assert.deepEqual(
        [...ctk.runs.values()].map((r) => r.status),
        ['running'],
      );
      await live.getByRole('button', { name: 'Fire a drill alert' }).click();
      await live.getByLabel('Alert summary').fill('DRILL: checkout error rate 12%');
      const fired = page.waitForResponse((r) => r.url().endsWith('/fire') && r.request().method() === 'POST');
      await live.getByRole('button', { name: 'Fire it' }).click();
      assert.equal((await fired).status(), 202);
      await live.getByText(/Drill alert sent/).waitFor();
      await noSidewaysScroll(page, 'the live drill');
      await shoot(page, 'run-live-390', engine);
      const alerts = await muster.api<{ alerts: { summary: string; isDrill?: boolean }[] }>('GET', '/api/alerts');
      assert.ok(
        alerts.body.alerts.some((a) => a.summary.includes('checkout error rate 12%') && a.isDrill === true),
        JSON.stringify(alerts.body).slice(0, 500),
      );
      await page.getByRole('button', { name: 'Halt', exact: true }).click();
      await page.getByLabel('Why').fill('Practice over');
      await page.getByRole('button', { name: 'Halt the drill' }).click();
      await page
        .getByText(/Aborted by the facilitator: Practice over/)
        .first()
        .waitFor();
      await live.getByText('Rolled back', { exact: true }).waitFor();
      assert.deepEqual(
        [...ctk.runs.values()].map((r) => r.status),
        ['rolled_back'],
      );
      assert.deepEqual(errors, []);
      await context.close();
    });
  });
