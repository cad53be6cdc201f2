/**
 * Automation in a real browser (Debian's Chromium via playwright-core) against an in-process server, on both engines:
 * an org admin creates an HTTP action pointing at a local receiver (a node:http server here; a private address, so
 * "allow a private address"), runs it from the action page and watches its output and status on the run page; a
 * responder on a 390 px phone approves a run another person asked for from the approvals inbox; the admin pauses
 * automatic runs with a reason, creates a rule and creates an agent (its token shown once); a rule picks its service and
 * runbook by name and its page lists its firings (incident and alert, what it did, the outcome, the run); an action
 * shows its runbook by title. No page scrolls sideways at 390 px; desktop and phone screenshots go to
 * /tmp/shots-automation/. Needs web/dist: `npm run build:web`.
 */
import assert from 'node:assert/strict';
import { mkdirSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, describe, test } from 'node:test';
import type { Browser, Page } from 'playwright-core';
import { browserTestEngines } from '../src/db/testing/index.js';
import { startTestMuster, type TestMuster } from '../src/testing/server.js';
import { launchBrowser, openPage, signIn } from './browser.js';

/** One engine for this browser file; MUSTER_E2E_ENGINES=both runs both (docs/adr/0012). */
const ENGINES = browserTestEngines('postgres');

const SHOTS = '/tmp/shots-automation';
const PHONE = { width: 390, height: 844 };
const DESKTOP = { width: 1280, height: 900 };
const RITA = { email: 'rita.responder@example.test', password: 'a long enough password' };

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
  describe(`automation in the browser (${engine})`, () => {
    let muster: TestMuster;
    let browser: Browser;
    let receiver: Server;
    let receiverUrl = '';
    const received: { url: string; body: string; signature: string | undefined }[] = [];
    let teamId = '';

    before(async () => {
      receiver = createServer((req, res) => {
        let body = '';
        req.on('data', (c: Buffer) => (body += c.toString()));
        req.on('end', () => {
          received.push({ url: req.url ?? '', body, signature: req.headers['x-muster-signature'] as string });
          res.writeHead(200, { 'content-type': 'text/plain' });
          res.end('restarted checkout-7f9c\n');
        });
      });
      await new Promise<void>((r) => receiver.listen(0, '127.0.0.1', r));
      receiverUrl = `http://127.0.0.1:${(receiver.address() as AddressInfo).port}`;
      muster = await startTestMuster(engine);
      browser = await launchBrowser();
      const team = await muster.api<{ id: string }>('POST', '/api/teams', { name: 'Payments', slug: 'payments' });
      assert.equal(team.status, 201, JSON.stringify(team.body));
      teamId = team.body.id;
      const rita = await muster.api<{ user: { id: string } }>('POST', '/api/users', {
        email: RITA.email,
        name: 'Rita Responder',
        password: RITA.password,
      });
      assert.equal(rita.status, 201, JSON.stringify(rita.body));
      const member = await muster.api('PUT', `/api/teams/${teamId}/members/${rita.body.user.id}`, {
        role: 'responder',
      });
      assert.equal(member.status, 200, JSON.stringify(member.body));
    });
    after(async () => {
      await browser?.close();
      await muster?.stop();
      await new Promise<void>((r) => (receiver ? receiver.close(() => r()) : r()));
    });

    test('an admin creates an HTTP action, runs it and watches the run; pauses automatic runs; a rule; an agent', async () => {
      const { page, errors, context } = await openPage(browser, DESKTOP);
      await signIn(page, muster.url, '/automation');
      await page.getByText(/No actions yet/).waitFor();
      await page.locator('#auto-filter-team').selectOption(teamId);
      await page.waitForURL((u) => u.searchParams.get('team') === teamId);
      await page.getByTestId('automation-running').waitFor();
      await shoot(page, 'list-empty-desktop', engine);

      // Create the HTTP action.
      await page.getByRole('link', { name: 'New action' }).first().click();
      await page.waitForURL((u) => u.pathname === '/automation/actions/new');
      await page.getByLabel('Name', { exact: true }).fill('Restart checkout');
      await page.getByLabel('URL').fill(`${receiverUrl}/restart?pod={{param.pod}}`);
      await page.getByLabel('JSON body').fill('{"pod": "{{param.pod}}"}');
      await page.getByLabel('Signing secret').fill('a-signing-secret-1234');
      await page.getByLabel(/Allow a private address/).check();
      await page.getByRole('button', { name: 'Add a parameter' }).click();
      await page.locator('#param-0-name').fill('pod');
      await page.locator('#param-0-from').selectOption('input');
      await page.locator('#param-0-key').fill('pod');
      await shoot(page, 'action-new-desktop', engine);
      const created = page.waitForResponse((r) => r.url().endsWith('/api/actions') && r.request().method() === 'POST');
      await page.getByRole('button', { name: 'Create the action' }).click();
      const createdRes = await created;
      assert.equal(createdRes.status(), 201, await createdRes.text());
      const actionId = ((await createdRes.json()) as { id: string }).id;
      await page.waitForURL((u) => u.pathname === `/automation/actions/${actionId}`);

      // Run it: the run page shows the output and the final status.
      await page.getByLabel('pod').fill('checkout-7f9c');
      await page.getByRole('button', { name: 'Run now' }).click();
      await page.waitForURL((u) => u.pathname.startsWith('/automation/runs/'));
      await page.locator('.auto-run[data-run-status="succeeded"]').waitFor({ timeout: 30_000 });
      await page.getByTestId('run-result').getByText('HTTP 200').waitFor();
      await page
        .getByTestId('run-output')
        .getByText(/restarted checkout-7f9c/)
        .waitFor();
      assert.equal(received.length, 1);
      assert.match(received[0]!.url, /pod=checkout-7f9c/);
      assert.match(received[0]!.signature ?? '', /^t=\d+,v1=/);
      await shoot(page, 'run-desktop', engine);

      // Pause automatic runs with a reason.
      await page.goto(`${muster.url}/automation?team=${teamId}`);
      await page.getByRole('button', { name: 'Pause automatic runs' }).click();
      await page.getByLabel('Why pause?').fill('Investigating a restart loop');
      await page.getByRole('button', { name: 'Pause now' }).click();
      await page
        .getByTestId('automation-paused')
        .getByText(/Investigating a restart loop/)
        .waitFor();
      const ks = await muster.api<{ automaticPaused: boolean }>('GET', `/api/teams/${teamId}/automation`);
      assert.equal(ks.body.automaticPaused, true);
      await shoot(page, 'actions-paused-desktop', engine);

      // A rule.
      await page.getByRole('tab', { name: 'Rules' }).click();
      await page.getByRole('link', { name: 'New rule' }).first().click();
      await page.waitForURL((u) => u.pathname === '/automation/rules/new');
      await page.getByLabel('Name', { exact: true }).fill('Post an update when mitigated');
      await page.getByLabel('Trigger').selectOption('milestone_reached');
      await page.getByLabel('Action', { exact: true }).selectOption('post_update');
      await page.getByLabel('Message').fill('Mitigated: watching the error rate.');
      await shoot(page, 'rule-new-desktop', engine);
      const ruleRes = page.waitForResponse(
        (r) => r.url().endsWith('/api/automation-rules') && r.request().method() === 'POST',
      );
      await page.getByRole('button', { name: 'Create the rule' }).click();
      assert.equal((await ruleRes).status(), 201, await (await ruleRes).text());
      const rules = await muster.api<{ items: { name: string; trigger: string }[] }>(
        'GET',
        `/api/automation-rules?teamId=${teamId}`,
      );
      assert.deepEqual(
        rules.body.items.map((r) => [r.name, r.trigger]),
        [['Post an update when mitigated', 'milestone_reached']],
      );

      // An agent: the token is shown once.
      await page.goto(`${muster.url}/automation?team=${teamId}&tab=agents`);
      await page.getByRole('button', { name: 'New agent' }).click();
      await page.getByLabel('Name').fill('prod-eu-bastion');
      await page.getByRole('button', { name: 'Create the agent' }).click();
      const token = await page.getByTestId('one-time-secret').inputValue();
      assert.match(token, /^mag_/);
      await page.locator('[data-agent-id]').getByText('prod-eu-bastion').waitFor();
      await shoot(page, 'agents-desktop', engine);
      await page.getByRole('button', { name: 'Done, hide it' }).click();
      assert.equal(await page.getByTestId('one-time-secret').count(), 0);
      assert.deepEqual(errors, []);
      await context.close();
    });

    test('a responder on a phone approves a run another person asked for', async () => {
      const action = await muster.api<{ id: string }>('POST', '/api/actions', {
        teamId,
        name: 'Flush the cache',
        kind: 'http',
        mode: 'approval',
        http: { method: 'POST', url: `${receiverUrl}/flush`, allowPrivateAddress: true },
      });
      assert.equal(action.status, 201, JSON.stringify(action.body));
      const asked = await muster.api<{ id: string; status: string }>('POST', `/api/actions/${action.body.id}/runs`, {});
      assert.equal(asked.status, 201, JSON.stringify(asked.body));
      assert.equal(asked.body.status, 'awaiting_approval');

      const { page, errors, context } = await openPage(browser, PHONE);
      await signIn(page, muster.url, '/automation', RITA.email, RITA.password);
      await page.getByTestId('approvals-count').getByText('1').waitFor();
      await noSidewaysScroll(page, 'the actions tab');
      await shoot(page, 'actions-phone', engine);
      await page.getByRole('tab', { name: /Approvals/ }).click();
      const row = page.locator(`[data-run-id="${asked.body.id}"]`);
      await row.getByText('Flush the cache').waitFor();
      await noSidewaysScroll(page, 'the approvals inbox');
      await shoot(page, 'approvals-phone', engine);
      await row.getByRole('button', { name: 'Approve and run' }).click();
      await page.getByText('Nothing is waiting for your approval.').waitFor();

      await page.goto(`${muster.url}/automation/runs/${asked.body.id}`);
      await page.locator('.auto-run[data-run-status="succeeded"]').waitFor({ timeout: 30_000 });
      await page.getByTestId('run-approver').getByText(/rita/i).waitFor();
      await noSidewaysScroll(page, 'the run page');
      await shoot(page, 'run-phone', engine);
      const run = await muster.api<{ approvedBy: { label: string } | null }>('GET', `/api/runs/${asked.body.id}`);
      assert.match(run.body.approvedBy?.label ?? '', /rita/i);

      for (const tab of ['runs', 'rules', 'agents']) {
        await page.goto(`${muster.url}/automation?tab=${tab}`);
        await page.getByRole('tab', { name: new RegExp(tab, 'i') }).waitFor();
        await page.waitForLoadState('networkidle');
        await noSidewaysScroll(page, `the ${tab} tab`);
        await shoot(page, `${tab}-phone`, engine);
      }
      await page.goto(`${muster.url}/automation/actions/${action.body.id}`);
      await page.getByRole('heading', { name: 'Flush the cache' }).waitFor();
      await noSidewaysScroll(page, 'the action page');
      await shoot(page, 'action-phone', engine);
      assert.deepEqual(errors, []);
      await context.close();
    });

    test("a rule picks its service and runbook by name, and its page shows the rule's firings", async () => {
      await muster.api('PUT', `/api/teams/${teamId}/automation`, { automaticPaused: false });
      const service = await muster.api<{ id: string }>('POST', '/api/services', { teamId, name: 'Checkout API' });
      assert.equal(service.status, 201, JSON.stringify(service.body));
      const runbook = await muster.api<{ id: string }>('POST', '/api/runbooks', {
        teamId,
        title: 'Checkout recovery',
        body: '# Checkout recovery\n\nRestart the workers.',
      });
      assert.equal(runbook.status, 201, JSON.stringify(runbook.body));

      // The rule form: the service ticked by its name, the runbook chosen by its title.
      const { page, errors, context } = await openPage(browser, DESKTOP);
      await signIn(page, muster.url, '/automation/rules/new');
      await page.goto(`${muster.url}/automation/rules/new?team=${teamId}`);
      await page.getByLabel('Name', { exact: true }).fill('Suggest the recovery runbook');
      await page.getByLabel('Trigger').selectOption('incident_declared');
      await page.getByLabel('Checkout API').check();
      await page.getByLabel('Action', { exact: true }).selectOption('suggest_runbook');
      await page.getByLabel('Runbook').selectOption({ label: 'Checkout recovery' });
      const ruleRes = page.waitForResponse(
        (r) => r.url().endsWith('/api/automation-rules') && r.request().method() === 'POST',
      );
      await page.getByRole('button', { name: 'Create the rule' }).click();
      const created = await ruleRes;
      assert.equal(created.status(), 201, await created.text());
      const ruleId = ((await created.json()) as { id: string }).id;
      const saved = await muster.api<{ conditions: { serviceIds?: string[] }; actionConfig: { runbookId?: string } }>(
        'GET',
        `/api/automation-rules/${ruleId}`,
      );
      assert.deepEqual(saved.body.conditions.serviceIds, [service.body.id]);
      assert.equal(saved.body.actionConfig.runbookId, runbook.body.id);
      await page.waitForURL((u) => u.pathname === `/automation/rules/${ruleId}`);
      await page.getByText(/It has not fired yet/).waitFor();

      // An incident on the service fires it; the firings list says when, for which incident, what and how it went.
      const incident = await muster.api<{ incident: { id: string } }>('POST', '/api/incidents', {
        title: 'Checkout returns errors',
        severity: 'P2',
        serviceIds: [service.body.id],
      });
      assert.equal(incident.status, 201, JSON.stringify(incident.body));
      for (let i = 0; ; i++) {
        const f = await muster.api<{ items: unknown[] }>('GET', `/api/automation-rules/${ruleId}/firings`);
        if (f.body.items.length) break;
        assert.ok(i < 200, 'the rule fired');
        await new Promise((r) => setTimeout(r, 50));
      }
      await page.reload();
      const row = page.getByTestId('rule-firings').locator('[data-firing-id]');
      await row.getByRole('link', { name: 'Incident: Checkout returns errors' }).waitFor();
      await row.getByText('Suggested runbook: Checkout recovery').waitFor();
      await row.locator('[data-outcome="done"]').getByText('Done').waitFor();
      assert.equal(
        await row.getByRole('link', { name: /Incident:/ }).getAttribute('href'),
        `/incidents/${incident.body.incident.id}`,
      );
      // The saved runbook shows by its title once the list has loaded.
      await page.waitForLoadState('networkidle');
      const shownRunbook = await page
        .getByLabel('Runbook')
        .evaluate((el) => (el as HTMLSelectElement).selectedOptions[0]?.textContent ?? '');
      assert.equal(shownRunbook, 'Checkout recovery');
      await shoot(page, 'rule-firings-desktop', engine);

      // Saving without a change keeps the service and the runbook (the form round-trips its conditions).
      const patched = page.waitForResponse(
        (r) => r.url().endsWith(`/api/automation-rules/${ruleId}`) && r.request().method() === 'PATCH',
      );
      await page.getByRole('button', { name: 'Save' }).click();
      assert.equal((await patched).status(), 200);
      const again = await muster.api<{ conditions: { serviceIds?: string[] } }>(
        'GET',
        `/api/automation-rules/${ruleId}`,
      );
      assert.deepEqual(again.body.conditions.serviceIds, [service.body.id]);
      assert.deepEqual(errors, []);
      await context.close();

      // A rule that runs an approval action for an alert: on a phone, its firing links the alert and the run.
      const action = await muster.api<{ id: string }>('POST', '/api/actions', {
        teamId,
        name: 'Fail over the cache',
        kind: 'http',
        mode: 'approval',
        runbookId: runbook.body.id,
        http: { method: 'POST', url: `${receiverUrl}/failover`, allowPrivateAddress: true },
      });
      assert.equal(action.status, 201, JSON.stringify(action.body));
      const alertRule = await muster.api<{ id: string }>('POST', '/api/automation-rules', {
        teamId,
        name: 'Propose a cache failover',
        trigger: 'alert_triggered',
        conditions: { alertnames: ['CacheStale'] },
        action: 'run_action',
        actionConfig: { actionId: action.body.id },
      });
      assert.equal(alertRule.status, 201, JSON.stringify(alertRule.body));
      const key = await muster.api<{ key: string }>('POST', `/api/services/${service.body.id}/integration-keys`, {
        source: 'generic',
      });
      const fired = await muster.api(
        'POST',
        `/integrations/generic/${key.body.key}`,
        { status: 'firing', dedupKey: 'cache-1', title: 'Cache is stale', labels: { alertname: 'CacheStale' } },
        null,
      );
      assert.equal(fired.status, 200, JSON.stringify(fired.body));
      for (let i = 0; ; i++) {
        const f = await muster.api<{ items: unknown[] }>('GET', `/api/automation-rules/${alertRule.body.id}/firings`);
        if (f.body.items.length) break;
        assert.ok(i < 200, 'the alert rule fired');
        await new Promise((r) => setTimeout(r, 50));
      }
      const phone = await openPage(browser, PHONE);
      await signIn(phone.page, muster.url, `/automation/rules/${alertRule.body.id}`);
      const phoneRow = phone.page.getByTestId('rule-firings').locator('[data-firing-id]');
      await phoneRow.getByRole('link', { name: 'Alert: Cache is stale' }).waitFor();
      await phoneRow.getByText(/Requested a run of Fail over the cache \(awaiting approval\)/).waitFor();
      await phoneRow.getByRole('link', { name: 'See the run' }).waitFor();
      await noSidewaysScroll(phone.page, 'the rule page');
      await shoot(phone.page, 'rule-firings-phone', engine);

      // The action's form shows the runbook it belongs to by its title.
      await phone.page.goto(`${muster.url}/automation/actions/${action.body.id}`);
      await phone.page.getByRole('heading', { name: 'Fail over the cache' }).waitFor();
      await phone.page.waitForLoadState('networkidle');
      const picked = await phone.page
        .getByLabel('Runbook')
        .evaluate((el) => (el as HTMLSelectElement).selectedOptions[0]?.textContent ?? '');
      assert.equal(picked, 'Checkout recovery');
      await noSidewaysScroll(phone.page, 'the action page with its runbook');
      assert.deepEqual(phone.errors, []);
      await phone.context.close();
    });
  });
