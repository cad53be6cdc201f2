/**
 * Findings instead of noise (issue 22, item 4): the room's typed entries. A hypothesis, something ruled out, a
 * finding or a decision, each with its author, its text and an evidence link (an http(s) URL, stored and shown, never
 * fetched). A hypothesis has an owner and becomes one of the room's tasks, so the room shows who is on each open one
 * and two people do not chase the same red herring; its owner, the Incident Commander or the Technical Lead rules it
 * out or confirms it (it becomes a finding), which ticks its task. Every entry and every outcome is a timeline event
 * (kinds `hypothesis`, `ruled_out`, `finding`, `decision`), so it reaches room viewers through the live stream, the
 * timeline filters by it, and the post-mortem draft takes the last three as its curated timeline.
 */
import type { Executor } from '../db/index.js';
import type { IncidentEntriesTable } from '../db/schema.js';
import { AppError, conflict, forbidden, validationError } from '../shared/errors.js';
import { newId } from '../shared/ids.js';
import { addTask, updateTask } from './activity.js';
import { audit, event, type Ctx } from './context.js';
import { assigneeNotFound } from './errors.js';
import { currentRoles } from './repo.js';

export const ENTRY_TYPES = ['hypothesis', 'ruled_out', 'finding', 'decision'] as const;
export type EntryType = (typeof ENTRY_TYPES)[number];
export const isEntryType = (v: string): v is EntryType => (ENTRY_TYPES as readonly string[]).includes(v);

export const ENTRY_STATUSES = ['open', 'ruled_out', 'confirmed', 'recorded'] as const;
export type EntryStatus = (typeof ENTRY_STATUSES)[number];

/** The entry types a post-mortem takes as its curated timeline (the outcomes, not the guesses). */
export const CURATED_ENTRY_KINDS: readonly string[] = ['finding', 'ruled_out', 'decision'];

export const ENTRY_TYPE_NAMES: Record<EntryType, string> = {
  hypothesis: 'Hypothesis',
  ruled_out: 'Ruled out',
  finding: 'Finding',
  decision: 'Decision',
};

export interface Entry {
  id: string;
  incidentId: string;
  type: EntryType;
  text: string;
  evidenceUrl: string | null;
  authorUserId: string | null;
  authorLabel: string;
  ownerUserId: string | null;
  ownerName: string | null;
  taskId: string | null;
  status: EntryStatus;
  outcomeNote: string | null;
  closedByLabel: string | null;
  closedAt: number | null;
  createdAt: number;
  updatedAt: number;
}

const MAX_URL = 2000;

/** Why an evidence link is refused (null: fine). Only http(s); it is a link for people, Muster never fetches it. */
export function evidenceUrlProblem(url: string): string | null {
  if (url.length > MAX_URL) return `must be at most ${MAX_URL} characters`;
  try {
    const u = new URL(url);
    if (u.protocol !== 'http:' && u.protocol !== 'https:') return 'must be an http(s) URL';
    if (!u.hostname) return 'must name a host';
    return null;
  } catch {
    return 'must be an http(s) URL';
  }
}

function cleanUrl(field: string, url: string | null | undefined): string | null {
  const t = url?.trim();
  if (!t) return null;
  const problem = evidenceUrlProblem(t);
  if (problem) throw validationError([{ field, message: problem }]);
  return t;
}

export const entryNotFound = (incidentId: string, entryId: string): AppError =>
  new AppError('incident_entry_not_found', `Incident ${incidentId} has no entry ${entryId}.`, { status: 404 });

async function activeUser(c: Ctx, userId: string): Promise<{ id: string; name: string }> {
  const u = await c.trx.selectFrom('users').select(['id', 'name', 'email']).where('id', '=', userId).executeTakeFirst();
  if (!u) throw assigneeNotFound(userId);
  return { id: u.id, name: u.name || u.email };
}

const taskTitle = (text: string): string => {
  const t = `Check the hypothesis: ${text}`;
  return t.length > 500 ? `${t.slice(0, 497)}…` : t;
};

