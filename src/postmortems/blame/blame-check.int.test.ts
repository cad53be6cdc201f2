import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { ENGINES } from '../../db/testing/index.js';
import { startTestMuster, type TestMuster } from '../../testing/server.js';
import { BLAME_TEXT_MAX, type Finding } from './index.js';

interface ErrorBody {
  error: { code: string; details?: { field: string }[] };
}

/** POST /api/blame-check: the pure check behind a route, signed-in only, the body bounded and closed. */
for (const engine of ENGINES) {
  describe(`POST /api/blame-check [${engine}]`, () => {
    let t: TestMuster;
    let viewerToken: string;
    before(async () => {
      t = await startTestMuster(engine);
      const u = await t.api<{ user: { id: string } }>('POST', '/api/users', {
        email: 'viewer@example.test',
        name: 'Vera Viewer',
      });
      const tok = await t.api<{ token: string }>('POST', '/api/tokens', { name: 'blame', userId: u.body.user.id });
      viewerToken = tok.body.token;
    });
    after(async () => t.stop());

    it('answers the findings for a text, with offsets into it, for any signed-in user', async () => {
      const text = 'Alice was IC. John deployed a bad config that caused the outage.\n\nRoot cause: human error.';
      const r = await t.api<{ findings: Finding[] }>('POST', '/api/blame-check', { text }, viewerToken);
      assert.equal(r.status, 200, JSON.stringify(r.body));
      assert.deepEqual(
        r.body.findings.map((f) => [f.ruleId, f.excerpt, text.slice(f.start, f.end)]),
        [
          ['person-bad-change', 'John deployed a bad', 'John deployed a bad'],
          ['human-error', 'human error', 'human error'],
        ],
      );
      const [f] = r.body.findings;
      assert.equal(f!.sentence, 'John deployed a bad config that caused the outage.');
      assert.match(f!.suggestion, /pipeline/);
      assert.match(f!.fingerprint, /^[0-9a-f]{14}$/);
    });

    it('recognises the names given', async () => {
      const text = 'Sterling broke the deploy pipeline.'; // -ing: not taken for a first name unless given
      const none = await t.api<{ findings: Finding[] }>('POST', '/api/blame-check', { text });
      assert.deepEqual(none.body.findings, []);
      const named = await t.api<{ findings: Finding[] }>('POST', '/api/blame-check', {
        text,
        names: ['Sterling Okoye'],
      });
      assert.deepEqual(
        named.body.findings.map((f) => f.ruleId),
        ['person-broke'],
      );
    });

    it('refuses the anonymous, a missing or too long text (naming the field), and strips unknown fields', async () => {
      assert.equal((await t.api('POST', '/api/blame-check', { text: 'x' }, null)).status, 401);
      const missing = await t.api<ErrorBody>('POST', '/api/blame-check', {});
      assert.equal(missing.status, 400);
      assert.equal(missing.body.error.code, 'validation_failed');
      assert.ok(JSON.stringify(missing.body).includes('text'), JSON.stringify(missing.body));
      const long = await t.api<ErrorBody>('POST', '/api/blame-check', { text: 'a'.repeat(BLAME_TEXT_MAX + 1) });
      assert.equal(long.status, 400);
      assert.ok(JSON.stringify(long.body).includes('text'), JSON.stringify(long.body));
      const badNames = await t.api<ErrorBody>('POST', '/api/blame-check', { text: 'x', names: 'Dave' });
      assert.equal(badNames.status, 400);
      assert.ok(JSON.stringify(badNames.body).includes('names'), JSON.stringify(badNames.body));
      const extra = await t.api<{ findings: Finding[] }>('POST', '/api/blame-check', { text: 'Fine.', evil: 1 });
      assert.equal(extra.status, 200);
      assert.deepEqual(extra.body, { findings: [] });
    });

    it('checks the longest text accepted', async () => {
      const sentence = 'Dave forgot to renew the certificate. Bob acknowledged the page at 02:51. ';
      const text = sentence.repeat(Math.floor(BLAME_TEXT_MAX / sentence.length));
      const r = await t.api<{ findings: Finding[] }>('POST', '/api/blame-check', { text });
      assert.equal(r.status, 200);
      assert.equal(r.body.findings.length, Math.floor(BLAME_TEXT_MAX / sentence.length));
      assert.equal(new Set(r.body.findings.map((f) => f.fingerprint)).size, 1, 'one sentence, one fingerprint');
    });
  });
}
