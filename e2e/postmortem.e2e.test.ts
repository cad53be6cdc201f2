/**
 * A post-mortem written and published in a real browser (Debian's Chromium via playwright-core) against an
 * in-process server, on both engines: a P1 is declared and resolved, the room's post-mortem card leads to the
 * editor, the required sections are filled (text, a why with its answer, an action item with an owner), a blameful
 * sentence ("John should have checked the config") is flagged while typing and rephrased, a second person is asked
 * to review and approves in their own browser, the author publishes, and the print page shows it. The editor at
 * 390 × 844 has no sideways scrolling. Screenshots (desktop and 390 px) of the list, the editor and the print page go
 * to /tmp/shots/. Needs web/dist: `npm run build:web` first.
 */
import assert from 'node:assert/strict';
import { mkdirSync } from 'node:fs';
import { after, before, describe, test } from 'node:test';
import type { Browser, Page } from 'playwright-core';
import { createElement } from 'react';
import { renderToStaticMarkup } from 'react-dom/server';
import { Markdown } from '../web/src/pages/postmortems/markdown.js';
import { browserTestEngines } from '../src/db/testing/index.js';
import { ADMIN_EMAIL, startTestMuster, type TestMuster } from '../src/testing/server.js';
import { launchBrowser, openPage, signIn } from './browser.js';

/** One engine for this browser file; MUSTER_E2E_ENGINES=both runs both (docs/adr/0012). */
const ENGINES = browserTestEngines('postgres');

const PASSWORD = 'a long enough password';
const SHOTS = '/tmp/shots';
const PHONE = { width: 390, height: 844 };

let muster: TestMuster;
let browser: Browser;

