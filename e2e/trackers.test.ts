/**
 * The team page's "Issue trackers" card in a real browser against an in-process server and the local GitHub stand-in
 * (src/testing/trackers.ts): the organisation admin connects GitHub at the stand-in's loopback address (so with
 * "Allow a private address"), sees the token required and the problems beside their fields, edits the connection
 * keeping the token, an action item created with createTrackerIssue gets its issue link on the board, then
 * Disconnect (confirmed); GitLab connects with its project path at a phone's width. No sideways scrolling at 390 × 844; screenshots in /tmp/shots/trackers-*.png.
 * Needs web/dist: `npm run build:web` first.
 */
import assert from 'node:assert/strict';
import { mkdirSync } from 'node:fs';
import { after, before, describe, test } from 'node:test';
import { type Browser, type Page } from 'playwright-core';
import { browserTestEngines } from '../src/db/testing/index.js';
import { startTestMuster, type TestMuster } from '../src/testing/server.js';
import { GithubStandIn } from '../src/testing/trackers.js';
import { launchBrowser, openPage, signIn } from './browser.js';

/** One engine for this browser file; MUSTER_E2E_ENGINES=both runs both (docs/adr/0012). */
const ENGINES = browserTestEngines('postgres');

const SHOTS = '/tmp/shots';

async function noSidewaysScroll(page: Page, width: number) {
  const w = await page.evaluate(() => document.documentElement.scrollWidth);
  assert.ok(w <= width, `no sideways scrolling at ${width} px (page is ${w} px wide)`);
}

