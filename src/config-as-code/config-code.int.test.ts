/**
 * Config as code on both engines, through a real server: the example directory (docs/examples/config) planned against
 * an empty organisation, applied, exported and planned again (no changes); a change made through the API shows as
 * drift; --prune deletes and nothing is deleted without it; an apply that fails half-way (a deletion the database
 * refuses after earlier changes were written) leaves nothing changed; unknown fields are refused naming the file and
 * the field; the published JSON Schema validates the example; the CLI through the real binary.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { Ajv } from 'ajv';
import { parse, stringify } from 'yaml';
import { ENGINES } from '../db/testing/index.js';
import { runMuster } from '../testing/cli.js';
import { startTestMuster, type TestMuster } from '../testing/server.js';
import type { Plan } from './model.js';

const EXAMPLE = join(import.meta.dirname, '..', '..', 'docs', 'examples', 'config');
interface File {
  path: string;
  content: string;
}
const exampleFiles = (): File[] =>
  readdirSync(EXAMPLE)
    .sort()
    .map((f) => ({ path: f, content: readFileSync(join(EXAMPLE, f), 'utf8') }));

interface ApplyBody {
  plan: Plan;
  integrationKeys: { service: string; name: string; source: string; key: string }[];
}
interface Problem {
  file: string;
  object: string;
  field: string;
  message: string;
}

for (const engine of ENGINES) {
  describe(`config as code [${engine}]`, () => {
    let t: TestMuster;
    const plan = async (files: File[], prune = false) => {
      const r = await t.api<{ plan: Plan }>('POST', '/api/config/plan', { files, prune });
      assert.equal(r.status, 200, JSON.stringify(r.body));
      return r.body.plan;
    };
    const exported = async (): Promise<File[]> => {
      const r = await t.api<{ files: File[] }>('GET', '/api/config/export');
      assert.equal(r.status, 200, JSON.stringify(r.body));
      return r.body.files;
    };
    const counts = (p: Plan) => p.summary;

    before(async () => {
      t = await startTestMuster(engine);
    });
    after(async () => {
      await t.stop();
    });

    it('plans the example against an empty organisation: everything to create, the bootstrap admin not managed', async () => {
      const p = await plan(exampleFiles());
      // Everything is created but the P1 severity policy, which always exists (built in): it is updated.
      assert.deepEqual(counts(p), { create: 13, update: 1, delete: 0, unmanaged: 1 });
      assert.deepEqual(p.unmanaged, [{ kind: 'users', key: 'admin@example.test' }]);
      const policy = p.changes.find((c) => c.kind === 'escalationPolicies')!;
      assert.equal(policy.action, 'create');
      const teams = await t.muster.services.db.kysely.selectFrom('teams').select('id').execute();
      assert.equal(teams.length, 0, 'plan changes nothing');
    });

    it('applies the example in one go: invited users, team, schedule, policy (delays to the minute), services, a key', async () => {
      const r = await t.api<ApplyBody>('POST', '/api/config/apply', { files: exampleFiles() });
      assert.equal(r.status, 200, JSON.stringify(r.body));
      assert.equal(r.body.plan.summary.create, 13);
      assert.equal(r.body.integrationKeys.length, 1);
      assert.match(r.body.integrationKeys[0]!.key, /^[a-z2-7]{32}$/);

      const users = await t.muster.services.db.kysely
        .selectFrom('users')
        .select(['email', 'passwordHash'])
        .where('email', 'like', '%@example.com')
        .execute();
      assert.equal(users.length, 4);
      assert.ok(
        users.every((u) => u.passwordHash === null),
        'created invited, never with a password',
      );

      const svc = await t.api<{ id: string; escalationPolicyId: string; dependsOn: string[]; criticality: string }>(
        'GET',
        '/api/services/payments-api',
      );
      assert.equal(svc.body.criticality, 'critical');
      assert.equal(svc.body.dependsOn.length, 1);
      const policy = await t.api<{ levels: { delayMinutes: number; targets: { type: string }[] }[]; repeat: number }>(
        'GET',
        `/api/escalation-policies/${svc.body.escalationPolicyId}`,
      );
      assert.deepEqual(
        policy.body.levels.map((l) => [l.delayMinutes, l.targets.map((x) => x.type)]),
        [
          [7, ['schedule']],
          [13, ['user', 'user']],
        ],
      );
      assert.equal(policy.body.repeat, 2);
      const windows = await t.api<{ maintenanceWindows: { startsAt: string; endsAt: string; comment: string }[] }>(
        'GET',
        '/api/services/payments-api/maintenance-windows',
      );
      assert.equal(windows.status, 200, JSON.stringify(windows.body));
      assert.deepEqual(
        windows.body.maintenanceWindows.map((w) => [w.startsAt, w.endsAt, w.comment]),
        [['2030-06-01T22:00:00.000Z', '2030-06-02T02:00:00.000Z', 'Database upgrade']],
      );
      const silences = await t.muster.services.db.kysely
        .selectFrom('silences')
        .select(['matchers', 'comment'])
        .where('serviceId', '=', svc.body.id)
        .execute();
      assert.deepEqual(
        silences.map((x) => [JSON.parse(x.matchers) as unknown, x.comment]),
        [
          [
            [{ name: 'alertname', value: 'Canary.*', isRegex: true, isEqual: true }],
            'Canaries are noisy during the upgrade',
          ],
        ],
      );
      const audit = await t.muster.services.db.kysely
        .selectFrom('auditEvents')
        .select(['action', 'details'])
        .where('action', 'like', 'config.%')
        .execute();
      const applied = audit.filter((a) => a.action === 'config.applied');
      assert.equal(applied.length, 1);
      assert.equal((JSON.parse(applied[0]!.details) as { create: number }).create, 13);
      assert.equal(audit.length, 15, 'one entry per object and one for the apply');
      assert.deepEqual(counts(await plan(exampleFiles())), { create: 0, update: 0, delete: 0, unmanaged: 1 });
    });

    it('exports the state so that planning the export changes nothing (round trip)', async () => {
      const files = await exported();
      assert.ok(files.every((f) => f.content.startsWith('# yaml-language-server: $schema=')));
      assert.ok(files.some((f) => f.path === 'schedules.yaml' && f.content.includes('AMER evenings')));
      const p = await plan(files, true);
      assert.deepEqual(p.changes, []);
      assert.deepEqual(counts(p), { create: 0, update: 0, delete: 0, unmanaged: 0 });
    });

    it('shows a change made through the API as drift in the next plan', async () => {
      const r = await t.api('PATCH', '/api/services/payments-db', { description: 'Changed in the UI' });
      assert.equal(r.status, 200, JSON.stringify(r.body));
      const p = await plan(exampleFiles());
      assert.deepEqual(
        p.changes.map((c) => [c.action, c.key, c.fields]),
        [['update', 'payments-db', [{ field: 'description', from: 'Changed in the UI', to: '' }]]],
      );
      await t.api('POST', '/api/config/apply', { files: exampleFiles() });
      assert.equal((await plan(exampleFiles())).changes.length, 0);
    });

    it('removes a silence or window left out of a list it manages (expired, not deleted), and ignores ended ones', async () => {
      const files = exampleFiles().map((f) =>
        f.path === 'services.yaml'
          ? {
              ...f,
              content: f.content
                .replace(/ {4}silences:[\s\S]*?upgrade\n/, '    silences: []\n')
                .replace(
                  "'2030-06-01T22:00:00Z', end: '2030-06-02T02:00:00Z'",
                  "'2020-06-01T22:00:00Z', end: '2020-06-02T02:00:00Z'",
                ),
            }
          : f,
      );
      const p = await plan(files);
      assert.deepEqual(
        p.changes.map((c) => [c.key, c.fields.map((x) => x.field)]),
        [['payments-api', ['maintenanceWindows', 'silences']]],
      );
      const r = await t.api<ApplyBody>('POST', '/api/config/apply', { files });
      assert.equal(r.status, 200, JSON.stringify(r.body));
      const live = await t.muster.services.db.kysely
        .selectFrom('silences')
        .select('expiredByLabel')
        .where('comment', '=', 'Canaries are noisy during the upgrade')
        .execute();
      assert.equal(live.length, 1, 'kept as history');
      assert.ok(live[0]!.expiredByLabel, 'expired');
      assert.equal((await plan(files)).changes.length, 0, 'the ended window in the file is not compared');
      await t.api('POST', '/api/config/apply', { files: exampleFiles() });
      assert.equal((await plan(exampleFiles())).changes.length, 0);
    });

    it("sets a person's notification rules on their own contact methods, and refuses a method they do not have", async () => {
      const ana = await t.muster.services.db.kysely
        .selectFrom('users')
        .select('id')
        .where('email', '=', 'ana@example.com')
        .executeTakeFirstOrThrow();
      const cm = await t.api('POST', `/api/users/${ana.id}/contact-methods`, {
        kind: 'email',
        address: 'ana.pager@example.com',
      });
      assert.equal(cm.status, 201, JSON.stringify(cm.body));
      const rules =
        'users:\n  - email: ana@example.com\n    name: Ana Lima\n    timezone: Europe/Lisbon\n    notificationRules:\n' +
        '      - { contactMethod: { kind: email, address: ana.pager@example.com }, urgency: high, delayMinutes: 0 }\n' +
        '      - { contactMethod: { kind: email, address: ana.pager@example.com }, urgency: high, delayMinutes: 5 }\n';
      const files = exampleFiles().map((f) =>
        f.path === 'users.yaml'
          ? { ...f, content: f.content.replace(/ {2}- email: ana@example\.com\n.*\n.*\n/, '') }
          : f,
      );
      const withRules = [...files, { path: 'ana.yaml', content: rules }];
      const p = await plan(withRules);
      assert.deepEqual(
        p.changes.map((c) => [c.kind, c.key, c.fields.map((x) => x.field)]),
        [['users', 'ana@example.com', ['notificationRules']]],
      );
      const r = await t.api<ApplyBody>('POST', '/api/config/apply', { files: withRules });
      assert.equal(r.status, 200, JSON.stringify(r.body));
      const stored = await t.muster.services.db.kysely
        .selectFrom('notificationRules')
        .select(['urgency', 'delayMinutes'])
        .where('userId', '=', ana.id)
        .orderBy('delayMinutes')
        .execute();
      assert.deepEqual(stored, [
        { urgency: 'high', delayMinutes: 0 },
        { urgency: 'high', delayMinutes: 5 },
      ]);
      assert.equal((await plan(await exported())).changes.length, 0, 'export carries the rules');
      const bad = await t.api<{ error: { details: { problems: Problem[] } } }>('POST', '/api/config/plan', {
        files: [...files, { path: 'ana.yaml', content: rules.replace('ana.pager@', 'nobody@') }],
      });
      assert.equal(bad.status, 400);
      assert.deepEqual(
        bad.body.error.details.problems.map((x) => [x.file, x.object, x.field]),
        [['ana.yaml', 'user ana@example.com', 'notificationRules']],
      );
    });

    it('deletes only with --prune; without it, what the files do not name is kept and reported', async () => {
      const teamId = (await t.api<{ id: string }>('GET', '/api/teams/payments')).body.id;
      const extra = await t.api('POST', '/api/services', { name: 'Legacy batch', slug: 'legacy-batch', teamId });
      assert.equal(extra.status, 201, JSON.stringify(extra.body));
      const files = (await exported()).map((f) =>
        f.path === 'services.yaml' ? { ...f, content: withoutService(f.content, 'legacy-batch') } : f,
      );
      assert.ok(!files.some((f) => f.content.includes('legacy-batch')));
      const kept = await t.api<ApplyBody>('POST', '/api/config/apply', { files });
      assert.equal(kept.status, 200, JSON.stringify(kept.body));
      assert.deepEqual(kept.body.plan.unmanaged, [{ kind: 'services', key: 'legacy-batch' }]);
      assert.equal((await t.api('GET', '/api/services/legacy-batch')).status, 200);

      const pruned = await t.api<ApplyBody>('POST', '/api/config/apply', { files, prune: true });
      assert.equal(pruned.status, 200, JSON.stringify(pruned.body));
      assert.deepEqual(
        pruned.body.plan.changes.map((c) => [c.action, c.kind, c.key]),
        [['delete', 'services', 'legacy-batch']],
      );
      assert.equal((await t.api('GET', '/api/services/legacy-batch')).status, 404);
    });

    it('leaves nothing changed when an apply fails half-way (a deletion the database refuses)', async () => {
      // A service with an alert cannot be deleted (alerts are history); it is the last change of this apply.
      const teamId = (await t.api<{ id: string }>('GET', '/api/teams/payments')).body.id;
      const svc = await t.api<{ id: string }>('POST', '/api/services', { name: 'Noisy', slug: 'noisy', teamId });
      const key = await t.api<{ key: string }>('POST', `/api/services/${svc.body.id}/integration-keys`, {
        source: 'generic',
      });
      const fire = await t.api('POST', `/integrations/generic/${key.body.key}`, {
        status: 'firing',
        title: 'Disk full',
        severity: 'warning',
      });
      assert.ok(fire.status < 300, JSON.stringify(fire.body));
      await waitFor(async () =>
        Boolean(
          await t.muster.services.db.kysely
            .selectFrom('alerts')
            .select('id')
            .where('serviceId', '=', svc.body.id)
            .executeTakeFirst(),
        ),
      );
      const before = await exported();
      const files = before
        .filter((f) => f.path !== 'services.yaml')
        .map((f) =>
          f.path === 'teams.yaml'
            ? { ...f, content: f.content.replace('Card payments and payouts', 'Renamed half-way') }
            : f,
        )
        .concat([
          { path: 'new.yaml', content: 'teams:\n  - slug: fresh\n    name: Fresh team\n' },
          {
            path: 'services.yaml',
            content: withoutService(before.find((f) => f.path === 'services.yaml')!.content, 'noisy'),
          },
        ]);
      const p = await plan(files, true);
      assert.deepEqual(
        p.changes.map((c) => [c.action, c.key]),
        [
          ['create', 'fresh'],
          ['update', 'payments'],
          ['delete', 'noisy'],
        ],
      );
      const r = await t.api<{ error: { code: string } }>('POST', '/api/config/apply', { files, prune: true });
      assert.equal(r.status, 409, JSON.stringify(r.body));
      assert.equal((await t.api('GET', '/api/teams/fresh')).status, 404, 'the created team was rolled back');
      assert.deepEqual(await exported(), before, 'nothing changed');
      const audits = await t.muster.services.db.kysely
        .selectFrom('auditEvents')
        .select('id')
        .where('action', '=', 'config.team.created')
        .execute();
      assert.equal(audits.length, 1, 'only the first apply created a team');
    });

    it('refuses unknown fields and bad references, naming the file, the object and the field', async () => {
      const bad = await t.api<{ error: { code: string; message: string; details: { problems: Problem[] } } }>(
        'POST',
        '/api/config/plan',
        {
          files: [
            {
              path: 'teams/payments.yaml',
              content: 'teams:\n  - slug: payments\n    name: Payments\n    colour: blue\n',
            },
            {
              path: 'services.yaml',
              content: 'services:\n  - slug: x\n    name: X\n    team: nowhere\n    escalationPolicy: nope\n',
            },
          ],
        },
      );
      assert.equal(bad.status, 400);
      assert.equal(bad.body.error.code, 'config_invalid');
      assert.deepEqual(bad.body.error.details.problems[0], {
        file: 'teams/payments.yaml',
        object: 'team payments',
        field: 'colour',
        message: 'unknown field',
        at: 'teams/payments.yaml: team payments: colour',
      });
      const refs = await t.api<{ error: { details: { problems: Problem[] } } }>('POST', '/api/config/plan', {
        files: [{ path: 'services.yaml', content: 'services:\n  - slug: x\n    name: X\n    team: nowhere\n' }],
      });
      assert.equal(refs.status, 400);
      assert.deepEqual(
        refs.body.error.details.problems.map((p) => [p.file, p.object, p.field]),
        [['services.yaml', 'service x', 'team']],
      );
    });

    it('is for organisation administrators only', async () => {
      const r = await t.api('POST', '/api/config/plan', { files: exampleFiles() }, null);
      assert.equal(r.status, 401);
    });

    it('publishes a JSON Schema (no sign-in needed) that validates the example and refuses an unknown field', async () => {
      const r = await t.api<Record<string, unknown>>('GET', '/api/config/schema.json', undefined, null);
      assert.equal(r.status, 200);
      const validate = new Ajv({ strict: false }).compile(r.body);
      for (const f of exampleFiles())
        assert.ok(validate(parse(f.content)), `${f.path}: ${JSON.stringify(validate.errors)}`);
      assert.equal(validate({ teams: [{ slug: 'a', name: 'A', colour: 'blue' }] }), false);
    });

    it('plans, applies and exports through the real muster binary', async () => {
      const env = { MUSTER_URL: t.url, MUSTER_TOKEN: t.adminToken };
      const dir = mkdtempSync(join(tmpdir(), 'muster-config-'));
      const out = await runMuster(['export', '-o', dir], env);
      assert.equal(out.code, 0, out.stderr);
      const same = await runMuster(['plan', '-f', dir], env);
      assert.equal(same.code, 0, same.stderr);
      assert.match(same.stdout, /No changes\. Muster matches the files\./);

      writeFileSync(join(dir, 'extra.yaml'), 'teams:\n  - slug: cli-team\n    name: CLI team\n');
      const p = await runMuster(['plan', '-f', dir], env);
      assert.match(p.stdout, /^\+ team cli-team$/m);
      assert.match(p.stdout, /Plan: 1 to create, 0 to update, 0 to delete, 0 not managed: kept\./);
      const pj = await runMuster(['plan', '-f', dir, '--json'], env);
      assert.equal((JSON.parse(pj.stdout) as Plan).summary.create, 1);
      const a = await runMuster(['apply', '-f', dir], env);
      assert.equal(a.code, 0, a.stderr);
      assert.match(a.stdout, /Applied\./);
      assert.equal((await t.api('GET', '/api/teams/cli-team')).status, 200);

      writeFileSync(join(dir, 'extra.yaml'), 'teams:\n  - slug: cli-team\n    name: CLI team\n    bogus: 1\n');
      const bad = await runMuster(['plan', '-f', dir], env);
      assert.notEqual(bad.code, 0);
      assert.match(bad.stderr, /extra\.yaml: team cli-team: bogus: unknown field/);

      const schema = await runMuster(['config', 'schema'], {});
      assert.equal(schema.code, 0, schema.stderr);
      assert.equal((JSON.parse(schema.stdout) as { title: string }).title, 'Muster configuration');
    });
  });
}

/** A services file without one service (parsed and written again). */
function withoutService(content: string, slug: string): string {
  const doc = parse(content) as { services: { slug: string }[] };
  return stringify({ services: doc.services.filter((s) => s.slug !== slug) });
}

async function waitFor(check: () => Promise<boolean>): Promise<void> {
  for (let i = 0; i < 200; i++) {
    if (await check()) return;
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error('condition not met');
}
