import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import { isAppError } from '../shared/errors.js';
import { mapChange, mappingProblems, type MappingRule } from './mapping.js';
import { signFor, verifyDelivery } from './signatures.js';
import { CHANGE_SOURCES, parseDelivery, repositoryName, type ChangeSource, type Parsed } from './sources.js';

const fixture = (name: string): string => readFileSync(new URL(`./fixtures/${name}.json`, import.meta.url), 'utf8');
const read = (source: ChangeSource, name: string, headers: Record<string, string> = {}): Parsed =>
  parseDelivery(source, { headers, body: JSON.parse(fixture(name)) as unknown });
const change = (p: Parsed) => {
  assert.equal(p.outcome, 'change', p.outcome === 'ignored' ? p.reason : '');
  return p.change;
};
const problemsOf = (fn: () => unknown): string[] => {
  try {
    fn();
  } catch (e) {
    assert.ok(isAppError(e) && e.status === 400, String(e));
    return (e.details as { problems: { field: string }[] }).problems.map((p) => p.field);
  }
  assert.fail('expected a 400');
};

describe('change sources: the documented payloads', () => {
  it('GitHub push to the default branch: who, the commit, the repository', () => {
    const c = change(read('github', 'github-push', { 'x-github-event': 'push' }));
    assert.equal(c.summary, 'Codertocat/Hello-World: 1 commit pushed to main — Update README.md');
    assert.equal(c.author, 'Codertocat');
    assert.deepEqual(c.versions, ['0d1a26e']);
    assert.equal(c.facts.repository, 'codertocat/hello-world');
    assert.equal(c.at, Date.parse('2019-05-15T20:20:30Z'));
    assert.equal(c.kind, 'deploy');
    assert.equal(c.externalId, 'push:Codertocat/Hello-World:0d1a26e67d8f5eaf1f6ba5c57fc3c7d91ac0fd1c');
  });

  it('GitHub push to another branch, a failed deployment, a draft release and a ping are not changes', () => {
    const body = JSON.parse(fixture('github-push')) as Record<string, unknown>;
    const other = parseDelivery('github', {
      headers: { 'x-github-event': 'push' },
      body: { ...body, ref: 'refs/heads/feature' },
    });
    assert.equal(other.outcome, 'ignored');
    assert.match((other as { reason: string }).reason, /not to the default branch main/);
    const dep = JSON.parse(fixture('github-deployment_status')) as { deployment_status: Record<string, unknown> };
    dep.deployment_status.state = 'failure';
    assert.equal(
      parseDelivery('github', { headers: { 'x-github-event': 'deployment_status' }, body: dep }).outcome,
      'ignored',
    );
    const rel = { ...(JSON.parse(fixture('github-release')) as object), action: 'created' };
    assert.equal(parseDelivery('github', { headers: { 'x-github-event': 'release' }, body: rel }).outcome, 'ignored');
    assert.equal(
      parseDelivery('github', { headers: { 'x-github-event': 'ping' }, body: { zen: 'x' } }).outcome,
      'ignored',
    );
  });

  it('GitHub deployment_status and release', () => {
    const d = change(read('github', 'github-deployment_status', { 'x-github-event': 'deployment_status' }));
    assert.equal(d.summary, 'Codertocat/Hello-World: v1.4.2 (f95f852) deployed to production');
    assert.deepEqual(d.versions, ['v1.4.2']);
    assert.equal(d.facts.labels.environment, 'production');
    assert.deepEqual(
      d.links.map((l) => l.href),
      ['https://ci.example.com/deploys/326191728', 'https://hello.example.com'],
    );
    const r = change(read('github', 'github-release', { 'x-github-event': 'release' }));
    assert.equal(r.summary, 'Codertocat/Hello-World: release 0.0.1 published');
    assert.deepEqual(r.versions, ['0.0.1']);
  });

  it('GitLab push and deployment (its own time format read)', () => {
    const p = change(read('gitlab', 'gitlab-push'));
    assert.equal(p.summary, 'mike/diaspora: 4 commits pushed to master — fixed readme');
    assert.equal(p.author, 'John Smith');
    assert.equal(p.facts.repository, 'mike/diaspora');
    const d = change(read('gitlab', 'gitlab-deployment'));
    assert.equal(d.summary, 'root/test-deployment-webhooks: 1.0.0 (279484c0) deployed to staging — Add new file');
    assert.equal(d.at, Date.parse('2021-04-28T19:50:00Z'));
    assert.deepEqual(d.versions, ['1.0.0', '279484c0']);
  });

  it('Argo CD: images, namespace, the repository from its URL, the app labels', () => {
    const c = change(read('argocd', 'argocd-app-deployed'));
    assert.deepEqual(c.versions, [
      '7b1d3c2',
      'registry.example.com/acme/checkout:1.8.3',
      'registry.example.com/acme/checkout-worker:1.8.3',
    ]);
    assert.equal(c.facts.namespace, 'shop');
    assert.equal(c.facts.repository, 'acme/checkout-deploy');
    assert.equal(c.facts.labels.team, 'payments');
    assert.equal(c.facts.labels.app, 'checkout');
    assert.equal(c.author, 'Jane Doe <jane@example.com>');
  });

  it('Flux: the revision, the object as labels; an error event is not a change', () => {
    const c = change(read('flux', 'flux-kustomization'));
    assert.deepEqual(c.versions, ['main@49d59ba']);
    assert.equal(c.facts.labels.name, 'podinfo');
    assert.equal(c.facts.labels.kind, 'Kustomization');
    const body = { ...(JSON.parse(fixture('flux-kustomization')) as object), severity: 'error' };
    assert.equal(parseDelivery('flux', { headers: {}, body }).outcome, 'ignored');
  });

  it('Kubernetes: a new replica set scaling up is a rollout, with the version label and revision', () => {
    const c = change(read('kubernetes', 'kubernetes-scaling-replica-set'));
    assert.equal(c.externalId, 'k8s:shop/api-7d9f8c6b5');
    assert.deepEqual(c.versions, ['2.14.0', 'revision 42']);
    assert.equal(c.facts.namespace, 'shop');
    assert.equal(c.facts.labels['app.kubernetes.io/name'], 'api');
    const body = JSON.parse(fixture('kubernetes-scaling-replica-set')) as Record<string, unknown>;
    const down = { ...body, message: 'Scaled down replica set api-6c8d7b9f4 to 0' };
    assert.equal(parseDelivery('kubernetes', { headers: {}, body: down }).outcome, 'ignored');
  });

  it('LaunchDarkly, Unleash and Flagsmith: flag changes with who, project, environment and flag', () => {
    const ld = change(read('launchdarkly', 'launchdarkly-flag'));
    assert.equal(ld.kind, 'config');
    assert.equal(ld.author, 'Ariel Flag');
    assert.equal(ld.summary, 'LaunchDarkly: Ariel Flag turned on the flag New checkout in production');
    assert.deepEqual(
      [ld.facts.labels.project, ld.facts.labels.environment, ld.facts.labels.flag, ld.facts.labels.tag_checkout],
      ['default', 'production', 'new-checkout', 'true'],
    );
    const un = change(read('unleash', 'unleash-feature-environment-enabled'));
    assert.equal(un.summary, 'Unleash: checkout.new-flow environment enabled in production');
    assert.equal(un.author, 'ivar@getunleash.io');
    assert.equal(un.facts.labels.project, 'shop');
    const fs = change(read('flagsmith', 'flagsmith-flag-updated'));
    assert.equal(fs.summary, 'Flagsmith: new_search turned on in Production');
    assert.equal(fs.author, 'Ben Rometsch');
    assert.equal(fs.facts.labels.project, 'Shop');
  });

  it('Terraform Cloud: an applied run is an infrastructure change; a verification is not', () => {
    const c = change(read('terraform', 'terraform-run-applied'));
    assert.equal(c.kind, 'infrastructure');
    assert.equal(c.summary, "Terraform applied acme/network-prod — Widen the NAT gateway's subnets");
    assert.equal(c.facts.labels.workspace, 'network-prod');
    const body = JSON.parse(fixture('terraform-run-applied')) as Record<string, unknown>;
    const verify = { ...body, notifications: [{ trigger: 'verification', message: 'Verification of x' }] };
    assert.equal(parseDelivery('terraform', { headers: {}, body: verify }).outcome, 'ignored');
  });

  it('a missing field is a 400 naming it; a body that is not an object names the body', () => {
    const body = JSON.parse(fixture('github-push')) as { repository: Record<string, unknown> };
    delete body.repository.full_name;
    assert.deepEqual(
      problemsOf(() => parseDelivery('github', { headers: { 'x-github-event': 'push' }, body })),
      ['repository.full_name'],
    );
    assert.deepEqual(
      problemsOf(() => parseDelivery('github', { headers: {}, body: {} })),
      ['X-GitHub-Event'],
    );
    assert.deepEqual(
      problemsOf(() => parseDelivery('flux', { headers: {}, body: [1] })),
      ['body'],
    );
    assert.deepEqual(
      problemsOf(() => parseDelivery('argocd', { headers: {}, body: { app: 'x' } })),
      ['revision'],
    );
  });
});

