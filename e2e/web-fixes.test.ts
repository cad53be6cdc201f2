/**
 * Issue 14, item 7 (web and on-call), in a real browser at 1280 px and 390 px (390 px on the second engine too): contact methods
 * that need no verification show none; the schedule, override, swap and escalation pickers offer the team's members
 * (an administrator may show everyone); the audit log's details are one line with the full view on demand; the
 * incident room's and summary's breadcrumbs lead to real pages; the public page's sentence agrees with its bar; the
 * Incident Commander rotation and the status page's title, slug and description are set through forms; a swap
 * notification's accept link picks the request out and asks with one button. Nothing scrolls sideways.
 * Needs web/dist: `npm run build:web` first.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type { Browser, Page } from 'playwright-core';
import { browserTestEngines } from '../src/db/testing/index.js';
import { systemActor } from '../src/identity/index.js';
import { launchBrowser, openPage, signIn } from './browser.js';
import { startTestMuster, type TestMuster } from '../src/testing/server.js';

/** One engine for this browser file; MUSTER_E2E_ENGINES=both runs both (docs/adr/0012). */
const ENGINES = browserTestEngines('sqlite');

const VIEWPORTS = [
  { name: 'desktop', width: 1280, height: 800 },
  { name: 'phone', width: 390, height: 844 },
] as const;
const PASSWORD = 'a long enough password';

function ok<T>(r: { status: number; body: T }, what: string): T {
  assert.ok(r.status >= 200 && r.status < 300, `${what}: HTTP ${r.status} ${JSON.stringify(r.body)}`);
  return r.body;
}

async function assertNoSideways(page: Page, what: string): Promise<void> {
  const f = await page.evaluate(() => {
    const inner = window.innerWidth;
    const wide = [...document.querySelectorAll<HTMLElement>('body *')]
      .filter((e) => e.getBoundingClientRect().right > inner + 1)
      .filter((e) => ![...e.children].some((c) => c.getBoundingClientRect().right > inner + 1))
      .slice(0, 6)
      .map((e) => `${e.tagName.toLowerCase()}.${String(e.className)} ${Math.round(e.getBoundingClientRect().right)}`);
    return { scroll: document.documentElement.scrollWidth, inner, wide };
  });
  assert.ok(f.scroll <= f.inner, `${what} scrolls sideways at ${f.inner} px: ${JSON.stringify(f)}`);
}

interface Seeded {
  teamId: string;
  scheduleId: string;
  incidentId: string;
  alice: string;
  bob: string;
  tokens: Record<string, string>;
}

async function seed(muster: TestMuster): Promise<Seeded> {
  const api = muster.api;
  const me = ok(await api<{ id: string }>('GET', '/api/me'), 'me').id;
  const team = ok(await api<{ id: string }>('POST', '/api/teams', { name: 'Payments', slug: 'payments' }), 'team');
  const ids: Record<string, string> = {};
  const tokens: Record<string, string> = {};
  for (const [key, name] of [
    ['alice', 'Alice Archer'],
    ['bob', 'Bob Baker'],
    ['carol', 'Carol Outsider'],
  ] as const) {
    const u = ok(
      await api<{ user: { id: string } }>('POST', '/api/users', {
        email: `${key}@example.test`,
        name,
        password: PASSWORD,
      }),
      name,
    );
    ids[key] = u.user.id;
    tokens[key] = (
      await muster.muster.services.tokens.create(systemActor('test'), { userId: u.user.id, name: 't' })
    ).token;
  }
  // Alice and Bob are in Payments; Carol is not.
  for (const id of [ids.alice!, ids.bob!]) {
    ok(await api('PUT', `/api/teams/${team.id}/members/${id}`, { role: 'responder' }), 'member');
  }
  const scheduleId = ok(
    await api<{ id: string }>('POST', '/api/schedules', {
      teamId: team.id,
      name: 'Payments primary',
      timezone: 'UTC',
      layers: [
        {
          name: 'Daily',
          participants: [ids.alice, ids.bob],
          turn: { unit: 'days', count: 1 },
          startDate: new Date(Date.now() - 86_400_000).toISOString().slice(0, 10),
          handoffTime: '09:00',
        },
      ],
    }),
    'schedule',
  ).id;
  // Contact methods of the administrator: email needs no verification, SMS does.
  ok(
    await api('POST', `/api/users/${me}/contact-methods`, { kind: 'email', address: 'admin-mail@example.test' }),
    'cm',
  );
  ok(await api('POST', `/api/users/${me}/contact-methods`, { kind: 'sms', address: '+14155550142' }), 'cm');
  // Audit events with long details: overrides name the override, the person, the times and the swap.
  for (let i = 0; i < 25; i++) {
    const start = Date.now() + (40 + i) * 86_400_000;
    ok(
      await api('POST', `/api/schedules/${scheduleId}/overrides`, {
        userId: ids.bob,
        start: new Date(start).toISOString(),
        end: new Date(start + 3_600_000).toISOString(),
        reason: `Cover number ${i}`,
      }),
      'override',
    );
  }
  const svc = ok(await api<{ id: string }>('POST', '/api/services', { name: 'checkout', teamId: team.id }), 'svc');
  const incident = ok(
    await api<{ incident: { id: string } }>('POST', '/api/incidents', {
      title: 'Checkout errors for card payments in every region',
      severity: 'P2',
      serviceIds: [svc.id],
    }),
    'incident',
  ).incident.id;
  return { teamId: team.id, scheduleId, incidentId: incident, alice: ids.alice!, bob: ids.bob!, tokens };
}

