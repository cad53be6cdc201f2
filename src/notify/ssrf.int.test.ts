/**
 * Issue 10, defect 5 (SSRF), on both engines: webhook and ntfy contact methods reached 127.0.0.1, localhost,
 * [::ffff:127.0.0.1], 2130706433 and 0x7f.1. A non-administrator's URL must resolve to public addresses only (400
 * naming the field); an organisation administrator may allow a private target, and only they may.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { ENGINES } from '../db/testing/index.js';
import type { ResolveAll } from '../shared/net.js';
import { startNotifyHarness, type NotifyHarness } from '../testing/notify.js';

/** Names resolved by the test, as a DNS server would answer them (this machine has no DNS for the internet). */
/** Names a test re-points after they were given (DNS rebinding). */
const repointed: Record<string, string[]> = {};

const resolve: ResolveAll = (host) => {
  const table: Record<string, string[]> = {
    ...repointed,
    'hooks.example.test': ['93.184.215.14'],
    'ntfy.example.test': ['2606:2800:21f:cb07:6820:80da:af6b:8b2c'],
    'internal.example.test': ['10.0.0.5'],
    'rebind.example.test': ['93.184.215.14', '127.0.0.1'],
    'nat64.example.test': ['64:ff9b::a00:5'],
  };
  const addresses = table[host];
  if (!addresses) return Promise.reject(Object.assign(new Error(`ENOTFOUND ${host}`), { code: 'ENOTFOUND' }));
  return Promise.resolve(addresses.map((address) => ({ address, family: address.includes(':') ? 6 : 4 })));
};

/** Every spelling of a private target the review tried, and more (src/shared/net.test.ts has the full table). */
const PRIVATE_URLS = [
  'http://127.0.0.1:6379/',
  'http://localhost:8080/hook',
  'http://[::ffff:127.0.0.1]/',
  'http://2130706433/',
  'http://0x7f.1/',
  'http://127.1/',
  'http://[::1]:9200/',
  'http://[64:ff9b::7f00:1]/',
  'http://169.254.169.254/latest/meta-data/',
  'http://198.18.0.1/',
  'http://10.1.2.3/',
  'http://internal.example.test/hook',
  'http://rebind.example.test/hook',
  'http://nat64.example.test/hook',
  'http://nowhere.example.test/hook',
];

interface Problem {
  field: string;
  message: string;
}
interface Answer {
  contactMethod?: { id: string; allowPrivateAddress: boolean };
  error?: { code: string; details?: { problems: Problem[] } };
}

