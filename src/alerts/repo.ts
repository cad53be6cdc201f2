import { sql, type Selectable } from 'kysely';
import { serviceMemoKey, toService } from '../catalog/index.js';
import { primeMemo, type Db, type Executor } from '../db/index.js';
import { prepared, rowsOf } from '../db/prepared.js';
import { insertDeferred } from '../db/statements.js';
import { containsText } from '../db/text.js';
import type { AlertEventsTable, AlertGroupsTable, AlertsTable } from '../db/schema.js';
import type { Cursor } from '../shared/cursor.js';
import { newId } from '../shared/ids.js';
import { fromJsonText, toJsonText } from '../shared/json.js';
import type {
  AlertEventKind,
  AlertRef,
  AlertSource,
  AlertStatus,
  Classification,
  ContextLink,
  GroupRef,
  Severity,
} from './model.js';
import type { SuppressionReason } from './noise-model.js';

export interface Alert {
  id: string;
  serviceId: string;
  groupId: string;
  integrationKeyId: string | null;
  source: AlertSource;
  dedupKey: string;
  status: AlertStatus;
  severity: Severity;
  summary: string;
  description: string;
  labels: Record<string, string>;
  annotations: Record<string, string>;
  context: ContextLink[];
  isPaging: boolean;
  hasRunbook: boolean;
  /** A paging alert without a runbook link: shown as a warning, counted in alert-quality reports. */
  isMissingRunbook: boolean;
  sourceStartsAt: number | null;
  firstSeenAt: number;
  lastSeenAt: number;
  occurrenceCount: number;
  acknowledgedAt: number | null;
  acknowledgedByUserId: string | null;
  acknowledgedByLabel: string | null;
  resolvedAt: number | null;
  resolvedByUserId: string | null;
  resolvedByLabel: string | null;
  classification: Classification | null;
  classificationNote: string | null;
  createdAt: number;
  updatedAt: number;
  /** alertname, PagerDuty class, or the alert's name: the rule alert-quality reports group by. */
  ruleKey: string;
  isFlapping: boolean;
  /** Recorded but not paging: why (silenced, maintenance, flapping), by which silence or window, until when. */
  suppressedReason: SuppressionReason | null;
  suppressedById: string | null;
  suppressedUntil: number | null;
  /** When paging started; null while suppressed (or for an alert that never paged). */
  pagedAt: number | null;
  /** Raised through a game day's drill key (0027): every notification says DRILL; never auto-declares. */
  isDrill?: boolean;
  /** An acknowledged alert snoozed until then (it pages again unless resolved); absent or null: not snoozed. */
  snoozedUntil?: number | null;
}

export interface AlertEvent {
  id: string;
  alertId: string;
  at: number;
  kind: AlertEventKind;
  actorUserId: string | null;
  actorLabel: string;
  payloadId: string | null;
  details: Record<string, unknown>;
}

export interface AlertGroup {
  id: string;
  serviceId: string;
  groupKey: string;
  title: string;
  status: 'open' | 'resolved';
  alertCount: number;
  openCount: number;
  firstAlertAt: number;
  lastAlertAt: number;
  resolvedAt: number | null;
  isFlapping: boolean;
}

export function toAlert(row: Selectable<AlertsTable>): Alert {
  const { openKey: _o, ...rest } = row;
  const isPaging = row.isPaging === 1;
  const hasRunbook = row.hasRunbook === 1;
  return {
    ...rest,
    source: row.source as AlertSource,
    status: row.status as AlertStatus,
    severity: row.severity as Severity,
    labels: fromJsonText<Record<string, string>>(row.labels, {}),
    annotations: fromJsonText<Record<string, string>>(row.annotations, {}),
    context: fromJsonText<ContextLink[]>(row.context, []),
    isPaging,
    hasRunbook,
    isMissingRunbook: isPaging && !hasRunbook,
    classification: row.classification as Classification | null,
    isFlapping: row.isFlapping === 1,
    suppressedReason: row.suppressedReason as SuppressionReason | null,
    isDrill: row.isDrill === 1,
  };
}

const toEvent = (row: AlertEventsTable): AlertEvent => ({
  ...row,
  kind: row.kind as AlertEventKind,
  details: fromJsonText<Record<string, unknown>>(row.details, {}),
});