export async function addEntry(
  c: Ctx,
  input: { type: EntryType; text: string; evidenceUrl?: string | null; ownerUserId?: string | null },
): Promise<Entry> {
  const text = input.text.trim();
  if (!text) throw validationError([{ field: 'text', message: 'must not be empty' }]);
  const evidenceUrl = cleanUrl('evidenceUrl', input.evidenceUrl);
  let owner: { id: string; name: string } | null = null;
  let taskId: string | null = null;
  if (input.type === 'hypothesis') {
    const ownerId = input.ownerUserId ?? c.actor.userId;
    if (!ownerId) throw validationError([{ field: 'ownerUserId', message: 'a hypothesis needs an owner' }]);
    owner = await activeUser(c, ownerId);
    taskId = (await addTask(c, { title: taskTitle(text), assigneeUserId: owner.id })).id;
  } else if (input.ownerUserId) {
    throw validationError([{ field: 'ownerUserId', message: 'only a hypothesis has an owner' }]);
  }
  const row: IncidentEntriesTable = {
    id: newId('ien', c.now),
    incidentId: c.incident.id,
    type: input.type,
    text,
    evidenceUrl,
    authorUserId: c.actor.userId,
    authorLabel: c.actor.label,
    ownerUserId: owner?.id ?? null,
    taskId,
    status: input.type === 'hypothesis' ? 'open' : 'recorded',
    outcomeNote: null,
    closedByLabel: null,
    closedAt: null,
    createdAt: c.now,
    updatedAt: c.now,
  };
  await c.trx.insertInto('incidentEntries').values(row).execute();
  await event(c, {
    kind: input.type,
    body: text,
    details: { entryId: row.id, evidenceUrl, ownerUserId: row.ownerUserId, ownerName: owner?.name ?? null, taskId },
  });
  await audit(c, 'incident.entry_added', { entryId: row.id, type: input.type });
  return toEntry(row, owner?.name ?? null);
}

async function loadEntry(c: Ctx, entryId: string): Promise<IncidentEntriesTable> {
  const row = await c.trx
    .selectFrom('incidentEntries')
    .selectAll()
    .where('id', '=', entryId)
    .where('incidentId', '=', c.incident.id)
    .executeTakeFirst();
  if (!row) throw entryNotFound(c.incident.id, entryId);
  return row;
}

/** The hypothesis's owner, the Incident Commander, the Technical Lead, or an administrator (Muster's jobs are). */
async function mayDecide(c: Ctx, row: IncidentEntriesTable): Promise<boolean> {
  if (c.actor.isAdmin) return true;
  const userId = c.actor.userId;
  if (!userId) return false;
  if (row.ownerUserId === userId) return true;
  const roles = await currentRoles(c.trx, c.incident.id);
  return roles.commander?.userId === userId || roles.technical_lead?.userId === userId;
}

function requireOpenHypothesis(c: Ctx, row: IncidentEntriesTable): void {
  if (row.type !== 'hypothesis')
    throw conflict('entry_not_hypothesis', `Entry ${row.id} is a ${row.type}, not a hypothesis.`, { field: 'entryId' });
  if (row.status !== 'open')
    throw conflict('hypothesis_closed', `That hypothesis is already ${row.status.replace('_', ' ')}.`, {
      field: 'outcome',
      status: row.status,
    });
}

/**
 * Rule a hypothesis out or confirm it (it becomes a finding): its owner, the IC or the TL. Its task is ticked done;
 * the timeline gets a `ruled_out` or `finding` event naming the hypothesis.
 */
export async function closeHypothesis(
  c: Ctx,
  entryId: string,
  input: { outcome: 'ruled_out' | 'confirmed'; note?: string | null; evidenceUrl?: string | null },
): Promise<Entry> {
  const row = await loadEntry(c, entryId);
  requireOpenHypothesis(c, row);
  if (!(await mayDecide(c, row)))
    throw forbidden(
      "Only the hypothesis's owner, the Incident Commander or the Technical Lead may rule it out or confirm it.",
    );
  const note = input.note?.trim() || null;
  const evidenceUrl = cleanUrl('evidenceUrl', input.evidenceUrl) ?? row.evidenceUrl;
  await c.trx
    .updateTable('incidentEntries')
    .set({
      status: input.outcome,
      outcomeNote: note,
      evidenceUrl,
      closedByLabel: c.actor.label,
      closedAt: c.now,
      updatedAt: c.now,
    })
    .where('id', '=', entryId)
    .execute();
  if (row.taskId) {
    const task = await c.trx
      .selectFrom('incidentTasks')
      .select('isDone')
      .where('id', '=', row.taskId)
      .executeTakeFirst();
    if (task && task.isDone === 0) await updateTask(c, row.taskId, { isDone: true });
  }
  await event(c, {
    kind: input.outcome === 'confirmed' ? 'finding' : 'ruled_out',
    body: note ? `${row.text} — ${note}` : row.text,
    details: { entryId, hypothesisId: entryId, outcome: input.outcome, note, evidenceUrl },
  });
  await audit(c, 'incident.hypothesis_closed', { entryId, outcome: input.outcome });
  return getEntry(c.trx, c.incident.id, entryId);
}

