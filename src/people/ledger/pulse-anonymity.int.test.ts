/**
 * The pulse's anonymity (docs/people-health.md, "Pulse"), on both engines: nothing — no endpoint, export, query,
 * storage order, audit entry, job or log line — ties an answer to the person who gave it or to the incident.
 *
 * - The tables: `pulse_answers` holds a random id, the team, the day and the scores, nothing else; `pulse_invitations`
 *   says only that an invitation was used (no time of answering, no answer id), and no other table refers to either.
 * - Storage: on SQLite the answers have no hidden rowid; on PostgreSQL every answer and invitation of the team carries
 *   the same `xmin` after an answer, the heap order of the team's rows in both tables is their key order (never the
 *   order of answering), and answering rewrites only the team's rows (the tables keep their files: no CLUSTER).
 *   Two answers of a team at once both succeed.
 * - An incident with a single responder: their answer changes no response of any endpoint they, an administrator or
 *   the team can read (the team's quarter stays suppressed: no count, no comment, no mean).
 * - The answer (its id, its text) appears in no response of the incident, timeline, audit log, the caller's check-ins,
 *   comp-time ledger or CSV; the team's summary shows it only inside a quarter with 5 or more answers, comments in
 *   alphabetical order.
 * - The server's log lines while answering (at trace) carry neither the text nor the scores, and none names the
 *   incident, the person or the pulse routes; the metrics count the answer by route template only.
 */
import assert from 'node:assert/strict';
import { Writable } from 'node:stream';
import { after, before, describe, it } from 'node:test';
import { sql } from 'kysely';
import { loadConfig } from '../../config/index.js';
import { ENGINES, createTestDatabase, type TestDatabase } from '../../db/testing/index.js';
import { systemActor } from '../../identity/index.js';
import { startMuster, type Muster } from '../../server.js';
import { FakeClock } from '../../shared/clock.js';
import { createLogger } from '../../shared/logger.js';
import { ADMIN_EMAIL, ADMIN_PASSWORD, apiFor, type ApiCall } from '../../testing/server.js';

const SECRET = 'I was afraid to ask for help';

