/**
 * What the disk allows before Muster does anything: durable one-row commits per second, on SQLite (WAL,
 * synchronous=FULL, Muster's settings) and on PostgreSQL (synchronous_commit=on) with one and with many clients.
 * Intake that commits once per request cannot beat these figures, so they are printed beside Muster's.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import SqliteDatabase from 'better-sqlite3';
import pg from 'pg';

/** A throwaway SQLite file with Muster's durability settings and a one-column table; `insert` is one commit. */
function sqliteProbe(): { insert: (body: string) => void; close: () => void } {
  const dir = mkdtempSync(join(tmpdir(), 'muster-bench-disk-'));
  const db = new SqliteDatabase(join(dir, 'probe.db'));
  db.pragma('journal_mode = WAL');
  db.pragma('synchronous = FULL');
  db.exec('create table probe (id integer primary key, body text not null)');
  const insert = db.prepare('insert into probe (body) values (?)');
  return {
    insert: (body) => void insert.run(body),
    close: () => {
      db.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

export async function sqliteCommitsPerSecond(seconds = 3): Promise<number> {
  const probe = sqliteProbe();
  try {
    const body = 'x'.repeat(600);
    const until = Date.now() + seconds * 1000;
    let n = 0;
    while (Date.now() < until) {
      probe.insert(body);
      n++;
      // Yield now and then so timers (and the caller) are not starved for the whole probe.
      if (n % 50 === 0) await new Promise((r) => setImmediate(r));
    }
    return n / seconds;
  } finally {
    probe.close();
  }
}

export async function postgresCommitsPerSecond(url: string, clients: number, seconds = 3): Promise<number> {
  const pool = new pg.Pool({ connectionString: url, max: clients });
  try {
    await pool.query('create table if not exists probe (id bigserial primary key, body text not null)');
    const until = Date.now() + seconds * 1000;
    let n = 0;
    const body = 'x'.repeat(600);
    await Promise.all(
      Array.from({ length: clients }, async () => {
        while (Date.now() < until) {
          await pool.query('insert into probe (body) values ($1)', [body]);
          n++;
        }
      }),
    );
    await pool.query('drop table probe');
    return n / seconds;
  } finally {
    await pool.end();
  }
}

export interface CommitSampler {
  /** Stop sampling; commit latencies in ms (p50, p99, max) and how many commits were timed. */
  stop(): Promise<{ p50: number; p99: number; max: number; n: number }>;
}

/**
 * Time one small durable commit every `everyMs` while a benchmark case runs, on its own connection: to PostgreSQL
 * (`url`, the same server Muster uses, so it sees the WAL flush Muster waits for) or, without `url`, to a SQLite file
 * in the temp directory (the disk's fsync). Ten commits a second add nothing measurable to the load. It answers
 * "was the disk slow during this run?" — the probe before a run cannot.
 */
export function sampleCommitLatency(url: string | null, everyMs = 100): CommitSampler {
  const times: number[] = [];
  let running = true;
  const body = 'x'.repeat(600);
  const loop = (async () => {
    if (url) {
      const client = new pg.Client({ connectionString: url });
      await client.connect();
      try {
        await client.query('create table if not exists bench_commit_probe (id bigserial primary key, body text)');
        while (running) {
          const t = performance.now();
          await client.query('insert into bench_commit_probe (body) values ($1)', [body]);
          times.push(performance.now() - t);
          await new Promise((r) => setTimeout(r, everyMs));
        }
        await client.query('drop table bench_commit_probe');
      } finally {
        await client.end();
      }
      return;
    }
    const probe = sqliteProbe();
    try {
      while (running) {
        const t = performance.now();
        probe.insert(body);
        times.push(performance.now() - t);
        await new Promise((r) => setTimeout(r, everyMs));
      }
    } finally {
      probe.close();
    }
  })();
  return {
    async stop() {
      running = false;
      await loop;
      const sorted = [...times].sort((a, b) => a - b);
      const at = (p: number): number =>
        sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)] ?? 0;
      return { p50: at(50), p99: at(99), max: sorted.at(-1) ?? 0, n: sorted.length };
    },
  };
}