const toGroup = (row: Selectable<AlertGroupsTable>): AlertGroup => {
  const { createdAt: _c, updatedAt: _u, ...rest } = row;
  return { ...rest, status: row.status as AlertGroup['status'], isFlapping: row.isFlapping === 1 };
};

/**
 * Serialise every change to one service's alerts: intake and people's actions take this row lock first, so dedup
 * and grouping decisions never race across processes on PostgreSQL. SQLite has one writer already.
 */
export async function lockService(trx: Executor, engine: Db['engine'], serviceId: string): Promise<boolean> {
  const [row] = await rowsOf(trx, lockServiceQ(trx, serviceId, engine === 'postgres'));
  // The locked row is the service as this transaction sees it: paging's start reads it from the memo, not again.
  if (row) primeMemo(trx, serviceMemoKey(serviceId), toService(row));
  return row !== undefined;
}
const lockServiceQ = prepared('alerts.lockService', (ex: Executor, serviceId: string, isPostgres: boolean) => {
  const q = ex.selectFrom('services').selectAll().where('id', '=', serviceId);
  return isPostgres ? q.forUpdate() : q;
});

const refOf = (row: Pick<AlertsTable, 'id' | 'status' | 'sourceStartsAt'>): AlertRef => ({
  id: row.id,
  status: row.status as AlertStatus,
  sourceStartsAt: row.sourceStartsAt,
});

export const openKeyOf = (source: AlertSource, dedupKey: string): string => `${source}:${dedupKey}`;

export async function findOpenAlertRef(
  ex: Executor,
  serviceId: string,
  source: AlertSource,
  dedupKey: string,
): Promise<AlertRef | null> {
  const row = await ex
    .selectFrom('alerts')
    .select(['id', 'status', 'sourceStartsAt'])
    .where('serviceId', '=', serviceId)
    .where('openKey', '=', openKeyOf(source, dedupKey))
    .executeTakeFirst();
  return row ? refOf(row) : null;
}

/**
 * The newest alerts for a key (newest first, at most `limit`): the latest one for dedup decisions and their opening
 * times for flap detection, in one read.
 */
export async function recentAlertsForKey(
  ex: Executor,
  key: { serviceId: string; source: AlertSource; dedupKey: string },
  limit: number,
): Promise<(AlertRef & { createdAt: number })[]> {
  const rows = await ex
    .selectFrom('alerts')
    .select(['id', 'status', 'sourceStartsAt', 'createdAt'])
    .where('serviceId', '=', key.serviceId)
    .where('dedupKey', '=', key.dedupKey)
    .where('source', '=', key.source)
    .orderBy('id', 'desc')
    .limit(limit)
    .execute();
  return rows.map((r) => ({ ...refOf(r), createdAt: r.createdAt }));
}

/** A dedup key's newest alerts (newest first) and its open alert, if any: what intake decides dedup and flapping on. */
export interface KeyHistory {
  open: AlertRef | null;
  recent: (AlertRef & { createdAt: number })[];
}

export const historyKeyOf = (serviceId: string, source: string, dedupKey: string): string =>
  `${serviceId}\n${source}\n${dedupKey}`;

/** Keys per statement in the set-based reads below (SQLite allows 500 terms in a compound select). */
const KEYS_PER_READ = 200;

/**
 * `recentAlertsForKey` and `findOpenAlertRef` for many keys in one statement per 200 keys (intake reads a whole batch
 * at once): each key's newest `limit` alerts through the dedup index. A key's open alert is always its newest alert
 * (intake opens a new one only when none is open, and nothing reopens a resolved alert), so `open` is the newest row
 * when it still has its open key.
 */
