/** The pure parts of config as code: reading files (problems named by file, object and field), the plan, the text. */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { formatPlan } from './format.js';
import { loadConfig, type ConfigProblem } from './load.js';
import { diffValues, emptyState, makePlan, withoutEnded, type CurrentObject } from './model.js';

const problemsOf = (files: { path: string; content: string }[]): ConfigProblem[] => {
  try {
    loadConfig(files);
  } catch (e) {
    return (e as { details: { problems: ConfigProblem[] } }).details.problems;
  }
  assert.fail('expected config_invalid');
};
const brief = (ps: ConfigProblem[]) => ps.map((p) => `${p.file}|${p.object}|${p.field}|${p.message}`);

describe('config as code: reading files', () => {
  it('names the file, the object and the field of every problem, schema and semantic alike', () => {
    const ps = problemsOf([
      {
        path: 'a.yaml',
        content: 'teams:\n  - slug: pay\n    name: Pay\n    members:\n      - { user: a@b.c, role: boss }\n',
      },
      {
        path: 'b.yaml',
        content:
          'schedules:\n  - slug: s\n    name: S\n    team: pay\n    timezone: Mars/Base\n    layers:\n' +
          '      - { name: L, participants: [a@b.c], turn: { unit: weeks, count: 1 }, startDate: "2026-01-05", handoffTime: "25:00" }\n',
      },
      {
        path: 'c.yaml',
        content:
          'services:\n  - { slug: x, name: X, team: pay, silences: [{ matchers: [{ name: a, value: "(", isRegex: true }], start: "2030-01-01T00:00:00Z", end: "2030-01-02T00:00:00Z", comment: c }] }\n',
      },
    ]);
    assert.deepEqual(brief(ps), [
      'a.yaml|team pay|members[0].role|must be one of owner, admin, responder, viewer',
      'b.yaml|schedule s|layers[0].handoffTime|must be HH:MM, 24-hour',
      `c.yaml|service x|silences[0].matchers[0].value|${ps[2]?.message ?? ''}`,
    ]);
    assert.match(ps[2]!.message, /\S/);
    assert.equal(ps[0]!.file, 'a.yaml');
    assert.ok(
      ps.some((p) => p.file === 'b.yaml' && p.object === 'schedule s' && p.field.startsWith('layers[0].handoffTime')),
    );
    assert.ok(
      ps.some((p) => p.file === 'c.yaml' && p.object === 'service x' && p.field === 'silences[0].matchers[0].value'),
    );
  });

  it('reports a time zone that does not exist, after the schema passes', () => {
    const ps = problemsOf([
      { path: 's.yaml', content: 'schedules:\n  - { slug: s, name: S, team: t, timezone: Mars/Base }\n' },
    ]);
    assert.deepEqual(brief(ps), ['s.yaml|schedule s|timezone|must be an IANA time zone such as Europe/London']);
  });

  it('refuses an object declared twice, naming both files, and YAML errors with their line', () => {
    const ps = problemsOf([
      { path: 'one.yaml', content: 'teams:\n  - { slug: pay, name: Pay }\n' },
      { path: 'two.yaml', content: 'teams:\n  - { slug: pay, name: Payments }\n' },
      { path: 'bad.yaml', content: 'teams:\n  - slug: a\n    slug: b\n' },
    ]);
    assert.equal(ps[0]!.message, 'declared twice: also in one.yaml');
    assert.equal(ps[0]!.file, 'two.yaml');
    assert.match(ps[1]!.file, /^bad\.yaml:\d+$/);
    assert.match(ps[1]!.message, /^not valid YAML/);
  });

  it('reads several documents in one file and canonicalises emails and instants', () => {
    const d = loadConfig([
      {
        path: 'all.yaml',
        content:
          'users:\n  - { email: Ana@Example.COM, name: Ana }\n---\nschedules:\n  - slug: s\n    name: S\n    team: t\n    timezone: UTC\n' +
          '    overrides: [{ user: ANA@example.com, start: "2030-01-01T01:00:00+01:00", end: "2030-01-01T02:00:00Z" }]\n',
      },
    ]);
    assert.ok(d.users.has('ana@example.com'));
    assert.deepEqual(d.schedules.get('s')!.value.overrides, [
      { user: 'ana@example.com', start: '2030-01-01T00:00:00.000Z', end: '2030-01-01T02:00:00.000Z', reason: '' },
    ]);
    withoutEnded(d, Date.parse('2030-01-01T03:00:00Z'));
    assert.deepEqual(d.schedules.get('s')!.value.overrides, [], 'ended overrides are not compared');
  });
});

describe('config as code: the plan', () => {
  const desired = () => loadConfig([{ path: 't.yaml', content: 'teams:\n  - { slug: pay, name: Payments }\n' }]);
  const current = (value: Record<string, unknown>, key = 'pay') => {
    const c = emptyState<CurrentObject>();
    c.teams.set(key, { kind: 'teams', key, id: 'team_1', value });
    return c;
  };

  it('updates field by field, leaves members alone when the file leaves them out', () => {
    const p = makePlan(
      desired(),
      current({ slug: 'pay', name: 'Pay', description: 'x', members: [{ user: 'a@b.c', role: 'admin' }] }),
      { prune: false },
    );
    assert.deepEqual(p.changes, [
      {
        action: 'update',
        kind: 'teams',
        key: 'pay',
        fields: [
          { field: 'name', from: 'Pay', to: 'Payments' },
          { field: 'description', from: 'x', to: '' },
        ],
      },
    ]);
    assert.match(formatPlan(p, { prune: false }), /^~ team pay\n {4}~ name: "Pay" -> "Payments"\n/);
  });

  it('deletes only with prune; otherwise reports not managed: kept', () => {
    const cur = current({ slug: 'old', name: 'Old', description: '', members: [] }, 'old');
    const kept = makePlan(desired(), cur, { prune: false });
    assert.deepEqual(kept.unmanaged, [{ kind: 'teams', key: 'old' }]);
    assert.equal(kept.summary.delete, 0);
    assert.match(
      formatPlan(kept, { prune: false }),
      /Plan: 1 to create, 0 to update, 0 to delete, 1 not managed: kept\./,
    );
    const pruned = makePlan(desired(), cur, { prune: true });
    assert.deepEqual(
      pruned.changes.map((c) => [c.action, c.key]),
      [
        ['create', 'pay'],
        ['delete', 'old'],
      ],
    );
  });

  it('diffs nested values to the element and whole arrays when their length changes', () => {
    assert.deepEqual(diffValues({ l: [{ d: 5 }, { d: 10 }] }, { l: [{ d: 5 }, { d: 7 }] }), [
      { field: 'l[1].d', from: 10, to: 7 },
    ]);
    assert.deepEqual(diffValues({ l: [1] }, { l: [1, 2] }), [{ field: 'l', from: [1], to: [1, 2] }]);
  });
});
