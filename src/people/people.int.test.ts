/**
 * People health over a fixed history, on both engines, every figure worked out by hand (docs/people-health.md).
 *
 * Made through the API (a real server, a fake clock): teams, people, services, schedules and their overrides,
 * runbooks, action items and the team settings. The past is written with the test's database handle, the way the
 * insights tests do: incidents (real, one drill, one imported), their roles, participants and resolutions, alerts,
 * their acknowledgements and the escalation log's pages. "Now" is Tuesday 1 December 2026, 06:00 UTC; the window is
 * November 2026 (30 days, 720 hours; Sunday 1 to Monday 30). Hana lives in Europe/Berlin (UTC+1 in November), the
 * others in UTC. Team Core = Hana, Ann (team admin), Bob and Cai (responders); services api, db and queue.
 * Team Other = Oz and Oy; service billing.
 *
 * Core's incidents (all declared at 10:00 UTC, detected then, acknowledged and resolved after the minutes shown):
 *   I1 api P1 2 Nov  ack 5  res 60   Hana IC, Ann TL; alert A1 (acked by Hana); post-mortem published
 *   I2 api P2 3 Nov  ack 10 res 120  Hana IC; A2 (Hana); an action item due 25 Nov, open (overdue)
 *   I3 api P3 4 Nov  ack 15 res 30   Hana IC; A3 (Hana)
 *   I4 api P3 5 Nov  ack 20 res 90   Hana IC; A4 (Hana)
 *   I5 api P3 6 Nov  ack 25 res 45   Bob IC (and resolved it), Ann Communications Lead and joined the room
 *   I6 db  P3 9 Nov  ack 4  res 40   A6 (acked by Hana)
 *   I7 db  P3 12 Nov ack 6  res 20   Hana TL
 *   I8 db  P3 16 Nov ack 8  res 60   Hana resolved it and joined the room
 *   I9 db  P2 20 Nov ack 2  open     Hana IC; Cai joined the room; action items due 25 Nov (overdue) and 10 Dec
 *   D  api drill, open: Ann IC and joined; alert AX (acked by Ann, paged Ann at 23:00 UTC); an overdue action item
 *   M  api imported P1, resolved: Ann IC; alert AI (acked by Ann, paged Ann at 23:00 UTC); an overdue action item
 *   AD api alert raised through a drill key (acked by Ann, paged Ann at 23:00 UTC, judged false positive)
 *      — none of D, M and AD counts unless `includeKinds=drill,imported` asks for them
 *   IO billing (team Other): Hana IC; AO1 paged Hana; AO2 acked by Bob, AO3 by Oz: none of it counts for Core
 * AB db, linked to I6 and to the drill D, acked by Bob: it counts (for I6), as insights' paging keeps such an alert.
 * Unlinked alerts: A5 api (acked by Hana), A7 api (Ann), A8 db (Bob). Judged: A1, A2 actionable, A3 not actionable,
 * A4 false positive, A6 actionable, Q1 (queue, QueueDepth) actionable; Q2 (queue, QueueLag) not judged.
 *
 * Pages (escalation log) on api's alerts, each to one person; Berlin time in brackets:
 *   PA Tue 10 Nov 02:12 (03:12) Hana, resolved 04:12      PB Tue 10 Nov 02:42 (03:42) Hana, resolved 05:12
 *   PC Sat 14 Nov 02:00 (03:00) Hana, resolved 04:30      PD Thu 12 Nov 16:30 (17:30) Hana, resolved 17:30
 *   PE Sun 15 Nov 22:30 (23:30) Hana, resolved 23:00      PF Wed 11 Nov 10:00 (11:00) Hana, resolved 12:00
 *   PG Tue 17 Nov 20:00 UTC Ann, resolved 21:00           PH Tue 1 Dec 02:12 (03:12) Hana (after the window)
 *
 * Schedules (UTC): A "Core primary", Cai alone, with Hana's overrides 10 Nov 00:00 – 18 Nov 12:00 and all of 1 Dec;
 * B "Core database", Bob 1–5 Nov (the layer ends), with Hana's override 18 Nov 12:00 – 19 Nov 00:00. api's
 * escalation policy pages B.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { Kysely } from 'kysely';
import { ENGINES } from '../db/testing/index.js';
import type { Database } from '../db/schema.js';
import { systemActor } from '../identity/index.js';
import { FakeClock } from '../shared/clock.js';
import { newId } from '../shared/ids.js';
import { startTestMuster, type TestMuster } from '../testing/server.js';

const MIN = 60_000;
const HOUR = 60 * MIN;
const DAY = 24 * HOUR;
const at = (iso: string) => Date.parse(iso);
const iso = (ms: number) => new Date(ms).toISOString();
const NOW = at('2026-12-01T06:00:00Z');
const WINDOW = 'from=2026-11-01T00:00:00Z&to=2026-12-01T00:00:00Z';

interface Person {
  userId: string;
  name: string;
  pagesAcknowledged: number;
  incidentsResponded: number;
  rolesHeld: number;
  offHoursPageHours: number;
  share: { pages: number; incidents: number; roles: number; offHours: number };
  flagged: boolean;
  reasons: string[];
}
interface Heroes {
  teamId: string;
  thresholds: { medianFactor: number; shareOfTeam: number; minCount: number };
  people: Person[];
  teamTotals: Record<string, number>;
  median: Record<string, number>;
}
interface Item {
  kind: string;
  at: string;
  incidentId: string | null;
  alertId: string | null;
  detail: string;
}
interface Knowledge {
  services: {
    serviceId: string;
    name: string;
    incidents: number;
    people: { userId: string; name: string; handled: number; share: number }[];
    flagged: boolean;
    remedies: { kind: string; href: string; text: string }[];
  }[];
}
interface RecoveryEntry {
  userId: string;
  pagedAt: string;
  pages: number;
  recoveryFrom: string;
  recoveryTo: string;
  cover: { scheduleId: string; proposal: { start: string; end: string; userId: string | null } } | null;
}
interface Load {
  timeZone: string;
  people: { userId: string; months: { month: string; onCallHours: number; share: number; flagged: boolean }[] }[];
  backToBack: { userId: string; scheduleIds: string[]; from: string; to: string }[];
  recovery: RecoveryEntry[];
}
interface Stats {
  median: number | null;
  p90: number | null;
  mean: number | null;
  count: number;
}
interface Card {
  serviceId: string;
  name: string;
  owningTeam: { id: string; name: string; slug: string };
  openIncidents: number;
  pages: number;
  pagesPerWeek: number;
  noisyShare: number | null;
  mtta: Stats;
  mttr: Stats;
  postmortemCompletion: number | null;
  overdueActionItems: number;
  runbookCoverage: { hasRunbook: boolean; runbookCount: number; alertRulesCovered: number | null };
  knowledgeFlag: boolean;
  knowledgeHolder: { userId: string; share: number } | null;
  score: number;
}

for (const engine of ENGINES) {
  describe(`people health over a fixed history [${engine}]`, () => {
    let t: TestMuster;
    const clock = new FakeClock(at('2026-10-30T12:00:00Z'));
    const u: Record<string, string> = {};
    const tok: Record<string, string> = {};
    const id: Record<string, string> = {};
    let db: Kysely<Database>;

    const ok = <T>(r: { status: number; body: T }, what: string): T => {
      assert.ok(r.status >= 200 && r.status < 300, `${what}: HTTP ${r.status} ${JSON.stringify(r.body)}`);
      return r.body;
    };
    const get = async <T>(path: string, who = 'admin') => ok(await t.api<T>('GET', path, undefined, tok[who]), path);

    // ---- the past, written directly ----------------------------------------------------------------------------
    const incident = async (
      key: string,
      o: {
        service: string;
        severity: string;
        declared: string;
        ackMin: number;
        resMin: number | null;
        kind?: string;
      },
    ) => {
      const d = at(o.declared);
      id[key] = newId('inc', d);
      await db
        .insertInto('incidents')
        .values({
          id: id[key],
          title: `Incident ${key}`,
          summary: '',
          severity: o.severity,
          status: o.resMin === null ? 'investigating' : 'resolved',
          declaredByUserId: null,
          declaredByLabel: 'Test',
          declaredAt: d,
          updatedAt: d,
          impactStartedAt: d,
          detectedAt: d,
          acknowledgedAt: d + o.ackMin * MIN,
          mitigatedAt: o.resMin === null ? null : d + o.resMin * MIN,
          resolvedAt: o.resMin === null ? null : d + o.resMin * MIN,
          suspectedChangeId: null,
          timerGeneration: 0,
          lastEventSeq: 0,
          kind: o.kind ?? 'real',
          firstAlertAt: null,
        })
        .execute();
      await db
        .insertInto('incidentServices')
        .values({ incidentId: id[key], serviceId: id[o.service]!, createdAt: d })
        .execute();
    };
    const role = (inc: string, who: string, r: string) =>
      db
        .insertInto('roleAssignments')
        .values({
          id: newId('rol', NOW),
          incidentId: id[inc]!,
          role: r,
          userId: u[who]!,
          startedAt: NOW - 30 * DAY,
          endedAt: null,
          assignedByLabel: 'Test',
          endedByLabel: null,
        })
        .execute();
    const joined = (inc: string, who: string) =>
      db
        .insertInto('incidentParticipants')
        .values({
          incidentId: id[inc]!,
          userId: u[who]!,
          firstJoinedAt: NOW - 30 * DAY,
          lastJoinedAt: NOW - 30 * DAY,
          joinCount: 1,
          via: 'join',
        })
        .execute();
    const resolvedBy = (inc: string, who: string) =>
      db
        .insertInto('incidentEvents')
        .values({
          id: newId('iev', NOW),
          incidentId: id[inc]!,
          seq: 1,
          at: NOW - 30 * DAY,
          kind: 'status_changed',
          actorUserId: u[who]!,
          actorLabel: who,
          body: 'investigating → resolved',
          details: JSON.stringify({ from: 'investigating', to: 'resolved', message: null, milestones: [] }),
          isFlagged: 0,
        })
        .execute();
    /** An alert of a service at `created` (resolved at `resolved`), optionally acknowledged, linked, paged. */
    const alert = async (
      key: string,
      o: {
        service: string;
        created: string;
        resolved: string;
        ruleKey?: string;
        classification?: string;
        isDrill?: boolean;
        ackBy?: string;
        incident?: string;
        paged?: string;
      },
    ) => {
      const c = at(o.created);
      const r = at(o.resolved);
      const groupId = newId('agr', c);
      id[key] = newId('alt', c);
      const ruleKey = o.ruleKey ?? 'ApiErrors';
      await db
        .insertInto('alertGroups')
        .values({
          id: groupId,
          serviceId: id[o.service]!,
          groupKey: `alertname=${ruleKey}/${key}`,
          title: ruleKey,
          status: 'resolved',
          alertCount: 1,
          openCount: 0,
          firstAlertAt: c,
          lastAlertAt: c,
          resolvedAt: r,
          createdAt: c,
          updatedAt: r,
        })
        .execute();
      await db
        .insertInto('alerts')
        .values({
          id: id[key],
          serviceId: id[o.service]!,
          groupId,
          integrationKeyId: null,
          source: 'generic',
          dedupKey: key,
          openKey: null,
          status: 'resolved',
          severity: 'critical',
          summary: `Alert ${key}`,
          description: '',
          labels: JSON.stringify({ alertname: ruleKey }),
          annotations: '{}',
          context: '[]',
          isPaging: 1,
          hasRunbook: 0,
          sourceStartsAt: c,
          firstSeenAt: c,
          lastSeenAt: c,
          occurrenceCount: 1,
          acknowledgedAt: o.ackBy ? c + MIN : null,
          acknowledgedByUserId: o.ackBy ? u[o.ackBy]! : null,
          acknowledgedByLabel: o.ackBy ?? null,
          resolvedAt: r,
          resolvedByUserId: null,
          resolvedByLabel: 'generic',
          classification: o.classification ?? null,
          classificationNote: null,
          createdAt: c,
          updatedAt: r,
          ruleKey,
          suppressedReason: null,
          suppressedById: null,
          suppressedUntil: null,
          pagedAt: c,
          isDrill: o.isDrill ? 1 : 0,
        })
        .execute();
      if (o.ackBy)
        await db
          .insertInto('alertEvents')
          .values({
            id: newId('aev', c + MIN),
            alertId: id[key],
            at: c + MIN,
            kind: 'acknowledged',
            actorUserId: u[o.ackBy]!,
            actorLabel: o.ackBy,
            payloadId: null,
            details: '{}',
          })
          .execute();
      if (o.incident)
        await db
          .insertInto('incidentAlerts')
          .values({ incidentId: id[o.incident]!, alertId: id[key], linkedAt: c, linkedByLabel: 'Test' })
          .execute();
      if (o.paged)
        await db
          .insertInto('escalationLog')
          .values({
            id: newId('elog', c),
            runId: newId('erun', c),
            alertId: id[key],
            at: c,
            kind: 'paged',
            levelIndex: 0,
            pass: 0,
            userIds: JSON.stringify([u[o.paged]!]),
            reason: 'on call',
          })
          .execute();
    };

    before(async () => {
      t = await startTestMuster(engine, {}, { clock });
      db = t.muster.services.db.kysely;
      u.admin = ok(await t.api<{ id: string }>('GET', '/api/me'), 'me').id;
      tok.admin = t.adminToken;
      id.core = ok(await t.api<{ id: string }>('POST', '/api/teams', { name: 'Core' }), 'team').id;
      id.other = ok(await t.api<{ id: string }>('POST', '/api/teams', { name: 'Other' }), 'team').id;
      const people: [string, string, string, string][] = [
        ['hana', 'Hana', 'Europe/Berlin', 'core'],
        ['ann', 'Ann', 'UTC', 'core'],
        ['bob', 'Bob', 'UTC', 'core'],
        ['cai', 'Cai', 'UTC', 'core'],
        ['oz', 'Oz', 'UTC', 'other'],
        ['oy', 'Oy', 'UTC', 'other'],
      ];
      for (const [key, name, timezone, team] of people) {
        u[key] = ok(
          await t.api<{ user: { id: string } }>('POST', '/api/users', {
            email: `${key}@example.test`,
            name,
            timezone,
            password: 'a long enough password',
          }),
          'user',
        ).user.id;
        const r = key === 'ann' ? 'admin' : 'responder';
        ok(await t.api('PUT', `/api/teams/${id[team]}/members/${u[key]}`, { role: r }), 'member');
        tok[key] = (await t.muster.services.tokens.create(systemActor('test'), { userId: u[key], name: 't' })).token;
      }
      // The bootstrap administrator created both teams (and so joined them): a team of four means leaving them.
      await db.deleteFrom('teamMembers').where('userId', '=', u.admin).execute();
      for (const [key, name, team] of [
        ['api', 'api', 'core'],
        ['db', 'db', 'core'],
        ['queue', 'queue', 'core'],
        ['billing', 'billing', 'other'],
      ] as const)
        id[key] = ok(await t.api<{ id: string }>('POST', '/api/services', { name, teamId: id[team] }), 'service').id;

      // Schedules (UTC). A: Cai alone, weekly, since October; Hana covers 10 Nov 00:00 – 18 Nov 12:00 (8.5 days)
      // and 1 Dec. B: Bob 1–5 Nov (the layer ends), Hana covers 18 Nov 12:00 – 19 Nov 00:00 (half a day).
      const layer = (participants: string[], startDate: string, endsAt?: string) => ({
        name: 'Rotation',
        participants,
        turn: { unit: 'weeks', count: 1 },
        startDate,
        handoffTime: '00:00',
        ...(endsAt ? { endsAt } : {}),
      });
      id.schedA = ok(
        await t.api<{ id: string }>('POST', '/api/schedules', {
          teamId: id.core,
          name: 'Core primary',
          timezone: 'UTC',
          layers: [layer([u.cai!], '2026-10-01')],
        }),
        'schedule A',
      ).id;
      id.schedB = ok(
        await t.api<{ id: string }>('POST', '/api/schedules', {
          teamId: id.core,
          name: 'Core database',
          timezone: 'UTC',
          layers: [layer([u.bob!], '2026-11-01', '2026-11-05T00:00:00Z')],
        }),
        'schedule B',
      ).id;
      for (const [s, start, end] of [
        ['schedA', '2026-11-10T00:00:00Z', '2026-11-18T12:00:00Z'],
        ['schedB', '2026-11-18T12:00:00Z', '2026-11-19T00:00:00Z'],
        ['schedA', '2026-12-01T00:00:00Z', '2026-12-02T00:00:00Z'],
      ] as const)
        ok(
          await t.api('POST', `/api/schedules/${id[s]}/overrides`, { userId: u.hana, start, end }),
          `override ${s} ${start}`,
        );

      // api is paged through schedule B (its escalation policy), so that is the rotation a shadow joins.
      const policy = ok(
        await t.api<{ id: string }>('POST', '/api/escalation-policies', {
          teamId: id.core,
          name: 'api',
          repeat: 0,
          workingHours: { timezone: 'UTC', days: [1, 2, 3, 4, 5], start: '09:00', end: '17:00' },
          levels: [{ delayMinutes: 5, targets: [{ type: 'schedule', id: id.schedB }] }],
        }),
        'policy',
      );
      ok(await t.api('PATCH', `/api/services/${id.api}`, { escalationPolicyId: policy.id }), 'policy link');

      // Runbooks: one linked to db by service, one to queue's QueueDepth rule only; api has none.
      ok(
        await t.api('POST', '/api/runbooks', {
          teamId: id.core,
          title: 'Database failover',
          body: '1. Fail over.',
          serviceIds: [id.db],
        }),
        'runbook by service',
      );
      ok(
        await t.api('POST', '/api/runbooks', {
          teamId: id.core,
          title: 'Queue depth',
          body: '1. Add consumers.',
          alertRules: [{ alertname: 'QueueDepth', matchers: [] }],
        }),
        'runbook by alert rule',
      );

      // Incidents.
      const inc = (k: string, service: string, severity: string, day: number, ackMin: number, resMin: number | null) =>
        incident(k, {
          service,
          severity,
          declared: `2026-11-${String(day).padStart(2, '0')}T10:00:00Z`,
          ackMin,
          resMin,
        });
      await inc('I1', 'api', 'P1', 2, 5, 60);
      await inc('I2', 'api', 'P2', 3, 10, 120);
      await inc('I3', 'api', 'P3', 4, 15, 30);
      await inc('I4', 'api', 'P3', 5, 20, 90);
      await inc('I5', 'api', 'P3', 6, 25, 45);
      await inc('I6', 'db', 'P3', 9, 4, 40);
      await inc('I7', 'db', 'P3', 12, 6, 20);
      await inc('I8', 'db', 'P3', 16, 8, 60);
      await inc('I9', 'db', 'P2', 20, 2, null);
      await incident('D', {
        service: 'api',
        severity: 'P3',
        declared: '2026-11-07T10:00:00Z',
        ackMin: 1,
        resMin: null,
        kind: 'drill',
      });
      await incident('M', {
        service: 'api',
        severity: 'P1',
        declared: '2026-11-08T10:00:00Z',
        ackMin: 1,
        resMin: 30,
        kind: 'imported',
      });
      await incident('IO', {
        service: 'billing',
        severity: 'P3',
        declared: '2026-11-20T10:00:00Z',
        ackMin: 1,
        resMin: 30,
      });
      for (const k of ['I1', 'I2', 'I3', 'I4', 'I9', 'IO']) await role(k, 'hana', 'commander');
      await role('I1', 'ann', 'technical_lead');
      await role('I5', 'bob', 'commander');
      await role('I5', 'ann', 'communications_lead');
      await role('I7', 'hana', 'technical_lead');
      await role('D', 'ann', 'commander');
      await role('M', 'ann', 'commander');
      await joined('I5', 'ann');
      await joined('I8', 'hana');
      await joined('I9', 'cai');
      await joined('D', 'ann');
      await resolvedBy('I5', 'bob');
      await resolvedBy('I8', 'hana');
      // The post-mortem of I1, published (a template row first: post-mortems name theirs).
      const templateId = newId('pmt', NOW);
      await db
        .insertInto('postmortemTemplates')
        .values({
          id: templateId,
          name: 'Test',
          description: '',
          sections: '[]',
          isBuiltin: 0,
          archivedAt: null,
          createdAt: NOW,
          updatedAt: NOW,
        })
        .execute();
      await db
        .insertInto('postmortems')
        .values({
          id: newId('pm', NOW),
          incidentId: id.I1!,
          templateId,
          templateSections: '[]',
          title: 'Post-mortem',
          status: 'published',
          ownerUserId: u.hana!,
          dueAt: at('2026-11-20T00:00:00Z'),
          isRequired: 1,
          sections: '{}',
          impact: '{}',
          publicSummary: null,
          publicSummaryPublishedAt: null,
          revision: 1,
          createdByLabel: 'Test',
          createdAt: at('2026-11-03T00:00:00Z'),
          updatedAt: at('2026-11-10T00:00:00Z'),
          reviewRequestedAt: at('2026-11-09T00:00:00Z'),
          publishedAt: at('2026-11-10T00:00:00Z'),
          remindedAt: null,
        })
        .execute();

      // Alerts, acknowledgements and pages.
      const r = (iso_: string, min: number) => iso(at(iso_) + min * MIN);
      const A = (
        k: string,
        service: string,
        created: string,
        o: Parameters<typeof alert>[1] extends infer P ? Partial<P> : never,
      ) => alert(k, { service, created, resolved: r(created, 30), ...o });
      await A('A1', 'api', '2026-11-02T09:55:00Z', { ackBy: 'hana', incident: 'I1', classification: 'actionable' });
      await A('A2', 'api', '2026-11-03T09:55:00Z', { ackBy: 'hana', incident: 'I2', classification: 'actionable' });
      await A('A3', 'api', '2026-11-04T09:55:00Z', { ackBy: 'hana', incident: 'I3', classification: 'not_actionable' });
      await A('A4', 'api', '2026-11-05T09:55:00Z', { ackBy: 'hana', incident: 'I4', classification: 'false_positive' });
      await A('A5', 'api', '2026-11-21T12:00:00Z', { ackBy: 'hana' });
      await A('A6', 'db', '2026-11-09T09:55:00Z', {
        ackBy: 'hana',
        incident: 'I6',
        classification: 'actionable',
        ruleKey: 'DbSlow',
      });
      await A('A7', 'api', '2026-11-22T12:00:00Z', { ackBy: 'ann' });
      await A('AB', 'db', '2026-11-09T09:56:00Z', { ackBy: 'bob', incident: 'I6', ruleKey: 'DbSlow' });
      await db
        .insertInto('incidentAlerts')
        .values({ incidentId: id.D!, alertId: id.AB!, linkedAt: at('2026-11-09T09:56:00Z'), linkedByLabel: 'Test' })
        .execute();
      await A('A8', 'db', '2026-11-23T12:00:00Z', { ackBy: 'bob', ruleKey: 'DbSlow' });
      await A('Q1', 'queue', '2026-11-24T12:00:00Z', { ruleKey: 'QueueDepth', classification: 'actionable' });
      await A('Q2', 'queue', '2026-11-24T13:00:00Z', { ruleKey: 'QueueLag' });
      // What must not count: a drill key's alert, alerts of the drill and of the imported incident (each acknowledged
      // by Ann and paging her at 23:00 UTC, her sleep), and the other team's.
      await alert('AD', {
        service: 'api',
        created: '2026-11-17T23:00:00Z',
        resolved: '2026-11-18T01:00:00Z',
        isDrill: true,
        ackBy: 'ann',
        paged: 'ann',
        classification: 'false_positive',
      });
      await alert('AX', {
        service: 'api',
        created: '2026-11-18T23:00:00Z',
        resolved: '2026-11-19T01:00:00Z',
        ackBy: 'ann',
        paged: 'ann',
        incident: 'D',
      });
      await alert('AI', {
        service: 'api',
        created: '2026-11-19T23:00:00Z',
        resolved: '2026-11-20T01:00:00Z',
        ackBy: 'ann',
        paged: 'ann',
        incident: 'M',
      });
      await alert('AO1', {
        service: 'billing',
        created: '2026-11-20T02:00:00Z',
        resolved: '2026-11-20T03:00:00Z',
        paged: 'hana',
        incident: 'IO',
      });
      await A('AO2', 'billing', '2026-11-20T04:00:00Z', { ackBy: 'bob' });
      await A('AO3', 'billing', '2026-11-20T05:00:00Z', { ackBy: 'oz' });
      // Pages (not acknowledged: pages and acknowledgements are separate measures).
      const page = (k: string, created: string, resolved: string, who: string) =>
        alert(k, { service: 'api', created, resolved, paged: who, ruleKey: 'ApiLatency' });
      await page('PA', '2026-11-10T02:12:00Z', '2026-11-10T04:12:00Z', 'hana');
      await page('PB', '2026-11-10T02:42:00Z', '2026-11-10T05:12:00Z', 'hana');
      await page('PC', '2026-11-14T02:00:00Z', '2026-11-14T04:30:00Z', 'hana');
      await page('PD', '2026-11-12T16:30:00Z', '2026-11-12T17:30:00Z', 'hana');
      await page('PE', '2026-11-15T22:30:00Z', '2026-11-15T23:00:00Z', 'hana');
      await page('PF', '2026-11-11T10:00:00Z', '2026-11-11T12:00:00Z', 'hana');
      await page('PG', '2026-11-17T20:00:00Z', '2026-11-17T21:00:00Z', 'ann');
      await page('PH', '2026-12-01T02:12:00Z', '2026-12-01T03:00:00Z', 'hana');

      // Action items (through the API, now): two overdue (I2, I9), one due later (I9); overdue ones of the drill D
      // and the imported M, left out like the rest of them.
      clock.set(NOW);
      for (const [k, due] of [
        ['I2', '2026-11-25T00:00:00Z'],
        ['I9', '2026-11-25T00:00:00Z'],
        ['I9', '2026-12-10T00:00:00Z'],
        ['D', '2026-11-25T00:00:00Z'],
        ['M', '2026-11-25T00:00:00Z'],
      ] as const)
        ok(
          await t.api('POST', '/api/action-items', {
            incidentId: id[k],
            title: `Follow up ${k}`,
            ownerUserId: u.hana,
            teamId: id.core,
            dueAt: due,
          }),
          'action item',
        );
    });
    after(async () => t.stop());

    it('heroes: Hana carries most of the team, with each reason, share and the median', async () => {
      const h = await get<Heroes>(`/api/people/heroes?teamId=${id.core}&${WINDOW}`, 'bob');
      assert.deepEqual(h.thresholds, { medianFactor: 2, shareOfTeam: 1 / 3, minCount: 5 });
      // Listed: the four members only (Oz answered for another team; the bootstrap admin left). Flagged first, then
      // by pages acknowledged (Bob 2, Ann 1, Cai 0).
      assert.deepEqual(
        h.people.map((p) => p.name),
        ['Hana', 'Bob', 'Ann', 'Cai'],
      );
      const by = Object.fromEntries(h.people.map((p) => [p.name, p]));
      // pages acknowledged: Hana A1–A6 = 6, Ann A7 = 1 (AD, AX, AI left out), Bob A8, AB = 2 (AO2 is Other's), Cai 0.
      // incidents: Hana I1–I4, I7, I9 (roles), I6 (ack of A6), I8 (joined) = 8; Ann I1, I5 = 2; Bob I5, I6 (AB) = 2;
      // Cai I9 = 1.
      // roles: Hana IC of I1–I4, I9 and TL of I7 = 6 (IO is Other's); Ann TL I1, CL I5 = 2 (D, M left out); Bob 1.
      // off-hours page hours (Hana in Berlin): PA+PB merged 02:12–05:12 = 3, PC (Saturday) 2.5, PD (17:30 Berlin,
      // 16:30 UTC) 1, PE 0.5; PF is in working hours; AO1 is Other's: 7. Ann: PG 1 (her drill pages left out).
      const measures = (p: Person) => [p.pagesAcknowledged, p.incidentsResponded, p.rolesHeld, p.offHoursPageHours];
      assert.deepEqual(measures(by.Hana!), [6, 8, 6, 7]);
      assert.deepEqual(measures(by.Ann!), [1, 2, 2, 1]);
      assert.deepEqual(measures(by.Bob!), [2, 2, 1, 0]);
      assert.deepEqual(measures(by.Cai!), [0, 1, 0, 0]);
      // Totals 9, 13, 9, 8; medians of [0,1,2,6] = 1.5, [1,2,2,8] = 2, [0,1,2,6] = 1.5, [0,0,1,7] = 0.5.
      assert.deepEqual(h.teamTotals, { pages: 9, incidents: 13, roles: 9, offHours: 8 });
      assert.deepEqual(h.median, { pages: 1.5, incidents: 2, roles: 1.5, offHours: 0.5 });
      // Shares: 6/9, 8/13, 6/9, 7/8; Ann's 1/9, 2/13, 2/9, 1/8.
      assert.deepEqual(by.Hana!.share, { pages: 0.667, incidents: 0.615, roles: 0.667, offHours: 0.875 });
      assert.deepEqual(by.Ann!.share, { pages: 0.111, incidents: 0.154, roles: 0.222, offHours: 0.125 });
      // Every measure of Hana's is at least 5, above 2 × the median and above a third of the total.
      assert.equal(by.Hana!.flagged, true);
      assert.deepEqual(by.Hana!.reasons, [
        "Acknowledged 6 pages: 67% of the team's 9; 4× the team median of 1.5.",
        "Responded to 8 incidents: 62% of the team's 13; 4× the team median of 2.",
        "Held 6 incident roles: 67% of the team's 9; 4× the team median of 1.5.",
        "Worked 7 hours on pages outside working hours: 88% of the team's 8; 14× the team median of 0.5.",
      ]);
      // Nobody else reaches the minimum of 5 on any measure.
      for (const name of ['Ann', 'Bob', 'Cai']) assert.equal(by[name]!.flagged, false, name);

      // Asked for, the drill and the imported incident count: Ann acknowledged A7, AD (a drill key's), AX (D's) and
      // AI (M's) = 4; responded to I1, I5, D and M = 4; held TL I1, CL I5, IC D, IC M = 4; her night pages AD, AX, AI
      // (2 h each) and PG (1 h) = 7 hours.
      const all = await get<Heroes & { window: { kinds: string[] } }>(
        `/api/people/heroes?teamId=${id.core}&${WINDOW}&includeKinds=drill,imported`,
      );
      assert.deepEqual(all.window.kinds, ['real', 'drill', 'imported']);
      assert.deepEqual(measures(all.people.find((p) => p.name === 'Ann')!), [4, 4, 4, 7]);
    });

    it('heroes: under the minimum count nobody is a hero, even with all of a quiet team', async () => {
      // Other: Oz, Oy, and Hana (IC of IO, paged for AO1 at 03:00 Berlin on a Friday) and Bob (acked AO2).
      const h = await get<Heroes>(`/api/people/heroes?teamId=${id.other}&${WINDOW}`);
      const by = Object.fromEntries(h.people.map((p) => [p.name, p]));
      assert.deepEqual(Object.keys(by).sort(), ['Bob', 'Hana', 'Oy', 'Oz']);
      // Hana holds all of its roles and off-hours hours (share 1, far above a third) but 1 of each is under 5.
      assert.deepEqual([by.Hana!.rolesHeld, by.Hana!.share.roles, by.Hana!.offHoursPageHours], [1, 1, 1]);
      assert.deepEqual([by.Oz!.pagesAcknowledged, by.Bob!.pagesAcknowledged], [1, 1]);
      assert.ok(h.people.every((p) => !p.flagged && p.reasons.length === 0));
    });

    it('heroes: the incidents, pages, roles and hours behind each of Hana’s figures, newest first', async () => {
      const items = async (measure: string) =>
        (
          await get<{ items: Item[]; truncated: boolean }>(
            `/api/people/heroes/incidents?teamId=${id.core}&userId=${u.hana}&measure=${measure}&${WINDOW}`,
          )
        ).items;
      const incidents = await items('incidents');
      assert.deepEqual(
        incidents.map((i) => i.incidentId),
        ['I9', 'I8', 'I7', 'I6', 'I4', 'I3', 'I2', 'I1'].map((k) => id[k]),
      );
      assert.equal(incidents.find((i) => i.incidentId === id.I8)!.detail, 'joined the room');
      assert.equal(
        incidents.find((i) => i.incidentId === id.I1)!.detail,
        'acknowledged a page, held Incident Commander',
      );
      assert.deepEqual(
        (await items('pages')).map((i) => i.alertId),
        ['A5', 'A6', 'A4', 'A3', 'A2', 'A1'].map((k) => id[k]),
      );
      assert.deepEqual(
        (await items('roles')).map((i) => [i.incidentId, i.detail]).sort(),
        [
          [id.I1, 'Incident Commander'],
          [id.I2, 'Incident Commander'],
          [id.I3, 'Incident Commander'],
          [id.I4, 'Incident Commander'],
          [id.I7, 'Technical Lead'],
          [id.I9, 'Incident Commander'],
        ].sort(),
      );
      // Each page on its own: PA 2 h, PB 2.5 h (the figure merges them to 3), PC 2.5, PD 1, PE 0.5; PF is in hours.
      assert.deepEqual(
        (await items('offHours')).map((i) => [i.alertId, i.detail]),
        [
          [id.PE, 'Paged outside working hours; 0.5 h until resolved'],
          [id.PC, 'Paged outside working hours; 2.5 h until resolved'],
          [id.PD, 'Paged outside working hours; 1 h until resolved'],
          [id.PB, 'Paged outside working hours; 2.5 h until resolved'],
          [id.PA, 'Paged outside working hours; 2 h until resolved'],
        ],
      );
    });

    it('knowledge: api depends on Hana (4 of 5, with the three remedies); db’s 4 of 4 is under the minimum', async () => {
      const k = await get<Knowledge>(`/api/people/knowledge?teamId=${id.core}&${WINDOW}`, 'cai');
      assert.deepEqual(
        k.services.map((s) => [s.name, s.incidents, s.flagged]),
        [
          ['api', 5, true],
          ['db', 4, false],
          ['queue', 0, false],
        ],
      );
      const api = k.services[0]!;
      // Handled: Hana I1–I4 (IC, and acks); Ann I1 (TL; her CL role and joining I5 are not handling); Bob I5 (IC,
      // resolved). The drill D and the imported M (Ann IC) are left out: 5 incidents, Hana 4/5 = 0.8.
      assert.deepEqual(
        api.people.map((p) => [p.name, p.handled, p.share]),
        [
          ['Hana', 4, 0.8],
          ['Ann', 1, 0.2],
          ['Bob', 1, 0.2],
        ],
      );
      assert.deepEqual(
        api.remedies.map((r) => [r.kind, r.href]),
        [
          ['write_runbook', `/runbooks/new?serviceId=${id.api}`],
          // The rotation that answers for api (its policy's schedule B), not the team's first schedule (A).
          ['add_shadow', `/oncall/schedules/${id.schedB}`],
          ['pair_next', '/teams/core'],
        ],
      );
      // db: Hana each way of handling once: acked A6 (I6), TL (I7), resolved (I8), IC (I9); Bob acked AB (I6, and the
      // drill's); Cai only joined I9.
      const dbs = k.services[1]!;
      assert.deepEqual(
        dbs.people.map((p) => [p.name, p.handled, p.share]),
        [
          ['Hana', 4, 1],
          ['Bob', 1, 0.25],
        ],
      );
      assert.deepEqual(dbs.remedies, []);
      // One service asked for by id gives the same figure.
      const one = await get<Knowledge>(`/api/people/knowledge?serviceId=${id.api}&${WINDOW}`);
      assert.deepEqual(
        one.services.map((s) => [s.name, s.incidents, s.flagged]),
        [['api', 5, true]],
      );
    });

    it('load: Hana 9 days of November (0.3, flagged), back-to-back across two schedules, recovery mornings', async () => {
      const l = await get<Load>(`/api/people/load?teamId=${id.core}&${WINDOW}`);
      assert.equal(l.timeZone, 'UTC');
      // Cai: 720 − 204 h (Hana's override in A) = 516 h, 516/720 = 0.717; Hana 204 + 12 = 216 h = 0.3; Bob 1–5 Nov
      // = 96 h = 0.133 (not above 0.25). The 1 December cover is outside the window.
      assert.deepEqual(
        l.people.map((p) => [p.userId, p.months.map((m) => [m.month, m.onCallHours, m.share, m.flagged])]),
        [
          [u.cai, [['2026-11-01T00:00:00.000Z', 516, 0.717, true]]],
          [u.hana, [['2026-11-01T00:00:00.000Z', 216, 0.3, true]]],
          [u.bob, [['2026-11-01T00:00:00.000Z', 96, 0.133, false]]],
        ],
      );
      assert.deepEqual(l.backToBack, [
        {
          userId: u.hana,
          name: 'Hana',
          scheduleIds: [id.schedA, id.schedB].sort(),
          from: '2026-11-10T00:00:00.000Z',
          to: '2026-11-19T00:00:00.000Z',
        },
      ]);
      // Recovery (Hana's sleep pages, Berlin 23:00–07:00): PA and PB on Tuesday 10 Nov at 03:12/03:42 Berlin → that
      // morning 09:00–13:00 Berlin = 08:00–12:00 UTC (2 pages); PC on Saturday 03:00 Berlin → the next working morning
      // is Monday, more than a day away: the weekend is the recovery; PE on Sunday 23:30 Berlin → Monday 16 Nov
      // 08:00–12:00 UTC. Ann's drill pages at 23:00 UTC are left out. Hana is on call in A both mornings: Cai, free
      // then, is proposed to cover. Newest first.
      assert.deepEqual(
        l.recovery.map((r) => [r.userId, r.pagedAt, r.pages, r.recoveryFrom, r.recoveryTo, r.cover]),
        [
          [
            u.hana,
            '2026-11-15T22:30:00.000Z',
            1,
            '2026-11-16T08:00:00.000Z',
            '2026-11-16T12:00:00.000Z',
            {
              scheduleId: id.schedA,
              scheduleName: 'Core primary',
              proposal: {
                start: '2026-11-16T08:00:00.000Z',
                end: '2026-11-16T12:00:00.000Z',
                userId: u.cai,
                userName: 'Cai',
              },
            },
          ],
          [
            u.hana,
            '2026-11-10T02:12:00.000Z',
            2,
            '2026-11-10T08:00:00.000Z',
            '2026-11-10T12:00:00.000Z',
            {
              scheduleId: id.schedA,
              scheduleName: 'Core primary',
              proposal: {
                start: '2026-11-10T08:00:00.000Z',
                end: '2026-11-10T12:00:00.000Z',
                userId: u.cai,
                userName: 'Cai',
              },
            },
          ],
        ],
      );
    });

    it('recovery: my recovery after tonight’s page, covered in one click (the override is there); another team’s responder may not', async () => {
      // PH: Tuesday 1 Dec 02:12 UTC = 03:12 Berlin → 09:00–13:00 Berlin = 08:00–12:00 UTC; Hana is on call in A all
      // day (her override), Cai is free.
      const mine = await get<{ recovery: RecoveryEntry[] }>('/api/me/recovery', 'hana');
      assert.deepEqual(
        mine.recovery.map((r) => [r.pagedAt, r.recoveryFrom, r.recoveryTo, r.cover?.scheduleId, r.cover?.proposal]),
        [
          [
            '2026-12-01T02:12:00.000Z',
            '2026-12-01T08:00:00.000Z',
            '2026-12-01T12:00:00.000Z',
            id.schedA,
            {
              start: '2026-12-01T08:00:00.000Z',
              end: '2026-12-01T12:00:00.000Z',
              userId: u.cai,
              userName: 'Cai',
            },
          ],
        ],
      );
      assert.deepEqual((await get<{ recovery: RecoveryEntry[] }>('/api/me/recovery', 'ann')).recovery, []);

      const body = { scheduleId: id.schedA, start: '2026-12-01T08:00:00Z', end: '2026-12-01T12:00:00Z', userId: u.cai };
      const refused = await t.api('POST', '/api/people/recovery/cover', body, tok.oz);
      assert.equal(refused.status, 403, JSON.stringify(refused.body));
      const made = await t.api<{ id: string; userId: string }>('POST', '/api/people/recovery/cover', body, tok.hana);
      assert.equal(made.status, 201, JSON.stringify(made.body));
      const overrides = await get<{ overrides: { id: string; userId: string; start: string; end: string }[] }>(
        `/api/schedules/${id.schedA}/overrides?from=2026-12-01T00:00:00Z&to=2026-12-02T00:00:00Z`,
      );
      const cover = overrides.overrides.find((o) => o.id === made.body.id);
      assert.deepEqual(cover && [cover.userId, cover.start, cover.end], [
        u.cai,
        '2026-12-01T08:00:00.000Z',
        '2026-12-01T12:00:00.000Z',
      ]);
      // Covered: Hana is no longer on call that morning, so nothing is left to propose.
      const after_ = await get<{ recovery: RecoveryEntry[] }>('/api/me/recovery', 'hana');
      assert.equal(after_.recovery.length, 1);
      assert.equal(after_.recovery[0]!.cover, null);
    });

    it('the health card: every figure of api, db and queue, and the team ranking by the documented score', async () => {
      const card = async (s: string) => get<Card>(`/api/services/${id[s]}/health-card?${WINDOW}`, 'oz');
      const api = await card('api');
      assert.deepEqual(api.owningTeam, { id: id.core, name: 'Core', slug: 'core' });
      // Open: none (the drill D is open but left out). Pages: PA–PG = 7 people paged (PH is in December; AD, AX, AI
      // are the drill's and the imported incident's) over 30/7 weeks = 1.63. Noisy: A3, A4 of the 4 judged = 0.5 (AD's
      // false positive is a drill key's). MTTA 5, 10, 15, 20, 25 min: median 900 s, p90 1500, mean 900. MTTR 60, 120,
      // 30, 90, 45 min: median 3600 s, p90 7200, mean 4140. Post-mortems: I1 published, I2 none = 0.5 (M, imported,
      // left out). Overdue: I2's item (D's and M's are a drill's and an imported incident's). Runbooks: none; rule
      // keys ApiErrors and ApiLatency, none covered: 0.
      assert.deepEqual(
        {
          open: api.openIncidents,
          pages: api.pages,
          perWeek: api.pagesPerWeek,
          noisy: api.noisyShare,
          mtta: api.mtta,
          mttr: api.mttr,
          pm: api.postmortemCompletion,
          overdue: api.overdueActionItems,
          runbooks: api.runbookCoverage,
          knowledge: api.knowledgeFlag,
          holder: api.knowledgeHolder && [api.knowledgeHolder.userId, api.knowledgeHolder.share],
        },
        {
          open: 0,
          pages: 7,
          perWeek: 1.63,
          noisy: 0.5,
          mtta: { median: 900, p90: 1500, mean: 900, count: 5 },
          mttr: { median: 3600, p90: 7200, mean: 4140, count: 5 },
          pm: 0.5,
          overdue: 1,
          runbooks: { hasRunbook: false, runbookCount: 0, alertRulesCovered: 0 },
          knowledge: true,
          holder: [u.hana, 0.8],
        },
      );
      // Score: 1.63 pages a week + 10 × 0.5 noisy + 5 × (1 − 0.5) + 2 × 1 overdue + 3 without a runbook + 5 knowledge.
      assert.equal(api.score, 19.13);

      const dbc = await card('db');
      // Open: I9. No pages. Noisy: A6 actionable of 1 judged = 0. MTTA 4, 6, 8, 2 min: median 300 s, p90 480, mean
      // 300. MTTR 40, 20, 60 min (I9 open): median 2400 s, p90 3600, mean 2400. Post-mortems: none eligible (I9, the
      // only P2, is open). Overdue: I9's item due 25 Nov (the one due 10 Dec is not). A runbook by service covers
      // its one rule key. Knowledge: 4 incidents, under 5.
      assert.deepEqual(
        [
          dbc.openIncidents,
          dbc.pagesPerWeek,
          dbc.noisyShare,
          dbc.mtta,
          dbc.mttr,
          dbc.postmortemCompletion,
          dbc.overdueActionItems,
          dbc.runbookCoverage,
          dbc.knowledgeFlag,
        ],
        [
          1,
          0,
          0,
          { median: 300, p90: 480, mean: 300, count: 4 },
          { median: 2400, p90: 3600, mean: 2400, count: 3 },
          null,
          1,
          { hasRunbook: true, runbookCount: 1, alertRulesCovered: 1 },
          false,
        ],
      );
      // Score: 3 × 1 open + 2 × 1 overdue = 5.
      assert.equal(dbc.score, 5);

      const queue = await card('queue');
      // No incidents; Q1 judged actionable (noisy 0); a runbook by alert rule covers QueueDepth, not QueueLag: 0.5.
      assert.deepEqual(
        [
          queue.openIncidents,
          queue.pagesPerWeek,
          queue.noisyShare,
          queue.mtta.count,
          queue.mttr.median,
          queue.postmortemCompletion,
          queue.overdueActionItems,
          queue.runbookCoverage,
          queue.knowledgeFlag,
        ],
        [0, 0, 0, 0, null, null, 0, { hasRunbook: true, runbookCount: 1, alertRulesCovered: 0.5 }, false],
      );
      // Score: 3 × (1 − 0.5) = 1.5.
      assert.equal(queue.score, 1.5);

      const ranking = await get<{ services: Card[] }>(`/api/teams/${id.core}/service-health?${WINDOW}`);
      assert.deepEqual(
        ranking.services.map((s) => [s.name, s.score]),
        [
          ['api', 19.13],
          ['db', 5],
          ['queue', 1.5],
        ],
      );
    });

    it('settings: a team admin changes the hero threshold (and the flag follows); a responder may not; bad values are named', async () => {
      const path = `/api/teams/${id.core}/people-settings`;
      const refused = await t.api('PUT', path, { heroMinCount: 8 }, tok.bob);
      assert.equal(refused.status, 403, JSON.stringify(refused.body));
      const bad = await t.api<{ error: { details: { problems: { field: string }[] } } }>(
        'PUT',
        path,
        { knowledgeShare: 2, heroShareOfTeam: 0 },
        tok.ann,
      );
      assert.equal(bad.status, 400, JSON.stringify(bad.body));
      assert.deepEqual(bad.body.error.details.problems.map((p) => p.field).sort(), [
        'heroShareOfTeam',
        'knowledgeShare',
      ]);
      const saved = await t.api<{ heroMinCount: number; saved: boolean }>('PUT', path, { heroMinCount: 8 }, tok.ann);
      assert.equal(saved.status, 200, JSON.stringify(saved.body));
      assert.deepEqual([saved.body.heroMinCount, saved.body.saved], [8, true]);
      // At least 8 now: only Hana's 8 incidents still qualify (6 pages, 6 roles and 7 hours do not).
      const h = await get<Heroes>(`/api/people/heroes?teamId=${id.core}&${WINDOW}`);
      assert.equal(h.thresholds.minCount, 8);
      const hana = h.people.find((p) => p.userId === u.hana)!;
      assert.deepEqual(hana.reasons, ["Responded to 8 incidents: 62% of the team's 13; 4× the team median of 2."]);
      // And knowledge: 4 of 5 is under a share of 0.9.
      ok(await t.api('PUT', path, { heroMinCount: 5, knowledgeShare: 0.9 }, tok.ann), 'settings');
      const k = await get<Knowledge>(`/api/people/knowledge?teamId=${id.core}&${WINDOW}`);
      assert.equal(k.services.find((s) => s.name === 'api')!.flagged, false);
      ok(await t.api('PUT', path, { knowledgeShare: 0.8 }, tok.ann), 'settings');
    });
  });
}
