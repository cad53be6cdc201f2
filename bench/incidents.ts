/**
 * `npm run bench:incidents`: the live incident room under a crowd. 200 viewers hold GET /api/incidents/:id/stream
 * (server-sent events) open on one incident; posts are made one at a time, spaced, in turn: a note (the baseline),
 * a finding (POST …/entries, issue 22 item 4) and a change to the incident's service (POST /api/changes, which lands
 * in the room as "during the incident", item 3); for each we measure the delay from just before its POST to EVERY
 * viewer receiving it. Reported per kind: p50/p99 of the per-post maximum (the slowest viewer of each) and p50/p99
 * over all deliveries; missed deliveries are counted.
 *
 * SQLite: one `muster serve` process with all 200 viewers. PostgreSQL: two processes sharing the database, 100
 * viewers each, notes posted alternately to each, so half the deliveries travel through LISTEN/NOTIFY (reported
 * separately as "other process"). Servers are spawned (their own event loops); everything stays on loopback and each
 * phase has a deadline. PostgreSQL is a throwaway durable one (fsync on), as in bench:intake.
 *
 * Environment: BENCH_VIEWERS (200), BENCH_NOTES (posts of each kind: 100), BENCH_SPACING_MS (100),
 * BENCH_KINDS (note,finding,change), BENCH_ENGINES (sqlite,postgres). Target: p99 ≤ 200 ms for every kind.
 */
import { execFileSync } from 'node:child_process';
import http from 'node:http';
import { cpus } from 'node:os';
import type { Engine } from '../src/db/index.js';
import { createTestDatabase } from '../src/db/testing/index.js';
import { adminTokenFor, spawnMuster, type SpawnedMuster } from '../src/testing/server.js';
import { startDurablePostgres } from './postgres.js';

const VIEWERS = Number(process.env.BENCH_VIEWERS ?? 200);
const NOTES = Number(process.env.BENCH_NOTES ?? 100);
const SPACING_MS = Number(process.env.BENCH_SPACING_MS ?? 100);
const ENGINES = (process.env.BENCH_ENGINES ?? 'sqlite,postgres').split(',').map((e) => e.trim()) as Engine[];
const TARGET_MS = 200;
const CONNECT_DEADLINE_MS = 30_000;
const DELIVERY_GRACE_MS = 15_000;
const KINDS = (process.env.BENCH_KINDS ?? 'note,finding,change').split(',').map((k) => k.trim()) as PostKind[];
type PostKind = 'note' | 'finding' | 'change';
/** Every post carries `bench-<kind>-<n>` (n unique across kinds) in its text, so a viewer knows which it got. */
const MARK = /bench-(?:note|finding|change)-(\d+)/;
/** The timeline kind each post arrives as. */
const EVENT_KIND: Record<PostKind, string> = { note: 'note', finding: 'finding', change: 'change_during_incident' };

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const load = (): string => execFileSync('uptime').toString().trim();

interface Viewer {
  server: number;
  /** note index → performance.now() when this viewer got it */
  got: Map<number, number>;
  req: http.ClientRequest;
}

const agent = new http.Agent({ keepAlive: true, maxSockets: Infinity });

/** Open one SSE viewer; resolves once the server has sent its first bytes (the stream is subscribed). */
function openViewer(url: string, token: string, incidentId: string, server: number): Promise<Viewer> {
  return new Promise((resolve, reject) => {
    const got = new Map<number, number>();
    const req = http.get(
      `${url}/api/incidents/${incidentId}/stream`,
      { agent, headers: { authorization: `Bearer ${token}`, accept: 'text/event-stream' } },
      (res) => {
        if (res.statusCode !== 200) return reject(new Error(`stream answered ${res.statusCode}`));
        res.setEncoding('utf8');
        let buf = '';
        let isOpen = false;
        res.on('data', (chunk: string) => {
          const now = performance.now();
          if (!isOpen) {
            isOpen = true;
            resolve(viewer);
          }
          buf += chunk;
          let i: number;
          while ((i = buf.indexOf('\n\n')) >= 0) {
            const frame = buf.slice(0, i);
            buf = buf.slice(i + 2);
            const data = frame.split('\n').find((l) => l.startsWith('data: '));
            if (!data) continue;
            const e = JSON.parse(data.slice(6)) as { kind: string; body: string };
            const m = MARK.exec(e.body);
            if (m && Object.values(EVENT_KIND).includes(e.kind)) got.set(Number(m[1]), now);
          }
        });
        res.on('error', () => undefined);
      },
    );
    req.on('error', reject);
    const viewer: Viewer = { server, got, req };
  });
}

