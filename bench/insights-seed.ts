/**
 * The five-year history for `npm run bench:insights` (issue 12), written straight into the database, not through the
 * API: on SQLite one transaction of prepared statements (better-sqlite3), on PostgreSQL batches of a few thousand rows
 * per `insert … select * from unnest($1::type[], …)` (COPY-like: one round trip per batch). The alerts table's
 * secondary indexes are dropped while its rows go in and built again afterwards (the same end state, built once).
 *
 * Shape (BENCH_SCALE multiplies the counts, default 1): 12 teams of 8 people, 5 services each with 8 alert rules and
 * 40 alert groups, one weekly on-call rotation per team (its schedule in the team's zone) and one escalation policy;
 * 50,000 incidents over five years (P1 5%, P2 20%, P3 45%, P4 30%; 3% drills, 2% imported; 1–2 services; every
 * milestone, a few never acknowledged or still open), 5,000,000 alerts of which ~3% are linked to an incident, ~4% of
 * the others page the team's on-call person (an escalation run and a `paged` log entry, as pagesBetween reads them),
 * 20% are classified (some rules mostly noise); 2% of incidents linked "same as" an earlier one; room activity
 * (joins, notes, status updates, roles) for responders; 2,000 post-mortems on P1/P2 incidents with 3 action items and
 * 2 contributing factors each.
 */
