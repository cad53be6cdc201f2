/**
 * Issue 22, items 4 and 5, on both engines over real HTTP: the room's typed entries (hypothesis with owner and task,
 * ruled out, finding, decision; who may close a hypothesis; evidence links; the timeline's kind filter; the live
 * stream; the post-mortem's curated timeline) and the incident's tracker ticket (offered when resolved or P3/P4,
 * created by a durable job in the GitHub and Jira stand-ins with a link back, its state refreshed by a job, a
 * failure shown).
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { ENGINES } from '../db/testing/index.js';
import { FakeClock, MINUTE } from '../shared/clock.js';
import { startTestMuster, type TestMuster } from '../testing/server.js';
import { readSse } from '../testing/sse.js';
import { problemFields, seedPeople, startTrackerStandIns, until, type TrackerStandIns } from '../testing/fixtures.js';
import type { GithubStandIn, GitlabStandIn, JiraStandIn } from '../testing/trackers.js';

interface Problem {
  error: { code: string; details?: unknown };
}
interface Entry {
  id: string;
  type: string;
  text: string;
  evidenceUrl: string | null;
  author: { userId: string | null; label: string };
  owner: { userId: string; name: string } | null;
  taskId: string | null;
  status: string;
  outcomeNote: string | null;
  closedBy: string | null;
}
interface Ev {
  seq: number;
  kind: string;
  body: string;
  details: Record<string, unknown>;
}
interface Ticket {
  team: { id: string; name: string };
  provider: string;
  status: string;
  key: string | null;
  url: string | null;
  state: string | null;
  isClosed: boolean;
  error: string | null;
}
interface TicketState {
  ticket: Ticket | null;
  offer: { isOffered: boolean; reason: string | null; choices: { team: { id: string }; provider: string }[] };
}

const START = Date.parse('2026-03-02T08:00:00Z');

for (const engine of ENGINES) {
  describe(`room findings and tickets [${engine}]`, () => {
    let t: TestMuster;
    const clock = new FakeClock(START);
    let u: Record<string, string>;
    let tok: Record<string, string>;
    let teamA: string;
    let teamB: string;
    let svcA: string;
    let svcB: string;
    let incident: string;
    let trackers: TrackerStandIns;
    let github: GithubStandIn;
    let jira: JiraStandIn;
    let gitlab: GitlabStandIn;

    before(async () => {
      t = await startTestMuster(engine, {}, { clock });
      trackers = await startTrackerStandIns({
        github: { token: 'ghp_room_token', repositories: ['acme/payments'] },
        jira: { email: 'bot@acme.test', token: 'jira-room-token', projects: ['OPS'] },
        gitlab: { token: 'glpat-room-token', projects: ['acme/infra/queues'] },
      });
      ({ github, jira, gitlab } = trackers);
      const people = await seedPeople(t, {
        users: ['ida', 'tess', 'owen', 'rae', 'vera'],
        teams: ['Payments', 'Search'],
        members: [
          ['ida', 'Payments', 'responder'],
          ['tess', 'Payments', 'responder'],
          ['owen', 'Payments', 'responder'],
          ['rae', 'Payments', 'responder'],
          ['vera', 'Payments', 'viewer'],
          ['rae', 'Search', 'responder'],
        ],
      });
      ({ u, tok } = people);
      teamA = people.teams.Payments!;
      teamB = people.teams.Search!;
      svcA = (await t.api<{ id: string }>('POST', '/api/services', { name: 'Card API', teamId: teamA })).body.id;
      svcB = (await t.api<{ id: string }>('POST', '/api/services', { name: 'Search API', teamId: teamB })).body.id;
      const inc = await t.api<{ incident: { id: string } }>('POST', '/api/incidents', {
        title: 'Card payments failing',
        summary: 'Card authorisations time out for a third of checkouts.',
        severity: 'P2',
        serviceIds: [svcA],
      });
      assert.equal(inc.status, 201, JSON.stringify(inc.body));
      incident = inc.body.incident.id;
      for (const [role, who] of [
        ['commander', 'ida'],
        ['technical_lead', 'tess'],
      ] as const) {
        const r = await t.api('PUT', `/api/incidents/${incident}/roles/${role}`, { userId: u[who] });
        assert.equal(r.status, 200, JSON.stringify(r.body));
      }
    });
    after(async () => {
      await t.stop();
      await trackers.close();
    });

    const post = (body: Record<string, unknown>, token?: string) =>
      t.api<Entry & Problem>('POST', `/api/incidents/${incident}/entries`, body, token);
    const patch = (id: string, body: Record<string, unknown>, token?: string) =>
      t.api<Entry & Problem>('PATCH', `/api/incidents/${incident}/entries/${id}`, body, token);

    it('a hypothesis has an owner (the author unless named) and becomes the owner’s task', async () => {
      const mine = await post(
        { type: 'hypothesis', text: 'The gateway pool is exhausted', evidenceUrl: 'https://grafana.example/d/pool' },
        tok.owen,
      );
      assert.equal(mine.status, 201, JSON.stringify(mine.body));
      assert.equal(mine.body.owner?.userId, u.owen);
      assert.equal(mine.body.owner?.name, 'Owen');
      assert.equal(mine.body.status, 'open');
      assert.equal(mine.body.evidenceUrl, 'https://grafana.example/d/pool');
      const named = await post({ type: 'hypothesis', text: 'A bad deploy of card-api', ownerUserId: u.rae }, tok.ida);
      assert.equal(named.body.owner?.userId, u.rae);
      assert.equal(named.body.author.userId, u.ida);
      assert.equal(named.body.author.label, 'ida@example.test');
      const d = await t.api<{ tasks: { id: string; title: string; assigneeUserId: string | null; isDone: boolean }[] }>(
        'GET',
        `/api/incidents/${incident}`,
      );
      const task = d.body.tasks.find((x) => x.id === mine.body.taskId);
      assert.ok(task, 'the hypothesis is a task');
      assert.equal(task.assigneeUserId, u.owen);
      assert.match(task.title, /gateway pool is exhausted/);
      assert.equal(d.body.tasks.find((x) => x.id === named.body.taskId)?.assigneeUserId, u.rae);
    });

    it('refuses what is not an entry: a link that is not http(s), an owner on a finding, a viewer, an unknown type', async () => {
      const js = await post({ type: 'finding', text: 'x', evidenceUrl: 'javascript:alert(1)' });
      assert.equal(js.status, 400);
      assert.deepEqual(problemFields(js.body), ['evidenceUrl']);
      const ftp = await post({ type: 'decision', text: 'x', evidenceUrl: 'ftp://files.example/log' });
      assert.deepEqual(problemFields(ftp.body), ['evidenceUrl']);
      const owned = await post({ type: 'finding', text: 'x', ownerUserId: u.owen });
      assert.equal(owned.status, 400);
      assert.deepEqual(problemFields(owned.body), ['ownerUserId']);
      const nobody = await post({ type: 'hypothesis', text: 'x', ownerUserId: 'usr_nobody' });
      assert.equal(nobody.status, 404);
      const viewer = await post({ type: 'finding', text: 'x' }, tok.vera);
      assert.equal(viewer.status, 403);
      const kind = await post({ type: 'guess', text: 'x' });
      assert.equal(kind.status, 400);
      const empty = await post({ type: 'decision', text: '   ' });
      assert.equal(empty.status, 400);
      assert.deepEqual(problemFields(empty.body), ['text']);
    });

    it('only the owner, the IC or the TL rules a hypothesis out or confirms it; its task is ticked', async () => {
      const h = (await post({ type: 'hypothesis', text: 'DNS is flapping' }, tok.owen)).body;
      const other = await patch(h.id, { outcome: 'ruled_out' }, tok.rae);
      assert.equal(other.status, 403, 'another responder is not on it');
      const handOver = await patch(h.id, { ownerUserId: u.rae }, tok.rae);
      assert.equal(handOver.status, 403);
      const out = await patch(h.id, { outcome: 'ruled_out', note: 'resolvers answer in 2 ms' }, tok.owen);
      assert.equal(out.status, 200, JSON.stringify(out.body));
      assert.equal(out.body.status, 'ruled_out');
      assert.equal(out.body.outcomeNote, 'resolvers answer in 2 ms');
      assert.equal(out.body.closedBy, 'owen@example.test');
      const again = await patch(h.id, { outcome: 'confirmed' }, tok.owen);
      assert.equal(again.status, 409);
      assert.equal(again.body.error.code, 'hypothesis_closed');

      const h2 = (await post({ type: 'hypothesis', text: 'Retries amplify the timeouts' }, tok.owen)).body;
      const moved = await patch(h2.id, { ownerUserId: u.rae }, tok.ida);
      assert.equal(moved.status, 200, JSON.stringify(moved.body));
      assert.equal(moved.body.owner?.userId, u.rae);
      const confirmed = await patch(
        h2.id,
        { outcome: 'confirmed', evidenceUrl: 'https://traces.example/t/42' },
        tok.tess,
      );
      assert.equal(confirmed.status, 200, JSON.stringify(confirmed.body));
      assert.equal(confirmed.body.status, 'confirmed');
      assert.equal(confirmed.body.evidenceUrl, 'https://traces.example/t/42');
      const decided = await post({ type: 'hypothesis', text: 'x' }, tok.owen);
      const notHyp = await post({ type: 'decision', text: 'Roll back card-api to v41' }, tok.ida);
      const wrongType = await patch(notHyp.body.id, { outcome: 'confirmed' }, tok.ida);
      assert.equal(wrongType.status, 409);
      assert.equal(wrongType.body.error.code, 'entry_not_hypothesis');
      await patch(decided.body.id, { outcome: 'ruled_out' }, tok.owen);

      const d = await t.api<{ tasks: { id: string; isDone: boolean; assigneeUserId: string | null }[] }>(
        'GET',
        `/api/incidents/${incident}`,
      );
      assert.equal(d.body.tasks.find((x) => x.id === h.taskId)?.isDone, true);
      const t2 = d.body.tasks.find((x) => x.id === h2.taskId);
      assert.equal(t2?.isDone, true);
      assert.equal(t2?.assigneeUserId, u.rae, 'the task followed the hand-over');

      const findings = await t.api<{ entries: Entry[] }>('GET', `/api/incidents/${incident}/entries?type=finding`);
      assert.deepEqual(
        findings.body.entries.map((e) => e.text),
        ['Retries amplify the timeouts'],
      );
      const open = (await t.api<{ entries: Entry[] }>('GET', `/api/incidents/${incident}/entries`)).body.entries
        .filter((e) => e.type === 'hypothesis' && e.status === 'open')
        .map((e) => [e.text, e.owner?.name]);
      assert.deepEqual(open, [
        ['The gateway pool is exhausted', 'Owen'],
        ['A bad deploy of card-api', 'Rae'],
      ]);
    });

    it('the timeline filters by kind', async () => {
      const r = await t.api<{ events: Ev[] }>(
        'GET',
        `/api/incidents/${incident}/timeline?kind=finding,ruled_out,decision`,
      );
      assert.equal(r.status, 200, JSON.stringify(r.body));
      assert.deepEqual(
        r.body.events.map((e) => `${e.kind}: ${e.body}`),
        [
          'ruled_out: DNS is flapping — resolvers answer in 2 ms',
          'finding: Retries amplify the timeouts',
          'decision: Roll back card-api to v41',
          'ruled_out: x',
        ],
      );
      const bad = await t.api('GET', `/api/incidents/${incident}/timeline?kind=DROP TABLE`);
      assert.equal(bad.status, 400);
    });

    it('a new finding reaches a room viewer through the live stream', async () => {
      const ac = new AbortController();
      const res = await fetch(`${t.url}/api/incidents/${incident}/stream`, {
        headers: { authorization: `Bearer ${tok.vera}` },
        signal: ac.signal,
      });
      assert.equal(res.status, 200);
      try {
        const posted = await post(
          { type: 'finding', text: 'Pool size is 10 for 40 workers', evidenceUrl: 'https://grafana.example/d/pool' },
          tok.tess,
        );
        assert.equal(posted.status, 201);
        const seen = await readSse<Ev>(res.body!, (e) => e.kind === 'finding' && e.body.startsWith('Pool size'));
        const last = seen.at(-1)!;
        assert.equal(last.details.entryId, posted.body.id);
        assert.equal(last.details.evidenceUrl, 'https://grafana.example/d/pool');
      } finally {
        ac.abort();
      }
    });

    it('the post-mortem’s curated timeline takes findings, decisions and what was ruled out, not open guesses', async () => {
      const pm = await t.api<{ id: string }>('POST', `/api/incidents/${incident}/postmortem`, {});
      assert.ok(pm.status === 201 || pm.status === 200, JSON.stringify(pm.body));
      const r = await t.api<{ events: { kind: string; body: string }[] }>(
        'GET',
        `/api/postmortems/${pm.body.id}/timeline?view=curated`,
      );
      assert.equal(r.status, 200, JSON.stringify(r.body));
      const kinds = r.body.events.filter((e) => e.kind !== 'milestone').map((e) => `${e.kind}: ${e.body}`);
      assert.deepEqual(kinds, [
        'ruled_out: DNS is flapping — resolvers answer in 2 ms',
        'finding: Retries amplify the timeouts',
        'decision: Roll back card-api to v41',
        'ruled_out: x',
        'finding: Pool size is 10 for 40 workers',
      ]);
      const all = await t.api<{ events: { kind: string }[] }>('GET', `/api/postmortems/${pm.body.id}/timeline`);
      assert.ok(
        all.body.events.some((e) => e.kind === 'hypothesis'),
        'the full timeline has the hypotheses',
      );
    });

    const ticket = (id = incident) => t.api<TicketState>('GET', `/api/incidents/${id}/ticket`);

    it('offers a ticket once the incident is P3/P4 or resolved, and says when no tracker is connected', async () => {
      const none = await ticket();
      assert.equal(none.status, 200, JSON.stringify(none.body));
      assert.deepEqual(none.body, { ticket: null, offer: { isOffered: false, reason: null, choices: [] } });
      const noTracker = await t.api<Problem>('POST', `/api/incidents/${incident}/ticket`, {});
      assert.equal(noTracker.status, 409);
      assert.equal(noTracker.body.error.code, 'tracker_not_connected');

      const gh = await t.api('PUT', `/api/teams/${teamA}/trackers/github`, {
        baseUrl: github.url,
        project: 'acme/payments',
        token: 'ghp_room_token',
        allowPrivateAddress: true,
      });
      assert.equal(gh.status, 200, JSON.stringify(gh.body));
      const down = await t.api('POST', `/api/incidents/${incident}/severity`, {
        severity: 'P3',
        reason: 'Retries off: only slow, nobody blocked',
      });
      assert.equal(down.status, 200, JSON.stringify(down.body));
      const offered = await ticket();
      assert.deepEqual(offered.body.offer, {
        isOffered: true,
        reason: 'low_severity',
        choices: [{ team: { id: teamA, name: 'Payments' }, provider: 'github' }],
      });
    });

    it('creates the ticket in GitHub with the summary and a link back, and the incident keeps its key and URL', async () => {
      const viewer = await t.api('POST', `/api/incidents/${incident}/ticket`, {}, tok.vera);
      assert.equal(viewer.status, 403);
      const wrongTeam = await t.api<Problem>('POST', `/api/incidents/${incident}/ticket`, { teamId: teamB });
      assert.equal(wrongTeam.status, 400);
      assert.deepEqual(problemFields(wrongTeam.body), ['teamId']);
      const asked = await t.api<Ticket>('POST', `/api/incidents/${incident}/ticket`, {}, tok.owen);
      assert.equal(asked.status, 202, JSON.stringify(asked.body));
      assert.equal(asked.body.status, 'pending');
      const made = await until('the GitHub ticket', async () => {
        const r = await ticket();
        return r.body.ticket?.status === 'created' && r.body;
      });
      assert.equal(made.ticket?.key, 'acme/payments#1');
      assert.equal(made.ticket?.url, 'https://github.com/acme/payments/issues/1');
      assert.equal(made.ticket?.state, 'open');
      assert.equal(made.offer.isOffered, false, 'offered no more once there is a ticket');
      const issue = github.issues[0]!;
      assert.equal(issue.title, 'P3: Card payments failing');
      assert.match(issue.body ?? '', /Card authorisations time out for a third of checkouts\./);
      assert.match(issue.body ?? '', /Finding: Retries amplify the timeouts/);
      assert.match(issue.body ?? '', /Decision: Roll back card-api to v41/);
      assert.ok(
        (issue.body ?? '').includes(`Incident in Muster: ${t.muster.services.config.publicUrl}/incidents/${incident}`),
        issue.body ?? '',
      );
      const again = await t.api<Problem>('POST', `/api/incidents/${incident}/ticket`, {});
      assert.equal(again.status, 409);
      assert.equal(again.body.error.code, 'ticket_exists');
      const events = await t.api<{ events: Ev[] }>(
        'GET',
        `/api/incidents/${incident}/timeline?kind=ticket_requested,ticket_created`,
      );
      assert.deepEqual(
        events.body.events.map((e) => e.kind),
        ['ticket_requested', 'ticket_created'],
      );
    });

    it('shows the ticket closed once it is closed in GitHub ("Check now")', async () => {
      github.setState(1, 'closed', 'completed');
      const r = await t.api<Ticket>('POST', `/api/incidents/${incident}/ticket/refresh`, {});
      assert.equal(r.status, 202, JSON.stringify(r.body));
      const closed = await until('the closed state', async () => {
        const v = await ticket();
        return v.body.ticket?.isClosed && v.body.ticket;
      });
      assert.equal(closed.state, 'closed (completed)');
      const ev = await t.api<{ events: Ev[] }>('GET', `/api/incidents/${incident}/timeline?kind=ticket_state_changed`);
      assert.deepEqual(
        ev.body.events.map((e) => e.body),
        ['Ticket acme/payments#1 is now closed (completed).'],
      );
      const get = github.requests.filter((x) => x.method === 'GET');
      assert.ok(get.length >= 1);
      assert.equal(get.at(-1)!.headers.authorization, 'Bearer ghp_room_token');
    });

    it('a resolved incident leaves as a Jira ticket whose state the refresh job follows', async () => {
      const jc = await t.api('PUT', `/api/teams/${teamB}/trackers/jira`, {
        baseUrl: jira.url,
        project: 'OPS',
        username: 'bot@acme.test',
        token: 'jira-room-token',
        allowPrivateAddress: true,
      });
      assert.equal(jc.status, 200, JSON.stringify(jc.body));
      const inc = await t.api<{ incident: { id: string } }>('POST', '/api/incidents', {
        title: 'Search results stale',
        severity: 'P2',
        serviceIds: [svcB],
      });
      const id = inc.body.incident.id;
      assert.equal((await ticket(id)).body.offer.isOffered, false, 'an open P2 is not offered one');
      await t.api('POST', `/api/incidents/${id}/status`, { status: 'resolved', message: 'Reindexed' });
      const offered = await ticket(id);
      assert.equal(offered.body.offer.reason, 'resolved');
      const asked = await t.api<Ticket>('POST', `/api/incidents/${id}/ticket`, { provider: 'jira' }, tok.rae);
      assert.equal(asked.status, 202, JSON.stringify(asked.body));
      const made = await until('the Jira ticket', async () => {
        const r = await ticket(id);
        return r.body.ticket?.status === 'created' && r.body.ticket;
      });
      assert.equal(made.key, 'OPS-1');
      assert.equal(made.url, `${jira.url}/browse/OPS-1`);
      assert.equal(jira.issues[0]!.summary, 'P2: Search results stale');
      assert.match(JSON.stringify(jira.issues[0]!.description), /Incident in Muster: /);

      jira.transition('OPS-1', 'In Progress', 'indeterminate');
      clock.advance(16 * MINUTE);
      const moving = await until('the first scheduled refresh', async () => {
        const r = await ticket(id);
        return r.body.ticket?.state === 'In Progress' && r.body.ticket;
      });
      assert.equal(moving.isClosed, false);
      jira.transition('OPS-1', 'Done', 'done');
      clock.advance(16 * MINUTE);
      const done = await until('the next scheduled refresh', async () => {
        const r = await ticket(id);
        return r.body.ticket?.isClosed && r.body.ticket;
      });
      assert.equal(done.state, 'Done');
      const pending = await t.muster.services.db.kysely
        .selectFrom('jobs')
        .select('id')
        .where('kind', '=', 'incidents.refreshTicket')
        .where('status', '=', 'pending')
        .where('payload', 'like', `%${id}%`)
        .execute();
      assert.deepEqual(pending, [], 'the chain stops once the ticket is closed');
    });

    it('shows a refused ticket as failed on the timeline, and it may be asked for again', async () => {
      const inc = await t.api<{ incident: { id: string } }>('POST', '/api/incidents', {
        title: 'Refunds slow',
        severity: 'P4',
        serviceIds: [svcA],
      });
      const id = inc.body.incident.id;
      github.failNext(401, 1, { message: 'Bad credentials' });
      await t.api('POST', `/api/incidents/${id}/ticket`, {});
      const failed = await until('the failure', async () => {
        const r = await ticket(id);
        return r.body.ticket?.status === 'failed' && r.body;
      });
      assert.match(failed.ticket?.error ?? '', /Bad credentials/);
      assert.equal(failed.offer.isOffered, true, 'a failed ticket is offered again');
      const ev = await t.api<{ events: (Ev & { isFlagged: boolean })[] }>(
        'GET',
        `/api/incidents/${id}/timeline?kind=ticket_failed`,
      );
      assert.equal(ev.body.events.length, 1);
      assert.equal(ev.body.events[0]!.isFlagged, true);
      const retry = await t.api<Ticket>('POST', `/api/incidents/${id}/ticket`, {});
      assert.equal(retry.status, 202, JSON.stringify(retry.body));
      const made = await until('the ticket on the second try', async () => {
        const r = await ticket(id);
        return r.body.ticket?.status === 'created' && r.body.ticket;
      });
      assert.equal(made.key, 'acme/payments#2');
    });
    it('a P4 leaves as a GitLab ticket (rate-limited once, then created) and shows closed once GitLab closes it', async () => {
      const teamC = (await t.api<{ id: string }>('POST', '/api/teams', { name: 'Infra' })).body.id;
      const svcC = (await t.api<{ id: string }>('POST', '/api/services', { name: 'Queues', teamId: teamC })).body.id;
      await t.api('PUT', `/api/teams/${teamC}/members/${u.rae}`, { role: 'responder' });
      const bad = await t.api<Problem>('PUT', `/api/teams/${teamC}/trackers/gitlab`, {
        baseUrl: gitlab.url,
        project: 'queues',
        token: 'glpat-room-token',
        allowPrivateAddress: true,
      });
      assert.equal(bad.status, 400);
      assert.deepEqual(problemFields(bad.body), ['project'], 'a GitLab project is a path with its group');
      const gl = await t.api('PUT', `/api/teams/${teamC}/trackers/gitlab`, {
        baseUrl: gitlab.url,
        project: 'acme/infra/queues',
        token: 'glpat-room-token',
        allowPrivateAddress: true,
      });
      assert.equal(gl.status, 200, JSON.stringify(gl.body));
      const inc = await t.api<{ incident: { id: string } }>('POST', '/api/incidents', {
        title: 'Queue lag on retries',
        summary: 'Retry queue lags by five minutes at peak.',
        severity: 'P4',
        serviceIds: [svcC],
      });
      const id = inc.body.incident.id;
      const offered = await ticket(id);
      assert.deepEqual(offered.body.offer.choices, [{ team: { id: teamC, name: 'Infra' }, provider: 'gitlab' }]);
      gitlab.rateLimit(1, 30);
      const asked = await t.api<Ticket>('POST', `/api/incidents/${id}/ticket`, {}, tok.rae);
      assert.equal(asked.status, 202, JSON.stringify(asked.body));
      const limited = await until('the rate-limited try on the job', async () => {
        const jobs = await t.muster.services.db.kysely
          .selectFrom('jobs')
          .select(['status', 'lastError', 'runAt'])
          .where('kind', '=', 'incidents.createTicket')
          .where('payload', 'like', `%${id}%`)
          .execute();
        const job = jobs[0];
        return job && job.lastError !== null && job.status === 'pending' ? job : null;
      });
      assert.match(limited.lastError ?? '', /GitLab: HTTP 429/);
      assert.ok(limited.runAt >= clock.now() + 30_000, 'the retry waits for Retry-After');
      const stillPending = await ticket(id);
      assert.equal(stillPending.body.ticket?.status, 'pending', 'a rate limit is not a failure');
      clock.advance(10 * MINUTE);
      const made = await until('the GitLab ticket', async () => {
        const r = await ticket(id);
        return r.body.ticket?.status === 'created' && r.body.ticket;
      });
      assert.equal(made.key, 'acme/infra/queues#1');
      assert.equal(made.url, `${gitlab.url}/acme/infra/queues/-/issues/1`);
      assert.equal(made.state, 'open');
      const issue = gitlab.issues[0]!;
      assert.equal(issue.title, 'P4: Queue lag on retries');
      assert.match(issue.description ?? '', /Retry queue lags by five minutes at peak\./);
      assert.match(issue.description ?? '', /Incident in Muster: /);
      assert.deepEqual(issue.labels, ['muster', 'incident']);
      const post = gitlab.requests.filter((x) => x.method === 'POST').at(-1)!;
      assert.equal(post.path, '/api/v4/projects/acme%2Finfra%2Fqueues/issues');
      assert.equal(post.headers['private-token'], 'glpat-room-token');

      gitlab.setState('acme/infra/queues', 1, 'closed');
      clock.advance(16 * MINUTE);
      const closed = await until('the closed state', async () => {
        const r = await ticket(id);
        return r.body.ticket?.isClosed && r.body.ticket;
      });
      assert.equal(closed.state, 'closed');
      const get = gitlab.requests.filter((x) => x.method === 'GET').at(-1)!;
      assert.equal(get.path, '/api/v4/projects/acme%2Finfra%2Fqueues/issues/1');
      assert.ok(
        !JSON.stringify(await t.api('GET', `/api/teams/${teamC}/trackers/gitlab`)).includes('glpat-room-token'),
        'the token is never returned',
      );
    });
  });
}
