/**
 * The blameless-language engine: splits Markdown into sentences, runs each rule of rules.json on the sentences that
 * contain one of its keywords, and for rules about a person finds the subject of the matched phrase and classifies it
 * with the word lists. Pure and synchronous; no I/O after the rules are compiled (once, at load).
 *
 * Rule patterns are data, so they run on RE2 (re2js, linear time) like every pattern that is not Muster's own code;
 * the fixed regexes below (sentence splitting, tokens) are the engine's own and stay JavaScript RegExps.
 */
import { RE2JS } from 're2js';

export type SubjectKind = 'person' | 'name-like' | 'system' | 'collective' | 'unknown';

export interface RuleData {
  id: string;
  description: string;
  kind: string;
  pattern: string;
  keywords: string[];
  subjects?: SubjectKind[];
  /** Where the subject is looked for: the words right before the match (default, falling back to the clause's
   * first noun when those say nothing), or only the clause's first noun ("Dave deleted the table by accident"). */
  subjectAt?: 'before' | 'clause';
  unless?: string;
  message: string;
  suggestion: string;
}

export interface RulesFile {
  rules: RuleData[];
  lists: Record<
    | 'personPronouns'
    | 'ambiguousPronouns'
    | 'collectivePronouns'
    | 'systemPronouns'
    | 'personNouns'
    | 'systemNouns'
    | 'firstNames'
    | 'notNames'
    | 'skipWords'
    | 'leadingSkip'
    | 'systemComplements'
    | 'clauseBoundaries'
    | 'nonNameSuffixes',
    string[]
  >;
  abbreviations: string[];
}

export interface Finding {
  /** Stable across edits elsewhere: a hash of the rule id and the normalised sentence. */
  fingerprint: string;
  ruleId: string;
  /** Character offsets (UTF-16, as JavaScript strings count) of the highlighted words in the text checked. */
  start: number;
  end: number;
  excerpt: string;
  sentence: string;
  message: string;
  suggestion: string;
}

export interface CompiledRule {
  data: RuleData;
  re: RE2JS;
  unless: RE2JS | null;
  hasSubjectGroup: boolean;
}

interface Lists {
  personPronouns: Set<string>;
  ambiguousPronouns: Set<string>;
  collectivePronouns: Set<string>;
  systemPronouns: Set<string>;
  personNouns: Set<string>;
  systemNouns: Set<string>;
  firstNames: Set<string>;
  notNames: Set<string>;
  skipWords: Set<string>;
  leadingSkip: Set<string>;
  systemComplements: Set<string>;
  clauseBoundaries: Set<string>;
  nonNameSuffixes: string[];
  abbreviations: Set<string>;
}

export interface Engine {
  rules: CompiledRule[];
  lists: Lists;
  /** Every rule's keywords in one scan: the longest first, so the keyword found at a position is the longest
   * there, and every shorter keyword starting there is its prefix. */
  keywordScan: RegExp;
  /** For each keyword, the rules to run when it occurs: those with it or with a keyword inside it. */
  rulesByKeyword: Map<string, number[]>;
}

const escapeRegExp = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

function keywordIndex(rules: CompiledRule[]): Pick<Engine, 'keywordScan' | 'rulesByKeyword'> {
  const all = [...new Set(rules.flatMap((r) => r.data.keywords))].sort((a, b) => b.length - a.length);
  const rulesByKeyword = new Map<string, number[]>();
  for (const k of all) {
    const ids: number[] = [];
    rules.forEach((r, i) => {
      if (r.data.keywords.some((own) => k.includes(own))) ids.push(i);
    });
    rulesByKeyword.set(k, ids);
  }
  return { keywordScan: new RegExp(all.map(escapeRegExp).join('|'), 'g'), rulesByKeyword };
}

