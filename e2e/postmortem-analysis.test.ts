/**
 * The 5 Whys, contributing factors and the completion rate in a real browser (Debian's Chromium via playwright-core)
 * on a phone-sized window (390 × 844), on both engines: a why whose answer ends at a person ("Dave forgot …") shows
 * the prompt to ask one more why, asking it clears the prompt; an evidence link is added; a factor is tagged; a why is
 * deleted with the one under it; the insights page shows the completion rate, the missing post-mortem and the factor
 * count; an administrator adds and archives a contributing factor. No page scrolls sideways. Screenshots go to
 * /tmp/shots/. Needs web/dist: `npm run build:web` first.
 */
import assert from 'node:assert/strict';
import { mkdirSync } from 'node:fs';
import { after, before, describe, test } from 'node:test';
import type { Browser, Locator, Page } from 'playwright-core';
import { browserTestEngines } from '../src/db/testing/index.js';
import { startTestMuster, type TestMuster } from '../src/testing/server.js';
import { launchBrowser, openPage, signIn } from './browser.js';

/** One engine for this browser file; MUSTER_E2E_ENGINES=both runs both (docs/adr/0012). */
const ENGINES = browserTestEngines('sqlite');

const PHONE = { width: 390, height: 844 };
const SHOTS = '/tmp/shots';

async function noSidewaysScroll(page: Page, what: string): Promise<void> {
  const { scroll, client, culprits } = await page.evaluate(() => {
    const client = document.documentElement.clientWidth;
    const culprits = [...document.querySelectorAll('body *')]
      .filter((el) => el.getBoundingClientRect().right > client + 1)
      .filter((el) => ![...el.children].some((c) => c.getBoundingClientRect().right > client + 1))
      .slice(0, 5)
      .map((el) => `${el.tagName.toLowerCase()}.${[...el.classList].join('.')}`);
    return { scroll: document.documentElement.scrollWidth, client, culprits };
  });
  assert.ok(scroll <= client, `${what} scrolls sideways at ${client} px: ${scroll} px (${culprits.join('; ')})`);
}

/** The whole page, or only `part` of it (a section of a long editor). */
async function shoot(page: Page, name: string, engine: string, part?: Locator): Promise<void> {
  if (engine !== ENGINES[0]) return;
  mkdirSync(SHOTS, { recursive: true });
  if (part) await part.screenshot({ path: `${SHOTS}/${name}.png` });
  else await page.screenshot({ path: `${SHOTS}/${name}.png`, fullPage: true });
}

