import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { formatSeconds, pct } from './insights-format.js';

describe('muster insights: figures for people', () => {
  it('formats durations', () => {
    assert.deepEqual([null, undefined, 45, 720, 322, 3 * 3600 + 300, 4 * 86400 + 22 * 3600].map(formatSeconds), [
      '-',
      '-',
      '45s',
      '12m',
      '5m 22s',
      '3h 05m',
      '4d 22h',
    ]);
  });
  it('formats rates', () => {
    assert.deepEqual([null, 0, 1 / 3, 0.9].map(pct), ['-', '0%', '33.3%', '90%']);
  });
});
