/**
 * A batch of page claims read at once (issue 18, set-based paging). A page's claim asks two things of its escalation
 * run: is the page still wanted (`isPageStillWanted`), and how is it worded now (`refreshPage`, a run's alerts as they
 * are when it is sent). Asked per delivery, that is about seven statements per page; `primePageClaims` reads what
 * every delivery of a claim batch needs in five statements for the whole batch, and remembers it for the claim's
 * transaction, where the two questions find it. The claim transaction changes none of these rows (it only records
 * deliveries), so what is remembered stays true until it commits. A run not read here is asked about as before.
 */
import type { Selectable } from 'kysely';
import { memoInTransaction, primeMemo, type Executor } from '../db/index.js';
import type { AlertsTable } from '../db/schema.js';

export interface PrimedRunAlert {
  id: string;
  status: string;
  summary: string;
  severity: string;
  joinedAt: number;
  snoozedUntil: number | null;
}

export interface PrimedRun {
  run: { id: string; alertId: string; urgency: string; status: string };
  /** Every alert of the run, lead first, then in the order they joined (as `runAlerts`). */
  alerts: PrimedRunAlert[];
  /** The full row of the run's first triggered alert (what the page leads with), if any. */
  first: Selectable<AlertsTable> | null;
  serviceName: string | null;
  bridge: { url: string; dialIn: string } | null;
}

const PAGE_CLAIMS_MEMO = 'escalation:page-claims';

const primed = (ex: Executor): Promise<Map<string, PrimedRun>> =>
  memoInTransaction(ex, PAGE_CLAIMS_MEMO, () => Promise.resolve(new Map<string, PrimedRun>()));

/** What `primePageClaims` read for this run in this transaction, or undefined (ask the database). */
export async function primedRun(ex: Executor, runId: string): Promise<PrimedRun | undefined> {
  if (!ex.isTransaction) return undefined;
  return (await primed(ex)).get(runId);
}

/** Read, for the claim transaction `trx`, what the pages of these runs need to be checked and worded. */
export async function primePageClaims(trx: Executor, runIds: readonly string[]): Promise<void> {
  const ids = [...new Set(runIds)];
  if (ids.length === 0 || !trx.isTransaction) return;
  const runs = await trx
    .selectFrom('escalationRuns')
    .select(['id', 'alertId', 'urgency', 'status'])
    .where('id', 'in', ids)
    .execute();
  if (runs.length === 0) return;
  const members = await trx
    .selectFrom('escalationRunAlerts as ra')
    .innerJoin('alerts as a', 'a.id', 'ra.alertId')
    .select(['ra.runId', 'a.id', 'a.status', 'a.summary', 'a.severity', 'a.snoozedUntil', 'ra.joinedAt'])
    .where(
      'ra.runId',
      'in',
      runs.map((r) => r.id),
    )
    .orderBy('ra.joinedAt')
    .orderBy('a.id')
    .execute();
  const byRun = new Map<string, PrimedRunAlert[]>();
  for (const m of members) {
    const list = byRun.get(m.runId) ?? [];
    list.push({
      id: m.id,
      status: m.status,
      summary: m.summary,
      severity: m.severity,
      joinedAt: m.joinedAt,
      snoozedUntil: m.snoozedUntil,
    });
    byRun.set(m.runId, list);
  }
  const entries = runs.map((run) => {
    const rows = byRun.get(run.id) ?? [];
    const alerts = [...rows.filter((r) => r.id === run.alertId), ...rows.filter((r) => r.id !== run.alertId)];
    const firstId = alerts.find((a) => a.status === 'triggered')?.id ?? null;
    return { run, alerts, firstId };
  });
  const firstIds = [...new Set(entries.flatMap((e) => (e.firstId ? [e.firstId] : [])))];
  const firstRows = firstIds.length
    ? await trx.selectFrom('alerts').selectAll().where('id', 'in', firstIds).execute()
    : [];
  const alertById = new Map(firstRows.map((r) => [r.id, r]));
  const serviceIds = [...new Set(firstRows.map((r) => r.serviceId))];
  const services = serviceIds.length
    ? await trx.selectFrom('services').select(['id', 'name']).where('id', 'in', serviceIds).execute()
    : [];
  const serviceName = new Map(services.map((s) => [s.id, s.name]));
  // The bridge of the newest open incident each first alert is linked to (as bridgeOfAlert).
  const bridges = firstIds.length
    ? await trx
        .selectFrom('incidentAlerts as ia')
        .innerJoin('incidents as i', 'i.id', 'ia.incidentId')
        .innerJoin('incidentBridges as b', 'b.incidentId', 'i.id')
        .select(['ia.alertId', 'b.url', 'b.dialIn'])
        .where('ia.alertId', 'in', firstIds)
        .where('i.status', '<>', 'resolved')
        .orderBy('i.id', 'desc')
        .execute()
    : [];
  const bridgeOf = new Map<string, { url: string; dialIn: string }>();
  for (const b of bridges) if (!bridgeOf.has(b.alertId)) bridgeOf.set(b.alertId, { url: b.url, dialIn: b.dialIn });
  const memo = await primed(trx);
  const fresh = new Map(memo);
  for (const e of entries) {
    const first = e.firstId ? (alertById.get(e.firstId) ?? null) : null;
    fresh.set(e.run.id, {
      run: e.run,
      alerts: e.alerts,
      first,
      serviceName: first ? (serviceName.get(first.serviceId) ?? null) : null,
      bridge: e.firstId ? (bridgeOf.get(e.firstId) ?? null) : null,
    });
  }
  primeMemo(trx, PAGE_CLAIMS_MEMO, fresh);
}
