import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { ENGINES } from '../db/testing/index.js';
import { ADMIN_EMAIL, ADMIN_PASSWORD, startTestMuster, type TestMuster } from '../testing/server.js';

for (const engine of ENGINES) {
  describe(`identity over HTTP [${engine}]`, () => {
    let t: TestMuster;
    before(async () => {
      t = await startTestMuster(engine);
    });
    after(async () => {
      await t.stop();
    });

    it('refuses unauthenticated API calls with the error envelope', async () => {
      const r = await t.api<{ error: { code: string }; requestId: string }>('GET', '/api/teams', undefined, null);
      assert.equal(r.status, 401);
      assert.equal(r.body.error.code, 'unauthenticated');
      assert.match(r.body.requestId, /^req_/);
    });

    it('signs in with a password, sets an httpOnly cookie and requires the CSRF token for writes', async () => {
      const res = await fetch(`${t.url}/api/auth/sign-in`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ email: ADMIN_EMAIL, password: ADMIN_PASSWORD }),
      });
      assert.equal(res.status, 200);
      const setCookie = res.headers.get('set-cookie') ?? '';
      assert.match(setCookie, /muster_session=/);
      assert.match(setCookie, /HttpOnly/i);
      assert.match(setCookie, /SameSite=Lax/i);
      const { csrfToken } = (await res.json()) as { csrfToken: string };
      const cookie = setCookie.split(';')[0]!;
      const noCsrf = await fetch(`${t.url}/api/teams`, {
        method: 'POST',
        headers: { cookie, 'content-type': 'application/json' },
        body: JSON.stringify({ name: 'Payments' }),
      });
      assert.equal(noCsrf.status, 403);
      const withCsrf = await fetch(`${t.url}/api/teams`, {
        method: 'POST',
        headers: { cookie, 'content-type': 'application/json', 'x-csrf-token': csrfToken },
        body: JSON.stringify({ name: 'Payments' }),
      });
      assert.equal(withCsrf.status, 201);
      const team = (await withCsrf.json()) as { slug: string; myRole: string };
      assert.equal(team.slug, 'payments');
      assert.equal(team.myRole, 'owner');
    });

    it('throttles repeated failed sign-ins with 429 and Retry-After', async () => {
      const email = 'nobody@example.test';
      const statuses: number[] = [];
      let retryAfter: string | null = null;
      for (let i = 0; i < 6; i++) {
        const r = await fetch(`${t.url}/api/auth/sign-in`, {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify({ email, password: 'wrong password!' }),
        });
        statuses.push(r.status);
        retryAfter = r.headers.get('retry-after') ?? retryAfter;
      }
      assert.deepEqual(statuses, [401, 401, 401, 401, 401, 429]);
      assert.ok(Number(retryAfter) > 0);
    });

    it('shows an API token once, stores only its hash, and stops accepting it when revoked', async () => {
      const created = await t.api<{ token: string; apiToken: { id: string; prefix: string } }>('POST', '/api/tokens', {
        name: 'ci',
      });
      assert.equal(created.status, 201);
      assert.match(created.body.token, /^mst_/);
      const row = await t.muster.services.db.kysely
        .selectFrom('apiTokens')
        .selectAll()
        .where('id', '=', created.body.apiToken.id)
        .executeTakeFirstOrThrow();
      assert.notEqual(row.tokenHash, created.body.token);
      assert.ok(!JSON.stringify(row).includes(created.body.token));
      assert.equal((await t.api('GET', '/api/me', undefined, created.body.token)).status, 200);
      assert.equal((await t.api('DELETE', `/api/tokens/${created.body.apiToken.id}`)).status, 204);
      assert.equal((await t.api('GET', '/api/me', undefined, created.body.token)).status, 401);
    });

    it('names the field in validation errors and records changes in the audit log', async () => {
      const bad = await t.api<{ error: { code: string; details: { problems: { field: string }[] } } }>(
        'POST',
        '/api/users',
        {
          email: 'not-an-email',
          name: 'X',
        },
      );
      assert.equal(bad.status, 400);
      assert.equal(bad.body.error.code, 'validation_failed');
      assert.deepEqual(
        bad.body.error.details.problems.map((p) => p.field),
        ['email'],
      );
      const ok = await t.api<{ user: { id: string }; signInLink: { url: string } }>('POST', '/api/users', {
        email: 'Responder@Example.test',
        name: 'Rita Responder',
      });
      assert.equal(ok.status, 201);
      assert.match(ok.body.signInLink.url, /\/signin\/link#token=/);
      const audit = await t.api<{ events: { action: string; targetId: string; actorLabel: string }[] }>(
        'GET',
        `/api/audit-events?targetType=user&targetId=${ok.body.user.id}`,
      );
      assert.equal(audit.body.events[0]?.action, 'sign_in_link.created');
      assert.ok(audit.body.events.some((e) => e.action === 'user.created' && e.actorLabel === ADMIN_EMAIL));
    });

    it('keeps non-admins out of admin routes and lets a member role be changed only by team admins', async () => {
      const u = await t.api<{ user: { id: string } }>('POST', '/api/users', {
        email: 'viewer@example.test',
        name: 'Vic Viewer',
        password: 'a long enough password',
      });
      const tok = await t.muster.services.tokens.create(
        { userId: u.body.user.id, tokenId: null, label: 'v', ip: null, isAdmin: false },
        { name: 'v' },
      );
      assert.equal((await t.api('GET', '/api/jobs', undefined, tok.token)).status, 403);
      const team = await t.api<{ id: string }>('POST', '/api/teams', { name: 'Search' });
      assert.equal(
        (await t.api('PUT', `/api/teams/${team.body.id}/members/${u.body.user.id}`, { role: 'viewer' })).status,
        200,
      );
      const escalate = await t.api(
        'PUT',
        `/api/teams/${team.body.id}/members/${u.body.user.id}`,
        { role: 'owner' },
        tok.token,
      );
      assert.equal(escalate.status, 403);
    });

    it('serves the OpenAPI document to anyone (it holds no secrets; generators fetch it), and nothing else with it', async () => {
      const doc = await t.api<{ openapi: string; paths: Record<string, unknown> }>(
        'GET',
        '/api/openapi.json',
        undefined,
        null,
      );
      assert.equal(doc.status, 200);
      assert.equal((await t.api('GET', '/api/teams', undefined, null)).status, 401);
      assert.equal(doc.body.openapi, '3.1.0');
      assert.ok('/api/teams' in doc.body.paths);
    });
  });
}