for (const engine of ENGINES)
  describe(`team issue trackers (${engine})`, () => {
    let muster: TestMuster;
    let browser: Browser;
    let github: GithubStandIn;
    before(async () => {
      mkdirSync(SHOTS, { recursive: true });
      muster = await startTestMuster(engine);
      github = await new GithubStandIn('ghp_e2e_token', ['acme/platform']).start();
      browser = await launchBrowser();
    });
    after(async () => {
      await browser?.close();
      await github?.close();
      await muster?.stop();
    });

    test('connects GitHub, edits it, an action item gets its issue, and disconnects', async () => {
      const me = (await muster.api<{ id: string }>('GET', '/api/me')).body.id;
      const team = (await muster.api<{ id: string }>('POST', '/api/teams', { name: 'Payments' })).body.id;
      const tracker = `/api/teams/${team}/trackers/github`;

      const { page, errors } = await openPage(browser, { width: 1280, height: 800 });
      await signIn(page, muster.url, `/teams/${team}`);
      const card = page.locator('section.card', { has: page.getByRole('heading', { name: 'Issue trackers' }) });
      const gh = card.locator('[data-tracker="github"]');
      await gh.getByText('Not connected.').waitFor();
      await card.locator('[data-tracker="jira"]').getByRole('button', { name: 'Connect Jira' }).waitFor();

      // Connect: the token is required; a bad repository and the loopback URL without the box come back per field.
      await gh.getByRole('button', { name: 'Connect GitHub Issues' }).click();
      const form = gh.getByRole('form', { name: 'Connect GitHub Issues' });
      assert.equal(await form.getByLabel('Base URL').inputValue(), 'https://api.github.com');
      assert.equal(await form.getByLabel('Token').getAttribute('type'), 'password');
      await form.getByLabel('Base URL').fill(github.url);
      await form.getByLabel('Repository').fill('no-slash');
      await form.getByRole('button', { name: 'Connect' }).click();
      await form.getByText('Token is required').waitFor();
      await form.getByLabel('Token').fill('ghp_e2e_token');
      await form.getByRole('button', { name: 'Connect' }).click();
      await form.locator('#tracker-github-project-error').waitFor();
      await form.getByLabel('Repository').fill('acme/platform');
      await form.getByRole('button', { name: 'Connect' }).click();
      await form.locator('#tracker-github-base-url-error').waitFor();
      await form.getByLabel('Allow a private address').check();
      await form.getByRole('button', { name: 'Connect' }).click();
      await gh.getByText('connected', { exact: true }).waitFor();
      await gh.getByText('acme/platform').waitFor();
      await gh.getByText('Private address allowed').waitFor();
      let saved = await muster.api<{ hasToken: boolean; allowPrivateAddress: boolean; baseUrl: string }>(
        'GET',
        tracker,
      );
      assert.equal(saved.status, 200);
      assert.equal(saved.body.baseUrl, github.url);
      assert.equal(saved.body.hasToken, true);
      assert.equal(saved.body.allowPrivateAddress, true);
      await page.screenshot({ path: `${SHOTS}/trackers-1280.png`, fullPage: true });

      // Edit without a token keeps the stored one (the issue below is created with it).
      await gh.getByRole('button', { name: 'Edit GitHub Issues' }).click();
      const edit = gh.getByRole('form', { name: 'Edit GitHub Issues' });
      await edit.getByText('Leave empty to keep the current token.').waitFor();
      assert.equal(await edit.getByLabel('Allow a private address').isChecked(), true);
      await edit.getByLabel('Repository').fill('acme/platform-typo');
      await edit.getByRole('button', { name: 'Save' }).click();
      await gh.getByText('acme/platform-typo').waitFor();
      await gh.getByRole('button', { name: 'Edit GitHub Issues' }).click();
      await edit.getByLabel('Repository').fill('acme/platform');
      await edit.getByRole('button', { name: 'Save' }).click();
      await gh.getByText('acme/platform', { exact: true }).waitFor();
      saved = await muster.api('GET', tracker);
      assert.equal(saved.body.hasToken, true);

      // An action item asks for its issue; the link shows on the board.
      const incident = (
        await muster.api<{ incident: { id: string } }>('POST', '/api/incidents', {
          title: 'Card payments failing',
          severity: 'P2',
        })
      ).body.incident.id;
      const item = await muster.api<{ id: string }>('POST', '/api/action-items', {
        incidentId: incident,
        title: 'Retry card authorisations with backoff',
        ownerUserId: me,
        teamId: team,
        createTrackerIssue: true,
      });
      assert.equal(item.status, 201, JSON.stringify(item.body));
      await page.goto(`${muster.url}/action-items`);
      const row = page.locator(`tr[data-action-item-id="${item.body.id}"]`);
      await row.waitFor();
      const link = row.getByRole('link', { name: 'acme/platform#1' });
      for (let i = 0; i < 30 && !(await link.count()); i++) {
        await page.waitForTimeout(500);
        await page.reload();
        await row.waitFor();
      }
      assert.equal(await link.getAttribute('href'), 'https://github.com/acme/platform/issues/1');
      assert.equal(github.issues.length, 1);
      assert.equal(github.issues[0]!.title, 'Retry card authorisations with backoff');

      // At a phone's width: the card fits, then Disconnect asks once more.
      const phone = await openPage(browser, { width: 390, height: 844 });
      await signIn(phone.page, muster.url, `/teams/${team}`);
      const pgh = phone.page.locator('[data-tracker="github"]');
      await pgh.getByText('Private address allowed').waitFor();
      await noSidewaysScroll(phone.page, 390);
      await phone.page.screenshot({ path: `${SHOTS}/trackers-390.png`, fullPage: true });
      await phone.page.locator('[data-tracker="jira"]').getByRole('button', { name: 'Connect Jira' }).click();
      await phone.page.getByRole('form', { name: 'Connect Jira' }).waitFor();
      await noSidewaysScroll(phone.page, 390);
      await phone.page.screenshot({ path: `${SHOTS}/trackers-390-jira-form.png`, fullPage: true });
      // GitLab: gitlab.com by default; a self-managed GitLab (here a loopback address) by its base URL.
      const pgl = phone.page.locator('[data-tracker="gitlab"]');
      await pgl.getByRole('button', { name: 'Connect GitLab' }).click();
      const glForm = phone.page.getByRole('form', { name: 'Connect GitLab' });
      assert.equal(await glForm.getByLabel('Base URL').inputValue(), 'https://gitlab.com');
      await glForm.getByLabel('Base URL').fill('http://127.0.0.1:9');
      await glForm.getByLabel('Project path').fill('acme/infra/queues');
      await glForm.getByLabel('Token').fill('glpat-e2e');
      await glForm.getByLabel('Allow a private address').check();
      await noSidewaysScroll(phone.page, 390);
      await glForm.getByRole('button', { name: 'Connect' }).click();
      await pgl.getByText('acme/infra/queues').waitFor();
      const gl = await muster.api<{ project: string; baseUrl: string }>('GET', `/api/teams/${team}/trackers/gitlab`);
      assert.equal(gl.body.project, 'acme/infra/queues');
      assert.equal(gl.body.baseUrl, 'http://127.0.0.1:9');

      await pgh.getByRole('button', { name: 'Disconnect' }).click();
      await pgh.getByRole('button', { name: 'Disconnect GitHub Issues' }).click();
      await pgh.getByText('Not connected.').waitFor();
      assert.equal((await muster.api('GET', tracker)).status, 404);
      assert.deepEqual(errors, []);
      assert.deepEqual(phone.errors, []);
    });
  });