for (const engine of ENGINES) {
  describe(`web fixes of issue 14 [${engine}]`, () => {
    let muster: TestMuster;
    let browser: Browser;
    let s: Seeded;

    before(async () => {
      muster = await startTestMuster(engine);
      browser = await launchBrowser();
      s = await seed(muster);
    });
    after(async () => {
      await browser?.close();
      await muster?.stop();
    });

    // Both widths on the first engine; 390 px on the other (the file must finish within the runner's 300 s).
    for (const vp of engine === ENGINES[0] ? VIEWPORTS : VIEWPORTS.filter((v) => v.name === 'phone')) {
      test(`contact methods show verification only for SMS and voice (${vp.name})`, async () => {
        const { page, errors, context } = await openPage(browser, vp);
        await signIn(page, muster.url, '/profile/notifications');
        const email = page.getByRole('listitem').filter({ hasText: 'admin-mail@example.test' });
        const sms = page.getByRole('listitem').filter({ hasText: '+14155550142' });
        await email.getByRole('button', { name: 'Send test' }).waitFor();
        await sms.getByRole('button', { name: 'Verify' }).waitFor();
        assert.equal(await sms.getByText('not verified').count(), 1);
        assert.equal(await email.getByText('verified').count(), 0, 'email shows no verification state');
        assert.equal(await email.getByRole('button', { name: 'Verify' }).count(), 0);
        await assertNoSideways(page, 'notifications');
        assert.deepEqual(errors, []);
        await context.close();
      });

      test(`schedule, override and escalation pickers list the team's members (${vp.name})`, async () => {
        const { page, errors, context } = await openPage(browser, vp);
        const optionsOf = (label: string) =>
          page
            .getByLabel(label, { exact: true })
            .first()
            .evaluate((el) => [...(el as HTMLSelectElement).options].map((o) => o.text));

        // The schedule editor: Alice and Bob are in the layer already; nobody else of Payments is left to add.
        await signIn(page, muster.url, `/oncall/schedules/${s.scheduleId}/edit`);
        await page.getByLabel('Add a participant').waitFor();
        let options = await optionsOf('Add a participant');
        assert.ok(!options.some((o) => o.includes('Carol')), `no outsider by default: ${options.join(' | ')}`);
        // An administrator may show everyone: Carol appears, marked as outside the team.
        await page.getByLabel('Show people outside Payments').first().check();
        options = await optionsOf('Add a participant');
        assert.ok(options.includes('Carol Outsider <carol@example.test> (not in Payments)'), options.join(' | '));
        await assertNoSideways(page, 'schedule editor');

        // The override form on the schedule's page.
        await page.goto(`${muster.url}/oncall/schedules/${s.scheduleId}`);
        await page.getByLabel('Person', { exact: true }).waitFor();
        options = await optionsOf('Person');
        assert.ok(options.includes('Alice Archer <alice@example.test>'), options.join(' | '));
        assert.ok(options.includes('Bob Baker <bob@example.test>'), options.join(' | '));
        assert.ok(!options.some((o) => o.includes('Carol')), options.join(' | '));
        await assertNoSideways(page, 'schedule page');

        // The escalation policy editor, once Payments is chosen.
        await page.goto(`${muster.url}/escalation/new`);
        await page.getByLabel('Team', { exact: true }).selectOption({ label: 'Payments' });
        await page.getByLabel('Add a target to level 1').waitFor();
        const groups = await page
          .getByLabel('Add a target to level 1')
          .evaluate((el) =>
            [...el.querySelectorAll('optgroup')].map((g) => [
              g.label,
              [...g.querySelectorAll('option')].map((o) => o.text),
            ]),
          );
        const people = (groups.find(([label]) => label === 'People in Payments')?.[1] ?? []) as string[];
        assert.ok(people.includes('Alice Archer <alice@example.test>'), JSON.stringify(groups));
        assert.ok(people.includes('Bob Baker <bob@example.test>'), JSON.stringify(groups));
        assert.ok(!JSON.stringify(groups).includes('Carol'), JSON.stringify(groups));
        await assertNoSideways(page, 'policy editor');
        assert.deepEqual(errors, []);
        await context.close();
      });

      test(`the audit log shows details on one line, the full view on demand (${vp.name})`, async () => {
        const { page, errors, context } = await openPage(browser, vp);
        await signIn(page, muster.url, '/admin/audit');
        const table = page.getByRole('table', { name: 'Audit events' });
        const first = table.getByRole('row').filter({ hasText: 'schedule.override_created' }).first();
        await first.waitFor();
        const heights = await table.evaluate((t) =>
          [...t.querySelectorAll('tbody tr')].map((r) => Math.round(r.getBoundingClientRect().height)),
        );
        const tallest = Math.max(...heights);
        // One line of details: a desktop row stays a normal row; a phone card a few lines (not 300 px of JSON).
        assert.ok(tallest <= (vp.width > 600 ? 90 : 260), `row heights ${heights.join(',')}`);
        const summary = first.locator('.audit-summary');
        const box = await summary.evaluate((e) => ({
          h: e.getBoundingClientRect().height,
          w: e.getBoundingClientRect().width,
          lh: parseFloat(getComputedStyle(e).lineHeight) || 20,
        }));
        assert.ok(box.h <= box.lh * 1.5, `one line: ${JSON.stringify(box)}`);
        assert.ok(box.w >= 100, `wide enough to read: ${JSON.stringify(box)}`);
        await first.getByRole('button', { name: /Show details of schedule\.override_created/ }).click();
        const full = page.getByLabel('Details of schedule.override_created', { exact: true }).first();
        await full.waitFor();
        assert.match(await full.innerText(), /"overrideId": "ovr_/);
        await assertNoSideways(page, 'audit log');
        assert.deepEqual(errors, []);
        await context.close();
      });

      test(`the incident room's and the summary's breadcrumbs lead to real pages (${vp.name})`, async () => {
        const { page, errors, context } = await openPage(browser, vp);
        await signIn(page, muster.url, `/incidents/${s.incidentId}`);
        const crumbs = page.getByRole('navigation', { name: 'Breadcrumb' });
        await crumbs.waitFor();
        assert.equal(await crumbs.getByRole('link', { name: 'Incidents' }).getAttribute('href'), '/incidents');
        assert.equal(
          await crumbs.locator('[aria-current="page"]').innerText(),
          'Checkout errors for card payments in every region',
        );
        await assertNoSideways(page, 'incident room');
        // The summary: Incidents / the incident (its room) / Executive summary.
        await page.getByRole('link', { name: 'Executive summary' }).click();
        await page.waitForURL((u) => u.pathname === `/incidents/${s.incidentId}/summary`);
        const trail = page.getByRole('navigation', { name: 'Breadcrumb' });
        await trail.locator('[aria-current="page"]', { hasText: 'Executive summary' }).waitFor();
        const links = await trail
          .getByRole('link')
          .evaluateAll((as) => as.map((a) => [a.textContent, a.getAttribute('href')]));
        assert.deepEqual(links, [
          ['Incidents', '/incidents'],
          ['Checkout errors for card payments in every region', `/incidents/${s.incidentId}`],
        ]);
        await assertNoSideways(page, 'summary');
        await trail.getByRole('link', { name: /Checkout errors/ }).click();
        await page.waitForURL((u) => u.pathname === `/incidents/${s.incidentId}`);
        await page.getByRole('heading', { name: 'Checkout errors for card payments in every region' }).waitFor();
        await page.getByRole('navigation', { name: 'Breadcrumb' }).getByRole('link', { name: 'Incidents' }).click();
        await page.waitForURL((u) => u.pathname === '/incidents');
        assert.equal(await page.getByText('Page not found').count(), 0);
        assert.deepEqual(errors, []);
        await context.close();
      });

      test(`the IC rotation and the status page's title, slug and description are set through forms (${vp.name})`, async () => {
        const { page, errors, context } = await openPage(browser, vp);
        await signIn(page, muster.url, '/oncall');
        const ic = page.getByRole('form', { name: 'Incident Commander rotation' });
        await ic.getByLabel('Schedule').selectOption({ label: 'Payments primary' });
        await ic.getByRole('button', { name: 'Save rotation' }).click();
        await ic.getByText('Saved.').waitFor();
        const setting = await muster.api<{ scheduleId: string | null }>(
          'GET',
          '/api/settings/incident-commander-schedule',
        );
        assert.equal(setting.body.scheduleId, s.scheduleId);
        await assertNoSideways(page, 'on-call with the IC rotation');

        await page.goto(`${muster.url}/status-page`);
        const form = page.getByRole('form', { name: 'Status page settings' });
        await form.getByLabel('Title').fill(`Acme status ${vp.name}`);
        await form.getByLabel('Slug').fill(`acme-${vp.name}`);
        await form.getByLabel('Description').fill('How our shop is doing.');
        await form.getByRole('button', { name: 'Save page settings' }).click();
        await page.getByText('Saved. The public page shows it now.').waitFor();
        const settings = await muster.api<{ title: string; slug: string; description: string }>(
          'GET',
          '/api/status-page/settings',
        );
        assert.deepEqual(
          [settings.body.title, settings.body.slug, settings.body.description],
          [`Acme status ${vp.name}`, `acme-${vp.name}`, 'How our shop is doing.'],
        );
        // A bad slug is named beside its field.
        await form.getByLabel('Slug').fill('Not A Slug');
        await form.getByRole('button', { name: 'Save page settings' }).click();
        await form
          .getByText(/lowercase letters, digits/)
          .first()
          .waitFor();
        await assertNoSideways(page, 'status page settings');

        // The public page: the new title, and the sentence under the bar agrees with it.
        await page.goto(`${muster.url}/status`);
        await page.getByRole('heading', { name: `Acme status ${vp.name}` }).waitFor();
        await page.getByText('No incidents in the last 90 days.').waitFor();
        await assertNoSideways(page, 'public status page');
        assert.deepEqual(errors, []);
        await context.close();
      });

      test(`a swap notification's accept link picks the request out and asks with one button (${vp.name})`, async () => {
        // Alice asks Bob to cover an hour of her next shift.
        const from = new Date(Date.now() + 86_400_000).toISOString();
        const to = new Date(Date.now() + 10 * 86_400_000).toISOString();
        const shifts = ok(
          await muster.api<{ final: { userId: string; start: string }[] }>(
            'GET',
            `/api/schedules/${s.scheduleId}/shifts?from=${from}&to=${to}`,
          ),
          'shifts',
        );
        const mine = shifts.final.filter((x) => x.userId === s.alice)[vp.name === 'desktop' ? 1 : 2]!;
        const start = Date.parse(mine.start) + 3_600_000;
        const swap = ok(
          await muster.api<{ id: string }>(
            'POST',
            `/api/schedules/${s.scheduleId}/swaps`,
            {
              targetUserId: s.bob,
              start: new Date(start).toISOString(),
              end: new Date(start + 3_600_000).toISOString(),
            },
            s.tokens.alice,
          ),
          'swap',
        ).id;
        const { page, errors, context } = await openPage(browser, vp);
        const path = `/oncall/schedules/${s.scheduleId}`;
        await page.goto(`${muster.url}${path}?swap=${swap}&answer=accept`);
        await page.waitForURL((u) => u.pathname === '/signin');
        await page.getByLabel('Email').fill('bob@example.test');
        await page.getByLabel('Password').fill(PASSWORD);
        await page.getByRole('button', { name: 'Sign in' }).click();
        await page.waitForURL((u) => u.pathname === path && u.searchParams.get('swap') === swap);
        const item = page.locator(`li[data-swap-id="${swap}"]`);
        await item.getByText('Accept this request?').waitFor();
        assert.equal(await item.getAttribute('class'), 'swap-picked');
        const accept = item.getByRole('button', { name: 'Accept' });
        await page.waitForFunction(() => document.activeElement?.textContent === 'Accept');
        await assertNoSideways(page, 'schedule with a picked swap');
        await accept.click();
        await item.getByText('accepted', { exact: true }).waitFor();
        const after = await muster.api<{ swaps: { id: string; status: string }[] }>(
          'GET',
          `/api/swaps?schedule=${s.scheduleId}`,
        );
        assert.equal(after.body.swaps.find((x) => x.id === swap)?.status, 'accepted');
        assert.deepEqual(errors, []);
        await context.close();
      });
    }
  });
}
