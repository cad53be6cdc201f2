/**
 * Action items on a real server, both engines: no item without an owner (400 naming ownerUserId), the due date from
 * the priority, the team from the owner's only team, status transitions (won't do needs a reason, verified needs
 * evidence, reopening clears done), who may change an item, keyset pages that are complete and never overlap, and
 * tracker issues created in the GitHub, GitLab and Jira stand-ins (a refused one recorded on the item).
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { ENGINES } from '../db/testing/index.js';
import { DAY, FakeClock } from '../shared/clock.js';
import { startTestMuster, type TestMuster } from '../testing/server.js';
import { problemFields, seedPeople, startTrackerStandIns, until, type TrackerStandIns } from '../testing/fixtures.js';
import type { GithubStandIn, GitlabStandIn, JiraStandIn } from '../testing/trackers.js';

interface Item {
  id: string;
  title: string;
  owner: { id: string; name: string };
  team: { id: string; name: string };
  dueAt: string;
  priority: string;
  kind: string;
  status: string;
  statusReason: string | null;
  verification: string | null;
  doneAt: string | null;
  verifiedAt: string | null;
  incidentId: string | null;
  postmortemId: string | null;
  isOverdue: boolean;
  tracker: { provider: string; key: string | null; url: string } | null;
  trackerIssue: { status: string; error: string | null } | null;
}
interface Problem {
  error: { code: string; message: string; details?: { problems: { field: string; message: string }[] } };
}

const START = Date.parse('2026-03-02T08:00:00Z');

for (const engine of ENGINES) {
  describe(`action items [${engine}]`, () => {
    let t: TestMuster;
    const clock = new FakeClock(START);
    let u: Record<string, string>;
    let tok: Record<string, string>;
    let teamA: string;
    let teamB: string;
    let incident: string;
    let trackers: TrackerStandIns;
    let github: GithubStandIn;
    let jira: JiraStandIn;
    let gitlab: GitlabStandIn;

    before(async () => {
      t = await startTestMuster(engine, {}, { clock });
      trackers = await startTrackerStandIns({
        github: { token: 'ghp_secret_token', repositories: ['acme/platform'] },
        jira: { email: 'bot@acme.test', token: 'jira-api-token', projects: ['OPS'] },
        gitlab: { token: 'glpat-secret', projects: ['acme/platform'] },
      });
      ({ github, jira, gitlab } = trackers);
      const people = await seedPeople(t, {
        users: ['owen', 'rita', 'vic', 'multi', 'stranger'],
        teams: ['Payments', 'Search'],
        members: [
          ['owen', 'Payments', 'viewer'],
          ['rita', 'Payments', 'responder'],
          ['vic', 'Payments', 'viewer'],
          ['multi', 'Payments', 'responder'],
          ['multi', 'Search', 'responder'],
        ],
      });
      ({ u, tok } = people);
      teamA = people.teams.Payments!;
      teamB = people.teams.Search!;
      const inc = await t.api<{ incident: { id: string } }>('POST', '/api/incidents', {
        title: 'Card payments failing',
        severity: 'P2',
      });
      assert.equal(inc.status, 201, JSON.stringify(inc.body));
      incident = inc.body.incident.id;
    });
    after(async () => {
      await t.stop();
      await trackers.close();
    });

    const create = (body: Record<string, unknown>, token?: string) =>
      t.api<Item & Problem>('POST', '/api/action-items', { incidentId: incident, ...body }, token);
    const patch = (id: string, body: Record<string, unknown>, token?: string) =>
      t.api<Item & Problem>('PATCH', `/api/action-items/${id}`, body, token);

    it('refuses an item without an owner: 400 naming ownerUserId', async () => {
      const r = await create({ title: 'Add a canary for card payments', priority: 'high' });
      assert.equal(r.status, 400);
      assert.deepEqual(problemFields(r.body), ['ownerUserId']);
      assert.match(r.body.error.message, /without an owner will not get done/);
      const blank = await create({ title: 'Add a canary', ownerUserId: '  ' });
      assert.equal(blank.status, 400);
      assert.deepEqual(problemFields(blank.body), ['ownerUserId']);
      const unknown = await create({ title: 'Add a canary', ownerUserId: 'usr_nobody' });
      assert.deepEqual(problemFields(unknown.body), ['ownerUserId']);
    });

    it("defaults the due date from the priority and the team from the owner's only team", async () => {
      for (const [priority, days] of [
        ['high', 7],
        ['medium', 14],
        ['low', 30],
      ] as const) {
        const r = await create({ title: `Fix it (${priority})`, ownerUserId: u.rita, priority, kind: 'mitigate' });
        assert.equal(r.status, 201, JSON.stringify(r.body));
        assert.equal(r.body.dueAt, new Date(START + days * DAY).toISOString());
        assert.deepEqual(r.body.team, { id: teamA, name: 'Payments' });
        assert.equal(r.body.status, 'open');
        assert.equal(r.body.owner.name, 'Rita');
        assert.equal(r.body.incidentId, incident);
      }
      const byEmail = await create({ title: 'Owner by email', ownerUserId: 'RITA@example.test', dueAt: '2026-03-20' });
      assert.equal(byEmail.status, 201, JSON.stringify(byEmail.body));
      assert.equal(byEmail.body.owner.id, u.rita);
      assert.equal(byEmail.body.dueAt, '2026-03-20T17:00:00.000Z');
      const twoTeams = await create({ title: 'Whose?', ownerUserId: u.multi });
      assert.equal(twoTeams.status, 400);
      assert.deepEqual(problemFields(twoTeams.body), ['teamId']);
      const noTeam = await create({ title: 'Whose?', ownerUserId: u.stranger });
      assert.deepEqual(problemFields(noTeam.body), ['teamId']);
      const chosen = await create({ title: 'Search side', ownerUserId: u.multi, teamId: teamB });
      assert.equal(chosen.status, 201);
      assert.equal(chosen.body.team.id, teamB);
      const unlinked = await t.api<Problem>('POST', '/api/action-items', { title: 'Floating', ownerUserId: u.rita });
      assert.deepEqual(problemFields(unlinked.body), ['postmortemId']);
    });

    it('lets only those who may act on the incident add items', async () => {
      const r = await create({ title: 'A viewer tries', ownerUserId: u.rita }, tok.vic);
      assert.equal(r.status, 403);
      const ok = await create({ title: 'A responder adds', ownerUserId: u.owen }, tok.rita);
      assert.equal(ok.status, 201, JSON.stringify(ok.body));
    });

    it("links an item to a post-mortem (its incident and why node); the post-mortem's owner may add items", async () => {
      const now = Date.now();
      await t.muster.services.db.kysely
        .insertInto('postmortems')
        .values({
          id: 'pm_actions',
          incidentId: incident,
          templateId: 'pmt_standard',
          templateSections: '[]',
          title: 'Card payments failing',
          status: 'draft',
          ownerUserId: u.vic!,
          isRequired: 1,
          sections: '{}',
          impact: '{}',
          revision: 1,
          createdByLabel: 'test',
          createdAt: now,
          updatedAt: now,
        })
        .execute();
      await t.muster.services.db.kysely
        .insertInto('postmortemWhys')
        .values({
          id: 'why_gateway',
          postmortemId: 'pm_actions',
          parentId: null,
          position: 0,
          question: 'Why did payments fail?',
          answer: 'The gateway retried at once.',
          evidence: '[]',
          createdAt: now,
          updatedAt: now,
        })
        .execute();
      const r = await t.api<Item & Problem & { sourceWhyId: string; sourceSection: string }>(
        'POST',
        '/api/action-items',
        {
          postmortemId: 'pm_actions',
          title: 'Back off gateway retries',
          ownerUserId: u.rita,
          sourceSection: 'root_cause',
          sourceWhyId: 'why_gateway',
        },
        tok.vic,
      );
      assert.equal(r.status, 201, JSON.stringify(r.body));
      assert.equal(r.body.postmortemId, 'pm_actions');
      assert.equal(r.body.incidentId, incident, "the post-mortem's incident");
      assert.equal(r.body.sourceWhyId, 'why_gateway');
      assert.equal(r.body.sourceSection, 'root_cause');
      const badWhy = await t.api<Problem>('POST', '/api/action-items', {
        postmortemId: 'pm_actions',
        title: 'From nowhere',
        ownerUserId: u.rita,
        sourceWhyId: 'why_elsewhere',
      });
      assert.deepEqual(problemFields(badWhy.body), ['sourceWhyId']);
      const list = await t.api<{ items: Item[] }>('GET', '/api/action-items?postmortemId=pm_actions');
      assert.deepEqual(
        list.body.items.map((i) => i.title),
        ['Back off gateway retries'],
      );
    });

    it("moves through the statuses: won't do needs a reason, verified needs evidence, reopening clears done", async () => {
      const item = (await create({ title: 'Alert on card declines', ownerUserId: u.rita, kind: 'detect' })).body;
      const noReason = await patch(item.id, { status: 'wont_do' });
      assert.equal(noReason.status, 400);
      assert.deepEqual(problemFields(noReason.body), ['statusReason']);
      const early = await patch(item.id, { status: 'verified' });
      assert.deepEqual(problemFields(early.body), ['verification']);
      clock.advance(60_000);
      const done = await patch(item.id, { status: 'done' });
      assert.equal(done.status, 200, JSON.stringify(done.body));
      assert.equal(done.body.doneAt, new Date(START + 60_000).toISOString());
      const bare = await patch(item.id, { status: 'verified' });
      assert.deepEqual(problemFields(bare.body), ['verification']);
      const verified = await patch(item.id, {
        status: 'verified',
        verification: 'https://grafana.example/d/declines: no alert in 14 days',
        verificationAlertRule: 'CardDeclinesHigh',
      });
      assert.equal(verified.status, 200, JSON.stringify(verified.body));
      assert.equal(verified.body.status, 'verified');
      assert.ok(verified.body.verifiedAt);
      assert.equal(verified.body.doneAt, done.body.doneAt, 'verifying keeps when it was done');
      const reopened = await patch(item.id, { status: 'open' });
      assert.equal(reopened.body.doneAt, null);
      assert.equal(reopened.body.verifiedAt, null);
      const direct = await patch(item.id, { status: 'verified', verification: 'load test report: https://ci/run/9' });
      assert.equal(direct.status, 200, 'verified straight from open when the change brings the evidence');
      const wontDo = await patch(item.id, { status: 'wont_do', statusReason: 'the service is being retired' });
      assert.equal(wontDo.body.status, 'wont_do');
      assert.equal(wontDo.body.statusReason, 'the service is being retired');
      assert.equal(wontDo.body.verifiedAt, null);
      const audit = await t.api<{ events: { action: string; targetId: string }[] }>(
        'GET',
        '/api/audit-events?limit=200',
      );
      const actions = (audit.body.events ?? []).filter((e) => e.targetId === item.id).map((e) => e.action);
      assert.ok(
        actions.includes('action_item.created') && actions.includes('action_item.status_changed'),
        String(actions),
      );
    });

    it('lets the owner, responders of the team and admins change an item, nobody else', async () => {
      const item = (await create({ title: 'Owned by a viewer', ownerUserId: u.owen, teamId: teamA })).body;
      assert.equal((await patch(item.id, { status: 'in_progress' }, tok.owen)).status, 200, 'the owner');
      assert.equal((await patch(item.id, { priority: 'high' }, tok.rita)).status, 200, 'a responder of the team');
      assert.equal((await patch(item.id, { priority: 'low' }, tok.vic)).status, 403, 'a viewer of the team');
      assert.equal((await patch(item.id, { priority: 'low' }, tok.stranger)).status, 403, 'someone else');
      const moved = await patch(item.id, { ownerUserId: '' });
      assert.deepEqual(problemFields(moved.body), ['ownerUserId'], 'an owner cannot be removed');
    });

    it('pages the board by (dueAt, id): complete, in order, never overlapping, with filters', async () => {
      const mine: string[] = [];
      for (let i = 0; i < 23; i++) {
        const r = await create({
          title: `Board item ${i}`,
          ownerUserId: u.multi,
          teamId: teamB,
          // Several items share a due date: the id breaks the tie.
          dueAt: new Date(START + (i % 5) * DAY + DAY).toISOString(),
        });
        assert.equal(r.status, 201, JSON.stringify(r.body));
        mine.push(r.body.id);
      }
      const seen: Item[] = [];
      let cursor: string | null = null;
      let pages = 0;
      do {
        const q: string = `/api/action-items?teamId=${teamB}&limit=5${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`;
        const page = await t.api<{ items: Item[]; nextCursor: string | null }>('GET', q);
        assert.equal(page.status, 200, JSON.stringify(page.body));
        assert.ok(page.body.items.length <= 5);
        seen.push(...page.body.items);
        cursor = page.body.nextCursor;
        pages++;
      } while (cursor && pages < 20);
      const ids = seen.map((i) => i.id);
      assert.equal(new Set(ids).size, ids.length, 'no item on two pages');
      assert.equal(ids.length, 24, 'every one of team B’s items (23 + the one made earlier)');
      for (const id of mine) assert.ok(ids.includes(id));
      const keys = seen.map((i) => [Date.parse(i.dueAt), i.id] as const);
      const sorted = [...keys].sort((a, b) => a[0] - b[0] || (a[1] < b[1] ? -1 : 1));
      assert.deepEqual(keys, sorted, 'ordered by due date, then id');
      const mineOnly = await t.api<{ items: Item[] }>(
        'GET',
        '/api/action-items?owner=me&limit=200',
        undefined,
        tok.multi,
      );
      assert.equal(mineOnly.body.items.length, 24);
      assert.ok(mineOnly.body.items.every((i) => i.owner.id === u.multi));
      const bad = await t.api<Problem>('GET', '/api/action-items?cursor=bm9wZQ');
      assert.deepEqual(problemFields(bad.body), ['cursor']);
      const badStatus = await t.api<Problem>('GET', '/api/action-items?status=open,closed');
      assert.deepEqual(problemFields(badStatus.body), ['status']);
    });

    it('lists overdue items: past due and still open or in progress', async () => {
      const late = (await create({ title: 'Already late', ownerUserId: u.rita, dueAt: '2026-03-01T00:00:00Z' })).body;
      const lateDone = (await create({ title: 'Late but done', ownerUserId: u.rita, dueAt: '2026-03-01T00:00:00Z' }))
        .body;
      await patch(lateDone.id, { status: 'done' });
      const r = await t.api<{ items: Item[] }>('GET', `/api/action-items?overdue=true&teamId=${teamA}`);
      assert.deepEqual(
        r.body.items.map((i) => i.id),
        [late.id],
      );
      assert.equal(r.body.items[0]!.isOverdue, true);
      const open = await t.api<{ items: Item[] }>('GET', `/api/action-items?overdue=true&status=done`);
      assert.deepEqual(open.body.items, [], 'a finished item is never overdue');
    });

    it('connects trackers (team admins; token never returned; private base URLs only by an administrator)', async () => {
      const r = await t.api<Problem>(
        'PUT',
        `/api/teams/${teamA}/trackers/github`,
        { baseUrl: github.url, project: 'acme/platform', token: 'ghp_secret_token' },
        tok.rita,
      );
      assert.equal(r.status, 403, 'a responder is not a team admin');
      await t.api('PUT', `/api/teams/${teamA}/members/${u.rita}`, { role: 'admin' });
      const priv = await t.api<Problem>(
        'PUT',
        `/api/teams/${teamA}/trackers/github`,
        { baseUrl: github.url, project: 'acme/platform', token: 'ghp_secret_token' },
        tok.rita,
      );
      assert.equal(priv.status, 400);
      assert.deepEqual(problemFields(priv.body), ['baseUrl'], 'a private address from a team admin');
      const bad = await t.api<Problem>('PUT', `/api/teams/${teamA}/trackers/github`, { project: 'no-slash' });
      assert.deepEqual(problemFields(bad.body).sort(), ['project', 'token']);
      const gh = await t.api<Record<string, unknown>>('PUT', `/api/teams/${teamA}/trackers/github`, {
        baseUrl: github.url,
        project: 'acme/platform',
        token: 'ghp_secret_token',
        allowPrivateAddress: true,
      });
      assert.equal(gh.status, 200, JSON.stringify(gh.body));
      assert.equal(gh.body.hasToken, true);
      assert.ok(!JSON.stringify(gh.body).includes('ghp_secret_token'), 'the token is never returned');
      const stored = await t.muster.services.db.kysely.selectFrom('trackerConnections').select('tokenSealed').execute();
      assert.ok(
        stored.every((s) => !s.tokenSealed.includes('ghp_secret_token')),
        'stored sealed',
      );
      const jiraConn = await t.api('PUT', `/api/teams/${teamB}/trackers/jira`, {
        baseUrl: jira.url,
        project: 'OPS',
        username: 'bot@acme.test',
        token: 'jira-api-token',
        allowPrivateAddress: true,
      });
      assert.equal(jiraConn.status, 200, JSON.stringify(jiraConn.body));
      const missing = await t.api('GET', `/api/teams/${teamA}/trackers/jira`);
      assert.equal(missing.status, 404);
    });

    it('creates the issue in GitHub and in Jira, and links it on the item', async () => {
      const a = await create({
        title: 'Retry card authorisations with backoff',
        description: 'The gateway retried at once and amplified the outage.',
        ownerUserId: u.rita,
        teamId: teamA,
        priority: 'high',
        createTrackerIssue: true,
      });
      assert.equal(a.status, 201, JSON.stringify(a.body));
      assert.equal(a.body.trackerIssue?.status, 'pending');
      const linked = await until('the GitHub issue', async () => {
        const r = await t.api<Item>('GET', `/api/action-items/${a.body.id}`);
        return r.body.tracker && r.body;
      });
      assert.deepEqual(linked.tracker, {
        provider: 'github',
        key: 'acme/platform#1',
        url: 'https://github.com/acme/platform/issues/1',
      });
      assert.equal(linked.trackerIssue, null);
      assert.equal(github.issues[0]!.title, 'Retry card authorisations with backoff');
      assert.match(github.issues[0]!.body ?? '', /amplified the outage/);
      const req = github.requests.find((x) => x.method === 'POST')!;
      assert.equal(req.headers['x-github-api-version'], '2022-11-28');
      assert.equal(req.headers.accept, 'application/vnd.github+json');

      const b = await create({ title: 'Document the failover', ownerUserId: u.multi, teamId: teamB, kind: 'process' });
      const asked = await t.api<Item>('POST', `/api/action-items/${b.body.id}/tracker`, {});
      assert.equal(asked.status, 202, JSON.stringify(asked.body));
      const jiraLinked = await until('the Jira issue', async () => {
        const r = await t.api<Item>('GET', `/api/action-items/${b.body.id}`);
        return r.body.tracker && r.body;
      });
      assert.deepEqual(jiraLinked.tracker, { provider: 'jira', key: 'OPS-1', url: `${jira.url}/browse/OPS-1` });
      const sent = jira.issues[0]!;
      assert.equal(sent.summary, 'Document the failover');
      assert.equal(sent.issueType, 'Task');
      assert.equal((sent.description as { type: string }).type, 'doc');
      const again = await t.api<Problem>('POST', `/api/action-items/${b.body.id}/tracker`, {});
      assert.equal(again.status, 409);
    });

    it('records a refused tracker issue on the item (401), and a later request succeeds', async () => {
      const put = await t.api('PUT', `/api/teams/${teamA}/trackers/github`, {
        project: 'acme/platform',
        token: 'ghp_revoked',
      });
      assert.equal(put.status, 200, JSON.stringify(put.body));
      const item = await create({
        title: 'Cap the retry budget',
        ownerUserId: u.rita,
        teamId: teamA,
        createTrackerIssue: true,
      });
      const failed = await until('the failure on the item', async () => {
        const r = await t.api<Item>('GET', `/api/action-items/${item.body.id}`);
        return r.body.trackerIssue?.status === 'failed' && r.body;
      });
      assert.match(failed.trackerIssue!.error ?? '', /GitHub: HTTP 401: Bad credentials/);
      assert.equal(failed.tracker, null);
      const jobs = await t.api<{ jobs: { kind: string; status: string; lastError: string | null }[] }>(
        'GET',
        '/api/jobs?status=dead',
      );
      const dead = jobs.body.jobs.filter((j) => j.kind === 'actions.createTrackerIssue');
      assert.equal(dead.length, 1, 'a refused token is not retried');
      assert.ok(!(dead[0]!.lastError ?? '').includes('ghp_revoked'), 'the token is not in the error');
      await t.api('PUT', `/api/teams/${teamA}/trackers/github`, {
        project: 'acme/platform',
        token: 'ghp_secret_token',
      });
      const retried = await t.api<Item>('POST', `/api/action-items/${item.body.id}/tracker`, {});
      assert.equal(retried.status, 202, JSON.stringify(retried.body));
      // Queued, or already done: on PostgreSQL the runner, woken at the commit, may finish before the answer is read.
      assert.ok(
        retried.body.trackerIssue?.status === 'pending' || retried.body.tracker !== null,
        JSON.stringify(retried.body),
      );
      assert.equal(retried.body.trackerIssue?.error ?? null, null, 'the earlier refusal is cleared');
      await until('the GitHub issue after the fix', async () => {
        const r = await t.api<Item>('GET', `/api/action-items/${item.body.id}`);
        return r.body.tracker?.key === 'acme/platform#2';
      });
    });

    it('creates the issue in a self-managed GitLab, and records a refused token on the item', async () => {
      const teamG = (await t.api<{ id: string }>('POST', '/api/teams', { name: 'Platform' })).body.id;
      await t.api('PUT', `/api/teams/${teamG}/members/${u.rita}`, { role: 'responder' });
      const priv = await t.api<Problem>('PUT', `/api/teams/${teamG}/trackers/gitlab`, {
        baseUrl: gitlab.url,
        project: 'acme/platform',
        token: 'glpat-secret',
        allowPrivateAddress: false,
      });
      assert.equal(priv.status, 400);
      assert.deepEqual(problemFields(priv.body), ['baseUrl'], 'the private-address guard');
      const conn = await t.api<Record<string, unknown>>('PUT', `/api/teams/${teamG}/trackers/gitlab`, {
        baseUrl: `${gitlab.url}/`,
        project: 'acme/platform',
        token: 'glpat-secret',
        allowPrivateAddress: true,
      });
      assert.equal(conn.status, 200, JSON.stringify(conn.body));
      assert.equal(conn.body.baseUrl, gitlab.url);
      assert.ok(!JSON.stringify(conn.body).includes('glpat-secret'), 'the token is never returned');
      const a = await create({
        title: 'Alert on queue lag',
        description: 'Nobody saw the lag grow for an hour.',
        ownerUserId: u.rita,
        teamId: teamG,
        priority: 'high',
        kind: 'detect',
        createTrackerIssue: true,
      });
      assert.equal(a.status, 201, JSON.stringify(a.body));
      const linked = await until('the GitLab issue', async () => {
        const r = await t.api<Item>('GET', `/api/action-items/${a.body.id}`);
        return r.body.tracker && r.body;
      });
      assert.deepEqual(linked.tracker, {
        provider: 'gitlab',
        key: 'acme/platform#1',
        url: `${gitlab.url}/acme/platform/-/issues/1`,
      });
      const issue = gitlab.issues[0]!;
      assert.equal(issue.title, 'Alert on queue lag');
      assert.match(issue.description ?? '', /Nobody saw the lag grow/);
      assert.match(issue.description ?? '', /Priority: high\. Kind: detect\./);
      assert.deepEqual(issue.labels, ['muster', 'action item', 'priority::high']);
      const req = gitlab.requests.find((x) => x.method === 'POST')!;
      assert.equal(req.path, '/api/v4/projects/acme%2Fplatform/issues');
      assert.equal(req.headers['private-token'], 'glpat-secret');

      await t.api('PUT', `/api/teams/${teamG}/trackers/gitlab`, { project: 'acme/platform', token: 'glpat-revoked' });
      const b = await create({ title: 'Page on lag', ownerUserId: u.rita, teamId: teamG, createTrackerIssue: true });
      const failed = await until('the failure on the item', async () => {
        const r = await t.api<Item>('GET', `/api/action-items/${b.body.id}`);
        return r.body.trackerIssue?.status === 'failed' && r.body;
      });
      assert.match(failed.trackerIssue!.error ?? '', /GitLab: HTTP 401: 401 Unauthorized/);
      assert.ok(!(failed.trackerIssue!.error ?? '').includes('glpat-revoked'), 'the token is not in the error');
    });

    it('refuses a tracker issue for a team without a tracker (400 naming createTrackerIssue)', async () => {
      const teamC = (await t.api<{ id: string }>('POST', '/api/teams', { name: 'Infra' })).body.id;
      const r = await create({
        title: 'Nowhere to file',
        ownerUserId: u.rita,
        teamId: teamC,
        createTrackerIssue: true,
      });
      assert.equal(r.status, 400);
      assert.deepEqual(problemFields(r.body), ['createTrackerIssue']);
      const link = await create({
        title: 'Filed by hand',
        ownerUserId: u.rita,
        teamId: teamC,
        trackerUrl: 'https://acme.atlassian.net/browse/OPS-77',
      });
      assert.deepEqual(link.body.tracker, {
        provider: 'jira',
        key: 'OPS-77',
        url: 'https://acme.atlassian.net/browse/OPS-77',
      });
    });
  });
}
