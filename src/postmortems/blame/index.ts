/**
 * Blameless-language review (issue 11, docs/postmortems.md "Blameless language"): `checkBlame` finds blameful
 * phrasing in a post-mortem's text — a person as the subject of a failure, "should have", "human error", judgements
 * such as "careless" — and suggests a systemic rephrasing for each. Rule-based and explainable: the rules are data
 * in rules.json; the engine (engine.ts) splits sentences, runs each rule's RE2 pattern and checks the subject.
 */
import rulesFile from './rules.json' with { type: 'json' };
import { check, compileRules, type Finding, type RulesFile } from './engine.js';

export type { Finding } from './engine.js';

/** A finding in one section of a post-mortem (the API's BlameFinding). */
export interface BlameFinding extends Finding {
  sectionKey: string;
}

export interface BlameOptions {
  /** People's names (display names or emails) to recognise as people, beyond the built-in first names. */
  names?: readonly string[];
}

export const BLAME_RULES: RulesFile = rulesFile as RulesFile;
const engine = compileRules(BLAME_RULES);

/** The longest text `POST /api/blame-check` accepts, in characters. */
export const BLAME_TEXT_MAX = 50_000;

/** Blameful phrasing in `text` (Markdown), in text order; pure, no I/O. */
export function checkBlame(text: string, opts: BlameOptions = {}): Finding[] {
  return check(engine, text, opts.names ? { names: opts.names } : {});
}

/** Findings for each section body, tagged with the section's key. */
export function checkBlameSections(
  sections: readonly { key: string; body: string }[],
  opts: BlameOptions = {},
): BlameFinding[] {
  return sections.flatMap((s) => checkBlame(s.body, opts).map((f) => ({ ...f, sectionKey: s.key })));
}

/** The rule ids and descriptions, for documentation and the report script. */
export function blameRules(): { id: string; kind: string; description: string }[] {
  return BLAME_RULES.rules.map((r) => ({ id: r.id, kind: r.kind, description: r.description }));
}
