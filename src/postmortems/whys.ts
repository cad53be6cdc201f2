/**
 * The 5 Whys as structured data (docs/postmortems.md, "Root cause: 5 Whys and contributing factors"): a chain, or a
 * tree where one answer has several causes, of why → because nodes. Each node has a parent (null: a first why), a
 * position among its siblings, a question, an answer and evidence links. Limits: depth 10, 200 nodes per
 * post-mortem, 20 evidence links per node (http and https only: they are shown as links, never fetched).
 *
 * A leaf whose answer ends at a person ("human error", "Dave forgot", "careless") is flagged with the seed's prompt to
 * ask one more why. The pure part (tree order, the person check, evidence) is first; the SQL after it takes the
 * caller's executor (inside a transaction: the `trx`).
 */
import type { Executor } from '../db/index.js';
import { notFound, validationError, type FieldProblem } from '../shared/errors.js';
import { newId } from '../shared/ids.js';
import { fromJsonText, toJsonText } from '../shared/json.js';

export const MAX_WHY_DEPTH = 10;
export const MAX_WHYS = 200;
export const MAX_EVIDENCE = 20;
export const MAX_QUESTION = 1000;
export const MAX_ANSWER = 4000;
export const MAX_EVIDENCE_URL = 2000;
export const MAX_EVIDENCE_LABEL = 200;

export const PERSON_PROMPT = 'This answer ends at a person. Ask one more why: what let this happen?';

export interface Evidence {
  url: string;
  label: string;
}

/** A stored node, as the tree is built from it. */
export interface WhyRecord {
  id: string;
  parentId: string | null;
  position: number;
  question: string;
  answer: string;
  evidence: Evidence[];
}

export interface WhyNode extends WhyRecord {
  /** 1 for a first why, its children 2, … */
  depth: number;
  endsAtPerson: boolean;
  prompt: string | null;
}

/** A check for blameful language that reports findings (src/postmortems/blame: `checkBlame`), when present. */
export type BlameCheck = (text: string, opts?: { names?: string[] }) => readonly unknown[];

// ---- the person check --------------------------------------------------------------------------------------------

/** Words that put the cause in a person whatever the subject. */
const PERSON_WORDS =
  /\b(?:human|operator|user|people|personnel)[ -]errors?\b|\bforg[eo]t(?:s|ten|ting)?\b|\bcareless(?:ly|ness)?\b|\bnegligen(?:t|ce)\b|\bmistakes? (?:by|of|from)\b|\b(?:his|her|their) (?:own )?(?:mistake|fault|error|oversight)\b|\bnot paying attention\b|\binattenti(?:ve|on)\b|\bfat[- ]finger(?:ed|s)?\b|\bsloppy\b|\blazy\b/i;

/** People, without a name: pronouns and roles. */
const PERSON_SUBJECTS = [
  'he',
  'she',
  'someone',
  'somebody',
  'nobody',
  'no one',
  '(?:an?|the|our) (?:new |junior |senior )?(?:engineer|developer|dev|operator|admin|administrator|sre|responder|reviewer|author|on-?call(?: engineer| person)?|intern|new hire|person|human|employee|contractor)',
];

/** What a person "did" when the answer stops at them: "X didn't", "X forgot", "X failed to", … */
const FAILURE =
  "(?:didn'?t|did not|forgot|failed to|neglected|missed|overlooked|ignored|broke|skipped|messed up|screwed up|made (?:a|an) (?:mistake|error|typo)|should(?:'ve| have)|was(?:n't| not) careful|was careless|deployed (?:a|the) (?:bad|wrong|broken)|pushed (?:a|the) (?:bad|wrong|broken)|ran the wrong|typed)";

/** "X accidentally …": the slip itself names the person as the cause. */
const SLIP = '(?:accidentally|mistakenly|inadvertently|carelessly|wrongly|unknowingly)';

const escapeRegExp = (s: string): string => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

/** Names worth matching: full names and first names of at least two letters, longest first, at most 500. */
export function personNames(names: readonly string[]): string[] {
  const out = new Set<string>();
  for (const raw of names) {
    const name = raw.trim().replace(/\s+/g, ' ');
    if (name.length < 2 || name.includes('@')) continue;
    out.add(name.toLowerCase());
    const first = name.split(' ')[0]!;
    if (first.length >= 2) out.add(first.toLowerCase());
  }
  return [...out].sort((a, b) => b.length - a.length).slice(0, 500);
}