for (const engine of ENGINES) {
  describe(`pulse anonymity [${engine}]`, () => {
    // The server as startTestMuster makes it, but logging everything (trace) into `logs`.
    let t: { muster: Muster; api: ApiCall };
    let tdb: TestDatabase;
    const logs: string[] = [];
    const clock = new FakeClock(Date.parse('2026-11-18T09:00:00Z'));
    const users: Record<string, string> = {};
    const tokens: Record<string, string> = {};
    let team = '';
    let service = '';

    before(async () => {
      tdb = await createTestDatabase(engine);
      const config = loadConfig({
        env: {},
        overrides: {
          host: '127.0.0.1',
          port: 0,
          dataDir: tdb.dataDir,
          databaseUrl: tdb.databaseUrl,
          logLevel: 'trace',
          adminEmail: ADMIN_EMAIL,
          adminPassword: ADMIN_PASSWORD,
          'jobs.pollIntervalMs': 50,
        },
      });
      const sink = new Writable({
        write(chunk: Buffer, _enc, done) {
          logs.push(chunk.toString());
          done();
        },
      });
      const muster = await startMuster(config, { log: createLogger({ level: 'trace', destination: sink }), clock });
      const admin = await muster.services.identity.findUserByEmail(ADMIN_EMAIL);
      const { token } = await muster.services.tokens.create(systemActor('test'), { userId: admin!.id, name: 'test' });
      t = { muster, api: apiFor(muster.url, token) };
      team = (await t.api<{ id: string }>('POST', '/api/teams', { name: 'Payments' })).body.id;
      service = (await t.api<{ id: string }>('POST', '/api/services', { teamId: team, name: 'Checkout' })).body.id;
      for (const name of ['Ann', 'Ben', 'Cat', 'Dov', 'Eli', 'Fay']) {
        const u = await t.api<{ user: { id: string } }>('POST', '/api/users', {
          email: `${name.toLowerCase()}@example.test`,
          name,
        });
        users[name] = u.body.user.id;
        await t.api('PUT', `/api/teams/${team}/members/${u.body.user.id}`, { role: 'responder' });
        tokens[name] = (
          await t.api<{ token: string }>('POST', '/api/tokens', { name: 't', userId: u.body.user.id })
        ).body.token;
      }
    });
    after(async () => {
      await t.muster.stop();
      await tdb.drop();
    });

    const db = () => t.muster.services.db.kysely;
    const resolvedIncident = async (title: string, responders: string[]): Promise<string> => {
      const r = await t.api<{ incident: { id: string } }>('POST', '/api/incidents', {
        title,
        severity: 'P3',
        serviceIds: [service],
      });
      assert.equal(r.status, 201, JSON.stringify(r.body));
      const id = r.body.incident.id;
      for (const who of responders) {
        const n = await t.api('POST', `/api/incidents/${id}/notes`, { text: `${who} looking` }, tokens[who]);
        assert.equal(n.status, 201, JSON.stringify(n.body));
      }
      assert.equal((await t.api('POST', `/api/incidents/${id}/status`, { status: 'resolved' })).status, 200);
      return id;
    };
    /** Everything a person or an administrator can read about the incident, the team and the caller. */
    const everything = async (incidentId: string, who: string): Promise<Record<string, unknown>> => {
      const out: Record<string, unknown> = {};
      const reads: [string, string | undefined][] = [
        [`/api/incidents/${incidentId}`, undefined],
        [`/api/incidents/${incidentId}/timeline`, undefined],
        [`/api/incidents/${incidentId}/pulse`, tokens[who]],
        [`/api/me/pulse`, tokens[who]],
        [`/api/teams/${team}/pulse`, undefined],
        [`/api/teams/${team}/pulse`, tokens[who]],
        [`/api/teams/${team}/comp-time`, undefined],
        [`/api/teams/${team}/comp-time.csv`, undefined],
        ['/api/audit-events', undefined],
        ['/api/incidents?status=all', undefined],
      ];
      for (const [path, token] of reads) {
        const r = await t.api('GET', path, undefined, token);
        assert.equal(r.status, 200, `${path}: ${JSON.stringify(r.body)}`);
        out[`${path} as ${token ? who : 'admin'}`] = r.body;
      }
      return out;
    };

    it('stores an answer with nothing that names the person, the incident or the time', async () => {
      const tables = await db().introspection.getTables();
      const answerCols = tables
        .find((x) => x.name === 'pulse_answers')!
        .columns.map((c) => c.name)
        .sort();
      assert.deepEqual(answerCols, ['calm', 'day', 'id', 'role_clear', 'safe', 'team_id', 'text']);
      const invitationCols = tables
        .find((x) => x.name === 'pulse_invitations')!
        .columns.map((c) => c.name)
        .sort();
      assert.deepEqual(invitationCols, ['answered', 'created_at', 'incident_id', 'team_id', 'user_id']);
      // No other table has a column that could point at an answer.
      for (const table of tables) {
        if (table.name.startsWith('pulse_')) continue;
        for (const c of table.columns) assert.ok(!/pulse|answer_id/.test(c.name), `${table.name}.${c.name}`);
      }
    });

    it("a single responder's answer changes nothing anyone can read but their own 'answered'", async () => {
      const id = await resolvedIncident('Settlement delayed', ['Ann']);
      const before = await everything(id, 'Ann');
      const logged = logs.length;
      const r = await t.api(
        'POST',
        `/api/incidents/${id}/pulse`,
        { safe: 2, calm: 1, roleClear: 3, text: SECRET },
        tokens.Ann,
      );
      assert.equal(r.status, 200, JSON.stringify(r.body));
      // A request after it, whose line shows that the answer's own line (if any) was written by then.
      assert.equal((await t.api('GET', '/api/me?after-the-answer')).status, 200);
      for (let i = 0; i < 200 && !logs.slice(logged).some((l) => l.includes('after-the-answer')); i++)
        await new Promise((done) => setTimeout(done, 10));
      const answering = logs.slice(logged).join('');
      assert.match(answering, /after-the-answer/, 'the request after the answer is logged');
      const afterAnswer = await everything(id, 'Ann');
      for (const key of Object.keys(before)) {
        if (key.startsWith(`/api/incidents/${id}/pulse as`) || key.startsWith('/api/me/pulse as')) continue;
        assert.deepEqual(afterAnswer[key], before[key], `${key} changed when Ann answered`);
      }
      assert.deepEqual(afterAnswer[`/api/incidents/${id}/pulse as Ann`], { invited: true, answered: true });
      assert.ok(!JSON.stringify(afterAnswer).includes(SECRET));
      const quarter = (afterAnswer[`/api/teams/${team}/pulse as admin`] as { quarters: { quarter: string }[] })
        .quarters;
      assert.deepEqual(
        quarter.find((q) => q.quarter === '2026-Q4'),
        {
          quarter: '2026-Q4',
          from: '2026-10-01T00:00:00.000Z',
          to: '2027-01-01T00:00:00.000Z',
          suppressed: true,
        },
      );
      // Logged at trace, yet no line names the incident or the check-in's routes (with the time and the caller's
      // address, the day's only answer of a team would be Ann's), nor carries the text or the scores.
      assert.ok(!answering.includes(id), `no log line names the incident: ${answering}`);
      assert.ok(!/\/pulse/.test(answering), `no log line names the pulse routes: ${answering}`);
      assert.ok(!answering.includes(tokens.Ann!.slice(0, 12)) && !answering.includes(users.Ann!), 'nor Ann');
      assert.ok(!answering.includes(SECRET), 'no log line carries the text');
      assert.ok(!/"safe"|"roleClear"|"calm"/.test(answering), 'no log line carries the scores');
      assert.ok(!logs.join('').includes(SECRET));

      // The request is counted, by route template only: no metric label carries the incident.
      const metrics = await t.muster.services.metrics.registry.metrics();
      assert.match(metrics, /method="POST",route="\/api\/incidents\/:id\/pulse",status="200"/);
      assert.ok(!metrics.includes(id), 'no metric label names the incident');

      // No job and no audit entry carries it either.
      const jobs = await db().selectFrom('jobs').select(['kind', 'payload']).execute();
      assert.ok(!JSON.stringify(jobs).includes(SECRET));
      const audit = await db().selectFrom('auditEvents').selectAll().execute();
      assert.ok(!JSON.stringify(audit).includes(SECRET));
      assert.ok(!audit.some((a) => a.action.includes('pulse')));
    });

    it('leaves no order of answering in the storage, and shows the team only from 5 answers', async () => {
      const id = await resolvedIncident('Refunds stuck', ['Ben', 'Cat', 'Dov', 'Eli', 'Fay']);
      const order = ['Ben', 'Cat', 'Dov', 'Eli', 'Fay'];
      const texts = ['zz last', 'mm middle', 'aa first', '', 'kk'];
      const fileNodes = async () =>
        engine === 'postgres'
          ? (
              await sql<{
                a: string;
                i: string;
              }>`select pg_relation_filenode('pulse_answers')::text as a, pg_relation_filenode('pulse_invitations')::text as i`.execute(
                db(),
              )
            ).rows
          : [];
      const filesBefore = await fileNodes();
      const answer = (i: number) =>
        t.api(
          'POST',
          `/api/incidents/${id}/pulse`,
          { safe: 1 + i, calm: 5 - i, roleClear: 3, ...(texts[i] ? { text: texts[i] } : {}) },
          tokens[order[i]!],
        );
      for (let i = 0; i < 3; i++) {
        const r = await answer(i);
        assert.equal(r.status, 200, JSON.stringify(r.body));
      }
      // Two answers of the team at once: they take turns, neither fails.
      for (const r of await Promise.all([answer(3), answer(4)])) assert.equal(r.status, 200, JSON.stringify(r.body));
      const ids = (await db().selectFrom('pulseAnswers').select('id').where('teamId', '=', team).execute()).map(
        (r) => r.id,
      );
      assert.equal(ids.length, 6);
      for (const x of ids) assert.match(x, /^pa_[0-9a-f]{24}$/, 'a random id, no time in it');

      if (engine === 'sqlite') {
        // No hidden rowid to order by; a plain scan returns the answers in id order.
        await assert.rejects(sql`select rowid from pulse_answers`.execute(db()), /no such column: rowid/);
        const scan = await sql<{ id: string }>`select id from pulse_answers`.execute(db());
        assert.deepEqual(
          scan.rows.map((r) => r.id),
          [...scan.rows.map((r) => r.id)].sort(),
        );
      } else {
        // One transaction id on every answer and invitation of the team: the last answer does not stand out, and the
        // invitation marked answered shares its xmin with every answer, not only with its own.
        const ax = await sql<{
          x: string;
        }>`select distinct xmin::text as x from pulse_answers where team_id = ${team}`.execute(db());
        const ix = await sql<{
          x: string;
        }>`select distinct xmin::text as x from pulse_invitations where team_id = ${team}`.execute(db());
        assert.equal(ax.rows.length, 1, JSON.stringify(ax.rows));
        assert.deepEqual(ix.rows, ax.rows);
        // Only the team's rows were rewritten, not the whole tables (no CLUSTER: no new file, no ACCESS EXCLUSIVE).
        assert.deepEqual(await fileNodes(), filesBefore, 'the tables were not rewritten whole');
        // The heap order is the key order: the random id for answers, incident and person for invitations.
        const scan = await sql<{
          id: string;
        }>`select id from pulse_answers where team_id = ${team} order by ctid`.execute(db());
        assert.deepEqual(
          scan.rows.map((r) => r.id),
          [...scan.rows.map((r) => r.id)].sort(),
        );
        const inv = await sql<{
          k: string;
        }>`select incident_id || ' ' || user_id as k from pulse_invitations where team_id = ${team} order by ctid`.execute(
          db(),
        );
        assert.deepEqual(
          inv.rows.map((r) => r.k),
          [...inv.rows.map((r) => r.k)].sort(),
        );
      }

      // Six answers in 2026-Q4 (Ann's and these five): figures, comments alphabetical, nothing per person.
      const s = await t.api<{ quarters: Record<string, unknown>[] }>('GET', `/api/teams/${team}/pulse`);
      const q4 = s.body.quarters.find((q) => q.quarter === '2026-Q4')!;
      assert.equal(q4.answers, 6);
      assert.deepEqual(q4.comments, ['aa first', SECRET, 'kk', 'mm middle', 'zz last']);
      assert.deepEqual(Object.keys(q4).sort(), [
        'answers',
        'calm',
        'comments',
        'from',
        'quarter',
        'roleClear',
        'safe',
        'suppressed',
        'to',
      ]);
      const body = JSON.stringify(s.body);
      for (const x of ids) assert.ok(!body.includes(x), 'no answer id leaves the server');
      for (const u of Object.values(users)) assert.ok(!body.includes(u), 'no person in the summary');
      assert.ok(!body.includes(id), 'no incident in the summary');
    });
  });
}
