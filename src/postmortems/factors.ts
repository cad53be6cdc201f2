/**
 * Contributing factors (docs/postmortems.md, "Root cause: 5 Whys and contributing factors"): an editable taxonomy
 * (change management, monitoring gap, capacity, …; organisation administrators add, rename and archive entries, keys
 * are unique and never change) and the tags on a post-mortem, each optionally linked to one of its whys with a note,
 * so factors can be counted across post-mortems. An archived factor stays on the post-mortems that have it and in
 * the counts; it cannot be added to another one.
 */
import type { Executor } from '../db/index.js';
import { conflict, notFound, validationError, type FieldProblem } from '../shared/errors.js';
import { newId } from '../shared/ids.js';
import { incidentIdsOfTeam } from './repo.js';

export const MAX_FACTOR_NOTE = 2000;
export const FACTOR_KEY = /^[a-z][a-z0-9_]{1,49}$/;

export interface ContributingFactor {
  id: string;
  key: string;
  label: string;
  description: string;
  position: number;
  archived: boolean;
  archivedAt: number | null;
}

export interface FactorTag {
  factorId: string;
  key: string;
  label: string;
  archived: boolean;
  whyId: string | null;
  note: string;
}

export interface FactorCount {
  factorId: string;
  key: string;
  label: string;
  archived: boolean;
  count: number;
}

export const factorNotFound = (id: string) => notFound('contributing_factor', id);

export async function listFactors(
  ex: Executor,
  opts: { includeArchived?: boolean } = {},
): Promise<ContributingFactor[]> {
  let q = ex
    .selectFrom('contributingFactors')
    .select(['id', 'key', 'label', 'description', 'position', 'archivedAt'])
    .orderBy('position')
    .orderBy('id');
  if (!opts.includeArchived) q = q.where('archivedAt', 'is', null);
  const rows = await q.execute();
  return rows.map((r) => ({
    id: r.id,
    key: r.key,
    label: r.label,
    description: r.description,
    position: Number(r.position),
    archived: r.archivedAt !== null,
    archivedAt: r.archivedAt === null ? null : Number(r.archivedAt),
  }));
}

export async function getFactor(ex: Executor, id: string): Promise<ContributingFactor> {
  const found = (await listFactors(ex, { includeArchived: true })).find((f) => f.id === id);
  if (!found) throw factorNotFound(id);
  return found;
}

function labelProblems(input: { label?: string | undefined; description?: string | undefined }): FieldProblem[] {
  const problems: FieldProblem[] = [];
  if (input.label !== undefined) {
    const label = input.label.trim();
    if (!label) problems.push({ field: 'label', message: 'must not be empty' });
    else if (label.length > 100) problems.push({ field: 'label', message: 'at most 100 characters' });
  }
  if (input.description !== undefined && input.description.trim().length > 1000) {
    problems.push({ field: 'description', message: 'at most 1000 characters' });
  }
  return problems;
}

export interface NewFactor {
  key: string;
  label: string;
  description?: string | undefined;
}

/** Add a factor to the taxonomy (after the others). 409 `already_exists` when the key is taken. */
export async function insertFactor(ex: Executor, input: NewFactor, now: number): Promise<string> {
  const key = input.key.trim();
  const problems = labelProblems(input);
  if (!FACTOR_KEY.test(key)) {
    problems.unshift({
      field: 'key',
      message: 'must be 2–50 lower-case letters, digits and underscores, starting with a letter',
    });
  }
  if (problems.length) throw validationError(problems);
  const taken = await ex.selectFrom('contributingFactors').select('id').where('key', '=', key).executeTakeFirst();
  if (taken) throw conflict('already_exists', `A contributing factor with key ${key} exists.`, { field: 'key' });
  const last = await ex
    .selectFrom('contributingFactors')
    .select((eb) => eb.fn.max('position').as('max'))
    .executeTakeFirst();
  const id = newId('cf', now);
  await ex
    .insertInto('contributingFactors')
    .values({
      id,
      key,
      label: input.label.trim(),
      description: (input.description ?? '').trim(),
      position: Number(last?.max ?? 0) + 1,
      archivedAt: null,
      createdAt: now,
    })
    .execute();
  return id;
}

export interface FactorChange {
  label?: string | undefined;
  description?: string | undefined;
  archived?: boolean | undefined;
  position?: number | undefined;
}

/** Rename, describe, archive or restore, or move a factor. The key never changes (counts and scripts use it). */
export async function updateFactor(ex: Executor, id: string, change: FactorChange, now: number): Promise<void> {
  const current = await getFactor(ex, id);
  const problems = labelProblems(change);
  if (change.position !== undefined && (!Number.isInteger(change.position) || change.position < 0)) {
    problems.push({ field: 'position', message: 'must be a whole number from 0' });
  }
  if (problems.length) throw validationError(problems);
  await ex
    .updateTable('contributingFactors')
    .set({
      ...(change.label !== undefined ? { label: change.label.trim() } : {}),
      ...(change.description !== undefined ? { description: change.description.trim() } : {}),
      ...(change.position !== undefined ? { position: change.position } : {}),
      ...(change.archived !== undefined ? { archivedAt: change.archived ? (current.archivedAt ?? now) : null } : {}),
    })
    .where('id', '=', id)
    .execute();
}

