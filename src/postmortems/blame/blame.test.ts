import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { check, compileRules, type RulesFile } from './engine.js';
import { BLAME_CORPUS, evaluate, type Evaluation } from './evaluate.js';
import { BLAME_RULES, checkBlame, checkBlameSections } from './index.js';

const ruleIds = (text: string, names?: string[]) => checkBlame(text, names ? { names } : {}).map((f) => f.ruleId);

/** The rules file without some rules, as an engine's check function. */
function without(...ids: string[]): (text: string, names: string[] | undefined) => ReturnType<typeof checkBlame> {
  const file: RulesFile = { ...BLAME_RULES, rules: BLAME_RULES.rules.filter((r) => !ids.includes(r.id)) };
  const engine = compileRules(file);
  return (text, names) => check(engine, text, names ? { names } : {});
}

/** Rules labelled in the corpus that catch none of the sentences labelled with them. */
function idleRules(e: Evaluation): string[] {
  const labelled = new Set(BLAME_CORPUS.blameful.flatMap((i) => (i.rule ? [i.rule] : [])));
  return [...labelled].filter((id) => (e.perRule.get(id)?.hits ?? 0) === 0).sort();
}

describe('blameless language: the corpus', () => {
  const e = evaluate((text, names) => checkBlame(text, names ? { names } : {}));

  it('has at least 60 blameful and 60 blameless sentences', () => {
    assert.ok(BLAME_CORPUS.blameful.length >= 60, `${BLAME_CORPUS.blameful.length} blameful`);
    assert.ok(BLAME_CORPUS.blameless.length >= 60, `${BLAME_CORPUS.blameless.length} blameless`);
  });

  it('precision and recall are both at least 0.9', () => {
    const detail = [
      ...e.missed.map((m) => `missed: ${m.text}`),
      ...e.wrong.map((w) => `flagged: ${w.item.text} (${w.findings.map((f) => f.ruleId).join(', ')})`),
    ].join('\n');
    assert.ok(e.precision >= 0.9, `precision ${e.precision.toFixed(3)}\n${detail}`);
    assert.ok(e.recall >= 0.9, `recall ${e.recall.toFixed(3)}\n${detail}`);
  });

  it('every rule exists, and every rule the corpus names catches a sentence labelled with it', () => {
    const ids = new Set(BLAME_RULES.rules.map((r) => r.id));
    for (const item of BLAME_CORPUS.blameful) {
      if (item.rule) assert.ok(ids.has(item.rule), `corpus names unknown rule ${item.rule}`);
    }
    assert.deepEqual(idleRules(e), []);
    // Every rule is exercised by the corpus.
    const labelled = new Set(BLAME_CORPUS.blameful.map((i) => i.rule));
    assert.deepEqual(
      [...ids].filter((id) => !labelled.has(id)),
      [],
      'a rule with no labelled sentence in the corpus',
    );
  });

  it('can fail: removing a rule leaves it idle, removing the person-as-subject rules drops recall below 0.9', () => {
    assert.deepEqual(idleRules(evaluate(without('human-error'))), ['human-error']);
    const personRules = BLAME_RULES.rules.filter((r) => r.kind === 'person-failure').map((r) => r.id);
    const weaker = evaluate(without(...personRules));
    assert.ok(weaker.recall < 0.9, `recall without ${personRules.join(', ')}: ${weaker.recall}`);
  });

  it('the keyword prefilter never changes a result', () => {
    const engine = compileRules(BLAME_RULES);
    for (const item of [...BLAME_CORPUS.blameful, ...BLAME_CORPUS.blameless]) {
      const names = item.names ? { names: item.names } : {};
      assert.deepEqual(check(engine, item.text, names), check(engine, item.text, { ...names, noPrefilter: true }));
    }
  });
});