async function noSidewaysScroll(page: Page, what: string): Promise<void> {
  const { scroll, client, culprits } = await page.evaluate(() => {
    const client = document.documentElement.clientWidth;
    // The deepest elements reaching past the right edge name the cause in the failure message.
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

// The editor's Markdown preview builds React elements, never HTML: hostile input stays text.
test('the post-mortem Markdown preview keeps HTML as text and drops unsafe links', () => {
  const html = renderToStaticMarkup(
    createElement(Markdown, {
      source: [
        '<script>alert(1)</script>',
        '<img src=x onerror=alert(1)>',
        '[click](javascript:alert(1)) and [data](data:text/html;base64,PHNjcmlwdD4=)',
        '- **bold** and `code` and [docs](https://example.com/runbook)',
      ].join('\n\n'),
    }),
  );
  assert.doesNotMatch(html, /<script|<img|href="javascript:|href="data:/i);
  assert.match(html, /&lt;script&gt;alert\(1\)&lt;\/script&gt;/);
  assert.match(
    html,
    /<a href="https:\/\/example.com\/runbook" target="_blank" rel="noopener noreferrer nofollow">docs<\/a>/,
  );
  assert.match(html, /<li><strong>bold<\/strong> and <code>code<\/code>/);
});

for (const engine of ENGINES)
  describe(`post-mortem pages (${engine})`, () => {
    before(async () => {
      muster = await startTestMuster(engine);
      browser = await launchBrowser();
    });

    after(async () => {
      await browser?.close();
      await muster?.stop();
    });

    test('write, review and publish a post-mortem from the incident room, then print it', async () => {
      const rita = await muster.api<{ user: { id: string } }>('POST', '/api/users', {
        email: 'rita.review@example.test',
        name: 'Rita Reviewer',
        password: PASSWORD,
      });
      assert.equal(rita.status, 201, JSON.stringify(rita.body));
      const team = await muster.api<{ id: string }>('POST', '/api/teams', { name: 'Payments', slug: 'payments' });
      assert.equal(team.status, 201, JSON.stringify(team.body));
      const svc = await muster.api<{ id: string }>('POST', '/api/services', { name: 'Checkout', teamId: team.body.id });
      assert.equal(svc.status, 201, JSON.stringify(svc.body));

      // A P1, declared and resolved: the policy (P1 required) gives it a post-mortem.
      const declared = await muster.api<{ incident: { id: string } }>('POST', '/api/incidents', {
        title: 'Card payments fail at checkout',
        severity: 'P1',
        serviceIds: [svc.body.id],
      });
      assert.equal(declared.status, 201, JSON.stringify(declared.body));
      const incidentId = declared.body.incident.id;
      const component = await muster.api<{ id: string }>('POST', '/api/status-page/components', {
        name: 'Payments',
        serviceIds: [svc.body.id],
      });
      assert.equal(component.status, 201, JSON.stringify(component.body));
      const onStatusPage = await muster.api('POST', `/api/status-page/incidents/${incidentId}`, {
        title: 'Card payments failing',
        impact: 'Card payments fail at checkout.',
        components: [{ componentId: component.body.id, status: 'major_outage' }],
      });
      assert.equal(onStatusPage.status, 201, JSON.stringify(onStatusPage.body));
      const resolved = await muster.api('POST', `/api/incidents/${incidentId}/status`, { status: 'resolved' });
      assert.equal(resolved.status, 200, JSON.stringify(resolved.body));

      const a = await openPage(browser, { width: 1280, height: 900 });
      const page = a.page;
      await signIn(page, muster.url, `/incidents/${incidentId}`);
      const card = page.getByTestId('postmortem-card');
      await card.waitFor();
      await card
        .getByRole('button', { name: 'Start post-mortem' })
        .or(card.getByRole('link', { name: 'Continue post-mortem' }))
        .click();
      await page.waitForURL((u) => /^\/postmortems\/[^/]+$/.test(u.pathname));
      const pmId = decodeURIComponent(new URL(page.url()).pathname.split('/')[2]!);
      await page.getByTestId('postmortem-editor').waitFor();
      await page.getByTestId('publish-problems').waitFor();
      const publish = page.getByRole('button', { name: 'Publish', exact: true });
      assert.equal(await publish.isDisabled(), true, 'publishing is blocked while sections are empty');

      const section = (key: string) => page.locator(`[data-section="${key}"]`);
      const writeText = async (key: string, text: string) => {
        const s = section(key);
        await s.getByTestId(`text-${key}`).locator('textarea').fill(text);
        const saved = page.waitForResponse((r) => r.request().method() === 'PATCH' && r.url().endsWith(pmId));
        await s.getByRole('button', { name: 'Save', exact: true }).click();
        assert.equal((await saved).status(), 200);
        await page.locator(`[data-section="${key}"][data-filled="true"]`).waitFor();
      };

      await writeText(
        'summary',
        'Card payments failed for 40 minutes after a configuration change; a rollback restored them.',
      );
      await writeText('went_well', 'The alert fired within two minutes and the **rollback runbook** worked.');

      // Blameless language: flagged while typing, gone once rephrased.
      const improve = section('could_improve');
      const improveText = improve.getByTestId('text-could_improve').locator('textarea');
      await improveText.fill('John should have checked the config before the deploy.');
      const findings = improve.getByTestId('blame-findings');
      await findings.waitFor();
      await findings
        .getByText(/should have/i)
        .first()
        .waitFor();
      await improveText.fill('Our deploy pipeline let an unvalidated configuration reach production.');
      await findings.waitFor({ state: 'detached' });
      const saved = page.waitForResponse((r) => r.request().method() === 'PATCH' && r.url().endsWith(pmId));
      await improve.getByRole('button', { name: 'Save', exact: true }).click();
      assert.equal((await saved).status(), 200);

      // Timeline: star the first pre-filled event.
      const timeline = section('timeline');
      const firstEvent = timeline.locator('.pm-timeline-table tbody tr[data-ref]').first();
      await firstEvent.getByRole('button', { name: 'Star' }).click();
      await timeline.locator('tr[data-starred="true"]').first().waitFor();

      // Impact in numbers.
      await page.getByLabel('Customers affected').fill('about 1,200');
      await page.getByRole('button', { name: 'Save impact' }).click();
      await page.getByRole('button', { name: 'Save impact' }).and(page.locator(':disabled')).waitFor();

      // The public summary, posted on the status page as the incident's final update.
      const publicSummary = 'A configuration change stopped card payments for 40 minutes; we now validate it first.';
      await page.getByLabel('Public summary').fill(publicSummary);
      await page.getByRole('button', { name: 'Save summary' }).click();
      await page.getByRole('button', { name: 'Publish to status page' }).and(page.locator(':enabled')).click();
      await page.getByText(/^On the status page since/).waitFor();
      const status = await muster.api<unknown>('GET', '/api/public/status', undefined, null);
      assert.match(JSON.stringify(status.body), /we now validate it first/);

      // Root cause: one why with its answer; action items: one with an owner.
      const users = await muster.api<{ users: { id: string; email: string }[] }>('GET', '/api/users');
      const adminId = users.body.users.find((u) => u.email === ADMIN_EMAIL)!.id;
      await addWhy(page);
      await addActionItem(page, adminId, team.body.id);

      // A comment on the summary, then resolved.
      const summary = section('summary');
      await summary.getByRole('button', { name: 'Comment' }).click();
      await summary.getByRole('textbox', { name: 'Comment' }).fill('Say how many customers were affected.');
      await summary.getByRole('button', { name: 'Add comment' }).click();
      const comment = summary.locator('.pm-comment').filter({ hasText: 'Say how many customers were affected.' });
      await comment.waitFor();
      await comment.getByRole('button', { name: 'Resolve' }).click();
      await summary.getByRole('button', { name: 'Show 1 resolved' }).waitFor();

      // Someone else saves meanwhile: this page's save is refused, explained, and their version can be loaded.
      const current = await muster.api<{ revision: number }>('GET', `/api/postmortems/${pmId}`);
      const other = await muster.api('PATCH', `/api/postmortems/${pmId}`, {
        sections: { went_well: 'Rollback took five minutes.' },
        baseRevision: current.body.revision,
      });
      assert.equal(other.status, 200, JSON.stringify(other.body));
      const wentWell = section('went_well');
      await wentWell.locator('textarea').fill('The alert fired within two minutes.');
      await wentWell.getByRole('button', { name: 'Save', exact: true }).click();
      await wentWell.getByText('Someone else saved this post-mortem after you opened it.').waitFor();
      await wentWell.getByRole('button', { name: 'Load their version' }).click();
      await wentWell.getByText('Your unsaved text').waitFor();
      assert.equal(await wentWell.locator('textarea').inputValue(), 'Rollback took five minutes.');

      // An entry added to the timeline, and a milestone corrected with a reason.
      await timeline.getByRole('button', { name: 'Add an entry' }).click();
      await timeline.getByLabel('What happened').fill('Support reported failed card payments by phone');
      await timeline.getByRole('button', { name: 'Add entry' }).click();
      await timeline.getByText('Support reported failed card payments by phone').waitFor();
      const impactRow = timeline.locator('[data-milestone="impactStartedAt"]');
      await impactRow.getByRole('button', { name: 'Correct' }).click();
      const correct = timeline.getByRole('form', { name: 'Correct Impact started' });
      const resolvedAt = new Date(Date.now() - 40 * 60_000);
      const pad = (n: number) => String(n).padStart(2, '0');
      await correct
        .getByLabel('Time')
        .fill(
          `${resolvedAt.getFullYear()}-${pad(resolvedAt.getMonth() + 1)}-${pad(resolvedAt.getDate())}T${pad(resolvedAt.getHours())}:${pad(resolvedAt.getMinutes())}`,
        );
      await correct.getByLabel('Reason').fill('Errors began 40 minutes before the declaration (payment logs)');
      await correct.getByRole('button', { name: 'Save correction' }).click();
      await correct.waitFor({ state: 'detached' });
      assert.notEqual((await impactRow.innerText()).includes('—'), true, 'the corrected milestone has a time');

      // Revisions: the latest shows its diff with added lines.
      const revisions = page.locator('.pm-revisions');
      await revisions.locator('.pm-revision-btn').first().click();
      await page.getByTestId('revision-diff').locator('.pm-diff-add').first().waitFor();

      // Request a review from Rita.
      await page.getByRole('button', { name: 'Request review' }).click();
      await page.getByLabel('Reviewers').selectOption(rita.body.user.id);
      await page.getByRole('button', { name: 'Add reviewer' }).click();
      await page.getByRole('button', { name: 'Send for review' }).click();
      await page.getByTestId('postmortem-status').getByText('In review').first().waitFor();
      await page.getByTestId('reviewers').getByText('Rita Reviewer').waitFor();
      await shoot(page, 'editor-desktop', engine);

      // Rita approves in her own browser.
      const b = await openPage(browser, { width: 1280, height: 900 });
      await signIn(b.page, muster.url, `/postmortems/${pmId}`, 'rita.review@example.test', PASSWORD);
      await b.page.getByRole('button', { name: 'Your review' }).click();
      await b.page.getByLabel('Note', { exact: true }).fill('Clear and blameless. Ship it.');
      await b.page.getByRole('button', { name: 'Approve' }).click();
      await b.page.locator(`[data-reviewer="${rita.body.user.id}"][data-decision="approved"]`).waitFor();
      assert.deepEqual(b.errors, []);
      await b.context.close();

      // The author publishes.
      await page.reload();
      await page.getByTestId('postmortem-editor').waitFor();
      const problems = await page.getByTestId('publish-problems').count();
      if (problems > 0) assert.fail(`still blocked: ${await page.getByTestId('publish-problems').innerText()}`);
      await page.getByRole('button', { name: 'Publish', exact: true }).click();
      await page.locator('[data-testid="postmortem-editor"][data-status="published"]').waitFor();

      // The list (Published tab) shows it.
      await page.goto(`${muster.url}/postmortems?tab=published`);
      await page.locator(`[data-postmortem-id="${pmId}"]`).waitFor();
      await shoot(page, 'list-desktop', engine);

      // The print page: no navigation, every section.
      await page.goto(`${muster.url}/postmortems/${pmId}`);
      await page.getByRole('link', { name: 'Print' }).click();
      await page.waitForURL((u) => u.pathname === `/postmortems/${pmId}/print`);
      const print = page.getByTestId('postmortem-print');
      await print.getByRole('heading', { name: 'What could be improved' }).waitFor();
      await print.getByText('Our deploy pipeline let an unvalidated configuration reach production.').waitFor();
      assert.equal(await page.locator('.sidebar').isVisible(), false, 'the print page shows no navigation');
      await shoot(page, 'print-desktop', engine);

      // A phone: no sideways scrolling on the editor, the list or the print page.
      await page.setViewportSize(PHONE);
      await page.goto(`${muster.url}/postmortems/${pmId}`);
      await page.getByTestId('postmortem-editor').waitFor();
      await section('timeline').locator('tr[data-ref]').first().waitFor();
      await shoot(page, 'editor-390', engine);
      await noSidewaysScroll(page, 'the editor');
      // Reopened (with a reason) it is a draft again, editable on the phone without sideways scrolling either.
      await page.getByRole('button', { name: 'Reopen' }).click();
      await page.getByLabel('Reason').fill('A second cause was found in the payment logs');
      await page.getByRole('form', { name: 'Reopen the post-mortem' }).getByRole('button', { name: 'Reopen' }).click();
      await page.locator('[data-testid="postmortem-editor"][data-status="draft"]').waitFor();
      await section('timeline').getByRole('button', { name: 'Star' }).first().waitFor();
      await shoot(page, 'editor-draft-390', engine);
      await noSidewaysScroll(page, 'the editor (draft)');
      await page.goto(`${muster.url}/postmortems?tab=all`);
      await page.locator(`[data-postmortem-id="${pmId}"]`).waitFor();
      await shoot(page, 'list-390', engine);
      await noSidewaysScroll(page, 'the list');
      await page.goto(`${muster.url}/postmortems/${pmId}/print`);
      await page.getByTestId('postmortem-print').waitFor();
      await shoot(page, 'print-390', engine);
      await noSidewaysScroll(page, 'the print page');

      // Templates and policy (org admin): P3 post-mortems become required, and a template gains a section.
      await page.setViewportSize({ width: 1280, height: 900 });
      await page.goto(`${muster.url}/admin/postmortem-templates`);
      const p3 = page.getByRole('form', { name: 'Policy for P3' });
      await p3.getByLabel('Post-mortem').selectOption('required');
      const put = page.waitForResponse((r) => r.request().method() === 'PUT' && r.url().endsWith('/P3'));
      await p3.getByRole('button', { name: 'Save P3' }).click();
      assert.equal((await put).status(), 200);
      const policies = await muster.api<{ severity: string; mode: string }[]>('GET', '/api/postmortem-policies');
      assert.equal(policies.body.find((x) => x.severity === 'P3')?.mode, 'required');
      await page.getByRole('button', { name: 'New template' }).click();
      const tpl = page.getByRole('form', { name: 'Template' });
      await tpl.getByLabel('Name').fill('Security incident');
      await tpl.getByRole('button', { name: 'Add section' }).click();
      await tpl.locator('#tpl-s1-title').fill('Disclosure');
      await tpl.getByRole('button', { name: 'Move up' }).nth(1).click();
      assert.equal(await tpl.locator('#tpl-s0-title').inputValue(), 'Disclosure');
      const created = page.waitForResponse(
        (r) => r.request().method() === 'POST' && r.url().endsWith('/api/postmortem-templates'),
      );
      await tpl.getByRole('button', { name: 'Save template' }).click();
      assert.equal((await created).status(), 201);
      await page.getByRole('table', { name: 'Templates' }).getByText('Security incident').waitFor();
      await shoot(page, 'templates-desktop', engine);

      // A P4 resolved while P4 needed none, then the policy requires one: the list flags it missing, and the room
      // offers to start it by hand.
      const p4 = await muster.api<{ incident: { id: string } }>('POST', '/api/incidents', {
        title: 'Status page logo blurry',
        severity: 'P4',
      });
      assert.equal(p4.status, 201, JSON.stringify(p4.body));
      const p4Id = p4.body.incident.id;
      assert.equal((await muster.api('POST', `/api/incidents/${p4Id}/status`, { status: 'resolved' })).status, 200);
      const p4Policy = await muster.api('PUT', '/api/postmortem-policies/P4', {
        mode: 'required',
        dueBusinessDays: 10,
      });
      assert.equal(p4Policy.status, 200, JSON.stringify(p4Policy.body));
      await page.goto(`${muster.url}/incidents?status=resolved`);
      await page.locator(`[data-incident-id="${p4Id}"]`).getByText('post-mortem missing').waitFor();
      await page.locator(`[data-incident-id="${p4Id}"]`).getByRole('link', { name: 'Status page logo blurry' }).click();
      await page.getByTestId('postmortem-card').waitFor();
      await shoot(page, 'room-card-desktop', engine);
      await page.getByTestId('postmortem-card').getByRole('button', { name: 'Start post-mortem' }).click();
      await page.waitForURL((u) => /^\/postmortems\/[^/]+$/.test(u.pathname));
      await page.getByTestId('postmortem-editor').waitFor();

      assert.deepEqual(a.errors, []);
      await a.context.close();
    });
  });

/** One why with its answer, through the why-tree editor. */
async function addWhy(page: Page): Promise<void> {
  const section = page.locator('[data-section="root_cause"]');
  await section.getByRole('button', { name: 'Add a why' }).click();
  const form = section.getByRole('form', { name: 'Add a why' });
  await form.getByLabel('Why?').fill('Why did card payments fail?');
  await form.getByLabel('Because').fill('A configuration change reached production without validation.');
  await form.getByRole('button', { name: 'Add why' }).click();
  await section.getByText('A configuration change reached production without validation.').first().waitFor();
  await page.locator('[data-section="root_cause"][data-filled="true"]').waitFor();
}

/** One action item with an owner and a team, through the action-items section. */
async function addActionItem(page: Page, ownerId: string, teamId: string): Promise<void> {
  const section = page.locator('[data-section="action_items"]');
  await section.getByRole('button', { name: 'Add action item' }).click();
  const form = section.getByRole('form', { name: 'Add an action item' });
  await form.getByLabel('What is to be done').fill('Validate configuration in the deploy pipeline');
  await form.getByLabel('Owner', { exact: true }).selectOption(ownerId);
  await form.getByLabel('Team', { exact: true }).selectOption(teamId);
  await form.getByRole('button', { name: 'Add action item' }).click();
  await section.getByText('Validate configuration in the deploy pipeline').first().waitFor();
  await page.locator('[data-section="action_items"][data-filled="true"]').waitFor();
}
