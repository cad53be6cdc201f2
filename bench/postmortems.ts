/**
 * `npm run bench:postmortems` (issue 11): the pre-filled draft of an incident with 10,000 timeline events (target
 * ≤ 200 ms) and the action-items board over 50,000 items (target ≤ 100 ms per page of 50, keyset), on each engine.
 * Each engine's figures sit beside a baseline measured in the same run on a fresh database of that engine: one
 * incident read by primary key (the floor of one round trip through Kysely), so a slow machine shows as a slow
 * baseline rather than as a slow feature.
 *
 * BENCH_ENGINES (sqlite,postgres); the parts take BENCH_EVENTS/BENCH_ITERATIONS (draft) and BENCH_ITEMS/BENCH_PAGES
 * (board). PostgreSQL is the test suite's throwaway server.
 */
import { execFileSync } from 'node:child_process';
import type { Engine } from '../src/db/index.js';
import { openTestDb } from '../src/db/testing/index.js';
import { runBoardBench } from './postmortems-board.js';
import { runDraftBench } from './postmortems-draft.js';

const ENGINES = (process.env.BENCH_ENGINES ?? 'sqlite,postgres').split(',').map((e) => e.trim()) as Engine[];

async function baseline(engine: Engine): Promise<{ p50Ms: number; p99Ms: number }> {
  const { db, cleanup } = await openTestDb(engine);
  try {
    const times: number[] = [];
    for (let i = 0; i < 220; i++) {
      const t0 = performance.now();
      await db.kysely.selectFrom('incidents').selectAll().where('id', '=', `inc_${i}`).executeTakeFirst();
      if (i >= 20) times.push(performance.now() - t0);
    }
    times.sort((a, b) => a - b);
    const at = (p: number) =>
      Math.round(times[Math.min(times.length - 1, Math.ceil((p / 100) * times.length) - 1)]! * 100) / 100;
    return { p50Ms: at(50), p99Ms: at(99) };
  } finally {
    await cleanup();
  }
}

const commit = execFileSync('git', ['rev-parse', '--short', 'HEAD']).toString().trim();
console.log(`bench:postmortems at ${commit}; load: ${execFileSync('uptime').toString().trim()}`);
let missed = false;
for (const engine of ENGINES) {
  const base = await baseline(engine);
  console.log(`[${engine}] baseline: one incident by primary key, p50 ${base.p50Ms} ms  p99 ${base.p99Ms} ms`);
  const draft = await runDraftBench(engine);
  const draftOk = draft.p99Ms <= 200;
  missed ||= !draftOk;
  console.log(
    `[${engine}] draft, ${draft.events} timeline events: p50 ${draft.p50Ms} ms  p99 ${draft.p99Ms} ms  max ${draft.maxMs} ms` +
      `  (target p99 ≤ 200 ms: ${draftOk ? 'met' : 'MISSED'})`,
  );
  const board = await runBoardBench(engine);
  for (const p of board.pages) {
    const ok = p.p99Ms <= 100;
    missed ||= !ok;
    console.log(
      `[${engine}] board, ${board.items} items, ${p.filter.padEnd(13)} ${String(p.pagesRead).padStart(3)} pages: ` +
        `p50 ${p.p50Ms} ms  p99 ${p.p99Ms} ms  (target p99 ≤ 100 ms: ${ok ? 'met' : 'MISSED'})`,
    );
  }
}
process.exit(missed ? 1 : 0);
