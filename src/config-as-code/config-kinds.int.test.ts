/**
 * Config as code for the kinds beyond the on-call set-up, on both engines through a real server: severity policies
 * (always four, built in), post-mortem templates (built-in ones kept when left out). Each: plan → apply → export →
 * plan empty, a change made through the API shown as drift and put back, deletion only with --prune, an apply that
 * fails half-way changing nothing, and references checked naming the file, the object and the field.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { ENGINES } from '../db/testing/index.js';
import { startTestMuster, type TestMuster } from '../testing/server.js';
import type { Plan } from './model.js';

interface File {
  path: string;
  content: string;
}
interface Problem {
  file: string;
  object: string;
  field: string;
  message: string;
}
type Err = { error: { code: string; details?: { problems: Problem[] } } };

const TEMPLATES = `postmortemTemplates:
  - slug: deep-dive
    name: Deep dive
    description: For the big ones
    sections:
      - { key: summary, title: Summary, kind: text, required: true, help: Two sentences }
      - { key: timeline, title: Timeline, kind: timeline }
      - { key: actions, title: Follow-ups, kind: actions, required: true }
`;
const SEVERITY = `severityPolicies:
  - severity: P1
    updateReminderMinutes: 20
    postmortem: { mode: required, dueBusinessDays: 3, template: deep-dive }
  - severity: P3
    pagesOutOfHours: true
`;

for (const engine of ENGINES) {
  describe(`config as code: severity policies and post-mortem templates [${engine}]`, () => {
    let t: TestMuster;
    const files = (extra: File[] = []): File[] => [
      { path: 'templates.yaml', content: TEMPLATES },
      { path: 'severity.yaml', content: SEVERITY },
      ...extra,
    ];
    const plan = async (f: File[], prune = false) => {
      const r = await t.api<{ plan: Plan }>('POST', '/api/config/plan', { files: f, prune });
      assert.equal(r.status, 200, JSON.stringify(r.body));
      return r.body.plan;
    };
    const apply = async (f: File[], prune = false) => {
      const r = await t.api<{ plan: Plan }>('POST', '/api/config/apply', { files: f, prune });
      assert.equal(r.status, 200, JSON.stringify(r.body));
      return r.body.plan;
    };
    const exported = async (): Promise<File[]> => {
      const r = await t.api<{ files: File[] }>('GET', '/api/config/export');
      assert.equal(r.status, 200, JSON.stringify(r.body));
      return r.body.files;
    };
    const brief = (p: Plan) => p.changes.map((c) => [c.action, c.kind, c.key, c.fields.map((f) => f.field)]);
    const db = () => t.muster.services.db.kysely;

    before(async () => {
      t = await startTestMuster(engine);
    });
    after(async () => {
      await t.stop();
    });

    it('plans a template to create and the built-in severity policies to update; built-ins left out are not listed', async () => {
      const p = await plan(files());
      assert.deepEqual(brief(p), [
        ['create', 'postmortemTemplates', 'deep-dive', ['slug', 'name', 'description', 'sections']],
        [
          'update',
          'severityPolicies',
          'P1',
          ['updateReminderMinutes', 'postmortem.dueBusinessDays', 'postmortem.template'],
        ],
        ['update', 'severityPolicies', 'P3', ['pagesOutOfHours']],
      ]);
      assert.deepEqual(p.unmanaged, [{ kind: 'users', key: 'admin@example.test' }]);
      const templates = await db().selectFrom('postmortemTemplates').select('id').where('isBuiltin', '=', 0).execute();
      assert.equal(templates.length, 0, 'plan changes nothing');
    });

    it('applies them: the incidents and post-mortems domains read the new policy and template', async () => {
      await apply(files());
      const sev = await t.api<{
        policies: { severity: string; updateReminderMinutes: number; pagesOutOfHours: boolean }[];
      }>('GET', '/api/incidents/severities');
      assert.equal(sev.status, 200, JSON.stringify(sev.body));
      const p1 = sev.body.policies.find((p) => p.severity === 'P1')!;
      const p3 = sev.body.policies.find((p) => p.severity === 'P3')!;
      assert.equal(p1.updateReminderMinutes, 20);
      assert.equal(p3.pagesOutOfHours, true);
      const templates = await t.api<{ id: string; name: string; sections: { key: string; required: boolean }[] }[]>(
        'GET',
        '/api/postmortem-templates',
      );
      const mine = templates.body.find((x) => x.name === 'Deep dive')!;
      assert.deepEqual(
        mine.sections.map((s) => [s.key, s.required]),
        [
          ['summary', true],
          ['timeline', false],
          ['actions', true],
        ],
      );
      const policies = await t.api<{ severity: string; mode: string; dueBusinessDays: number; templateId: string }[]>(
        'GET',
        '/api/postmortem-policies',
      );
      assert.deepEqual(
        policies.body.filter((x) => x.severity === 'P1').map((x) => [x.mode, x.dueBusinessDays, x.templateId]),
        [['required', 3, mine.id]],
      );
      assert.deepEqual((await plan(files())).changes, []);
    });

    it('exports all four severity policies and every template, so planning the export changes nothing', async () => {
      const out = await exported();
      const sev = out.find((f) => f.path === 'severity-policies.yaml')!;
      assert.ok(sev, 'severity-policies.yaml exported');
      assert.equal(sev.content.match(/severity: P\d/g)?.length, 4);
      const tpl = out.find((f) => f.path === 'postmortem-templates.yaml')!;
      for (const slug of ['deep-dive', 'standard', 'light']) assert.match(tpl.content, new RegExp(`slug: ${slug}\\n`));
      const p = await plan(out, true);
      assert.deepEqual(p.changes, []);
      assert.deepEqual(p.summary, { create: 0, update: 0, delete: 0, unmanaged: 0 });
    });

    it('shows changes made through the API as drift, and apply puts the files back', async () => {
      const put = await t.api('PUT', '/api/incidents/policies/P1', { updateReminderMinutes: 45 });
      assert.equal(put.status, 200, JSON.stringify(put.body));
      const tpl = (await t.api<{ id: string; name: string }[]>('GET', '/api/postmortem-templates')).body.find(
        (x) => x.name === 'Deep dive',
      )!;
      const patch = await t.api('PUT', `/api/postmortem-templates/${tpl.id}`, { name: 'Renamed in the UI' });
      assert.equal(patch.status, 200, JSON.stringify(patch.body));
      const p = await plan(files());
      assert.deepEqual(
        p.changes.map((c) => [c.action, c.key, c.fields]),
        [
          ['update', 'deep-dive', [{ field: 'name', from: 'Renamed in the UI', to: 'Deep dive' }]],
          ['update', 'P1', [{ field: 'updateReminderMinutes', from: 45, to: 20 }]],
        ],
      );
      await apply(files());
      assert.deepEqual((await plan(files())).changes, []);
    });

    it('deletes (archives) a template only with --prune; built-in templates and unnamed severities are kept', async () => {
      const made = await t.api<{ id: string }>('POST', '/api/postmortem-templates', {
        name: 'Made in the UI',
        sections: [{ key: 'summary', title: 'Summary', kind: 'text' }],
      });
      assert.equal(made.status, 201, JSON.stringify(made.body));
      const withAdmin = files([
        { path: 'me.yaml', content: 'users:\n  - { email: admin@example.test, name: Admin, admin: true }\n' },
      ]);
      const kept = await plan(withAdmin);
      assert.deepEqual(kept.unmanaged, [{ kind: 'postmortemTemplates', key: 'made-in-the-ui' }]);
      const pruned = await apply(withAdmin, true);
      assert.deepEqual(
        pruned.changes.filter((c) => c.kind !== 'users').map((c) => [c.action, c.kind, c.key]),
        [['delete', 'postmortemTemplates', 'made-in-the-ui']],
      );
      const row = await db()
        .selectFrom('postmortemTemplates')
        .select('archivedAt')
        .where('id', '=', made.body.id)
        .executeTakeFirstOrThrow();
      assert.notEqual(row.archivedAt, null, 'archived: post-mortems made from it keep their sections');
      const builtins = await db()
        .selectFrom('postmortemTemplates')
        .select('archivedAt')
        .where('isBuiltin', '=', 1)
        .execute();
      assert.ok(builtins.length >= 2 && builtins.every((b) => b.archivedAt === null), 'built-ins are never pruned');
      assert.deepEqual((await plan(withAdmin, true)).changes, []);
    });

    it('leaves nothing changed when an apply fails half-way (pruning a template a kept severity still uses)', async () => {
      const made = await t.api<{ id: string }>('POST', '/api/postmortem-templates', {
        name: 'Used by P4',
        sections: [{ key: 'summary', title: 'Summary', kind: 'text' }],
      });
      const use = await t.api('PUT', '/api/postmortem-policies/P4', { templateId: made.body.id });
      assert.equal(use.status, 200, JSON.stringify(use.body));
      const before = await exported();
      const changed = files([
        { path: 'me.yaml', content: 'users:\n  - { email: admin@example.test, name: Admin, admin: true }\n' },
        { path: 'sev2.yaml', content: 'severityPolicies:\n  - { severity: P2, updateReminderMinutes: 15 }\n' },
      ]);
      const p = await plan(changed, true);
      assert.deepEqual(
        p.changes.map((c) => [c.action, c.key]),
        [
          ['update', 'P2'],
          ['delete', 'used-by-p4'],
        ],
      );
      const r = await t.api<Err>('POST', '/api/config/apply', { files: changed, prune: true });
      assert.equal(r.status, 409, JSON.stringify(r.body));
      assert.equal(r.body.error.code, 'template_in_use');
      assert.deepEqual(await exported(), before, 'nothing changed: P2 was rolled back');
    });

    it('refuses a reference to a template that does not exist and a required post-mortem without a due date', async () => {
      const r = await t.api<Err>('POST', '/api/config/plan', {
        files: [
          {
            path: 'a.yaml',
            content: 'severityPolicies:\n  - severity: P2\n    postmortem: { mode: optional, template: nope }\n',
          },
          { path: 'b.yaml', content: 'severityPolicies:\n  - severity: P3\n    postmortem: { mode: required }\n' },
        ],
      });
      assert.equal(r.status, 400, JSON.stringify(r.body));
      assert.deepEqual(
        r.body.error.details!.problems.map((x) => [x.file, x.object, x.field]),
        [['b.yaml', 'severity_policy P3', 'postmortem.dueBusinessDays']],
      );
      const ref = await t.api<Err>('POST', '/api/config/plan', {
        files: [
          {
            path: 'a.yaml',
            content: 'severityPolicies:\n  - severity: P2\n    postmortem: { mode: optional, template: nope }\n',
          },
        ],
      });
      assert.equal(ref.status, 400, JSON.stringify(ref.body));
      assert.deepEqual(
        ref.body.error.details!.problems.map((x) => [x.file, x.object, x.field, x.message]),
        [
          [
            'a.yaml',
            'severity_policy P2',
            'postmortem.template',
            'no postmortem template nope in the files or in Muster',
          ],
        ],
      );
    });
  });
}

const BASE = `users:
  - { email: admin@example.test, name: Admin, admin: true }
teams:
  - slug: payments
    name: Payments
services:
  - { slug: payments-api, name: Payments API, team: payments }
  - { slug: ledger, name: Ledger, team: payments }
`;
const RUNBOOKS = `runbooks:
  - team: payments
    slug: db-failover
    title: Fail the database over
    body: |
      1. Check replication lag.
      2. Promote the replica.
    reviewIntervalDays: 30
    services: [payments-api, ledger]
    alertRules:
      - alertname: PostgresDown
      - matchers: [{ name: service, op: '=~', value: 'pay.*' }]
`;

for (const engine of ENGINES) {
  describe(`config as code: runbooks [${engine}]`, () => {
    let t: TestMuster;
    const plan = async (f: File[], prune = false) => {
      const r = await t.api<{ plan: Plan }>('POST', '/api/config/plan', { files: f, prune });
      assert.equal(r.status, 200, JSON.stringify(r.body));
      return r.body.plan;
    };
    const apply = async (f: File[], prune = false) => {
      const r = await t.api<{ plan: Plan }>('POST', '/api/config/apply', { files: f, prune });
      assert.equal(r.status, 200, JSON.stringify(r.body));
      return r.body.plan;
    };
    const files = (runbooks = RUNBOOKS): File[] => [
      { path: 'base.yaml', content: BASE },
      { path: 'runbooks.yaml', content: runbooks },
    ];
    const runbook = async () =>
      t.muster.services.db.kysely
        .selectFrom('runbooks')
        .select(['id', 'version', 'body', 'archivedAt', 'reviewIntervalDays'])
        .where('slug', '=', 'db-failover')
        .executeTakeFirstOrThrow();

    before(async () => {
      t = await startTestMuster(engine);
    });
    after(async () => {
      await t.stop();
    });

    it('creates a runbook addressed by team and slug, with its services and alert rules, as version 1', async () => {
      const p = await plan(files());
      assert.deepEqual(
        p.changes.filter((c) => c.kind === 'runbooks').map((c) => [c.action, c.key]),
        [['create', 'payments/db-failover']],
      );
      await apply(files());
      const row = await runbook();
      assert.equal(row.version, 1);
      assert.equal(row.reviewIntervalDays, 30);
      const got = await t.api<{ services: { slug: string }[]; alertRules: { alertname: string | null }[] }>(
        'GET',
        `/api/runbooks/${row.id}`,
      );
      assert.equal(got.status, 200, JSON.stringify(got.body));
      assert.deepEqual(got.body.services.map((s) => s.slug).sort(), ['ledger', 'payments-api']);
      assert.deepEqual(got.body.alertRules.map((r) => r.alertname).sort(), ['PostgresDown', null].sort());
      assert.deepEqual((await plan(files())).changes, []);
    });

    it('exports it so that planning the export changes nothing', async () => {
      const out = (await t.api<{ files: File[] }>('GET', '/api/config/export')).body.files;
      const rb = out.find((f) => f.path === 'runbooks.yaml')!;
      assert.match(rb.content, /slug: db-failover/);
      const p = await plan(out, true);
      assert.deepEqual(p.changes, []);
      assert.deepEqual(p.summary, { create: 0, update: 0, delete: 0, unmanaged: 0 });
    });

    it('shows an edit made in the UI as drift; applying the files saves a new version', async () => {
      const { id } = await runbook();
      const edit = await t.api('PATCH', `/api/runbooks/${id}`, { body: 'Edited in the UI\n', serviceIds: [] });
      assert.equal(edit.status, 200, JSON.stringify(edit.body));
      const p = await plan(files());
      assert.deepEqual(
        p.changes.map((c) => [c.action, c.key, c.fields.map((f) => f.field)]),
        [['update', 'payments/db-failover', ['body', 'services']]],
      );
      await apply(files());
      const row = await runbook();
      assert.equal(row.version, 3, 'the UI edit was version 2, the files version 3');
      assert.match(row.body, /Promote the replica/);
      assert.deepEqual((await plan(files())).changes, []);
    });

    it('archives a runbook left out only with --prune, and brings it back when the files name it again', async () => {
      const without = files('runbooks: []\n');
      const kept = await plan(without);
      assert.deepEqual(kept.unmanaged, [{ kind: 'runbooks', key: 'payments/db-failover' }]);
      const pruned = await apply(without, true);
      assert.deepEqual(
        pruned.changes.map((c) => [c.action, c.key]),
        [['delete', 'payments/db-failover']],
      );
      assert.notEqual((await runbook()).archivedAt, null);
      assert.deepEqual((await plan(without, true)).changes, [], 'an archived runbook is history, not unmanaged');
      const back = await apply(files());
      assert.deepEqual(
        back.changes.map((c) => [c.action, c.key, c.fields.map((f) => f.field)]),
        [['update', 'payments/db-failover', ['disabled']]],
      );
      assert.equal((await runbook()).archivedAt, null);
    });

    it('refuses a bad alert rule and an unknown service, naming the file, the runbook and the field', async () => {
      const bad = await t.api<Err>('POST', '/api/config/plan', {
        files: files(
          "runbooks:\n  - { team: payments, slug: x, title: X, alertRules: [{ matchers: [{ name: a, op: '=~', value: '(' }] }] }\n",
        ),
      });
      assert.equal(bad.status, 400, JSON.stringify(bad.body));
      assert.deepEqual(
        bad.body.error.details!.problems.map((x) => [x.file, x.object, x.field]),
        [['runbooks.yaml', 'runbook payments/x', 'alertRules[0].matchers[0].value']],
      );
      const ref = await t.api<Err>('POST', '/api/config/plan', {
        files: files('runbooks:\n  - { team: payments, slug: x, title: X, services: [nope] }\n'),
      });
      assert.equal(ref.status, 400, JSON.stringify(ref.body));
      assert.deepEqual(
        ref.body.error.details!.problems.map((x) => [x.object, x.field, x.message]),
        [['runbook payments/x', 'services', 'no service nope in the files or in Muster']],
      );
    });
  });
}

const COMPONENTS = `statusPageComponents:
  - slug: checkout
    name: Checkout
    description: Paying for an order
    services: [payments-api, ledger]
    displayOrder: 10
  - slug: payouts
    name: Payouts
    services: [ledger]
    displayOrder: 20
`;

for (const engine of ENGINES) {
  describe(`config as code: status-page components [${engine}]`, () => {
    let t: TestMuster;
    const plan = async (f: File[], prune = false) => {
      const r = await t.api<{ plan: Plan }>('POST', '/api/config/plan', { files: f, prune });
      assert.equal(r.status, 200, JSON.stringify(r.body));
      return r.body.plan;
    };
    const apply = async (f: File[], prune = false) => {
      const r = await t.api<{ plan: Plan }>('POST', '/api/config/apply', { files: f, prune });
      assert.equal(r.status, 200, JSON.stringify(r.body));
      return r.body.plan;
    };
    const files = (components = COMPONENTS): File[] => [
      { path: 'base.yaml', content: BASE },
      { path: 'status.yaml', content: components },
    ];
    interface Component {
      id: string;
      name: string;
      status: string;
      serviceIds: string[];
      displayOrder: number;
    }
    const components = async () =>
      (await t.api<{ components: Component[] } | Component[]>('GET', '/api/status-page/components')).body;
    const list = async (): Promise<Component[]> => {
      const b = await components();
      return Array.isArray(b) ? b : b.components;
    };

    before(async () => {
      t = await startTestMuster(engine);
    });
    after(async () => {
      await t.stop();
    });

    it('creates components by slug with their services, operational; export plans to nothing', async () => {
      const p = await plan(files());
      assert.deepEqual(
        p.changes.filter((c) => c.kind === 'statusPageComponents').map((c) => [c.action, c.key]),
        [
          ['create', 'checkout'],
          ['create', 'payouts'],
        ],
      );
      await apply(files());
      const got = await list();
      const checkout = got.find((c) => c.name === 'Checkout')!;
      assert.equal(checkout.status, 'operational');
      assert.equal(checkout.serviceIds.length, 2);
      assert.deepEqual((await plan(files())).changes, []);
      const out = (await t.api<{ files: File[] }>('GET', '/api/config/export')).body.files;
      assert.match(out.find((f) => f.path === 'status-page-components.yaml')!.content, /slug: checkout/);
      const again = await plan(out, true);
      assert.deepEqual(again.summary, { create: 0, update: 0, delete: 0, unmanaged: 0 });
    });

    it('shows a rename in the UI as drift (the slug stays), and leaves the status set during an incident alone', async () => {
      const checkout = (await list()).find((c) => c.name === 'Checkout')!;
      const r = await t.api('PATCH', `/api/status-page/components/${checkout.id}`, {
        name: 'Checkout (UI)',
        status: 'partial_outage',
      });
      assert.equal(r.status, 200, JSON.stringify(r.body));
      const p = await plan(files());
      assert.deepEqual(
        p.changes.map((c) => [c.action, c.key, c.fields]),
        [['update', 'checkout', [{ field: 'name', from: 'Checkout (UI)', to: 'Checkout' }]]],
      );
      await apply(files());
      const after = (await list()).find((c) => c.id === checkout.id)!;
      assert.equal(after.name, 'Checkout');
      assert.equal(after.status, 'partial_outage', 'the status is not managed by the files');
    });

    it('deletes a component left out only with --prune; one made in the UI gets a slug from its name', async () => {
      const made = await t.api('POST', '/api/status-page/components', { name: 'Made In UI' });
      assert.equal(made.status, 201, JSON.stringify(made.body));
      const kept = await plan(files());
      assert.deepEqual(kept.unmanaged, [{ kind: 'statusPageComponents', key: 'made-in-ui' }]);
      const onlyCheckout = files(COMPONENTS.replace(/ {2}- slug: payouts[\s\S]*$/, ''));
      const pruned = await apply(onlyCheckout, true);
      assert.deepEqual(
        pruned.changes.map((c) => [c.action, c.key]),
        [
          ['delete', 'made-in-ui'],
          ['delete', 'payouts'],
        ],
      );
      assert.deepEqual(
        (await list()).map((c) => c.name),
        ['Checkout'],
      );
    });

    it('refuses a component naming a service that does not exist', async () => {
      const r = await t.api<Err>('POST', '/api/config/plan', {
        files: files('statusPageComponents:\n  - { slug: x, name: X, services: [nope] }\n'),
      });
      assert.equal(r.status, 400, JSON.stringify(r.body));
      assert.deepEqual(
        r.body.error.details!.problems.map((x) => [x.file, x.object, x.field]),
        [['status.yaml', 'status_page_component x', 'services']],
      );
    });
  });
}

const SILENCES = `silences:
  - matchers: [{ name: env, value: staging }]
    start: '2030-01-01T00:00:00Z'
    end: '2030-01-08T00:00:00Z'
    comment: Staging is rebuilt this week
  - matchers: [{ name: alertname, value: 'Canary.*', isRegex: true }]
    start: '2020-01-01T00:00:00Z'
    end: '2020-01-02T00:00:00Z'
    comment: Ended long ago, history
`;

for (const engine of ENGINES) {
  describe(`config as code: silences across every service [${engine}]`, () => {
    let t: TestMuster;
    const plan = async (f: File[], prune = false) => {
      const r = await t.api<{ plan: Plan }>('POST', '/api/config/plan', { files: f, prune });
      assert.equal(r.status, 200, JSON.stringify(r.body));
      return r.body.plan;
    };
    const apply = async (f: File[], prune = false) => {
      const r = await t.api<{ plan: Plan }>('POST', '/api/config/apply', { files: f, prune });
      assert.equal(r.status, 200, JSON.stringify(r.body));
      return r.body.plan;
    };
    const files = (silences = SILENCES): File[] => [
      { path: 'base.yaml', content: BASE },
      { path: 'silences.yaml', content: silences },
    ];
    const live = () =>
      t.muster.services.db.kysely
        .selectFrom('silences')
        .select(['comment', 'serviceId', 'expiredByLabel'])
        .where('serviceId', 'is', null)
        .orderBy('comment')
        .execute();

    before(async () => {
      t = await startTestMuster(engine);
    });
    after(async () => {
      await t.stop();
    });

    it('creates a silence with no service; an ended one in the files is history, not created', async () => {
      const p = await plan(files());
      const mine = p.changes.filter((c) => c.kind === 'silences');
      assert.equal(mine.length, 1);
      assert.equal(mine[0]!.action, 'create');
      await apply(files());
      assert.deepEqual(
        (await live()).map((x) => [x.comment, x.serviceId]),
        [['Staging is rebuilt this week', null]],
      );
      assert.deepEqual((await plan(files())).changes, []);
      const out = (await t.api<{ files: File[] }>('GET', '/api/config/export')).body.files;
      assert.match(out.find((f) => f.path === 'silences.yaml')!.content, /Staging is rebuilt this week/);
      assert.deepEqual((await plan(out, true)).summary, { create: 0, update: 0, delete: 0, unmanaged: 0 });
    });

    it('shows one made in the UI as not managed, and expires it (kept as history) only with --prune', async () => {
      const made = await t.api('POST', '/api/silences', {
        matchers: [{ name: 'team', value: 'search', isRegex: false, isEqual: true }],
        endsAt: '2030-02-01T00:00:00Z',
        comment: 'Made in the UI',
      });
      assert.equal(made.status, 201, JSON.stringify(made.body));
      const kept = await plan(files());
      assert.equal(kept.unmanaged.filter((u) => u.kind === 'silences').length, 1);
      const pruned = await apply(files(), true);
      assert.deepEqual(
        pruned.changes.map((c) => [c.action, c.kind]),
        [['delete', 'silences']],
      );
      const rows = await live();
      assert.deepEqual(
        rows.map((x) => [x.comment, x.expiredByLabel !== null]),
        [
          ['Made in the UI', true],
          ['Staging is rebuilt this week', false],
        ],
      );
      assert.deepEqual((await plan(files(), true)).changes, []);
    });

    it('refuses a silence with a bad regular expression or an end before its start, naming the field', async () => {
      const r = await t.api<Err>('POST', '/api/config/plan', {
        files: files(
          "silences:\n  - { matchers: [{ name: a, value: '(', isRegex: true }], start: '2030-01-02T00:00:00Z', end: '2030-01-01T00:00:00Z', comment: x }\n",
        ),
      });
      assert.equal(r.status, 400, JSON.stringify(r.body));
      assert.deepEqual(r.body.error.details!.problems.map((x) => [x.file, x.object, x.field]).sort(), [
        ['silences.yaml', 'silence #1', 'end'],
        ['silences.yaml', 'silence #1', 'matchers[0].value'],
      ]);
    });
  });
}
