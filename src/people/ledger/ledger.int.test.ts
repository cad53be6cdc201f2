import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { ENGINES } from '../../db/testing/index.js';
import { FakeClock } from '../../shared/clock.js';
import { newId } from '../../shared/ids.js';
import { startTestMuster, type TestMuster } from '../../testing/server.js';

interface Warning {
  code: string;
  userId?: string;
  incidents?: { id: string }[];
}
interface Detail {
  incident: { id: string };
  warnings: Warning[];
}
interface Ev {
  kind: string;
  isFlagged: boolean;
  details: Record<string, unknown>;
}

async function waitFor<T>(fn: () => Promise<T | undefined>, ms = 10_000): Promise<T> {
  const deadline = Date.now() + ms;
  for (;;) {
    const v = await fn();
    if (v !== undefined) return v;
    if (Date.now() > deadline) throw new Error('timed out waiting');
    await new Promise((r) => setTimeout(r, 50));
  }
}

// Saturday 2026-11-07 10:00 UTC: outside working hours for people in UTC (on-call health's windows).
const SATURDAY_10 = Date.parse('2026-11-07T10:00:00Z');

for (const engine of ENGINES) {
  describe(`people ledger [${engine}]`, () => {
    let t: TestMuster;
    const clock = new FakeClock(SATURDAY_10);
    const users: Record<string, string> = {};
    const tokens: Record<string, string> = {};
    let team = '';
    let service = '';

    before(async () => {
      t = await startTestMuster(engine, {}, { clock });
      team = (await t.api<{ id: string }>('POST', '/api/teams', { name: 'Payments' })).body.id;
      const svc = await t.api<{ id: string }>('POST', '/api/services', { teamId: team, name: 'Checkout' });
      assert.equal(svc.status, 201, JSON.stringify(svc.body));
      service = svc.body.id;
      for (const name of ['Ida', 'Tom', 'Cora', 'Dan', 'Eve', 'Finn', 'Gus']) {
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
    after(async () => t.stop());

    const declare = async (title: string, severity = 'P1'): Promise<string> => {
      const r = await t.api<Detail>('POST', '/api/incidents', { title, severity });
      assert.equal(r.status, 201, JSON.stringify(r.body));
      const id = r.body.incident.id;
      assert.equal((await t.api('POST', `/api/incidents/${id}/services`, { serviceId: service })).status, 200);
      return id;
    };
    const timeline = async (id: string) =>
      (await t.api<{ events: Ev[] }>('GET', `/api/incidents/${id}/timeline`)).body.events;

    it('warns double_booked on assignment and join, and flags one IC of two open P1s once per pair', async () => {
      const first = await declare('Card payments failing');
      const second = await declare('Refunds stuck', 'P2');
      const ida = users.Ida!;
      assert.equal((await t.api('PUT', `/api/incidents/${first}/roles/ic`, { userId: ida })).status, 200);
      const r = await t.api<Detail>('PUT', `/api/incidents/${second}/roles/ic`, { userId: ida });
      assert.equal(r.status, 200);
      const booked = r.body.warnings.find((w) => w.code === 'double_booked');
      assert.ok(booked, JSON.stringify(r.body.warnings));
      assert.equal(booked.userId, ida);
      assert.deepEqual(
        booked.incidents?.map((i) => i.id),
        [first],
      );
      const engaged = await t.api<{ incidents: { incidentId: string; roles: string[] }[] }>(
        'GET',
        `/api/users/${ida}/engagements`,
      );
      assert.deepEqual(engaged.body.incidents.map((i) => i.incidentId).sort(), [first, second].sort());

      // The job flags both timelines; a severity change enqueues the check again, which adds nothing.
      for (const id of [first, second]) {
        await waitFor(async () =>
          (await timeline(id)).some((e) => e.kind === 'double_command') ? true : undefined,
        ).catch(async (e: unknown) => {
          const jobs = await t.muster.services.db.kysely
            .selectFrom('jobs')
            .selectAll()
            .where('kind', '=', 'people.doubleCommand')
            .execute();
          throw new Error(`${String(e)} ${JSON.stringify(jobs)}`);
        });
      }
      const again = await t.api('POST', `/api/incidents/${second}/severity`, { severity: 'P1', reason: 'worse' });
      assert.equal(again.status, 200);
      await waitFor(async () => {
        const jobs = await t.muster.services.db.kysely
          .selectFrom('jobs')
          .select('status')
          .where('kind', '=', 'people.doubleCommand')
          .execute();
        return jobs.length >= 2 && jobs.every((j) => j.status === 'succeeded') ? true : undefined;
      });
      for (const id of [first, second]) {
        const flagged = (await timeline(id)).filter((e) => e.kind === 'double_command');
        assert.equal(flagged.length, 1, 'once per pair');
        assert.equal(flagged[0]!.isFlagged, true);
      }

      // Joining the second room as Tom, who is TL of the first: double_booked.
      assert.equal((await t.api('PUT', `/api/incidents/${first}/roles/tl`, { userId: users.Tom })).status, 200);
      const join = await t.api<{ warnings: Warning[] }>('POST', `/api/incidents/${second}/join`, undefined, tokens.Tom);
      assert.equal(join.status, 200, JSON.stringify(join.body));
      assert.deepEqual(
        join.body.warnings.map((w) => w.code),
        ['double_booked'],
      );
      for (const id of [first, second]) {
        await t.api('POST', `/api/incidents/${id}/status`, { status: 'resolved' });
      }
    });

    it('refuses a second role on a P1 without a reason, records the override and counts it per team', async () => {
      const id = await declare('Ledger out of balance');
      await t.api('PUT', `/api/incidents/${id}/roles/ic`, { userId: users.Cora });
      const refused = await t.api<{ error: { code: string } }>('PUT', `/api/incidents/${id}/roles/cl`, {
        userId: users.Cora,
      });
      assert.equal(refused.status, 409);
      assert.equal(refused.body.error.code, 'roles_not_distinct');
      const blank = await t.api('PUT', `/api/incidents/${id}/roles/cl`, { userId: users.Cora, overrideReason: '  ' });
      assert.equal(blank.status, 409, 'a blank reason is no reason');
      const ok = await t.api('PUT', `/api/incidents/${id}/roles/cl`, {
        userId: users.Cora,
        overrideReason: 'Night shift: Cora is alone',
      });
      assert.equal(ok.status, 200);
      const ev = (await timeline(id)).filter((e) => e.kind === 'role_separation_override');
      assert.equal(ev.length, 1);
      assert.equal(ev[0]!.isFlagged, true);
      assert.equal(ev[0]!.details.reason, 'Night shift: Cora is alone');
      // P3 does not require distinct roles: no refusal.
      const p3 = await declare('Slow report', 'P3');
      await t.api('PUT', `/api/incidents/${p3}/roles/ic`, { userId: users.Dan });
      assert.equal((await t.api('PUT', `/api/incidents/${p3}/roles/tl`, { userId: users.Dan })).status, 200);

      const counts = await t.api<{ teams: { teamId: string; overrides: number; incidents: number }[] }>(
        'GET',
        `/api/insights/role-overrides?teamId=${team}`,
      );
      assert.deepEqual(counts.body.teams, [{ teamId: team, name: 'Payments', overrides: 1, incidents: 1 }]);
      await t.api('POST', `/api/incidents/${id}/status`, { status: 'resolved' });
      await t.api('POST', `/api/incidents/${p3}/status`, { status: 'resolved' });
    });

    it('accrues comp time from a fixed history, idempotently; time off, balance and CSV', async () => {
      // 1.5 × the hours outside working hours, a page at least 30 minutes.
      const policy = await t.api('PUT', `/api/teams/${team}/comp-time-policy`, {
        kind: 'hours_factor',
        factor: 1.5,
        minimumHours: 0.5,
      });
      assert.equal(policy.status, 200, JSON.stringify(policy.body));
      clock.set(Date.parse('2026-11-14T10:00:00Z')); // the next Saturday, 10:00 UTC
      const id = await declare('Checkout timeouts', 'P2');
      await t.api('PUT', `/api/incidents/${id}/roles/ic`, { userId: users.Eve });
      clock.set(Date.parse('2026-11-14T12:00:00Z'));
      await t.api('POST', `/api/incidents/${id}/status`, { status: 'resolved' });
      // Eve: IC from 10:00 to 12:00 on a Saturday = 2 h outside working hours × 1.5 = 3 h.
      const eveEntry = await waitFor(async () => {
        const l = await t.api<{ entries: { userId: string; hours: number; kind: string; incidentId: string }[] }>(
          'GET',
          `/api/teams/${team}/comp-time`,
        );
        return l.body.entries.find((e) => e.userId === users.Eve && e.incidentId === id);
      });
      assert.equal(eveEntry.hours, 3);
      assert.equal(eveEntry.kind, 'incident');
      // The accrual again over the same window: nothing new.
      const ledger = t.muster.services.peopleLedger;
      const from = Date.parse('2026-11-13T00:00:00Z');
      const to = Date.parse('2026-11-15T00:00:00Z');
      assert.equal(await ledger.accrue(team, from, to), 0);
      assert.equal(await ledger.accrue(team, from, to), 0);

      // Time off: Eve herself; Finn may not record Eve's.
      const byFinn = await t.api(
        'POST',
        `/api/teams/${team}/comp-time`,
        { userId: users.Eve, hours: 1, takenOn: '2026-11-16' },
        tokens.Finn,
      );
      assert.equal(byFinn.status, 403);
      const byEve = await t.api(
        'POST',
        `/api/teams/${team}/comp-time`,
        { userId: users.Eve, hours: 1, takenOn: '2026-11-16', note: 'Monday morning off' },
        tokens.Eve,
      );
      assert.equal(byEve.status, 201, JSON.stringify(byEve.body));
      clock.set(Date.parse('2026-11-17T12:00:00Z'));
      const l = await t.api<{
        balances: { userId: string; accruedHours: number; takenHours: number; balanceHours: number }[];
      }>('GET', `/api/teams/${team}/comp-time`);
      const eve = l.body.balances.find((b) => b.userId === users.Eve);
      assert.deepEqual(eve && { a: eve.accruedHours, t: eve.takenHours, b: eve.balanceHours }, { a: 3, t: 1, b: 2 });
      const csv = await t.api<string>('GET', `/api/teams/${team}/comp-time.csv`);
      assert.equal(csv.status, 200);
      assert.match(csv.headers.get('content-type') ?? '', /text\/csv/);
      const lines = csv.body.split('\r\n');
      assert.equal(lines[0], 'date,person,user_id,kind,hours,incident_id,note');
      assert.ok(lines.includes(`2026-11-14,Eve,${users.Eve},incident,3,${id},Checkout timeouts`), csv.body);
      assert.ok(lines.includes(`2026-11-16,Eve,${users.Eve},time_off,-1,,Monday morning off`), csv.body);
    });

    it('takes one anonymous answer per invitation and shows a quarter only from 5 answers', async () => {
      const id = await declare('Settlement delayed', 'P2');
      const people = ['Ida', 'Tom', 'Cora', 'Dan', 'Eve'] as const;
      const roles = ['ic', 'tl', 'cl'] as const;
      for (let i = 0; i < 3; i++) {
        const r = await t.api('PUT', `/api/incidents/${id}/roles/${roles[i]}`, { userId: users[people[i]!] });
        assert.equal(r.status, 200, JSON.stringify(r.body));
      }
      for (const who of ['Dan', 'Eve'] as const) {
        assert.equal(
          (await t.api('POST', `/api/incidents/${id}/notes`, { text: `${who} here` }, tokens[who])).status,
          201,
        );
      }
      await t.api('POST', `/api/incidents/${id}/status`, { status: 'resolved' });
      const mine = await t.api<{ invited: boolean; answered: boolean }>(
        'GET',
        `/api/incidents/${id}/pulse`,
        undefined,
        tokens.Ida,
      );
      assert.deepEqual(mine.body, { invited: true, answered: false });
      const gus = await t.api('POST', `/api/incidents/${id}/pulse`, { safe: 5, calm: 5, roleClear: 5 }, tokens.Gus);
      assert.equal(gus.status, 404, 'no invitation, no answer');
      const bad = await t.api<{ error: { details: { field: string }[] } }>(
        'POST',
        `/api/incidents/${id}/pulse`,
        { safe: 6, calm: 5, roleClear: 5 },
        tokens.Ida,
      );
      assert.equal(bad.status, 400);

      const scores: [number, number, number, string?][] = [
        [5, 4, 3, 'Zero blame, thanks'],
        [4, 4, 4],
        [3, 2, 5, 'Too many cooks'],
        [5, 3, 4],
      ];
      for (let i = 0; i < 4; i++) {
        const [safe, calm, roleClear, text] = scores[i]!;
        const r = await t.api(
          'POST',
          `/api/incidents/${id}/pulse`,
          { safe, calm, roleClear, text },
          tokens[people[i]!],
        );
        assert.equal(r.status, 200, JSON.stringify(r.body));
      }
      const twice = await t.api('POST', `/api/incidents/${id}/pulse`, { safe: 1, calm: 1, roleClear: 1 }, tokens.Ida);
      assert.equal(twice.status, 409);
      type Summary = {
        quarters: {
          quarter: string;
          suppressed: boolean;
          answers?: number;
          safe?: { mean: number; counts: number[] };
          comments?: string[];
        }[];
      };
      let s = await t.api<Summary>('GET', `/api/teams/${team}/pulse`);
      const q4 = () => s.body.quarters.find((q) => q.quarter === '2026-Q4')!;
      assert.deepEqual(q4(), {
        quarter: '2026-Q4',
        from: '2026-10-01T00:00:00.000Z',
        to: '2027-01-01T00:00:00.000Z',
        suppressed: true,
      });
      assert.equal(
        (
          await t.api(
            'POST',
            `/api/incidents/${id}/pulse`,
            { safe: 2, calm: 3, roleClear: 4, text: 'All good' },
            tokens.Eve,
          )
        ).status,
        200,
      );
      s = await t.api<Summary>('GET', `/api/teams/${team}/pulse`);
      assert.equal(q4().suppressed, false);
      assert.equal(q4().answers, 5);
      // safe: 5, 4, 3, 5, 2 → mean 3.8; counts of 1..5 = 0, 1, 1, 1, 2.
      assert.deepEqual(q4().safe, { mean: 3.8, counts: [0, 1, 1, 1, 2] });
      assert.deepEqual(q4().comments, ['All good', 'Too many cooks', 'Zero blame, thanks']);

      // Anonymity: the stored answer has no person, incident or time of day; ids carry no order; nothing else names it.
      const db = t.muster.services.db.kysely;
      const rows = await db.selectFrom('pulseAnswers').selectAll().orderBy('id').execute();
      assert.equal(rows.length, 5);
      assert.deepEqual(Object.keys(rows[0]!).sort(), ['calm', 'day', 'id', 'roleClear', 'safe', 'teamId', 'text']);
      for (const r of rows) {
        assert.match(r.id, /^pa_[0-9a-f]{24}$/);
        assert.equal(r.day, '2026-11-17');
      }
      const audit = await db.selectFrom('auditEvents').selectAll().execute();
      const jobs = await db.selectFrom('jobs').select(['kind', 'payload']).execute();
      for (const text of ['Zero blame', 'Too many cooks', 'All good']) {
        assert.ok(!JSON.stringify(audit).includes(text), 'no audit entry carries an answer');
        assert.ok(!JSON.stringify(jobs).includes(text), 'no job payload carries an answer');
      }
      assert.ok(!audit.some((a) => a.action.includes('pulse')), 'answering is not audited');
      assert.ok(!jobs.some((j) => j.kind.includes('pulse')), 'no job for the pulse');
      // An incident page never shows answers: the detail and the caller's pulse say only invited/answered.
      const detail = await t.api('GET', `/api/incidents/${id}`);
      for (const text of ['Zero blame', 'Too many cooks']) assert.ok(!JSON.stringify(detail.body).includes(text));
    });

    /** A team of its own with a policy, so the entries above do not mix in. */
    const ownTeam = async (name: string, policy: Record<string, unknown>) => {
      const id = (await t.api<{ id: string }>('POST', '/api/teams', { name })).body.id;
      const svc = await t.api<{ id: string }>('POST', '/api/services', { teamId: id, name: `${name} API` });
      assert.equal(svc.status, 201, JSON.stringify(svc.body));
      const p = await t.api('PUT', `/api/teams/${id}/comp-time-policy`, policy);
      assert.equal(p.status, 200, JSON.stringify(p.body));
      return { teamId: id, serviceId: svc.body.id };
    };
    type Entry = { userId: string; kind: string; hours: number; occurredAt: string; incidentId: string | null };
    const entriesOf = async (teamId: string) =>
      (
        await t.api<{ entries: Entry[] }>(
          'GET',
          `/api/teams/${teamId}/comp-time?from=2026-10-01T00:00:00Z&to=2026-12-01T00:00:00Z`,
        )
      ).body.entries;

    it("dates a weekend's fixed amount at Saturday 00:00 in the schedule's zone", async () => {
      const { teamId } = await ownTeam('Tokyo ops', { kind: 'weekend_fixed', weekendHours: 8 });
      const gus = users.Gus!;
      await t.api('PUT', `/api/teams/${teamId}/members/${gus}`, { role: 'responder' });
      const s = await t.api('POST', '/api/schedules', {
        teamId,
        name: 'Tokyo primary',
        timezone: 'Asia/Tokyo',
        layers: [
          {
            name: 'Always Gus',
            participants: [gus],
            turn: { unit: 'weeks', count: 1 },
            startDate: '2026-10-05',
            handoffTime: '09:00',
          },
        ],
      });
      assert.equal(s.status, 201, JSON.stringify(s.body));
      // The weekend of Saturday 7 November in Tokyo (UTC+9) runs from 2026-11-06T15:00Z to 2026-11-08T15:00Z.
      await t.muster.services.peopleLedger.accrue(
        teamId,
        Date.parse('2026-11-08T00:00:00Z'),
        Date.parse('2026-11-10T00:00:00Z'),
      );
      const weekend = (await entriesOf(teamId)).filter((e) => e.kind === 'weekend');
      const first = weekend.find((e) => e.occurredAt.startsWith('2026-11-06') || e.occurredAt.startsWith('2026-11-07'));
      assert.ok(first, JSON.stringify(weekend));
      assert.equal(first.occurredAt, '2026-11-06T15:00:00.000Z', 'Saturday 00:00 in Tokyo, not midnight UTC');
      assert.equal(first.hours, 8);
      const csv = (await t.api<string>('GET', `/api/teams/${teamId}/comp-time.csv?from=2026-11-01T00:00:00Z`)).body;
      assert.ok(csv.split('\r\n').includes(`2026-11-07,Gus,${gus},weekend,8,,On call the weekend of 2026-11-07`), csv);
    });

    it('counts a page accrued on its own once when its alert is later linked to an incident', async () => {
      const { teamId, serviceId } = await ownTeam('Ledger ops', { kind: 'hours_factor', factor: 1, minimumHours: 0.5 });
      const finn = users.Finn!;
      const db = t.muster.services.db.kysely;
      // Saturday 21 November (UTC, Finn's zone): paged at 10:00, acknowledged, the alert resolved at 11:00.
      const at = (hhmm: string) => Date.parse(`2026-11-21T${hhmm}:00Z`);
      const groupId = newId('agr', at('10:00'));
      const alertId = newId('alt', at('10:00'));
      await db
        .insertInto('alertGroups')
        .values({
          id: groupId,
          serviceId,
          groupKey: 'alertname=Latency',
          title: 'Latency',
          status: 'resolved',
          alertCount: 1,
          openCount: 0,
          firstAlertAt: at('10:00'),
          lastAlertAt: at('10:00'),
          resolvedAt: at('11:00'),
          createdAt: at('10:00'),
          updatedAt: at('11:00'),
        })
        .execute();
      await db
        .insertInto('alerts')
        .values({
          id: alertId,
          serviceId,
          groupId,
          integrationKeyId: null,
          source: 'generic',
          dedupKey: 'latency',
          openKey: null,
          status: 'resolved',
          severity: 'critical',
          summary: 'Ledger latency high',
          description: '',
          labels: '{}',
          annotations: '{}',
          context: '[]',
          isPaging: 1,
          hasRunbook: 0,
          sourceStartsAt: at('10:00'),
          firstSeenAt: at('10:00'),
          lastSeenAt: at('10:00'),
          occurrenceCount: 1,
          acknowledgedAt: at('10:05'),
          acknowledgedByUserId: finn,
          acknowledgedByLabel: 'Finn',
          resolvedAt: at('11:00'),
          resolvedByUserId: null,
          resolvedByLabel: 'generic',
          classification: null,
          classificationNote: null,
          createdAt: at('10:00'),
          updatedAt: at('11:00'),
          ruleKey: 'Latency',
          suppressedReason: null,
          suppressedById: null,
          suppressedUntil: null,
          pagedAt: at('10:00'),
          isDrill: 0,
        })
        .execute();
      await db
        .insertInto('escalationLog')
        .values({
          id: newId('elog', at('10:00')),
          runId: newId('erun', at('10:00')),
          alertId,
          at: at('10:00'),
          kind: 'paged',
          levelIndex: 0,
          pass: 0,
          userIds: JSON.stringify([finn]),
          reason: 'on call',
        })
        .execute();
      const ledger = t.muster.services.peopleLedger;
      // The page on its own: 10:00 to 11:00 on a Saturday = 1 h × 1.
      await ledger.accrue(teamId, at('00:00'), at('11:30'));
      assert.deepEqual(
        (await entriesOf(teamId)).map((e) => [e.kind, e.hours]),
        [['page', 1]],
      );
      // At 11:30 the alert is linked to an incident, resolved at 13:00. Finn's part runs from the page (10:00) to
      // 13:00 = 3 h outside working hours; the 1 h already accrued for the page is not counted again: 2 h.
      clock.set(at('11:30'));
      const id = await declare('Ledger latency');
      const link = await t.api('POST', `/api/incidents/${id}/alerts`, { alertId });
      assert.equal(link.status, 200, JSON.stringify(link.body));
      clock.set(at('13:00'));
      await t.api('POST', `/api/incidents/${id}/status`, { status: 'resolved' });
      await ledger.accrue(teamId, at('00:00'), at('13:30'));
      await ledger.accrue(teamId, at('00:00'), at('13:30'));
      const entries = await entriesOf(teamId);
      assert.deepEqual(entries.map((e) => [e.kind, e.hours, e.incidentId]).sort(), [
        ['incident', 2, id],
        ['page', 1, null],
      ]);
      const total = (
        await t.api<{ balances: { userId: string; accruedHours: number }[] }>(
          'GET',
          `/api/teams/${teamId}/comp-time?from=2026-10-01T00:00:00Z&to=2026-12-01T00:00:00Z`,
        )
      ).body.balances.find((b) => b.userId === finn);
      assert.equal(total?.accruedHours, 3, 'the three hours from 10:00 to 13:00, each once');
    });
  });
}