/** A compiled person check for a set of names (build once per tree). */
export function personCheck(names: readonly string[] = [], blame?: BlameCheck): (answer: string) => boolean {
  const known = personNames(names);
  const subjects = [...known.map(escapeRegExp), ...PERSON_SUBJECTS];
  // The subject, perhaps an adverb ("accidentally"), then the failure: "Dave didn't", "the engineer forgot to".
  const subjectFails = new RegExp(
    `(?:^|[^\\p{L}\\p{N}_])(?:${subjects.join('|')})(?:(?:\\s+\\p{L}+ly)?\\s+${FAILURE}|\\s+${SLIP})`,
    'iu',
  );
  const bareName = new Set([...known, 'someone', 'somebody', 'a person', 'a human', 'the engineer', 'the developer']);
  return (answer: string): boolean => {
    const text = answer.trim();
    if (!text) return false;
    if (PERSON_WORDS.test(text) || subjectFails.test(text)) return true;
    // The answer is only a person: "Because Dave.", "Dave did", "Alice's change".
    const core = text
      .toLowerCase()
      .replace(/^because\s+(?:of\s+)?/, '')
      .replace(/[.!?\s]+$/, '')
      .replace(/(?:'s)?(?:\s+(?:did(?: it)?|again|change|fault|mistake))?$/, '')
      .trim();
    if (bareName.has(core)) return true;
    if (blame) {
      try {
        if (blame(text, { names: [...names] }).length > 0) return true;
      } catch {
        /* a broken rule must not break the tree: the own check stands */
      }
    }
    return false;
  };
}

/** Whether an answer ends at a person (a one-off check; see personCheck for many). */
export function endsAtPerson(answer: string, names: readonly string[] = [], blame?: BlameCheck): boolean {
  return personCheck(names, blame)(answer);
}

// ---- the tree ----------------------------------------------------------------------------------------------------

const byPosition = (a: WhyRecord, b: WhyRecord): number =>
  a.position - b.position || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0);

/**
 * The tree in depth-first order, siblings by position (then creation), with depths and the person flag on leaves.
 * A node whose parent is missing is treated as a first why.
 */
export function buildWhyTree(
  records: readonly WhyRecord[],
  isPerson: (answer: string) => boolean = personCheck(),
): WhyNode[] {
  const ids = new Set(records.map((r) => r.id));
  const children = new Map<string | null, WhyRecord[]>();
  for (const r of records) {
    const parent = r.parentId !== null && ids.has(r.parentId) ? r.parentId : null;
    const list = children.get(parent) ?? [];
    list.push(r);
    children.set(parent, list);
  }
  for (const list of children.values()) list.sort(byPosition);
  const out: WhyNode[] = [];
  const seen = new Set<string>();
  const walk = (parent: string | null, depth: number): void => {
    for (const r of children.get(parent) ?? []) {
      if (seen.has(r.id)) continue; // a cycle cannot be written through the API; never loop on one
      seen.add(r.id);
      const leaf = (children.get(r.id) ?? []).length === 0;
      const person = leaf && isPerson(r.answer);
      out.push({ ...r, depth, endsAtPerson: person, prompt: person ? PERSON_PROMPT : null });
      walk(r.id, depth + 1);
    }
  };
  walk(null, 1);
  return out;
}

/** The node and everything under it. */
export function subtreeIds(records: readonly Pick<WhyRecord, 'id' | 'parentId'>[], rootId: string): string[] {
  const kids = new Map<string, string[]>();
  for (const r of records) {
    if (r.parentId === null) continue;
    const list = kids.get(r.parentId) ?? [];
    list.push(r.id);
    kids.set(r.parentId, list);
  }
  const out: string[] = [];
  const stack = [rootId];
  const seen = new Set<string>();
  while (stack.length) {
    const id = stack.pop()!;
    if (seen.has(id)) continue;
    seen.add(id);
    out.push(id);
    stack.push(...(kids.get(id) ?? []));
  }
  return out;
}

/** How deep a node is (1: a first why). */
export function depthOf(records: readonly Pick<WhyRecord, 'id' | 'parentId'>[], id: string): number {
  const parent = new Map(records.map((r) => [r.id, r.parentId]));
  let depth = 0;
  let at: string | null | undefined = id;
  const seen = new Set<string>();
  while (at && !seen.has(at)) {
    seen.add(at);
    depth++;
    at = parent.get(at);
  }
  return depth;
}

/** The evidence links as given, checked: http/https URLs only, at most 20, labels trimmed (default: the URL). */
export function checkEvidence(
  given: readonly { url: string; label?: string | undefined }[],
  field = 'evidence',
): { evidence: Evidence[]; problems: FieldProblem[] } {
  const problems: FieldProblem[] = [];
  if (given.length > MAX_EVIDENCE) problems.push({ field, message: `at most ${MAX_EVIDENCE} links` });
  const evidence: Evidence[] = [];
  given.slice(0, MAX_EVIDENCE).forEach((e, i) => {
    const url = e.url.trim();
    let ok = false;
    try {
      const parsed = new URL(url);
      ok = (parsed.protocol === 'http:' || parsed.protocol === 'https:') && parsed.hostname !== '';
    } catch {
      ok = false;
    }
    if (!ok) problems.push({ field: `${field}[${i}].url`, message: 'must be an http or https URL' });
    else if (url.length > MAX_EVIDENCE_URL) {
      problems.push({ field: `${field}[${i}].url`, message: `at most ${MAX_EVIDENCE_URL} characters` });
    }
    const label = (e.label ?? '').trim();
    if (label.length > MAX_EVIDENCE_LABEL) {
      problems.push({ field: `${field}[${i}].label`, message: `at most ${MAX_EVIDENCE_LABEL} characters` });
    }
    evidence.push({ url, label: label || url });
  });
  return { evidence, problems };
}

/** The why-chain as Markdown (the export and the section's narrative): nested list, evidence as links. */
export function whysMarkdown(nodes: readonly WhyNode[]): string {
  const md = (s: string) => s.replace(/([\\`*_[\]<>])/g, '\\$1').replace(/\s*\n\s*/g, ' ');
  return nodes
    .map((n) => {
      const pad = '  '.repeat(n.depth - 1);
      const links = n.evidence.map((e) => `[${md(e.label)}](<${e.url.replace(/[<>\s]/g, encodeURIComponent)}>)`);
      const because = n.answer.trim() ? ` Because ${md(n.answer.trim())}` : '';
      const flag = n.endsAtPerson ? ` _(${PERSON_PROMPT})_` : '';
      return `${pad}- **${md(n.question.trim())}**${because}${links.length ? ` (${links.join(', ')})` : ''}${flag}`;
    })
    .join('\n');
}

// ---- storage ----------------------------------------------------------------------------------------------------

export interface NewWhy {
  parentId?: string | null | undefined;
  question: string;
  answer?: string | undefined;
  evidence?: readonly { url: string; label?: string | undefined }[] | undefined;
}

export interface WhyChange {
  question?: string | undefined;
  answer?: string | undefined;
  evidence?: readonly { url: string; label?: string | undefined }[] | undefined;
  position?: number | undefined;
}

/** 404 `why_not_found`. */
export const whyNotFound = (id: string) => notFound('why', id);

export async function loadWhyRecords(ex: Executor, postmortemId: string): Promise<WhyRecord[]> {
  const rows = await ex
    .selectFrom('postmortemWhys')
    .select(['id', 'parentId', 'position', 'question', 'answer', 'evidence'])
    .where('postmortemId', '=', postmortemId)
    .orderBy('position')
    .orderBy('id')
    .execute();
  return rows.map((r) => ({
    id: r.id,
    parentId: r.parentId,
    position: Number(r.position),
    question: r.question,
    answer: r.answer,
    evidence: fromJsonText<Evidence[]>(r.evidence, []),
  }));
}

function textProblems(input: { question?: string | undefined; answer?: string | undefined }): FieldProblem[] {
  const problems: FieldProblem[] = [];
  if (input.question !== undefined) {
    const q = input.question.trim();
    if (!q) problems.push({ field: 'question', message: 'must not be empty' });
    else if (q.length > MAX_QUESTION)
      problems.push({ field: 'question', message: `at most ${MAX_QUESTION} characters` });
  }
  if (input.answer !== undefined && input.answer.trim().length > MAX_ANSWER) {
    problems.push({ field: 'answer', message: `at most ${MAX_ANSWER} characters` });
  }
  return problems;
}

/** Add a why (appended after its siblings). The caller holds the post-mortem's lock. */
export async function insertWhy(ex: Executor, postmortemId: string, input: NewWhy, now: number): Promise<string> {
  const records = await loadWhyRecords(ex, postmortemId);
  const problems = textProblems(input);
  const { evidence, problems: evidenceProblems } = checkEvidence(input.evidence ?? []);
  problems.push(...evidenceProblems);
  const parentId = input.parentId ?? null;
  if (parentId !== null) {
    if (!records.some((r) => r.id === parentId)) {
      problems.push({ field: 'parentId', message: 'is not a why of this post-mortem' });
    } else if (depthOf(records, parentId) + 1 > MAX_WHY_DEPTH) {
      problems.push({ field: 'parentId', message: `a why-chain is at most ${MAX_WHY_DEPTH} deep` });
    }
  }
  if (records.length >= MAX_WHYS) {
    problems.push({ field: 'parentId', message: `a post-mortem has at most ${MAX_WHYS} whys` });
  }
  if (problems.length) throw validationError(problems);
  const siblings = records.filter((r) => r.parentId === parentId);
  const position = siblings.reduce((m, r) => Math.max(m, r.position + 1), 0);
  const id = newId('why', now);
  await ex
    .insertInto('postmortemWhys')
    .values({
      id,
      postmortemId,
      parentId,
      position,
      question: input.question.trim(),
      answer: (input.answer ?? '').trim(),
      evidence: toJsonText(evidence),
      createdAt: now,
      updatedAt: now,
    })
    .execute();
  return id;
}

/** Change a why's text, evidence or place among its siblings. */
export async function updateWhy(
  ex: Executor,
  postmortemId: string,
  whyId: string,
  change: WhyChange,
  now: number,
): Promise<void> {
  const records = await loadWhyRecords(ex, postmortemId);
  const node = records.find((r) => r.id === whyId);
  if (!node) throw whyNotFound(whyId);
  const problems = textProblems(change);
  let evidence: Evidence[] | undefined;
  if (change.evidence !== undefined) {
    const checked = checkEvidence(change.evidence);
    problems.push(...checked.problems);
    evidence = checked.evidence;
  }
  if (change.position !== undefined && (!Number.isInteger(change.position) || change.position < 0)) {
    problems.push({ field: 'position', message: 'must be a whole number from 0' });
  }
  if (problems.length) throw validationError(problems);
  await ex
    .updateTable('postmortemWhys')
    .set({
      ...(change.question !== undefined ? { question: change.question.trim() } : {}),
      ...(change.answer !== undefined ? { answer: change.answer.trim() } : {}),
      ...(evidence !== undefined ? { evidence: toJsonText(evidence) } : {}),
      updatedAt: now,
    })
    .where('id', '=', whyId)
    .where('postmortemId', '=', postmortemId)
    .execute();
  if (change.position === undefined) return;
  // Move among the siblings, then number them 0..n-1 again (only rows whose number changes are written).
  const siblings = records.filter((r) => r.parentId === node.parentId).sort(byPosition);
  const without = siblings.filter((r) => r.id !== whyId);
  without.splice(Math.min(change.position, without.length), 0, node);
  for (const [i, r] of without.entries()) {
    if (r.position === i) continue;
    await ex
      .updateTable('postmortemWhys')
      .set({ position: i, updatedAt: now })
      .where('id', '=', r.id)
      .where('postmortemId', '=', postmortemId)
      .execute();
  }
}

/** Delete a why and its subtree; factors linked to a deleted why keep their tag without the link. */
export async function deleteWhy(ex: Executor, postmortemId: string, whyId: string): Promise<string[]> {
  const records = await loadWhyRecords(ex, postmortemId);
  if (!records.some((r) => r.id === whyId)) throw whyNotFound(whyId);
  const ids = subtreeIds(records, whyId);
  await ex.deleteFrom('postmortemWhys').where('postmortemId', '=', postmortemId).where('id', 'in', ids).execute();
  await ex
    .updateTable('postmortemFactors')
    .set({ whyId: null })
    .where('postmortemId', '=', postmortemId)
    .where('whyId', 'in', ids)
    .execute();
  return ids;
}
