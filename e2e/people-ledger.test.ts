/**
 * Comp time, the pulse and role separation in a real browser, on both engines, under a fixed clock (a Saturday of
 * last week, 10:00 UTC: outside working hours for people in UTC; then the Monday after). Worked by hand:
 * - Comp time: Tara, a team admin, sets 1.5 × the hours outside working hours; Eve is Incident Commander of a P2 from
 *   10:00 to 12:00 → 3 h accrued; Tara records 1 h off for Eve → taken 1, balance 2; the CSV link downloads both.
 * - Pulse: five responders of a resolved incident; four answer through the API → the quarter is "Fewer than 5";
 *   Eve finds the check-in on home (and dismisses the other one there), answers it in the room (the card goes and
 *   does not come back), Tara and Olga (not invited) never see the card; then the quarter shows safe 5, 4, 3, 5, 2 →
 *   3.80, calm 4, 4, 2, 3, 3 → 3.20, role clear 3, 4, 5, 4, 4 → 4.00.
 * - Role separation: on a P1 Eve is IC; making her Technical Lead asks for a reason (409), the reason assigns her and
 *   the timeline shows the override.
 * Screenshots (desktop and 390 px) go to /tmp/shots-ledger/. Needs web/dist: `npm run build:web` first.
 */
import assert from 'node:assert/strict';
import { mkdirSync, readFileSync } from 'node:fs';
import { after, before, describe, test } from 'node:test';
import { type Browser, type Page } from 'playwright-core';
import { browserTestEngines } from '../src/db/testing/index.js';
import { systemActor } from '../src/identity/index.js';
import { DAY, FakeClock } from '../src/shared/clock.js';
import { launchBrowser, openPage, signIn } from './browser.js';
import { startTestMuster, type TestMuster } from '../src/testing/server.js';

/** One engine for this browser file; MUSTER_E2E_ENGINES=both runs both (docs/adr/0012). */
const ENGINES = browserTestEngines('sqlite');

const PASSWORD = 'a long enough password';
const SHOTS = '/tmp/shots-ledger';
const HOUR = 3_600_000;
const PHONE = { width: 390, height: 844 };

/** The Saturday 10:00 UTC of last week (7 to 13 days ago): near today, so sessions behave, and fixed for the run. */
function lastWeeksSaturday(): number {
  const today = Math.floor(Date.now() / DAY) * DAY;
  const weekday = new Date(today).getUTCDay(); // 0 Sunday … 6 Saturday
  const saturday = today - ((weekday + 1) % 7) * DAY - 7 * DAY;
  return saturday + 10 * HOUR;
}

async function waitFor<T>(fn: () => Promise<T | undefined>, ms = 10_000): Promise<T> {
  const deadline = Date.now() + ms;
  for (;;) {
    const v = await fn();
    if (v !== undefined) return v;
    if (Date.now() > deadline) throw new Error('timed out waiting');
    await new Promise((r) => setTimeout(r, 50));
  }
}

async function noSideways(page: Page, what: string): Promise<void> {
  const w = await page.evaluate(() => ({
    scroll: document.documentElement.scrollWidth,
    client: document.documentElement.clientWidth,
  }));
  assert.ok(w.scroll <= w.client, `${what} scrolls sideways at 390 px: ${JSON.stringify(w)}`);
}

const quarterOf = (at: number): string => {
  const d = new Date(at);
  return `${d.getUTCFullYear()}-Q${Math.floor(d.getUTCMonth() / 3) + 1}`;
};

