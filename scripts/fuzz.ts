/**
 * `npm run fuzz [-- --minutes N] [--engine sqlite|postgres] [--seed S] [--timeout-ms MS]`: the API fuzzer of
 * src/testing/api-fuzz.ts against one real server for N minutes (default 10), round after round over every operation
 * of the OpenAPI document (and the routes it hides) with a fresh seed each round. Prints each distinct finding (a 5xx, an error outside the
 * envelope, a request not answered within the bound) with a reproduction, and exits 1 if there was any.
 */
import { parseArgs } from 'node:util';
import { routeAccessTable } from '../src/http/access.js';
import {
  buildWorld,
  hiddenOperations,
  operationsOf,
  reproduction,
  requestsFor,
  send,
  type Finding,
} from '../src/testing/api-fuzz.js';
import { startTestMuster } from '../src/testing/server.js';

const { values } = parseArgs({
  options: {
    minutes: { type: 'string', default: '10' },
    engine: { type: 'string', default: 'sqlite' },
    seed: { type: 'string' },
    'timeout-ms': { type: 'string', default: '5000' },
    'runs-per-round': { type: 'string', default: '5' },
  },
});
const minutes = Number(values.minutes);
const engine = values.engine === 'postgres' ? 'postgres' : 'sqlite';
const baseSeed = values.seed !== undefined ? Number(values.seed) : Date.now() % 2 ** 31;
const timeoutMs = Number(values['timeout-ms']);
const runs = Number(values['runs-per-round']);

const t = await startTestMuster(engine);
let exitCode = 0;
try {
  const world = await buildWorld(t);
  const documented = operationsOf((await t.api<Record<string, unknown>>('GET', '/api/openapi.json')).body);
  const ops = [...documented, ...hiddenOperations(routeAccessTable(t.muster.app), documented)];
  console.log(
    `fuzzing ${ops.length} operations on ${engine} for ${minutes} min, seed ${baseSeed}, ` +
      `roles ${Object.keys(world.tokens).join(', ')}`,
  );
  const deadline = Date.now() + minutes * 60_000;
  const distinct = new Map<string, { finding: Finding; count: number; seed: number }>();
  const statuses = new Map<number, number>();
  let requests = 0;
  let round = 0;
  while (Date.now() < deadline) {
    for (const [i, op] of ops.entries()) {
      if (Date.now() >= deadline) break;
      const seed = baseSeed + round * 1_000_003 + i * 7919;
      const name = `${op.method} ${op.path}`;
      for (const req of requestsFor(world, op, seed, runs)) {
        const r = await send(world, name, req, timeoutMs);
        requests++;
        if (r.status !== null) statuses.set(r.status, (statuses.get(r.status) ?? 0) + 1);
        if (!r.finding) continue;
        const key = `${r.finding.kind} ${r.finding.status ?? ''} ${name}`;
        const seen = distinct.get(key);
        if (seen) seen.count++;
        else {
          distinct.set(key, { finding: r.finding, count: 1, seed });
          console.log(`found: ${key}`);
        }
      }
    }
    round++;
    process.stdout.write(`round ${round}: ${requests} requests, ${distinct.size} distinct findings\n`);
  }
  const ready = await t.api('GET', '/readyz', undefined, null);
  const read = await t.api('GET', '/api/teams');
  console.log(
    `\n${requests} requests, ${ops.length} operations, 5 roles, ${round} rounds; statuses ` +
      [...statuses]
        .sort(([a], [b]) => a - b)
        .map(([s, n]) => `${s}×${n}`)
        .join(' '),
  );
  console.log(`afterwards: /readyz ${ready.status}, GET /api/teams ${read.status}`);
  if (ready.status !== 200 || read.status !== 200) exitCode = 1;
  if (distinct.size === 0) console.log('no findings');
  for (const [key, { finding, count, seed }] of distinct) {
    exitCode = 1;
    console.log(`\n${key} (${count}×, round seed ${seed}) as ${finding.request.role}\n  ${finding.detail}`);
    console.log(`  ${reproduction(world, finding)}`);
  }
} finally {
  await t.stop();
}
process.exit(exitCode);
