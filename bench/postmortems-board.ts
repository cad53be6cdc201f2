/**
 * The action-items board with 50,000 items (issue 11's benchmark: at most 100 ms per page, keyset pagination, both
 * engines). Seeds the items directly (40 owners, 12 teams, every status, due dates a year wide), runs ANALYZE, then
 * for several filters pages deep through ActionItemService.list with the cursor (the same code the route calls,
 * names of owners, teams and incidents included) and reports p50/p99 per page. Before timing, each filter's page
 * query is EXPLAINed and the plan must use one of migration 0020's (…, due_at, id) indexes, never a sort of the
 * table: the run fails otherwise.
 *
 * Run alone: `npx tsx bench/postmortems-board.ts` (BENCH_ENGINES=sqlite,postgres, BENCH_ITEMS=50000,
 * BENCH_PAGES=40). PostgreSQL is the test suite's throwaway server (a read benchmark: fsync does not matter).
 */
import { sql } from 'kysely';
import { ActionItemService } from '../src/actions/index.js';
import type { Db, Engine } from '../src/db/index.js';
import { openTestDb } from '../src/db/testing/index.js';
import { systemActor, TeamService } from '../src/identity/index.js';
import { DAY, systemClock } from '../src/shared/clock.js';
import { newId } from '../src/shared/ids.js';

const ITEMS = Number(process.env.BENCH_ITEMS ?? 50_000);
const PAGES = Number(process.env.BENCH_PAGES ?? 40);
const LIMIT = 50;
const OWNERS = 40;
const TEAMS = 12;
const STATUSES = ['open', 'open', 'open', 'in_progress', 'in_progress', 'done', 'wont_do', 'verified'];

export interface BoardBenchResult {
  engine: Engine;
  items: number;
  pages: { filter: string; pagesRead: number; p50Ms: number; p99Ms: number }[];
}

function percentile(sorted: number[], p: number): number {
  if (sorted.length === 0) return 0;
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)]!;
}

async function seed(db: Db, now: number): Promise<{ owners: string[]; teams: string[] }> {
  const owners: string[] = [];
  const teams: string[] = [];
  const k = db.kysely;
  for (let i = 0; i < TEAMS; i++) {
    const id = newId('team', now);
    teams.push(id);
    await k
      .insertInto('teams')
      .values({ id, name: `Team ${i}`, slug: `team-${i}`, description: '', createdAt: now, updatedAt: now })
      .execute();
  }
  for (let i = 0; i < OWNERS; i++) {
    const id = newId('usr', now);
    owners.push(id);
    await k
      .insertInto('users')
      .values({
        id,
        email: `owner${i}@bench.test`,
        name: `Owner ${i}`,
        passwordHash: null,
        isAdmin: 0,
        timezone: 'UTC',
        createdAt: now,
        updatedAt: now,
        disabledAt: null,
      })
      .execute();
    await k
      .insertInto('teamMembers')
      .values({ teamId: teams[i % TEAMS]!, userId: id, role: 'responder', createdAt: now })
      .execute();
  }
  const incident = newId('inc', now);
  await sql`insert into incidents (id, title, summary, severity, status, declared_by_label, declared_at, updated_at)
    values (${incident}, ${'Bench incident'}, ${''}, ${'P2'}, ${'resolved'}, ${'bench'}, ${now}, ${now})`.execute(k);
  let rnd = 42;
  const random = () => (rnd = (rnd * 1103515245 + 12345) % 2 ** 31) / 2 ** 31;
  const BATCH = 500;
  for (let start = 0; start < ITEMS; start += BATCH) {
    const rows = [];
    for (let i = start; i < Math.min(ITEMS, start + BATCH); i++) {
      const owner = Math.floor(random() * OWNERS);
      const status = STATUSES[Math.floor(random() * STATUSES.length)]!;
      rows.push({
        id: newId('act', now),
        postmortemId: null,
        incidentId: incident,
        title: `Bench action item ${i}`,
        description: '',
        ownerUserId: owners[owner]!,
        teamId: teams[owner % TEAMS]!,
        // A year wide, minute resolution: plenty of ties on the due date for the id to break.
        dueAt: now - 180 * DAY + Math.floor(random() * 365 * 24 * 60) * 60_000,
        priority: ['high', 'medium', 'low'][i % 3]!,
        kind: ['mitigate', 'prevent', 'detect', 'process'][i % 4]!,
        status,
        statusReason: status === 'wont_do' ? 'bench' : null,
        verification: status === 'verified' ? 'bench' : null,
        verificationAlertRule: null,
        sourceSection: null,
        sourceWhyId: null,
        trackerProvider: null,
        trackerKey: null,
        trackerUrl: null,
        createdByUserId: null,
        createdByLabel: 'bench',
        createdAt: now,
        updatedAt: now,
        doneAt: status === 'done' || status === 'verified' ? now : null,
        verifiedAt: status === 'verified' ? now : null,
        remindedAt: null,
        overdueNotifiedAt: null,
        trackerStatus: null,
        trackerError: null,
      });
    }
    await k.insertInto('actionItems').values(rows).execute();
  }
  await sql`analyze`.execute(k);
  return { owners, teams };
}

