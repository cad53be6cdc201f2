/**
 * People health in a real browser (Debian's Chromium via playwright-core) against an in-process server with a test
 * clock, on both engines, over a fixed history (docs/people-health.md):
 * - the service health card on the service page: one open P3, a resolved P1 (acknowledged 5 minutes after its alert,
 *   resolved 30 minutes after it) whose post-mortem is past due and not published, an overdue action item, a linked
 *   runbook, one page in the window and two judged alerts (one a false positive);
 * - a service without a runbook whose five incidents one person handled: the knowledge flag with its remedies and
 *   "Write the runbook" opening the editor for that service;
 * - "My on-call": a page at 03:12 (UTC, the person's zone) breaks the night, so 09:00–13:00 is recovery time, and the
 *   one-click cover makes the override for the free participant;
 * - the incident room marks a participant who holds a role in another open incident (double-booked), as the pickers do;
 * at 1280 px and at 390 × 844 (the recovery notice in the first screen, no sideways scroll). Screenshots go to
 * /tmp/shots-people-b/. Needs web/dist: `npm run build:web` first.
 */
import assert from 'node:assert/strict';
import { mkdirSync } from 'node:fs';
import { after, before, describe, test } from 'node:test';
import type { Browser, Page } from 'playwright-core';
import { browserTestEngines } from '../src/db/testing/index.js';
import { FakeClock, MINUTE } from '../src/shared/clock.js';
import { ADMIN_EMAIL, startTestMuster, type TestMuster } from '../src/testing/server.js';
import { recoveryText } from '../web/src/pages/oncall/recovery.js';
import { launchBrowser, openPage, signIn } from './browser.js';

/** One engine for this browser file; MUSTER_E2E_ENGINES=both runs both (docs/adr/0012). */
const ENGINES = browserTestEngines('postgres');

const SHOTS = '/tmp/shots-people-b';
const PHONE = { width: 390, height: 844 };
const DESKTOP = { width: 1280, height: 900 };

// Tuesday 10 November 2026: the resolved P1. Wednesday 2 December, 03:12 UTC: the page in the night.
const NOVEMBER_10 = Date.parse('2026-11-10T09:55:00Z');
const WEDNESDAY_0312 = Date.parse('2026-12-02T03:12:00Z');

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

