import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { ENGINES } from '../db/testing/index.js';
import { FakeClock, MINUTE } from '../shared/clock.js';
import { newId } from '../shared/ids.js';
import { startTestMuster, type TestMuster } from '../testing/server.js';
import { readSse } from '../testing/sse.js';
import { noteAlertAcknowledged, noteChannelOpened, recordTechnicalAction } from './index.js';

interface Detail {
  incident: { id: string; severity: string; status: string; milestones: Record<string, string | null> };
  roles: Record<string, { userId: string } | null>;
  checklist: { step: string; doneAt: string | null; doneBy: string | null; elapsedSeconds: number | null }[];
  warnings: { code: string; roles: string[] }[];
  metrics: Record<string, number | null>;
}
interface Ev {
  seq: number;
  kind: string;
  body: string;
  isFlagged: boolean;
  details: Record<string, unknown>;
}

const done = (d: Detail, step: string): boolean => d.checklist.find((c) => c.step === step)?.doneAt !== null;

async function waitFor<T>(fn: () => Promise<T | undefined>, ms = 10_000): Promise<T> {
  const deadline = Date.now() + ms;
  for (;;) {
    const v = await fn();
    if (v !== undefined) return v;
    if (Date.now() > deadline) throw new Error('timed out waiting');
    await new Promise((r) => setTimeout(r, 50));
  }
}