/** The first page's plan, as text (EXPLAIN on PostgreSQL, EXPLAIN QUERY PLAN on SQLite). */
async function planOf(db: Db, where: string, params: (string | number)[]): Promise<string> {
  // Bench-generated ids and numbers only: inlined, since EXPLAIN takes no bound parameters on PostgreSQL.
  let j = 0;
  const inlined = where.replace(/\?/g, () => {
    const v = params[j++]!;
    return typeof v === 'number' ? String(v) : `'${v}'`;
  });
  const query = `select * from action_items where ${inlined} order by due_at, id limit ${LIMIT + 1}`;
  if (db.engine === 'postgres') {
    const r = await sql<{ 'QUERY PLAN': string }>`${sql.raw(`explain ${query}`)}`.execute(db.kysely);
    return r.rows.map((x) => x['QUERY PLAN']).join('\n');
  }
  const r = await sql<{ detail: string }>`${sql.raw(`explain query plan ${query}`)}`.execute(db.kysely);
  return r.rows.map((x) => x.detail).join('\n');
}

export async function runBoardBench(engine: Engine): Promise<BoardBenchResult> {
  const { db, cleanup } = await openTestDb(engine);
  try {
    const now = systemClock.now();
    const seeded = await seed(db, now);
    const teams = new TeamService({ db, clock: systemClock });
    const service = new ActionItemService({
      db,
      clock: systemClock,
      teams,
      canActOnIncident: () => Promise.resolve(true),
      sealer: { seal: (s) => Promise.resolve(s), open: (s) => Promise.resolve(s) },
    });
    const owner = seeded.owners[3]!;
    const team = seeded.teams[5]!;
    const filters: { name: string; query: Record<string, unknown>; where: string; params: (string | number)[] }[] = [
      { name: 'all', query: {}, where: '1 = 1', params: [] },
      { name: 'owner', query: { owner }, where: 'owner_user_id = ?', params: [owner] },
      { name: 'team', query: { teamId: team }, where: 'team_id = ?', params: [team] },
      { name: 'status=open', query: { status: 'open' }, where: 'status = ?', params: ['open'] },
      {
        name: 'overdue',
        query: { overdue: true },
        where: "due_at < ? and status in ('open', 'in_progress')",
        params: [now],
      },
      {
        name: 'team+overdue',
        query: { teamId: team, overdue: true },
        where: "team_id = ? and due_at < ? and status in ('open', 'in_progress')",
        params: [team, now],
      },
    ];
    const actor = systemActor('bench');
    const out: BoardBenchResult['pages'] = [];
    for (const f of filters) {
      const plan = await planOf(db, f.where, f.params);
      const usesIndex = /action_items_\w+_idx/.test(plan) && !/TEMP B-TREE|Sort\b/i.test(plan);
      if (!usesIndex)
        throw new Error(`[${engine}] the board's ${f.name} page does not use an index in order:\n${plan}`);
      if (process.env.BENCH_PLANS) console.log(`[${engine}] ${f.name}:\n${plan}\n`);
      const times: number[] = [];
      let cursor: string | undefined;
      // One unmeasured page first: the statement cache and the pool warm up.
      await service.list(actor, { ...f.query, limit: LIMIT });
      for (let p = 0; p < PAGES; p++) {
        const t0 = performance.now();
        const page = await service.list(actor, { ...f.query, limit: LIMIT, ...(cursor ? { cursor } : {}) });
        times.push(performance.now() - t0);
        if (!page.nextCursor) break;
        cursor = page.nextCursor;
      }
      times.sort((a, b) => a - b);
      out.push({
        filter: f.name,
        pagesRead: times.length,
        p50Ms: Math.round(percentile(times, 50) * 100) / 100,
        p99Ms: Math.round(percentile(times, 99) * 100) / 100,
      });
    }
    return { engine, items: ITEMS, pages: out };
  } finally {
    await cleanup();
  }
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const engines = (process.env.BENCH_ENGINES ?? 'sqlite,postgres').split(',').map((e) => e.trim()) as Engine[];
  for (const engine of engines) {
    const r = await runBoardBench(engine);
    console.log(`action-items board [${engine}], ${r.items} items, ${LIMIT} per page (target p99 ≤ 100 ms):`);
    for (const p of r.pages) {
      console.log(
        `  ${p.filter.padEnd(14)} ${String(p.pagesRead).padStart(3)} pages  p50 ${p.p50Ms} ms  p99 ${p.p99Ms} ms`,
      );
    }
  }
  process.exit(0);
}
