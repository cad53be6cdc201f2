/**
 * The pre-filled post-mortem draft of a big incident (issue 11's benchmark: at most 200 ms, both engines). Seeds an
 * incident with 10,000 timeline events directly in the database (notes, status updates, role changes, severity
 * changes, room joins that the timeline leaves out), 500 of them starred or tagged by the author and 50 added
 * entries, creates its post-mortem, then times what the editor loads: GET /api/postmortems/:id (sections, impact,
 * reviewers, blame findings, publish problems) plus GET /api/postmortems/:id/timeline, through the same service calls
 * the routes make, over 20 iterations after one warm-up.
 *
 * Run alone: `npx tsx bench/postmortems-draft.ts` (BENCH_ENGINES=sqlite,postgres, BENCH_EVENTS=10000,
 * BENCH_ITERATIONS=20). PostgreSQL is the test suite's throwaway server (a read benchmark: fsync does not matter).
 */
import { sql } from 'kysely';
import type { Db, Engine } from '../src/db/index.js';
import { openTestDb } from '../src/db/testing/index.js';
import { systemActor } from '../src/identity/index.js';
import { createIn } from '../src/postmortems/jobs.js';
import { PostmortemService } from '../src/postmortems/index.js';
import { MINUTE, systemClock } from '../src/shared/clock.js';
import { newId } from '../src/shared/ids.js';
import { createLogger } from '../src/shared/logger.js';

const EVENTS = Number(process.env.BENCH_EVENTS ?? 10_000);
const ITERATIONS = Number(process.env.BENCH_ITERATIONS ?? 20);
const TARGET_MS = 200;

export interface DraftBenchResult {
  engine: Engine;
  events: number;
  p50Ms: number;
  p99Ms: number;
  maxMs: number;
}

function percentile(sorted: number[], p: number): number {
  if (sorted.length === 0) return 0;
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)]!;
}

const KINDS = [
  'note',
  'note',
  'note',
  'status_update',
  'role_assigned',
  'severity_changed',
  'joined',
  'checklist_ticked',
];

async function seed(db: Db, now: number): Promise<string> {
  const k = db.kysely;
  const incident = newId('inc', now);
  const declaredAt = now - EVENTS * 1000 - 60 * MINUTE;
  await sql`insert into incidents (id, title, summary, severity, status, declared_by_label, declared_at, updated_at,
      impact_started_at, detected_at, acknowledged_at, mitigated_at, resolved_at, last_event_seq)
    values (${incident}, ${'Bench incident'}, ${''}, ${'P1'}, ${'resolved'}, ${'bench'}, ${declaredAt}, ${now},
      ${declaredAt - 5 * MINUTE}, ${declaredAt}, ${declaredAt + MINUTE}, ${now - MINUTE}, ${now}, ${EVENTS})`.execute(
    k,
  );
  const BATCH = 500;
  const refs: string[] = [];
  for (let start = 0; start < EVENTS; start += BATCH) {
    const rows = [];
    for (let i = start; i < Math.min(EVENTS, start + BATCH); i++) {
      const at = declaredAt + i * 1000;
      const id = newId('iev', at);
      if (i % 20 === 0) refs.push(id);
      const kind = KINDS[i % KINDS.length]!;
      rows.push({
        id,
        incidentId: incident,
        seq: i + 1,
        at,
        kind,
        actorUserId: null,
        actorLabel: `Responder ${i % 7}`,
        body: `${kind} ${i}: checked the payment gateway's error rate and the last deploy again.`,
        details: '{}',
        isFlagged: 0 as const,
      });
    }
    await k.insertInto('incidentEvents').values(rows).execute();
  }
  const actor = systemActor('bench');
  const pm = await k.transaction().execute((trx) => createIn(trx, db.engine, { incidentId: incident, actor, now }));
  const marks = refs.map((ref, i) => ({
    postmortemId: pm.id,
    ref,
    starred: 1 as const,
    hidden: 0 as const,
    tag: i % 2 ? 'diagnosis' : null,
    narrative: i % 3 ? null : 'This is where it turned.',
    updatedAt: now,
    updatedByLabel: 'bench',
  }));
  for (let i = 0; i < marks.length; i += BATCH) {
    await k
      .insertInto('postmortemTimelineMarks')
      .values(marks.slice(i, i + BATCH))
      .execute();
  }
  await k
    .insertInto('postmortemTimelineEntries')
    .values(
      Array.from({ length: 50 }, (_, i) => ({
        id: newId('pme', now),
        postmortemId: pm.id,
        at: declaredAt + i * 60_000,
        body: `Off-tool moment ${i}`,
        tag: null,
        createdByLabel: 'bench',
        createdAt: now,
      })),
    )
    .execute();
  await k
    .updateTable('postmortems')
    .set({
      sections: JSON.stringify({
        summary: 'Card payments failed for two hours after a configuration push reached every region at once.',
        went_well: 'The rollback was quick once the change was found.',
        could_improve: 'Our pipeline allowed a misconfigured service to reach production without a canary.',
      }),
    })
    .where('id', '=', pm.id)
    .execute();
  await sql`analyze`.execute(k);
  return pm.id;
}

export async function runDraftBench(engine: Engine): Promise<DraftBenchResult> {
  const { db, cleanup } = await openTestDb(engine);
  try {
    const now = systemClock.now();
    const id = await seed(db, now);
    const service = new PostmortemService({
      db,
      clock: systemClock,
      log: createLogger({ level: 'silent' }),
      incidents: { setMilestone: () => Promise.reject(new Error('not in the benchmark')) },
      postStatusUpdate: () => Promise.reject(new Error('not in the benchmark')),
    });
    const draft = async () => {
      const [pm, timeline] = await Promise.all([service.get(id), service.timeline(id)]);
      // What the route does with the answer: serialise it.
      return JSON.stringify(pm).length + JSON.stringify(timeline).length;
    };
    const first = await service.timeline(id);
    const kept = first.events.filter((e) => e.source === 'incident').length;
    if (kept < EVENTS * 0.8) throw new Error(`[${engine}] the timeline kept only ${kept} of ${EVENTS} events`);
    await draft(); // warm-up: statement cache and pool
    const times: number[] = [];
    for (let i = 0; i < ITERATIONS; i++) {
      const t0 = performance.now();
      await draft();
      times.push(performance.now() - t0);
    }
    times.sort((a, b) => a - b);
    const r2 = (v: number) => Math.round(v * 100) / 100;
    return {
      engine,
      events: EVENTS,
      p50Ms: r2(percentile(times, 50)),
      p99Ms: r2(percentile(times, 99)),
      maxMs: r2(times[times.length - 1]!),
    };
  } finally {
    await cleanup();
  }
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const engines = (process.env.BENCH_ENGINES ?? 'sqlite,postgres').split(',').map((e) => e.trim()) as Engine[];
  for (const engine of engines) {
    const r = await runDraftBench(engine);
    console.log(
      `post-mortem draft [${engine}], ${r.events} timeline events, ${ITERATIONS} loads (target ≤ ${TARGET_MS} ms): ` +
        `p50 ${r.p50Ms} ms  p99 ${r.p99Ms} ms  max ${r.maxMs} ms`,
    );
  }
  process.exit(0);
}
