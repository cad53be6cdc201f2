import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  integrationKeyFromBytes,
  integrationKeyPrefix,
  looksLikeIntegrationKey,
  normalizeDependencies,
  serviceProblems,
} from './model.js';

describe('integration keys', () => {
  it('are 32 lower-case alphanumerics, as PagerDuty clients require of routing keys', () => {
    const key = integrationKeyFromBytes(Uint8Array.from({ length: 32 }, (_, i) => i * 7));
    assert.equal(key.length, 32);
    assert.ok(looksLikeIntegrationKey(key));
    assert.equal(integrationKeyPrefix(key), key.slice(0, 6));
    assert.equal(looksLikeIntegrationKey('mst_abc'), false);
  });
});

describe('service input', () => {
  it('names each bad field', () => {
    assert.deepEqual(
      serviceProblems({ name: ' ', slug: 'Bad Slug', criticality: 'urgent' }, true).map((p) => p.field),
      ['name', 'slug', 'criticality'],
    );
    assert.deepEqual(serviceProblems({ criticality: 'low' }, false), []);
  });

  it('refuses a dependency on itself and drops duplicates', () => {
    assert.deepEqual(normalizeDependencies('svc_a', ['svc_b', 'svc_b', ' ']).ids, ['svc_b']);
    assert.equal(normalizeDependencies('svc_a', ['svc_a']).problem?.field, 'dependsOn');
  });
});
