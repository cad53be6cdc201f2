/** SQL for the notify domain's own tables (and its one instance setting). Repos return null for absence. */
import type { Db, Executor } from '../db/index.js';
import { prepared, rowsOf } from '../db/prepared.js';
import type {
  ContactMethodsTable,
  NotificationAttemptsTable,
  NotificationDeliveriesTable,
  NotificationRulesTable,
} from '../db/schema.js';
import { needsVerification, type AttemptStatus, type ContactKind, type DeliveryStatus, type Urgency } from './model.js';

export interface ContactMethod {
  id: string;
  userId: string;
  kind: ContactKind;
  label: string;
  address: string;
  serverUrl: string | null;
  hasSecret: boolean;
  /**
   * Whether it may be used for paging as far as verification goes: true once verified, and always true for kinds
   * that need no verification (see `needsVerification`).
   */
  isVerified: boolean;
  /** Only SMS and voice must be verified before they page; other kinds never show a verification step. */
  needsVerification: boolean;
  /** An organisation administrator allowed the webhook URL or ntfy server to be a private address. */
  allowPrivateAddress: boolean;
  /** Web Push: when the push service said the subscription is gone; an expired method is no longer paged. */
  expiredAt: number | null;
  createdAt: number;
  updatedAt: number;
  /** Set when listed (ContactService.listContactMethods). */
  health?: ContactHealth;
}

/**
 * Is this contact method reaching its person? From its latest deliveries (a delivery whose attempts failed, even if
 * it is still being retried, counts as failing) and this process's circuit breaker for its destination
 * (src/notify/bulkhead.ts). Shown to the person and administrators on the contact method.
 */
export interface ContactHealth {
  status: 'ok' | 'failing' | 'unknown';
  /** The latest deliveries that failed, one after another (newest first; at most 5 are read). */
  failedInARow: number;
  lastError: string | null;
  lastFailedAt: number | null;
  breaker: 'closed' | 'open' | 'half-open';
  /** When an open breaker lets the next trial send through. */
  breakerRetryAt: number | null;
}

export type NotificationRule = Omit<NotificationRulesTable, 'urgency'> & { urgency: Urgency };

export interface Delivery extends Omit<NotificationDeliveriesTable, 'status' | 'urgency' | 'message'> {
  status: DeliveryStatus;
  urgency: Urgency;
  message: string;
}

export interface Attempt extends Omit<NotificationAttemptsTable, 'status' | 'isPermanent'> {
  status: AttemptStatus;
  isPermanent: boolean;
}

export function toContactMethod(row: ContactMethodsTable): ContactMethod {
  return {
    id: row.id,
    userId: row.userId,
    kind: row.kind as ContactKind,
    label: row.label,
    address: row.address,
    serverUrl: row.serverUrl,
    hasSecret: row.secret !== null,
    isVerified: row.isVerified === 1 || !needsVerification(row.kind as ContactKind),
    needsVerification: needsVerification(row.kind as ContactKind),
    allowPrivateAddress: row.allowPrivateAddress === 1,
    expiredAt: row.expiredAt,
    createdAt: row.createdAt,
    updatedAt: row.updatedAt,
  };
}

// The page path's queries are prepared (src/db/prepared.ts): built and compiled once per shape.
const findContactMethodRowQ = prepared('notify.findContactMethodRow', (ex: Executor, id: string) =>
  ex.selectFrom('contactMethods').selectAll().where('id', '=', id),
);

export const findContactMethodRow = async (ex: Executor, id: string) =>
  (await rowsOf(ex, findContactMethodRowQ(ex, id)))[0];

export type ContactMethodRow = NonNullable<Awaited<ReturnType<typeof findContactMethodRow>>>;

/** Several contact methods in one statement (a batch of page claims), by id. */
export async function findContactMethodRows(
  ex: Executor,
  ids: readonly string[],
): Promise<Map<string, ContactMethodRow>> {
  const unique = [...new Set(ids)];
  if (unique.length === 0) return new Map();
  const rows = await rowsOf(ex, findContactMethodRowsQ(ex, unique));
  return new Map(rows.map((r) => [r.id, r]));
}

const findContactMethodRowsQ = prepared('notify.findContactMethodRows', (ex: Executor, ids: string[]) =>
  ex.selectFrom('contactMethods').selectAll().where('id', 'in', ids),
);

/**
 * The latest deliveries to a contact method that were tried (skipped ones are not), newest first: the outcome
 * behind its health.
 */
export async function latestTriedDeliveries(ex: Executor, contactMethodId: string, limit = 5) {
  return ex
    .selectFrom('notificationDeliveries')
    .select(['status', 'lastError', 'updatedAt'])
    .where('contactMethodId', '=', contactMethodId)
    .where('attempts', '>', 0)
    .where('status', '!=', 'skipped')
    .orderBy('id', 'desc')
    .limit(limit)
    .execute();
}