export async function keyHistories(
  ex: Executor,
  keys: { serviceId: string; source: string; dedupKey: string }[],
  limit: number,
): Promise<Map<string, KeyHistory>> {
  const out = new Map<string, KeyHistory>();
  const unique = new Map(keys.map((k) => [historyKeyOf(k.serviceId, k.source, k.dedupKey), k]));
  for (const [id] of unique) out.set(id, { open: null, recent: [] });
  const all = [...unique.values()].map((k) => ({ serviceId: k.serviceId, source: k.source, dedupKey: k.dedupKey }));
  for (let i = 0; i < all.length; i += KEYS_PER_READ) {
    for (const r of await rowsOf(ex, keyHistoriesQ(ex, all.slice(i, i + KEYS_PER_READ), limit))) {
      const h = out.get(historyKeyOf(r.serviceId, r.source, r.dedupKey));
      if (!h) continue;
      h.recent.push({ ...refOf(r), createdAt: r.createdAt });
      // The newest row is the open alert while it keeps its open key (see above).
      if (r.openKey !== null && (h.open === null || r.id > h.open.id)) h.open = refOf(r);
    }
  }
  for (const h of out.values()) {
    h.recent.sort((a, b) => (a.id < b.id ? 1 : a.id > b.id ? -1 : 0));
  }
  return out;
}

const keyHistoriesQ = prepared(
  'alerts.keyHistories',
  (ex: Executor, keys: { serviceId: string; source: string; dedupKey: string }[], limit: number) => {
    const parts = keys.map((k) =>
      ex
        .selectFrom((eb) =>
          eb
            .selectFrom('alerts')
            .select(['id', 'status', 'sourceStartsAt', 'createdAt', 'serviceId', 'source', 'dedupKey', 'openKey'])
            .where('serviceId', '=', k.serviceId)
            .where('dedupKey', '=', k.dedupKey)
            .where('source', '=', k.source)
            .orderBy('id', 'desc')
            .limit(limit)
            .as('k'),
        )
        .selectAll(),
    );
    return parts.slice(1).reduce((q, p) => q.unionAll(p), parts[0]!);
  },
);

export async function findLatestAlertRef(
  ex: Executor,
  serviceId: string,
  source: AlertSource,
  dedupKey: string,
): Promise<AlertRef | null> {
  const row = await ex
    .selectFrom('alerts')
    .select(['id', 'status', 'sourceStartsAt'])
    .where('serviceId', '=', serviceId)
    .where('dedupKey', '=', dedupKey)
    .where('source', '=', source)
    .orderBy('id', 'desc')
    .limit(1)
    .executeTakeFirst();
  return row ? refOf(row) : null;
}

export async function findAlertRow(ex: Executor, id: string): Promise<Selectable<AlertsTable> | null> {
  return (await ex.selectFrom('alerts').selectAll().where('id', '=', id).executeTakeFirst()) ?? null;
}

export async function insertAlertEvent(
  ex: Executor,
  e: {
    alertId: string;
    kind: AlertEventKind;
    actorUserId?: string | null;
    actorLabel: string;
    payloadId?: string | null;
    details?: Record<string, unknown>;
  },
  now: number,
  /** `deferred`: the row may wait and go out with others in one insert (src/db/statements.ts; intake's hot path). */
  opts: { deferred?: boolean } = {},
): Promise<void> {
  const row = {
    id: newId('aev', now),
    alertId: e.alertId,
    at: now,
    kind: e.kind,
    actorUserId: e.actorUserId ?? null,
    actorLabel: e.actorLabel,
    payloadId: e.payloadId ?? null,
    details: toJsonText(e.details ?? {}),
  };
  if (opts.deferred) await insertDeferred(ex, 'alertEvents', row);
  else await ex.insertInto('alertEvents').values(row).execute();
}

export async function listAlertEvents(ex: Executor, alertId: string): Promise<AlertEvent[]> {
  const rows = await ex.selectFrom('alertEvents').selectAll().where('alertId', '=', alertId).orderBy('id').execute();
  return rows.map(toEvent);
}

export async function latestGroupRef(ex: Executor, serviceId: string, groupKey: string): Promise<GroupRef | null> {
  const row = await ex
    .selectFrom('alertGroups')
    .select(['id', 'openCount', 'lastAlertAt'])
    .where('serviceId', '=', serviceId)
    .where('groupKey', '=', groupKey)
    .orderBy('id', 'desc')
    .limit(1)
    .executeTakeFirst();
  return row ?? null;
}

export const groupRefKeyOf = (serviceId: string, groupKey: string): string => `${serviceId}\n${groupKey}`;

