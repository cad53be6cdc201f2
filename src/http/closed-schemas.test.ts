import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { Type } from '@sinclair/typebox';
import { Ajv } from 'ajv';
import Fastify from 'fastify';
import { startTestMuster, type TestMuster } from '../testing/server.js';
import { closeBodySchema, installClosedBodies, openBody, openObjectsIn, routeBodies } from './closed-schemas.js';

/** The body validator's settings in app.ts: strip where additionalProperties is false. */
const ajv = () => new Ajv({ removeAdditional: true, useDefaults: true, allErrors: true, strict: false });

describe('closed request bodies', () => {
  it('closes every object, nested ones and array items included, and strips unknown fields', () => {
    const schema = closeBodySchema(
      Type.Object({
        name: Type.String(),
        rule: Type.Object({ delayMinutes: Type.Integer() }),
        steps: Type.Array(Type.Object({ at: Type.Integer() })),
      }),
    );
    assert.deepEqual(openObjectsIn(schema), []);
    const body = {
      name: 'x',
      userId: 'usr_other',
      rule: { delayMinutes: 1, isAdmin: true },
      steps: [{ at: 1, id: 'x' }],
    };
    assert.equal(ajv().compile(schema)(body), true);
    assert.deepEqual(body, { name: 'x', rule: { delayMinutes: 1 }, steps: [{ at: 1 }] });
  });

  it('refuses (not strips) unknown fields inside a union, so the matching branch keeps its fields', () => {
    const schema = closeBodySchema(
      Type.Object({
        target: Type.Union([
          Type.Object({ type: Type.Literal('user'), id: Type.String() }),
          Type.Object({ type: Type.Literal('schedule'), scheduleId: Type.String() }),
        ]),
      }),
    );
    assert.deepEqual(openObjectsIn(schema), []);
    const validate = ajv().compile(schema);
    const second = { target: { type: 'schedule', scheduleId: 's1' } };
    assert.equal(validate(second), true, JSON.stringify(validate.errors));
    assert.deepEqual(second, { target: { type: 'schedule', scheduleId: 's1' } });
    assert.equal(validate({ target: { type: 'user', id: 'u1', teamId: 'other' } }), false);
  });

  it('keeps stripping in a union with one object branch (string or object, null or object)', () => {
    const schema = closeBodySchema(
      Type.Object({
        links: Type.Array(Type.Union([Type.String(), Type.Object({ href: Type.String() })])),
        rule: Type.Union([Type.Null(), Type.Object({ minutes: Type.Integer() })]),
      }),
    );
    assert.deepEqual(openObjectsIn(schema), []);
    const body = { links: ['a', { href: 'b', rel: 'x' }], rule: { minutes: 1, extra: true } };
    assert.equal(ajv().compile(schema)(body), true);
    assert.deepEqual(body, { links: ['a', { href: 'b' }], rule: { minutes: 1 } });
  });

  it('finds open objects and any-value schemas, but accepts typed maps and bodies marked open', () => {
    assert.deepEqual(openObjectsIn(Type.Object({ a: Type.String() })), [
      'body: additionalProperties is undefined, not false',
    ]);
    assert.deepEqual(openObjectsIn(Type.Object({ a: Type.Unknown() }, { additionalProperties: false })), [
      'body.a: accepts any value',
    ]);
    assert.deepEqual(
      openObjectsIn(
        closeBodySchema(Type.Object({ labels: Type.Record(Type.String(), Type.String()), n: Type.Integer() })),
      ),
      [],
    );
    assert.deepEqual(openObjectsIn(openBody('a monitor payload', 'read by its parser')), []);
    assert.throws(() => assert.deepEqual(openObjectsIn(Type.Object({}, { additionalProperties: true })), []));
  });

  it('closes the body of a route registered after it is installed, plugins included', async () => {
    const app = Fastify({ logger: false });
    installClosedBodies(app);
    await app.register(async (scope) => {
      scope.post('/x', { schema: { body: Type.Object({ a: Type.String() }) } }, async (req) => req.body);
    });
    await app.ready();
    const r = await app.inject({ method: 'POST', url: '/x', payload: { a: 'y', userId: 'other' } });
    assert.deepEqual(r.json(), { a: 'y' });
    assert.equal(routeBodies(app).length, 1);
    await app.close();
  });
});

describe('every route of the built app', () => {
  let t: TestMuster;
  before(async () => {
    t = await startTestMuster('sqlite');
  });
  after(async () => t.stop());

  it('has a closed body schema at every depth (additionalProperties false), or one marked open on purpose', () => {
    const bodies = routeBodies(t.muster.app);
    assert.ok(bodies.length >= 70, `only ${bodies.length} routes with a body: is installClosedBodies installed first?`);
    const open = bodies.flatMap((b) => openObjectsIn(b.body).map((where) => `${b.method} ${b.url} ${where}`));
    assert.deepEqual(open, [], `open request bodies (close them, or mark a third party's payload openBody):`);
  });

  it('ignores a field the route does not take: POST notification-rules with another userId', async () => {
    const { user: other } = (
      await t.api<{ user: { id: string } }>('POST', '/api/users', { email: 'other@example.test', name: 'Other' })
    ).body;
    const myId = (await t.api<{ id: string }>('GET', '/api/me')).body.id;
    const cm = await t.api<{ contactMethod: { id: string } }>('POST', `/api/users/${myId}/contact-methods`, {
      kind: 'email',
      address: 'me@example.test',
      isVerified: true,
    });
    assert.equal(cm.status, 201, JSON.stringify(cm.body));
    const rule = await t.api<{ userId: string }>('POST', `/api/users/${myId}/notification-rules`, {
      contactMethodId: cm.body.contactMethod.id,
      urgency: 'high',
      delayMinutes: 0,
      userId: other.id,
    });
    assert.equal(rule.status, 201, JSON.stringify(rule.body));
    assert.equal(rule.body.userId, myId);
    const theirs = await t.api<{ rules: unknown[] }>('GET', `/api/users/${other.id}/notification-rules`);
    assert.deepEqual(theirs.body.rules, []);
  });
});
