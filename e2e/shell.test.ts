/**
 * The web UI shell in a real browser (Debian's Chromium driven by playwright-core) against a real in-process server
 * on SQLite. Needs web/dist: `npm test` and `npm run test:e2e` build it first.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { type Browser } from 'playwright-core';
import { launchBrowser, openPage, signIn } from './browser.js';
import { ADMIN_EMAIL, startTestMuster, type TestMuster } from '../src/testing/server.js';

const SCREENSHOT = '/tmp/muster-teams.png';

let muster: TestMuster;
let browser: Browser;

describe('web UI shell', () => {
  before(async () => {
    muster = await startTestMuster('sqlite');
    browser = await launchBrowser();
  });

  after(async () => {
    await browser?.close();
    await muster?.stop();
  });

  test('an administrator signs in, creates a team, manages members and creates an API token shown once', async () => {
    const { context, page, errors } = await openPage(browser);
    const colleague = await muster.api<{ user: { id: string } }>('POST', '/api/users', {
      email: 'sam.ops@example.test',
      name: 'Sam Ops',
      password: 'a long enough password',
    });
    assert.equal(colleague.status, 201);

    // Signed out, a deep link goes to the sign-in form and comes back after signing in.
    await signIn(page, muster.url, '/teams');
    const cookies = await context.cookies();
    const session = cookies.find((c) => c.name === 'muster_session');
    assert.ok(session, 'the browser keeps the Secure session cookie on http://127.0.0.1');
    assert.equal(session.secure, true);
    assert.equal(session.httpOnly, true);

    // Create a team through the UI; it appears in the list with our role.
    await page.getByRole('button', { name: 'New team' }).click();
    await page.getByLabel('Name').fill('Payments Platform');
    await page.getByLabel('Slug').fill('payments');
    await page.getByLabel('Description').fill('Card processing and payouts.');
    await page.getByRole('button', { name: 'Create team' }).click();
    const teams = page.getByRole('table', { name: 'Teams' });
    const teamLink = teams.getByRole('link', { name: 'Payments Platform' });
    await teamLink.waitFor();
    const row = teams.getByRole('row').filter({ has: page.getByRole('link', { name: 'Payments Platform' }) });
    assert.match(await row.innerText(), /payments\s+1\s+Owner/);
    await page.screenshot({ path: SCREENSHOT, fullPage: true });

    // The team page lists us as owner; add a colleague with a role (a cookie-authenticated PUT with the CSRF token).
    await teamLink.click();
    await page.waitForURL((u) => u.pathname === '/teams/payments');
    await page.getByRole('heading', { name: 'Payments Platform' }).waitFor();
    const members = page.getByRole('table', { name: 'Members' });
    await members.getByRole('cell', { name: ADMIN_EMAIL }).waitFor();
    await page.getByLabel('Person').selectOption({ label: 'Sam Ops <sam.ops@example.test>' });
    await page.getByLabel('Role', { exact: true }).selectOption('viewer');
    await page.getByRole('button', { name: 'Add member' }).click();
    await members.getByRole('cell', { name: 'sam.ops@example.test' }).waitFor();
    const samRole = page.getByLabel('Role of sam.ops@example.test');
    assert.equal(await samRole.inputValue(), 'viewer');
    const changed = page.waitForResponse((r) => r.request().method() === 'PUT' && r.url().includes('/members/'));
    await samRole.selectOption('responder');
    assert.equal((await changed).status(), 200);
    const team = await muster.api<{ members: { email: string; role: string }[] }>('GET', '/api/teams/payments');
    assert.deepEqual(team.body.members.map((m) => [m.email, m.role]).sort(), [
      [ADMIN_EMAIL, 'owner'],
      ['sam.ops@example.test', 'responder'],
    ]);

    // Create an API token; a validation problem shows next to its field first.
    await page.getByRole('link', { name: 'API tokens' }).click();
    await page.waitForURL((u) => u.pathname === '/tokens');
    await page.getByRole('button', { name: 'Create token' }).click();
    await page.getByText('Name must be 1 to 100 characters').waitFor();
    await page.getByLabel('Name').fill('deploy script');
    await page.getByRole('button', { name: 'Create token' }).click();
    const secret = page.getByTestId('one-time-secret');
    await secret.waitFor();
    await page.getByText('Store it now, it will not be shown again.').waitFor();
    const token = await secret.inputValue();
    assert.ok(token.length > 20, `a token, got ${JSON.stringify(token)}`);

    const me = await fetch(`${muster.url}/api/me`, { headers: { authorization: `Bearer ${token}` } });
    assert.equal(me.status, 200);
    assert.equal(((await me.json()) as { email: string }).email, ADMIN_EMAIL);

    // After a reload the token is listed by name only; the secret is gone for good.
    await page.reload();
    const tokenRow = page
      .getByRole('table', { name: 'API tokens' })
      .getByRole('row')
      .filter({ hasText: 'deploy script' });
    await tokenRow.waitFor();
    assert.equal(await page.getByTestId('one-time-secret').count(), 0);
    assert.ok(!(await page.content()).includes(token), 'the token is not in the page after a reload');

    // Sign out ends the session on the server too.
    await page.getByRole('button', { name: 'Sign out' }).click();
    await page.waitForURL((u) => u.pathname === '/signin');
    await page.goto(`${muster.url}/tokens`);
    await page.waitForURL((u) => u.pathname === '/signin' && u.searchParams.get('next') === '/tokens');

    assert.deepEqual(errors, []);
    await context.close();
  });

  test('a one-time sign-in link signs a new user in and asks for a password', async () => {
    const created = await muster.api<{ user: { id: string }; signInLink: { url: string } }>('POST', '/api/users', {
      email: 'nia.new@example.test',
      name: 'Nia New',
    });
    assert.equal(created.status, 201);
    const link = created.body.signInLink.url;
    assert.ok(link.startsWith(`${muster.url}/signin/link#token=`), link);

    const { context, page, errors } = await openPage(browser);
    await page.goto(link);
    await page.waitForURL((u) => u.pathname === '/set-password');
    assert.equal(new URL(page.url()).hash, '', 'the token is taken out of the address bar');
    await page.getByRole('heading', { name: 'Set your password' }).waitFor();

    // Mismatched passwords are caught before anything is sent; a short one is refused by the server, by field.
    await page.getByLabel('New password').fill('short');
    await page.getByLabel('Repeat it').fill('shorter');
    await page.getByRole('button', { name: 'Set password' }).click();
    await page.getByText('Repeat it does not match the password').waitFor();
    await page.getByLabel('Repeat it').fill('short');
    await page.getByRole('button', { name: 'Set password' }).click();
    await page.getByText('New password must be at least 12 characters').waitFor();

    const password = 'nia picks a sturdy passphrase';
    await page.getByLabel('New password').fill(password);
    await page.getByLabel('Repeat it').fill(password);
    await page.getByRole('button', { name: 'Set password' }).click();
    await page.waitForURL((u) => u.pathname === '/');
    await page.getByRole('heading', { name: /Nia New/ }).waitFor();
    assert.equal(await page.getByText('You have no password yet').count(), 0);

    // Still signed in after a reload (the session cookie held), and not an administrator.
    await page.reload();
    await page.getByRole('heading', { name: /Nia New/ }).waitFor();
    assert.equal(await page.getByRole('link', { name: 'Audit log' }).count(), 0);

    // The new password works, and the link does not work twice.
    const signIn = await muster.api('POST', '/api/auth/sign-in', { email: 'nia.new@example.test', password }, null);
    assert.equal(signIn.status, 200);
    const again = await openPage(browser);
    await again.page.goto(link);
    await again.page.getByRole('alert').waitFor();
    assert.equal(new URL(again.page.url()).pathname, '/signin/link');

    assert.deepEqual([...errors, ...again.errors], []);
    await again.context.close();
    await context.close();
  });
});
