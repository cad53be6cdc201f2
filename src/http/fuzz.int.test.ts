/**
 * The API fuzz test (issue 10): every operation of the OpenAPI document the server serves, with the API token of
 * each role (organisation admin, team admin, responder, viewer, none), bodies, paths and queries from fast-check
 * arbitraries derived from each operation's schemas mixed with hostile values (src/testing/api-fuzz.ts). It asserts
 * no 5xx, every error in the envelope, every request answered within 5 s, and that the database still answers
 * afterwards. Bounded for `npm test` (MUSTER_FUZZ_RUNS requests per operation and role cycle); `npm run fuzz` runs
 * longer. A failure prints the seed: MUSTER_FUZZ_SEED=<seed> repeats the run.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { ENGINES } from '../db/testing/index.js';
import {
  buildWorld,
  hiddenOperations,
  operationsOf,
  reproduction,
  requestsFor,
  ROLES,
  send,
  type Finding,
  type FuzzWorld,
  type Operation,
} from '../testing/api-fuzz.js';
import { startTestMuster, type TestMuster } from '../testing/server.js';
import { routeAccessTable } from './access.js';

const RUNS_PER_OPERATION = Number(process.env.MUSTER_FUZZ_RUNS ?? 8);
const TIMEOUT_MS = 5_000;
const SEED = Number(process.env.MUSTER_FUZZ_SEED ?? Date.now() % 2 ** 31);

for (const engine of ENGINES) {
  describe(`API fuzz [${engine}]`, () => {
    let t: TestMuster;
    let world: FuzzWorld;
    let ops: Operation[];
    before(async () => {
      t = await startTestMuster(engine);
      world = await buildWorld(t);
      const doc = await t.api<Record<string, unknown>>('GET', '/api/openapi.json');
      const documented = operationsOf(doc.body);
      ops = [...documented, ...hiddenOperations(routeAccessTable(t.muster.app), documented)];
    });
    after(async () => t.stop());

    it('finds every operation and a token for each role', () => {
      assert.ok(ops.length >= 170, `only ${ops.length} operations`);
      for (const role of ROLES) assert.ok(role === 'anonymous' || world.tokens[role], `no token for ${role}`);
    });

    it(`answers hostile requests to every operation without 5xx, outside the envelope or hanging (seed ${SEED})`, async (ctx) => {
      const findings: Finding[] = [];
      let requests = 0;
      const statuses = new Map<number, number>();
      for (const [i, op] of ops.entries()) {
        const name = `${op.method} ${op.path}`;
        for (const req of requestsFor(world, op, SEED + i * 7919, RUNS_PER_OPERATION)) {
          const r = await send(world, name, req, TIMEOUT_MS);
          requests++;
          if (r.status !== null) statuses.set(r.status, (statuses.get(r.status) ?? 0) + 1);
          if (r.finding) findings.push(r.finding);
          // A hang blocks everything after it on SQLite: stop at the first, the rest would only repeat it.
          if (r.finding?.kind === 'hang') break;
        }
        if (findings.some((f) => f.kind === 'hang')) break;
      }
      ctx.diagnostic(
        `${requests} requests, ${ops.length} operations, ${ROLES.length} roles; statuses ` +
          [...statuses]
            .sort(([a], [b]) => a - b)
            .map(([s, n]) => `${s}×${n}`)
            .join(' '),
      );
      const distinct = new Map<string, Finding>();
      for (const f of findings) distinct.set(`${f.kind} ${f.operation} ${f.status}`, f);
      const report = [...distinct.values()]
        .map(
          (f) =>
            `${f.kind} ${f.status ?? ''} ${f.operation} as ${f.request.role}: ${f.detail}\n  ${reproduction(world, f)}`,
        )
        .join('\n');
      assert.equal(
        distinct.size,
        0,
        `seed ${SEED} (MUSTER_FUZZ_SEED=${SEED} repeats it): ${findings.length} findings in ${requests} requests\n${report}`,
      );
      // The run did reach the handlers: some requests succeeded and some were refused for each reason.
      assert.ok(requests >= ops.length * Math.min(RUNS_PER_OPERATION, 5), `only ${requests} requests`);
      const count = (lo: number, hi: number) =>
        [...statuses].filter(([s]) => s >= lo && s < hi).reduce((n, [, c]) => n + c, 0);
      assert.ok(count(200, 300) > 0, 'no request succeeded');
      for (const s of [400, 401, 403, 404]) assert.ok(statuses.get(s), `no ${s} answered`);
    });

    it('still answers afterwards: /readyz and a read through the API', async () => {
      const ready = await t.api('GET', '/readyz', undefined, null);
      assert.equal(ready.status, 200);
      const teams = await t.api<{ teams: unknown[] }>('GET', '/api/teams');
      assert.equal(teams.status, 200);
      assert.ok(teams.body.teams.length >= 1);
    });
  });
}
