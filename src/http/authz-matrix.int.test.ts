/**
 * The authorization matrix: every route the app registers × {anonymous, viewer, responder, another team's admin, the
 * team's admin, an organisation admin}, against the access policy each route declares (src/http/access.ts). The
 * expected outcome of a policy for each role is below (`expected`); a route with no policy stops the app from starting,
 * so a new route cannot slip through untested. Requests carry empty bodies: the policy is enforced before the body is
 * parsed or validated, so a refused caller gets 401/403 and an allowed one anything else (400 for the empty body, 404
 * for a made-up id, 2xx, …). Then targeted checks of what the route table cannot see: declaring, acting on incidents,
 * the public page, cross-team references, and the paged user's acknowledgement.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import Fastify from 'fastify';
import { ENGINES } from '../db/testing/index.js';
import { startTestMuster, type TestMuster } from '../testing/server.js';
import { installAccess, ROUTE_ACCESS, routeAccessTable, type Access, type RouteAccess } from './access.js';

const ROLES = ['anonymous', 'viewer', 'responder', 'otherTeamAdmin', 'teamAdmin', 'orgAdmin'] as const;
type Role = (typeof ROLES)[number];

/**
 * Who each policy lets through, for the fixture: team A (teamAdmin: admin, responder, viewer) owns the service, its
 * policy, schedule, alert, silence and window; the incident affects A's service and teamAdmin is its commander;
 * otherTeamAdmin is an admin of team B only; `self` routes name the responder; the team's owner is orgAdmin.
 * 'same': the route checks its own credential (integration keys, signatures, links): every role gets the same answer.
 */
function expected(access: Access): Set<Role> | 'same' {
  const r = (...roles: Role[]) => new Set<Role>(roles);
  switch (access) {
    case 'public':
    case 'integration':
      return 'same';
    case 'metrics':
    case 'org-admin':
    case 'owner@team':
      return r('orgAdmin');
    case 'signed-in':
      return r('viewer', 'responder', 'otherTeamAdmin', 'teamAdmin', 'orgAdmin');
    case 'self':
      return r('responder', 'orgAdmin');
    case 'self-or-their-team-admin':
      return r('responder', 'teamAdmin', 'orgAdmin');
    case 'any-responder':
      return r('responder', 'otherTeamAdmin', 'teamAdmin', 'orgAdmin');
    case 'any-team-admin':
      return r('otherTeamAdmin', 'teamAdmin', 'orgAdmin');
    case 'incident-comms':
      return r('teamAdmin', 'orgAdmin');
    case 'incident-actor':
    case 'postmortem-actor':
    case 'action-item-actor':
    case 'gameday-actor':
    case 'run-decider':
    case 'paged-or-responder@alert':
    case 'self-or-admin@team':
      return r('responder', 'teamAdmin', 'orgAdmin');
    default:
      if (access.startsWith('viewer@')) return r('viewer', 'responder', 'teamAdmin', 'orgAdmin');
      return access.startsWith('responder@') ? r('responder', 'teamAdmin', 'orgAdmin') : r('teamAdmin', 'orgAdmin');
  }
}

interface Fixture {
  tokens: Record<Exclude<Role, 'anonymous'>, string>;
  users: Record<'viewer' | 'responder' | 'otherTeamAdmin' | 'teamAdmin' | 'paged' | 'loner', string>;
  loner: string;
  paged: string;
  teamA: string;
  teamB: string;
  /** Like team A (owner orgAdmin, the same members), for the team deletes. */
  teamC: string;
  service: string;
  policy: string;
  schedule: string;
  /** Another of team A's schedules, for the schedule delete. */
  spareSchedule: string;
  alert: string;
  silence: string;
  window: string;
  incident: string;
  /** A second integration key of the service, for rotate and revoke (the first one fires alerts). */
  spareKey: string;
  /** The incident's post-mortem (a draft, no owner): its actors are the incident's. */
  postmortem: string;
  /** An action item of the incident in team A, owned by someone without a token (loner). */
  actionItem: string;
  /** A game day of team A (facilitated by the organisation admin). */
  gameday: string;
  /** A runbook of team A. */
  runbook: string;
  /** A Muster agent of team A. */
  agent: string;
  /** An automation rule of team A. */
  automationRule: string;
  /** A remediation action of team A (mode approval, HTTP to a closed local port) and a run of it awaiting approval. */
  action: string;
  run: string;
}

