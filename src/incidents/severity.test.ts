import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { DEFAULT_POLICIES, mayPageNow, proposeSeverity, roleWarnings } from './severity.js';

describe('proposeSeverity', () => {
  it('makes a simple DNS misconfiguration that takes down the product P1', () => {
    const p = proposeSeverity({ canUsersCompleteCoreWorkflows: false, areRevenueSystemsDown: true });
    assert.equal(p.severity, 'P1');
    assert.ok(p.reasons.includes('Users cannot complete core workflows'));
  });

  it('makes a complex bug affecting only internal dashboards P3: complexity is not an input', () => {
    const p = proposeSeverity({ canUsersCompleteCoreWorkflows: true, isInternalOnly: true });
    assert.equal(p.severity, 'P3');
  });

  it('makes compromised data integrity P1 even when users can still work', () => {
    assert.equal(proposeSeverity({ canUsersCompleteCoreWorkflows: true, isDataIntegrityAtRisk: true }).severity, 'P1');
  });

  it('makes a subset of users affected P2, and a blocked workflow with a workaround P2', () => {
    assert.equal(proposeSeverity({ isSubsetOfUsers: true }).severity, 'P2');
    assert.equal(proposeSeverity({ canUsersCompleteCoreWorkflows: false, hasWorkaround: true }).severity, 'P2');
    assert.equal(proposeSeverity({ canUsersCompleteCoreWorkflows: false, isSubsetOfUsers: true }).severity, 'P2');
  });

  it('makes cosmetic issues P4', () => {
    assert.equal(proposeSeverity({ canUsersCompleteCoreWorkflows: true, isCosmetic: true }).severity, 'P4');
  });

  it('never raises severity for unanswered questions', () => {
    assert.equal(proposeSeverity({}).severity, 'P3');
  });
});

describe('roleWarnings', () => {
  const p1 = DEFAULT_POLICIES.P1;
  it('warns on P1 until three different people hold the three roles', () => {
    assert.deepEqual(
      roleWarnings(p1, {}, false).map((w) => w.code),
      ['commander_missing', 'roles_missing'],
    );
    const same = roleWarnings(p1, { commander: 'a', technical_lead: 'a', communications_lead: 'b' }, false);
    assert.deepEqual(
      same.map((w) => w.code),
      ['roles_not_distinct'],
    );
    assert.deepEqual(same[0]!.roles, ['commander', 'technical_lead']);
    assert.deepEqual(roleWarnings(p1, { commander: 'a', technical_lead: 'b', communications_lead: 'c' }, false), []);
  });

  it('lets one person hold every role on a P3, and says nothing once resolved', () => {
    const holders = { commander: 'a', technical_lead: 'a', communications_lead: 'a' };
    assert.deepEqual(roleWarnings(DEFAULT_POLICIES.P3, holders, false), []);
    assert.deepEqual(roleWarnings(p1, {}, true), []);
  });
});

describe('mayPageNow', () => {
  it('pages P1 and P2 at any hour, P3 and P4 only within working hours', () => {
    assert.deepEqual(
      (['P1', 'P2', 'P3', 'P4'] as const).map((s) => mayPageNow(DEFAULT_POLICIES[s], false)),
      [true, true, false, false],
    );
    assert.equal(mayPageNow(DEFAULT_POLICIES.P4, true), true);
  });
});
