/**
 * Team members and contact methods from the CLI against a real server, on both engines: members added by email or
 * id (an unknown email named); contact methods added, listed, tested and removed, yours and a user's by email.
 * Lists print JSON arrays with --json; each change is checked through the API, not only through the CLI's words.
 * (Schedules: src/cli/schedules.int.test.ts; policies and silences: src/cli/paging-config.int.test.ts.)
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { ENGINES } from '../db/testing/index.js';
import { musterFor, runMuster } from '../testing/cli.js';
import { startTestMuster, type TestMuster } from '../testing/server.js';

type Row = Record<string, unknown>;

for (const engine of ENGINES) {
  describe(`muster team members and contact methods [${engine}]`, () => {
    let t: TestMuster;
    let env: Record<string, string>;
    let teamId: string;
    let ana: string;
    let ben: string;
    const { muster, json } = musterFor(() => env);

    before(async () => {
      t = await startTestMuster(engine);
      env = { MUSTER_URL: t.url, MUSTER_TOKEN: t.adminToken };
      teamId = (await t.api<{ id: string }>('POST', '/api/teams', { name: 'Payments', slug: 'payments' })).body.id;
      const user = async (email: string, name: string) =>
        (await t.api<{ user: { id: string } }>('POST', '/api/users', { email, name })).body.user.id;
      ana = await user('ana@example.test', 'Ana');
      ben = await user('ben@example.test', 'Ben');
    });
    after(async () => t.stop());

    it('adds team members by email or id, and names an unknown email', async () => {
      await muster(['team', 'add-member', 'payments', '--user', 'Ana@Example.test']);
      await muster(['team', 'add-member', 'payments', '--user', ben, '--role', 'admin']);
      const team = await t.api<{ members: { userId: string; role: string }[] }>('GET', `/api/teams/${teamId}`);
      const roles = Object.fromEntries(team.body.members.map((m) => [m.userId, m.role]));
      assert.equal(roles[ana], 'responder');
      assert.equal(roles[ben], 'admin');
      const unknown = await runMuster(['team', 'add-member', 'payments', '--user', 'nobody@example.test'], env);
      assert.equal(unknown.code, 1);
      assert.match(unknown.stderr, /No user with email nobody@example\.test/);
    });

    it('adds, lists, tests and removes contact methods, for yourself or a user by email', async () => {
      const mine = await json<{ contactMethod: { id: string } }>([
        'contact-method',
        'add',
        '--kind',
        'email',
        '--address',
        'oncall-admin@example.test',
        '--label',
        'work',
      ]);
      const anas = await json<{ contactMethod: { id: string; userId: string } }>([
        'contact-method',
        'add',
        '--user',
        'ana@example.test',
        '--kind',
        'email',
        '--address',
        'ana@example.test',
      ]);
      assert.equal(anas.contactMethod.userId, ana);
      const list = await json(['contact-method', 'list']);
      assert.ok(Array.isArray(list));
      assert.deepEqual(
        list.map((m) => m.id),
        [mine.contactMethod.id],
      );
      const human = await muster(['contact-method', 'list', '--user', 'ana@example.test']);
      assert.match(human, /email\s+-?\s*ana@example\.test/);
      const test = await json<{ deliveryId: string }>(['contact-method', 'test', mine.contactMethod.id]);
      assert.match(test.deliveryId, /\S/);
      await muster(['contact-method', 'remove', '--user', 'ana@example.test', anas.contactMethod.id]);
      const left = await t.api<{ contactMethods: Row[] }>('GET', `/api/users/${ana}/contact-methods`);
      assert.deepEqual(left.body.contactMethods, []);
    });
  });
}