describe('change sources: signatures', () => {
  it('each source accepts its own proof and refuses a wrong or missing one, naming the header', () => {
    for (const source of CHANGE_SOURCES) {
      const raw = '{"a":1}';
      const good = signFor(source, 'right-secret-0123456789', raw);
      assert.deepEqual(verifyDelivery(source, good, raw, ['right-secret-0123456789']), { ok: true }, source);
      // Under the previous secret too, during its grace.
      assert.deepEqual(verifyDelivery(source, good, raw, ['new', 'right-secret-0123456789']), { ok: true }, source);
      const wrong = verifyDelivery(source, signFor(source, 'wrong-secret-0123456789', raw), raw, [
        'right-secret-0123456789',
      ]);
      assert.equal(wrong.ok, false, source);
      const missing = verifyDelivery(source, {}, raw, ['right-secret-0123456789']);
      assert.equal(missing.ok, false, source);
      if (!missing.ok) assert.match(missing.reason, /header is missing/);
      // A signature over other bytes fails (the raw body is what is signed).
      if (!['gitlab', 'argocd', 'kubernetes', 'unleash'].includes(source)) {
        assert.equal(verifyDelivery(source, good, '{"a": 1}', ['right-secret-0123456789']).ok, false, source);
      }
    }
  });
});