describe('blameless language: checkBlame', () => {
  it('flags the seed example with a systemic rephrasing, and leaves the rephrasing alone', () => {
    const [f, ...rest] = checkBlame('John deployed a bad config that caused the outage.');
    assert.equal(rest.length, 0);
    assert.equal(f!.ruleId, 'person-bad-change');
    assert.equal(f!.excerpt, 'John deployed a bad');
    assert.match(f!.suggestion, /pipeline allowed a misconfigured service to reach production/);
    assert.match(f!.message, /John/);
    assert.deepEqual(
      checkBlame(
        'Our deployment pipeline allowed a misconfigured service to reach production without validation. The ' +
          'config change was not caught because our pre-deployment checks do not validate service mesh configuration.',
      ),
      [],
    );
  });

  it('neutral mentions of people are not findings', () => {
    for (const s of [
      'Alice was IC.',
      'Bob acknowledged the page at 02:51.',
      'Carol rolled back the deploy.',
      'the job failed to start',
      'We should add an alert.',
      'Dave wrote the postmortem.',
    ]) {
      assert.deepEqual(ruleIds(s), [], s);
    }
  });

  it('"failed to" depends on the subject: a person or pronoun yes, a system no', () => {
    assert.deepEqual(ruleIds('Priya failed to check the lag.'), ['person-failed-to']);
    assert.deepEqual(ruleIds('She failed to check the lag.'), ['person-failed-to']);
    assert.deepEqual(ruleIds('The on-call engineer failed to page the DBA.'), ['person-failed-to']);
    assert.deepEqual(ruleIds('They failed to page the DBA.'), ['person-failed-to']);
    assert.deepEqual(ruleIds('The job failed to start.'), []);
    assert.deepEqual(ruleIds('They failed to start after the upgrade.'), []);
    assert.deepEqual(ruleIds('Postgres failed to promote the replica.'), []);
  });

  it('"should have" about the past is a finding, forward-looking "should" and a system that should have are not', () => {
    assert.deepEqual(ruleIds('We should have caught this in review.'), ['should-have']);
    assert.deepEqual(ruleIds("Dave should've waited."), ['should-have']);
    assert.deepEqual(ruleIds('We should add a canary stage.'), []);
    assert.deepEqual(ruleIds('The alert should have fired at 02:05.'), []);
  });

  it('recognises the names it is given, as first names, surnames or email local parts', () => {
    assert.deepEqual(ruleIds('Okafor broke the deploy pipeline.'), ['person-broke'], 'a capitalised word at the start');
    assert.deepEqual(ruleIds('Then the Atlas broke the deploy pipeline.'), []);
    assert.deepEqual(ruleIds('Later Atlas broke the deploy pipeline.', ['Atlas Mensah']), ['person-broke']);
    assert.deepEqual(ruleIds('Yesterday Zoltan caused the outage.', ['zoltan.kovacs@example.test']), ['person-broke']);
  });

  it('offsets point into the text, excerpts and sentences are taken from it, fingerprints are stable', () => {
    const text =
      '## Root cause\n\nThe deploy 😀 finished at 14:02. Then **Dave** forgot to drain the node!\n\n' +
      '- Root cause: human error.\n- We should add a check.';
    const findings = checkBlame(text);
    assert.deepEqual(
      findings.map((f) => [f.ruleId, f.excerpt]),
      [
        ['person-forgot', 'Dave** forgot'],
        ['human-error', 'human error'],
      ],
    );
    for (const f of findings) assert.equal(text.slice(f.start, f.end), f.excerpt);
    assert.equal(findings[0]!.sentence, 'Then **Dave** forgot to drain the node!');
    assert.equal(findings[1]!.sentence, 'Root cause: human error.');
    // The same sentence elsewhere, differently spaced and emphasised: the same fingerprint.
    const again = checkBlame('Something else first.\n\nThen Dave   forgot to drain the node.');
    assert.equal(again[0]!.fingerprint, findings[0]!.fingerprint);
    assert.match(findings[0]!.fingerprint, /^[0-9a-f]{14}$/);
    // Another rule on the same sentence: another fingerprint.
    const two = checkBlame('Dave carelessly forgot to drain the node.');
    assert.equal(new Set(two.map((f) => f.fingerprint)).size, 2);
  });

  it('sentences: abbreviations, versions and wrapped lines do not split them; code and links are not prose', () => {
    assert.deepEqual(ruleIds('The release, i.e. v2.3.1, was\nfine. Dave\nforgot to tag it.'), ['person-forgot']);
    assert.deepEqual(ruleIds('```\nDave forgot to x; human error\n```\nThe logs show `human error` codes.'), []);
    assert.deepEqual(ruleIds('See https://example.test/human-error-budget for the graph.'), []);
    const [f] = checkBlame('John deployed a bad config from https://example.test/c.');
    assert.equal(
      f!.sentence,
      'John deployed a bad config from https://example.test/c.',
      'a link stays in its sentence',
    );
  });

  it('judgements and hindsight words, with their tricky neutral twins', () => {
    assert.deepEqual(ruleIds('The change was careless.'), ['careless']);
    assert.deepEqual(ruleIds('The images use lazy loading.'), []);
    assert.deepEqual(ruleIds('The service is fault tolerant.'), []);
    assert.deepEqual(ruleIds('This was nobody’s fault.'), []);
    assert.deepEqual(ruleIds("The API's error rate rose."), []);
    assert.deepEqual(ruleIds('We do not blame individuals.'), []);
    assert.deepEqual(ruleIds('Dave is to blame.'), ['blame']);
    assert.deepEqual(ruleIds('The root cause was not "human error".'), []);
  });

  it('tags section findings with their key', () => {
    const f = checkBlameSections([
      { key: 'timeline', body: 'Alice was IC.' },
      { key: 'root_cause', body: 'Human error.' },
    ]);
    assert.deepEqual(
      f.map((x) => [x.sectionKey, x.ruleId]),
      [['root_cause', 'human-error']],
    );
  });
});
