/**
 * The 5 Whys, contributing factors and the completion rate through the HTTP API, on both engines: the tree (order,
 * limits, evidence, the person flag, subtree delete), who may change it, the factor taxonomy and tags, factor counts,
 * and the completion rate on a fixed history (incidents declared and resolved under a fake clock).
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { ENGINES } from '../db/testing/index.js';
import { DAY, FakeClock, HOUR, toIso } from '../shared/clock.js';
import { startTestMuster, type TestMuster } from '../testing/server.js';
import { PERSON_PROMPT } from './whys.js';

interface WhyNode {
  id: string;
  parentId: string | null;
  position: number;
  question: string;
  answer: string;
  evidence: { url: string; label: string }[];
  endsAtPerson: boolean;
  prompt: string | null;
  depth: number;
}
interface WhysView {
  nodes: WhyNode[];
  factors: { factorId: string; key: string; whyId: string | null; note: string }[];
}
interface Problem {
  error: { code: string; details?: { problems: { field: string }[] } };
}
interface Completion {
  eligible: number;
  inProgress: number;
  thorough: number;
  onTime: number;
  rate: number | null;
  onTimeRate: number | null;
  missing: { incidentId: string; postmortemId: string | null; status: string; dueAt: string | null }[];
}
interface Report {
  target: number;
  overall: Completion;
  teams: ({ team: { id: string; name: string } } & Completion)[];
}

const T0 = Date.UTC(2026, 9, 1, 9);

for (const engine of ENGINES) {
  describe(`post-mortem analysis [${engine}]`, () => {
    let t: TestMuster;
    const clock = new FakeClock(T0);
    const ids = { shop: '', pay: '', shopSvc: '', paySvc: '', responder: '', viewer: '', outsider: '' };
    const tokens = { responder: '', viewer: '', outsider: '' };

    const ok = <T>(r: { status: number; body: T }, what: string): T => {
      assert.ok(r.status >= 200 && r.status < 300, `${what}: HTTP ${r.status} ${JSON.stringify(r.body)}`);
      return r.body;
    };

    /**
     * The incident's post-mortem (started through the API, or the one the policy made when it resolved), then set to
     * this status and these times directly: the workflow that gets there is pm-core's and tested there.
     */
    async function postmortemFor(
      incidentId: string,
      p: { status: string; dueAt: number | null; publishedAt?: number | null; ownerUserId?: string | null },
    ): Promise<string> {
      const started = await t.api('POST', `/api/incidents/${incidentId}/postmortem`, {});
      assert.ok(started.status === 201 || started.status === 409, JSON.stringify(started.body));
      const id = ok(await t.api<{ id: string }>('GET', `/api/incidents/${incidentId}/postmortem`), 'postmortem').id;
      await t.muster.services.db.kysely
        .updateTable('postmortems')
        .set({
          status: p.status,
          dueAt: p.dueAt,
          publishedAt: p.publishedAt ?? null,
          ownerUserId: p.ownerUserId ?? null,
          updatedAt: clock.now(),
        })
        .where('id', '=', id)
        .execute();
      return id;
    }

    async function incident(
      severity: string,
      serviceIds: string[],
      resolveAfterMs: number | null,
      kind: 'real' | 'drill' = 'real',
    ): Promise<string> {
      const d = ok(
        await t.api<{ incident: { id: string } }>('POST', '/api/incidents', {
          title: `${severity} on ${serviceIds.length} services`,
          severity,
          serviceIds,
          kind,
        }),
        'declare',
      ).incident.id;
      if (resolveAfterMs !== null) {
        clock.advance(resolveAfterMs);
        ok(await t.api('POST', `/api/incidents/${d}/status`, { status: 'resolved' }), 'resolve');
      }
      return d;
    }

    before(async () => {
      t = await startTestMuster(engine, {}, { clock });
      for (const [name, key] of [
        ['Dave Jones', 'responder'],
        ['Vera Viewer', 'viewer'],
        ['Otto Outsider', 'outsider'],
      ] as const) {
        const u = ok(
          await t.api<{ user: { id: string } }>('POST', '/api/users', {
            email: `${key}@example.test`,
            name,
            password: 'a long enough password',
          }),
          name,
        );
        ids[key] = u.user.id;
        tokens[key] = ok(
          await t.api<{ token: string }>('POST', '/api/tokens', { name: 'test', userId: u.user.id }),
          `token ${key}`,
        ).token;
      }
      ids.shop = ok(await t.api<{ id: string }>('POST', '/api/teams', { name: 'Shop' }), 'team').id;
      ids.pay = ok(await t.api<{ id: string }>('POST', '/api/teams', { name: 'Payments' }), 'team').id;
      const other = ok(await t.api<{ id: string }>('POST', '/api/teams', { name: 'Other' }), 'team').id;
      ok(await t.api('PUT', `/api/teams/${ids.shop}/members/${ids.responder}`, { role: 'responder' }), 'member');
      ok(await t.api('PUT', `/api/teams/${ids.shop}/members/${ids.viewer}`, { role: 'viewer' }), 'member');
      ok(await t.api('PUT', `/api/teams/${other}/members/${ids.outsider}`, { role: 'responder' }), 'member');
      ids.shopSvc = ok(
        await t.api<{ id: string }>('POST', '/api/services', { teamId: ids.shop, name: 'checkout' }),
        'service',
      ).id;
      ids.paySvc = ok(
        await t.api<{ id: string }>('POST', '/api/services', { teamId: ids.pay, name: 'payments' }),
        'service',
      ).id;
    });
    after(async () => t.stop());

    describe('5 Whys', () => {
      let pm = '';
      const base = () => `/api/postmortems/${pm}/whys`;
      const tree = async () => ok(await t.api<WhysView>('GET', base()), 'tree');
      const add = (body: unknown, token?: string) => t.api<WhyNode & Problem>('POST', base(), body, token);

      before(async () => {
        const inc = await incident('P1', [ids.shopSvc], HOUR);
        pm = await postmortemFor(inc, { status: 'draft', dueAt: clock.now() + 5 * DAY });
      });

      it('builds a tree in depth-first order by position, with depths', async () => {
        const a = ok(await add({ question: 'Why did checkout go down?', answer: 'The pool was exhausted.' }), 'a');
        assert.equal(a.depth, 1);
        assert.equal(a.parentId, null);
        const a1 = ok(
          await add({
            parentId: a.id,
            question: 'Why was the pool exhausted?',
            answer: 'A new query held connections for 30 s.',
            evidence: [{ url: 'https://grafana.example/d/pool', label: 'Pool graph' }],
          }),
          'a1',
        );
        assert.equal(a1.depth, 2);
        assert.deepEqual(a1.evidence, [{ url: 'https://grafana.example/d/pool', label: 'Pool graph' }]);
        const a2 = ok(await add({ parentId: a.id, question: 'Why did traffic double?', answer: 'A sale.' }), 'a2');
        const a1x = ok(
          await add({ parentId: a1.id, question: 'Why was it slow?', answer: 'A full table scan.' }),
          'a1x',
        );
        const b = ok(await add({ question: 'Why were we paged late?' }), 'b');
        const v = await tree();
        assert.deepEqual(
          v.nodes.map((n) => [n.id, n.depth, n.position]),
          [
            [a.id, 1, 0],
            [a1.id, 2, 0],
            [a1x.id, 3, 0],
            [a2.id, 2, 1],
            [b.id, 1, 1],
          ],
        );
        // Move a2 before a1.
        const moved = ok(await t.api<WhyNode>('PATCH', `${base()}/${a2.id}`, { position: 0 }), 'move');
        assert.equal(moved.position, 0);
        assert.deepEqual(
          (await tree()).nodes.map((n) => n.id),
          [a.id, a2.id, a1.id, a1x.id, b.id],
        );
      });

      it('flags a leaf that ends at a person until one more why is asked', async () => {
        const leaf = ok(
          await add({ question: 'Why did the index not exist?', answer: 'Dave forgot to run the migration.' }),
          'leaf',
        );
        assert.equal(leaf.endsAtPerson, true, 'Dave is a user: "Dave forgot" ends at a person');
        assert.equal(leaf.prompt, PERSON_PROMPT);
        const human = ok(await add({ question: 'Why did the config break?', answer: 'Human error.' }), 'human');
        assert.equal(human.endsAtPerson, true);
        const deeper = ok(
          await add({
            parentId: leaf.id,
            question: 'What let the migration be skipped?',
            answer: 'Our deploy pipeline does not check that migrations ran.',
          }),
          'deeper',
        );
        assert.equal(deeper.endsAtPerson, false);
        const nodes = (await tree()).nodes;
        assert.equal(nodes.find((n) => n.id === leaf.id)!.endsAtPerson, false, 'no longer a leaf');
        assert.equal(nodes.find((n) => n.id === leaf.id)!.prompt, null);
        // Editing the answer to a systemic one clears the flag of a leaf.
        const fixed = ok(
          await t.api<WhyNode>('PATCH', `${base()}/${human.id}`, {
            answer: 'The config schema allows an empty upstream list.',
          }),
          'edit',
        );
        assert.equal(fixed.endsAtPerson, false);
      });

      it('refuses bad evidence, a chain deeper than 10, and unknown parents, naming the field', async () => {
        const bad = await add({ question: 'Why?', evidence: [{ url: 'javascript:alert(1)' }] });
        assert.equal(bad.status, 400);
        assert.equal(bad.body.error.details!.problems[0]!.field, 'evidence[0].url');
        const tooMany = await add({
          question: 'Why?',
          evidence: Array.from({ length: 21 }, (_, i) => ({ url: `https://x.test/${i}` })),
        });
        assert.equal(tooMany.status, 400);
        assert.match(JSON.stringify(tooMany.body), /evidence/);
        const orphan = await add({ question: 'Why?', parentId: 'why_nothing' });
        assert.equal(orphan.status, 400);
        assert.equal(orphan.body.error.details!.problems[0]!.field, 'parentId');
        const empty = await add({ question: '   ' });
        assert.equal(empty.status, 400);
        assert.equal(empty.body.error.details!.problems[0]!.field, 'question');
        let parent: string | null = null;
        for (let depth = 1; depth <= 10; depth++) {
          const n: WhyNode = ok(await add({ parentId: parent, question: `Why ${depth}?` }), `depth ${depth}`);
          assert.equal(n.depth, depth);
          parent = n.id;
        }
        const eleventh = await add({ parentId: parent, question: 'Why 11?' });
        assert.equal(eleventh.status, 400);
        assert.equal(eleventh.body.error.details!.problems[0]!.field, 'parentId');
        assert.equal((await t.api('PATCH', `${base()}/why_nothing`, { answer: 'x' })).status, 404);
      });

      it('deletes a why with its subtree, and unlinks factors from deleted whys', async () => {
        const root = ok(await add({ question: 'Why delete?' }), 'root');
        const child = ok(await add({ parentId: root.id, question: 'Why child?' }), 'child');
        const grandchild = ok(await add({ parentId: child.id, question: 'Why grandchild?' }), 'gc');
        const keep = ok(await add({ question: 'Why keep?' }), 'keep');
        ok(
          await t.api('PUT', `/api/postmortems/${pm}/factors/cf_testing_gap`, { whyId: grandchild.id, note: 'n' }),
          'tag',
        );
        const del = ok(await t.api<{ deleted: string[] }>('DELETE', `${base()}/${root.id}`), 'delete');
        assert.deepEqual(del.deleted.sort(), [root.id, child.id, grandchild.id].sort());
        const v = await tree();
        const left = new Set(v.nodes.map((n) => n.id));
        for (const id of del.deleted) assert.ok(!left.has(id));
        assert.ok(left.has(keep.id));
        const tag = v.factors.find((f) => f.key === 'testing_gap')!;
        assert.equal(tag.whyId, null, 'the tag stays, without its link');
        assert.equal(tag.note, 'n');
        assert.equal((await t.api('DELETE', `${base()}/${root.id}`)).status, 404);
      });

      it("lets the incident's responders and the owner change it; viewers and other teams may not", async () => {
        assert.equal((await add({ question: 'Viewer?' }, tokens.viewer)).status, 403);
        assert.equal((await add({ question: 'Outsider?' }, tokens.outsider)).status, 403);
        assert.equal((await add({ question: 'Responder?' }, tokens.responder)).status, 201);
        // Anyone signed in reads it.
        assert.equal((await t.api('GET', base(), undefined, tokens.outsider)).status, 200);
        // The owner may, team or not.
        const inc = await incident('P2', [ids.shopSvc], HOUR);
        const owned = await postmortemFor(inc, { status: 'draft', dueAt: null, ownerUserId: ids.outsider });
        const byOwner = await t.api('POST', `/api/postmortems/${owned}/whys`, { question: 'Owner?' }, tokens.outsider);
        assert.equal(byOwner.status, 201, JSON.stringify(byOwner.body));
        assert.equal((await t.api('GET', '/api/postmortems/pm_nothing/whys')).status, 404);
        assert.equal((await t.api('POST', '/api/postmortems/pm_nothing/whys', { question: 'x' })).status, 404);
      });

      it('refuses changes once published', async () => {
        const inc = await incident('P2', [ids.shopSvc], HOUR);
        const published = await postmortemFor(inc, {
          status: 'published',
          dueAt: clock.now() + DAY,
          publishedAt: clock.now(),
        });
        const r = await t.api<Problem>('POST', `/api/postmortems/${published}/whys`, { question: 'Late?' });
        assert.equal(r.status, 409);
        assert.equal(r.body.error.code, 'postmortem_published');
      });
    });

    describe('contributing factors', () => {
      let pm = '';
      let whyId = '';
      before(async () => {
        const inc = await incident('P2', [ids.paySvc], HOUR);
        pm = await postmortemFor(inc, { status: 'in_review', dueAt: clock.now() + 5 * DAY });
        whyId = ok(
          await t.api<WhyNode>('POST', `/api/postmortems/${pm}/whys`, { question: 'Why?', answer: 'No validation.' }),
          'why',
        ).id;
      });

      it('lists the seeded taxonomy and lets only administrators edit it', async () => {
        const list = ok(await t.api<{ key: string; archived: boolean }[]>('GET', '/api/contributing-factors'), 'list');
        assert.ok(list.length >= 10);
        assert.ok(list.some((f) => f.key === 'change_management'));
        const body = { key: 'vendor_outage', label: 'Vendor outage', description: 'A vendor was down.' };
        assert.equal((await t.api('POST', '/api/contributing-factors', body, tokens.responder)).status, 403);
        const created = await t.api<{ id: string; key: string; position: number }>(
          'POST',
          '/api/contributing-factors',
          body,
        );
        assert.equal(created.status, 201, JSON.stringify(created.body));
        const dup = await t.api<Problem>('POST', '/api/contributing-factors', body);
        assert.equal(dup.status, 409);
        const badKey = await t.api<Problem>('POST', '/api/contributing-factors', { key: 'Bad Key', label: 'x' });
        assert.equal(badKey.status, 400);
        assert.equal(badKey.body.error.details!.problems[0]!.field, 'key');
        const renamed = ok(
          await t.api<{ label: string; key: string }>('PATCH', `/api/contributing-factors/${created.body.id}`, {
            label: 'Third-party outage',
          }),
          'rename',
        );
        assert.equal(renamed.label, 'Third-party outage');
        assert.equal(renamed.key, 'vendor_outage');
        assert.equal(
          (await t.api('PATCH', `/api/contributing-factors/${created.body.id}`, { label: 'x' }, tokens.responder))
            .status,
          403,
        );
      });

      it('tags a post-mortem (linked to a why, with a note), keeps archived tags, refuses new archived ones', async () => {
        const put = (factorId: string, body: unknown, token?: string) =>
          t.api<Problem & { key: string; whyId: string | null; note: string }>(
            'PUT',
            `/api/postmortems/${pm}/factors/${factorId}`,
            body,
            token,
          );
        const first = await put('cf_configuration_validation', { whyId, note: 'no schema check' });
        assert.equal(first.status, 201, JSON.stringify(first.body));
        assert.equal(first.body.whyId, whyId);
        const again = await put('cf_configuration_validation', { note: 'no schema check in CI' });
        assert.equal(again.status, 200);
        assert.equal(again.body.whyId, whyId, 'the link stays when not given');
        assert.equal(again.body.note, 'no schema check in CI');
        const badWhy = await put('cf_capacity', { whyId: 'why_elsewhere' });
        assert.equal(badWhy.status, 400);
        assert.equal(badWhy.body.error.details!.problems[0]!.field, 'whyId');
        assert.equal((await put('cf_nothing', {})).status, 404);
        assert.equal((await put('cf_capacity', {}, tokens.viewer)).status, 403);
        ok(await put('cf_dependency', {}), 'dependency');
        // Archive "dependency": it stays on this post-mortem; another cannot add it.
        ok(await t.api('PATCH', '/api/contributing-factors/cf_dependency', { archived: true }), 'archive');
        const active = ok(await t.api<{ key: string }[]>('GET', '/api/contributing-factors'), 'active');
        assert.ok(!active.some((f) => f.key === 'dependency'));
        const all = ok(
          await t.api<{ key: string; archived: boolean }[]>('GET', '/api/contributing-factors?includeArchived=true'),
          'all',
        );
        assert.equal(all.find((f) => f.key === 'dependency')!.archived, true);
        const v = ok(await t.api<WhysView>('GET', `/api/postmortems/${pm}/whys`), 'view');
        assert.deepEqual(v.factors.map((f) => f.key).sort(), ['configuration_validation', 'dependency']);
        const inc = await incident('P1', [ids.paySvc], HOUR);
        const other = await postmortemFor(inc, { status: 'draft', dueAt: null });
        const refused = await t.api<Problem>('PUT', `/api/postmortems/${other}/factors/cf_dependency`, {});
        assert.equal(refused.status, 400);
        assert.equal(refused.body.error.details!.problems[0]!.field, 'factorId');
        ok(await t.api('PUT', `/api/postmortems/${other}/factors/cf_configuration_validation`, {}), 'tag other');
        ok(await t.api('PATCH', '/api/contributing-factors/cf_dependency', { archived: false }), 'restore');
        // Untag: 204, and again 204.
        assert.equal((await t.api('DELETE', `/api/postmortems/${pm}/factors/cf_dependency`)).status, 204);
        assert.equal((await t.api('DELETE', `/api/postmortems/${pm}/factors/cf_dependency`)).status, 204);
      });

      it('counts factors across post-mortems in a window, and per team, leaving drills out', async () => {
        // A drill's debrief tagged "capacity" is not counted: drills are practice (as in insights).
        const drill = await incident('P2', [ids.paySvc], HOUR, 'drill');
        const drillPm = await postmortemFor(drill, { status: 'draft', dueAt: null });
        ok(await t.api('PUT', `/api/postmortems/${drillPm}/factors/cf_capacity`, {}), 'tag the drill');
        const window = `from=${encodeURIComponent(toIso(T0))}&to=${encodeURIComponent(toIso(clock.now() + 1))}`;
        const counts = ok(
          await t.api<{ key: string; count: number }[]>('GET', `/api/postmortems/insights/factors?${window}`),
          'counts',
        );
        assert.equal(counts[0]!.key, 'configuration_validation');
        assert.equal(counts[0]!.count, 2);
        assert.equal(counts.find((c) => c.key === 'testing_gap')!.count, 1);
        assert.equal(counts.find((c) => c.key === 'capacity')!.count, 0, 'the drill is not counted');
        assert.equal((await t.api('DELETE', `/api/postmortems/${drillPm}/factors/cf_capacity`)).status, 204);
        const shop = ok(
          await t.api<{ key: string; count: number }[]>(
            'GET',
            `/api/postmortems/insights/factors?${window}&teamId=${ids.shop}`,
          ),
          'shop counts',
        );
        assert.equal(shop.find((c) => c.key === 'configuration_validation')!.count, 0);
        assert.equal(shop.find((c) => c.key === 'testing_gap')!.count, 1);
        const early = ok(
          await t.api<{ count: number }[]>(
            'GET',
            `/api/postmortems/insights/factors?to=${encodeURIComponent(toIso(T0))}`,
          ),
          'before any',
        );
        assert.ok(early.every((c) => c.count === 0));
      });
    });

    describe('completion rate', () => {
      it('computes the rate per team and overall on a fixed history, through the route', async () => {
        // A window of its own, after everything above.
        clock.set(T0 + 100 * DAY);
        const from = clock.now();
        const shopOnTime = await incident('P1', [ids.shopSvc], HOUR);
        await postmortemFor(shopOnTime, { status: 'published', dueAt: from + 7 * DAY, publishedAt: from + 2 * DAY });
        const bothLate = await incident('P2', [ids.shopSvc, ids.paySvc], HOUR);
        await postmortemFor(bothLate, { status: 'published', dueAt: from + 3 * DAY, publishedAt: from + 9 * DAY });
        const payDraft = await incident('P1', [ids.paySvc], HOUR);
        // Overdue by the time of the query (due a moment after the window starts): missing, counted.
        const payDraftPm = await postmortemFor(payDraft, { status: 'draft', dueAt: from + 1 });
        // Still being written and not due yet: in progress, neither for nor against the rate.
        const shopWriting = await incident('P2', [ids.shopSvc], HOUR);
        await postmortemFor(shopWriting, { status: 'draft', dueAt: from + 6 * DAY });
        // None at all: P2 post-mortems optional while this one resolves, so none is made for it.
        ok(await t.api('PUT', '/api/postmortem-policies/P2', { mode: 'optional' }), 'policy');
        const payNone = await incident('P2', [ids.paySvc], HOUR);
        ok(await t.api('PUT', '/api/postmortem-policies/P2', { mode: 'required' }), 'policy back');
        const p3 = await incident('P3', [ids.shopSvc], HOUR); // not eligible
        await postmortemFor(p3, { status: 'draft', dueAt: null });
        await incident('P1', [ids.shopSvc], null); // unresolved: not eligible
        // A drill, its post-mortem overdue: left out of the metric all the same.
        const drill = await incident('P1', [ids.shopSvc], HOUR, 'drill');
        await postmortemFor(drill, { status: 'draft', dueAt: from + 1 });
        const to = clock.now() + 1;
        const q = `from=${encodeURIComponent(toIso(from))}&to=${encodeURIComponent(toIso(to))}`;
        const r = ok(await t.api<Report>('GET', `/api/postmortems/completion?${q}`, undefined, tokens.viewer), 'get');
        assert.equal(r.target, 0.9);
        assert.deepEqual(
          [r.overall.eligible, r.overall.thorough, r.overall.onTime, r.overall.rate, r.overall.onTimeRate],
          [4, 2, 1, 0.5, 0.25],
        );
        assert.equal(r.overall.inProgress, 1);
        assert.deepEqual(
          r.overall.missing.map((m) => [m.incidentId, m.status, m.postmortemId]),
          [
            [payDraft, 'draft', payDraftPm],
            [payNone, 'none', null],
          ],
        );
        assert.deepEqual(
          r.teams.map((x) => [x.team.name, x.eligible, x.thorough, x.onTime]),
          [
            ['Payments', 3, 1, 0],
            ['Shop', 2, 2, 1],
          ],
        );
        const shop = ok(await t.api<Report>('GET', `/api/postmortems/completion?${q}&teamId=${ids.shop}`), 'shop');
        assert.equal(shop.overall.rate, 1);
        assert.equal(shop.overall.onTimeRate, 0.5);
        assert.deepEqual(
          shop.teams.map((x) => x.team.id),
          [ids.shop],
        );
        const empty = ok(
          await t.api<Report>(
            'GET',
            `/api/postmortems/completion?to=${encodeURIComponent(toIso(T0 - DAY))}&teamId=${ids.shop}`,
          ),
          'empty',
        );
        assert.equal(empty.overall.eligible, 0);
        assert.equal(empty.overall.rate, null);
        const backwards = await t.api<Problem>(
          'GET',
          `/api/postmortems/completion?from=${encodeURIComponent(toIso(to))}&to=${encodeURIComponent(toIso(from))}`,
        );
        assert.equal(backwards.status, 400);
        assert.equal(backwards.body.error.details!.problems[0]!.field, 'from');
        const noTeam = await t.api<Problem>('GET', '/api/postmortems/completion?teamId=team_nothing');
        assert.equal(noTeam.status, 400);
        assert.equal(noTeam.body.error.details!.problems[0]!.field, 'teamId');
      });
    });
  });
}
