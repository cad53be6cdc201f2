/**
 * Browser tests share this: Debian's Chromium (never a downloaded browser) launched headless with the flags this
 * closed-network machine needs, after checking that the built web UI and the browser are there.
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { chromium, type Browser, type BrowserContext, type Page } from 'playwright-core';
import { ADMIN_EMAIL, ADMIN_PASSWORD } from '../src/testing/server.js';

export const CHROMIUM = '/usr/bin/chromium';
export const WEB_INDEX = join(import.meta.dirname, '..', 'web', 'dist', 'index.html');

export async function launchBrowser(): Promise<Browser> {
  if (!existsSync(WEB_INDEX)) {
    throw new Error(`${WEB_INDEX} is missing: run \`npm run build:web\` first (npm test builds it).`);
  }
  if (!existsSync(CHROMIUM)) throw new Error(`${CHROMIUM} is missing: install Debian's chromium package.`);
  return chromium.launch({
    executablePath: CHROMIUM,
    args: [
      '--headless',
      '--no-sandbox',
      '--disable-gpu',
      '--disable-background-networking',
      '--disable-component-update',
      '--no-first-run',
      '--disable-sync',
      '--disable-quic',
    ],
  });
}

export interface OpenPage {
  context: BrowserContext;
  page: Page;
  /** Uncaught page errors; a test asserts it stays empty. */
  errors: Error[];
}

/** A fresh browser profile (no cookies) that collects the page's uncaught errors. */
export async function openPage(browser: Browser, viewport = { width: 1280, height: 800 }): Promise<OpenPage> {
  const context = await browser.newContext({ viewport });
  const page = await context.newPage();
  page.setDefaultTimeout(15_000);
  const errors: Error[] = [];
  page.on('pageerror', (e) => errors.push(e));
  // A Content-Security-Policy violation is only a console message: count it as an error, so the UI and its CSP
  // (src/http/web-headers.ts) cannot drift apart unnoticed.
  page.on('console', (m) => {
    if (m.type() === 'error' && /Content Security Policy/i.test(m.text())) errors.push(new Error(m.text()));
  });
  return { context, page, errors };
}

/** Open a deep link signed out, sign in through the form, and land back on it. */
export async function signIn(
  page: Page,
  baseUrl: string,
  path: string,
  email = ADMIN_EMAIL,
  password = ADMIN_PASSWORD,
): Promise<void> {
  await page.goto(baseUrl + path);
  await page.waitForURL((u) => u.pathname === '/signin');
  await page.getByLabel('Email').fill(email);
  await page.getByLabel('Password').fill(password);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await page.waitForURL((u) => u.pathname === path);
}
