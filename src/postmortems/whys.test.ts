import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { checkBlame } from './blame/index.js';
import {
  PERSON_PROMPT,
  buildWhyTree,
  checkEvidence,
  depthOf,
  endsAtPerson,
  personCheck,
  subtreeIds,
  whysMarkdown,
  type WhyRecord,
} from './whys.js';

const rec = (id: string, parentId: string | null, position: number, answer = 'because of a system'): WhyRecord => ({
  id,
  parentId,
  position,
  question: `why ${id}?`,
  answer,
  evidence: [],
});

describe('5 Whys: the tree', () => {
  it('orders depth-first, siblings by position, with depths', () => {
    const tree = buildWhyTree([
      rec('b', null, 1),
      rec('a', null, 0),
      rec('a2', 'a', 1),
      rec('a1', 'a', 0),
      rec('a1x', 'a1', 0),
      rec('b1', 'b', 0),
    ]);
    assert.deepEqual(
      tree.map((n) => `${n.id}:${n.depth}`),
      ['a:1', 'a1:2', 'a1x:3', 'a2:2', 'b:1', 'b1:2'],
    );
  });

  it('finds a subtree and a depth', () => {
    const rows = [rec('a', null, 0), rec('a1', 'a', 0), rec('a1x', 'a1', 0), rec('a2', 'a', 1), rec('b', null, 1)];
    assert.deepEqual(subtreeIds(rows, 'a1').sort(), ['a1', 'a1x']);
    assert.deepEqual(subtreeIds(rows, 'a').sort(), ['a', 'a1', 'a1x', 'a2']);
    assert.equal(depthOf(rows, 'a1x'), 3);
    assert.equal(depthOf(rows, 'b'), 1);
  });

  it('flags only a leaf whose answer ends at a person, with the prompt', () => {
    const tree = buildWhyTree(
      [
        rec('a', null, 0, 'Human error.'),
        rec('a1', 'a', 0, 'Our deploy pipeline does not validate mesh config.'),
        rec('b', null, 1, 'Dave forgot to run the migration.'),
      ],
      personCheck(['Dave Jones']),
    );
    const byId = new Map(tree.map((n) => [n.id, n]));
    assert.equal(byId.get('a')!.endsAtPerson, false, 'one more why was asked under it');
    assert.equal(byId.get('a1')!.endsAtPerson, false);
    assert.equal(byId.get('b')!.endsAtPerson, true);
    assert.equal(byId.get('b')!.prompt, PERSON_PROMPT);
    assert.equal(byId.get('a1')!.prompt, null);
  });
});

describe('5 Whys: answers that end at a person', () => {
  const names = ['Dave Jones', 'Alice Wong', 'Priya'];
  const person = [
    'Human error',
    'Because of human error.',
    'Operator error during the failover',
    'Dave forgot to run the migration',
    "Dave didn't check the dashboard",
    'Alice accidentally deleted the volume',
    'Because Alice.',
    'Priya',
    "Priya's mistake",
    'The engineer was careless',
    'Someone forgot to renew the certificate',
    'the on-call engineer missed the page',
    'A mistake by the release manager',
    'He failed to follow the runbook',
    'carelessness',
    'It was her fault',
    'A developer deployed a bad config',
  ];
  const systemic = [
    'The connection pool was exhausted',
    'Because a new query held connections open for 30+ seconds',
    'The migration that added the index failed silently',
    'Our migration pipeline does not validate index creation or alert on failures',
    "Postgres didn't release the connections",
    'Kubernetes did not restart the pod',
    'Alice was the incident commander and paged the database team',
    'The deploy tool has no dry-run for mesh config',
    '',
  ];
  for (const a of person) it(`flags "${a}"`, () => assert.equal(endsAtPerson(a, names), true));
  for (const a of systemic) it(`does not flag "${a}"`, () => assert.equal(endsAtPerson(a, names), false));

  it('adds the blame checker’s findings when one is given', () => {
    // The blame rules know common first names: "John" needs no user directory there.
    assert.equal(endsAtPerson('John deployed a bad config', []), false);
    assert.equal(endsAtPerson('John deployed a bad config', [], checkBlame), true);
    assert.equal(endsAtPerson('Our pipeline let a misconfigured service reach production', [], checkBlame), false);
    assert.equal(
      endsAtPerson('The config was bad', [], () => []),
      false,
    );
    assert.equal(
      endsAtPerson('The config was bad', [], () => [{ ruleId: 'x' }]),
      true,
    );
    // A checker that throws does not break the tree.
    assert.equal(
      endsAtPerson('The config was bad', [], () => {
        throw new Error('broken rule');
      }),
      false,
    );
  });
});

describe('5 Whys: evidence', () => {
  it('accepts http and https links, labels default to the URL', () => {
    const r = checkEvidence([{ url: ' https://grafana.example/d/1 ', label: 'Dashboard' }, { url: 'http://x.test/a' }]);
    assert.deepEqual(r.problems, []);
    assert.deepEqual(r.evidence, [
      { url: 'https://grafana.example/d/1', label: 'Dashboard' },
      { url: 'http://x.test/a', label: 'http://x.test/a' },
    ]);
  });

  it('refuses other schemes and more than 20, naming the field', () => {
    const r = checkEvidence([{ url: 'javascript:alert(1)' }, { url: 'ftp://x.test/' }, { url: 'not a url' }]);
    assert.deepEqual(
      r.problems.map((p) => p.field),
      ['evidence[0].url', 'evidence[1].url', 'evidence[2].url'],
    );
    const many = checkEvidence(Array.from({ length: 21 }, (_, i) => ({ url: `https://x.test/${i}` })));
    assert.equal(many.problems[0]!.field, 'evidence');
  });
});

describe('5 Whys: Markdown', () => {
  it('nests the chain, escapes text and keeps links', () => {
    const tree = buildWhyTree([
      { ...rec('a', null, 0, 'the pool was *exhausted*'), evidence: [{ url: 'https://g.test/1', label: 'graph' }] },
      rec('a1', 'a', 0, 'a query held connections'),
    ]);
    assert.equal(
      whysMarkdown(tree),
      '- **why a?** Because the pool was \\*exhausted\\* ([graph](<https://g.test/1>))\n' +
        '  - **why a1?** Because a query held connections',
    );
  });
});
