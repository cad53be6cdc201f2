/**
 * Change hooks over HTTP on both engines: the tools' documented payloads signed as each tool signs them, mapped to
 * services by repository, namespace and labels; signature failures, bad payloads and unmapped changes recorded where
 * the team sees them; rotation with a grace; and a change during an open P1 — in the room's live stream with who
 * made it, a warning to the sender, and the IC paged when the team asks for it.
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { after, before, describe, it } from 'node:test';
import { ENGINES } from '../db/testing/index.js';
import { startTestMuster, type TestMuster } from '../testing/server.js';
import { readSse } from '../testing/sse.js';
import { signFor } from './signatures.js';
import type { ChangeSource } from './sources.js';

const fixture = (name: string): string => readFileSync(new URL(`./fixtures/${name}.json`, import.meta.url), 'utf8');

interface Hook {
  id: string;
  url: string;
  source: string;
}
interface Delivery {
  outcome: string;
  field: string | null;
  reason: string;
  raw: string;
  changeIds: string[];
}
interface Reply {
  status?: string;
  reason?: string;
  changes?: { id: string; serviceId: string }[];
  duplicates?: number;
  warnings?: { code: string; incidentId: string; message: string }[];
  error?: { code: string; message: string; details?: { problems: { field: string }[] } };
}
interface Change {
  id: string;
  serviceId: string;
  summary: string;
  source: string;
  kind: string;
  author: string | null;
  details: { versions?: string[] };
}

for (const engine of ENGINES) {
  describe(`change hooks [${engine}]`, () => {
    let t: TestMuster;
    let team: string;
    const svc: Record<string, string> = {};
    let ida: string;

    before(async () => {
      t = await startTestMuster(engine);
      team = (await t.api<{ id: string }>('POST', '/api/teams', { name: 'Shop' })).body.id;
      for (const name of ['API', 'Checkout', 'Network', 'Flags']) {
        const r = await t.api<{ id: string }>('POST', '/api/services', { name, teamId: team, criticality: 'high' });
        assert.equal(r.status, 201, JSON.stringify(r.body));
        svc[name] = r.body.id;
      }
      ida = (
        await t.api<{ user: { id: string } }>('POST', '/api/users', {
          email: 'ida@example.test',
          name: 'Ida Commander',
        })
      ).body.user.id;
      await t.api('PUT', `/api/teams/${team}/members/${ida}`, { role: 'responder' });
      const cm = await t.api('POST', `/api/users/${ida}/contact-methods`, {
        kind: 'email',
        address: 'ida@example.test',
      });
      assert.equal(cm.status, 201, JSON.stringify(cm.body));
      const cfg = await t.api('PUT', `/api/teams/${team}/change-config`, {
        mappings: [
          { service: svc.API, repository: 'https://github.com/Codertocat/Hello-World.git' },
          { service: svc.API, repository: 'mike/diaspora' },
          { service: svc.Checkout, namespace: 'shop' },
          { service: svc.Checkout, matchers: [{ name: 'flag', op: '=~', value: 'new.*|checkout\\..*' }] },
          { service: svc.Network, matchers: [{ name: 'workspace', op: '=~', value: 'network-.*' }] },
          { service: svc.Flags, matchers: [{ name: 'source', op: '=', value: 'flux' }] },
        ],
      });
      assert.equal(cfg.status, 200, JSON.stringify(cfg.body));
    });
    after(async () => t.stop());

    const createHook = async (source: ChangeSource, extra: Record<string, unknown> = {}) => {
      const r = await t.api<{ hook: Hook; secret: string }>('POST', `/api/teams/${team}/change-hooks`, {
        source,
        ...extra,
      });
      assert.equal(r.status, 201, JSON.stringify(r.body));
      assert.match(r.body.hook.url, new RegExp(`/integrations/changes/${r.body.hook.id}$`));
      return r.body;
    };
    const send = async (
      hook: Hook,
      raw: string,
      headers: Record<string, string>,
    ): Promise<{ status: number; body: Reply }> => {
      const res = await fetch(`${t.url}/integrations/changes/${hook.id}`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', ...headers },
        body: raw,
      });
      return { status: res.status, body: (await res.json()) as Reply };
    };
    const deliveries = async (hook: Hook): Promise<Delivery[]> =>
      (await t.api<{ deliveries: Delivery[] }>('GET', `/api/teams/${team}/change-hooks/${hook.id}/deliveries`)).body
        .deliveries;
    const changesOf = async (service: string): Promise<Change[]> =>
      (await t.api<{ changes: Change[] }>('GET', `/api/changes?service=${service}`)).body.changes;

    it('GitHub: a signed push is recorded against the mapped service once; a redelivery adds nothing', async () => {
      const { hook, secret } = await createHook('github');
      const raw = fixture('github-push');
      const headers = { 'x-github-event': 'push', ...signFor('github', secret, raw) };
      const r = await send(hook, raw, headers);
      assert.equal(r.status, 202, JSON.stringify(r.body));
      assert.equal(r.body.status, 'recorded');
      assert.deepEqual(
        r.body.changes!.map((c) => c.serviceId),
        [svc.API],
      );
      const again = await send(hook, raw, headers);
      assert.equal(again.status, 202);
      assert.deepEqual([again.body.changes, again.body.duplicates], [[], 1]);
      const list = (await changesOf(svc.API!)).filter((c) => c.source === 'github');
      assert.equal(list.length, 1);
      assert.equal(list[0]!.author, 'Codertocat');
      assert.deepEqual(list[0]!.details.versions, ['0d1a26e']);
      assert.equal(list[0]!.kind, 'deploy');
    });

    it('refuses a bad or missing signature (401 naming the header) and records it without the body', async () => {
      const { hook } = await createHook('github');
      const raw = fixture('github-push');
      const bad = await send(hook, raw, { 'x-github-event': 'push', ...signFor('github', 'not-the-secret-0000', raw) });
      assert.equal(bad.status, 401);
      assert.equal(bad.body.error!.code, 'invalid_signature');
      assert.match(bad.body.error!.message, /X-Hub-Signature-256/);
      const none = await send(hook, raw, { 'x-github-event': 'push' });
      assert.equal(none.status, 401);
      const d = await deliveries(hook);
      assert.deepEqual(
        d.map((x) => [x.outcome, x.field, x.raw]),
        [
          ['rejected', 'X-Hub-Signature-256', ''],
          ['rejected', 'X-Hub-Signature-256', ''],
        ],
      );
      // An unknown hook is a 404.
      const unknown = await send({ ...hook, id: 'chk_unknown' }, raw, {});
      assert.equal(unknown.status, 404);
    });

    it('a bad payload is a 400 naming the field, recorded with the raw body; other branches and unmapped repos are not recorded', async () => {
      const { hook, secret } = await createHook('github');
      const body = JSON.parse(fixture('github-push')) as { repository: Record<string, unknown>; ref: string };
      delete body.repository.full_name;
      let raw = JSON.stringify(body);
      const r = await send(hook, raw, { 'x-github-event': 'push', ...signFor('github', secret, raw) });
      assert.equal(r.status, 400);
      assert.deepEqual(
        r.body.error!.details!.problems.map((p) => p.field),
        ['repository.full_name'],
      );
      raw = '{not json';
      const unreadable = await send(hook, raw, { 'x-github-event': 'push', ...signFor('github', secret, raw) });
      assert.equal(unreadable.status, 400);
      assert.deepEqual(
        unreadable.body.error!.details!.problems.map((p) => p.field),
        ['body'],
      );
      const branch = { ...(JSON.parse(fixture('github-push')) as object), ref: 'refs/heads/feature' };
      raw = JSON.stringify(branch);
      const ignored = await send(hook, raw, { 'x-github-event': 'push', ...signFor('github', secret, raw) });
      assert.equal(ignored.status, 200);
      assert.equal(ignored.body.status, 'ignored');
      const other = JSON.parse(fixture('github-push')) as { repository: Record<string, unknown> };
      other.repository.full_name = 'someone/else';
      raw = JSON.stringify(other);
      const unmapped = await send(hook, raw, { 'x-github-event': 'push', ...signFor('github', secret, raw) });
      assert.equal(unmapped.status, 202);
      assert.equal(unmapped.body.status, 'unmapped');
      assert.match(unmapped.body.reason!, /repository someone\/else/);
      const d = await deliveries(hook);
      assert.deepEqual(
        d.map((x) => x.outcome),
        ['unmapped', 'ignored', 'rejected', 'rejected'],
      );
      assert.equal(d[3]!.field, 'repository.full_name');
      assert.match(d[3]!.raw, /Hello-World/);
      assert.equal(d[2]!.field, 'body');
    });

    it('every tool: its documented payload, signed its way, lands on the mapped (or default) service', async () => {
      const cases: [ChangeSource, string, Record<string, string>, string][] = [
        ['gitlab', 'gitlab-push', { 'x-gitlab-event': 'Push Hook' }, 'API'],
        ['gitlab', 'gitlab-deployment', { 'x-gitlab-event': 'Deployment Hook' }, 'Flags'],
        ['github', 'github-deployment_status', { 'x-github-event': 'deployment_status' }, 'API'],
        ['github', 'github-release', { 'x-github-event': 'release' }, 'API'],
        ['argocd', 'argocd-app-deployed', {}, 'Checkout'],
        ['flux', 'flux-kustomization', {}, 'Flags'],
        ['kubernetes', 'kubernetes-scaling-replica-set', {}, 'Checkout'],
        ['launchdarkly', 'launchdarkly-flag', {}, 'Checkout'],
        ['unleash', 'unleash-feature-environment-enabled', {}, 'Checkout'],
        ['flagsmith', 'flagsmith-flag-updated', {}, 'Checkout'],
        ['terraform', 'terraform-run-applied', {}, 'Network'],
      ];
      for (const [source, name, headers, service] of cases) {
        // GitLab's deployment fixture is of a repository no rule names: the hook's default service takes it.
        const { hook, secret } = await createHook(
          source,
          name === 'gitlab-deployment' ? { defaultService: svc.Flags } : {},
        );
        const raw = fixture(name);
        const r = await send(hook, raw, { ...headers, ...signFor(source, secret, raw) });
        assert.equal(r.status, 202, `${name}: ${JSON.stringify(r.body)}`);
        assert.equal(r.body.status, 'recorded', name);
        assert.deepEqual(
          r.body.changes!.map((c) => c.serviceId),
          [svc[service]],
          name,
        );
        const recorded = (await changesOf(svc[service]!)).find((c) => c.id === r.body.changes![0]!.id)!;
        assert.equal(recorded.source, source, name);
      }
      const network = await changesOf(svc.Network!);
      assert.equal(network[0]!.kind, 'infrastructure');
      assert.equal(network[0]!.author, 'sam');
    });

    it('rotation: the old secret works during its grace; with no grace it stops at once', async () => {
      const { hook, secret: first } = await createHook('terraform');
      const raw = fixture('terraform-run-applied').replace('run-FG5xfSi7Bq8BnJgE', 'run-rotate1');
      const rot = await t.api<{ secret: string }>('POST', `/api/teams/${team}/change-hooks/${hook.id}/rotate`, {});
      assert.equal(rot.status, 200, JSON.stringify(rot.body));
      assert.notEqual(rot.body.secret, first);
      assert.equal((await send(hook, raw, signFor('terraform', first, raw))).status, 202);
      assert.equal((await send(hook, raw, signFor('terraform', rot.body.secret, raw))).status, 202);
      const rot2 = await t.api<{ secret: string }>('POST', `/api/teams/${team}/change-hooks/${hook.id}/rotate`, {
        graceMinutes: 0,
      });
      assert.equal((await send(hook, raw, signFor('terraform', rot.body.secret, raw))).status, 401);
      assert.equal((await send(hook, raw, signFor('terraform', rot2.body.secret, raw))).status, 202);
      // The secret is never shown again.
      const got = await t.api<Record<string, unknown>>('GET', `/api/teams/${team}/change-hooks/${hook.id}`);
      assert.equal(got.status, 200);
      assert.ok(!JSON.stringify(got.body).includes(rot2.body.secret));
    });

    it('the mapping config names a bad field: another team’s service, a regex RE2 refuses, an empty rule', async () => {
      const other = (await t.api<{ id: string }>('POST', '/api/teams', { name: 'Other' })).body.id;
      const foreign = await t.api<{ id: string }>('POST', '/api/services', { name: 'Foreign', teamId: other });
      const r = await t.api<Reply>('PUT', `/api/teams/${team}/change-config`, {
        mappings: [
          { service: foreign.body.id, namespace: 'x' },
          { service: svc.API, matchers: [{ name: 'team', op: '=~', value: '(?=x)' }] },
          { service: svc.API },
        ],
      });
      assert.equal(r.status, 400);
      assert.deepEqual(r.body.error!.details!.problems.map((p) => p.field).sort(), [
        'mappings[0].service',
        'mappings[1].matchers[0].value',
        'mappings[2]',
      ]);
    });

    it('a change during an open P1: live in the room with who made it, a warning to the sender, the IC paged', async () => {
      await t.api('PUT', `/api/teams/${team}/change-config`, { pageCommanderOnChange: true });
      const d = await t.api<{ incident: { id: string } }>('POST', '/api/incidents', {
        title: 'Checkout errors',
        severity: 'P1',
        serviceIds: [svc.Checkout],
      });
      assert.equal(d.status, 201, JSON.stringify(d.body));
      const id = d.body.incident.id;
      assert.equal((await t.api('PUT', `/api/incidents/${id}/roles/commander`, { userId: ida })).status, 200);

      const ac = new AbortController();
      const stream = await fetch(`${t.url}/api/incidents/${id}/stream`, {
        headers: { authorization: `Bearer ${t.adminToken}` },
        signal: ac.signal,
      });
      assert.equal(stream.status, 200);
      type Ev = { kind: string; body: string; details: { author?: string; changeId?: string } };
      try {
        await readSse<Ev>(stream.body!, (e) => e.kind === 'joined');
        const byApi = await t.api<Reply & { id: string }>('POST', '/api/changes', {
          service: svc.Checkout,
          summary: 'Raise the payment timeout to 30 s',
          kind: 'config',
          author: 'Bob Builder',
        });
        assert.equal(byApi.status, 201, JSON.stringify(byApi.body));
        assert.deepEqual(
          byApi.body.warnings!.map((w) => [w.code, w.incidentId]),
          [['open_incident', id]],
        );
        assert.match(byApi.body.warnings![0]!.message, /open P1 incident.*Ida Commander/);
        const seen = await readSse<Ev>(stream.body!, (e) => e.kind === 'change_during_incident');
        const entry = seen.at(-1)!;
        assert.equal(entry.details.author, 'Bob Builder');
        assert.equal(entry.details.changeId, byApi.body.id);
        assert.match(entry.body, /during the incident.*by Bob Builder/);

        // A hook's change to the same service warns its sender too (the Kubernetes rollout of shop/api).
        const { hook, secret } = await createHook('kubernetes');
        // Rolled out now (the fixture's own time is before the incident: a change before it is no "during" entry).
        const raw = fixture('kubernetes-scaling-replica-set')
          .replace('api-7d9f8c6b5', 'api-5f6d7c8b9')
          .replaceAll('2026-12-07T01:15:10Z', new Date().toISOString());
        const r = await send(hook, raw, signFor('kubernetes', secret, raw));
        assert.equal(r.status, 202, JSON.stringify(r.body));
        assert.deepEqual(
          r.body.warnings!.map((w) => w.incidentId),
          [id],
        );
        await readSse<Ev>(stream.body!, (e) => e.kind === 'change_during_incident' && /api-5f6d7c8b9/.test(e.body));
      } finally {
        ac.abort();
      }

      // The IC's pages: one per change, through the notification deliveries (durable jobs).
      const pages = await t.muster.services.db.kysely
        .selectFrom('notificationDeliveries')
        .select(['message', 'dedupKey'])
        .where('userId', '=', ida)
        .execute();
      const changePages = pages.filter((p) => p.message.includes('Change to Checkout during P1'));
      assert.equal(changePages.length, 2, JSON.stringify(pages));

      // A change to a service with no open incident: no warning.
      const calm = await t.api<Reply>('POST', '/api/changes', { service: svc.Network, summary: 'Rotate certs' });
      assert.deepEqual(calm.body.warnings, []);
    });
  });
}
