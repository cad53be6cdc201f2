/**
 * Browser tests share this: Debian's Chromium (never a downloaded browser) launched headless with the flags this
 * closed-network machine needs, after checking that the built web UI and the browser are there.
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { chromium, type Browser } from 'playwright-core';

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
