/**
 * Automation in a real browser (Debian's Chromium via playwright-core) against an in-process server, on both engines:
 * an org admin creates an HTTP action pointing at a local receiver (a node:http server here; a private address, so
 * "allow a private address"), runs it from the action page and watches its output and status on the run page; a
 * responder on a 390 px phone approves a run another person asked for from the approvals inbox; the admin pauses
 * automatic runs with a reason, creates a rule and creates an agent (its token shown once). No page scrolls sideways
 * at 390 px; desktop and phone screenshots go to /tmp/shots-automation/. Needs web/dist: `npm run build:web`.
 */
import assert from 'node:assert/strict';
import { mkdirSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, describe, test } from 'node:test';
import type { Browser, Page } from 'playwright-core';
import { ENGINES } from '../src/db/testing/index.js';
import { startTestMuster, type TestMuster } from '../src/testing/server.js';
import { launchBrowser, openPage, signIn } from './browser.js';

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
  });
