/**
 * Game days on a real server with a fake clock, both engines: the scenario library (built-ins read-only), a tabletop
 * from a scenario — start declares exactly one drill incident, injects arrive in the drill room at their offsets as
 * the clock moves, a live inject, expected actions ticked — halt with its reason on both timelines and the hooks
 * called after the commit, end, the idempotent debrief, the measures, access for non-members, and a recurring game
 * day's reminder and next occurrence.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { ENGINES } from '../db/testing/index.js';
import { DAY, FakeClock, SECOND } from '../shared/clock.js';
import { startTestMuster, type TestMuster } from '../testing/server.js';
import { SmtpSink } from '../testing/smtp.js';
import { until } from '../testing/fixtures.js';

interface Gameday {
  id: string;
  status: string;
  title: string;
  incidentId: string | null;
  haltReason: string | null;
  haltKind: string | null;
  scheduledAt: string | null;
  recurrence: string;
  seriesId: string | null;
  facilitator: { id: string; name: string } | null;
  injects: {
    id: string;
    offsetSeconds: number;
    body: string;
    status: string;
    deliveredAt: string | null;
    addedLive: boolean;
  }[];
  expectedActions: {
    id: string;
    body: string;
    outcome: string;
    markedAt: string | null;
    markedByLabel: string | null;
  }[];
  events: { kind: string; body: string; actorLabel: string }[];
  postmortemId: string | null;
  hypothesisOutcome: string | null;
}
interface Ev {
  kind: string;
  body: string;
  details: Record<string, unknown>;
}

for (const engine of ENGINES) {
  describe(`game days [${engine}]`, () => {
    let t: TestMuster;
    const clock = new FakeClock(Date.parse('2026-05-04T09:00:00Z'));
    const users: Record<string, string> = {};
    const tokens: Record<string, string> = {};
    let teamId: string;
    let serviceId: string;
    const hookCalls: string[] = [];
    let smtp: SmtpSink;

    const wake = () => t.muster.services.runner?.wake();
    const move = (ms: number) => {
      clock.set(clock.now() + ms);
      wake();
    };
    /** Every job due at the fake clock's now has finished: the marker before asserting that nothing happened. */
    const settled = () =>
      until('the due jobs to finish', async () => {
        const row = await t.muster.services.db.kysely
          .selectFrom('jobs')
          .select((eb) => eb.fn.countAll<number>().as('n'))
          .where('status', 'in', ['pending', 'running'])
          .where('runAt', '<=', clock.now())
          .executeTakeFirstOrThrow();
        return Number(row.n) === 0;
      });
    const get = async (id: string) => (await t.api<Gameday>('GET', `/api/gamedays/${id}`)).body;
    const timeline = async (incidentId: string) =>
      (await t.api<{ events: Ev[] }>('GET', `/api/incidents/${incidentId}/timeline`)).body.events;

    before(async () => {
      smtp = await new SmtpSink().start();
      t = await startTestMuster(
        engine,
        { 'smtp.host': '127.0.0.1', 'smtp.port': smtp.port, 'smtp.from': 'muster@example.test' },
        { clock },
      );
      teamId = (await t.api<{ id: string }>('POST', '/api/teams', { name: 'Payments' })).body.id;
      for (const [name, role] of [
        ['fran', 'responder'],
        ['ida', 'responder'],
        ['tom', 'responder'],
        ['cora', 'responder'],
        ['vic', 'viewer'],
        ['nina', null],
      ] as const) {
        const u = await t.api<{ user: { id: string } }>('POST', '/api/users', {
          email: `${name}@example.test`,
          name,
        });
        users[name] = u.body.user.id;
        tokens[name] = (
          await t.api<{ token: string }>('POST', '/api/tokens', { name: 'test', userId: u.body.user.id })
        ).body.token;
        if (role) await t.api('PUT', `/api/teams/${teamId}/members/${u.body.user.id}`, { role });
      }
      const cm = await t.api('POST', `/api/users/${users.ida}/contact-methods`, {
        kind: 'email',
        address: 'ida@example.test',
      });
      assert.equal(cm.status, 201, JSON.stringify(cm.body));
      serviceId = (await t.api<{ id: string }>('POST', '/api/services', { teamId, name: 'Checkout' })).body.id;
      t.muster.services.gamedays.setHooks({
        onStart: async (trx, id) => {
          // Inside the state change's transaction: the hook sees the new state through the trx it is given.
          const g = await trx.selectFrom('gamedays').select('status').where('id', '=', id).executeTakeFirstOrThrow();
          hookCalls.push(`start:${g.status}`);
        },
        onStop: async (trx, id, why) => {
          const g = await trx.selectFrom('gamedays').select('status').where('id', '=', id).executeTakeFirstOrThrow();
          if (why !== 'cancelled') hookCalls.push(`stop:${why}:${g.status}`);
        },
      });
    });
    after(async () => {
      await t.stop();
      await smtp.close();
    });

    it('lists the built-in scenarios with the level advice; built-ins are read-only, teams add their own', async () => {
      const list = await t.api<{ id: string; isBuiltin: boolean; level: string; advice: string }[]>(
        'GET',
        `/api/gameday-scenarios?teamId=${teamId}`,
      );
      assert.equal(list.status, 200);
      const builtins = list.body.filter((s) => s.isBuiltin);
      assert.equal(builtins.length, 8);
      assert.ok(builtins.some((s) => s.id === 'gds_slack_down' && s.level === 'live'));
      assert.match(builtins.find((s) => s.id === 'gds_disk_full')!.advice, /Start with a tabletop/);

      const refused = await t.api('PATCH', '/api/gameday-scenarios/gds_disk_full', { name: 'Mine now' }, tokens.fran);
      assert.equal(refused.status, 403);

      const own = await t.api<{ id: string; injects: { offsetSeconds: number }[] }>(
        'POST',
        '/api/gameday-scenarios',
        {
          teamId,
          name: 'Queue backlog',
          injects: [
            { offsetSeconds: 300, body: 'Queue depth 1M.' },
            { offsetSeconds: 0, body: 'Consumers lag.' },
          ],
          expectedActions: ['Scale consumers'],
        },
        tokens.fran,
      );
      assert.equal(own.status, 201, JSON.stringify(own.body));
      assert.deepEqual(
        own.body.injects.map((i) => i.offsetSeconds),
        [0, 300],
      );
      const bad = await t.api<{ error: { details: { problems: { field: string }[] } } }>(
        'POST',
        '/api/gameday-scenarios',
        { teamId, name: 'x', injects: [{ offsetSeconds: 0, body: '   ' }] },
        tokens.fran,
      );
      assert.equal(bad.status, 400);
      assert.equal(bad.body.error.details.problems[0]!.field, 'injects/0/body');
      const outsider = await t.api('POST', '/api/gameday-scenarios', { teamId, name: 'Nope' }, tokens.nina);
      assert.equal(outsider.status, 403);
      const archived = await t.api<{ archivedAt: string | null }>(
        'DELETE',
        `/api/gameday-scenarios/${own.body.id}`,
        undefined,
        tokens.fran,
      );
      assert.ok(archived.body.archivedAt);
    });

    it('runs a tabletop: one drill incident, injects on time, live inject, actions, halt, end, debrief', async () => {
      const created = await t.api<Gameday>(
        'POST',
        '/api/gamedays',
        {
          teamId,
          scenarioId: 'gds_dependency_outage',
          severity: 'P2',
          serviceIds: [serviceId],
          participants: [{ userId: users.ida }, { userId: users.tom }, { userId: users.cora }],
        },
        tokens.fran,
      );
      assert.equal(created.status, 201, JSON.stringify(created.body));
      const g = created.body;
      assert.equal(g.title, 'Payment provider outage');
      assert.equal(g.status, 'scheduled');
      assert.equal(g.facilitator?.id, users.fran);
      assert.deepEqual(
        g.injects.map((i) => i.offsetSeconds),
        [0, 420, 900],
      );
      assert.equal(g.expectedActions.length, 5);

      // A viewer of the team and someone outside it may read but not run it.
      assert.equal((await t.api('GET', `/api/gamedays/${g.id}`, undefined, tokens.nina)).status, 200);
      assert.equal((await t.api('POST', `/api/gamedays/${g.id}/start`, undefined, tokens.nina)).status, 403);
      assert.equal((await t.api('POST', `/api/gamedays/${g.id}/start`, undefined, tokens.vic)).status, 403);

      const startedAt = clock.now();
      const started = await t.api<Gameday>('POST', `/api/gamedays/${g.id}/start`, undefined, tokens.fran);
      assert.equal(started.status, 200, JSON.stringify(started.body));
      assert.equal(started.body.status, 'running');
      const incidentId = started.body.incidentId!;
      assert.ok(incidentId);
      assert.deepEqual(hookCalls, ['start:running']);
      const again = await t.api('POST', `/api/gamedays/${g.id}/start`, undefined, tokens.fran);
      assert.equal(again.status, 409);
      const drills = await t.muster.services.db.kysely
        .selectFrom('incidents')
        .select('id')
        .where('kind', '=', 'drill')
        .execute();
      assert.deepEqual(
        drills.map((d) => d.id),
        [incidentId],
      );
      const detail = await t.api<{ incident: { kind: string; title: string }; gameday: { id: string } | null }>(
        'GET',
        `/api/incidents/${incidentId}`,
      );
      assert.equal(detail.body.incident.kind, 'drill');
      assert.equal(detail.body.incident.title, 'DRILL: Payment provider outage');
      assert.equal(detail.body.gameday?.id, g.id);

      // The inject at offset 0 arrives at once; the one at 7 minutes only when the clock gets there.
      await until('first inject', async () => (await get(g.id)).injects[0]!.status === 'delivered');
      let d = await get(g.id);
      assert.equal(d.injects[0]!.deliveredAt, new Date(startedAt).toISOString());
      assert.equal(d.injects[1]!.status, 'pending');
      move(419 * SECOND);
      await settled();
      assert.equal((await get(g.id)).injects[1]!.status, 'pending');
      move(1 * SECOND);
      await until('second inject', async () => (await get(g.id)).injects[1]!.status === 'delivered');
      d = await get(g.id);
      assert.equal(d.injects[1]!.deliveredAt, new Date(startedAt + 420 * SECOND).toISOString());
      let events = await timeline(incidentId);
      assert.deepEqual(
        events.filter((e) => e.kind === 'gameday_inject').map((e) => e.body),
        ['Error rate at checkout 12%.', "The payment provider's status page says degraded."],
      );

      // A live inject, now.
      const live = await t.api<Gameday>(
        'POST',
        `/api/gamedays/${g.id}/injects`,
        { body: 'Support says customers are double charged.' },
        tokens.fran,
      );
      assert.equal(live.status, 201, JSON.stringify(live.body));
      await until('live inject', async () =>
        (await get(g.id)).injects.find((i) => i.addedLive && i.status === 'delivered'),
      );

      // The participants respond in the drill room: roles, severity, recent changes.
      for (const [role, who] of [
        ['commander', 'ida'],
        ['technical_lead', 'tom'],
        ['communications_lead', 'cora'],
      ] as const) {
        const r = await t.api('PUT', `/api/incidents/${incidentId}/roles/${role}`, { userId: users[who] }, tokens.ida);
        assert.equal(r.status, 200, JSON.stringify(r.body));
      }
      move(60 * SECOND);
      await t.api(
        'POST',
        `/api/incidents/${incidentId}/severity`,
        { severity: 'P1', reason: 'Revenue down' },
        tokens.ida,
      );
      await t.api('GET', `/api/incidents/${incidentId}/changes`, undefined, tokens.tom);

      // The facilitator ticks expected actions.
      const [first, second] = d.expectedActions;
      const marked = await t.api<Gameday>(
        'PUT',
        `/api/gamedays/${g.id}/actions/${first!.id}`,
        { outcome: 'done' },
        tokens.fran,
      );
      assert.equal(marked.status, 200, JSON.stringify(marked.body));
      assert.equal(marked.body.expectedActions[0]!.outcome, 'done');
      assert.equal(marked.body.expectedActions[0]!.markedAt, new Date(clock.now()).toISOString());
      assert.match(marked.body.expectedActions[0]!.markedByLabel!, /fran/);
      await t.api('PUT', `/api/gamedays/${g.id}/actions/${second!.id}`, { outcome: 'missed' }, tokens.fran);
      const badAction = await t.api('PUT', `/api/gamedays/${g.id}/actions/nope`, { outcome: 'done' }, tokens.fran);
      assert.equal(badAction.status, 400);

      // Halt: the reason on both timelines, pending injects skipped, the hook after the commit.
      const halted = await t.api<Gameday>(
        'POST',
        `/api/gamedays/${g.id}/halt`,
        { reason: { kind: 'abort', detail: 'A real deploy is going out' } },
        tokens.fran,
      );
      assert.equal(halted.status, 200, JSON.stringify(halted.body));
      assert.equal(halted.body.status, 'halted');
      assert.equal(halted.body.haltKind, 'abort');
      assert.match(halted.body.haltReason!, /A real deploy is going out/);
      assert.equal(halted.body.injects.find((i) => i.offsetSeconds === 900)!.status, 'skipped');
      assert.ok(halted.body.events.some((e) => e.kind === 'halted' && /real deploy/.test(e.body)));
      events = await timeline(incidentId);
      assert.ok(events.some((e) => e.kind === 'gameday_halted' && /real deploy/.test(e.body)));
      assert.deepEqual(hookCalls, ['start:running', 'stop:halted:halted']);
      // The skipped inject's job comes due and posts nothing.
      move(900 * SECOND);
      await settled();
      assert.equal((await timeline(incidentId)).filter((e) => e.kind === 'gameday_inject').length, 3);
      assert.equal(
        (await t.api('POST', `/api/gamedays/${g.id}/halt`, { reason: { detail: 'again' } }, tokens.fran)).status,
        409,
      );

      const ended = await t.api<Gameday>(
        'POST',
        `/api/gamedays/${g.id}/end`,
        { hypothesisOutcome: 'partly' },
        tokens.fran,
      );
      assert.equal(ended.status, 200, JSON.stringify(ended.body));
      assert.equal(ended.body.status, 'ended');
      assert.equal(ended.body.hypothesisOutcome, 'partly');
      assert.deepEqual(hookCalls, ['start:running', 'stop:halted:halted', 'stop:ended:ended']);
      const resolved = await t.api<{ incident: { status: string } }>('GET', `/api/incidents/${incidentId}`);
      assert.equal(resolved.body.incident.status, 'resolved');

      // The debrief: one post-mortem with the game day template, owned by the facilitator, however often asked.
      const d1 = await t.api<{ postmortemId: string }>('POST', `/api/gamedays/${g.id}/debrief`, undefined, tokens.ida);
      assert.equal(d1.status, 201, JSON.stringify(d1.body));
      const d2 = await t.api<{ postmortemId: string }>('POST', `/api/gamedays/${g.id}/debrief`, undefined, tokens.fran);
      assert.equal(d2.status, 200);
      assert.equal(d2.body.postmortemId, d1.body.postmortemId);
      const pm = await t.api<{ owner: { id: string } | null; sections: { key: string }[]; incidentId: string }>(
        'GET',
        `/api/postmortems/${d1.body.postmortemId}`,
      );
      assert.equal(pm.body.incidentId, incidentId);
      assert.equal(pm.body.owner?.id, users.fran);
      assert.ok(pm.body.sections.some((s) => s.key === 'gaps'));
      assert.equal((await get(g.id)).postmortemId, d1.body.postmortemId);
      const count = await t.muster.services.db.kysely
        .selectFrom('postmortems')
        .select('id')
        .where('incidentId', '=', incidentId)
        .execute();
      assert.equal(count.length, 1);

      // The measures.
      const m = await t.api<{
        timeToAcknowledge: number | null;
        timeToSeverity: number | null;
        timeToRoles: number | null;
        timeToRecentChanges: number | null;
        timeToMitigate: number | null;
        checklist: { done: number; total: number };
        rolesHeldByDifferentPeople: boolean | null;
        actions: { done: number; missed: number; pending: number };
        earlierDrills: unknown[];
        realIncidents: { severity: string; mtta: { count: number } };
      }>('GET', `/api/gamedays/${g.id}/measures`);
      assert.equal(m.status, 200, JSON.stringify(m.body));
      assert.equal(m.body.timeToAcknowledge, null); // a tabletop pages nobody
      assert.equal(m.body.timeToRoles, 420);
      assert.equal(m.body.timeToSeverity, 480);
      assert.equal(m.body.timeToRecentChanges, 480);
      assert.equal(m.body.rolesHeldByDifferentPeople, true);
      assert.deepEqual(m.body.actions, { done: 1, missed: 1, pending: 3 });
      assert.equal(m.body.checklist.total, 5);
      assert.equal(m.body.checklist.done, 3); // roles, severity, recent changes: declaring a drill acknowledges nothing
      assert.equal(m.body.timeToMitigate, null); // never mitigated: ending the drill resolved it
      assert.deepEqual(m.body.earlierDrills, []);
      assert.equal(m.body.realIncidents.severity, 'P2');
    });

    it('a drill resolved in the room gets no automatic post-mortem; its debrief is the game day one', async () => {
      const g = (
        await t.api<Gameday>(
          'POST',
          '/api/gamedays',
          { teamId, scenarioId: 'gds_node_loss', severity: 'P1' },
          tokens.ida,
        )
      ).body;
      const started = await t.api<Gameday>('POST', `/api/gamedays/${g.id}/start`, undefined, tokens.ida);
      const incidentId = started.body.incidentId!;
      move(30 * SECOND);
      await t.api('POST', `/api/incidents/${incidentId}/status`, { status: 'monitoring' }, tokens.ida);
      const r = await t.api('POST', `/api/incidents/${incidentId}/status`, { status: 'resolved' }, tokens.ida);
      assert.equal(r.status, 200, JSON.stringify(r.body));
      await settled();
      const pms = await t.muster.services.db.kysely
        .selectFrom('postmortems')
        .select('id')
        .where('incidentId', '=', incidentId)
        .execute();
      assert.deepEqual(pms, []);
      const debrief = await t.api<{ postmortemId: string }>(
        'POST',
        `/api/gamedays/${g.id}/debrief`,
        undefined,
        tokens.ida,
      );
      const pm = await t.muster.services.db.kysely
        .selectFrom('postmortems')
        .select('templateId')
        .where('id', '=', debrief.body.postmortemId)
        .executeTakeFirstOrThrow();
      assert.equal(pm.templateId, 'pmt_gameday');
      const m = await t.api<{ timeToMitigate: number | null; earlierDrills: { title: string }[] }>(
        'GET',
        `/api/gamedays/${g.id}/measures`,
      );
      assert.equal(m.body.timeToMitigate, 30);
      assert.deepEqual(
        m.body.earlierDrills.map((e) => e.title),
        ['Payment provider outage'],
      );
    });

    it('reminds the day before and schedules the next of a recurring series when one is cancelled', async () => {
      const scheduledAt = clock.now() + 3 * DAY;
      const created = await t.api<Gameday>(
        'POST',
        '/api/gamedays',
        {
          teamId,
          title: 'Quarterly failover',
          scheduledAt: new Date(scheduledAt).toISOString(),
          recurrence: 'quarterly',
          participants: [{ userId: users.ida }],
        },
        tokens.fran,
      );
      assert.equal(created.status, 201, JSON.stringify(created.body));
      const g = created.body;
      const noSchedule = await t.api<{ error: { details: { problems: { field: string }[] } } }>(
        'POST',
        '/api/gamedays',
        { teamId, title: 'x', recurrence: 'monthly' },
        tokens.fran,
      );
      assert.equal(noSchedule.status, 400);
      assert.equal(noSchedule.body.error.details.problems[0]!.field, 'recurrence');

      move(2 * DAY + 60 * SECOND);
      await until('reminder', async () => (await get(g.id)).events.find((e) => e.kind === 'reminded'));
      const mail = await until('reminder email', async () =>
        smtp.messages.find((m) => m.subject.includes('Game day tomorrow: Quarterly failover')),
      );
      assert.deepEqual(mail.to, ['ida@example.test']);
      assert.match(mail.text, new RegExp(`/gamedays/${g.id}`));
      // Repeating the time (a client round-tripping the form) sends nothing more; a real move says so.
      const same = await t.api('PATCH', `/api/gamedays/${g.id}`, { scheduledAt: g.scheduledAt }, tokens.fran);
      assert.equal(same.status, 200, JSON.stringify(same.body));
      const later = new Date(scheduledAt + 3600 * SECOND).toISOString();
      const moved = await t.api('PATCH', `/api/gamedays/${g.id}`, { scheduledAt: later }, tokens.fran);
      assert.equal(moved.status, 200, JSON.stringify(moved.body));
      move(3600 * SECOND); // its reminder is a day before the new time
      const movedMail = await until('moved email', async () =>
        smtp.messages.find((m) => m.subject.includes('Game day moved: Quarterly failover')),
      );
      assert.deepEqual(movedMail.to, ['ida@example.test']);
      const reminded = (await get(g.id)).events.filter((e) => e.kind === 'reminded').map((e) => e.body);
      assert.equal(reminded.length, 2, JSON.stringify(reminded));
      assert.ok(
        reminded.some((b) => /^Reminder sent to \d (person|people)\.$/.test(b)),
        JSON.stringify(reminded),
      );
      assert.ok(
        reminded.some((b) => /^New time \(.* UTC\) sent to \d (person|people)\.$/.test(b)),
        JSON.stringify(reminded),
      );
      const cancelled = await t.api<Gameday>('POST', `/api/gamedays/${g.id}/cancel`, undefined, tokens.fran);
      assert.equal(cancelled.status, 200, JSON.stringify(cancelled.body));
      const list = await t.api<Gameday[]>('GET', `/api/gamedays?teamId=${teamId}&status=scheduled`);
      const next = list.body.find((x) => x.seriesId === g.id && x.id !== g.id);
      assert.ok(next, JSON.stringify(list.body));
      const expected = new Date(scheduledAt + 3600 * SECOND);
      expected.setUTCMonth(expected.getUTCMonth() + 3);
      assert.equal(next.scheduledAt, expected.toISOString());
      const nextDetail = await get(next.id);
      assert.deepEqual(
        nextDetail.events.map((e) => e.kind),
        ['created'],
      );
      // Cancelling twice does not make a second one.
      assert.equal((await t.api('POST', `/api/gamedays/${g.id}/cancel`, undefined, tokens.fran)).status, 409);
    });
  });
}