/** Compile a rules file (throws naming the rule when a pattern is not valid RE2). */
export function compileRules(file: RulesFile): Engine {
  const rules = file.rules.map((data): CompiledRule => {
    const compile = (src: string, what: string): RE2JS => {
      try {
        return RE2JS.compile(src);
      } catch (e) {
        throw new Error(
          `blame rule ${data.id}: ${what} is not valid RE2: ${e instanceof Error ? e.message : String(e)}`,
        );
      }
    };
    if (!data.keywords?.length) throw new Error(`blame rule ${data.id}: no keywords`);
    return {
      data,
      re: compile(data.pattern, 'pattern'),
      unless: data.unless ? compile(data.unless, 'unless') : null,
      hasSubjectGroup: data.pattern.includes('(?P<subject>'),
    };
  });
  const set = (words: string[]) => new Set(words.map((w) => w.toLowerCase()));
  const l = file.lists;
  return {
    rules,
    ...keywordIndex(rules),
    lists: {
      personPronouns: set(l.personPronouns),
      ambiguousPronouns: set(l.ambiguousPronouns),
      collectivePronouns: set(l.collectivePronouns),
      systemPronouns: set(l.systemPronouns),
      personNouns: set(l.personNouns),
      systemNouns: set(l.systemNouns),
      firstNames: set(l.firstNames),
      notNames: set(l.notNames),
      skipWords: set(l.skipWords),
      leadingSkip: set(l.leadingSkip),
      systemComplements: set(l.systemComplements),
      clauseBoundaries: set(l.clauseBoundaries),
      nonNameSuffixes: l.nonNameSuffixes.map((s) => s.toLowerCase()),
      abbreviations: set(file.abbreviations),
    },
  };
}

// ---------------------------------------------------------------------------------------------------------------
// Sentences

export interface Sentence {
  start: number;
  end: number;
}

/** Code (fenced blocks, inline spans) and URLs are not prose: blanked (same length) so offsets still line up. */
function maskNonProse(text: string): string {
  const blank = (m: string) => m.replace(/[^\n]/g, ' ');
  return text
    .replace(/^[ \t]*(```|~~~)[^\n]*\n[\s\S]*?(?:^[ \t]*\1[^\n]*$|(?![\s\S]))/gm, blank)
    .replace(/`[^`\n]*`/g, blank)
    .replace(/\bhttps?:\/\/[^\s)>\]]+/g, blank);
}

const LINE_START = /^[ \t]*(?:[-*+][ \t]+|\d+[.)][ \t]+|#{1,6}[ \t]+|>[ \t]*|\|)/;

/**
 * Sentences of a Markdown text, as offsets. A sentence ends at . ! ? followed by space and not a lower-case letter
 * (and not after an abbreviation), at a blank line, and at a line break unless the next line continues a wrapped
 * sentence (starts in lower case after a line without final punctuation). List markers, heading hashes and quote
 * marks at a line's start are not part of the sentence.
 */
