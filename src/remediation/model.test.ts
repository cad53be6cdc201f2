import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  automaticDecision,
  canTransition,
  matchesAutoConditions,
  renderArgs,
  renderHttp,
  resolveParams,
  urlTemplateProblems,
  type Param,
  type TemplateContext,
} from './model.js';

const ctx = (labels: Record<string, string>): TemplateContext => ({
  labels,
  annotations: {},
  inputs: {},
  incidentKey: 'inc_1',
  alertId: 'alt_1',
  serviceSlug: 'checkout',
});
const pod: Param[] = [{ name: 'pod', from: 'label', key: 'pod', required: true }];
const cfg = {
  method: 'POST',
  url: 'https://hooks.example.test/restart/{{param.pod}}?ns={{label.ns}}',
  headers: {},
  body: { pod: '{{param.pod}}' },
};

describe('remediation templates', () => {
  it('URL-encodes values in the path and query and JSON-encodes them in the body', () => {
    const c = ctx({ pod: 'web-1', ns: 'prod/eu' });
    const r = resolveParams(pod, c);
    const { request, problems } = renderHttp(cfg, c, pod, r.values, false);
    assert.deepEqual(problems, []);
    assert.equal(request.url, 'https://hooks.example.test/restart/web-1?ns=prod%2Feu');
    assert.deepEqual(JSON.parse(request.body!), { pod: 'web-1' });
  });

  it('says where a missing label parameter comes from: the alert, or the run has none', () => {
    assert.deepEqual(resolveParams(pod, ctx({})).problems, [
      { field: 'params.pod', message: 'is required: the alert has no label pod' },
    ]);
    const noAlert = resolveParams(pod, { ...ctx({}), alertId: null });
    assert.match(noAlert.problems[0]!.message, /comes from an alert's label pod; run the action from the alert/);
  });

  it('refuses injection attempts through labels, naming the parameter', () => {
    for (const bad of ['web-1; rm -rf /', '$(reboot)', 'a\nb', 'x&admin=1', '"}, "x": "']) {
      const r = resolveParams(pod, ctx({ pod: bad, ns: 'prod' }));
      assert.equal(r.problems[0]?.field, 'params.pod', bad);
    }
    const dots = renderHttp(cfg, ctx({ pod: 'web-1', ns: '..' }), pod, { pod: 'web-1' }, false);
    assert.equal(dots.problems[0]?.field, 'label.ns');
  });

  it('neutralises what a looser pattern lets through: one query value, one argv element', () => {
    const loose: Param[] = [{ name: 'pod', from: 'label', key: 'pod', pattern: '^[a-z0-9&=;/ .-]+$', required: true }];
    const c = ctx({ pod: 'x&admin=1', ns: 'prod' });
    const r = resolveParams(loose, c);
    const { request } = renderHttp(
      { ...cfg, url: 'https://h.example.test/r?q={{param.pod}}' },
      c,
      loose,
      r.values,
      false,
    );
    assert.equal(new URL(request.url).searchParams.get('q'), 'x&admin=1');
    assert.equal(new URL(request.url).searchParams.get('admin'), null);
    const args = renderArgs(['{{param.pod}}'], ctx({ pod: 'a; rm -rf /' }), loose, { pod: 'a; rm -rf /' });
    assert.deepEqual(args.args, ['a; rm -rf /']);
  });

  it('keeps placeholders out of the host', () => {
    assert.equal(urlTemplateProblems('https://{{label.host}}/x', [])[0]?.field, 'http.url');
  });

  it('refuses a credential in the URL (it would be shown to everyone and audited): a header is sealed', () => {
    for (const url of [
      'https://ci.example.test/job/deploy/build?token=s3cret',
      'https://fn.example.test/api/restart?x=1&code=abc%3D%3D',
      'https://ci.example.test/buildWithParameters?api_key=k',
      'https://admin:hunter2@awx.example.test/api/v2/job_templates/7/launch/',
    ]) {
      const p = urlTemplateProblems(url, []);
      assert.equal(p[0]?.field, 'http.url', url);
      assert.match(p[0].message, /header/);
    }
    const pod: Param[] = [{ name: 'key', from: 'label', key: 'pod', required: true }];
    assert.deepEqual(urlTemplateProblems('https://ci.example.test/x?key={{param.key}}&ref=main', pod), []);
    assert.deepEqual(urlTemplateProblems('https://ci.example.test/x?token=', []), []);
  });
});

describe('runs', () => {
  it('moves only along the state machine', () => {
    assert.ok(canTransition('awaiting_approval', 'queued'));
    assert.ok(!canTransition('succeeded', 'running'));
    assert.ok(!canTransition('rejected', 'queued'));
  });
  it('skips automatic runs when paused or over the rate limit', () => {
    assert.equal(automaticDecision({ paused: true, recentAutomaticRuns: 0, rateLimitPerHour: 3 }).run, false);
    assert.equal(automaticDecision({ paused: false, recentAutomaticRuns: 3, rateLimitPerHour: 3 }).run, false);
    assert.equal(automaticDecision({ paused: false, recentAutomaticRuns: 2, rateLimitPerHour: 3 }).run, true);
  });
});

describe('automatic conditions', () => {
  it('read only the alert’s own labels: a matcher named toString is a missing label, not a crash', () => {
    const alert = { ruleKey: 'PodCrashLooping', labels: { pod: 'api-1' }, serviceId: 'svc_1', severity: 'critical' };
    assert.ok(matchesAutoConditions({ matchers: [{ name: 'pod', op: '=~', value: 'api-.*' }] }, alert));
    assert.ok(!matchesAutoConditions({ matchers: [{ name: 'toString', op: '=~', value: 'x.*' }] }, alert));
    assert.ok(matchesAutoConditions({ matchers: [{ name: 'constructor', op: '!~', value: 'x.*' }] }, alert));
  });
});