/** Hand an open hypothesis to someone else (its owner, the IC or the TL): its task follows. */
export async function reassignHypothesis(c: Ctx, entryId: string, ownerUserId: string): Promise<Entry> {
  const row = await loadEntry(c, entryId);
  requireOpenHypothesis(c, row);
  if (!(await mayDecide(c, row)))
    throw forbidden("Only the hypothesis's owner, the Incident Commander or the Technical Lead may hand it over.");
  const owner = await activeUser(c, ownerUserId);
  if (owner.id === row.ownerUserId) return getEntry(c.trx, c.incident.id, entryId);
  await c.trx
    .updateTable('incidentEntries')
    .set({ ownerUserId: owner.id, updatedAt: c.now })
    .where('id', '=', entryId)
    .execute();
  if (row.taskId) await updateTask(c, row.taskId, { assigneeUserId: owner.id });
  await event(c, {
    kind: 'hypothesis_owner_changed',
    body: `${owner.name} is now on: ${row.text}`,
    details: { entryId, from: row.ownerUserId, to: owner.id, ownerName: owner.name },
  });
  await audit(c, 'incident.hypothesis_reassigned', { entryId, from: row.ownerUserId, to: owner.id });
  return getEntry(c.trx, c.incident.id, entryId);
}

const toEntry = (r: IncidentEntriesTable, ownerName: string | null): Entry => ({
  ...r,
  type: r.type as EntryType,
  status: r.status as EntryStatus,
  ownerName,
});

function entryQuery(ex: Executor, incidentId: string) {
  return ex
    .selectFrom('incidentEntries')
    .leftJoin('users', 'users.id', 'incidentEntries.ownerUserId')
    .selectAll('incidentEntries')
    .select(['users.name as ownerUserName', 'users.email as ownerEmail'])
    .where('incidentEntries.incidentId', '=', incidentId);
}

type EntryRow = IncidentEntriesTable & { ownerUserName: string | null; ownerEmail: string | null };
const fromRow = ({ ownerUserName, ownerEmail, ...r }: EntryRow): Entry =>
  toEntry(r, r.ownerUserId ? ownerUserName || ownerEmail || null : null);

export async function getEntry(ex: Executor, incidentId: string, entryId: string): Promise<Entry> {
  const r = await entryQuery(ex, incidentId).where('incidentEntries.id', '=', entryId).executeTakeFirst();
  if (!r) throw entryNotFound(incidentId, entryId);
  return fromRow(r);
}

/** Every entry of the incident, oldest first; `type` keeps one type (a confirmed hypothesis counts as a finding). */
export async function listEntries(
  ex: Executor,
  incidentId: string,
  opts: { type?: EntryType | undefined } = {},
): Promise<Entry[]> {
  let q = entryQuery(ex, incidentId);
  if (opts.type === 'finding')
    q = q.where((eb) =>
      eb.or([
        eb('incidentEntries.type', '=', 'finding'),
        eb.and([eb('incidentEntries.type', '=', 'hypothesis'), eb('incidentEntries.status', '=', 'confirmed')]),
      ]),
    );
  else if (opts.type === 'ruled_out')
    q = q.where((eb) =>
      eb.or([
        eb('incidentEntries.type', '=', 'ruled_out'),
        eb.and([eb('incidentEntries.type', '=', 'hypothesis'), eb('incidentEntries.status', '=', 'ruled_out')]),
      ]),
    );
  else if (opts.type) q = q.where('incidentEntries.type', '=', opts.type);
  return (await q.orderBy('incidentEntries.id').execute()).map(fromRow);
}
