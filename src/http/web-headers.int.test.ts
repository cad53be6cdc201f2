import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { ENGINES } from '../db/testing/index.js';
import { startTestMuster, type TestMuster } from '../testing/server.js';
import { webDistDir } from './app.js';
import { WEB_APP_CSP } from './web-headers.js';

const built = existsSync(join(webDistDir(), 'index.html'));

/** Issue 10, defect 8: the web app's HTML carries a CSP, X-Frame-Options, nosniff and a Referrer-Policy. */
for (const engine of ENGINES) {
  describe(`web app security headers [${engine}]`, { skip: built ? false : 'web/dist is not built' }, () => {
    let t: TestMuster;
    before(async () => {
      t = await startTestMuster(engine);
    });
    after(async () => {
      await t.stop();
    });

    it('sends them with index.html on every UI path, and nosniff with the bundles', async () => {
      for (const path of ['/', '/teams', '/services/some-service', '/no/such/page']) {
        const r = await fetch(t.url + path);
        const html = await r.text();
        assert.equal(r.status, 200, path);
        assert.match(html, /<div id="root">/);
        assert.equal(r.headers.get('content-security-policy'), WEB_APP_CSP, path);
        assert.match(WEB_APP_CSP, /script-src 'self'(;|$)/);
        assert.match(WEB_APP_CSP, /frame-ancestors 'none'/);
        assert.equal(r.headers.get('x-frame-options'), 'DENY');
        assert.equal(r.headers.get('x-content-type-options'), 'nosniff');
        assert.ok(r.headers.get('referrer-policy'));
      }
      const index = await (await fetch(t.url + '/')).text();
      const asset = /src="(\/assets\/[^"]+\.js)"/.exec(index)?.[1];
      assert.ok(asset, 'index.html loads a bundle');
      const js = await fetch(t.url + asset);
      await js.arrayBuffer();
      assert.equal(js.status, 200);
      assert.equal(js.headers.get('x-content-type-options'), 'nosniff');
      // No inline script in the page the CSP would block.
      assert.doesNotMatch(index, /<script(?![^>]*\bsrc=)[^>]*>/);
    });
  });
}