for (const engine of ENGINES) {
  describe(`incidents [${engine}]`, () => {
    let t: TestMuster;
    const clock = new FakeClock(Date.now());
    const users: string[] = [];
    before(async () => {
      t = await startTestMuster(engine, {}, { clock });
      for (const name of ['Ida Commander', 'Tom Techlead', 'Cora Comms']) {
        const r = await t.api<{ user: { id: string } }>('POST', '/api/users', {
          email: `${name.split(' ')[0]!.toLowerCase()}@example.test`,
          name,
        });
        users.push(r.body.user.id);
      }
    });
    after(async () => t.stop());

    const declare = async (body: Record<string, unknown>): Promise<Detail> => {
      const r = await t.api<Detail>('POST', '/api/incidents', body);
      assert.equal(r.status, 201, JSON.stringify(r.body));
      return r.body;
    };
    const timeline = async (id: string): Promise<Ev[]> =>
      (await t.api<{ events: Ev[] }>('GET', `/api/incidents/${id}/timeline`)).body.events;

    it('declares a P1 from an assessment and ticks assess and acknowledge from the declaration', async () => {
      const d = await declare({
        title: 'Checkout down: DNS misconfiguration',
        severity: 'P1',
        assessment: { canUsersCompleteCoreWorkflows: false, areRevenueSystemsDown: true },
      });
      assert.equal(d.incident.status, 'investigating');
      assert.ok(done(d, 'assess_severity'));
      assert.ok(done(d, 'acknowledge'));
      assert.ok(!done(d, 'declare_roles'));
      assert.deepEqual(
        d.warnings.map((w) => w.code),
        ['commander_missing', 'roles_missing'],
      );
      const kinds = (await timeline(d.incident.id)).map((e) => e.kind);
      assert.deepEqual(kinds.slice(0, 2), ['declared', 'severity_policy']);
    });

    it('refuses one person in two roles on a P1 unless given a reason, keeping every assignment', async () => {
      const d = await declare({ title: 'Payments failing', severity: 'P1' });
      const id = d.incident.id;
      const [a, b, c] = users as [string, string, string];
      let r = await t.api<Detail>('PUT', `/api/incidents/${id}/roles/ic`, { userId: a });
      assert.equal(r.status, 200);
      const refused = await t.api<{ error: { code: string } }>('PUT', `/api/incidents/${id}/roles/technical_lead`, {
        userId: a,
      });
      assert.equal(refused.status, 409);
      assert.equal(refused.body.error.code, 'roles_not_distinct');
      r = await t.api<Detail>('PUT', `/api/incidents/${id}/roles/technical_lead`, {
        userId: a,
        overrideReason: 'Only one engineer awake',
      });
      assert.equal(r.status, 200);
      assert.ok(r.body.warnings.some((w) => w.code === 'roles_not_distinct'));
      assert.ok(done(r.body, 'declare_roles'), 'IC and TL assigned ticks "declare roles"');
      const override = (await timeline(id)).filter((e) => e.kind === 'role_separation_override');
      assert.equal(override.length, 1);
      r = await t.api<Detail>('PUT', `/api/incidents/${id}/roles/tl`, { userId: b });
      assert.deepEqual(
        r.body.warnings.map((w) => w.code),
        ['roles_missing'],
      );
      r = await t.api<Detail>('PUT', `/api/incidents/${id}/roles/cl`, { userId: c });
      assert.deepEqual(r.body.warnings, []);
      const rows = await t.muster.services.db.kysely
        .selectFrom('roleAssignments')
        .selectAll()
        .where('incidentId', '=', id)
        .orderBy('id')
        .execute();
      assert.equal(rows.length, 4);
      const firstTl = rows.find((x) => x.role === 'technical_lead' && x.userId === a);
      assert.ok(firstTl?.endedAt !== null, 'the first TL assignment ended');
      assert.equal(rows.filter((x) => x.endedAt === null).length, 3);
      const audit = await t.api<{ events: { action: string }[] }>(
        'GET',
        `/api/audit-events?targetType=incident&targetId=${id}`,
      );
      const actions = audit.body.events.map((e) => e.action);
      assert.ok(actions.includes('incident.declared'));
      assert.equal(actions.filter((x) => x === 'incident.role_assigned').length, 4);
    });

    it('flags the IC acting technically on the timeline', async () => {
      const d = await declare({ title: 'Search latency', severity: 'P2' });
      const id = d.incident.id;
      await t.api('PUT', `/api/incidents/${id}/roles/ic`, { userId: users[0] });
      const db = t.muster.services.db.kysely;
      const flaggedIc = await db
        .transaction()
        .execute((trx) => recordTechnicalAction(trx, id, users[0]!, 'restarted the search cluster', clock.now()));
      const notIc = await db
        .transaction()
        .execute((trx) => recordTechnicalAction(trx, id, users[1]!, 'restarted the search cluster', clock.now()));
      assert.deepEqual([flaggedIc, notIc], [true, false]);
      // Not necessarily the last entry: the same IC commands another open P1/P2 of this suite, which the people
      // ledger's job flags (double_command) on its own time.
      const acted = (await timeline(id)).filter((e) => e.kind === 'commander_technical_action');
      assert.equal(acted.length, 1, 'only the IC acting is flagged');
      assert.equal(acted[0]!.isFlagged, true);
      // The Slack integration's hook: a channel opened ticks "open the incident channel".
      await db
        .transaction()
        .execute((trx) =>
          noteChannelOpened(
            trx,
            id,
            { kind: 'slack', name: '#inc-search', url: null },
            { userId: null, label: 'slack' },
          ),
        );
      const after = await t.api<Detail>('GET', `/api/incidents/${id}`);
      assert.equal(after.body.checklist.find((c) => c.step === 'open_channel')?.doneBy, 'channel_opened');
    });

    it('streams a posted note to a viewer of the room, records the join and ticks the channel step', async () => {
      const d = await declare({ title: 'Login errors', severity: 'P2' });
      const id = d.incident.id;
      const ac = new AbortController();
      const res = await fetch(`${t.url}/api/incidents/${id}/stream`, {
        headers: { authorization: `Bearer ${t.adminToken}` },
        signal: ac.signal,
      });
      assert.equal(res.status, 200);
      assert.match(res.headers.get('content-type') ?? '', /text\/event-stream/);
      try {
        await readSse<Ev>(res.body!, (e) => e.kind === 'joined');
        const posted = await t.api<Ev>('POST', `/api/incidents/${id}/notes`, { text: 'Error rate rising since 02:40' });
        assert.equal(posted.status, 201);
        const seen = await readSse<Ev>(res.body!, (e) => e.kind === 'note');
        assert.equal(seen.at(-1)!.body, 'Error rate rising since 02:40');
      } finally {
        ac.abort();
      }
      const after = await t.api<Detail & { participants: { joinCount: number }[] }>('GET', `/api/incidents/${id}`);
      assert.ok(done(after.body, 'open_channel'));
      assert.equal(after.body.participants.length, 1);
    });

    it('keeps the timeline in one total order and moves milestones with the status, reopen included', async () => {
      const d = await declare({ title: 'Queue backlog', severity: 'P3' });
      const id = d.incident.id;
      for (const status of ['identified', 'monitoring', 'resolved']) {
        assert.equal(
          (await t.api('POST', `/api/incidents/${id}/status`, { status, message: `now ${status}` })).status,
          200,
        );
      }
      const resolved = await t.api<Detail>('GET', `/api/incidents/${id}`);
      assert.ok(resolved.body.incident.milestones.mitigatedAt && resolved.body.incident.milestones.resolvedAt);
      assert.equal(resolved.body.metrics.timeToResolveSeconds, 0);
      const again = await t.api<Detail>('POST', `/api/incidents/${id}/status`, { status: 'investigating' });
      assert.equal(again.body.incident.milestones.resolvedAt, null);
      assert.equal((await t.api('POST', `/api/incidents/${id}/status`, { status: 'investigating' })).status, 409);
      const events = await timeline(id);
      assert.deepEqual(
        events.map((e) => e.seq),
        events.map((_, i) => i + 1),
      );
      assert.deepEqual(
        events.filter((e) => e.kind === 'status_changed' || e.kind === 'reopened').map((e) => e.kind),
        ['status_changed', 'status_changed', 'status_changed', 'reopened'],
      );
      const m = await t.api<Detail>('PUT', `/api/incidents/${id}/milestones/impactStartedAt`, {
        at: new Date(clock.now() - 5 * MINUTE).toISOString(),
        reason: 'Graphs show the backlog growing five minutes before the alert',
      });
      assert.equal(m.body.metrics.timeToDetectSeconds, 300);
    });

    it('lists recent changes of affected services and dependencies, ranked, and records a suspected cause', async () => {
      const team = await t.api<{ id: string }>('POST', '/api/teams', { name: `Core ${engine}` });
      const db = await t.api<{ id: string }>('POST', '/api/services', { name: `db-${engine}`, teamId: team.body.id });
      const api = await t.api<{ id: string }>('POST', '/api/services', {
        name: `api-${engine}`,
        teamId: team.body.id,
        dependsOn: [db.body.id],
      });
      assert.equal(api.status, 201, JSON.stringify(api.body));
      const d = await declare({ title: 'API 500s', severity: 'P1', serviceIds: [api.body.id] });
      const now = clock.now();
      const change = (serviceId: string, summary: string, ago: number) => ({
        id: newId('chg', now - ago),
        serviceId,
        integrationKeyId: null,
        summary,
        source: 'ci',
        at: now - ago,
        receivedAt: now - ago,
        links: '[]',
        details: '{}',
        payloadId: null,
      });
      await t.muster.services.db.kysely
        .insertInto('changeEvents')
        .values([
          change(db.body.id, 'Deploy db proxy', MINUTE),
          change(api.body.id, 'Deploy api v2.3', 10 * MINUTE),
          change(api.body.id, 'Config: raise pool size', 10 * MINUTE),
          change(api.body.id, 'Deploy api v2.2', 3 * 60 * MINUTE),
        ])
        .execute();
      const r = await t.api<{ changes: { id: string; summary: string; relation: string }[] }>(
        'GET',
        `/api/incidents/${d.incident.id}/changes`,
      );
      assert.deepEqual(
        r.body.changes.map((c) => c.summary),
        ['Deploy api v2.3', 'Config: raise pool size', 'Deploy db proxy'],
      );
      const s = await t.api<Detail>(
        'POST',
        `/api/incidents/${d.incident.id}/changes/${r.body.changes[0]!.id}/suspect`,
        {
          note: 'started right after',
        },
      );
      assert.equal(s.status, 200);
      assert.ok(done(s.body, 'check_changes'));
      const last = (await timeline(d.incident.id)).filter((e) => e.kind === 'change_suspected');
      assert.match(last[0]!.body, /Deploy api v2.3/);
    });

    it('links alerts at declaration, then ticks "acknowledge" and flags the IC when a linked alert is acknowledged', async () => {
      const team = await t.api<{ id: string }>('POST', '/api/teams', { name: `Edge ${engine}` });
      const svc = await t.api<{ id: string }>('POST', '/api/services', {
        name: `edge-${engine}`,
        teamId: team.body.id,
      });
      const key = await t.api<{ key: string }>('POST', `/api/services/${svc.body.id}/integration-keys`, {
        source: 'generic',
      });
      const fire = await fetch(`${t.url}/integrations/generic/${key.body.key}`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ status: 'firing', title: 'Edge 5xx above 5%', severity: 'critical' }),
      });
      assert.equal(fire.status, 200);
      const alerts = await t.api<{ alerts: { id: string }[] }>('GET', `/api/alerts?service=${svc.body.id}`);
      const alertId = alerts.body.alerts[0]!.id;
      const d = await declare({ title: 'Edge errors', severity: 'P1', alertIds: [alertId] });
      const id = d.incident.id;
      assert.ok(!done(d, 'acknowledge'), 'an unacknowledged alert leaves the step open');
      assert.ok(d.incident.milestones.detectedAt);
      const me = await t.api<{ id: string }>('GET', '/api/me');
      await t.api('PUT', `/api/incidents/${id}/roles/ic`, { userId: me.body.id });
      // What the alerts domain does in its acknowledgement transaction.
      const touched = await t.muster.services.db.kysely
        .transaction()
        .execute((trx) => noteAlertAcknowledged(trx, alertId, { userId: me.body.id, label: 'admin' }, clock.now()));
      assert.deepEqual(touched, [id]);
      const after = await t.api<Detail>('GET', `/api/incidents/${id}`);
      assert.ok(done(after.body, 'acknowledge'));
      assert.ok(after.body.incident.milestones.acknowledgedAt);
      const kinds = (await timeline(id)).map((e) => e.kind);
      assert.ok(kinds.includes('alert_linked') && kinds.includes('alert_acknowledged'));
      assert.ok(kinds.includes('commander_technical_action'));
    });

    it('lets administrators change what a severity demands, and proposes severities from answers', async () => {
      const p = await t.api<{ requireDistinctRoles: boolean }>('PUT', '/api/incidents/policies/P2', {
        requireDistinctRoles: true,
      });
      assert.equal(p.status, 200);
      const d = await declare({ title: 'Partial outage', severity: 'P2' });
      assert.ok(d.warnings.some((w) => w.code === 'roles_missing'));
      await t.api('PUT', '/api/incidents/policies/P2', { requireDistinctRoles: false });
      const proposed = await t.api<{ severity: string }>('POST', '/api/incidents/assess', {
        assessment: { canUsersCompleteCoreWorkflows: true, isInternalOnly: true },
      });
      assert.equal(proposed.body.severity, 'P3');
      const changed = await t.api<Detail>('POST', `/api/incidents/${d.incident.id}/severity`, {
        severity: 'P1',
        reason: 'Checkout is failing for everyone now',
        assessment: { isSubsetOfUsers: true },
      });
      assert.equal(changed.body.incident.severity, 'P1');
      assert.ok(changed.body.warnings.some((w) => w.code === 'severity_differs_from_assessment'));
      const ev = (await timeline(d.incident.id)).find((e) => e.kind === 'severity_changed')!;
      assert.equal(ev.details.reason, 'Checkout is failing for everyone now');
    });

    it('reminds the Communications Lead on schedule and pages when a P2 has no IC after 30 minutes', async () => {
      const p1 = await declare({ title: 'Orders lost', severity: 'P1' });
      const p2 = await declare({ title: 'Slow search', severity: 'P2' });
      await t.api('PUT', `/api/incidents/${p1.incident.id}/roles/cl`, { userId: users[2] });
      clock.advance(31 * MINUTE);
      t.muster.services.runner?.wake();
      const reminder = await waitFor(async () =>
        (await timeline(p1.incident.id)).find((e) => e.kind === 'update_reminder'),
      );
      assert.match(reminder.body, /Cora Comms/);
      const missing = await waitFor(async () =>
        (await timeline(p2.incident.id)).find((e) => e.kind === 'commander_missing'),
      );
      assert.equal(missing.isFlagged, true);
      // A status update resets the reminder: nothing more 20 minutes later.
      await t.api('POST', `/api/incidents/${p1.incident.id}/updates`, { message: 'Mitigation in progress' });
      clock.advance(20 * MINUTE);
      t.muster.services.runner?.wake();
      await new Promise((r) => setTimeout(r, 500));
      const reminders = (await timeline(p1.incident.id)).filter((e) => e.kind === 'update_reminder');
      assert.equal(reminders.length, 1);
      // Resolving stops the timers: the fence moves on and stale jobs exit quietly.
      await t.api('POST', `/api/incidents/${p1.incident.id}/status`, { status: 'resolved' });
      clock.advance(60 * MINUTE);
      t.muster.services.runner?.wake();
      await new Promise((r) => setTimeout(r, 500));
      assert.equal((await timeline(p1.incident.id)).filter((e) => e.kind === 'update_reminder').length, 1);
    });
  });
}
