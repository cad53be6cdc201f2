/**
 * Set-up shared by integration tests on a real server (startTestMuster): people with API tokens in teams, the three
 * tracker stand-ins, polling for what a job does, and the fields a 400 names. Everything goes through the HTTP API,
 * as the administrator the test server starts with.
 */
import assert from 'node:assert/strict';
import { ADMIN_EMAIL, type TestMuster } from './server.js';
import { GithubStandIn, GitlabStandIn, JiraStandIn } from './trackers.js';

/** Poll `fn` every 25 ms until it answers something truthy; throw naming `what` after `ms`. */
export async function until<T>(what: string, fn: () => Promise<T | null | undefined | false>, ms = 20_000): Promise<T> {
  const deadline = Date.now() + ms;
  for (;;) {
    const v = await fn();
    if (v) return v;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 25));
  }
}

/** The fields a problem answer (400 `validation_failed`) names, in order. */
export const problemFields = (body: unknown): string[] =>
  ((body as { error?: { details?: { problems?: { field: string }[] } } }).error?.details?.problems ?? []).map(
    (p) => p.field,
  );

export interface People {
  /** User ids by the name given (`ida`). */
  u: Record<string, string>;
  /** Each user's API token by the same name. */
  tok: Record<string, string>;
  /** Team ids by team name. */
  teams: Record<string, string>;
}

/**
 * Users named `names` (shown capitalised, email `<name>@example.test`), each with an API token; teams by name; and
 * each `[user, team, role]` membership (every call asserted to succeed).
 */
export async function seedPeople(
  t: TestMuster,
  spec: { users: readonly string[]; teams: readonly string[]; members: readonly (readonly [string, string, string])[] },
): Promise<People> {
  const people: People = { u: {}, tok: {}, teams: {} };
  for (const name of spec.users) {
    const r = await t.api<{ user: { id: string } }>('POST', '/api/users', {
      email: `${name}@example.test`,
      name: name[0]!.toUpperCase() + name.slice(1),
    });
    assert.equal(r.status, 201, JSON.stringify(r.body));
    people.u[name] = r.body.user.id;
    people.tok[name] = (
      await t.api<{ token: string }>('POST', '/api/tokens', { name: 'test', userId: r.body.user.id })
    ).body.token;
  }
  for (const name of spec.teams) {
    people.teams[name] = (await t.api<{ id: string }>('POST', '/api/teams', { name })).body.id;
  }
  for (const [who, team, role] of spec.members) {
    const r = await t.api('PUT', `/api/teams/${people.teams[team]}/members/${people.u[who]}`, { role });
    assert.equal(r.status, 200, JSON.stringify(r.body));
  }
  return people;
}

export interface TrackerStandIns {
  github: GithubStandIn;
  jira: JiraStandIn;
  gitlab: GitlabStandIn;
  close(): Promise<void>;
}

/** The GitHub, Jira and GitLab stand-ins, started, each accepting one token for the repositories/projects named. */
export async function startTrackerStandIns(spec: {
  github: { token: string; repositories: string[] };
  jira: { email: string; token: string; projects: string[] };
  gitlab: { token: string; projects: string[] };
}): Promise<TrackerStandIns> {
  const github = await new GithubStandIn(spec.github.token, spec.github.repositories).start();
  const jira = await new JiraStandIn(spec.jira.email, spec.jira.token, spec.jira.projects).start();
  const gitlab = await new GitlabStandIn(spec.gitlab.token, spec.gitlab.projects).start();
  return {
    github,
    jira,
    gitlab,
    close: async () => {
      await Promise.all([github.close(), jira.close(), gitlab.close()]);
    },
  };
}

/** A team `Search` owning a service `search`, and a P1 "Search is down" on it, resolved. */
export async function resolvedSearchP1(
  t: TestMuster,
): Promise<{ teamId: string; serviceId: string; incidentId: string }> {
  const teamId = (await t.api<{ id: string }>('POST', '/api/teams', { name: 'Search' })).body.id;
  const serviceId = (await t.api<{ id: string }>('POST', '/api/services', { name: 'search', teamId })).body.id;
  const declared = await t.api<{ incident: { id: string } }>('POST', '/api/incidents', {
    title: 'Search is down',
    severity: 'P1',
    serviceIds: [serviceId],
  });
  const incidentId = declared.body.incident.id;
  assert.equal((await t.api('POST', `/api/incidents/${incidentId}/status`, { status: 'resolved' })).status, 200);
  return { teamId, serviceId, incidentId };
}

/** The incident's post-mortem (started here, or already by the resolve hook), tagged with the capacity factor. */
export async function postmortemWithCapacityFactor(t: TestMuster, incidentId: string): Promise<string> {
  const started = await t.api('POST', `/api/incidents/${incidentId}/postmortem`, {});
  assert.ok(started.status === 201 || started.status === 409, JSON.stringify(started.body));
  const pm = await t.api<{ id: string }>('GET', `/api/incidents/${incidentId}/postmortem`);
  assert.equal((await t.api('PUT', `/api/postmortems/${pm.body.id}/factors/cf_capacity`, {})).status, 201);
  return pm.body.id;
}

/** An action item of the incident, "Add a replica", owned by the administrator and due a minute ago. */
export async function overdueActionItem(t: TestMuster, incidentId: string, teamId: string): Promise<void> {
  const item = await t.api('POST', '/api/action-items', {
    incidentId,
    title: 'Add a replica',
    ownerUserId: ADMIN_EMAIL,
    teamId,
    dueAt: new Date(Date.now() - 60_000).toISOString(),
  });
  assert.equal(item.status, 201, JSON.stringify(item.body));
}