/** `latestGroupRef` for many (service, group key) pairs, one statement per 200 (intake reads a batch at once). */
export async function latestGroupRefs(
  ex: Executor,
  keys: { serviceId: string; groupKey: string }[],
): Promise<Map<string, GroupRef | null>> {
  const out = new Map<string, GroupRef | null>();
  const unique = new Map(keys.map((k) => [groupRefKeyOf(k.serviceId, k.groupKey), k]));
  for (const [id] of unique) out.set(id, null);
  const all = [...unique.values()].map((k) => ({ serviceId: k.serviceId, groupKey: k.groupKey }));
  for (let i = 0; i < all.length; i += KEYS_PER_READ) {
    for (const r of await rowsOf(ex, latestGroupRefsQ(ex, all.slice(i, i + KEYS_PER_READ)))) {
      out.set(groupRefKeyOf(r.serviceId, r.groupKey), { id: r.id, openCount: r.openCount, lastAlertAt: r.lastAlertAt });
    }
  }
  return out;
}

const latestGroupRefsQ = prepared(
  'alerts.latestGroupRefs',
  (ex: Executor, keys: { serviceId: string; groupKey: string }[]) => {
    const parts = keys.map((k) =>
      ex
        .selectFrom((eb) =>
          eb
            .selectFrom('alertGroups')
            .select(['id', 'openCount', 'lastAlertAt', 'serviceId', 'groupKey'])
            .where('serviceId', '=', k.serviceId)
            .where('groupKey', '=', k.groupKey)
            .orderBy('id', 'desc')
            .limit(1)
            .as('g'),
        )
        .selectAll(),
    );
    return parts.slice(1).reduce((q, p) => q.unionAll(p), parts[0]!);
  },
);

export async function findGroup(ex: Executor, id: string): Promise<AlertGroup | null> {
  const row = await ex.selectFrom('alertGroups').selectAll().where('id', '=', id).executeTakeFirst();
  return row ? toGroup(row) : null;
}

/**
 * Count one alert into its group, or one alert out of the open ones (resolved), without recounting the group.
 * Every writer of a service's alerts holds the service lock (lockService), so the increments cannot race.
 */
export async function bumpGroup(
  ex: Executor,
  groupId: string,
  change: 'opened' | 'resolved',
  now: number,
): Promise<void> {
  await bumpGroupBy(
    ex,
    groupId,
    change === 'opened' ? { alerts: 1, open: 1, lastAlertAt: now } : { alerts: 0, open: -1, lastAlertAt: null },
    now,
  );
}

/**
 * Several bumps of one group at once, as if applied one after another ending at `now` (intake sums a batch's):
 * `alerts` new alerts, `open` change in open ones, `lastAlertAt` the newest alert's time (null: none opened).
 */
export async function bumpGroupBy(
  ex: Executor,
  groupId: string,
  d: { alerts: number; open: number; lastAlertAt: number | null },
  now: number,
): Promise<void> {
  await ex.executeQuery(bumpGroupByQ(ex, groupId, { alerts: d.alerts, open: d.open, lastAlertAt: d.lastAlertAt }, now));
}
const bumpGroupByQ = prepared(
  'alerts.bumpGroupBy',
  (ex: Executor, groupId: string, d: { alerts: number; open: number; lastAlertAt: number | null }, now: number) =>
    ex
      .updateTable('alertGroups')
      .set({
        alertCount: sql<number>`alert_count + ${d.alerts}`,
        openCount: sql<number>`open_count + ${d.open}`,
        status: sql<string>`case when open_count + ${d.open} > 0 then 'open' else 'resolved' end`,
        resolvedAt: sql<number | null>`case when open_count + ${d.open} > 0 then null else cast(${now} as bigint) end`,
        ...(d.lastAlertAt !== null ? { lastAlertAt: d.lastAlertAt } : {}),
        updatedAt: now,
      })
      .where('id', '=', groupId),
);

/**
 * `bumpGroupBy` for several groups in one statement (an intake batch's groups): each row gets its own sums, chosen by
 * id, and every expression reads the row as it was, as the single update does.
 */
