/**
 * The incident room's "uncoordinated" flag in a real browser at 390 px, on both engines: three people act on a P1
 * with no Incident Commander, the timeline shows "3 people acting with no Incident Commander" with "Assign an IC",
 * which brings up the IC picker; once an IC is picked the flag says until when and the button goes. Nothing overflows.
 * Needs web/dist: `npm run build:web` first.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { type Browser } from 'playwright-core';
import { browserTestEngines } from '../src/db/testing/index.js';
import { systemActor } from '../src/identity/index.js';
import { launchBrowser, openPage, signIn } from './browser.js';
import { startTestMuster, type TestMuster } from '../src/testing/server.js';

/** One engine for this browser file; MUSTER_E2E_ENGINES=both runs both (docs/adr/0012). */
const ENGINES = browserTestEngines('postgres');

let muster: TestMuster;
let browser: Browser;

for (const engine of ENGINES)
  describe(`uncoordinated responders in the room (${engine})`, () => {
    before(async () => {
      muster = await startTestMuster(engine);
      browser = await launchBrowser();
    });
    after(async () => {
      await browser?.close();
      await muster?.stop();
    });

    test('flag three people acting with no IC, assign one from the flag, on a phone', async () => {
      const team = await muster.api<{ id: string }>('POST', '/api/teams', { name: 'Shop' });
      const svc = await muster.api<{ id: string }>('POST', '/api/services', { name: 'Checkout', teamId: team.body.id });
      const people: { id: string; token: string }[] = [];
      for (const name of ['Ann Able', 'Bob Baker']) {
        const u = await muster.api<{ user: { id: string } }>('POST', '/api/users', {
          email: `${name.split(' ')[0]!.toLowerCase()}@example.test`,
          name,
        });
        assert.equal(u.status, 201, JSON.stringify(u.body));
        await muster.api('PUT', `/api/teams/${team.body.id}/members/${u.body.user.id}`, { role: 'responder' });
        const { token } = await muster.muster.services.tokens.create(systemActor('test'), {
          userId: u.body.user.id,
          name: 'e2e',
        });
        people.push({ id: u.body.user.id, token });
      }
      const declared = await muster.api<{ incident: { id: string } }>('POST', '/api/incidents', {
        title: 'Checkout failing',
        severity: 'P1',
        serviceIds: [svc.body.id],
      });
      assert.equal(declared.status, 201, JSON.stringify(declared.body));
      const id = declared.body.incident.id;
      for (const p of people) {
        const r = await muster.api('POST', `/api/incidents/${id}/notes`, { text: 'looking at the logs' }, p.token);
        assert.equal(r.status, 201, JSON.stringify(r.body));
      }

      const { page, errors } = await openPage(browser, { width: 390, height: 844 });
      await signIn(page, muster.url, `/incidents/${id}`);
      const flag = page.getByTestId('uncoordinated-flag');
      await flag.getByText('3 people acting with no Incident Commander').waitFor();
      const width = await page.evaluate(() => document.documentElement.scrollWidth);
      assert.ok(width <= 390, `the room is ${width} px wide at 390`);

      await flag.getByRole('button', { name: 'Assign an IC' }).click();
      assert.equal(await page.evaluate(() => document.activeElement?.id), 'role-commander');
      await page.locator('#role-commander').selectOption(people[0]!.id);
      await flag.getByText(/until \d\d:\d\d/).waitFor();
      assert.equal(await flag.getByRole('button', { name: 'Assign an IC' }).count(), 0);
      assert.deepEqual(errors, []);
    });
  });