import { mkdirSync, statSync, existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import SqliteDatabase from 'better-sqlite3';
import pg from 'pg';
import type { Engine } from '../src/db/index.js';
import { migrateToLatest, openPostgres, openSqlite } from '../src/db/index.js';
import { hashPassword } from '../src/identity/passwords.js';
import { ADMIN_EMAIL, ADMIN_PASSWORD } from '../src/testing/server.js';

const SCALE = Number(process.env.BENCH_SCALE ?? 1);
const DAY = 86_400_000;
const MIN = 60_000;
const YEARS = 5;

export interface SeedTarget {
  engine: Engine;
  /** SQLite: the data directory (muster.db inside). */
  dataDir: string;
  /** PostgreSQL: the database URL. */
  databaseUrl: string | undefined;
}

export interface SeedMeta {
  engine: Engine;
  scale: number;
  /** The history ends here (epoch ms); windows are measured back from it. */
  now: number;
  generatedSeconds: number;
  counts: Record<string, number>;
  teamId: string;
  serviceId: string;
  /** An incident in the last 90 days that recurs earlier ones (for the recurrence drill-down). */
  recurringIncidentId: string;
  commit: string;
}

// ---- ids and randomness ---------------------------------------------------------------------------------------------

const ALPHABET = '0123456789abcdefghjkmnpqrstvwxyz';
function encode(n: number, width: number): string {
  let out = '';
  for (let i = 0; i < width; i++) {
    out = ALPHABET[n % 32]! + out;
    n = Math.floor(n / 32);
  }
  return out;
}
/** Muster's id format (src/shared/ids.ts) at a given time: ids made for the past sort by that time. */
let idSeq = 0;
export function idAt(prefix: string, ms: number): string {
  idSeq = (idSeq + 1) % 32 ** 4;
  let rnd = '';
  for (let i = 0; i < 12; i++) rnd += ALPHABET[Math.floor(rand() * 32)];
  return `${prefix}_${encode(Math.floor(ms), 10)}${encode(idSeq, 4)}${rnd}`;
}

/** mulberry32: the same history on every run. */
let seed = 0x5eed1234;
export function rand(): number {
  seed = (seed + 0x6d2b79f5) | 0;
  let t = seed;
  t = Math.imul(t ^ (t >>> 15), t | 1);
  t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
  return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
}
export const pick = <T>(xs: readonly T[]): T => xs[Math.floor(rand() * xs.length)]!;
export const between = (lo: number, hi: number): number => lo + Math.floor(rand() * (hi - lo));

// ---- writers --------------------------------------------------------------------------------------------------------

export type Row = Record<string, string | number | null>;

export interface Writer {
  add(table: string, row: Row): Promise<void>;
  flush(): Promise<void>;
  dropIndexes(table: string): Promise<string[]>;
  exec(sqlText: string): Promise<void>;
  close(): Promise<void>;
}

export function sqliteWriter(file: string): Writer {
  const db = new SqliteDatabase(file);
  db.pragma('journal_mode = DELETE');
  db.pragma('synchronous = OFF');
  db.pragma('cache_size = -400000');
  db.pragma('foreign_keys = OFF');
  db.exec('begin');
  const stmts = new Map<string, SqliteDatabase.Statement>();
  return {
    add(table, row) {
      let st = stmts.get(table);
      if (!st) {
        const cols = Object.keys(row);
        st = db.prepare(`insert into ${table} (${cols.join(', ')}) values (${cols.map((c) => '@' + c).join(', ')})`);
        stmts.set(table, st);
      }
      st.run(row);
      return Promise.resolve();
    },
    flush: () => Promise.resolve(),
    dropIndexes(table) {
      const idx = db
        .prepare(`select name, sql from sqlite_master where type = 'index' and tbl_name = ? and sql is not null`)
        .all(table) as { name: string; sql: string }[];
      for (const i of idx) db.exec(`drop index ${i.name}`);
      return Promise.resolve(idx.map((i) => i.sql));
    },
    exec(sqlText) {
      db.exec(sqlText);
      return Promise.resolve();
    },
    close() {
      db.exec('commit');
      db.exec('analyze');
      db.pragma('journal_mode = WAL');
      db.close();
      return Promise.resolve();
    },
  };
}

export async function postgresWriter(url: string): Promise<Writer> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  await client.query('set synchronous_commit = off');
  // Foreign keys are not checked while loading (the generator writes only existing references).
  await client.query('set session_replication_role = replica');
  const BATCH = 4000;
  const buffers = new Map<string, Row[]>(); // first-seen order = dependency order
  const types = new Map<string, Map<string, string>>();
  const flushTable = async (table: string) => {
    const rows = buffers.get(table)!;
    if (rows.length === 0) return;
    let t = types.get(table);
    if (!t) {
      const r = await client.query<{ column_name: string; udt_name: string }>(
        `select column_name, udt_name from information_schema.columns where table_name = $1 and table_schema = 'public'`,
        [table],
      );
      t = new Map(r.rows.map((x) => [x.column_name, x.udt_name]));
      types.set(table, t);
    }
    const cols = Object.keys(rows[0]!);
    const arrays = cols.map((c) => rows.map((r) => r[c] ?? null));
    const casts = cols.map((c, i) => `$${i + 1}::${t.get(c) ?? 'text'}[]`);
    await client.query(`insert into ${table} (${cols.join(', ')}) select * from unnest(${casts.join(', ')})`, arrays);
    buffers.set(table, []);
  };
  const flush = async () => {
    for (const table of buffers.keys()) await flushTable(table);
  };
  return {
    async add(table, row) {
      let b = buffers.get(table);
      if (!b) buffers.set(table, (b = []));
      b.push(row);
      if (b.length >= BATCH) await flush();
    },
    flush,
    async dropIndexes(table) {
      await flush();
      const r = await client.query<{ indexname: string; indexdef: string }>(
        `select i.indexname, i.indexdef from pg_indexes i
          where i.tablename = $1 and i.schemaname = 'public'
            and not exists (select 1 from pg_constraint c where c.conname = i.indexname)`,
        [table],
      );
      for (const i of r.rows) await client.query(`drop index ${i.indexname}`);
      return r.rows.map((i) => i.indexdef);
    },
    async exec(sqlText) {
      await flush();
      await client.query(sqlText);
    },
    async close() {
      await flush();
      await client.query('set session_replication_role = origin');
      await client.query('analyze');
      await client.end();
    },
  };
}

// ---- the history ----------------------------------------------------------------------------------------------------

const ZONES = ['Europe/London', 'America/New_York', 'Europe/Berlin', 'Asia/Tokyo', 'America/Los_Angeles', 'UTC'];
const SEVERITIES: [string, number][] = [
  ['P1', 0.05],
  ['P2', 0.25],
  ['P3', 0.7],
  ['P4', 1],
];
const RULE_WORDS = [
  'HighLatency',
  'ErrorRate',
  'DiskFull',
  'PodCrashLoop',
  'CertExpiry',
  'QueueBacklog',
  'CpuHigh',
  'Down',
];

interface Svc {
  id: string;
  teamIdx: number;
  rules: string[];
  groups: { id: string; key: string; rule: string }[];
  /** The alerts incidents are declared for: 120 rules, one group each (a long tail, unlike the noisy rules). */
  incidentGroups: { id: string; key: string; rule: string }[];
}
interface Inc {
  id: string;
  at: number;
  firstAlertAt: number | null;
  alerts: number;
  severity: string;
  services: Svc[];
}

