/**
 * Responders through the HTTP API and the CLI on both engines, over a history made through the API under a fake clock
 * and worked out by hand: a P1 where three people act within five minutes with no IC (uncoordinated from the third
 * until the IC is assigned), a P3 where three act (never flagged), a P2 with an IC first (not flagged, never
 * mitigated), and a drill left uncoordinated (left out unless asked for; its period still lasts).
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { ENGINES } from '../db/testing/index.js';
import { systemActor } from '../identity/index.js';
import { DAY, FakeClock, MINUTE, toIso } from '../shared/clock.js';
import { runMuster } from '../testing/cli.js';
import { startTestMuster, type TestMuster } from '../testing/server.js';
import type { Stats } from './model.js';

interface OneIncident {
  responders: {
    userId: string;
    name: string;
    joinedAt: string | null;
    firstActedAt: string | null;
    actions: number;
    roles: string[];
  }[];
  roleHolders: number;
  acting: number;
  uncoordinated: { from: string; until: string | null; people: { userId: string; name: string }[] }[];
}
interface Report {
  filter: { from: string; to: string; severity: string | null; kinds: string[] };
  incidents: {
    id: string;
    severity: string;
    responders: number;
    roleHolders: number;
    uncoordinatedSeconds: number;
    mttmSeconds: number | null;
  }[];
  truncated: boolean;
  bySeverity: { severity: string; buckets: { responders: string; incidents: number; timeToMitigate: Stats }[] }[];
  uncoordinatedIncidents: number;
  totalIncidents: number;
}

const T0 = Date.UTC(2026, 2, 2, 9); // Monday 2 March 2026, 09:00 UTC
const WINDOW = `from=${toIso(T0 - DAY)}&to=${toIso(T0 + 7 * DAY)}`;

for (const engine of ENGINES) {
  describe(`insights: responders [${engine}]`, () => {
    let t: TestMuster;
    const clock = new FakeClock(T0);
    const u: Record<'ann' | 'bob' | 'cai' | 'dee' | 'admin', string> = {
      ann: '',
      bob: '',
      cai: '',
      dee: '',
      admin: '',
    };
    const tok: Record<string, string> = {};
    const ids = { A: '', B: '', C: '', D: '' };

    const ok = <T>(r: { status: number; body: T }, what: string): T => {
      assert.ok(r.status >= 200 && r.status < 300, `${what}: HTTP ${r.status} ${JSON.stringify(r.body)}`);
      return r.body;
    };
    const at = (minutes: number, base: number) => clock.set(base + minutes * MINUTE);
    const declare = async (who: string, body: Record<string, unknown>) =>
      ok(
        await t.api<{ incident: { id: string } }>('POST', '/api/incidents', { title: 'x', ...body }, tok[who]),
        'declare',
      ).incident.id;
    const note = async (who: string, id: string) =>
      ok(await t.api('POST', `/api/incidents/${id}/notes`, { text: `${who} looked` }, tok[who]), 'note');
    const join = async (who: string, id: string) =>
      ok(await t.api('POST', `/api/incidents/${id}/join`, undefined, tok[who]), 'join');
    const status = async (who: string, id: string, s: string) =>
      ok(await t.api('POST', `/api/incidents/${id}/status`, { status: s }, tok[who]), s);
    const commander = async (who: string, id: string, userId: string) =>
      ok(await t.api('PUT', `/api/incidents/${id}/roles/commander`, { userId }, tok[who]), 'IC');

    before(async () => {
      t = await startTestMuster(engine, {}, { clock });
      const team = ok(await t.api<{ id: string }>('POST', '/api/teams', { name: 'Shop' }), 'team').id;
      const checkout = ok(
        await t.api<{ id: string }>('POST', '/api/services', { teamId: team, name: 'checkout' }),
        'service',
      ).id;
      for (const who of ['ann', 'bob', 'cai', 'dee'] as const) {
        u[who] = ok(
          await t.api<{ user: { id: string } }>('POST', '/api/users', {
            email: `${who}@example.test`,
            name: who.toUpperCase(),
          }),
          'user',
        ).user.id;
        ok(await t.api('PUT', `/api/teams/${team}/members/${u[who]}`, { role: 'responder' }), 'member');
        tok[who] = (await t.muster.services.tokens.create(systemActor('test'), { userId: u[who], name: 't' })).token;
      }
      u.admin = ok(await t.api<{ id: string }>('GET', '/api/me'), 'me').id;
      tok.admin = t.adminToken;
      const svc = { serviceIds: [checkout] };

      // A (P1): ann declares at 0, bob joins at 1 and writes at 2, cai writes at 5 (the third person: uncoordinated
      // from 5), dee joins at 6; the admin makes dee IC at 20 (ends it); bob moves it to monitoring at 30 (mitigated:
      // 1800 s), dee resolves at 40.
      at(0, T0);
      ids.A = await declare('ann', { severity: 'P1', ...svc });
      at(1, T0);
      await join('bob', ids.A);
      at(2, T0);
      await note('bob', ids.A);
      at(5, T0);
      await note('cai', ids.A);
      at(6, T0);
      await join('dee', ids.A);
      at(20, T0);
      await commander('admin', ids.A, u.dee);
      at(30, T0);
      await status('bob', ids.A, 'monitoring');
      at(40, T0);
      await status('dee', ids.A, 'resolved');
      at(50, T0);
      await note('cai', ids.A); // after resolution: not counted (cai already acted anyway)
      await join('ann', ids.A); // after resolution: not a join

      // B (P3): ann declares, bob and cai write within 2 minutes, ann resolves at 10 (mitigated at resolution: 600 s).
      const b = T0 + DAY;
      at(0, b);
      ids.B = await declare('ann', { severity: 'P3', ...svc });
      at(1, b);
      await note('bob', ids.B);
      at(2, b);
      await note('cai', ids.B);
      at(10, b);
      await status('ann', ids.B, 'resolved');

      // C (P2): the admin declares and makes ann IC at once; bob and cai write: coordinated; never mitigated.
      const c = T0 + 2 * DAY;
      at(0, c);
      ids.C = await declare('admin', { severity: 'P2', ...svc });
      await commander('admin', ids.C, u.ann);
      at(2, c);
      await note('bob', ids.C);
      at(3, c);
      await note('cai', ids.C);

      // D (P1 drill): ann, bob and cai act within 4 minutes with no IC and it is still open.
      const d = T0 + 3 * DAY;
      at(0, d);
      ids.D = await declare('ann', { severity: 'P1', kind: 'drill', ...svc });
      at(2, d);
      await note('bob', ids.D);
      at(4, d);
      await note('cai', ids.D);
      at(34, d); // now: D has been uncoordinated for 30 minutes
    });
    after(async () => t.stop());

    it("lists one incident's responders and the period three people acted with no IC", async () => {
      const r = ok(await t.api<OneIncident>('GET', `/api/incidents/${ids.A}/responders`), 'A');
      assert.deepEqual(
        r.responders.map((p) => [p.userId, p.joinedAt, p.firstActedAt, p.actions, p.roles]),
        [
          [u.ann, null, toIso(T0), 1, []],
          [u.bob, toIso(T0 + MINUTE), toIso(T0 + 2 * MINUTE), 2, []],
          [u.cai, null, toIso(T0 + 5 * MINUTE), 1, []],
          [u.dee, toIso(T0 + 6 * MINUTE), toIso(T0 + 40 * MINUTE), 1, ['commander']],
          [u.admin, null, toIso(T0 + 20 * MINUTE), 1, []],
        ],
      );
      assert.equal(r.responders[0]!.name, 'ANN');
      assert.equal(r.acting, 5);
      assert.equal(r.roleHolders, 1);
      assert.deepEqual(r.uncoordinated, [
        {
          from: toIso(T0 + 5 * MINUTE),
          until: toIso(T0 + 20 * MINUTE),
          people: [
            { userId: u.ann, name: 'ANN' },
            { userId: u.bob, name: 'BOB' },
            { userId: u.cai, name: 'CAI' },
          ],
        },
      ]);
      const p3 = ok(await t.api<OneIncident>('GET', `/api/incidents/${ids.B}/responders`), 'B');
      assert.equal(p3.acting, 3);
      assert.deepEqual(p3.uncoordinated, [], 'a P3 is never flagged');
      const withIc = ok(await t.api<OneIncident>('GET', `/api/incidents/${ids.C}/responders`), 'C');
      assert.deepEqual(withIc.uncoordinated, [], 'an IC from the start');
      const drill = ok(await t.api<OneIncident>('GET', `/api/incidents/${ids.D}/responders`), 'D');
      assert.deepEqual(
        drill.uncoordinated.map((p) => [p.from, p.until]),
        [[toIso(T0 + 3 * DAY + 4 * MINUTE), null]],
      );
      const missing = await t.api<{ error: { code: string } }>('GET', '/api/incidents/inc_nope/responders');
      assert.equal(missing.status, 404);
      assert.equal(missing.body.error.code, 'incident_not_found');
    });

    it('gives responders against time to mitigate per severity, drills left out unless asked for', async () => {
      const r = ok(await t.api<Report>('GET', `/api/insights/responders?${WINDOW}`), 'report');
      assert.deepEqual(r.filter.kinds, ['real']);
      assert.equal(r.totalIncidents, 3);
      assert.equal(r.uncoordinatedIncidents, 1);
      assert.equal(r.truncated, false);
      assert.deepEqual(
        r.incidents.map((i) => [i.id, i.severity, i.responders, i.roleHolders, i.uncoordinatedSeconds, i.mttmSeconds]),
        [
          [ids.C, 'P2', 4, 1, 0, null],
          [ids.B, 'P3', 3, 0, 0, 600],
          [ids.A, 'P1', 5, 1, 900, 1800],
        ],
      );
      const cell = (sev: string) =>
        r.bySeverity
          .find((s) => s.severity === sev)!
          .buckets.map((b) => [b.responders, b.incidents, b.timeToMitigate.median, b.timeToMitigate.count]);
      assert.deepEqual(
        r.bySeverity.map((s) => s.severity),
        ['P1', 'P2', 'P3', 'P4'],
      );
      assert.deepEqual(cell('P1'), [
        ['1', 0, null, 0],
        ['2', 0, null, 0],
        ['3-4', 0, null, 0],
        ['5-7', 1, 1800, 1],
        ['8+', 0, null, 0],
      ]);
      assert.deepEqual(cell('P2')[2], ['3-4', 1, null, 0], 'counted, never mitigated');
      assert.deepEqual(cell('P3')[2], ['3-4', 1, 600, 1]);

      const drills = ok(
        await t.api<Report>('GET', `/api/insights/responders?${WINDOW}&includeKinds=drill&severity=P1`),
        'drills',
      );
      assert.equal(drills.filter.severity, 'P1');
      assert.deepEqual(
        drills.incidents.map((i) => [i.id, i.uncoordinatedSeconds]),
        [
          [ids.D, 1800],
          [ids.A, 900],
        ],
      );
      assert.equal(drills.uncoordinatedIncidents, 2);
      assert.deepEqual(
        drills.bySeverity.map((s) => s.severity),
        ['P1'],
      );
      assert.deepEqual(
        drills.bySeverity[0]!.buckets.map((b) => b.incidents),
        [0, 0, 1, 1, 0],
      );

      const bad = await t.api<{ error: { code: string; details: { problems: { field: string }[] } } }>(
        'GET',
        `/api/insights/responders?from=${toIso(T0)}&to=${toIso(T0 - DAY)}&includeKinds=nope`,
      );
      assert.equal(bad.status, 400);
      assert.deepEqual(bad.body.error.details.problems.map((d) => d.field).sort(), ['from', 'includeKinds']);
      const anon = await t.api('GET', `/api/insights/responders?${WINDOW}`, undefined, null);
      assert.equal(anon.status, 401);
    });

    it('prints the same through `muster insights responders`', async () => {
      const env = { MUSTER_URL: t.url, MUSTER_TOKEN: t.adminToken };
      const from = toIso(T0 - DAY);
      const to = toIso(T0 + 7 * DAY);
      const human = await runMuster(['insights', 'responders', '--from', from, '--to', to], env);
      assert.equal(human.code, 0, human.stderr);
      assert.match(human.stdout, /P1\s+5-7\s+1\s+1\s+30m\s+30m\s+30m/);
      assert.match(human.stdout, /P3\s+3-4\s+1\s+1\s+10m/);
      assert.match(human.stdout, /uncoordinated: 1 of 3 incidents/);
      assert.match(human.stdout, new RegExp(`${ids.A}\\s+P1\\s+5\\s+1\\s+15m\\s+30m`));

      const json = await runMuster(
        ['--json', 'insights', 'responders', '--from', from, '--to', to, '--severity', 'P3'],
        env,
      );
      assert.equal(json.code, 0, json.stderr);
      const report = JSON.parse(json.stdout) as Report;
      assert.deepEqual(
        report.incidents.map((i) => i.id),
        [ids.B],
      );

      const one = await runMuster(['insights', 'responders', '--incident', ids.A], env);
      assert.equal(one.code, 0, one.stderr);
      assert.match(one.stdout, /5 acting, 1 holding a role/);
      assert.match(one.stdout, /uncoordinated[\s\S]*ANN, BOB, CAI/);

      const bad = await runMuster(['insights', 'responders', '--from', 'yesterday'], env);
      assert.notEqual(bad.code, 0);
      assert.match(bad.stderr, /from/);
    });
  });
}