export function splitSentences(text: string, abbreviations: Set<string>): { masked: string; sentences: Sentence[] } {
  const masked = maskNonProse(text);
  const sentences: Sentence[] = [];
  let start = 0;
  const push = (end: number) => {
    let s = start;
    let e = end;
    // Strip Markdown line furniture and surrounding space.
    for (;;) {
      while (s < e && /\s/.test(text[s]!)) s++;
      const m = LINE_START.exec(masked.slice(s, Math.min(e, s + 12)));
      if (m && m[0].length > 0 && s + m[0].length <= e) s += m[0].length;
      else break;
    }
    while (e > s && /\s/.test(text[e - 1]!)) e--; // a masked link or code span at the end stays in the sentence
    if (e > s && /[\p{L}\p{N}]/u.test(masked.slice(s, e))) sentences.push({ start: s, end: e });
  };
  const n = masked.length;
  for (let i = 0; i < n; i++) {
    const c = masked[i]!;
    if (c === '\n') {
      // Look at the next line.
      let j = i + 1;
      while (j < n && (masked[j] === ' ' || masked[j] === '\t')) j++;
      const blankLine = j >= n || masked[j] === '\n';
      const prevEnd = masked.slice(start, i).trimEnd();
      const prevFinal = /[.!?:;]["')\]]*$/.test(prevEnd);
      const nextStartsLower = j < n && /\p{Ll}/u.test(masked[j]!);
      const nextIsFurniture = LINE_START.test(masked.slice(i + 1, j + 8));
      if (blankLine || prevFinal || nextIsFurniture || !nextStartsLower) {
        push(i);
        start = i + 1;
      }
      continue;
    }
    if (c === '.' || c === '!' || c === '?' || c === '…') {
      let j = i + 1;
      while (j < n && /["')\]”’]/.test(masked[j]!)) j++;
      if (j < n && !/\s/.test(masked[j]!)) continue; // 1.5, v2.3.1, example.com
      let k = j;
      while (k < n && (masked[k] === ' ' || masked[k] === '\t')) k++;
      if (k < n && /\p{Ll}/u.test(masked[k]!)) continue; // "e.g. the", "approx. two"
      if (c === '.') {
        const word = /([\p{L}.]+)$/u.exec(masked.slice(Math.max(start, i - 12), i))?.[1]?.toLowerCase();
        if (word && (abbreviations.has(word) || /^\p{L}$/u.test(word))) continue; // "Dr. Smith", initials
      }
      push(j);
      start = j;
      i = j - 1;
    }
  }
  push(n);
  return { masked, sentences };
}

/** The sentence as the fingerprint sees it: case, quotes, Markdown emphasis and spacing do not matter. */
export function normaliseSentence(s: string): string {
  return s
    .normalize('NFKC')
    .toLowerCase()
    .replace(/[‘’]/g, "'")
    .replace(/[“”]/g, '"')
    .replace(/[*_`~]/g, '')
    .replace(/\s+/g, ' ')
    .trim()
    .replace(/[.!?…]+$/, '');
}

/** cyrb53: a small, stable, non-cryptographic 53-bit string hash, as 14 hex digits. */
export function hash53(str: string): string {
  let h1 = 0xdeadbeef;
  let h2 = 0x41c6ce57;
  for (let i = 0; i < str.length; i++) {
    const ch = str.charCodeAt(i);
    h1 = Math.imul(h1 ^ ch, 2654435761);
    h2 = Math.imul(h2 ^ ch, 1597334677);
  }
  h1 = Math.imul(h1 ^ (h1 >>> 16), 2246822507) ^ Math.imul(h2 ^ (h2 >>> 13), 3266489909);
  h2 = Math.imul(h2 ^ (h2 >>> 16), 2246822507) ^ Math.imul(h1 ^ (h1 >>> 13), 3266489909);
  return (4294967296 * (2097151 & h2) + (h1 >>> 0)).toString(16).padStart(14, '0');
}

// ---------------------------------------------------------------------------------------------------------------
// Subjects

interface Token {
  word: string;
  lower: string;
  start: number;
  end: number;
}

const WORD = /[\p{L}\p{N}][\p{L}\p{N}'’\-_./:]*/gu;

function tokens(s: string, offset: number): Token[] {
  const out: Token[] = [];
  for (const m of s.matchAll(WORD)) {
    let word = m[0].replace(/[.:/'’-]+$/, '');
    const possessive = /['’]s$/i.test(word);
    if (possessive) word = word.slice(0, -2);
    out.push({ word, lower: word.toLowerCase(), start: offset + m.index, end: offset + m.index + word.length });
  }
  return out;
}

export interface NameSet {
  /** Lower-case words of the names given (first names, surnames, full names' parts). */
  words: Set<string>;
}

export function nameSet(names: readonly string[] | undefined): NameSet {
  const words = new Set<string>();
  for (const name of names ?? []) {
    if (typeof name !== 'string') continue;
    const local = name.includes('@') ? (name.split('@')[0] ?? '') : name;
    for (const part of local.split(/[\s._+-]+/)) {
      const w = part.trim().toLowerCase();
      if (w.length >= 2 && /^\p{L}+$/u.test(w)) words.add(w);
    }
  }
  return { words };
}

const singular = (w: string) => (w.length > 3 && w.endsWith('s') && !w.endsWith('ss') ? w.slice(0, -1) : w);

/**
 * What kind of thing a word names. `clauseInitial`: nothing but skippable words before it in its clause (a
 * capitalised unknown word there reads as a first name: "Dave forgot …"; mid-clause, "the Atlas cluster", it does
 * not).
 */
function classify(t: Token, clauseInitial: boolean, l: Lists, names: NameSet): SubjectKind {
  const lower = t.lower;
  const capitalised = /^\p{Lu}/u.test(t.word);
  if (capitalised && names.words.has(lower)) return 'person';
  if (l.personPronouns.has(lower)) return 'person';
  if (l.ambiguousPronouns.has(lower)) return 'name-like'; // "they": a person unless the complement says system
  if (l.collectivePronouns.has(lower)) return 'collective';
  if (l.systemPronouns.has(lower)) return 'system';
  if (l.personNouns.has(lower) || l.personNouns.has(singular(lower))) return 'person';
  if (l.systemNouns.has(lower) || l.systemNouns.has(singular(lower))) return 'system';
  if (capitalised && l.firstNames.has(lower)) return 'person';
  if (/\d|[_./:]/.test(t.word) || /^\p{Lu}{2,}$/u.test(t.word) || /^\p{L}+\p{Lu}/u.test(t.word)) return 'system';
  if (
    capitalised &&
    clauseInitial &&
    !l.notNames.has(lower) &&
    !l.nonNameSuffixes.some((s) => lower.length > s.length + 2 && lower.endsWith(s))
  ) {
    return 'name-like';
  }
  return 'unknown';
}

/** Clause text before `at` in the sentence, parentheticals (", who was on call,") removed. */
function clauseBefore(sentence: string, sentenceStart: number, at: number, l: Lists): Token[] {
  let pre = sentence.slice(0, at - sentenceStart);
  // Parentheticals: keep the offsets by blanking them.
  pre = pre
    .replace(/\([^)]*\)/g, (m) => ' '.repeat(m.length))
    .replace(/,\s*(?:who|whom|whose)\b[^,]*,/gi, (m) => ' '.repeat(m.length));
  const cut = Math.max(...[...pre.matchAll(/[;:,—–"“”]|\s-\s/g)].map((m) => m.index + m[0].length), 0);
  let toks = tokens(pre.slice(cut), sentenceStart + cut);
  // Split on clause words: the clause is what follows the last one.
  for (let i = toks.length - 1; i >= 0; i--) {
    if (l.clauseBoundaries.has(toks[i]!.lower)) {
      toks = toks.slice(i + 1);
      break;
    }
  }
  return toks;
}

export interface Subject {
  kind: SubjectKind;
  token: Token | null;
}

/** Conjunctions after which a clause without its own subject shares the previous clause's. */
const SHARED_SUBJECT = new Set(['and', 'but', 'then']);

/** The subject of the phrase matched at `at`. */
export function findSubject(
  sentence: string,
  sentenceStart: number,
  at: number,
  after: string,
  rule: RuleData,
  l: Lists,
  names: NameSet,
): Subject {
  const toks = clauseBefore(sentence, sentenceStart, at, l);
  // The clause's first noun: skip times, determiners, prepositions, leading adverbs.
  let first = -1;
  for (let i = 0; i < toks.length; i++) {
    const t = toks[i]!;
    if (l.leadingSkip.has(t.lower) || /^\d/.test(t.word)) continue;
    first = i;
    break;
  }
  const initialAt = (i: number) =>
    i === first && !toks.slice(0, i).some((t) => /^(?:the|a|an|our|their)$/.test(t.lower));
  const pick = (i: number): Subject => {
    const t = toks[i]!;
    let kind = classify(t, initialAt(i), l, names);
    if (kind === 'name-like') {
      // "They failed to start", "Replication failed to catch up": a system verb after the phrase.
      const next = /^\s*(?:\p{L}+\s+)?(\p{L}+)/u.exec(after)?.[1]?.toLowerCase();
      const nextWord = /^\s*(\p{L}+)/u.exec(after)?.[1]?.toLowerCase();
      if (
        (nextWord && l.systemComplements.has(nextWord)) ||
        (next && l.systemComplements.has(next) && nextWord === 'to')
      ) {
        kind = 'system';
      }
    }
    return { kind, token: t };
  };
  if (first < 0) {
    // "John deployed the config and failed to check …": a clause after "and"/"but"/"then" with no subject of its own
    // shares the previous clause's.
    const pre = tokens(sentence.slice(0, at - sentenceStart), sentenceStart);
    const conj = pre.length - 1 - toks.length;
    if (conj > 0 && SHARED_SUBJECT.has(pre[conj]!.lower)) {
      // The previous clause's subject is its first noun, not the object right before the conjunction.
      return findSubject(sentence, sentenceStart, pre[conj]!.start, after, { ...rule, subjectAt: 'clause' }, l, names);
    }
  }
  const fromClause = (): Subject => (first >= 0 ? pick(first) : { kind: 'unknown', token: null });
  if (rule.subjectAt === 'clause') return fromClause();
  // "The engineer who was on call failed to …": the subject is the noun before "who".
  const who = toks.findIndex((t) => t.lower === 'who' || t.lower === 'whom');
  if (who > 0) return pick(who - 1);
  // The head right before the phrase, skipping adverbs and auxiliaries.
  let last = toks.length - 1;
  while (last >= 0 && l.skipWords.has(toks[last]!.lower)) last--;
  if (last < 0) return fromClause();
  const near = pick(last);
  if (near.kind !== 'unknown' || last === first) return near;
  const far = fromClause();
  return far.kind === 'person' || far.kind === 'name-like' || far.kind === 'collective' ? far : near;
}

// ---------------------------------------------------------------------------------------------------------------
// Checking

export interface CheckOptions {
  names?: readonly string[];
  /** Run every rule's pattern on every sentence (the keyword prefilter is an optimisation; tests compare both). */
  noPrefilter?: boolean;
}

export function check(engine: Engine, text: string, opts: CheckOptions = {}): Finding[] {
  if (!text) return [];
  const names = nameSet(opts.names);
  const { masked, sentences } = splitSentences(text, engine.lists.abbreviations);
  const findings: Finding[] = [];
  for (const s of sentences) {
    const sentenceMasked = masked.slice(s.start, s.end);
    const lower = sentenceMasked.toLowerCase().replace(/\s+/g, ' ');
    let normalised: string | null = null;
    const active = new Uint8Array(engine.rules.length);
    if (opts.noPrefilter) active.fill(1);
    else {
      const scan = engine.keywordScan;
      scan.lastIndex = 0;
      for (let k = scan.exec(lower); k; k = scan.exec(lower)) {
        for (const i of engine.rulesByKeyword.get(k[0])!) active[i] = 1;
        scan.lastIndex = k.index + 1; // overlapping keywords starting later
      }
    }
    for (let ri = 0; ri < engine.rules.length; ri++) {
      if (!active[ri]) continue;
      const rule = engine.rules[ri]!;
      const d = rule.data;
      const m = rule.re.matcher(sentenceMasked);
      let from = 0;
      let unlessChecked: boolean | null = null;
      while (from <= sentenceMasked.length && m.find(from)) {
        const ms = m.start();
        const me = m.end();
        from = me > ms ? me : ms + 1;
        if (unlessChecked === null) unlessChecked = rule.unless ? rule.unless.matcher(sentenceMasked).find() : false;
        if (unlessChecked) break;
        let start = s.start + ms;
        const end = s.start + me;
        let subjectWord = '';
        if (d.subjects) {
          let subject: Subject;
          if (rule.hasSubjectGroup) {
            const gs = m.start('subject');
            const ge = m.end('subject');
            // The group's head noun: its last word ("the release manager").
            const t = tokens(sentenceMasked.slice(gs, ge), s.start + gs).at(-1);
            subject = t
              ? {
                  kind: classify(t, true, engine.lists, names),
                  token: t,
                }
              : { kind: 'unknown', token: null };
          } else {
            subject = findSubject(sentenceMasked, s.start, start, sentenceMasked.slice(me), d, engine.lists, names);
          }
          if (!d.subjects.includes(subject.kind)) continue;
          if (subject.token) {
            subjectWord = text.slice(subject.token.start, subject.token.end);
            if (subject.token.start < start && start - subject.token.start <= 80) start = subject.token.start;
          }
        }
        normalised ??= normaliseSentence(text.slice(s.start, s.end));
        const who = subjectWord || 'a person';
        findings.push({
          fingerprint: hash53(`${d.id}\u0000${normalised}`),
          ruleId: d.id,
          start,
          end,
          excerpt: text.slice(start, end),
          sentence: text.slice(s.start, s.end),
          message: d.message.replaceAll('{subject}', who),
          suggestion: d.suggestion.replaceAll('{subject}', who),
        });
      }
    }
  }
  findings.sort((a, b) => a.start - b.start || a.end - b.end || a.ruleId.localeCompare(b.ruleId));
  return findings;
}