async function waitFor<T>(what: string, fn: () => Promise<T | undefined>, ms = 15_000): Promise<T> {
  const deadline = Date.now() + ms;
  for (;;) {
    const v = await fn();
    if (v !== undefined) return v;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

test('the recovery notice names the morning and the page in the person zone', () => {
  const entry = {
    userId: 'u',
    name: 'Ana',
    pagedAt: '2026-12-02T02:12:00Z', // 03:12 in Berlin
    pages: 1,
    recoveryFrom: '2026-12-02T08:00:00Z', // 09:00–13:00 in Berlin
    recoveryTo: '2026-12-02T12:00:00Z',
    cover: null,
  };
  const zone = 'Europe/Berlin';
  assert.equal(
    recoveryText(entry, zone, Date.parse('2026-12-02T02:30:00Z')),
    'Recovery time: today 09:00–13:00, after the 03:12 page',
  );
  assert.equal(
    recoveryText(entry, zone, Date.parse('2026-12-01T22:30:00Z')),
    'Recovery time: tomorrow 09:00–13:00, after the 03:12 page',
  );
  assert.equal(
    recoveryText({ ...entry, pages: 3 }, zone, Date.parse('2026-12-02T09:00:00Z')),
    'Recovery time: now, until 13:00, after 3 pages in the night, the first at 03:12',
  );
  assert.equal(
    recoveryText(entry, zone, Date.parse('2026-11-29T12:00:00Z')),
    'Recovery time: Wed 2 Dec 09:00–13:00, after the 03:12 page',
  );
});

for (const engine of ENGINES)
  describe(`people health in the browser (${engine})`, () => {
    let muster: TestMuster;
    let browser: Browser;
    const clock = new FakeClock(NOVEMBER_10);
    let serviceId = '';
    let serviceSlug = '';
    let scheduleId = '';
    let adminId = '';
    let idaId = '';
    let openP3 = '';
    let teamSlug = '';

    before(async () => {
      muster = await startTestMuster(engine, {}, { clock });
      browser = await launchBrowser();
      const api = muster.api;
      const ok = <T>(r: { status: number; body: T }, what: string, status = 201): T => {
        assert.equal(r.status, status, `${what}: ${JSON.stringify(r.body)}`);
        return r.body;
      };
      adminId = (await muster.muster.services.identity.findUserByEmail(ADMIN_EMAIL))!.id;
      ok(await api('PATCH', `/api/users/${adminId}`, { timezone: 'UTC' }), 'zone', 200);
      const team = ok(await api<{ id: string; slug: string }>('POST', '/api/teams', { name: 'Payments' }), 'team');
      teamSlug = team.slug;
      idaId = ok(
        await api<{ user: { id: string } }>('POST', '/api/users', { email: 'ida@example.test', name: 'Ida' }),
        'ida',
      ).user.id;
      // The admin created the team (its owner); Ida joins as a responder.
      ok(await api('PUT', `/api/teams/${team.id}/members/${idaId}`, { role: 'responder' }), 'member', 200);

      // Admin on call on Wednesday 2 December (UTC), Ida on Thursday.
      scheduleId = ok(
        await api<{ id: string }>('POST', '/api/schedules', {
          teamId: team.id,
          name: 'Payments primary',
          timezone: 'UTC',
          layers: [
            {
              name: 'Daily',
              participants: [adminId, idaId],
              turn: { unit: 'days', count: 1 },
              startDate: '2026-12-02',
              handoffTime: '00:00',
            },
          ],
        }),
        'schedule',
      ).id;
      const policy = ok(
        await api<{ id: string }>('POST', '/api/escalation-policies', {
          teamId: team.id,
          name: 'Payments',
          workingHours: { timezone: 'UTC', days: [1, 2, 3, 4, 5, 6, 7], start: '00:00', end: '23:59' },
          levels: [{ delayMinutes: 30, targets: [{ type: 'schedule', id: scheduleId }] }],
        }),
        'policy',
      );
      const svc = ok(
        await api<{ id: string; slug: string }>('POST', '/api/services', {
          name: 'Checkout',
          teamId: team.id,
          escalationPolicyId: policy.id,
        }),
        'service',
      );
      serviceId = svc.id;
      serviceSlug = svc.slug;
      const key = ok(
        await api<{ key: string }>('POST', `/api/services/${serviceId}/integration-keys`, {
          source: 'generic',
          name: 'test',
        }),
        'key',
      ).key;
      const fire = async (dedupKey: string, title: string) =>
        ok(
          await api<{ alerts: { alertId: string }[] }>(
            'POST',
            `/integrations/generic/${key}`,
            { status: 'firing', dedupKey, title, severity: 'critical' },
            null,
          ),
          `alert ${dedupKey}`,
          200,
        ).alerts[0]!.alertId;

      // Tuesday 10 November: an alert at 09:55 (later judged a false positive), a P1 declared from it at 10:00 (so
      // acknowledged 5 minutes after the alert) and resolved at 10:25 (30 minutes after the alert), with an action item
      // due on 20 November. Nobody is on call before 2 December, so these page nobody.
      const noise = await fire('checkout/noise', 'Checkout latency blip');
      clock.advance(5 * MINUTE);
      const p1 = ok(
        await api<{ incident: { id: string } }>('POST', '/api/incidents', {
          title: 'Card payments failing',
          severity: 'P1',
          serviceIds: [serviceId],
          alertIds: [noise],
        }),
        'P1',
      ).incident.id;
      ok(await api('POST', `/api/incidents/${p1}/acknowledge`), 'acknowledge P1', 200);
      clock.advance(25 * MINUTE);
      ok(await api('POST', `/api/incidents/${p1}/status`, { status: 'resolved' }), 'resolve', 200);
      ok(await api('POST', `/api/alerts/${noise}/resolve`, { classification: 'false_positive' }), 'judge', 200);
      ok(
        await api('POST', '/api/action-items', {
          incidentId: p1,
          title: 'Add a replica',
          ownerUserId: adminId,
          teamId: team.id,
          dueAt: '2026-11-20T12:00:00Z',
        }),
        'action item',
      );
      // Its post-mortem, created by a job when it resolved; never published (past due by December).
      await waitFor('the post-mortem of the P1', async () => {
        const r = await api('GET', `/api/incidents/${p1}/postmortem`);
        return r.status === 200 ? true : undefined;
      });

      // Tuesday 1 December: a P3 still open, declared 5 minutes after its alert; a runbook linked to the service.
      clock.set(Date.parse('2026-12-01T09:55:00Z'));
      const slow = await fire('refunds/slow', 'Refunds slow');
      clock.advance(5 * MINUTE);
      const p3 = ok(
        await api<{ incident: { id: string } }>('POST', '/api/incidents', {
          title: 'Refunds slow',
          severity: 'P3',
          serviceIds: [serviceId],
          alertIds: [slow],
        }),
        'P3',
      ).incident.id;
      ok(await api('POST', `/api/incidents/${p3}/acknowledge`), 'acknowledge P3', 200);
      openP3 = p3;
      ok(
        await api('POST', '/api/runbooks', {
          teamId: team.id,
          title: 'Checkout errors',
          body: '## First steps',
          serviceIds: [serviceId],
        }),
        'runbook',
      );

      // Wednesday 03:12: the alert that pages the on-call person (the admin) in their sleep.
      clock.set(WEDNESDAY_0312);
      const night = await fire('checkout/5xx', 'Checkout error rate above 5%');
      clock.advance(3 * MINUTE);
      ok(await api('POST', `/api/alerts/${night}/resolve`, { classification: 'actionable' }), 'resolve night', 200);
      clock.set(Date.parse('2026-12-02T03:30:00Z'));
    });
    after(async () => {
      await browser?.close();
      await muster?.stop();
    });

    test('the service page shows the health card, each figure worked out by hand', async () => {
      const card = (await muster.api<Record<string, unknown>>('GET', `/api/services/${serviceId}/health-card`)).body;
      const { page, errors, context } = await openPage(browser, DESKTOP);
      await signIn(page, muster.url, `/services/${serviceSlug}`);
      const c = page.getByTestId('service-health-card');
      await c.waitFor();
      const value = async (id: string) => (await c.getByTestId(`card-${id}-value`).textContent())?.trim();
      const context_ = JSON.stringify(card);
      assert.equal(await value('open-incidents'), '1', context_);
      // One page (the night's) over the 90-day window's 12.86 weeks.
      assert.equal(await value('pages'), '0.08', context_);
      // Two judged alerts, one a false positive.
      assert.equal(await value('noisy'), '50%', context_);
      assert.equal(await value('mtta'), '5 min', context_);
      assert.equal(await value('mttr'), '30 min', context_);
      // The P1's post-mortem exists, past due and not published: none of one complete.
      assert.equal(await value('postmortems'), '0%', context_);
      assert.equal(await value('overdue'), '1', context_);
      assert.equal(await value('runbooks'), '1', context_);
      assert.equal(await value('knowledge'), 'Shared', context_);
      await c.getByTestId('card-team').getByText('Payments').waitFor();
      assert.equal(
        await c.getByTestId('card-team').getAttribute('href'),
        `/teams/${teamSlug}`,
        'the owning team is linked',
      );
      // Each figure says what it counts and where it comes from.
      assert.equal(
        await c.getByTestId('card-pages').getByRole('link', { name: 'Paging insights' }).getAttribute('href'),
        `/insights/paging?serviceId=${serviceId}`,
      );
      assert.equal(
        await c.getByTestId('card-overdue').getByRole('link', { name: 'Action items' }).getAttribute('href'),
        `/action-items?teamId=${encodeURIComponent((card.owningTeam as { id: string }).id)}&overdue=true`,
      );
      await c.getByText('Open action items of its incidents past their due date.').waitFor();
      await shoot(page, 'service-desktop', engine);

      await page.setViewportSize(PHONE);
      await page.reload();
      await page.getByTestId('service-health-card').waitFor();
      await shoot(page, 'service-phone', engine);
      await noSidewaysScroll(page, 'the service page at 390 px');
      assert.deepEqual(errors, []);
      await context.close();
    });

    test('a service without a runbook, whose incidents one person handled, offers the remedies', async () => {
      const team = (await muster.api<{ id: string }>('POST', '/api/teams', { name: 'Search' })).body;
      const svc = (
        await muster.api<{ id: string; slug: string }>('POST', '/api/services', {
          name: 'Search',
          teamId: team.id,
        })
      ).body;
      // Five incidents, each declared and resolved by the administrator alone: 100% of at least 5 → flagged.
      for (let n = 1; n <= 5; n++) {
        const id = (
          await muster.api<{ incident: { id: string } }>('POST', '/api/incidents', {
            title: `Search index stale ${n}`,
            severity: 'P3',
            serviceIds: [svc.id],
          })
        ).body.incident.id;
        assert.equal((await muster.api('POST', `/api/incidents/${id}/status`, { status: 'resolved' })).status, 200);
      }
      clock.advance(MINUTE); // the window ends now, exclusive: the incidents are a minute old
      const k = await muster.api<{ services: { flagged: boolean }[] }>(
        'GET',
        `/api/people/knowledge?serviceId=${svc.id}`,
      );
      assert.equal(k.body.services[0]?.flagged, true, JSON.stringify(k.body));
      const flaggedCard = await muster.api<{ knowledgeFlag: boolean }>('GET', `/api/services/${svc.id}/health-card`);
      assert.equal(flaggedCard.body.knowledgeFlag, true, JSON.stringify(flaggedCard.body));
      const { page, errors, context } = await openPage(browser, DESKTOP);
      await signIn(page, muster.url, `/services/${svc.slug}`);
      await page.getByTestId('card-remedies').waitFor();
      assert.equal((await page.getByTestId('card-knowledge-value').textContent())?.trim(), '100%');
      await page.getByTestId('card-knowledge').getByText('Held by Administrator', { exact: false }).waitFor();
      const remedies = page.getByTestId('card-remedies').getByRole('link');
      assert.deepEqual(await remedies.evaluateAll((as) => as.map((a) => a.getAttribute('href'))), [
        `/runbooks/new?serviceId=${svc.id}`,
        '/oncall',
        `/teams/search`,
      ]);
      await shoot(page, 'service-flagged-desktop', engine);
      const write = page.getByTestId('card-write-runbook');
      assert.equal(await write.getAttribute('href'), `/runbooks/new?serviceId=${svc.id}`);
      assert.equal((await page.getByTestId('card-runbooks-value').textContent())?.trim(), 'None');
      await write.click();
      await page.waitForURL((u) => u.pathname === '/runbooks/new');
      await page.getByRole('button', { name: 'Create the runbook' }).waitFor();
      assert.deepEqual(errors, []);
      await context.close();
    });

    test('my on-call shows recovery after the night page, and the cover makes the override', async () => {
      const mine = await muster.api<{ recovery: { recoveryFrom: string; recoveryTo: string }[] }>(
        'GET',
        '/api/me/recovery',
      );
      assert.deepEqual(
        mine.body.recovery.map((r) => [r.recoveryFrom, r.recoveryTo]),
        [['2026-12-02T09:00:00.000Z', '2026-12-02T13:00:00.000Z']],
        JSON.stringify(mine.body),
      );
      const { page, errors, context } = await openPage(browser, PHONE);
      await signIn(page, muster.url, '/me/oncall');
      const notice = page.getByTestId('recovery');
      await notice.waitFor();
      const text = (await notice.getByTestId('recovery-text').textContent()) ?? '';
      assert.match(text, /^Recovery time: (today|tomorrow|Wed 2 Dec) 09:00–13:00, after the 03:12 page$/);
      // In the first screen at 390 × 844, and nothing scrolls sideways.
      const box = await page.getByTestId('recovery-cover').boundingBox();
      assert.ok(box && box.y + box.height <= PHONE.height, `the cover button is below the first screen: ${box?.y}`);
      await shoot(page, 'my-oncall-phone', engine);
      await noSidewaysScroll(page, 'my on-call at 390 px');

      const button = page.getByTestId('recovery-cover');
      assert.match((await button.textContent()) ?? '', /Ask Ida to cover 09:00–13:00/);
      await button.click();
      await page
        .getByTestId('recovery-covered')
        .getByText(/Covered by Ida/)
        .waitFor();
      const overrides = await muster.api<{ overrides: { userId: string; start: string; end: string }[] }>(
        'GET',
        `/api/schedules/${scheduleId}/overrides`,
      );
      assert.deepEqual(
        overrides.body.overrides.map((o) => [o.userId, o.start, o.end]),
        [[idaId, '2026-12-02T09:00:00.000Z', '2026-12-02T13:00:00.000Z']],
        JSON.stringify(overrides.body),
      );
      await shoot(page, 'my-oncall-covered-phone', engine);
      await page.setViewportSize(DESKTOP);
      await page.reload();
      await page
        .getByTestId('recovery')
        .getByText('You are not on call then: nothing to cover.')
        .waitFor()
        .catch(async (e: unknown) => {
          mkdirSync(SHOTS, { recursive: true });
          await page.screenshot({ path: `${SHOTS}/failure-recovery-${engine}.png`, fullPage: true });
          const again = await muster.api('GET', '/api/me/recovery');
          throw new Error(`${String(e)} ${JSON.stringify(again.body)}`);
        });
      await shoot(page, 'my-oncall-desktop', engine);
      assert.deepEqual(errors, []);
      await context.close();
    });

    test('the room marks a participant and a picker choice who is already in another open incident', async () => {
      // Ida is Technical Lead of the open P3, then joins a new P2's room.
      assert.equal((await muster.api('PUT', `/api/incidents/${openP3}/roles/tl`, { userId: idaId })).status, 200);
      const second = (
        await muster.api<{ incident: { id: string } }>('POST', '/api/incidents', {
          title: 'Checkout slow in one region',
          severity: 'P2',
          serviceIds: [serviceId],
        })
      ).body.incident.id;
      const idaToken = (await muster.api<{ token: string }>('POST', '/api/tokens', { name: 'ida', userId: idaId })).body
        .token;
      const joined = await muster.api<{ warnings: { code: string }[] }>(
        'POST',
        `/api/incidents/${second}/join`,
        undefined,
        idaToken,
      );
      assert.deepEqual(
        joined.body.warnings.map((w) => w.code),
        ['double_booked'],
      );
      const { page, errors, context } = await openPage(browser, DESKTOP);
      await signIn(page, muster.url, `/incidents/${second}`);
      const participants = page.getByTestId('room-participants');
      await participants.getByText('Ida').waitFor();
      await participants.getByTestId('double-booked-badge').getByText('⚑ also in Refunds slow').first().waitFor();
      // The role pickers offer Ida marked, after the people who are free.
      const option = page.locator('option', { hasText: 'Ida — ⚑ double-booked' }).first();
      await option.waitFor({ state: 'attached' });
      await shoot(page, 'room-desktop', engine);
      await page.setViewportSize(PHONE);
      await page.reload();
      await page.getByTestId('room-participants').getByText('Ida').waitFor();
      await shoot(page, 'room-phone', engine);
      await noSidewaysScroll(page, 'the incident room at 390 px');
      assert.deepEqual(errors, []);
      await context.close();
    });
  });
