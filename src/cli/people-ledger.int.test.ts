/**
 * `muster people comptime balance|take|export` and `muster people pulse summary` against a real server, on both
 * engines, over a fixed history (the server's clock is fixed; the CLI is a real child process). Worked by hand:
 * policy 1.5 × the hours outside working hours; Eve is Incident Commander of a P2 from Saturday 2026-11-14 10:00 to
 * 12:00 UTC = 2 h × 1.5 = 3 h accrued; 1 h off on Monday 16 November leaves 2 h. The pulse: five responders of one
 * incident; four answers keep 2026-Q4 suppressed, the fifth shows it (safe 5, 4, 3, 5, 2 → mean 3.8).
 */
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { ENGINES } from '../db/testing/index.js';
import { FakeClock } from '../shared/clock.js';
import { runMuster as muster } from '../testing/cli.js';
import { startTestMuster, type TestMuster } from '../testing/server.js';

async function waitFor<T>(fn: () => Promise<T | undefined>, ms = 10_000): Promise<T> {
  const deadline = Date.now() + ms;
  for (;;) {
    const v = await fn();
    if (v !== undefined) return v;
    if (Date.now() > deadline) throw new Error('timed out waiting');
    await new Promise((r) => setTimeout(r, 50));
  }
}

interface Balance {
  userId: string;
  name: string;
  accruedHours: number;
  takenHours: number;
  balanceHours: number;
}
interface Quarter {
  quarter: string;
  suppressed: boolean;
  answers?: number;
  safe?: { mean: number };
  calm?: { mean: number };
  roleClear?: { mean: number };
}

