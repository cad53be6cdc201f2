/**
 * The on-call pages in a real browser (Debian's Chromium via playwright-core) against an in-process server on SQLite:
 * a schedule with a two-person layer is created through the UI, the timeline shows who is on call now, an override
 * made through the UI changes that, and an escalation policy made through the UI targets the schedule.
 * Needs web/dist: `npm run build:web` first.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { type Browser } from 'playwright-core';
import { launchBrowser, signIn } from './browser.js';
import { startTestMuster, type TestMuster } from '../src/testing/server.js';

const SCREENSHOT = '/tmp/muster-schedule.png';
const ZONE = 'Europe/Berlin';

let muster: TestMuster;
let browser: Browser;

function todayIn(zone: string): string {
  return new Intl.DateTimeFormat('en-CA', { timeZone: zone, year: 'numeric', month: '2-digit', day: '2-digit' }).format(
    new Date(),
  );
}

describe('on-call pages', () => {
  before(async () => {
    muster = await startTestMuster('sqlite');
    browser = await launchBrowser();
  });

  after(async () => {
    await browser?.close();
    await muster?.stop();
  });

  test('schedule, timeline, override and an escalation policy through the UI', async () => {
    const mk = async (email: string, name: string) => {
      const r = await muster.api<{ user: { id: string } }>('POST', '/api/users', {
        email,
        name,
        password: 'a long enough password',
        timezone: 'America/New_York',
      });
      assert.equal(r.status, 201, JSON.stringify(r.body));
      return r.body.user.id;
    };
    const alice = await mk('alice.archer@example.test', 'Alice Archer');
    const bob = await mk('bob.baker@example.test', 'Bob Baker');
    const team = await muster.api<{ id: string }>('POST', '/api/teams', { name: 'Payments', slug: 'payments' });
    assert.equal(team.status, 201);
    // The pickers offer the team's members (issue 14): Alice and Bob join Payments.
    for (const id of [alice, bob]) {
      const m = await muster.api('PUT', `/api/teams/${team.body.id}/members/${id}`, { role: 'responder' });
      assert.ok(m.status === 200 || m.status === 201, JSON.stringify(m.body));
    }

    // The viewer reads times in their own profile zone, New York, against the schedule's Berlin.
    const me = await muster.api<{ id: string }>('GET', '/api/me');
    const tz = await muster.api('PATCH', `/api/users/${me.body.id}`, { timezone: 'America/New_York' });
    assert.equal(tz.status, 200);

    const context = await browser.newContext({
      viewport: { width: 1360, height: 900 },
      timezoneId: 'America/New_York',
    });
    const page = await context.newPage();
    page.setDefaultTimeout(15_000);
    const errors: Error[] = [];
    page.on('pageerror', (e) => errors.push(e));

    // Create a schedule with one layer of Alice then Bob, weekly turns from local midnight today in Berlin.
    await signIn(page, muster.url, '/oncall');
    await page.getByText('No schedules yet.').waitFor();
    await page.getByRole('link', { name: 'New schedule' }).click();
    await page.waitForURL((u) => u.pathname === '/oncall/new');
    await page.getByLabel('Name', { exact: true }).fill('Payments primary');
    await page.getByLabel('Team', { exact: true }).selectOption({ label: 'Payments' });
    await page.getByLabel('Time zone', { exact: true }).fill(ZONE);
    await page.getByLabel('Add a participant').selectOption({ label: 'Alice Archer <alice.archer@example.test>' });
    await page.getByLabel('Add a participant').selectOption({ label: 'Bob Baker <bob.baker@example.test>' });
    const participants = page.getByRole('list', { name: 'Participants of layer 1' });
    await participants.getByText('2. Bob Baker').waitFor();
    await page.getByLabel('Turn length').fill('1');
    await page.getByLabel('Turn unit').selectOption('weeks');
    await page.getByLabel('First hand-off date').fill(todayIn(ZONE));
    await page.getByLabel('Hand-off time').fill('00:00');
    const created = page.waitForResponse((r) => r.request().method() === 'POST' && r.url().endsWith('/api/schedules'));
    await page.getByRole('button', { name: 'Create schedule' }).click();
    assert.equal((await created).status(), 201);
    await page.waitForURL((u) => u.pathname.startsWith('/oncall/schedules/'));
    const scheduleId = decodeURIComponent(new URL(page.url()).pathname.split('/')[3]!);

    // Alice is on call now: in the summary and as the highlighted block of the final schedule.
    await page.getByRole('heading', { name: 'Payments primary' }).waitFor();
    const nowName = page.getByTestId('oncall-now-name');
    await nowName.filter({ hasText: 'Alice Archer' }).waitFor();
    const finalNow = page.getByTestId('final-row').locator('.tl-block.is-now');
    assert.equal((await finalNow.getAttribute('data-user')) ?? '', alice);
    await page.getByText('Layer Primary rotates 2 people').waitFor();
    // The schedule's zone is named; the viewer (New York) can switch the timeline to their own zone.
    await page.getByRole('radio', { name: `Schedule: ${ZONE}` }).waitFor();
    await page.getByRole('radio', { name: 'Mine: America/New_York' }).click();
    await page.getByRole('group', { name: 'Timeline, times in America/New_York' }).waitFor();
    await page.getByRole('radio', { name: `Schedule: ${ZONE}` }).click();
    await page.getByRole('group', { name: `Timeline, times in ${ZONE}` }).waitFor();
    await page.screenshot({ path: SCREENSHOT, fullPage: true });

    // Bob covers from now for eight hours (the form's defaults), added through the override form.
    await page.getByLabel('Person', { exact: true }).selectOption({ label: 'Bob Baker <bob.baker@example.test>' });
    await page.getByLabel('Reason').fill('Alice at the dentist');
    const overridden = page.waitForResponse(
      (r) => r.request().method() === 'POST' && r.url().endsWith(`/api/schedules/${scheduleId}/overrides`),
    );
    await page.getByRole('button', { name: 'Add override' }).click();
    assert.equal((await overridden).status(), 201);
    await nowName.filter({ hasText: 'Bob Baker' }).waitFor();
    await page.getByRole('list', { name: 'Overrides' }).getByText('Alice at the dentist', { exact: false }).waitFor();
    await page.getByTestId('final-row').locator(`.tl-block.is-now[data-user="${bob}"]`).waitFor();
    const oncall = await muster.api<{ current: { userId: string } | null }>(
      'GET',
      `/api/schedules/${scheduleId}/oncall`,
    );
    assert.equal(oncall.body.current?.userId, bob);
    await page.screenshot({ path: SCREENSHOT, fullPage: true });

    // The schedules list shows Bob on call now.
    const nav = page.getByRole('navigation', { name: 'Main' });
    await nav.getByRole('link', { name: 'On-call', exact: true }).click();
    const row = page.getByRole('table', { name: 'Schedules' }).getByRole('row').filter({ hasText: 'Payments primary' });
    await row.getByText('Bob Baker').waitFor();

    // An escalation policy whose first level pages the schedule and whose second pages Alice.
    await nav.getByRole('link', { name: 'Escalation policies' }).click();
    await page.waitForURL((u) => u.pathname === '/escalation');
    await page.getByRole('link', { name: 'New policy' }).click();
    await page.waitForURL((u) => u.pathname === '/escalation/new');
    await page.getByLabel('Name', { exact: true }).fill('Payments critical');
    await page.getByLabel('Team', { exact: true }).selectOption({ label: 'Payments' });
    await page.getByLabel('Add a target to level 1').selectOption({ label: 'Payments primary' });
    await page.getByLabel('Wait before repeating or stopping (minutes)').fill('5');
    await page.getByRole('button', { name: 'Add a level' }).click();
    await page
      .getByLabel('Add a target to level 2')
      .selectOption({ label: 'Alice Archer <alice.archer@example.test>' });
    await page.getByLabel('Working hours time zone').fill(ZONE);
    await page
      .getByTestId('level-1-preview')
      .filter({ hasText: 'If nobody acknowledges within 5 minutes, page Alice Archer.' })
      .waitFor();
    await page.getByTestId('level-0-preview').filter({ hasText: 'the Payments primary schedule' }).waitFor();
    const saved = page.waitForResponse(
      (r) => r.request().method() === 'POST' && r.url().endsWith('/api/escalation-policies'),
    );
    await page.getByRole('button', { name: 'Create policy' }).click();
    assert.equal((await saved).status(), 201);
    await page.waitForURL((u) => /^\/escalation\/[^/]+$/.test(u.pathname) && u.pathname !== '/escalation/new');

    const policies = await muster.api<{
      policies: {
        name: string;
        teamId: string;
        levels: { delayMinutes: number; targets: { type: string; id: string }[] }[];
        workingHours: { timezone: string };
      }[];
    }>('GET', '/api/escalation-policies');
    assert.equal(policies.body.policies.length, 1);
    const p = policies.body.policies[0]!;
    assert.equal(p.name, 'Payments critical');
    assert.equal(p.teamId, team.body.id);
    assert.equal(p.workingHours.timezone, ZONE);
    assert.deepEqual(
      p.levels.map((l) => l.targets),
      [[{ type: 'schedule', id: scheduleId }], [{ type: 'user', id: alice }]],
    );
    assert.equal(p.levels[0]!.delayMinutes, 5);
    await page.getByRole('button', { name: 'Save policy' }).waitFor();
    await page.screenshot({ path: '/tmp/muster-escalation.png', fullPage: true });

    // Notification settings: add an email contact method, a rule for it, and send a test.
    await page.goto(`${muster.url}/profile/notifications`);
    await page.getByLabel('Channel').selectOption('email');
    await page.getByLabel('Email address').fill('admin.pager@example.test');
    await page.getByLabel('Label').fill('pager inbox');
    await page.getByRole('button', { name: 'Add contact method' }).click();
    const methods = page.getByRole('list', { name: 'Contact methods' });
    await methods.getByText('pager inbox').waitFor();
    await page.getByLabel('Use').selectOption({ label: 'Email: pager inbox' });
    await page.getByLabel('After (minutes)').fill('2');
    await page.getByRole('button', { name: 'Add rule' }).click();
    await page.getByRole('list', { name: 'high urgency rules' }).getByText('After 2 min').waitFor();
    const tested = page.waitForResponse((r) => r.request().method() === 'POST' && r.url().endsWith('/test'));
    await methods.getByRole('button', { name: 'Send test' }).click();
    assert.equal((await tested).status(), 202);
    await page.getByText('Test sent.').waitFor();
    await page.screenshot({ path: '/tmp/muster-notifications.png', fullPage: true });

    assert.deepEqual(errors, []);
    await context.close();
  });
});
