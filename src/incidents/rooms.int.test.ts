/**
 * Incident rooms across processes: two Muster servers on one PostgreSQL; a note posted on one reaches a viewer of
 * the room on the other (LISTEN/NOTIFY). SQLite allows one process per data directory, so this runs on PostgreSQL.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { ENGINES, createTestDatabase, type TestDatabase } from '../db/testing/index.js';
import { adminTokenFor, spawnMuster, type SpawnedMuster } from '../testing/server.js';
import { readSse } from '../testing/sse.js';

interface Ev {
  kind: string;
  body: string;
}

describe('incident rooms across two processes [postgres]', { skip: !ENGINES.includes('postgres') }, () => {
  let tdb: TestDatabase;
  let a: SpawnedMuster;
  let b: SpawnedMuster;
  let token: string;
  before(async () => {
    tdb = await createTestDatabase('postgres');
    a = await spawnMuster(tdb);
    b = await spawnMuster(tdb);
    token = await adminTokenFor(a.url);
  });
  after(async () => {
    await Promise.all([a?.stop(), b?.stop()]);
    await tdb?.drop();
  });

  const call = async <T>(base: string, method: string, path: string, body?: unknown): Promise<T> => {
    const res = await fetch(base + path, {
      method,
      headers: { authorization: `Bearer ${token}`, ...(body ? { 'content-type': 'application/json' } : {}) },
      ...(body ? { body: JSON.stringify(body) } : {}),
    });
    assert.ok(res.ok, `${method} ${path}: ${res.status} ${await res.clone().text()}`);
    return (await res.json()) as T;
  };

  it('delivers a note posted on one process to a room viewer on the other', async () => {
    const d = await call<{ incident: { id: string } }>(a.url, 'POST', '/api/incidents', {
      title: 'Cross-process room',
      severity: 'P1',
    });
    const id = d.incident.id;
    const ac = new AbortController();
    const res = await fetch(`${b.url}/api/incidents/${id}/stream`, {
      headers: { authorization: `Bearer ${token}` },
      signal: ac.signal,
    });
    assert.equal(res.status, 200);
    try {
      await readSse<Ev>(res.body!, (e) => e.kind === 'joined');
      const started = Date.now();
      await call(a.url, 'POST', `/api/incidents/${id}/notes`, { text: 'posted on process A' });
      const seen = await readSse<Ev>(res.body!, (e) => e.kind === 'note', 4_000);
      assert.equal(seen.at(-1)!.body, 'posted on process A');
      // Well under the 5 s safety poll: the nudge came through NOTIFY, not the poll.
      assert.ok(Date.now() - started < 3_000, `took ${Date.now() - started} ms`);
    } finally {
      ac.abort();
    }
  });
});