for (const engine of ENGINES) {
  describe(`muster people comptime|pulse [${engine}]`, () => {
    let t: TestMuster;
    let env: Record<string, string>;
    const clock = new FakeClock(Date.parse('2026-11-14T10:00:00Z'));
    const users: Record<string, string> = {};
    const tokens: Record<string, string> = {};
    let team = '';
    let service = '';

    before(async () => {
      t = await startTestMuster(engine, {}, { clock });
      env = { MUSTER_URL: t.url, MUSTER_TOKEN: t.adminToken };
      team = (await t.api<{ id: string }>('POST', '/api/teams', { name: 'Payments' })).body.id;
      service = (await t.api<{ id: string }>('POST', '/api/services', { teamId: team, name: 'Checkout' })).body.id;
      for (const name of ['Eve', 'Finn', 'Gus', 'Hal', 'Ivy', 'Jo']) {
        const u = await t.api<{ user: { id: string } }>('POST', '/api/users', {
          email: `${name.toLowerCase()}@example.test`,
          name,
        });
        users[name] = u.body.user.id;
        if (name !== 'Jo') await t.api('PUT', `/api/teams/${team}/members/${u.body.user.id}`, { role: 'responder' });
        tokens[name] = (
          await t.api<{ token: string }>('POST', '/api/tokens', { name: 't', userId: u.body.user.id })
        ).body.token;
      }
    });
    after(async () => t.stop());

    const declare = async (title: string, severity: string): Promise<string> => {
      const r = await t.api<{ incident: { id: string } }>('POST', '/api/incidents', {
        title,
        severity,
        serviceIds: [service],
      });
      assert.equal(r.status, 201, JSON.stringify(r.body));
      return r.body.incident.id;
    };

    it('prints balances, records time off, exports the CSV; bad input names the field', async () => {
      const policy = await t.api('PUT', `/api/teams/${team}/comp-time-policy`, {
        kind: 'hours_factor',
        factor: 1.5,
        minimumHours: 0.5,
      });
      assert.equal(policy.status, 200, JSON.stringify(policy.body));
      const id = await declare('Checkout timeouts', 'P2');
      assert.equal((await t.api('PUT', `/api/incidents/${id}/roles/ic`, { userId: users.Eve })).status, 200);
      clock.set(Date.parse('2026-11-14T12:00:00Z'));
      assert.equal((await t.api('POST', `/api/incidents/${id}/status`, { status: 'resolved' })).status, 200);
      await waitFor(async () => {
        const l = await t.api<{ entries: { userId: string; incidentId: string }[] }>(
          'GET',
          `/api/teams/${team}/comp-time`,
        );
        return l.body.entries.some((e) => e.userId === users.Eve && e.incidentId === id) ? true : undefined;
      });

      // Eve records her own hour off (no --user: the caller).
      const take = await muster(
        [
          'people',
          'comptime',
          'take',
          '--team',
          team,
          '--hours',
          '1',
          '--on',
          '2026-11-16',
          '--note',
          'Monday morning, after the weekend',
        ],
        { ...env, MUSTER_TOKEN: tokens.Eve! },
      );
      assert.equal(take.code, 0, take.stderr);
      assert.match(take.stdout, /recorded 1 h off for Eve/);

      // Finn may not record Eve's time off.
      const other = await muster(
        ['people', 'comptime', 'take', '--team', team, '--user', users.Eve!, '--hours', '1', '--on', '2026-11-17'],
        { ...env, MUSTER_TOKEN: tokens.Finn! },
      );
      assert.equal(other.code, 3, other.stderr);
      assert.match(other.stderr, /HTTP 403/);

      clock.set(Date.parse('2026-11-17T12:00:00Z'));
      const json = await muster(['people', 'comptime', 'balance', '--team', team, '--json'], env);
      assert.equal(json.code, 0, json.stderr);
      const ledger = JSON.parse(json.stdout) as { policy: { kind: string; factor: number }; balances: Balance[] };
      assert.deepEqual(ledger.policy.kind, 'hours_factor');
      assert.equal(ledger.policy.factor, 1.5);
      assert.deepEqual(ledger.balances, [
        { userId: users.Eve, name: 'Eve', accruedHours: 3, takenHours: 1, balanceHours: 2 },
      ]);
      const text = await muster(['people', 'comptime', 'balance', '--team', team], env);
      assert.equal(text.code, 0, text.stderr);
      assert.match(text.stdout, /^policy: hours_factor$/m);
      assert.match(text.stdout, /^PERSON\s+ACCRUED\s+TAKEN\s+BALANCE/im);
      assert.match(text.stdout, /^Eve\s+3\s+1\s+2\s*$/m);
      // A window before any entry: no balances.
      const empty = await muster(
        ['people', 'comptime', 'balance', '--team', team, '--from', '2026-01-01', '--to', '2026-02-01', '--json'],
        env,
      );
      assert.deepEqual((JSON.parse(empty.stdout) as { balances: Balance[] }).balances, []);

      const dir = mkdtempSync(join(tmpdir(), 'muster-comptime-'));
      const out = join(dir, 'ledger.csv');
      const exp = await muster(['people', 'comptime', 'export', '--team', team, '--out', out], env);
      assert.equal(exp.code, 0, exp.stderr);
      assert.deepEqual(readFileSync(out, 'utf8').split('\r\n'), [
        'date,person,user_id,kind,hours,incident_id,note',
        `2026-11-14,Eve,${users.Eve},incident,3,${id},Checkout timeouts`,
        `2026-11-16,Eve,${users.Eve},time_off,-1,,"Monday morning, after the weekend"`,
        '',
      ]);
      const stdout = await muster(['people', 'comptime', 'export', '--team', team], env);
      assert.equal(stdout.code, 0, stdout.stderr);
      assert.equal(stdout.stdout, readFileSync(out, 'utf8'));

      // Bad input names the field: locally (--hours, --on) and by the server (hours, userId).
      const notNumber = await muster(
        ['people', 'comptime', 'take', '--team', team, '--user', users.Eve!, '--hours', 'two', '--on', '2026-11-18'],
        env,
      );
      assert.equal(notNumber.code, 1);
      assert.match(notNumber.stderr, /--hours: give the hours taken as a number/);
      const badDay = await muster(
        ['people', 'comptime', 'take', '--team', team, '--user', users.Eve!, '--hours', '2', '--on', '18/11/2026'],
        env,
      );
      assert.equal(badDay.code, 1);
      assert.match(badDay.stderr, /--on: give the day as YYYY-MM-DD/);
      const tooMany = await muster(
        ['people', 'comptime', 'take', '--team', team, '--user', users.Eve!, '--hours', '500', '--on', '2026-11-18'],
        env,
      );
      assert.equal(tooMany.code, 1);
      assert.match(tooMany.stderr, /hours/);
      assert.match(tooMany.stderr, /HTTP 400/);
      const notMember = await muster(
        ['people', 'comptime', 'take', '--team', team, '--user', users.Jo!, '--hours', '2', '--on', '2026-11-18'],
        env,
      );
      assert.equal(notMember.code, 1);
      assert.match(notMember.stderr, /userId: This person is not a member of the team/);
      const badWindow = await muster(
        ['people', 'comptime', 'balance', '--team', team, '--from', '2026-03-01', '--to', '2026-02-01'],
        env,
      );
      assert.equal(badWindow.code, 1);
      assert.match(badWindow.stderr, /from: from must be before to/);
      // Nothing of the refused attempts reached the ledger.
      const after = await t.api<{ balances: Balance[] }>('GET', `/api/teams/${team}/comp-time`);
      assert.equal(after.body.balances[0]!.takenHours, 1);
    });

    it('prints the pulse per quarter: suppressed under 5 answers, the means from 5', async () => {
      clock.set(Date.parse('2026-11-18T09:00:00Z'));
      const id = await declare('Settlement delayed', 'P3');
      const people = ['Eve', 'Finn', 'Gus', 'Hal', 'Ivy'] as const;
      for (const who of people) {
        const n = await t.api('POST', `/api/incidents/${id}/notes`, { text: `${who} looking` }, tokens[who]);
        assert.equal(n.status, 201, JSON.stringify(n.body));
      }
      assert.equal((await t.api('POST', `/api/incidents/${id}/status`, { status: 'resolved' })).status, 200);
      const scores: [number, number, number][] = [
        [5, 4, 3],
        [4, 4, 4],
        [3, 2, 5],
        [5, 3, 4],
        [2, 3, 4],
      ];
      const summary = async () => {
        const r = await muster(['people', 'pulse', 'summary', '--team', team, '--json'], env);
        assert.equal(r.code, 0, r.stderr);
        return (JSON.parse(r.stdout) as { quarters: Quarter[] }).quarters.find((q) => q.quarter === '2026-Q4')!;
      };
      for (let i = 0; i < 4; i++) {
        const [safe, calm, roleClear] = scores[i]!;
        const r = await t.api('POST', `/api/incidents/${id}/pulse`, { safe, calm, roleClear }, tokens[people[i]!]);
        assert.equal(r.status, 200, JSON.stringify(r.body));
      }
      assert.deepEqual(await summary(), {
        quarter: '2026-Q4',
        from: '2026-10-01T00:00:00.000Z',
        to: '2027-01-01T00:00:00.000Z',
        suppressed: true,
      });
      const quiet = await muster(['people', 'pulse', 'summary', '--team', team], env);
      assert.match(quiet.stdout, /^2026-Q4\s+fewer than 5\s+-\s+-\s+-\s*$/m);

      const [safe, calm, roleClear] = scores[4]!;
      assert.equal(
        (await t.api('POST', `/api/incidents/${id}/pulse`, { safe, calm, roleClear }, tokens.Ivy)).status,
        200,
      );
      const q = await summary();
      assert.equal(q.suppressed, false);
      assert.equal(q.answers, 5);
      // safe 5+4+3+5+2 = 19 → 3.8; calm 4+4+2+3+3 = 16 → 3.2; role clear 3+4+5+4+4 = 20 → 4.
      assert.deepEqual([q.safe?.mean, q.calm?.mean, q.roleClear?.mean], [3.8, 3.2, 4]);
      const shown = await muster(['people', 'pulse', 'summary', '--team', team], env);
      assert.match(shown.stdout, /^2026-Q4\s+5\s+3\.8\s+3\.2\s+4\s*$/m);
      // Earlier quarters of the default window (the last four) have no answers: suppressed.
      const all = await muster(['people', 'pulse', 'summary', '--team', team, '--json'], env);
      const quarters = (JSON.parse(all.stdout) as { quarters: Quarter[] }).quarters;
      assert.deepEqual(
        quarters.map((x) => [x.quarter, x.suppressed]),
        [
          ['2026-Q1', true],
          ['2026-Q2', true],
          ['2026-Q3', true],
          ['2026-Q4', false],
        ],
      );
      const bad = await muster(['people', 'pulse', 'summary', '--team', team, '--from', 'yesterday'], env);
      assert.equal(bad.code, 1);
      assert.match(bad.stderr, /--from: give a date, YYYY-MM-DD or RFC 3339 \(got "yesterday"\)/);
    });
  });
}