/** Generate the history into a migrated, empty database. Returns what the benchmark needs to know about it. */
export async function seedHistory(target: SeedTarget, commit: string, log: (s: string) => void): Promise<SeedMeta> {
  const t0 = performance.now();
  const nIncidents = Math.round(50_000 * SCALE);
  const nAlerts = Math.round(5_000_000 * SCALE);
  const nPostmortems = Math.round(2_000 * SCALE);
  const now = Math.floor(Date.now() / 3_600_000) * 3_600_000;
  const start = now - YEARS * 365 * DAY;
  const counts: Record<string, number> = {};

  // Migrate with Muster's own code, then write with a plain connection.
  const mdb = target.engine === 'postgres' ? openPostgres(target.databaseUrl!, 2) : openSqlite(target.dataDir);
  await migrateToLatest(mdb.kysely);
  const templ = await mdb.kysely
    .selectFrom('postmortemTemplates')
    .select(['id', 'sections'])
    .where('isBuiltin', '=', 1)
    .orderBy('id')
    .executeTakeFirstOrThrow();
  const factors = await mdb.kysely.selectFrom('contributingFactors').select('id').execute();
  await mdb.close();
  const w =
    target.engine === 'postgres'
      ? await postgresWriter(target.databaseUrl!)
      : sqliteWriter(join(target.dataDir, 'muster.db'));
  const add = async (table: string, row: Row) => {
    counts[table] = (counts[table] ?? 0) + 1;
    await w.add(table, row);
  };

  // People, teams, schedules, policies, services.
  const adminId = idAt('usr', start);
  await add('users', {
    id: adminId,
    email: ADMIN_EMAIL,
    name: 'Administrator',
    password_hash: await hashPassword(ADMIN_PASSWORD),
    is_admin: 1,
    timezone: 'UTC',
    created_at: start,
    updated_at: start,
    disabled_at: null,
  });
  const teams: { id: string; users: string[]; zone: string; scheduleId: string; policyId: string }[] = [];
  const services: Svc[] = [];
  const monday = start - ((new Date(start).getUTCDay() + 6) % 7) * DAY;
  for (let t = 0; t < 12; t++) {
    const zone = ZONES[t % ZONES.length]!;
    const teamId = idAt('team', start);
    await add('teams', {
      id: teamId,
      name: `Team ${t + 1}`,
      slug: `team-${t + 1}`,
      description: '',
      created_at: start,
      updated_at: start,
    });
    const users: string[] = [];
    for (let u = 0; u < 8; u++) {
      const id = idAt('usr', start);
      users.push(id);
      await add('users', {
        id,
        email: `person${t}-${u}@example.test`,
        name: `Person ${t + 1}.${u + 1}`,
        password_hash: null,
        is_admin: 0,
        timezone: zone,
        created_at: start,
        updated_at: start,
        disabled_at: null,
      });
      await add('team_members', {
        team_id: teamId,
        user_id: id,
        role: u === 0 ? 'admin' : 'responder',
        created_at: start,
      });
    }
    const scheduleId = idAt('sch', start);
    await add('schedules', {
      id: scheduleId,
      team_id: teamId,
      name: `Team ${t + 1} primary`,
      description: '',
      timezone: zone,
      created_at: start,
      updated_at: start,
    });
    const layerId = idAt('lay', start);
    await add('schedule_layers', {
      id: layerId,
      schedule_id: scheduleId,
      name: 'Weekly',
      position: 0,
      turn_unit: 'weeks',
      turn_length: 1,
      start_date: new Date(monday).toISOString().slice(0, 10),
      handoff_time: '09:00',
      restrictions: '[]',
      ends_at: null,
      created_at: start,
      updated_at: start,
    });
    for (let p = 0; p < 6; p++)
      await add('schedule_layer_participants', { layer_id: layerId, position: p, user_id: users[p]! });
    const policyId = idAt('pol', start);
    const levels = [{ delayMinutes: 15, targets: [{ type: 'schedule', id: scheduleId }] }];
    const workingHours = { timezone: zone, days: [1, 2, 3, 4, 5], start: '09:00', end: '17:00' };
    await add('escalation_policies', {
      id: policyId,
      team_id: teamId,
      name: `Team ${t + 1} default`,
      description: '',
      repeat: 1,
      levels: JSON.stringify(levels),
      working_hours: JSON.stringify(workingHours),
      ack_timeout_minutes: null,
      created_at: start,
      updated_at: start,
    });
    teams.push({ id: teamId, users, zone, scheduleId, policyId });
    for (let s = 0; s < 5; s++) {
      const id = idAt('svc', start);
      const n = t * 5 + s;
      await add('services', {
        id,
        name: `Service ${n + 1}`,
        slug: `service-${n + 1}`,
        description: '',
        team_id: teamId,
        criticality: pick(['critical', 'high', 'medium', 'low']),
        escalation_policy_id: policyId,
        created_at: start,
        updated_at: start,
        incident_rule: null,
      });
      const rules = RULE_WORDS.map((r) => `${r}${n + 1}`);
      const groups = [];
      for (let g = 0; g < 40; g++) {
        const rule = rules[g % rules.length]!;
        const key = `alertname=${rule},cluster=c${g % 5}`;
        const gid = idAt('agr', start);
        groups.push({ id: gid, key, rule });
        await add('alert_groups', {
          id: gid,
          service_id: id,
          group_key: key,
          title: rule,
          status: 'resolved',
          alert_count: 0,
          open_count: 0,
          first_alert_at: start,
          last_alert_at: now,
          resolved_at: now,
          created_at: start,
          updated_at: now,
        });
      }
      const incidentGroups = [];
      for (let g = 0; g < 120; g++) {
        const rule = `${RULE_WORDS[g % RULE_WORDS.length]}${n + 1}x${g}`;
        const key = `alertname=${rule}`;
        const gid = idAt('agr', start);
        incidentGroups.push({ id: gid, key, rule });
        await add('alert_groups', {
          id: gid,
          service_id: id,
          group_key: key,
          title: rule,
          status: 'resolved',
          alert_count: 0,
          open_count: 0,
          first_alert_at: start,
          last_alert_at: now,
          resolved_at: now,
          created_at: start,
          updated_at: now,
        });
      }
      services.push({ id, teamIdx: t, rules, groups, incidentGroups });
    }
  }
  const snapshots = teams.map((t) =>
    JSON.stringify({
      policyId: t.policyId,
      name: 'default',
      repeat: 1,
      levels: [{ delayMinutes: 15, targets: [{ type: 'schedule', id: t.scheduleId }] }],
      workingHours: { timezone: t.zone, days: [1, 2, 3, 4, 5], start: '09:00', end: '17:00' },
    }),
  );
  const onCall = (teamIdx: number, at: number): string => {
    const week = Math.floor((at - monday - 9 * 3_600_000) / (7 * DAY));
    return teams[teamIdx]!.users[((week % 6) + 6) % 6]!;
  };
  // Some rules are mostly noise: the alert-quality figures need something to find.
  const noisy = new Set(services.flatMap((s) => s.rules.filter((_, i) => i % 4 === 3)));

  // Incidents (in memory first: the alert stream interleaves their alerts at their time).
  const incs: Inc[] = [];
  for (let i = 0; i < nIncidents; i++) {
    const at = start + DAY + Math.floor(rand() * (now - start - DAY - 3_600_000));
    const r = rand();
    const severity = SEVERITIES.find(([, p]) => r < p)![0];
    const svc = pick(services);
    const two = rand() < 0.25 ? services[svc.teamIdx * 5 + (((services.indexOf(svc) % 5) + 1) % 5)]! : null;
    const alerts = rand() < 0.85 ? between(1, 7) : 0;
    incs.push({
      id: '',
      at,
      firstAlertAt: alerts ? at - between(MIN, 15 * MIN) : null,
      alerts,
      severity,
      services: two ? [svc, two] : [svc],
    });
  }
  incs.sort((a, b) => a.at - b.at);
  for (const inc of incs) inc.id = idAt('inc', inc.at);
  log(`  [${target.engine}] incidents in memory; writing ${nIncidents} incidents and their rooms`);
  const recentSince = now - 90 * DAY;
  let recurringIncidentId = '';
  const lastBySvc = new Map<string, Inc>();
  for (let n = 0; n < incs.length; n++) {
    const inc = incs[n]!;
    const kindR = rand();
    const kind = kindR < 0.03 ? 'drill' : kindR < 0.05 ? 'imported' : 'real';
    const open = n >= incs.length - 20;
    const ack = rand() < 0.97 ? inc.at + between(MIN, 20 * MIN) : null;
    const mitigated = open ? null : inc.at + between(10 * MIN, 6 * 3_600_000);
    const resolved = open || mitigated === null ? null : mitigated + between(5 * MIN, 24 * 3_600_000);
    const detected = inc.firstAlertAt ?? inc.at;
    const team = teams[inc.services[0]!.teamIdx]!;
    await add('incidents', {
      id: inc.id,
      title: `${inc.services[0]!.rules[n % 8]} degraded`,
      summary: '',
      severity: inc.severity,
      status: open ? 'investigating' : 'resolved',
      declared_by_user_id: team.users[0]!,
      declared_by_label: 'Person',
      declared_at: inc.at,
      updated_at: resolved ?? inc.at,
      impact_started_at: detected - between(0, 20 * MIN),
      detected_at: detected,
      acknowledged_at: ack,
      mitigated_at: mitigated,
      resolved_at: resolved,
      suspected_change_id: null,
      timer_generation: 0,
      last_event_seq: 0,
      kind,
    });
    for (const s of inc.services)
      await add('incident_services', { incident_id: inc.id, service_id: s.id, created_at: inc.at });
    const prev = lastBySvc.get(inc.services[0]!.id);
    if (prev && rand() < 0.02) {
      await add('incident_links', {
        incident_id: inc.id,
        related_incident_id: prev.id,
        kind: 'same_as',
        note: 'same as last time',
        created_by_label: 'Person',
        created_at: inc.at + 30 * MIN,
      });
    }
    lastBySvc.set(inc.services[0]!.id, inc);
    // The room: people joining and acting, a commander (usually), status updates.
    const people = between(1, inc.severity === 'P1' ? 9 : 5);
    let seq = 0;
    const ev = async (at: number, kindE: string, userId: string, body: string) => {
      seq++;
      await add('incident_events', {
        id: idAt('iev', at),
        incident_id: inc.id,
        seq,
        at,
        kind: kindE,
        actor_user_id: userId,
        actor_label: 'Person',
        body,
        details: '{}',
        is_flagged: 0,
      });
    };
    for (let p = 0; p < people; p++) {
      const userId = team.users[(n + p) % 8]!;
      const joined = inc.at + p * between(MIN, 6 * MIN);
      await add('incident_participants', {
        incident_id: inc.id,
        user_id: userId,
        first_joined_at: joined,
        last_joined_at: joined,
        join_count: 1,
        via: 'join',
      });
      await ev(joined, 'joined', userId, '');
      await ev(joined + 2 * MIN, 'note', userId, 'Looking at the dashboards.');
    }
    if (rand() < 0.85) {
      const icAt = inc.at + between(2 * MIN, 30 * MIN);
      await add('role_assignments', {
        id: idAt('rol', icAt),
        incident_id: inc.id,
        role: 'commander',
        user_id: team.users[n % 8]!,
        started_at: icAt,
        ended_at: resolved,
        assigned_by_label: 'Person',
        ended_by_label: null,
      });
      await ev(icAt, 'role_assigned', team.users[n % 8]!, 'commander');
    }
    await ev(inc.at + 10 * MIN, 'status_update', team.users[n % 8]!, 'Investigating.');
    if (!recurringIncidentId && inc.at >= recentSince && prev && prev.at > inc.at - 60 * DAY)
      recurringIncidentId = inc.id;
  }
  await w.exec(
    target.engine === 'postgres'
      ? `update incidents set last_event_seq = (select count(*) from incident_events e where e.incident_id = incidents.id)`
      : `update incidents set last_event_seq = (select count(*) from incident_events e where e.incident_id = incidents.id)`,
  );

  // Post-mortems on P1/P2 incidents spread over the five years, with action items and contributing factors.
  const big = incs.filter((i) => (i.severity === 'P1' || i.severity === 'P2') && i.at < now - 14 * DAY);
  const every = Math.max(1, Math.floor(big.length / nPostmortems));
  let pms = 0;
  for (let k = 0; k < big.length && pms < nPostmortems; k += every, pms++) {
    const inc = big[k]!;
    const team = teams[inc.services[0]!.teamIdx]!;
    const created = inc.at + DAY;
    const status = rand() < 0.7 ? 'published' : rand() < 0.5 ? 'in_review' : 'draft';
    const pmId = idAt('pm', created);
    await add('postmortems', {
      id: pmId,
      incident_id: inc.id,
      template_id: templ.id,
      template_sections: templ.sections,
      title: 'Post-mortem',
      status,
      owner_user_id: team.users[1]!,
      due_at: created + 7 * DAY,
      is_required: 1,
      sections: JSON.stringify({ summary: 'What happened.' }),
      impact: '{}',
      public_summary: null,
      public_summary_published_at: null,
      revision: 1,
      created_by_label: 'Muster',
      created_at: created,
      updated_at: created + 5 * DAY,
      review_requested_at: status === 'draft' ? null : created + 4 * DAY,
      published_at: status === 'published' ? created + between(2, 20) * DAY : null,
      reminded_at: null,
    });
    for (let a = 0; a < 3; a++) {
      const st = pick(['open', 'in_progress', 'done', 'done', 'verified', 'wont_do']);
      const doneAt = st === 'done' || st === 'verified' ? created + between(3, 60) * DAY : null;
      await add('action_items', {
        id: idAt('act', created),
        postmortem_id: pmId,
        incident_id: inc.id,
        title: `Fix ${a + 1}`,
        description: '',
        owner_user_id: team.users[(a + 2) % 8]!,
        team_id: team.id,
        due_at: created + between(7, 90) * DAY,
        priority: pick(['high', 'medium', 'low']),
        kind: pick(['mitigate', 'prevent', 'detect', 'process']),
        status: st,
        status_reason: null,
        verification: null,
        verification_alert_rule: null,
        source_section: null,
        source_why_id: null,
        tracker_provider: null,
        tracker_key: null,
        tracker_url: null,
        created_by_user_id: null,
        created_by_label: 'Person',
        created_at: created,
        updated_at: doneAt ?? created,
        done_at: doneAt,
        verified_at: st === 'verified' ? doneAt! + DAY : null,
        reminded_at: null,
        overdue_notified_at: null,
        tracker_status: null,
        tracker_error: null,
      });
    }
    for (const f of [pick(factors), pick(factors)].filter((x, i, xs) => xs.indexOf(x) === i)) {
      await add('postmortem_factors', {
        postmortem_id: pmId,
        factor_id: f.id,
        why_id: null,
        note: '',
        created_at: created,
      });
    }
  }

  // Alerts: background ones at an even pace, an incident's alerts at its first alert's time.
  const dropped = await w.dropIndexes('alerts');
  const linked = incs.reduce((s, i) => s + i.alerts, 0);
  const nBackground = nAlerts - linked;
  const step = (now - start) / nBackground;
  const byFirstAlert = incs.filter((i) => i.firstAlertAt !== null).sort((a, b) => a.firstAlertAt! - b.firstAlertAt!);
  let ip = 0;
  let k = 0;
  log(`  [${target.engine}] writing ${nAlerts} alerts (${linked} linked to incidents)`);
  const alert = async (t: number, svc: Svc, paging: boolean, incidentId: string | null, group = pick(svc.groups)) => {
    const id = idAt('alt', t);
    const dur = between(MIN, 3 * 3_600_000);
    const ackAt = paging && rand() < 0.9 ? t + between(30_000, 30 * MIN) : null;
    const ackBy = ackAt ? onCall(svc.teamIdx, t) : null;
    const classified = rand() < 0.2;
    const classification = !classified
      ? null
      : noisy.has(group.rule)
        ? rand() < 0.8
          ? 'not_actionable'
          : 'false_positive'
        : rand() < 0.85
          ? 'actionable'
          : 'not_actionable';
    await add('alerts', {
      id,
      service_id: svc.id,
      group_id: group.id,
      integration_key_id: null,
      source: 'alertmanager',
      dedup_key: `${group.key}/${k % 997}`,
      open_key: null,
      status: 'resolved',
      severity: paging ? 'critical' : 'warning',
      summary: `${group.rule} on host-${k % 50}`,
      description: '',
      labels: `{"alertname":"${group.rule}","instance":"host-${k % 50}"}`,
      annotations: '{}',
      context: '[]',
      is_paging: paging ? 1 : 0,
      has_runbook: 0,
      source_starts_at: t,
      first_seen_at: t,
      last_seen_at: t + dur,
      occurrence_count: 1,
      acknowledged_at: ackAt,
      acknowledged_by_user_id: ackBy,
      acknowledged_by_label: ackBy ? 'Person' : null,
      resolved_at: t + dur,
      resolved_by_user_id: null,
      resolved_by_label: 'alertmanager',
      classification,
      classification_note: null,
      created_at: t,
      updated_at: t + dur,
      rule_key: group.rule,
      is_flapping: 0,
      suppressed_reason: null,
      suppressed_by_id: null,
      suppressed_until: null,
      paged_at: paging ? t : null,
    });
    if (incidentId)
      await add('incident_alerts', { incident_id: incidentId, alert_id: id, linked_at: t, linked_by_label: 'Muster' });
    if (paging) {
      const runId = idAt('erun', t);
      await add('escalation_runs', {
        id: runId,
        alert_id: id,
        policy_id: teams[svc.teamIdx]!.policyId,
        snapshot: snapshots[svc.teamIdx]!,
        urgency: 'high',
        status: 'stopped',
        generation: 1,
        level_index: 0,
        pass: 0,
        next_step_at: null,
        started_at: t,
        updated_at: t + dur,
      });
      await add('escalation_log', {
        id: idAt('elog', t),
        run_id: runId,
        alert_id: id,
        at: t,
        kind: 'paged',
        level_index: 0,
        pass: 0,
        user_ids: JSON.stringify([onCall(svc.teamIdx, t)]),
        reason: 'level 1: on call',
      });
    }
  };
  for (k = 0; k < nBackground; k++) {
    const t = start + (k + rand()) * step;
    while (ip < byFirstAlert.length && byFirstAlert[ip]!.firstAlertAt! <= t) {
      const inc = byFirstAlert[ip++]!;
      // An incident's alerts: one rule (and its group) per affected service, from that service's long tail, so
      // about a quarter of incidents share a rule with an earlier one on their service within 90 days.
      const groups = inc.services.map((s) => pick(s.incidentGroups));
      for (let a = 0; a < inc.alerts; a++) {
        const n = a % inc.services.length;
        const paging = inc.severity <= 'P2' || rand() < 0.3;
        await alert(inc.firstAlertAt! + a * 30_000, inc.services[n]!, paging, inc.id, groups[n]);
      }
    }
    await alert(Math.floor(t), services[k % services.length]!, rand() < 0.04, null);
    if (k % 500_000 === 0 && k > 0) log(`  [${target.engine}] ${k} alerts…`);
  }
  log(`  [${target.engine}] building the alerts indexes again`);
  for (const d of dropped) await w.exec(d);
  // incidents.first_alert_at (migration 0026) as linkAlert keeps it: the rows above are written directly.
  await w.exec(`update incidents set first_alert_at = (select min(a.first_seen_at) from incident_alerts ia
    join alerts a on a.id = ia.alert_id where ia.incident_id = incidents.id)
    where exists (select 1 from incident_alerts ia where ia.incident_id = incidents.id)`);
  await w.close();
  const generatedSeconds = Math.round((performance.now() - t0) / 100) / 10;
  const last = incs.at(-1)!;
  return {
    engine: target.engine,
    scale: SCALE,
    now,
    generatedSeconds,
    counts,
    teamId: teams[0]!.id,
    serviceId: services[0]!.id,
    recurringIncidentId: recurringIncidentId || last.id,
    commit,
  };
}

/** Bytes on disk: the SQLite file (+ WAL), or pg_database_size. */
export async function sizeOnDisk(target: SeedTarget): Promise<number> {
  if (target.engine === 'sqlite') {
    let n = 0;
    for (const f of ['muster.db', 'muster.db-wal']) {
      const p = join(target.dataDir, f);
      if (existsSync(p)) n += statSync(p).size;
    }
    return n;
  }
  const c = new pg.Client({ connectionString: target.databaseUrl });
  await c.connect();
  try {
    const r = await c.query<{ n: string }>('select pg_database_size(current_database()) as n');
    return Number(r.rows[0]!.n);
  } finally {
    await c.end();
  }
}

export function readMeta(file: string): SeedMeta | null {
  return existsSync(file) ? (JSON.parse(readFileSync(file, 'utf8')) as SeedMeta) : null;
}
export function writeMeta(file: string, meta: SeedMeta): void {
  mkdirSync(join(file, '..'), { recursive: true });
  writeFileSync(file, JSON.stringify(meta, null, 2));
}
