import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { isAppError } from './errors.js';
import { compilePattern, patternProblem, PATTERN_MAX_LENGTH, storedPattern } from './pattern.js';

/** Wall time of `fn` in milliseconds. */
function timed(fn: () => void): number {
  const t = performance.now();
  fn();
  return performance.now() - t;
}

describe('user patterns (RE2)', () => {
  it('match `(a+)+b` against thirty "a" and a "c" in milliseconds (JavaScript RegExp backtracks for seconds)', () => {
    const p = compilePattern('value', '(a+)+b');
    const evil = `${'a'.repeat(30)}c`;
    assert.equal(p.matchesWhole(evil), false);
    // Linear: a value thousands of times longer is still quick.
    const ms = timed(() => {
      assert.equal(p.matchesWhole(evil), false);
      assert.equal(p.matchesPart(`${'a'.repeat(100_000)}c`), false);
      assert.equal(p.matchesWhole(`${'a'.repeat(100_000)}b`), true);
    });
    assert.ok(ms < 1000, `took ${ms.toFixed(1)} ms`);
    for (const src of ['(a|aa)*c', '(.*a){20}', '(\\w+\\s?)*$', '(x+x+)+y']) {
      const q = compilePattern('value', src);
      const took = timed(() => q.matchesWhole(`${'a'.repeat(5000)}!`));
      assert.ok(took < 1000, `${src} took ${took.toFixed(1)} ms`);
    }
  });

  it('anchor whole-value matches, and find parts on request', () => {
    const p = compilePattern('value', 'Disk.*');
    assert.equal(p.matchesWhole('DiskFull'), true);
    assert.equal(p.matchesWhole('NoDisk'), false);
    assert.equal(p.matchesPart('NoDiskFull'), true);
    assert.equal(compilePattern('value', 'a|b').matchesWhole('ab'), false, 'alternation stays inside the anchors');
    assert.equal(compilePattern('value', '(?i)prod').matchesWhole('PROD'), true, 'inline flags');
    assert.equal(compilePattern('value', '\\d{3}').matchesWhole('503'), true);
  });

  it('refuse what RE2 does not have, naming the field, as a 400', () => {
    for (const src of ['(?=a)', '(?!a)', 'a\\1', '(', 'x**', 'a{1001}', '[z-a]']) {
      assert.match(patternProblem('matchers[0].value', src)?.message ?? '', /not a valid RE2 regular expression/, src);
      try {
        compilePattern('matchers[0].value', src);
        assert.fail(`${src} compiled`);
      } catch (e) {
        assert.ok(isAppError(e), src);
        assert.equal(e.status, 400);
        assert.equal(e.code, 'validation_failed');
        assert.deepEqual((e.details as { problems: { field: string }[] }).problems[0]!.field, 'matchers[0].value');
      }
    }
  });

  it('bound a pattern by its length and by the program it compiles to', () => {
    assert.equal(patternProblem('p', 'a'.repeat(PATTERN_MAX_LENGTH)), null);
    assert.match(patternProblem('p', 'a'.repeat(PATTERN_MAX_LENGTH + 1))?.message ?? '', /too long/);
    // Short, but 100 × 1,000 instructions: linear in the input, with a constant nobody should pay.
    const bomb = '\\pL{1000}'.repeat(100);
    assert.ok(bomb.length <= PATTERN_MAX_LENGTH);
    assert.match(patternProblem('p', bomb)?.message ?? '', /too complex/);
    assert.equal(patternProblem('p', '\\pL{1000}'), null);
  });

  it('compile stored patterns once, and give null for one that cannot run', () => {
    const a = storedPattern('api-.*');
    assert.ok(a);
    assert.equal(storedPattern('api-.*'), a, 'cached');
    assert.equal(storedPattern('(?<=x)y'), null, 'JavaScript look-behind is not RE2');
  });
});
