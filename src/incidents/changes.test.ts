import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { HOUR, MINUTE } from '../shared/clock.js';
import { classifyChange, rankChanges, serviceDistances, type ChangeEvent } from './changes.js';

const t0 = Date.UTC(2026, 2, 1, 12);
const change = (p: Partial<ChangeEvent> & { id: string }): ChangeEvent => ({
  serviceId: 'api',
  summary: 'something changed',
  source: 'ci',
  at: t0 - 10 * MINUTE,
  details: {},
  links: [],
  ...p,
});

describe('classifyChange', () => {
  it('reads an explicit type first, then the summary', () => {
    assert.equal(classifyChange(change({ id: 'a', details: { type: 'config' }, summary: 'Deploy v2' })), 'config');
    assert.equal(classifyChange(change({ id: 'b', summary: 'Deployed api v1.4.2' })), 'deploy');
    assert.equal(classifyChange(change({ id: 'c', summary: 'Feature flag new-checkout on' })), 'config');
    assert.equal(classifyChange(change({ id: 'd', summary: 'Terraform apply: resize cluster' })), 'infra');
    assert.equal(classifyChange(change({ id: 'e', summary: 'Quarterly review' })), 'other');
  });
});

describe('rankChanges', () => {
  const distances = serviceDistances(['api'], (s) => (s === 'api' ? ['db'] : s === 'db' ? ['disk'] : []));

  it('walks dependencies breadth first', () => {
    assert.deepEqual(
      [...distances],
      [
        ['api', 0],
        ['db', 1],
        ['disk', 2],
      ],
    );
  });

  it('ranks the same service above a dependency, closer in time first, deploys above config above infra', () => {
    const ranked = rankChanges(
      [
        change({ id: 'dep-deploy', serviceId: 'db', summary: 'Deploy db proxy', at: t0 - MINUTE }),
        change({ id: 'old-deploy', summary: 'Deploy api', at: t0 - 110 * MINUTE }),
        change({ id: 'near-config', summary: 'config: pool size', at: t0 - 5 * MINUTE }),
        change({ id: 'near-deploy', summary: 'Deploy api v2', at: t0 - 5 * MINUTE }),
        change({ id: 'near-infra', summary: 'scale node pool', at: t0 - 5 * MINUTE }),
        change({ id: 'elsewhere', serviceId: 'billing', summary: 'Deploy billing', at: t0 - MINUTE }),
      ],
      { serviceDistance: distances, referenceAt: t0, windowMs: 2 * HOUR },
    );
    assert.deepEqual(
      ranked.map((r) => r.id),
      ['near-deploy', 'near-config', 'near-infra', 'old-deploy', 'dep-deploy'],
    );
    assert.equal(ranked[0]!.relation, 'affected_service');
    assert.equal(ranked.at(-1)!.relation, 'dependency');
  });
});