/** A path with the fixture's ids (or made-up ones where any id will do) in place of its parameters. */
function fill(method: string, url: string, f: Fixture): string {
  const deleting = method === 'DELETE';
  const byPrefix: [string, string][] = [
    ['/api/users/', f.users.responder],
    ['/api/incidents/', f.incident],
    ['/api/postmortems/', f.postmortem],
    ['/api/action-items/', f.actionItem],
    ['/api/gamedays/', f.gameday],
    ['/api/agents/', f.agent],
    ['/api/runbooks/', f.runbook],
    ['/api/automation-rules/', f.automationRule],
    ['/api/actions/', f.action],
    ['/api/runs/', f.run],
    ['/api/alerts/', f.alert],
    ['/api/schedules/', deleting && url === '/api/schedules/:id' ? f.spareSchedule : f.schedule],
    ['/api/escalation-policies/', f.policy],
    ['/api/silences/', f.silence],
    ['/api/services/', f.window],
  ];
  const named: Record<string, string> = {
    service: f.service,
    team: deleting ? f.teamC : f.teamA,
    userId: f.users.responder,
    incidentId: f.incident,
    keyId: f.spareKey,
    severity: 'P3',
    milestone: 'detectedAt',
    role: 'technical_lead',
    action: 'accept',
    key: 'no-such-key',
  };
  return url
    .replace(/:(\w+)/g, (_m, name: string) => {
      if (name === 'id') return byPrefix.find(([p]) => url.startsWith(p))?.[1] ?? 'nothing_here';
      return named[name] ?? 'nothing_here';
    })
    .replace(/\*$/, 'x');
}

/** Status only; event streams are closed as soon as their headers arrive. */
async function statusOf(base: string, method: string, path: string, token: string | null): Promise<number> {
  const ac = new AbortController();
  const res = await fetch(base + path, {
    method,
    signal: ac.signal,
    headers: {
      ...(token ? { authorization: `Bearer ${token}` } : {}),
      ...(method === 'GET' || method === 'DELETE' ? {} : { 'content-type': 'application/json' }),
    },
    ...(method === 'GET' || method === 'DELETE' ? {} : { body: '{}' }),
  });
  if ((res.headers.get('content-type') ?? '').includes('text/event-stream')) ac.abort();
  else await res.arrayBuffer();
  return res.status;
}

/** Writes before deletes; deeper paths deleted before their parents, the team last; refused roles before allowed. */
function ordered(table: readonly RouteAccess[]): RouteAccess[] {
  const depth = (u: string) => u.split('/').length;
  const rank = (r: RouteAccess) => (r.method !== 'DELETE' ? 0 : r.url.startsWith('/api/teams/') ? 2 : 1);
  return [...table].sort((a, b) => rank(a) - rank(b) || (rank(a) > 0 ? depth(b.url) - depth(a.url) : 0));
}