describe('change mapping', () => {
  const facts = { repository: 'acme/api', namespace: 'shop', labels: { team: 'payments', flag: 'new-checkout' } };
  it('repository (any case, URL or name), namespace, RE2 label matchers; every matching service once; the default', () => {
    const rules: MappingRule[] = [
      { serviceId: 's1', repository: 'https://github.com/ACME/api.git', namespace: null, matchers: [] },
      { serviceId: 's2', repository: null, namespace: 'shop', matchers: [{ name: 'team', op: '=~', value: 'pay.*' }] },
      { serviceId: 's1', repository: null, namespace: 'shop', matchers: [] },
      { serviceId: 's3', repository: null, namespace: 'other', matchers: [] },
      { serviceId: 's4', repository: null, namespace: null, matchers: [{ name: 'flag', op: '!~', value: 'new-.*' }] },
    ];
    assert.deepEqual(mapChange(rules, facts, null), ['s1', 's2']);
    assert.deepEqual(mapChange([], facts, 'dflt'), ['dflt']);
    assert.deepEqual(mapChange([rules[3]!], facts, null), []);
    // Anchored like Alertmanager's: `pay` does not match `payments`.
    const partial: MappingRule = {
      serviceId: 's',
      repository: null,
      namespace: null,
      matchers: [{ name: 'team', op: '=~', value: 'pay' }],
    };
    assert.deepEqual(mapChange([partial], facts, null), []);
    assert.equal(repositoryName('git@github.com:Acme/API.git'), 'acme/api');
  });

  it('problems name their place: an empty rule, a bad label name, a regex RE2 refuses', () => {
    const problems = mappingProblems([
      { repository: null, namespace: null, matchers: [] },
      { repository: null, namespace: null, matchers: [{ name: 'a b', op: '=', value: 'x' }] },
      { repository: null, namespace: null, matchers: [{ name: 'team', op: '=~', value: '(a' }] },
      { repository: null, namespace: null, matchers: [{ name: 'team', op: '=~', value: '(?=x)' }] },
    ]);
    assert.deepEqual(
      problems.map((p) => p.field),
      ['mappings[0]', 'mappings[1].matchers[0].name', 'mappings[2].matchers[0].value', 'mappings[3].matchers[0].value'],
    );
  });
});