export async function bumpGroupsBy(
  ex: Executor,
  bumps: ReadonlyMap<string, { alerts: number; open: number; lastAlertAt: number | null; now: number }>,
): Promise<void> {
  const list = [...bumps].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  if (list.length === 0) return;
  if (list.length === 1) {
    const [id, d] = list[0]!;
    return bumpGroupBy(ex, id, d, d.now);
  }
  await ex.executeQuery(
    bumpGroupsByQ(
      ex,
      list.map(([id, d]) => ({ id, alerts: d.alerts, open: d.open, now: d.now, lastAlertAt: d.lastAlertAt })),
    ),
  );
}
type GroupBump = { id: string; alerts: number; open: number; now: number; lastAlertAt: number | null };
const bumpGroupsByQ = prepared('alerts.bumpGroupsBy', (ex: Executor, list: GroupBump[]) => {
  const byId = (value: (d: GroupBump) => number) =>
    sql`case id ${sql.join(
      list.map((d) => sql`when ${d.id} then cast(${value(d)} as bigint)`),
      sql` `,
    )} end`;
  const alerts = byId((d) => d.alerts);
  const open = byId((d) => d.open);
  const now = byId((d) => d.now);
  const last = list.filter((d) => d.lastAlertAt !== null);
  return ex
    .updateTable('alertGroups')
    .set({
      alertCount: sql<number>`alert_count + ${alerts}`,
      openCount: sql<number>`open_count + ${open}`,
      status: sql<string>`case when open_count + ${open} > 0 then 'open' else 'resolved' end`,
      resolvedAt: sql<number | null>`case when open_count + ${open} > 0 then null else ${now} end`,
      ...(last.length
        ? {
            lastAlertAt: sql<number>`case id ${sql.join(
              last.map((d) => sql`when ${d.id} then cast(${d.lastAlertAt} as bigint)`),
              sql` `,
            )} else last_alert_at end`,
          }
        : {}),
      updatedAt: sql<number>`${now}`,
    })
    .where(
      'id',
      'in',
      list.map((d) => d.id),
    );
});

/** Recount a group's alerts after a change; the group resolves when its last open alert does. */
export async function refreshGroup(ex: Executor, groupId: string, now: number, touched: boolean): Promise<void> {
  const counts = await ex
    .selectFrom('alerts')
    .select((eb) => [
      eb.fn.countAll<number>().as('total'),
      eb.fn.sum<number>(eb.case().when('status', '!=', 'resolved').then(1).else(0).end()).as('open'),
    ])
    .where('groupId', '=', groupId)
    .executeTakeFirstOrThrow();
  const open = Number(counts.open ?? 0);
  await ex
    .updateTable('alertGroups')
    .set({
      alertCount: Number(counts.total),
      openCount: open,
      status: open > 0 ? 'open' : 'resolved',
      resolvedAt: open > 0 ? null : now,
      ...(touched ? { lastAlertAt: now } : {}),
      updatedAt: now,
    })
    .where('id', '=', groupId)
    .execute();
}

export interface AlertFilter {
  status?: AlertStatus | 'open' | undefined;
  serviceId?: string | undefined;
  severity?: Severity | undefined;
  groupId?: string | undefined;
  q?: string | undefined;
  /** Rows after this sort key (keyset pagination: the last row of the previous page). */
  after?: Cursor | undefined;
  limit: number;
}

/**
 * Newest first by `(created_at, id)`, keyset-paginated (migration 0043 has an index for each filter): a page resumes
 * after the previous page's last row with a row-value comparison, so a deep page costs what the first one does, rows
 * with the same timestamp are ordered by id, and a row deleted between pages moves nothing.
 */
export async function listAlertRows(ex: Executor, f: AlertFilter): Promise<Alert[]> {
  let q = ex.selectFrom('alerts').selectAll().orderBy('createdAt', 'desc').orderBy('id', 'desc').limit(f.limit);
  // Written as the partial indexes of 0043 are (a literal, not a parameter), so both planners can use them.
  if (f.status === 'open') q = q.where(sql<boolean>`status <> 'resolved'`);
  else if (f.status) q = q.where('status', '=', f.status);
  if (f.serviceId) q = q.where('serviceId', '=', f.serviceId);
  if (f.severity) q = q.where('severity', '=', f.severity);
  if (f.groupId) q = q.where('groupId', '=', f.groupId);
  if (f.after) {
    const { at, id } = f.after;
    q = q.where(sql<boolean>`(created_at, id) < (${at}, ${id})`);
  }
  if (f.q) {
    const text = f.q;
    q = q.where((eb) => eb.or([containsText('summary', text), containsText('dedup_key', text)]));
  }
  return (await q.execute()).map(toAlert);
}