for (const engine of ENGINES)
  describe(`5 Whys, factors and completion in the browser (${engine})`, () => {
    let muster: TestMuster;
    let browser: Browser;

    before(async () => {
      muster = await startTestMuster(engine);
      browser = await launchBrowser();
    });
    after(async () => {
      await browser?.close();
      await muster?.stop();
    });

    test('a why ending at a person asks for one more; factors, insights and the taxonomy at 390 px', async () => {
      const api = muster.api;
      const dave = await api('POST', '/api/users', {
        email: 'dave@example.test',
        name: 'Dave Jones',
        password: 'a long enough password',
      });
      assert.equal(dave.status, 201, JSON.stringify(dave.body));
      const team = await api<{ id: string }>('POST', '/api/teams', { name: 'Shop' });
      const svc = await api<{ id: string }>('POST', '/api/services', { name: 'Checkout', teamId: team.body.id });
      assert.equal(svc.status, 201, JSON.stringify(svc.body));
      const declared = await api<{ incident: { id: string } }>('POST', '/api/incidents', {
        title: 'Checkout times out',
        severity: 'P1',
        serviceIds: [svc.body.id],
      });
      const incidentId = declared.body.incident.id;
      assert.equal((await api('POST', `/api/incidents/${incidentId}/status`, { status: 'resolved' })).status, 200);
      const started = await api('POST', `/api/incidents/${incidentId}/postmortem`, {});
      assert.ok(started.status === 201 || started.status === 409, JSON.stringify(started.body));
      const pm = await api<{ id: string }>('GET', `/api/incidents/${incidentId}/postmortem`);
      assert.equal(pm.status, 200, JSON.stringify(pm.body));

      const { page, context, errors } = await openPage(browser, PHONE);
      await signIn(page, muster.url, `/postmortems/${pm.body.id}`);
      const tree = page.locator('[data-section="root_cause"]').getByTestId('why-tree');
      await tree.waitFor();

      // A why that ends at a person.
      await tree.getByRole('button', { name: 'Add a why' }).click();
      const form = tree.getByRole('form', { name: 'Add a why' });
      await form.getByLabel('Why?').fill('Why was the index missing?');
      await form.getByLabel('Because').fill('Dave forgot to run the migration.');
      await form.getByRole('button', { name: 'Add why' }).click();
      const prompt = tree.getByTestId('why-person-prompt');
      await prompt.waitFor();
      assert.match(await prompt.innerText(), /ends at a person/);
      await noSidewaysScroll(page, 'the why-tree with the prompt');
      await shoot(page, 'whys-prompt-390', engine, page.locator('[data-section="root_cause"]'));

      // One more why clears it.
      await prompt.getByRole('button', { name: 'Ask one more why' }).click();
      const more = tree.getByRole('form', { name: 'Add a why' });
      assert.match(await more.getByLabel('Why?').inputValue(), /^Why dave forgot/i, 'the question is suggested');
      await more.getByLabel('Why?').fill('What let a migration be skipped?');
      await more.getByLabel('Because').fill('Our deploy pipeline does not check that migrations ran.');
      await more.getByRole('button', { name: 'Add why' }).click();
      await tree.getByText('Our deploy pipeline does not check that migrations ran.').waitFor();
      await prompt.waitFor({ state: 'detached' });

      // Evidence on the second why.
      const secondId = await tree
        .locator('li.pm-why', { hasText: 'What let a migration be skipped?' })
        .last()
        .getAttribute('data-why-id');
      const second = tree.locator(`li[data-why-id="${secondId}"]`);
      await second.getByRole('button', { name: 'Edit', exact: true }).first().click();
      const edit = second.getByRole('form', { name: 'Edit why' });
      await edit.getByRole('button', { name: 'Add a link' }).click();
      await edit.getByLabel('Link', { exact: true }).fill('javascript:alert(1)');
      await edit.getByRole('button', { name: 'Save' }).click();
      await edit.locator('.field-error', { hasText: 'must be an http or https URL' }).waitFor();
      await edit.getByLabel('Link', { exact: true }).fill('https://ci.example.test/pipelines/42');
      await edit.getByLabel('Label', { exact: true }).fill('Pipeline run 42');
      await edit.getByRole('button', { name: 'Save' }).click();
      await tree.getByRole('link', { name: 'Pipeline run 42' }).waitFor();

      // A contributing factor, linked to the why.
      const picker = page.locator('[data-section="root_cause"]').getByTestId('factor-picker');
      const chip = picker.getByRole('button', { name: 'Change management' });
      await chip.click();
      await picker.locator('button[aria-pressed="true"]', { hasText: 'Change management' }).waitFor();
      await noSidewaysScroll(page, 'the factor picker');
      await shoot(page, 'whys-factors-390', engine, page.locator('[data-section="root_cause"]'));

      // Delete the first why and the one under it.
      const first = tree.locator('li.pm-why', { hasText: 'Why was the index missing?' }).first();
      await first.locator('.pm-why-actions').first().getByRole('button', { name: 'Delete' }).click();
      await first.getByRole('button', { name: 'Delete this and the 1 under it' }).click();
      await tree.getByText('Why was the index missing?').waitFor({ state: 'detached' });
      const left = await api<{ nodes: unknown[]; factors: { key: string; whyId: string | null }[] }>(
        'GET',
        `/api/postmortems/${pm.body.id}/whys`,
      );
      assert.equal(left.body.nodes.length, 0);
      assert.deepEqual(
        left.body.factors.map((f) => f.key),
        ['change_management'],
      );

      // Insights: once its due date has passed, the incident is eligible and missing; the factor is counted.
      const overdue = await api('PATCH', `/api/postmortems/${pm.body.id}`, {
        dueAt: new Date(Date.now() - 60_000).toISOString(),
      });
      assert.equal(overdue.status, 200, JSON.stringify(overdue.body));
      await page.goto(`${muster.url}/postmortems/insights`);
      await page.getByTestId('completion-rate').first().waitFor();
      assert.equal((await page.getByTestId('completion-rate').first().innerText()).trim(), '0%');
      await page.getByTestId('completion-missing').getByText('Checkout times out').waitFor();
      await page.getByTestId('factor-counts').getByText('Change management').waitFor();
      await noSidewaysScroll(page, 'the insights page');
      await shoot(page, 'insights-390', engine);

      // The taxonomy: add a factor, then archive it.
      await page.goto(`${muster.url}/admin/contributing-factors`);
      await page.getByRole('button', { name: 'New factor' }).click();
      const add = page.getByRole('form', { name: 'New contributing factor' });
      await add.getByLabel('Key', { exact: true }).fill('vendor_outage');
      await add.getByLabel('Name', { exact: true }).fill('Vendor outage');
      await add.getByRole('button', { name: 'Add factor' }).click();
      const row = page.locator('[data-factor-key="vendor_outage"]');
      await row.waitFor();
      await row.getByRole('button', { name: 'Archive' }).click();
      await row.getByRole('button', { name: 'Restore' }).waitFor();
      await noSidewaysScroll(page, 'the contributing factors page');
      await shoot(page, 'factors-admin-390', engine);

      assert.deepEqual(errors, []);
      await context.close();
    });
  });
