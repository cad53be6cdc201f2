/**
 * Paging end to end on a real server with a fake clock: an alert arrives through intake, the escalation run pages
 * level by level through real webhook deliveries, empty levels are skipped at once, acknowledgement stops the
 * cascade, and a policy edit never changes a page in flight.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { sql } from 'kysely';
import { ENGINES } from '../db/testing/index.js';
import { FakeClock, MINUTE } from '../shared/clock.js';
import { nextWorkingHoursStart } from '../shared/time.js';
import { WebhookReceiver } from '../testing/notify.js';
import { startTestMuster, type TestMuster } from '../testing/server.js';
import { until } from '../testing/fixtures.js';

for (const engine of ENGINES) {
  describe(`paging [${engine}]`, () => {
    let t: TestMuster;
    const clock = new FakeClock(Date.parse('2026-11-24T12:00:00Z')); // a Tuesday, inside working hours
    const hooks: Record<string, WebhookReceiver> = {};
    const users: Record<string, string> = {};
    let teamId: string;
    let key: string;
    let serviceId: string;

    const policy = (levels: { user: string; delay?: number }[]) => ({
      teamId,
      name: `policy ${Math.random()}`,
      repeat: 0,
      workingHours: { timezone: 'Europe/London', days: [1, 2, 3, 4, 5], start: '09:00', end: '17:30' },
      levels: levels.map((l) => ({ delayMinutes: l.delay ?? 5, targets: [{ type: 'user', id: users[l.user] }] })),
    });
    const usePolicy = async (body: ReturnType<typeof policy> & { ackTimeoutMinutes?: number }): Promise<string> => {
      const p = await t.api<{ id: string }>('POST', '/api/escalation-policies', body);
      assert.equal(p.status, 201, JSON.stringify(p.body));
      await t.api('PATCH', `/api/services/${serviceId}`, { escalationPolicyId: p.body.id });
      return p.body.id;
    };
    const trigger = async (dedupKey: string): Promise<string> => {
      const r = await t.api<{ alerts: { alertId: string }[] }>(
        'POST',
        `/integrations/generic/${key}`,
        {
          status: 'firing',
          dedupKey,
          title: `Checkout errors ${dedupKey}`,
          severity: 'critical',
          links: [{ href: 'https://runbooks.example/checkout', text: 'runbook' }],
        },
        null,
      );
      assert.equal(r.status, 200, JSON.stringify(r.body));
      return r.body.alerts[0]!.alertId;
    };
    const pagesFor = (name: string, alertId: string): number =>
      hooks[name]!.hits.filter((h) => h.body.includes(alertId)).length;
    const advance = async (ms: number): Promise<void> => {
      clock.advance(ms);
      t.muster.services.runner?.wake();
    };

    before(async () => {
      t = await startTestMuster(engine, {}, { clock });
      teamId = (await t.api<{ id: string }>('POST', '/api/teams', { name: 'Checkout' })).body.id;
      for (const name of ['ana', 'ben', 'cy']) {
        hooks[name] = await new WebhookReceiver().start();
        const u = await t.api<{ user: { id: string } }>('POST', '/api/users', {
          email: `${name}@example.test`,
          name,
          password: 'a long enough password',
        });
        users[name] = u.body.user.id;
        await t.api('PUT', `/api/teams/${teamId}/members/${u.body.user.id}`, { role: 'responder' });
        const cm = await t.api('POST', `/api/users/${u.body.user.id}/contact-methods`, {
          kind: 'webhook',
          address: hooks[name].url,
        });
        assert.equal(cm.status, 201, JSON.stringify(cm.body));
      }
      const svc = await t.api<{ id: string }>('POST', '/api/services', { name: 'Checkout API', teamId });
      serviceId = svc.body.id;
      key = (await t.api<{ key: string }>('POST', `/api/services/${serviceId}/integration-keys`, { source: 'generic' }))
        .body.key;
    });
    after(async () => {
      await t.stop();
      for (const h of Object.values(hooks)) await h.close();
    });

    it('pages level 1 at once and level 2 only after level 1’s delay', async () => {
      await usePolicy(policy([{ user: 'ana' }, { user: 'ben' }]));
      const alertId = await trigger('levels');
      await until('ana paged', async () => pagesFor('ana', alertId) === 1);
      assert.equal(pagesFor('ben', alertId), 0);
      await advance(4 * MINUTE);
      await new Promise((r) => setTimeout(r, 300));
      assert.equal(pagesFor('ben', alertId), 0, 'not before the delay');
      await advance(1 * MINUTE);
      await until('ben paged', async () => pagesFor('ben', alertId) === 1);
      const view = await t.api<{ run: { status: string }; log: { kind: string }[] }>(
        'GET',
        `/api/alerts/${alertId}/escalation`,
      );
      assert.deepEqual(
        view.body.log.map((l) => l.kind),
        ['started', 'paged', 'paged', 'exhausted'],
      );
      assert.equal(pagesFor('ana', alertId), 1, 'each person paged exactly once');
    });

    it('accepts the alert and pages one job hop later when paging cannot start in the intake transaction', async () => {
      await usePolicy(policy([{ user: 'ana' }]));
      const db = t.muster.services.db.kysely;
      // A real database failure (not a stand-in): inserting an escalation run raises, inline and in the job alike.
      const fault =
        engine === 'sqlite'
          ? ["create trigger fail_runs before insert on escalation_runs begin select raise(abort, 'injected'); end"]
          : [
              "create function fail_runs() returns trigger language plpgsql as $$ begin raise exception 'injected'; end $$",
              'create trigger fail_runs before insert on escalation_runs for each row execute function fail_runs()',
            ];
      const cure =
        engine === 'sqlite'
          ? ['drop trigger fail_runs']
          : ['drop trigger fail_runs on escalation_runs', 'drop function fail_runs()'];
      for (const q of fault) await sql.raw(q).execute(db);
      let alertIds: string[];
      try {
        // Two at once, so they also share an intake transaction: each is re-applied without inline paging, alone.
        alertIds = await Promise.all([trigger('fallback'), trigger('fallback-2')]); // still accepted
        for (const alertId of alertIds) {
          const job = await until('the fallback job failed once', async () => {
            const row = await db
              .selectFrom('jobs')
              .select(['status', 'attempts', 'lastError'])
              .where('kind', '=', 'alerts.triggered')
              .where('payload', 'like', `%${alertId}%`)
              .executeTakeFirst();
            return row && row.attempts >= 1 && row.status === 'pending' ? row : null;
          });
          assert.match(job.lastError ?? '', /injected/);
          assert.equal(
            (await db.selectFrom('escalationRuns').select('id').where('alertId', '=', alertId).execute()).length,
            0,
          );
        }
      } finally {
        for (const q of cure) await sql.raw(q).execute(db);
      }
      await advance(10_000); // past the retry's backoff
      for (const alertId of alertIds) {
        await until('ana paged by the retried job', async () => pagesFor('ana', alertId) === 1);
      }
    });

    it('stops the cascade when the alert is acknowledged', async () => {
      await usePolicy(policy([{ user: 'ana' }, { user: 'ben' }]));
      const alertId = await trigger('ack');
      await until('ana paged', async () => pagesFor('ana', alertId) === 1);
      assert.equal((await t.api('POST', `/api/alerts/${alertId}/acknowledge`)).status, 200);
      await advance(30 * MINUTE);
      const view = await until('run stopped', async () => {
        const v = await t.api<{ run: { status: string }; log: { kind: string; reason: string }[] }>(
          'GET',
          `/api/alerts/${alertId}/escalation`,
        );
        return v.body.run.status === 'acknowledged' ? v.body : null;
      });
      assert.equal(pagesFor('ben', alertId), 0);
      assert.equal(view.log.at(-1)?.kind, 'stopped');
    });

    it('skips a level with nobody to page at once and records why', async () => {
      await t.api('PATCH', `/api/users/${users.cy}`, { disabled: true });
      await usePolicy(policy([{ user: 'cy' }, { user: 'ben' }]));
      const alertId = await trigger('skip');
      await until('ben paged without waiting', async () => pagesFor('ben', alertId) === 1);
      const view = await t.api<{ log: { kind: string; reason: string }[] }>('GET', `/api/alerts/${alertId}/escalation`);
      assert.deepEqual(
        view.body.log.slice(0, 3).map((l) => l.kind),
        ['started', 'skipped', 'paged'],
      );
      assert.match(view.body.log[1]!.reason, /nobody/);
    });

    it('pages again from level 1 when an acknowledged alert is not resolved within the ack timeout', async () => {
      await usePolicy({ ...policy([{ user: 'ben' }, { user: 'ana' }]), ackTimeoutMinutes: 60 });
      const alertId = await trigger('ack-timeout');
      await until('ben paged', async () => pagesFor('ben', alertId) === 1);
      assert.equal((await t.api('POST', `/api/alerts/${alertId}/acknowledge`)).status, 200);
      await advance(59 * MINUTE);
      await new Promise((r) => setTimeout(r, 300));
      assert.equal(pagesFor('ben', alertId), 1, 'not before the timeout');
      await advance(2 * MINUTE);
      await until('ben paged again', async () => pagesFor('ben', alertId) === 2);
      const alert = await t.api<{ status: string; events: { kind: string }[] }>('GET', `/api/alerts/${alertId}`);
      assert.equal(alert.body.status, 'triggered');
      assert.ok(alert.body.events.some((e) => e.kind === 'ack_timeout'));
      const view = await t.api<{ log: { kind: string }[] }>('GET', `/api/alerts/${alertId}/escalation`);
      assert.ok(view.body.log.some((l) => l.kind === 'ack_timeout'));
      // Resolving ends it: no further timeout page.
      await t.api('POST', `/api/alerts/${alertId}/resolve`, {});
      await advance(120 * MINUTE);
      await new Promise((r) => setTimeout(r, 300));
      assert.equal(pagesFor('ben', alertId), 2);
    });

    it('pages the Incident Commander rotation for a P1 declared without an IC, and a P2 after 30 minutes', async () => {
      await t.api('PATCH', `/api/users/${users.cy}`, { disabled: false });
      const schedule = await t.api<{ id: string }>('POST', '/api/schedules', {
        teamId,
        name: 'Incident commanders',
        timezone: 'UTC',
        layers: [
          {
            name: 'IC',
            participants: [users.cy],
            turn: { unit: 'weeks', count: 1 },
            startDate: '2026-01-05',
            handoffTime: '09:00',
          },
        ],
      });
      assert.equal(schedule.status, 201, JSON.stringify(schedule.body));
      const set = await t.api('PUT', '/api/settings/incident-commander-schedule', { scheduleId: schedule.body.id });
      assert.equal(set.status, 200, JSON.stringify(set.body));
      const icPages = (incidentId: string): number => hooks.cy!.hits.filter((h) => h.body.includes(incidentId)).length;
      const p1 = await t.api<{ incident: { id: string } }>('POST', '/api/incidents', {
        title: 'Checkout down',
        severity: 'P1',
      });
      await until('IC rotation paged for the P1', async () => icPages(p1.body.incident.id) === 1);
      const p2 = await t.api<{ incident: { id: string } }>('POST', '/api/incidents', {
        title: 'Slow search',
        severity: 'P2',
      });
      await advance(29 * MINUTE);
      await new Promise((r) => setTimeout(r, 300));
      assert.equal(icPages(p2.body.incident.id), 0, 'not before 30 minutes');
      await advance(2 * MINUTE);
      await until('IC rotation paged for the P2', async () => icPages(p2.body.incident.id) === 1);

      // P3 out of hours: the IC page waits for the working day (the seed: "can be addressed during business hours").
      const p3policy = await t.api('PUT', '/api/incidents/policies/P3', { commanderDeadlineMinutes: 10 });
      assert.equal(p3policy.status, 200, JSON.stringify(p3policy.body));
      const night = new Date(clock.now());
      night.setUTCHours(23, 0, 0, 0);
      if (night.getTime() <= clock.now()) night.setUTCDate(night.getUTCDate() + 1);
      await advance(night.getTime() - clock.now());
      const p3 = await t.api<{ incident: { id: string } }>('POST', '/api/incidents', {
        title: 'Wiki slow',
        severity: 'P3',
      });
      await advance(15 * MINUTE);
      await new Promise((r) => setTimeout(r, 400));
      assert.equal(icPages(p3.body.incident.id), 0, 'no page at night for a P3');
      const wh = { timezone: 'UTC', days: [1, 2, 3, 4, 5], start: '09:00', end: '17:00' };
      await advance(nextWorkingHoursStart(clock.now(), wh)! - clock.now() + MINUTE);
      await until('IC rotation paged for the P3 in working hours', async () => icPages(p3.body.incident.id) === 1);
    });

    it('keeps the snapshot: editing the policy does not change a page in flight', async () => {
      const policyId = await usePolicy(policy([{ user: 'ana' }, { user: 'ben' }]));
      const alertId = await trigger('snapshot');
      await until('ana paged', async () => pagesFor('ana', alertId) === 1);
      await t.api('PATCH', `/api/escalation-policies/${policyId}`, {
        levels: [{ delayMinutes: 5, targets: [{ type: 'user', id: users.ana }] }],
      });
      await advance(5 * MINUTE);
      await until('ben paged from the snapshot', async () => pagesFor('ben', alertId) === 1);
    });

    it('declares an incident automatically when the service rule names the alert severity', async () => {
      const rule = { alertSeverities: ['critical'], incidentSeverity: 'P2' };
      const patched = await t.api('PATCH', `/api/services/${serviceId}`, { incidentRule: rule });
      assert.equal(patched.status, 200, JSON.stringify(patched.body));
      const alertId = await trigger('auto-declare');
      const incident = await until('incident declared', async () => {
        const l = await t.api<{ incidents: { id: string; title: string; severity: string }[] }>(
          'GET',
          '/api/incidents?status=open',
        );
        return l.body.incidents.find((i) => i.title === 'Checkout errors auto-declare');
      });
      assert.equal(incident.severity, 'P2');
      const detail = await t.api<{ alerts: { id?: string; alertId?: string }[] }>(
        'GET',
        `/api/incidents/${incident.id}`,
      );
      assert.ok(JSON.stringify(detail.body.alerts).includes(alertId), 'the alert is linked');
      await t.api('PATCH', `/api/services/${serviceId}`, { incidentRule: null });
    });
  });
}
