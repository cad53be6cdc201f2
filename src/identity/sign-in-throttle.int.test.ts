import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { ENGINES } from '../db/testing/index.js';
import { ADMIN_EMAIL, ADMIN_PASSWORD, startTestMuster, type TestMuster } from '../testing/server.js';
import { SIGNIN_MAX_PER_EMAIL_AND_IP } from './model.js';

/** Issue 10, defect 8: five wrong passwords from one address no longer lock the account out everywhere. */
for (const engine of ENGINES) {
  describe(`sign-in throttling by account and address [${engine}]`, () => {
    let t: TestMuster;
    before(async () => {
      // Behind a proxy: the client address comes from X-Forwarded-For.
      t = await startTestMuster(engine, { trustProxy: true });
    });
    after(async () => {
      await t.stop();
    });

    const signIn = async (password: string, from: string): Promise<{ status: number; retryAfter: string | null }> => {
      const r = await fetch(`${t.url}/api/auth/sign-in`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'x-forwarded-for': from },
        body: JSON.stringify({ email: ADMIN_EMAIL, password }),
      });
      await r.arrayBuffer();
      return { status: r.status, retryAfter: r.headers.get('retry-after') };
    };

    it("refuses the storming address, even with the right password, but not the owner's", async () => {
      const attacker = '198.51.100.66';
      const statuses: number[] = [];
      for (let i = 0; i < SIGNIN_MAX_PER_EMAIL_AND_IP; i++)
        statuses.push((await signIn('wrong password!', attacker)).status);
      assert.deepEqual(statuses, Array<number>(SIGNIN_MAX_PER_EMAIL_AND_IP).fill(401));
      const blocked = await signIn(ADMIN_PASSWORD, attacker);
      assert.equal(blocked.status, 429);
      assert.ok(Number(blocked.retryAfter) > 0);
      const owner = await signIn(ADMIN_PASSWORD, '203.0.113.7');
      assert.equal(owner.status, 200, 'the owner signs in from another address');
    });
  });
}
