/**
 * Precision and recall of the blame rules over the labelled corpus (corpus.json): a blameful sentence counts as found
 * when it has at least one finding, a blameless one as a false positive when it has any. Used by blame.test.ts and
 * scripts/blame-report.ts.
 */
import corpusFile from './corpus.json' with { type: 'json' };
import type { Finding } from './engine.js';

export interface CorpusItem {
  text: string;
  /** The rule expected to fire (blameful items). */
  rule?: string;
  names?: string[];
}

export interface Corpus {
  blameful: CorpusItem[];
  blameless: CorpusItem[];
}

export const BLAME_CORPUS: Corpus = corpusFile;

export interface Evaluation {
  truePositives: number;
  falsePositives: number;
  falseNegatives: number;
  trueNegatives: number;
  precision: number;
  recall: number;
  /** Blameful items with no finding. */
  missed: CorpusItem[];
  /** Blameless items with findings. */
  wrong: { item: CorpusItem; findings: Finding[] }[];
  /** Per rule: sentences it fired on that were labelled blameful / blameless, and blameful ones expected of it that
   * it did not fire on. */
  perRule: Map<string, { hits: number; falsePositives: number; falseNegatives: number }>;
}

export function evaluate(
  check: (text: string, names: string[] | undefined) => Finding[],
  corpus: Corpus = BLAME_CORPUS,
): Evaluation {
  const perRule = new Map<string, { hits: number; falsePositives: number; falseNegatives: number }>();
  const bump = (id: string, key: 'hits' | 'falsePositives' | 'falseNegatives') => {
    const r = perRule.get(id) ?? { hits: 0, falsePositives: 0, falseNegatives: 0 };
    r[key]++;
    perRule.set(id, r);
  };
  const missed: CorpusItem[] = [];
  const wrong: { item: CorpusItem; findings: Finding[] }[] = [];
  let tp = 0;
  let tn = 0;
  for (const item of corpus.blameful) {
    const findings = check(item.text, item.names);
    const rules = new Set(findings.map((f) => f.ruleId));
    for (const id of rules) bump(id, 'hits');
    if (item.rule && !rules.has(item.rule)) bump(item.rule, 'falseNegatives');
    if (findings.length > 0) tp++;
    else missed.push(item);
  }
  for (const item of corpus.blameless) {
    const findings = check(item.text, item.names);
    for (const id of new Set(findings.map((f) => f.ruleId))) bump(id, 'falsePositives');
    if (findings.length > 0) wrong.push({ item, findings });
    else tn++;
  }
  const fp = wrong.length;
  const fn = missed.length;
  return {
    truePositives: tp,
    falsePositives: fp,
    falseNegatives: fn,
    trueNegatives: tn,
    precision: tp + fp === 0 ? 1 : tp / (tp + fp),
    recall: tp + fn === 0 ? 1 : tp / (tp + fn),
    missed,
    wrong,
    perRule,
  };
}
