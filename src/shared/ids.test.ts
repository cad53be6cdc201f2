import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { newId } from './ids.js';

describe('newId', () => {
  it('is strictly increasing within a process, even in one millisecond or when the clock goes back', () => {
    const t = Date.UTC(2030, 0, 1);
    const ids = [newId('x', t), newId('x', t), newId('x', t), newId('x', t - 5000), newId('x', t + 1)];
    assert.deepEqual([...ids].sort(), ids);
    assert.equal(new Set(ids).size, ids.length);
  });

  it('has a prefix and a fixed-length body', () => {
    assert.match(newId('usr'), /^usr_[0-9a-z]{26}$/);
  });
});