for (const engine of ENGINES) {
  describe(`authorization matrix [${engine}]`, () => {
    let t: TestMuster;
    let f: Fixture;

    const ok = <T>(r: { status: number; body: T }, what: string): T => {
      assert.ok(r.status >= 200 && r.status < 300, `${what}: HTTP ${r.status} ${JSON.stringify(r.body)}`);
      return r.body;
    };

    before(async () => {
      t = await startTestMuster(engine);
      const users = {} as Fixture['users'];
      const tokens = {} as Fixture['tokens'];
      for (const name of ['viewer', 'responder', 'otherTeamAdmin', 'teamAdmin', 'paged', 'loner'] as const) {
        const u = ok(
          await t.api<{ user: { id: string } }>('POST', '/api/users', {
            email: `${name.toLowerCase()}@example.test`,
            name,
            password: 'a long enough password',
          }),
          `user ${name}`,
        );
        users[name] = u.user.id;
        if (name !== 'paged' && name !== 'loner') {
          tokens[name] = ok(
            await t.api<{ token: string }>('POST', '/api/tokens', { name: 'matrix', userId: u.user.id }),
            `token ${name}`,
          ).token;
        }
      }
      tokens.orgAdmin = t.adminToken;
      const teamA = ok(await t.api<{ id: string }>('POST', '/api/teams', { name: 'Team A' }), 'team A').id;
      const teamB = ok(await t.api<{ id: string }>('POST', '/api/teams', { name: 'Team B' }), 'team B').id;
      const teamC = ok(await t.api<{ id: string }>('POST', '/api/teams', { name: 'Team C' }), 'team C').id;
      for (const [who, team, role] of [
        ['teamAdmin', teamA, 'admin'],
        ['responder', teamA, 'responder'],
        ['viewer', teamA, 'viewer'],
        ['otherTeamAdmin', teamB, 'admin'],
        ['teamAdmin', teamC, 'admin'],
        ['responder', teamC, 'responder'],
        ['viewer', teamC, 'viewer'],
      ] as const) {
        ok(await t.api('PUT', `/api/teams/${team}/members/${users[who]}`, { role }), `${who} in ${team}`);
      }
      const schedule = ok(
        await t.api<{ id: string }>('POST', '/api/schedules', { teamId: teamA, name: 'A primary', timezone: 'UTC' }),
        'schedule',
      ).id;
      const spareSchedule = ok(
        await t.api<{ id: string }>('POST', '/api/schedules', { teamId: teamA, name: 'A spare', timezone: 'UTC' }),
        'spare schedule',
      ).id;
      const policy = ok(
        await t.api<{ id: string }>('POST', '/api/escalation-policies', {
          teamId: teamA,
          name: 'A policy',
          workingHours: { timezone: 'UTC', days: [1, 2, 3, 4, 5, 6, 7], start: '00:00', end: '23:59' },
          levels: [
            {
              delayMinutes: 5,
              targets: [
                { type: 'schedule', id: schedule },
                { type: 'user', id: users.paged },
              ],
            },
          ],
        }),
        'policy',
      ).id;
      const service = ok(
        await t.api<{ id: string }>('POST', '/api/services', {
          teamId: teamA,
          name: 'A checkout',
          escalationPolicyId: policy,
        }),
        'service',
      ).id;
      ok(
        await t.api('POST', `/api/users/${users.paged}/contact-methods`, {
          kind: 'email',
          address: 'paged@example.test',
        }),
        'contact method',
      );
      const created = ok(
        await t.api<{ id: string; key: string }>('POST', `/api/services/${service}/integration-keys`, {
          source: 'generic',
        }),
        'integration key',
      );
      const spareKey = ok(
        await t.api<{ id: string }>('POST', `/api/services/${service}/integration-keys`, { source: 'generic' }),
        'spare key',
      ).id;
      const fire = async (dedupKey: string): Promise<string> =>
        ok(
          await t.api<{ alerts: { alertId: string }[] }>(
            'POST',
            `/integrations/generic/${created.key}`,
            { status: 'firing', dedupKey, title: `Checkout down ${dedupKey}` },
            null,
          ),
          'alert',
        ).alerts[0]!.alertId;
      const alert = await fire('matrix');
      const endsAt = new Date(Date.now() + 3_600_000).toISOString();
      const silence = ok(
        await t.api<{ id: string }>('POST', '/api/silences', {
          service,
          matchers: [{ name: 'nothing', value: 'x', isRegex: false, isEqual: true }],
          endsAt,
          comment: 'matrix',
        }),
        'silence',
      ).id;
      const window = ok(
        await t.api<{ id: string }>('POST', `/api/services/${service}/maintenance-windows`, { endsAt }),
        'window',
      ).id;
      const incident = ok(
        await t.api<{ incident: { id: string } }>('POST', '/api/incidents', {
          title: 'Checkout down',
          severity: 'P2',
          serviceIds: [service],
        }),
        'incident',
      ).incident.id;
      ok(await t.api('PUT', `/api/incidents/${incident}/roles/commander`, { userId: users.teamAdmin }), 'commander');
      // The incident's post-mortem, started by hand (team A's incident: its responders and admins act on it).
      const postmortem = ok(
        await t.api<{ id: string }>('POST', `/api/incidents/${incident}/postmortem`, {}),
        'post-mortem',
      ).id;
      const actionItem = ok(
        await t.api<{ id: string }>('POST', '/api/action-items', {
          incidentId: incident,
          title: 'Alert on checkout latency',
          ownerUserId: users.loner,
          teamId: teamA,
        }),
        'action item',
      ).id;
      const gameday = ok(
        await t.api<{ id: string }>('POST', '/api/gamedays', {
          teamId: teamA,
          title: 'Matrix drill',
          serviceIds: [service],
        }),
        'game day',
      ).id;
      const runbook = ok(
        await t.api<{ id: string }>('POST', '/api/runbooks', {
          teamId: teamA,
          title: 'Checkout latency',
          body: '# Checkout latency\n\nLook at the dashboard.',
          serviceIds: [service],
        }),
        'runbook',
      ).id;
      const automationRule = ok(
        await t.api<{ id: string }>('POST', '/api/automation-rules', {
          teamId: teamA,
          name: 'First update',
          trigger: 'incident_declared',
          action: 'post_update',
          actionConfig: { message: 'We are looking into it.' },
        }),
        'automation rule',
      ).id;
      const action = ok(
        await t.api<{ id: string }>('POST', '/api/actions', {
          teamId: teamA,
          name: 'Restart checkout',
          kind: 'http',
          mode: 'approval',
          http: { method: 'POST', url: 'http://127.0.0.1:9/hooks/restart', allowPrivateAddress: true },
        }),
        'action',
      ).id;
      const run = ok(await t.api<{ id: string }>('POST', `/api/actions/${action}/runs`, {}), 'run').id;
      const agent = ok(
        await t.api<{ agent: { id: string } }>('POST', '/api/agents', { teamId: teamA, name: 'matrix-agent' }),
        'agent',
      ).agent.id;
      f = {
        tokens,
        users,
        loner: users.loner,
        paged: users.paged,
        teamA,
        teamB,
        teamC,
        service,
        policy,
        schedule,
        spareSchedule,
        alert,
        silence,
        window,
        incident,
        spareKey,
        postmortem,
        actionItem,
        gameday,
        runbook,
        agent,
        automationRule,
        action,
        run,
      };
      fireAlert = fire;
    });
    let fireAlert: (dedupKey: string) => Promise<string>;
    after(async () => t.stop());

    it('every route × every role gets what its declared policy says', async () => {
      const table = routeAccessTable(t.muster.app);
      assert.ok(table.length > 150, `the route table has ${table.length} routes`);
      // Every declaration names a real route (the web build's assets and the docs' static files aside).
      const registered = new Set(table.map((r) => `${r.method} ${r.url}`));
      const stale = Object.keys(ROUTE_ACCESS).filter(
        (k) => !registered.has(k) && !k.startsWith('GET /assets/') && !k.startsWith('GET /api/docs'),
      );
      assert.deepEqual(stale, [], 'ROUTE_ACCESS declares routes that do not exist');
      const wrong: string[] = [];
      let requests = 0;
      for (const route of ordered(table)) {
        const path = fill(route.method, route.url, f);
        const want = expected(route.access);
        const roles = want === 'same' ? ROLES : [...ROLES].sort((a, b) => Number(want.has(a)) - Number(want.has(b)));
        const seen: number[] = [];
        for (const role of roles) {
          const token = role === 'anonymous' ? null : f.tokens[role];
          const status = await statusOf(t.url, route.method, path, token);
          requests++;
          seen.push(status);
          if (want === 'same') continue;
          const refused = role === 'anonymous' ? 401 : 403;
          if (want.has(role) ? status === 401 || status === 403 : status !== refused) {
            wrong.push(`${route.method} ${route.url} (${route.access}) as ${role}: ${status}`);
          }
        }
        if (want === 'same' && new Set(seen).size !== 1) {
          wrong.push(`${route.method} ${route.url} (${route.access}) differs by role: ${seen.join(', ')}`);
        }
      }
      assert.deepEqual(wrong, [], `${wrong.length} of ${requests} requests disagree with the declared policy`);
      console.log(
        `authorization matrix [${engine}]: ${table.length} operations × ${ROLES.length} roles, ${requests} requests`,
      );
    });

    it('refuses an anonymous caller before reading the body: 401, never a validation error naming fields', async () => {
      const bad = await t.api<{ error: { code: string } }>('POST', '/api/services', { nonsense: 1 }, null);
      assert.equal(bad.status, 401);
      assert.equal(bad.body.error.code, 'unauthenticated');
      const garbled = await t.api<{ error: { code: string } }>('POST', '/api/incidents', '{"title":', null);
      assert.equal(garbled.status, 401);
      // A signed-in caller still gets the validation error.
      const named = await t.api<{ error: { code: string } }>('POST', '/api/services', { nonsense: 1 });
      assert.equal(named.status, 400);
    });

    it('lets any responder declare, and only responders of an affected team or role holders act', async () => {
      const declare = (token: string | null) =>
        t.api<{ incident: { id: string } }>('POST', '/api/incidents', { title: 'Who may', severity: 'P3' }, token);
      assert.equal((await declare(f.tokens.viewer)).status, 403);
      const lonerToken = (await t.api<{ token: string }>('POST', '/api/tokens', { name: 'x', userId: f.loner })).body
        .token;
      assert.equal((await declare(lonerToken)).status, 403, 'a user in no team');
      const byB = await declare(f.tokens.otherTeamAdmin);
      assert.equal(byB.status, 201, 'a responder of any team declares');
      // While an incident affects no service, any responder acts on it; a viewer still does not.
      const onUnowned = (token: string) =>
        t.api('PATCH', `/api/incidents/${byB.body.incident.id}`, { summary: 'No service yet' }, token);
      assert.equal((await onUnowned(f.tokens.viewer)).status, 403);
      assert.equal((await onUnowned(f.tokens.responder)).status, 200);
      // A's incident: B's admin may not change it; A's responder may; a role holder from B may.
      const sev = (token: string) =>
        t.api('POST', `/api/incidents/${f.incident}/severity`, { severity: 'P2', reason: 'matrix' }, token);
      assert.equal((await sev(f.tokens.otherTeamAdmin)).status, 403);
      assert.equal((await sev(f.tokens.viewer)).status, 403);
      assert.equal((await sev(f.tokens.responder)).status, 200);
      const tl = await t.api('PUT', `/api/incidents/${f.incident}/roles/technical_lead`, {
        userId: f.users.otherTeamAdmin,
      });
      assert.equal(tl.status, 200, JSON.stringify(tl.body));
      assert.equal((await sev(f.tokens.otherTeamAdmin)).status, 200, 'the technical lead acts');
      // The public page: the commander publishes; a responder who holds no communications role does not.
      const publish = (token: string) =>
        t.api(
          'POST',
          `/api/status-page/incidents/${f.incident}`,
          { components: [], message: 'Checkout is slow' },
          token,
        );
      assert.equal((await publish(f.tokens.responder)).status, 403);
      assert.equal((await publish(f.tokens.otherTeamAdmin)).status, 403, 'the technical lead is not comms');
      const published = await publish(f.tokens.teamAdmin);
      assert.ok(
        published.status < 300,
        `the commander publishes: ${published.status} ${JSON.stringify(published.body)}`,
      );
    });

    it("refuses another team's policy or schedule unless its team shares it", async () => {
      const bService = await t.api<{ id: string }>(
        'POST',
        '/api/services',
        { teamId: f.teamB, name: 'B billing' },
        f.tokens.otherTeamAdmin,
      );
      assert.equal(bService.status, 201, JSON.stringify(bService.body));
      const attach = () =>
        t.api<{ error: { code: string; details: { problems: { field: string }[] } } }>(
          'PATCH',
          `/api/services/${bService.body.id}`,
          { escalationPolicyId: f.policy },
          f.tokens.otherTeamAdmin,
        );
      const refused = await attach();
      assert.equal(refused.status, 403);
      assert.equal(refused.body.error.code, 'cross_team_reference');
      assert.equal(refused.body.error.details.problems[0]!.field, 'escalationPolicyId');
      const onCreate = await t.api<{ error: { code: string } }>(
        'POST',
        '/api/services',
        { teamId: f.teamB, name: 'B other', escalationPolicyId: f.policy },
        f.tokens.otherTeamAdmin,
      );
      assert.equal(onCreate.status, 403);
      // Only A's admins may share it.
      assert.equal(
        (await t.api('PATCH', `/api/escalation-policies/${f.policy}`, { shared: true }, f.tokens.otherTeamAdmin))
          .status,
        403,
      );
      const shared = await t.api<{ shared: boolean }>(
        'PATCH',
        `/api/escalation-policies/${f.policy}`,
        { shared: true },
        f.tokens.teamAdmin,
      );
      assert.equal(shared.status, 200, JSON.stringify(shared.body));
      assert.equal(shared.body.shared, true);
      assert.equal((await attach()).status, 200);
      // Schedules: B's policy may not page A's schedule until A shares it.
      const bPolicy = (name: string) =>
        t.api<{ error: { code: string; details: { problems: { field: string }[] } } }>(
          'POST',
          '/api/escalation-policies',
          {
            teamId: f.teamB,
            name,
            workingHours: { timezone: 'UTC', days: [1], start: '09:00', end: '17:00' },
            levels: [{ delayMinutes: 5, targets: [{ type: 'schedule', id: f.schedule }] }],
          },
          f.tokens.otherTeamAdmin,
        );
      const noSchedule = await bPolicy('B pages A');
      assert.equal(noSchedule.status, 403);
      assert.equal(noSchedule.body.error.details.problems[0]!.field, 'levels[0].targets[0].id');
      assert.equal(
        (await t.api('PATCH', `/api/schedules/${f.schedule}`, { shared: true }, f.tokens.teamAdmin)).status,
        200,
      );
      assert.equal((await bPolicy('B pages A, shared')).status, 201);
      const unshare = await t.api<{ error: { details: { problems: { field: string }[] } } }>(
        'PATCH',
        `/api/schedules/${f.schedule}`,
        { shared: false },
        f.tokens.teamAdmin,
      );
      assert.equal(unshare.status, 400, 'not while B pages it');
      assert.equal(unshare.body.error.details.problems[0]!.field, 'shared');
      const unsharePolicy = await t.api(
        'PATCH',
        `/api/escalation-policies/${f.policy}`,
        { shared: false },
        f.tokens.teamAdmin,
      );
      assert.equal(unsharePolicy.status, 400, "not while B's service uses it");
    });

    it('lets whoever was paged acknowledge the page, team member or not', async () => {
      const alert = await fireAlert('paged-ack');
      const pagedToken = (await t.api<{ token: string }>('POST', '/api/tokens', { name: 'x', userId: f.paged })).body
        .token;
      const lonerToken = (await t.api<{ token: string }>('POST', '/api/tokens', { name: 'y', userId: f.loner })).body
        .token;
      const deadline = Date.now() + 10_000;
      for (;;) {
        const n = await t.api<{ notifications: unknown[] }>('GET', `/api/notifications?alertId=${alert}`);
        if (n.status === 200 && n.body.notifications.length > 0) break;
        assert.ok(Date.now() < deadline, `no page for the paged user: ${JSON.stringify(n.body)}`);
        await new Promise((r) => setTimeout(r, 50));
      }
      assert.equal((await t.api('POST', `/api/alerts/${alert}/acknowledge`, {}, lonerToken)).status, 403);
      assert.equal((await t.api('POST', `/api/alerts/${alert}/classification`, {}, pagedToken)).status, 403);
      const acked = await t.api<{ status: string }>('POST', `/api/alerts/${alert}/acknowledge`, {}, pagedToken);
      assert.equal(acked.status, 200, JSON.stringify(acked.body));
      assert.equal(acked.body.status, 'acknowledged');
    });
  });
}

describe('route access declarations', () => {
  it('refuses to start an app with a route that declares no access policy', async () => {
    const app = Fastify({ logger: false });
    installAccess(app);
    await assert.rejects(async () => {
      app.get('/api/healthz-but-new', async () => ({}));
      await app.ready();
    }, /declares no access policy/);
  });

  it('accepts a route that declares its own policy, and names the disagreeing older auth level', async () => {
    const app = Fastify({ logger: false });
    installAccess(app);
    app.get('/api/new-thing', { config: { access: 'org-admin' } }, async () => ({}));
    await app.ready();
    assert.deepEqual(routeAccessTable(app), [{ method: 'GET', url: '/api/new-thing', access: 'org-admin' }]);
    const bad = Fastify({ logger: false });
    installAccess(bad);
    await assert.rejects(async () => {
      bad.get('/api/other', { config: { auth: 'admin', access: 'signed-in' } }, async () => ({}));
      await bad.ready();
    }, /disagrees/);
  });
});
