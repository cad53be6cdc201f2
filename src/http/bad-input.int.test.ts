/**
 * Issue 10, defect 7: bad input answers a clear 4xx in the envelope naming the field, never a 500. Each case is a
 * reproduction from the security review, on both engines.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { ENGINES } from '../db/testing/index.js';
import { startTestMuster, type TestMuster } from '../testing/server.js';
import { fromDatabase } from './errors.js';

interface Envelope {
  error: { code: string; message: string; details?: { problems?: { field: string }[]; field?: string } };
  requestId: string;
}

const fields = (b: Envelope) => (b.error.details?.problems ?? []).map((p) => p.field);

for (const engine of ENGINES) {
  describe(`bad input answers 4xx naming the field [${engine}]`, () => {
    let t: TestMuster;
    let teamId: string;
    before(async () => {
      t = await startTestMuster(engine);
      teamId = (await t.api<{ id: string }>('POST', '/api/teams', { name: 'Bad input' })).body.id;
    });
    after(async () => t.stop());

    it('POST /api/tokens with an unknown userId: 400 naming userId', async () => {
      const r = await t.api<Envelope>('POST', '/api/tokens', { name: 'x', userId: 'usr_nobody' });
      assert.equal(r.status, 400, JSON.stringify(r.body));
      assert.deepEqual(fields(r.body), ['userId']);
    });

    it("an incident task with assigneeUserId '': 400 naming it, and an unknown assignee 404", async () => {
      const inc = await t.api<{ incident: { id: string } }>('POST', '/api/incidents', { title: 'x', severity: 'P3' });
      assert.equal(inc.status, 201, JSON.stringify(inc.body));
      const id = inc.body.incident.id;
      const empty = await t.api<Envelope>('POST', `/api/incidents/${id}/tasks`, { title: 't', assigneeUserId: '' });
      assert.equal(empty.status, 400, JSON.stringify(empty.body));
      assert.ok(fields(empty.body).includes('body.assigneeUserId'), JSON.stringify(empty.body));
      const unknown = await t.api<Envelope>('POST', `/api/incidents/${id}/tasks`, {
        title: 't',
        assigneeUserId: 'usr_nobody',
      });
      assert.equal(unknown.status, 404, JSON.stringify(unknown.body));
    });

    it('PATCH /api/schedules/{id} with an unknown teamId: 400 naming teamId', async () => {
      const s = await t.api<{ id: string }>('POST', '/api/schedules', {
        name: 'S',
        teamId,
        timezone: 'UTC',
        layers: [],
      });
      assert.equal(s.status, 201, JSON.stringify(s.body));
      const r = await t.api<Envelope>('PATCH', `/api/schedules/${s.body.id}`, { teamId: 'team_nobody' });
      assert.equal(r.status, 400, JSON.stringify(r.body));
      assert.deepEqual(fields(r.body), ['teamId']);
    });

    it('unknown fields never reach SQL: status-page settings and templates', async () => {
      const settings = await t.api<{ title: string }>('PATCH', '/api/status-page/settings', {
        title: 'Status',
        bogus: 1,
        updatedAt: 'x',
      });
      assert.equal(settings.status, 200, JSON.stringify(settings.body));
      assert.equal(settings.body.title, 'Status');
      const tpl = await t.api<{ id: string }>('POST', '/api/status-page/templates', {
        name: 'Outage',
        status: 'investigating',
        publicText: 'Looking',
        id: 'stt_chosen',
      });
      assert.equal(tpl.status, 201, JSON.stringify(tpl.body));
      assert.notEqual(tpl.body.id, 'stt_chosen');
      const patched = await t.api('PATCH', `/api/status-page/templates/${tpl.body.id}`, {
        publicText: 'Still looking',
        createdAt: 0,
        nope: true,
      });
      assert.equal(patched.status, 200, JSON.stringify(patched.body));
    });

    it('a duplicate template name: 409 (renaming onto another) or 400 naming name (creating), never 500', async () => {
      const a = await t.api<{ id: string }>('POST', '/api/status-page/templates', {
        name: 'Dup A',
        status: 'investigating',
        publicText: 'a',
      });
      const b = await t.api<{ id: string }>('POST', '/api/status-page/templates', {
        name: 'Dup B',
        status: 'investigating',
        publicText: 'b',
      });
      assert.equal(a.status, 201);
      assert.equal(b.status, 201);
      const again = await t.api<Envelope>('POST', '/api/status-page/templates', {
        name: 'Dup A',
        status: 'investigating',
        publicText: 'c',
      });
      assert.equal(again.status, 400, JSON.stringify(again.body));
      assert.deepEqual(fields(again.body), ['name']);
      const rename = await t.api<Envelope>('PATCH', `/api/status-page/templates/${b.body.id}`, { name: 'Dup A' });
      assert.equal(rename.status, 409, JSON.stringify(rename.body));
      assert.equal(rename.body.error.code, 'already_exists');
      assert.equal(rename.body.error.details?.field, 'name');
    });

    it('a body nested 50,000 deep: 400 body_too_deep, and the server still answers', async () => {
      const deep = '{"a":'.repeat(50_000) + '1' + '}'.repeat(50_000);
      for (const path of ['/api/teams', '/api/changes', '/integrations/generic/nokey', '/v2/enqueue']) {
        const r = await t.api<Envelope & { status?: string }>('POST', path, `{"name":"x","x":${deep}}`);
        // Intake checks its key first: without one it is 401, with one 400; never the 500 of a blown stack.
        const expected = path.startsWith('/api/') ? [400] : [400, 401];
        assert.ok(expected.includes(r.status), `${path}: ${r.status} ${JSON.stringify(r.body).slice(0, 200)}`);
      }
      const inArray = await t.api<Envelope>('POST', '/api/teams', '['.repeat(100) + ']'.repeat(100));
      assert.equal(inArray.body.error.code, 'body_too_deep');
      // 64 levels are fine (the bound), strings with brackets do not count.
      const ok = await t.api('POST', '/api/teams', { name: '{[{[{[', description: '['.repeat(500) });
      assert.equal(ok.status, 201, JSON.stringify(ok.body));
      assert.equal((await t.api('GET', '/readyz', undefined, null)).status, 200);
    });

    it('GET /api/users/__proto__/shifts and other prototype keys: no 500', async () => {
      for (const key of ['__proto__', 'constructor', 'toString', 'hasOwnProperty']) {
        const r = await t.api<unknown>('GET', `/api/users/${key}/shifts`);
        assert.ok(r.status < 500, `${key}: ${r.status} ${JSON.stringify(r.body)}`);
      }
      const proto = await t.api<{ hours: unknown }>('GET', '/api/users/__proto__/shifts');
      if (proto.status === 200) assert.equal(proto.body.hours, 0);
    });

    it('a path parameter over 100 characters: 414 in the envelope', async () => {
      const r = await t.api<Envelope>('GET', `/api/users/${'x'.repeat(150)}`);
      assert.equal(r.status, 414);
      assert.equal(r.body.error.code, 'path_parameter_too_long');
      assert.equal(r.headers.get('x-request-id'), r.body.requestId);
    });

    it('a URL over 16 KiB: 431 in the envelope (Node refuses it before Fastify has a request)', async () => {
      const r = await t.api<Envelope>('GET', `/api/oncall/report?to=${'x'.repeat(20_000)}`);
      assert.equal(r.status, 431);
      assert.equal(r.body.error.code, 'headers_too_large');
      assert.equal(r.headers.get('x-request-id'), r.body.requestId);
      assert.equal((await t.api('GET', '/readyz', undefined, null)).status, 200);
    });

    it('maps real constraint errors from this engine: foreign key 400, unique 409, field named', async () => {
      const db = t.muster.services.db.kysely;
      const fk = await db
        .insertInto('apiTokens')
        .values({
          id: 'tok_fk',
          userId: 'usr_nobody',
          name: 'x',
          tokenHash: 'h-fk',
          prefix: 'p',
          createdAt: 0,
          lastUsedAt: null,
          expiresAt: null,
          revokedAt: null,
        })
        .execute()
        .then(
          () => null,
          (e: unknown) => e,
        );
      const fkErr = fromDatabase(fk);
      assert.equal(fkErr?.status, 400, String(fk));
      assert.equal(fkErr?.code, 'invalid_reference');
      if (engine === 'postgres') assert.match(fkErr.message, /^userId:/);
      const teams = await db.selectFrom('teams').selectAll().where('id', '=', teamId).executeTakeFirstOrThrow();
      const dup = await db
        .insertInto('teams')
        .values({ ...teams, id: 'team_dup' })
        .execute()
        .then(
          () => null,
          (e: unknown) => e,
        );
      const dupErr = fromDatabase(dup);
      assert.equal(dupErr?.status, 409, String(dup));
      assert.equal(dupErr?.code, 'already_exists');
      assert.equal(fromDatabase(new Error('something else')), null);
    });
  });
}
