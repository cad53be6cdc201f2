import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { parseRule } from './runbooks.js';

describe('muster runbook --alert', () => {
  it('reads an alertname, matchers of every operator, and quoted values holding commas or quotes', () => {
    assert.deepEqual(parseRule('DiskFull'), { alertname: 'DiskFull', matchers: [] });
    assert.deepEqual(parseRule('KubePodCrashLooping{namespace="prod", pod=~"api-[0-9]{1,3}", env!=staging}'), {
      alertname: 'KubePodCrashLooping',
      matchers: [
        { name: 'namespace', op: '=', value: 'prod' },
        { name: 'pod', op: '=~', value: 'api-[0-9]{1,3}' },
        { name: 'env', op: '!=', value: 'staging' },
      ],
    });
    assert.deepEqual(parseRule('{msg!~"a, \\"b\\""}'), {
      alertname: null,
      matchers: [{ name: 'msg', op: '!~', value: 'a, "b"' }],
    });
  });

  it('refuses what is not a matcher', () => {
    assert.throws(() => parseRule('X{nonsense}'), /not a matcher: nonsense/);
    assert.throws(() => parseRule('X{="v"}'), /not a matcher/);
  });
});
