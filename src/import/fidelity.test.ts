import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { fidelity, MAX_DIFFERENCES, type FinalEntries } from './fidelity.js';
import type { RenderedSchedule } from './model.js';

const H = 3_600_000;
const M = 60_000;
const T0 = Date.UTC(2026, 11, 7);

const rendered = (entries: FinalEntries, slug = 'primary'): RenderedSchedule => ({
  slug,
  source: `Primary (P1)`,
  entries,
});

describe('fidelity', () => {
  it('is 100% when both sides have the same people, however the entries are cut', () => {
    const source = [
      { start: T0, end: T0 + 12 * H, users: ['ana@example.com'] },
      { start: T0 + 12 * H, end: T0 + 24 * H, users: ['bo@example.com'] },
    ];
    // Muster cuts Ana's shift in two at a layer boundary and writes her email in another case.
    const muster = [
      { start: T0, end: T0 + 5 * H, users: ['ana@example.com'] },
      { start: T0 + 5 * H, end: T0 + 12 * H, users: ['Ana@Example.com'] },
      { start: T0 + 12 * H, end: T0 + 24 * H, users: ['bo@example.com'] },
    ];
    const [row] = fidelity([rendered(source)], new Map([['primary', muster]]), T0, T0 + 24 * H);
    assert.deepEqual(row, {
      schedule: 'primary',
      source: 'Primary (P1)',
      matchingMinutes: 24 * 60,
      totalMinutes: 24 * 60,
      percent: 100,
      firstDifferences: [],
    });
  });

  it('a gap in both is matching; a gap in one is a difference', () => {
    const source = [{ start: T0 + 2 * H, end: T0 + 4 * H, users: ['ana@example.com'] }];
    const muster = [{ start: T0 + 2 * H, end: T0 + 3 * H, users: ['ana@example.com'] }];
    const [row] = fidelity([rendered(source)], new Map([['primary', muster]]), T0, T0 + 10 * H);
    assert.equal(row!.totalMinutes, 600);
    assert.equal(row!.matchingMinutes, 540);
    assert.equal(row!.percent, 90);
    assert.deepEqual(row!.firstDifferences, [{ at: T0 + 3 * H, source: ['ana@example.com'], muster: [] }]);
  });

  it('compares sets: two people at once on one side, entries outside the range ignored', () => {
    const source = [
      { start: T0 - 5 * H, end: T0 + 1 * H, users: ['ana@example.com'] },
      { start: T0, end: T0 + 2 * H, users: ['bo@example.com'] },
    ];
    const muster = [
      { start: T0 - 9 * H, end: T0 + 2 * H, users: ['bo@example.com'] },
      { start: T0, end: T0 + 1 * H, users: ['ana@example.com'] },
      { start: T0 + 2 * H, end: T0 + 99 * H, users: ['cy@example.com'] },
    ];
    const [row] = fidelity([rendered(source)], new Map([['primary', muster]]), T0, T0 + 2 * H);
    assert.equal(row!.percent, 100);
    assert.equal(row!.matchingMinutes, 120);
  });

  it('never rounds a near miss up to 100, and counts minutes at minute precision', () => {
    const source = [{ start: T0, end: T0 + 8 * 7 * 24 * H, users: ['ana@example.com'] }];
    const muster = [
      { start: T0, end: T0 + 10 * M, users: ['ana@example.com'] },
      { start: T0 + 11 * M, end: T0 + 8 * 7 * 24 * H, users: ['ana@example.com'] },
    ];
    const [row] = fidelity([rendered(source)], new Map([['primary', muster]]), T0, T0 + 8 * 7 * 24 * H);
    assert.equal(row!.totalMinutes, 80_640);
    assert.equal(row!.matchingMinutes, 80_639);
    assert.equal(row!.percent, 99.9);
    assert.deepEqual(row!.firstDifferences, [{ at: T0 + 10 * M, source: ['ana@example.com'], muster: [] }]);
  });

  it('lists the first few differences, a run of the same difference once', () => {
    const source: FinalEntries = [];
    const muster: FinalEntries = [];
    for (let i = 0; i < 10; i++) {
      source.push({ start: T0 + i * H, end: T0 + (i + 1) * H, users: [i % 2 ? 'ana@example.com' : 'bo@example.com'] });
      muster.push({ start: T0 + i * H, end: T0 + (i + 1) * H, users: ['cy@example.com'] });
    }
    // Two entries with the same people in a row on both sides: one difference.
    source.push({ start: T0 + 10 * H, end: T0 + 11 * H, users: ['dee@example.com'] });
    source.push({ start: T0 + 11 * H, end: T0 + 12 * H, users: ['dee@example.com'] });
    const [row] = fidelity([rendered(source)], new Map([['primary', muster]]), T0, T0 + 12 * H);
    assert.equal(row!.matchingMinutes, 0);
    assert.equal(row!.percent, 0);
    assert.equal(row!.firstDifferences.length, MAX_DIFFERENCES);
    assert.deepEqual(row!.firstDifferences[0], { at: T0, source: ['bo@example.com'], muster: ['cy@example.com'] });
    assert.deepEqual(row!.firstDifferences[1], { at: T0 + H, source: ['ana@example.com'], muster: ['cy@example.com'] });

    const [merged] = fidelity([rendered(source.slice(10))], new Map([['primary', []]]), T0 + 10 * H, T0 + 12 * H);
    assert.deepEqual(merged!.firstDifferences, [{ at: T0 + 10 * H, source: ['dee@example.com'], muster: [] }]);
  });

  it('a schedule Muster does not have compares with nobody on call', () => {
    const rows = fidelity(
      [rendered([{ start: T0, end: T0 + H, users: ['ana@example.com'] }], 'missing'), rendered([], 'empty')],
      new Map(),
      T0,
      T0 + 2 * H,
    );
    assert.equal(rows[0]!.percent, 50);
    assert.equal(rows[1]!.percent, 100);
  });
});
