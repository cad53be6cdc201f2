import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { CoalescedReader } from './coalesce.js';

/** A readMany that records each call and answers from `rows` once `release` (per call) is called. */
function recordingRead(rows: Map<string, number>) {
  const calls: string[][] = [];
  const releases: (() => void)[] = [];
  const fail: { error: Error | null } = { error: null };
  const read = (keys: string[]): Promise<Map<string, number>> => {
    calls.push(keys);
    const snapshot = new Map(keys.filter((k) => rows.has(k)).map((k) => [k, rows.get(k)!]));
    const error = fail.error;
    return new Promise((resolve, reject) => releases.push(() => (error ? reject(error) : resolve(snapshot))));
  };
  return { read, calls, releases, fail };
}

const nextTurn = () => new Promise<void>((r) => setImmediate(r));

describe('CoalescedReader', () => {
  it('reads the keys asked for before the next turn of the event loop with one call; a missing key is null', async () => {
    const r = recordingRead(new Map([['a', 1]]));
    const reader = new CoalescedReader(r.read);
    const asked = [reader.read('a'), reader.read('b'), reader.read('a')];
    assert.equal(r.calls.length, 0, 'nothing is read in the caller’s turn');
    await nextTurn();
    assert.deepEqual(r.calls, [['a', 'b']]);
    r.releases[0]!();
    assert.deepEqual(await Promise.all(asked), [1, null, 1]);
  });

  it('a batch that reaches maxBatch distinct keys is read at once; the rest go into the next batch', async () => {
    const r = recordingRead(new Map());
    const reader = new CoalescedReader(r.read, { maxBatch: 3 });
    const asked = ['a', 'b', 'a', 'c', 'd'].map((k) => reader.read(k));
    assert.deepEqual(r.calls, [['a', 'b', 'c']]);
    await nextTurn();
    assert.deepEqual(r.calls, [['a', 'b', 'c'], ['d']]);
    for (const release of r.releases) release();
    assert.deepEqual(await Promise.all(asked), [null, null, null, null, null]);
  });

  it('a read asked while a batch is in flight is read again by the next batch, never answered by the one in flight', async () => {
    const rows = new Map([['k', 1]]);
    const r = recordingRead(rows);
    const reader = new CoalescedReader(r.read);
    const first = reader.read('k');
    await nextTurn(); // the first batch has read k = 1; its answer is not delivered yet
    rows.set('k', 2);
    const second = reader.read('k');
    await nextTurn();
    assert.deepEqual(r.calls, [['k'], ['k']]);
    r.releases[1]!();
    assert.equal(await second, 2);
    r.releases[0]!();
    assert.equal(await first, 1);
    // Nothing is remembered once a batch has settled.
    rows.set('k', 3);
    const third = reader.read('k');
    await nextTurn();
    r.releases[2]!();
    assert.equal(await third, 3);
  });

  it('a failed read fails every read of its batch with its error, and the next batch reads again', async () => {
    const r = recordingRead(new Map([['a', 1]]));
    const reader = new CoalescedReader(r.read);
    const boom = new Error('database away');
    r.fail.error = boom;
    const asked = [reader.read('a'), reader.read('b'), reader.read('a')];
    await nextTurn();
    r.releases[0]!();
    for (const p of asked) await assert.rejects(p, (e) => e === boom);
    r.fail.error = null;
    const again = reader.read('a');
    await nextTurn();
    r.releases[1]!();
    assert.equal(await again, 1);
  });

  it('a readMany that throws at once fails its batch the same way', async () => {
    const boom = new Error('thrown');
    const reader = new CoalescedReader<string, number>(() => {
      throw boom;
    });
    await Promise.all([reader.read('a'), reader.read('b')].map((p) => assert.rejects(p, (e) => e === boom)));
  });
});