/** Is `adminId` an administrator of a team `userId` belongs to? */
export async function isTeamAdminOf(ex: Executor, adminId: string, userId: string): Promise<boolean> {
  const row = await ex
    .selectFrom('teamMembers as a')
    .innerJoin('teamMembers as m', 'm.teamId', 'a.teamId')
    .select('a.teamId')
    .where('a.userId', '=', adminId)
    .where('a.role', 'in', ['admin', 'owner'])
    .where('m.userId', '=', userId)
    .executeTakeFirst();
  return row !== undefined;
}

const listContactMethodsQ = prepared('notify.listContactMethods', (ex: Executor, userId: string) =>
  ex.selectFrom('contactMethods').selectAll().where('userId', '=', userId).orderBy('id'),
);

export async function listContactMethods(ex: Executor, userId: string): Promise<ContactMethod[]> {
  const rows = await rowsOf(ex, listContactMethodsQ(ex, userId));
  return rows.map(toContactMethod);
}

export async function insertContactMethod(ex: Executor, row: ContactMethodsTable): Promise<void> {
  await ex.insertInto('contactMethods').values(row).execute();
}

export async function updateContactMethod(
  ex: Executor,
  id: string,
  patch: Partial<Omit<ContactMethodsTable, 'id' | 'userId' | 'kind' | 'createdAt'>>,
): Promise<void> {
  await ex.updateTable('contactMethods').set(patch).where('id', '=', id).execute();
}

export async function deleteContactMethod(ex: Executor, id: string): Promise<void> {
  await ex.deleteFrom('contactMethods').where('id', '=', id).execute();
}

const toRule = (r: NotificationRulesTable): NotificationRule => ({ ...r, urgency: r.urgency as Urgency });

export async function listRules(ex: Executor, userId: string): Promise<NotificationRule[]> {
  const rows = await ex
    .selectFrom('notificationRules')
    .selectAll()
    .where('userId', '=', userId)
    .orderBy('urgency')
    .orderBy('delayMinutes')
    .orderBy('id')
    .execute();
  return rows.map(toRule);
}

export async function findRule(ex: Executor, id: string): Promise<NotificationRule | null> {
  const row = await ex.selectFrom('notificationRules').selectAll().where('id', '=', id).executeTakeFirst();
  return row ? toRule(row) : null;
}

export async function findRuleByStep(
  ex: Executor,
  step: { contactMethodId: string; urgency: string; delayMinutes: number },
): Promise<NotificationRule | null> {
  const row = await ex
    .selectFrom('notificationRules')
    .selectAll()
    .where('contactMethodId', '=', step.contactMethodId)
    .where('urgency', '=', step.urgency)
    .where('delayMinutes', '=', step.delayMinutes)
    .executeTakeFirst();
  return row ? toRule(row) : null;
}

export async function insertRule(ex: Executor, row: NotificationRulesTable): Promise<void> {
  await ex.insertInto('notificationRules').values(row).execute();
}

export async function deleteRule(ex: Executor, id: string): Promise<void> {
  await ex.deleteFrom('notificationRules').where('id', '=', id).execute();
}

/**
 * The steps to run for one notification: the user's rules for this urgency with their contact methods (an expired
 * push subscription is left out).
 */
const stepsForQ = prepared('notify.stepsFor', (ex: Executor, userId: string, urgency: Urgency) =>
  ex
    .selectFrom('notificationRules')
    .innerJoin('contactMethods', 'contactMethods.id', 'notificationRules.contactMethodId')
    .select([
      'notificationRules.id as ruleId',
      'notificationRules.delayMinutes',
      'contactMethods.id as contactMethodId',
      'contactMethods.kind',
      'contactMethods.isVerified',
    ])
    .where('notificationRules.userId', '=', userId)
    .where('notificationRules.urgency', '=', urgency)
    .where('contactMethods.expiredAt', 'is', null)
    .orderBy('notificationRules.delayMinutes')
    .orderBy('notificationRules.id'),
);

export async function stepsFor(ex: Executor, userId: string, urgency: Urgency) {
  return rowsOf(ex, stepsForQ(ex, userId, urgency));
}

const toDelivery = (r: NotificationDeliveriesTable): Delivery => ({
  ...r,
  status: r.status as DeliveryStatus,
  urgency: r.urgency as Urgency,
});

/**
 * Several deliveries in one statement, by id; `lock` takes their row locks on PostgreSQL in id order (a batch of
 * claims or records: two batches lock shared rows in the same order, so they never deadlock on them).
 */
export async function findDeliveries(
  ex: Executor,
  engine: Db['engine'],
  ids: readonly string[],
  lock = false,
): Promise<Map<string, Delivery>> {
  const unique = [...new Set(ids)];
  if (unique.length === 0) return new Map();
  const rows = await rowsOf(ex, findDeliveriesQ(ex, unique, lock && engine === 'postgres'));
  return new Map(rows.map((r) => [r.id, toDelivery(r)]));
}

const findDeliveriesQ = prepared('notify.findDeliveries', (ex: Executor, ids: string[], lock: boolean) => {
  let q = ex.selectFrom('notificationDeliveries').selectAll().where('id', 'in', ids).orderBy('id');
  if (lock) q = q.forUpdate();
  return q;
});