async function post(
  url: string,
  token: string,
  path: string,
  body: unknown,
): Promise<{ id: string; incident?: { id: string } }> {
  const r = await fetch(url + path, {
    method: 'POST',
    headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });
  if (r.status >= 300) throw new Error(`POST ${path} answered ${r.status}: ${await r.text()}`);
  return (await r.json()) as { id: string; incident?: { id: string } };
}

function pct(xs: number[], p: number): number {
  if (!xs.length) return NaN;
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.ceil((p / 100) * s.length) - 1)]!;
}
const f = (ms: number) => `${ms.toFixed(1)} ms`;

interface Result {
  engine: Engine;
  kind: PostKind;
  processes: number;
  viewers: number;
  notes: number;
  missed: number;
  perNoteMax: { p50: number; p99: number; max: number };
  /** The fastest viewer of each note: commit and nudge without the fan-out. */
  perNoteMin: { p50: number; p99: number; max: number };
  all: { p50: number; p99: number; max: number };
  otherProcess?: { p50: number; p99: number };
  /** The POST's own round trip (its commit included): the floor under every delivery. */
  post: { p50: number; p99: number; max: number };
  sameProcess?: { p50: number; p99: number };
  loadBefore: string;
  loadAfter: string;
}

async function runEngine(engine: Engine): Promise<Result[]> {
  const tdb = await createTestDatabase(engine);
  const processes = engine === 'postgres' ? 2 : 1;
  const servers: SpawnedMuster[] = [];
  const viewers: Viewer[] = [];
  try {
    for (let i = 0; i < processes; i++) servers.push(await spawnMuster(tdb));
    const tokens = await Promise.all(servers.map((s) => adminTokenFor(s.url)));
    const team = await post(servers[0]!.url, tokens[0]!, '/api/teams', { name: 'Bench' });
    const service = await post(servers[0]!.url, tokens[0]!, '/api/services', { name: 'Bench API', teamId: team.id });
    const declared = await post(servers[0]!.url, tokens[0]!, '/api/incidents', {
      title: 'Benchmark: the room under a crowd',
      severity: 'P2',
      serviceIds: [service.id],
    });
    const incidentId = declared.incident!.id;
    const loadBefore = load();
    const connectStart = Date.now();
    const opening = Array.from({ length: VIEWERS }, (_, v) => {
      const s = v % processes;
      return openViewer(servers[s]!.url, tokens[s]!, incidentId, s);
    });
    const opened = await Promise.race([Promise.all(opening), sleep(CONNECT_DEADLINE_MS).then(() => null)]);
    if (!opened) throw new Error(`not all ${VIEWERS} viewers connected within ${CONNECT_DEADLINE_MS} ms`);
    viewers.push(...opened);
    console.log(`  ${viewers.length} viewers connected in ${Date.now() - connectStart} ms`);
    await sleep(1000); // let the joins (one write per stream) settle

    const total = NOTES * KINDS.length;
    const sentAt: number[] = [];
    const postedTo: number[] = [];
    const postMs: number[] = [];
    const kindOf = (n: number): PostKind => KINDS[n % KINDS.length]!;
    for (let n = 0; n < total; n++) {
      const s = n % processes;
      const kind = kindOf(n);
      const [url, token] = [servers[s]!.url, tokens[s]!];
      const text = `bench-${kind}-${n}`;
      sentAt[n] = performance.now();
      postedTo[n] = s;
      if (kind === 'note') await post(url, token, `/api/incidents/${incidentId}/notes`, { text });
      else if (kind === 'finding')
        await post(url, token, `/api/incidents/${incidentId}/entries`, {
          type: 'finding',
          text,
          evidenceUrl: 'https://grafana.example/d/bench',
        });
      else await post(url, token, '/api/changes', { service: service.id, summary: text, kind: 'config' });
      postMs.push(performance.now() - sentAt[n]!);
      await sleep(SPACING_MS);
    }
    const until = Date.now() + DELIVERY_GRACE_MS;
    while (Date.now() < until && viewers.some((v) => v.got.size < total)) await sleep(50);
    const loadAfter = load();

    const stat = (xs: number[]) => ({ p50: pct(xs, 50), p99: pct(xs, 99), max: Math.max(...xs) });
    return KINDS.map((kind) => {
      const all: number[] = [];
      const same: number[] = [];
      const other: number[] = [];
      const perNote: number[] = [];
      const firstPerNote: number[] = [];
      const posts: number[] = [];
      let missed = 0;
      for (let n = 0; n < total; n++) {
        if (kindOf(n) !== kind) continue;
        posts.push(postMs[n]!);
        let worst = 0;
        let first = Infinity;
        for (const v of viewers) {
          const t = v.got.get(n);
          if (t === undefined) {
            missed++;
            continue;
          }
          const d = t - sentAt[n]!;
          all.push(d);
          (v.server === postedTo[n] ? same : other).push(d);
          worst = Math.max(worst, d);
          first = Math.min(first, d);
        }
        perNote.push(worst);
        if (first !== Infinity) firstPerNote.push(first);
      }
      return {
        engine,
        kind,
        processes,
        viewers: viewers.length,
        notes: NOTES,
        missed,
        perNoteMax: stat(perNote),
        perNoteMin: stat(firstPerNote),
        all: stat(all),
        post: stat(posts),
        ...(processes > 1 ? { sameProcess: stat(same), otherProcess: stat(other) } : {}),
        loadBefore,
        loadAfter,
      };
    });
  } finally {
    for (const v of viewers) v.req.destroy();
    for (const s of servers) await s.stop();
    await tdb.drop();
  }
}