/** The factors tagged on a post-mortem, in taxonomy order. */
export async function listFactorTags(ex: Executor, postmortemId: string): Promise<FactorTag[]> {
  const rows = await ex
    .selectFrom('postmortemFactors')
    .innerJoin('contributingFactors', 'contributingFactors.id', 'postmortemFactors.factorId')
    .select([
      'postmortemFactors.factorId',
      'contributingFactors.key',
      'contributingFactors.label',
      'contributingFactors.archivedAt',
      'postmortemFactors.whyId',
      'postmortemFactors.note',
    ])
    .where('postmortemFactors.postmortemId', '=', postmortemId)
    .orderBy('contributingFactors.position')
    .orderBy('contributingFactors.id')
    .execute();
  return rows.map((r) => ({
    factorId: r.factorId,
    key: r.key,
    label: r.label,
    archived: r.archivedAt !== null,
    whyId: r.whyId,
    note: r.note,
  }));
}

/**
 * Tag a post-mortem with a factor, or change its link and note. A new tag needs a factor that is not archived;
 * `whyId` must be one of this post-mortem's whys (null: no link). Returns whether the tag is new.
 */
export async function putFactorTag(
  ex: Executor,
  postmortemId: string,
  factorId: string,
  input: { whyId?: string | null | undefined; note?: string | undefined },
  now: number,
): Promise<boolean> {
  const factor = await getFactor(ex, factorId);
  const existing = await ex
    .selectFrom('postmortemFactors')
    .select(['whyId', 'note'])
    .where('postmortemId', '=', postmortemId)
    .where('factorId', '=', factorId)
    .executeTakeFirst();
  const problems: FieldProblem[] = [];
  if (!existing && factor.archived) {
    problems.push({ field: 'factorId', message: 'this factor is archived: choose another one' });
  }
  const note = input.note?.trim();
  if (note !== undefined && note.length > MAX_FACTOR_NOTE) {
    problems.push({ field: 'note', message: `at most ${MAX_FACTOR_NOTE} characters` });
  }
  if (input.whyId) {
    const why = await ex
      .selectFrom('postmortemWhys')
      .select('id')
      .where('id', '=', input.whyId)
      .where('postmortemId', '=', postmortemId)
      .executeTakeFirst();
    if (!why) problems.push({ field: 'whyId', message: 'is not a why of this post-mortem' });
  }
  if (problems.length) throw validationError(problems);
  const whyId = input.whyId === undefined ? (existing?.whyId ?? null) : input.whyId || null;
  if (existing) {
    await ex
      .updateTable('postmortemFactors')
      .set({ whyId, note: note ?? existing.note })
      .where('postmortemId', '=', postmortemId)
      .where('factorId', '=', factorId)
      .execute();
    return false;
  }
  await ex
    .insertInto('postmortemFactors')
    .values({ postmortemId, factorId, whyId, note: note ?? '', createdAt: now })
    .execute();
  return true;
}

/** Remove a tag; false when the post-mortem did not have it. */
export async function deleteFactorTag(ex: Executor, postmortemId: string, factorId: string): Promise<boolean> {
  const r = await ex
    .deleteFrom('postmortemFactors')
    .where('postmortemId', '=', postmortemId)
    .where('factorId', '=', factorId)
    .executeTakeFirst();
  return Number(r.numDeletedRows) > 0;
}

/**
 * How many post-mortems carry each factor, counting post-mortems of incidents resolved in [from, to) (the window
 * the completion rate uses), optionally only incidents touching a team's services. Every active factor is listed
 * (zero too); an archived one only when counted. Most counted first, then taxonomy order.
 */
export async function countFactors(
  ex: Executor,
  window: { from: number; to: number; teamId?: string | undefined },
): Promise<FactorCount[]> {
  let q = ex
    .selectFrom('postmortemFactors')
    .innerJoin('postmortems', 'postmortems.id', 'postmortemFactors.postmortemId')
    .innerJoin('incidents', 'incidents.id', 'postmortems.incidentId')
    .select((eb) => ['postmortemFactors.factorId', eb.fn.count<number>('postmortemFactors.postmortemId').as('count')])
    .where('incidents.resolvedAt', '>=', window.from)
    .where('incidents.resolvedAt', '<', window.to)
    // Real incidents only: a drill's debrief or an imported record is not a finding about production (as insights).
    .where('incidents.kind', '=', 'real')
    .groupBy('postmortemFactors.factorId');
  if (window.teamId) q = q.where('incidents.id', 'in', incidentIdsOfTeam(ex, window.teamId));
  const counts = new Map((await q.execute()).map((r) => [r.factorId, Number(r.count)]));
  const factors = await listFactors(ex, { includeArchived: true });
  return factors
    .filter((f) => !f.archived || (counts.get(f.id) ?? 0) > 0)
    .map((f) => ({ factorId: f.id, key: f.key, label: f.label, archived: f.archived, count: counts.get(f.id) ?? 0 }))
    .sort((a, b) => b.count - a.count);
}