const insertDeliveryQ = prepared(
  'notify.insertDelivery',
  (ex: Executor, row: NotificationDeliveriesTable) =>
    ex
      .insertInto('notificationDeliveries')
      .values(row)
      .onConflict((oc) => oc.column('dedupKey').doNothing()),
  { nullIsValue: true },
);

/** Insert unless a delivery with the same dedup key exists; true when this call inserted it. */
export async function insertDelivery(ex: Executor, row: NotificationDeliveriesTable): Promise<boolean> {
  const r = await ex.executeQuery(insertDeliveryQ(ex, row));
  return Number(r.numAffectedRows ?? 0n) === 1;
}

const findDeliveryQ = prepared('notify.findDelivery', (ex: Executor, id: string, lock: boolean) => {
  let q = ex.selectFrom('notificationDeliveries').selectAll().where('id', '=', id);
  if (lock) q = q.forUpdate();
  return q;
});

/** Load a delivery; `lock` takes a row lock on PostgreSQL (SQLite has one writer, so the transaction is enough). */
export async function findDelivery(
  ex: Executor,
  engine: Db['engine'],
  id: string,
  lock = false,
): Promise<Delivery | null> {
  const [row] = await rowsOf(ex, findDeliveryQ(ex, id, lock && engine === 'postgres'));
  return row ? toDelivery(row) : null;
}

type DeliveryPatch = Partial<
  Pick<
    NotificationDeliveriesTable,
    'status' | 'providerMessageId' | 'lastError' | 'finishedAt' | 'claimToken' | 'claimedUntil'
  >
> & {
  updatedAt: number;
  attempts?: number;
};

const updateDeliveryQ = prepared(
  'notify.updateDelivery',
  (ex: Executor, id: string, patch: DeliveryPatch) =>
    ex.updateTable('notificationDeliveries').set(patch).where('id', '=', id),
  { nullIsValue: true },
);

export async function updateDelivery(ex: Executor, id: string, patch: DeliveryPatch): Promise<void> {
  await ex.executeQuery(updateDeliveryQ(ex, id, patch));
}

export async function listDeliveries(
  ex: Executor,
  filter: { alertId?: string | undefined; userId?: string | undefined; before?: string | undefined; limit: number },
): Promise<Delivery[]> {
  let q = ex.selectFrom('notificationDeliveries').selectAll().orderBy('id', 'desc').limit(filter.limit);
  if (filter.alertId) q = q.where('alertId', '=', filter.alertId);
  if (filter.userId) q = q.where('userId', '=', filter.userId);
  if (filter.before) q = q.where('id', '<', filter.before);
  return (await q.execute()).map(toDelivery);
}

// null is a value here: the rows' nullable columns would otherwise make a shape of every pattern of nulls.
const insertAttemptsQ = prepared(
  'notify.insertAttempts',
  (ex: Executor, rows: NotificationAttemptsTable[]) => ex.insertInto('notificationAttempts').values(rows),
  { nullIsValue: true },
);

/** Insert attempt rows, one statement for all of them. */
export async function insertAttempts(ex: Executor, rows: NotificationAttemptsTable[]): Promise<void> {
  if (rows.length > 0) await ex.executeQuery(insertAttemptsQ(ex, rows));
}

export async function insertAttempt(ex: Executor, row: NotificationAttemptsTable): Promise<void> {
  await insertAttempts(ex, [row]);
}

export async function listAttempts(ex: Executor, deliveryIds: string[]): Promise<Attempt[]> {
  if (deliveryIds.length === 0) return [];
  const rows = await ex
    .selectFrom('notificationAttempts')
    .selectAll()
    .where('deliveryId', 'in', deliveryIds)
    .orderBy('id')
    .execute();
  return rows.map((r) => ({ ...r, status: r.status as AttemptStatus, isPermanent: r.isPermanent === 1 }));
}

/** Record a link as used; false when it was used already (the primary key makes this atomic on both engines). */
export async function insertLinkUse(
  ex: Executor,
  use: { linkId: string; action: string; alertId: string; userId: string; expiresAt: number; usedAt: number },
): Promise<boolean> {
  const r = await ex
    .insertInto('actionLinkUses')
    .values(use)
    .onConflict((oc) => oc.column('linkId').doNothing())
    .executeTakeFirst();
  return Number(r.numInsertedOrUpdatedRows ?? 0n) === 1;
}

export async function deleteLinkUse(ex: Executor, linkId: string): Promise<void> {
  await ex.deleteFrom('actionLinkUses').where('linkId', '=', linkId).execute();
}

export async function isLinkUsed(ex: Executor, linkId: string): Promise<boolean> {
  const row = await ex.selectFrom('actionLinkUses').select('linkId').where('linkId', '=', linkId).executeTakeFirst();
  return row !== undefined;
}

/** Read an instance setting, creating it with `make()` if absent; concurrent first starts agree on one value. */
export async function ensureInstanceSetting(ex: Executor, key: string, make: () => string, now: number) {
  await ex
    .insertInto('instanceSettings')
    .values({ key, value: make(), updatedAt: now })
    .onConflict((oc) => oc.column('key').doNothing())
    .execute();
  const row = await ex.selectFrom('instanceSettings').select('value').where('key', '=', key).executeTakeFirstOrThrow();
  return row.value;
}
