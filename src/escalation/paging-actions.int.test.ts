/**
 * The alert page's paging view and actions, end to end on a real server with a fake clock and real webhook
 * deliveries (docs/alerts.md, "Paging"): who was paged on which channel and how each delivery went, a held
 * low-urgency alert naming when it pages, a silenced alert naming its silence; escalate now pages level 2 once;
 * reassign ends the run and pages the chosen person; snooze pages again after its time unless resolved; declaring
 * an incident from an alert links it.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { ENGINES } from '../db/testing/index.js';
import { FakeClock, MINUTE } from '../shared/clock.js';
import { nextWorkingHoursStart } from '../shared/time.js';
import { WebhookReceiver } from '../testing/notify.js';
import { startTestMuster, type TestMuster } from '../testing/server.js';
import { until } from '../testing/fixtures.js';

interface Paging {
  state: string;
  firstPagedAt: string | null;
  hold: {
    reason: string;
    until: string | null;
    silence: { id: string; comment: string } | null;
  } | null;
  snoozedUntil: string | null;
  run: {
    id: string;
    status: string;
    policyName: string;
    pagedLevel: number | null;
    nextLevel: number | null;
    nextStepAt: string | null;
    nextTargets: { name: string; userNames: string[] }[];
  } | null;
  previousRuns: { id: string; status: string }[];
  pages: {
    userName: string;
    level: number | null;
    channel: string;
    address: string;
    status: string;
    attempts: number;
    lastError: string | null;
  }[];
  log: { kind: string }[];
}

const WH = { timezone: 'Europe/London', days: [1, 2, 3, 4, 5], start: '09:00', end: '17:30' };

for (const engine of ENGINES) {
  describe(`alert paging view and actions [${engine}]`, () => {
    let t: TestMuster;
    const clock = new FakeClock(Date.parse('2026-11-24T12:00:00Z')); // a Tuesday, inside working hours
    const hooks: Record<string, WebhookReceiver> = {};
    const users: Record<string, string> = {};
    let teamId: string;
    let key: string;
    let serviceId: string;
    let twoLevels: string;

    const trigger = async (dedupKey: string, severity = 'critical', labels: Record<string, string> = {}) => {
      const r = await t.api<{ alerts: { alertId: string }[] }>(
        'POST',
        `/integrations/generic/${key}`,
        { status: 'firing', dedupKey, title: `Checkout errors ${dedupKey}`, severity, labels },
        null,
      );
      assert.equal(r.status, 200, JSON.stringify(r.body));
      return r.body.alerts[0]!.alertId;
    };
    const pagesFor = (name: string, alertId: string): number =>
      hooks[name]!.hits.filter((h) => h.body.includes(alertId)).length;
    const paging = async (alertId: string): Promise<Paging> => {
      const r = await t.api<Paging>('GET', `/api/alerts/${alertId}/paging`);
      assert.equal(r.status, 200, JSON.stringify(r.body));
      return r.body;
    };
    const advance = (ms: number): void => {
      clock.advance(ms);
      t.muster.services.runner?.wake();
    };
    /** Jobs due now have all run (nothing queued or running is due): a settled state to assert "no page" against. */
    const settled = async (): Promise<void> => {
      await until('due jobs to finish', async () => {
        const due = await t.muster.services.db.kysely
          .selectFrom('jobs')
          .select('id')
          .where('status', 'in', ['queued', 'running'])
          .where('runAt', '<=', clock.now())
          .executeTakeFirst();
        return due === undefined;
      });
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
      const p = await t.api<{ id: string }>('POST', '/api/escalation-policies', {
        teamId,
        name: 'Checkout on call',
        repeat: 0,
        workingHours: WH,
        levels: [
          { delayMinutes: 10, targets: [{ type: 'user', id: users.ana }] },
          { delayMinutes: 10, targets: [{ type: 'user', id: users.ben }] },
        ],
      });
      assert.equal(p.status, 201, JSON.stringify(p.body));
      twoLevels = p.body.id;
      await t.api('PATCH', `/api/services/${serviceId}`, { escalationPolicyId: twoLevels });
    });
    after(async () => {
      await t.stop();
      for (const h of Object.values(hooks)) await h.close();
    });

    it('names who was paged, on which channel, the delivery’s status and when the next level fires', async () => {
      const alertId = await trigger('view-delivered');
      await until('ana paged', async () => pagesFor('ana', alertId) === 1);
      const v = await until('the delivery recorded as sent', async () => {
        const p = await paging(alertId);
        return p.pages[0]?.status === 'sent' ? p : null;
      });
      assert.equal(v.state, 'paging');
      assert.equal(v.pages.length, 1);
      const page = v.pages[0]!;
      assert.equal(page.userName, 'ana');
      assert.equal(page.level, 1);
      assert.equal(page.channel, 'webhook');
      assert.equal(page.attempts, 1);
      assert.equal(page.address, `${new URL(hooks.ana!.url).host}/…`, 'the address is masked to its host');
      assert.ok(v.firstPagedAt);
      assert.equal(v.run?.policyName, 'Checkout on call');
      assert.equal(v.run?.pagedLevel, 1);
      assert.equal(v.run?.nextLevel, 2);
      assert.equal(v.run?.nextStepAt, new Date(clock.now() + 10 * MINUTE).toISOString());
      assert.deepEqual(
        v.run?.nextTargets.map((x) => x.name),
        ['ben'],
      );
      assert.equal(v.hold, null);
    });

    it('shows a failed delivery with its error', async () => {
      hooks.ana!.statuses.push(400); // a permanent refusal: recorded as failed at once
      const alertId = await trigger('view-failed');
      const v = await until('the delivery recorded as failed', async () => {
        const p = await paging(alertId);
        return p.pages[0]?.status === 'failed' ? p : null;
      });
      assert.equal(v.pages[0]!.userName, 'ana');
      assert.ok(v.pages[0]!.attempts >= 1);
      assert.ok(v.pages[0]!.lastError, 'the error is shown');
    });

    it('names when a held low-urgency alert pages: the time escalation itself holds it until', async () => {
      const saturday = Date.parse('2026-11-28T08:10:00Z');
      clock.set(saturday);
      try {
        const alertId = await trigger('view-low', 'warning');
        const v = await until('the run held', async () => {
          const p = await paging(alertId);
          return p.state === 'held' ? p : null;
        });
        const monday = nextWorkingHoursStart(saturday, WH)!;
        assert.equal(new Date(monday).toISOString(), '2026-11-30T09:00:00.000Z');
        assert.equal(v.hold?.reason, 'low_urgency');
        assert.equal(v.hold?.until, new Date(monday).toISOString());
        assert.equal(v.firstPagedAt, null, 'nobody was paged: it does not say "Paged 08:10"');
        assert.equal(v.pages.length, 0);
      } finally {
        clock.set(Date.parse('2026-11-24T12:30:00Z'));
      }
    });

    it('names the silence that holds a silenced alert, and until when', async () => {
      const endsAt = new Date(clock.now() + 60 * MINUTE).toISOString();
      const s = await t.api<{ id: string }>('POST', '/api/silences', {
        service: serviceId,
        matchers: [{ name: 'job', value: 'silenced-batch', isRegex: false, isEqual: true }],
        endsAt,
        comment: 'Batch migration tonight',
      });
      assert.equal(s.status, 201, JSON.stringify(s.body));
      const alertId = await trigger('view-silenced', 'critical', { job: 'silenced-batch' });
      const v = await paging(alertId);
      assert.equal(v.state, 'held');
      assert.equal(v.hold?.reason, 'silenced');
      assert.equal(v.hold?.silence?.id, s.body.id);
      assert.equal(v.hold?.silence?.comment, 'Batch migration tonight');
      assert.equal(v.hold?.until, endsAt);
      assert.equal(v.run, null);
      assert.equal(pagesFor('ana', alertId), 0);
    });

    it('escalate now pages level 2 at once, and once: the step that was due later exits as stale', async () => {
      const alertId = await trigger('escalate');
      await until('ana paged', async () => pagesFor('ana', alertId) === 1);
      const r = await t.api<Paging>('POST', `/api/alerts/${alertId}/escalate`, {});
      assert.equal(r.status, 200, JSON.stringify(r.body));
      await until('ben paged', async () => pagesFor('ben', alertId) === 1);
      // A second press before level 2's step ran, or after it: never a second page for level 2.
      await t.api('POST', `/api/alerts/${alertId}/escalate`, {});
      advance(10 * MINUTE); // the step scheduled for level 2 at ana's delay is stale now
      await settled();
      await new Promise((res) => setTimeout(res, 200));
      assert.equal(pagesFor('ben', alertId), 1, 'ben paged exactly once');
      assert.equal(pagesFor('ana', alertId), 1);
      const v = await paging(alertId);
      assert.ok(v.log.some((l) => l.kind === 'escalated'));
      const detail = await t.api<{ events: { kind: string; actorLabel: string }[] }>('GET', `/api/alerts/${alertId}`);
      assert.ok(
        detail.body.events.some((e) => e.kind === 'escalated'),
        'on the alert’s history',
      );
      const audit = await t.api<{ events: { action: string }[] }>(
        'GET',
        `/api/audit-events?targetId=${alertId}&action=alert.escalated`,
      );
      assert.equal(audit.body.events.length, 1, 'audited');
      // Past the last level there is nobody to escalate to.
      const last = await t.api<{ error: { code: string } }>('POST', `/api/alerts/${alertId}/escalate`, {});
      assert.equal(last.status, 409);
      assert.equal(last.body.error.code, 'escalation_exhausted');
    });

    it('reassign ends the run as reassigned and pages the chosen person', async () => {
      const alertId = await trigger('reassign');
      await until('ana paged', async () => pagesFor('ana', alertId) === 1);
      const bad = await t.api<{ error: { details: { problems: { field: string }[] } } }>(
        'POST',
        `/api/alerts/${alertId}/reassign`,
        {},
      );
      assert.equal(bad.status, 400);
      assert.equal(bad.body.error.details.problems[0]!.field, 'userId');
      advance(MINUTE);
      const r = await t.api<Paging>('POST', `/api/alerts/${alertId}/reassign`, { userId: users.cy });
      assert.equal(r.status, 200, JSON.stringify(r.body));
      assert.equal(r.body.run?.policyName, 'Reassigned to cy');
      assert.equal(r.body.previousRuns[0]?.status, 'reassigned');
      await until('cy paged', async () => pagesFor('cy', alertId) === 1);
      advance(10 * MINUTE); // the old run's level 2 would have paged ben now
      await settled();
      await new Promise((res) => setTimeout(res, 200));
      assert.equal(pagesFor('ben', alertId), 0, 'the old run pages no one any more');
      const v = await paging(alertId);
      assert.ok(v.pages.some((p) => p.userName === 'cy'));
      const detail = await t.api<{ events: { kind: string }[] }>('GET', `/api/alerts/${alertId}`);
      assert.ok(detail.body.events.some((e) => e.kind === 'reassigned'));
      // Reassign to a policy works as well; an unknown one is bad input naming the field.
      const unknown = await t.api<{ error: { details: { problems: { field: string }[] } } }>(
        'POST',
        `/api/alerts/${alertId}/reassign`,
        { escalationPolicyId: 'pol_nope' },
      );
      assert.equal(unknown.status, 400);
      assert.equal(unknown.body.error.details.problems[0]!.field, 'escalationPolicyId');
    });

    it('snooze pages again after its time; resolving cancels it', async () => {
      const alertId = await trigger('snooze');
      await until('ana paged', async () => pagesFor('ana', alertId) === 1);
      const notAcked = await t.api<{ error: { code: string } }>('POST', `/api/alerts/${alertId}/snooze`, {
        minutes: 30,
      });
      assert.equal(notAcked.status, 409);
      assert.equal(notAcked.body.error.code, 'alert_not_acknowledged');
      assert.equal((await t.api('POST', `/api/alerts/${alertId}/acknowledge`, {})).status, 200);
      const tooLong = await t.api('POST', `/api/alerts/${alertId}/snooze`, { minutes: 20000 });
      assert.equal(tooLong.status, 400);
      const s = await t.api<Paging>('POST', `/api/alerts/${alertId}/snooze`, { minutes: 30 });
      assert.equal(s.status, 200, JSON.stringify(s.body));
      assert.equal(s.body.state, 'snoozed');
      assert.equal(s.body.snoozedUntil, new Date(clock.now() + 30 * MINUTE).toISOString());
      advance(29 * MINUTE);
      await settled();
      await new Promise((res) => setTimeout(res, 200));
      assert.equal(pagesFor('ana', alertId), 1, 'not before the snooze is over');
      advance(MINUTE);
      await until('ana paged again', async () => pagesFor('ana', alertId) === 2);
      const detail = await t.api<{ status: string; events: { kind: string }[] }>('GET', `/api/alerts/${alertId}`);
      assert.equal(detail.body.status, 'triggered');
      assert.ok(detail.body.events.some((e) => e.kind === 'snoozed'));
      assert.ok(detail.body.events.some((e) => e.kind === 'snooze_ended'));

      // Snoozed, then resolved: the snooze's end pages nobody.
      const other = await trigger('snooze-resolved');
      await until('ana paged', async () => pagesFor('ana', other) === 1);
      await t.api('POST', `/api/alerts/${other}/acknowledge`, {});
      assert.equal((await t.api('POST', `/api/alerts/${other}/snooze`, { minutes: 15 })).status, 200);
      await t.api('POST', `/api/alerts/${other}/resolve`, {});
      advance(15 * MINUTE);
      await settled();
      await new Promise((res) => setTimeout(res, 200));
      assert.equal(pagesFor('ana', other), 1);
      assert.equal((await t.api<{ status: string }>('GET', `/api/alerts/${other}`)).body.status, 'resolved');
    });

    it('only responders of the service’s team may act', async () => {
      const viewer = await t.api<{ user: { id: string } }>('POST', '/api/users', {
        email: 'viewer@example.test',
        name: 'Vi',
        password: 'a long enough password',
      });
      await t.api('PUT', `/api/teams/${teamId}/members/${viewer.body.user.id}`, { role: 'viewer' });
      const tok = await t.api<{ token: string }>('POST', '/api/tokens', { name: 'v', userId: viewer.body.user.id });
      assert.equal(tok.status, 201, JSON.stringify(tok.body));
      const alertId = await trigger('viewer');
      type Can = Record<'acknowledge' | 'resolve' | 'escalate' | 'reassign' | 'snooze' | 'declare', boolean>;
      const seen = await t.api<{ can: Can }>('GET', `/api/alerts/${alertId}/paging`, undefined, tok.body.token);
      assert.equal(seen.status, 200);
      // The page shows only what the caller may do: a viewer nothing, and the API refuses each of them.
      assert.deepEqual(seen.body.can, {
        acknowledge: false,
        resolve: false,
        escalate: false,
        reassign: false,
        snooze: false,
        declare: false,
      });
      for (const [path, body] of [
        ['escalate', {}],
        ['reassign', { userId: users.cy }],
        ['snooze', { minutes: 5 }],
        ['acknowledge', {}],
        ['resolve', {}],
      ] as const) {
        assert.equal((await t.api('POST', `/api/alerts/${alertId}/${path}`, body, tok.body.token)).status, 403, path);
      }
      const declare = await t.api(
        'POST',
        '/api/incidents',
        { title: 'By a viewer', severity: 'P3', alertIds: [alertId] },
        tok.body.token,
      );
      assert.equal(declare.status, 403);
      // A responder of the team (cy) may do all of it.
      const cyTok = await t.api<{ token: string }>('POST', '/api/tokens', { name: 'cy', userId: users.cy });
      const cy = await t.api<{ can: Can }>('GET', `/api/alerts/${alertId}/paging`, undefined, cyTok.body.token);
      assert.ok(Object.values(cy.body.can).every(Boolean), JSON.stringify(cy.body.can));
      // The actions answer the view with the same `can`.
      const escalated = await t.api<{ can: Can }>('POST', `/api/alerts/${alertId}/escalate`, {}, cyTok.body.token);
      assert.equal(escalated.status, 200, JSON.stringify(escalated.body));
      assert.equal(escalated.body.can.escalate, true);
    });

    it('declaring an incident from an alert links the alert and its service; unknown ids name the field', async () => {
      const alertId = await trigger('declare');
      const d = await t.api<{ incident: { id: string }; alerts: { id: string }[]; services: { id: string }[] }>(
        'POST',
        '/api/incidents',
        { title: 'Checkout errors', severity: 'P2', alertIds: [alertId], serviceIds: [serviceId] },
      );
      assert.equal(d.status, 201, JSON.stringify(d.body));
      assert.deepEqual(
        d.body.alerts.map((a) => a.id),
        [alertId],
      );
      assert.deepEqual(
        d.body.services.map((s) => s.id),
        [serviceId],
      );
      const bad = await t.api<{ error: { details: { problems: { field: string }[] } } }>('POST', '/api/incidents', {
        title: 'Nope',
        severity: 'P3',
        alertIds: [alertId, 'alr_nope'],
        serviceIds: ['no-such-service'],
      });
      assert.equal(bad.status, 400);
      assert.deepEqual(
        bad.body.error.details.problems.map((p) => p.field),
        ['serviceIds.0'],
      );
      const badAlert = await t.api<{ error: { details: { problems: { field: string }[] } } }>(
        'POST',
        '/api/incidents',
        { title: 'Nope', severity: 'P3', alertIds: [alertId, 'alr_nope'] },
      );
      assert.equal(badAlert.status, 400);
      assert.deepEqual(
        badAlert.body.error.details.problems.map((p) => p.field),
        ['alertIds.1'],
      );
    });
  });
}