for (const engine of ENGINES) {
  describe(`outbound URLs of contact methods [${engine}]`, () => {
    let h: NotifyHarness;
    let userId: string;
    let userToken: string;
    before(async () => {
      h = await startNotifyHarness(engine, {}, { resolve });
      userId = (
        await h.t.api<{ user: { id: string } }>('POST', '/api/users', {
          email: 'someone@example.test',
          name: 'Someone',
          password: 'a long enough password',
        })
      ).body.user.id;
      userToken = (
        await h.t.muster.services.tokens.create(
          { userId, tokenId: null, label: 'someone', ip: null, isAdmin: false },
          { name: 't' },
        )
      ).token;
    });
    after(async () => h.stop());

    const create = (body: Record<string, unknown>, token?: string) =>
      h.t.api<Answer>('POST', `/api/users/${userId}/contact-methods`, body, token);
    const fieldOf = (a: { body: Answer }) => a.body.error?.details?.problems[0]?.field;

    it('refuses a non-administrator every private target, naming the field', async () => {
      for (const url of PRIVATE_URLS) {
        const hook = await create({ kind: 'webhook', address: url }, userToken);
        assert.equal(hook.status, 400, `${url}: ${JSON.stringify(hook.body)}`);
        assert.equal(hook.body.error?.code, 'validation_failed');
        assert.equal(fieldOf(hook), 'address', url);
        const push = await create({ kind: 'ntfy', address: 'topic', serverUrl: url }, userToken);
        assert.equal(push.status, 400, `${url}: ${JSON.stringify(push.body)}`);
        assert.equal(fieldOf(push), 'serverUrl', url);
      }
      const rows = await h.t.muster.services.db.kysely
        .selectFrom('contactMethods')
        .select('id')
        .where('userId', '=', userId)
        .execute();
      assert.equal(rows.length, 0, 'nothing was stored');
    });

    it('accepts public targets from anyone, public-only', async () => {
      const hook = await create({ kind: 'webhook', address: 'https://hooks.example.test/muster' }, userToken);
      assert.equal(hook.status, 201, JSON.stringify(hook.body));
      assert.equal(hook.body.contactMethod?.allowPrivateAddress, false);
      const push = await create({ kind: 'ntfy', address: 'topic', serverUrl: 'https://ntfy.example.test' }, userToken);
      assert.equal(push.status, 201, JSON.stringify(push.body));
      assert.equal(push.body.contactMethod?.allowPrivateAddress, false);
      // The configured default ntfy server is the operator's choice, not checked.
      const byDefault = await create({ kind: 'ntfy', address: 'topic-2' }, userToken);
      assert.equal(byDefault.status, 201, JSON.stringify(byDefault.body));
    });

    it('refuses a non-administrator re-pointing a contact method at a private target, or asking to allow one', async () => {
      const hook = await create({ kind: 'webhook', address: 'https://hooks.example.test/other' }, userToken);
      const id = hook.body.contactMethod!.id;
      for (const address of ['http://0x7f.1:6379/', 'http://[::ffff:127.0.0.1]/']) {
        const moved = await h.t.api<Answer>(
          'PATCH',
          `/api/users/${userId}/contact-methods/${id}`,
          { address },
          userToken,
        );
        assert.equal(moved.status, 400, JSON.stringify(moved.body));
        assert.equal(fieldOf(moved), 'address');
      }
      const asked = await create(
        { kind: 'webhook', address: 'http://127.0.0.1:6379/', allowPrivateAddress: true },
        userToken,
      );
      assert.equal(asked.status, 403, JSON.stringify(asked.body));
      const patched = await h.t.api<Answer>(
        'PATCH',
        `/api/users/${userId}/contact-methods/${id}`,
        { allowPrivateAddress: true },
        userToken,
      );
      assert.equal(patched.status, 403, JSON.stringify(patched.body));
    });

    it('lets an organisation administrator allow private targets, explicitly or by giving one', async () => {
      for (const url of PRIVATE_URLS.slice(0, 6)) {
        const hook = await create({ kind: 'webhook', address: url, allowPrivateAddress: true });
        assert.equal(hook.status, 201, `${url}: ${JSON.stringify(hook.body)}`);
        assert.equal(hook.body.contactMethod?.allowPrivateAddress, true);
      }
      const implicit = await create({ kind: 'ntfy', address: 'topic', serverUrl: 'http://10.1.2.3:8080' });
      assert.equal(implicit.status, 201, JSON.stringify(implicit.body));
      assert.equal(implicit.body.contactMethod?.allowPrivateAddress, true);
      // An administrator's public URL stays public-only; refusing private explicitly is honoured.
      const publicOne = await create({ kind: 'webhook', address: 'https://hooks.example.test/admin' });
      assert.equal(publicOne.body.contactMethod?.allowPrivateAddress, false);
      const refused = await create({ kind: 'webhook', address: 'http://127.0.0.1/', allowPrivateAddress: false });
      assert.equal(refused.status, 400);
      assert.equal(fieldOf(refused), 'address');
      // The owner changing the URL of an allowed one makes it public-only again (and checked).
      const allowed = await create({
        kind: 'webhook',
        address: 'https://hooks.example.test/x',
        allowPrivateAddress: true,
      });
      const id = allowed.body.contactMethod!.id;
      const label = await h.t.api<Answer>(
        'PATCH',
        `/api/users/${userId}/contact-methods/${id}`,
        { label: 'renamed' },
        userToken,
      );
      assert.equal(label.body.contactMethod?.allowPrivateAddress, true, 'a label change keeps the allowance');
      const moved = await h.t.api<Answer>(
        'PATCH',
        `/api/users/${userId}/contact-methods/${id}`,
        { address: 'https://hooks.example.test/y' },
        userToken,
      );
      assert.equal(moved.status, 200, JSON.stringify(moved.body));
      assert.equal(moved.body.contactMethod?.allowPrivateAddress, false);
      const audit = await h.t.muster.services.db.kysely
        .selectFrom('auditEvents')
        .select('details')
        .where('action', '=', 'contact_method.created')
        .where('targetId', '=', userId)
        .execute();
      assert.ok(
        audit.some((a) => a.details.includes('"allowPrivateAddress":true')),
        'the allowance is audited',
      );
    });

    it('refuses a delivery to a name re-pointed at a private address after it was given, saying nothing of the port', async () => {
      const port = new URL(h.webhook.url).port;
      const owner = (
        await h.t.api<{ user: { id: string } }>('POST', '/api/users', {
          email: 'rebinder@example.test',
          name: 'Rebinder',
          password: 'a long enough password',
        })
      ).body.user.id;
      const token = (
        await h.t.muster.services.tokens.create(
          { userId: owner, tokenId: null, label: 'rebinder', ip: null, isAdmin: false },
          { name: 't' },
        )
      ).token;
      repointed['flip.example.test'] = ['93.184.215.14'];
      const cm = await h.t.api<Answer>(
        'POST',
        `/api/users/${owner}/contact-methods`,
        { kind: 'webhook', address: `http://flip.example.test:${port}/hook` },
        token,
      );
      assert.equal(cm.status, 201, JSON.stringify(cm.body));
      const rule = await h.t.api(
        'POST',
        `/api/users/${owner}/notification-rules`,
        { contactMethodId: cm.body.contactMethod!.id, urgency: 'high', delayMinutes: 0 },
        token,
      );
      assert.equal(rule.status, 201, JSON.stringify(rule.body));
      repointed['flip.example.test'] = ['127.0.0.1']; // where the local receiver listens
      const hitsBefore = h.webhook.hits.length;
      await h.notify({ userId: owner, urgency: 'high', message: { subject: 'Rebound', body: 'x' } });
      const deadline = Date.now() + 20_000;
      let d: { status: string; lastError: string | null } | undefined;
      while (Date.now() < deadline) {
        const r = await h.t.api<{ notifications: { status: string; lastError: string | null }[] }>(
          'GET',
          `/api/notifications?userId=${owner}`,
        );
        d = r.body.notifications[0];
        if (d && d.status !== 'pending' && d.status !== 'sending') break;
        await new Promise((done) => setTimeout(done, 50));
      }
      assert.equal(d?.status, 'failed', JSON.stringify(d));
      assert.match(d?.lastError ?? '', /private, loopback or link-local address; refused/);
      assert.doesNotMatch(d?.lastError ?? '', /ECONNREFUSED|HTTP \d|timed out/);
      assert.equal(h.webhook.hits.length, hitsBefore, 'nothing reached the private receiver');
    });

    it("still delivers to an administrator's private target", async () => {
      const owner = (
        await h.t.api<{ user: { id: string } }>('POST', '/api/users', {
          email: 'internal@example.test',
          name: 'Internal',
          password: 'a long enough password',
        })
      ).body.user.id;
      const cm = await h.t.api<Answer>('POST', `/api/users/${owner}/contact-methods`, {
        kind: 'webhook',
        address: h.webhook.url,
      });
      assert.equal(cm.body.contactMethod?.allowPrivateAddress, true);
      await h.t.api('POST', `/api/users/${owner}/notification-rules`, {
        contactMethodId: cm.body.contactMethod.id,
        urgency: 'high',
        delayMinutes: 0,
      });
      const hitsBefore = h.webhook.hits.length;
      await h.notify({ userId: owner, urgency: 'high', message: { subject: 'Internal', body: 'x' } });
      const deadline = Date.now() + 20_000;
      while (h.webhook.hits.length === hitsBefore && Date.now() < deadline) {
        await new Promise((done) => setTimeout(done, 50));
      }
      assert.equal(h.webhook.hits.length, hitsBefore + 1);
    });
  });
}
