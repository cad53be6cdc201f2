/** `muster incident note --type …`, `entries`, `hypothesis` and `ticket` against a real server, on both engines. */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { ENGINES } from '../db/testing/index.js';
import { runMuster as muster } from '../testing/cli.js';
import { startTestMuster, type TestMuster } from '../testing/server.js';
import { GithubStandIn } from '../testing/trackers.js';
import { until } from '../testing/fixtures.js';

for (const engine of ENGINES) {
  describe(`muster incident findings and tickets [${engine}]`, () => {
    let t: TestMuster;
    let env: Record<string, string>;
    let github: GithubStandIn;
    let id: string;
    before(async () => {
      t = await startTestMuster(engine);
      env = { MUSTER_URL: t.url, MUSTER_TOKEN: t.adminToken };
      github = await new GithubStandIn('ghp_cli', ['acme/shop']).start();
      const team = await t.api<{ id: string }>('POST', '/api/teams', { name: 'Shop' });
      const svc = await t.api<{ id: string }>('POST', '/api/services', { name: 'Basket', teamId: team.body.id });
      const gh = await t.api('PUT', `/api/teams/${team.body.id}/trackers/github`, {
        baseUrl: github.url,
        project: 'acme/shop',
        token: 'ghp_cli',
        allowPrivateAddress: true,
      });
      assert.equal(gh.status, 200, JSON.stringify(gh.body));
      const d = await t.api<{ incident: { id: string } }>('POST', '/api/incidents', {
        title: 'Basket totals wrong',
        severity: 'P2',
        serviceIds: [svc.body.id],
      });
      id = d.body.incident.id;
    });
    after(async () => {
      await t.stop();
      await github.close();
    });

    it('posts typed entries, lists open hypotheses with their owner, and rules one out', async () => {
      const h = await muster(
        ['incident', 'note', id, 'Currency rounding changed', '--type', 'hypothesis', '--json'],
        env,
      );
      assert.equal(h.code, 0, h.stderr);
      const entry = JSON.parse(h.stdout) as { id: string; owner: { name: string } | null };
      assert.ok(entry.owner, 'the author owns it');
      const f = await muster(
        [
          'incident',
          'note',
          id,
          'Tax table cached for 24 h',
          '--type',
          'finding',
          '--evidence',
          'https://logs.example/q/1',
        ],
        env,
      );
      assert.equal(f.code, 0, f.stderr);
      assert.match(f.stdout, /^finding ien_/);
      const bad = await muster(
        ['incident', 'note', id, 'x', '--type', 'decision', '--evidence', 'file:///etc/passwd'],
        env,
      );
      assert.equal(bad.code, 1);
      assert.match(bad.stderr, /evidenceUrl/);
      const open = await muster(['incident', 'entries', id, '--open'], env);
      assert.equal(open.code, 0, open.stderr);
      assert.match(open.stdout, /Currency rounding changed/);
      assert.doesNotMatch(open.stdout, /Tax table/);
      const out = await muster(
        ['incident', 'hypothesis', id, entry.id, '--rule-out', '-m', 'same rounding since May'],
        env,
      );
      assert.equal(out.code, 0, out.stderr);
      assert.match(out.stdout, /Ruled out: Currency rounding changed/);
      const none = await muster(['incident', 'entries', id, '--open', '--json'], env);
      assert.deepEqual(JSON.parse(none.stdout), []);
      const ruled = await muster(['incident', 'entries', id, '--type', 'ruled_out'], env);
      assert.match(ruled.stdout, /same rounding since May/);
    });

    it('offers a ticket once P3, creates it in GitHub and shows its key and state', async () => {
      const before = await muster(['incident', 'ticket', id], env);
      assert.equal(before.code, 0, before.stderr);
      assert.equal(before.stdout.trim(), 'No ticket.');
      const down = await t.api('POST', `/api/incidents/${id}/severity`, {
        severity: 'P3',
        reason: 'Only a few baskets',
      });
      assert.equal(down.status, 200);
      const offered = await muster(['incident', 'ticket', id], env);
      assert.match(
        offered.stdout,
        /It is P3 or P4: leave it as a ticket with `muster incident ticket .* --create` \(Shop's GitHub\)/,
      );
      const created = await muster(['incident', 'ticket', id, '--create'], env);
      assert.equal(created.code, 0, created.stderr);
      assert.match(created.stdout, /Ticket asked for in Shop's GitHub/);
      const shown = await until('the ticket', async () => {
        const r = await muster(['incident', 'ticket', id], env);
        return /acme\/shop#1/.test(r.stdout) && r.stdout;
      });
      assert.match(shown, /^acme\/shop#1\s+open\s+https:\/\/github\.com\/acme\/shop\/issues\/1/);
      assert.equal(github.issues[0]!.title, 'P3: Basket totals wrong');
      const twice = await muster(['incident', 'ticket', id, '--create'], env);
      assert.equal(twice.code, 1);
      assert.match(twice.stderr, /ticket_exists/);
    });
  });
}