for (const engine of ENGINES)
  describe(`comp time, pulse and role separation in the browser (${engine})`, () => {
    let muster: TestMuster;
    let browser: Browser;
    const t0 = lastWeeksSaturday();
    const clock = new FakeClock(t0);
    const users: Record<string, { id: string; email: string; token: string }> = {};
    let team = '';
    let service = '';
    let compIncident = '';

    before(async () => {
      mkdirSync(SHOTS, { recursive: true });
      muster = await startTestMuster(engine, {}, { clock });
      browser = await launchBrowser();
      team = (await muster.api<{ id: string }>('POST', '/api/teams', { name: 'Payments' })).body.id;
      service = (await muster.api<{ id: string }>('POST', '/api/services', { name: 'Checkout', teamId: team })).body.id;
      const roles: Record<string, string | null> = {
        Tara: 'admin',
        Eve: 'responder',
        Finn: 'responder',
        Gus: 'responder',
        Hal: 'responder',
        Ivy: 'responder',
        Olga: null,
      };
      for (const [name, role] of Object.entries(roles)) {
        const email = `${name.toLowerCase()}@example.test`;
        const u = await muster.api<{ user: { id: string } }>('POST', '/api/users', { email, name, password: PASSWORD });
        assert.equal(u.status, 201, JSON.stringify(u.body));
        if (role) {
          const m = await muster.api('PUT', `/api/teams/${team}/members/${u.body.user.id}`, { role });
          assert.equal(m.status, 200, JSON.stringify(m.body));
        }
        const { token } = await muster.muster.services.tokens.create(systemActor('test'), {
          userId: u.body.user.id,
          name: 'e2e',
        });
        users[name] = { id: u.body.user.id, email, token };
      }
    });
    after(async () => {
      await browser?.close();
      await muster?.stop();
    });

    const declare = async (title: string, severity: string): Promise<string> => {
      const r = await muster.api<{ incident: { id: string } }>('POST', '/api/incidents', {
        title,
        severity,
        serviceIds: [service],
      });
      assert.equal(r.status, 201, JSON.stringify(r.body));
      return r.body.incident.id;
    };
    const as = async (name: string, path: string, viewport?: { width: number; height: number }) => {
      const opened = await openPage(browser, viewport);
      await signIn(opened.page, muster.url, path, users[name]!.email, PASSWORD);
      return opened;
    };
    const balanceRow = (page: Page, name: string) =>
      page.getByTestId('comp-time-balances').locator('tbody tr', { hasText: name });

    test('comp time: a team admin sets the policy, a balance after accrual, time off, the CSV', async () => {
      const { page, errors } = await as('Tara', '/people/comp-time');
      await page.getByTestId('comp-time-policy').getByText('No comp time accrues.').waitFor();
      await page.locator('#ct-kind').selectOption('hours_factor');
      await page.locator('#ct-factor').fill('1.5');
      await page.locator('#ct-min').fill('0.5');
      await page.getByRole('button', { name: 'Save policy' }).click();
      await page
        .getByTestId('comp-time-policy')
        .getByText('1.5 × the hours responding outside working hours; a page at least 0.5 h.')
        .waitFor();

      // Eve commands a P2 from Saturday 10:00 to 12:00: 2 h outside working hours × 1.5 = 3 h.
      compIncident = await declare('Checkout timeouts', 'P2');
      const ic = await muster.api('PUT', `/api/incidents/${compIncident}/roles/ic`, { userId: users.Eve!.id });
      assert.equal(ic.status, 200, JSON.stringify(ic.body));
      clock.set(t0 + 2 * HOUR);
      assert.equal(
        (await muster.api('POST', `/api/incidents/${compIncident}/status`, { status: 'resolved' })).status,
        200,
      );
      await waitFor(async () => {
        const l = await muster.api<{ entries: { userId: string }[] }>('GET', `/api/teams/${team}/comp-time`);
        return l.body.entries.some((e) => e.userId === users.Eve!.id) ? true : undefined;
      });

      await page.reload();
      await balanceRow(page, 'Eve').waitFor();
      assert.deepEqual(await balanceRow(page, 'Eve').locator('td').allInnerTexts(), ['Eve', '3', '0', '3']);

      // Monday: Tara records the morning's hour off for Eve.
      clock.set(t0 + 2 * DAY + 2 * HOUR);
      const monday = new Date(t0 + 2 * DAY).toISOString().slice(0, 10);
      await page.locator('#to-person').selectOption(users.Eve!.id);
      // The API's problem shows beside its field (the kit's form), and nothing is recorded.
      await page.locator('#to-hours').fill('300');
      await page.getByRole('button', { name: 'Record time off' }).click();
      await page.locator('#to-hours-error').waitFor();
      assert.equal(await page.locator('#to-hours').getAttribute('aria-invalid'), 'true');
      await page.locator('#to-hours').fill('1');
      await page.locator('#to-day').fill(monday);
      await page.locator('#to-note').fill('Monday morning off');
      await page.getByRole('button', { name: 'Record time off' }).click();
      await waitFor(async () =>
        (await balanceRow(page, 'Eve').locator('td').allInnerTexts()).join('|') === 'Eve|3|1|2' ? true : undefined,
      );

      const [download] = await Promise.all([
        page.waitForEvent('download'),
        page.getByRole('link', { name: 'Download the ledger (CSV)' }).click(),
      ]);
      assert.equal(download.suggestedFilename(), 'comp-time.csv');
      const lines = readFileSync(await download.path(), 'utf8').split('\r\n');
      assert.equal(lines[0], 'date,person,user_id,kind,hours,incident_id,note');
      const saturday = new Date(t0).toISOString().slice(0, 10);
      assert.ok(
        lines.includes(`${saturday},Eve,${users.Eve!.id},incident,3,${compIncident},Checkout timeouts`),
        lines.join('\n'),
      );
      assert.ok(lines.includes(`${monday},Eve,${users.Eve!.id},time_off,-1,,Monday morning off`), lines.join('\n'));
      await page.screenshot({ path: `${SHOTS}/comp-time-desktop.png`, fullPage: true });
      assert.deepEqual(errors, []);

      const phone = await as('Tara', '/people/comp-time', PHONE);
      await phone.page.getByTestId('comp-time-balances').getByText('Eve').waitFor();
      await noSideways(phone.page, 'the comp-time page');
      await phone.page.screenshot({ path: `${SHOTS}/comp-time-390.png`, fullPage: true });
      assert.deepEqual(phone.errors, []);

      // Eve, not an admin, sees no policy form and records only her own time off.
      const eve = await as('Eve', '/people/comp-time');
      await balanceRow(eve.page, 'Eve').waitFor();
      assert.equal(await eve.page.getByRole('button', { name: 'Save policy' }).count(), 0);
      assert.equal(await eve.page.locator('#to-person').count(), 0);
      await eve.context.close();
      await phone.context.close();
      await page.context().close();
    });

    test('pulse: suppressed under 5, the check-in on home and in the room for the invited only, figures at 5', async () => {
      clock.set(t0 + 2 * DAY + 3 * HOUR);
      const id = await declare('Settlement delayed', 'P3');
      const responders = ['Finn', 'Gus', 'Hal', 'Ivy', 'Eve'] as const;
      for (const who of responders) {
        const n = await muster.api('POST', `/api/incidents/${id}/notes`, { text: `${who} looking` }, users[who]!.token);
        assert.equal(n.status, 201, JSON.stringify(n.body));
      }
      clock.set(t0 + 2 * DAY + 4 * HOUR);
      assert.equal((await muster.api('POST', `/api/incidents/${id}/status`, { status: 'resolved' })).status, 200);
      const scores: Record<string, [number, number, number]> = {
        Finn: [5, 4, 3],
        Gus: [4, 4, 4],
        Hal: [3, 2, 5],
        Ivy: [5, 3, 4],
      };
      for (const [who, [safe, calm, roleClear]] of Object.entries(scores)) {
        const r = await muster.api('POST', `/api/incidents/${id}/pulse`, { safe, calm, roleClear }, users[who]!.token);
        assert.equal(r.status, 200, JSON.stringify(r.body));
      }
      const quarter = quarterOf(clock.now());
      const quarterRow = (page: Page) => page.getByTestId('pulse-quarters').locator('tbody tr', { hasText: quarter });

      const tara = await as('Tara', '/people/pulse');
      await quarterRow(tara.page).getByText('Fewer than 5: not shown').waitFor();

      // Eve: two check-ins on home (the comp-time incident she commanded, and this one). She dismisses the first.
      const eve = await as('Eve', '/');
      const reminders = eve.page.getByTestId('pulse-reminders');
      await reminders.getByText('How did the response to “Settlement delayed” feel?').waitFor();
      await reminders.getByText('How did the response to “Checkout timeouts” feel?').waitFor();
      await eve.page.getByRole('button', { name: 'Dismiss the check-in for Checkout timeouts' }).click();
      assert.equal(await reminders.getByText('Checkout timeouts').count(), 0);
      await eve.page.reload();
      await reminders.getByText('Settlement delayed').waitFor();
      assert.equal(await reminders.getByText('Checkout timeouts').count(), 0, 'dismissed stays dismissed');

      await reminders.getByRole('link', { name: /Settlement delayed/ }).click();
      await eve.page.waitForURL((u) => u.pathname === `/incidents/${id}` && u.hash === '#pulse');
      const card = eve.page.getByTestId('pulse-card');
      await card.waitFor();
      await eve.page.screenshot({ path: `${SHOTS}/room-card-desktop.png`, fullPage: true });
      const answer = async (legend: string, n: number) =>
        card.getByRole('group', { name: legend }).getByLabel(String(n), { exact: true }).check();
      await answer("I could say 'I do not know' without worry", 2);
      await answer('The response was calm and coordinated', 3);
      await answer('I knew my role', 4);
      await eve.page.locator('#pulse-text').fill('Calm enough, thanks');
      await card.getByRole('button', { name: 'Send anonymously' }).click();
      await eve.page.getByTestId('pulse-thanks').waitFor();
      assert.equal(await card.count(), 0);
      // Reloaded: neither the questions nor the thanks; home has no reminder for it either.
      const answered = eve.page.waitForResponse((r) => r.url().endsWith(`/api/incidents/${id}/pulse`));
      await eve.page.reload();
      await answered;
      await eve.page.getByRole('heading', { name: 'Roles' }).waitFor();
      assert.equal(await eve.page.getByTestId('pulse-card').count(), 0);
      assert.equal(await eve.page.getByTestId('pulse-thanks').count(), 0);
      await eve.page.goto(`${muster.url}/`);
      await eve.page.getByRole('heading', { name: 'Open incidents' }).waitFor();
      assert.equal(await eve.page.getByTestId('pulse-reminders').getByText('Settlement delayed').count(), 0);
      assert.deepEqual(eve.errors, []);

      // Not invited: Tara (no part in it) and Olga (not in the team) never see the card.
      for (const who of ['Tara', 'Olga']) {
        const o = await openPage(browser);
        const mine = o.page.waitForResponse((r) => r.url().endsWith(`/api/incidents/${id}/pulse`));
        await signIn(o.page, muster.url, `/incidents/${id}`, users[who]!.email, PASSWORD);
        const r = await mine;
        assert.deepEqual(await r.json(), { invited: false, answered: false });
        await o.page.getByRole('heading', { name: 'Roles' }).waitFor();
        assert.equal(await o.page.getByTestId('pulse-card').count(), 0, `${who} sees no check-in`);
        await o.context.close();
      }

      // Five answers: the quarter's figures (and the optional text, never who wrote it).
      await tara.page.reload();
      await waitFor(async () =>
        (await quarterRow(tara.page).locator('td').allInnerTexts()).join('|') === `${quarter}|5|3.80|3.20|4.00`
          ? true
          : undefined,
      ).catch(async (e: unknown) => {
        throw new Error(`${String(e)}: ${(await quarterRow(tara.page).locator('td').allInnerTexts()).join('|')}`);
      });
      await tara.page.getByText('Calm enough, thanks').waitFor();
      await tara.page.screenshot({ path: `${SHOTS}/pulse-desktop.png`, fullPage: true });
      assert.deepEqual(tara.errors, []);
      const phone = await as('Tara', '/people/pulse', PHONE);
      await phone.page.getByTestId('pulse-quarters').getByText(quarter).waitFor();
      await noSideways(phone.page, 'the pulse page');
      await phone.page.screenshot({ path: `${SHOTS}/pulse-390.png`, fullPage: true });
      await phone.context.close();
      await tara.context.close();
      await eve.context.close();
    });

    test('the room card at 390 px for an invited responder', async () => {
      const id = await declare('Refunds stuck', 'P3');
      assert.equal(
        (await muster.api('POST', `/api/incidents/${id}/notes`, { text: 'on it' }, users.Gus!.token)).status,
        201,
      );
      assert.equal((await muster.api('POST', `/api/incidents/${id}/status`, { status: 'resolved' })).status, 200);
      const gus = await as('Gus', `/incidents/${id}`, PHONE);
      await gus.page.getByTestId('pulse-card').waitFor();
      await noSideways(gus.page, 'the room with the check-in');
      await gus.page.getByTestId('pulse-card').scrollIntoViewIfNeeded();
      await gus.page.screenshot({ path: `${SHOTS}/room-card-390.png` });
      assert.deepEqual(gus.errors, []);
      await gus.context.close();
    });

    test('role separation: a second role on a P1 asks for a reason, which lands on the timeline', async () => {
      const id = await declare('Ledger out of balance', 'P1');
      const { page, errors } = await as('Tara', `/incidents/${id}`);
      await page.locator('#role-commander').selectOption(users.Eve!.id);
      await waitFor(async () =>
        (await page.locator('#role-commander').inputValue()) === users.Eve!.id ? true : undefined,
      );
      await page.locator('#role-commander:enabled').waitFor();
      await page.locator('#role-technical_lead').selectOption(users.Eve!.id);
      const form = page.getByTestId('override-reason');
      await form.getByText(/P1 needs three different people: Eve is already Incident Commander/).waitFor();
      const before = await muster.api<{ roles: Record<string, unknown> }>('GET', `/api/incidents/${id}`);
      assert.equal(before.body.roles.technical_lead ?? null, null, 'refused without a reason');
      await page.getByLabel('Reason for one person in two roles').fill('Night shift: Eve is alone');
      await form.getByRole('button', { name: 'Assign anyway' }).click();
      await page.getByText(/Reason: Night shift: Eve is alone/).waitFor();
      assert.equal(await form.count(), 0);
      await waitFor(async () =>
        (await page.locator('#role-technical_lead').inputValue()) === users.Eve!.id ? true : undefined,
      );
      const tl = await muster.api<{ events: { kind: string; isFlagged: boolean }[] }>(
        'GET',
        `/api/incidents/${id}/timeline`,
      );
      const overrides = tl.body.events.filter((e) => e.kind === 'role_separation_override');
      assert.equal(overrides.length, 1);
      assert.equal(overrides[0]!.isFlagged, true);
      assert.deepEqual(errors, []);
      await page.context().close();
    });
  });