function report(r: Result): void {
  const ok = r.perNoteMax.p99 <= TARGET_MS && r.missed === 0;
  console.log(
    `\n${r.engine}, ${r.kind}s: ${r.processes} process(es), ${r.viewers} viewers, ${r.notes} ${r.kind}s (one post every ${SPACING_MS} ms, kinds in turn)` +
      `\n  slowest viewer per post: p50 ${f(r.perNoteMax.p50)}, p99 ${f(r.perNoteMax.p99)}, max ${f(r.perNoteMax.max)}` +
      `\n  fastest viewer per post: p50 ${f(r.perNoteMin.p50)}, p99 ${f(r.perNoteMin.p99)}` +
      `\n  all ${r.viewers * r.notes - r.missed} deliveries:  p50 ${f(r.all.p50)}, p99 ${f(r.all.p99)}, max ${f(r.all.max)}` +
      (r.sameProcess && r.otherProcess
        ? `\n  posted to the same process: p50 ${f(r.sameProcess.p50)}, p99 ${f(r.sameProcess.p99)}; ` +
          `other process (LISTEN/NOTIFY): p50 ${f(r.otherProcess.p50)}, p99 ${f(r.otherProcess.p99)}`
        : '') +
      `\n  the POST itself (commit included): p50 ${f(r.post.p50)}, p99 ${f(r.post.p99)}` +
      `\n  missed deliveries: ${r.missed}` +
      `\n  load before: ${r.loadBefore}\n  load after:  ${r.loadAfter}` +
      `\n  target p99 ≤ ${TARGET_MS} ms (slowest viewer per post): ${ok ? 'met' : 'NOT met'}`,
  );
}

async function main(): Promise<void> {
  console.log(`bench:incidents — ${cpus().length} CPUs (${cpus()[0]?.model ?? '?'}), node ${process.version}`);
  const pg = ENGINES.includes('postgres') ? await startDurablePostgres() : null;
  if (pg) {
    process.env.TEST_DATABASE_URL = pg.url;
    console.log(pg.version);
  }
  let failed = false;
  try {
    for (const engine of ENGINES) {
      console.log(`\n${engine}: starting`);
      for (const r of await runEngine(engine)) {
        report(r);
        if (r.missed > 0 || r.perNoteMax.p99 > TARGET_MS) failed = true;
      }
    }
  } finally {
    pg?.stop();
    agent.destroy();
  }
  process.exitCode = failed ? 1 : 0;
}

await main();
