/**
 * A batch of page claims read at once (issue 18, set-based paging). A page's claim asks two things of its escalation
 * run: is the page still wanted (`isPageStillWanted`), and how is it worded now (`refreshPage`, a run's alerts as they
 * are when it is sent). Asked per delivery, that is about seven statements per page; `primePageClaims` reads what
 * every delivery of a claim batch needs in three statements for the whole batch, and remembers it for the claim's
 * transaction, where the two questions find it. The claim transaction changes none of these rows (it only records
 * deliveries), so what is remembered stays true until it commits. A run not read here is asked about as before.
 */
import type { Selectable } from 'kysely';
import { memoInTransaction, primeMemo, type Executor } from '../db/index.js';
import { prepared, rowsOf } from '../db/prepared.js';
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

// Prepared (src/db/prepared.ts): built and compiled once per number of ids, not per claim batch.
const runsWithAlertsQ = prepared('escalation.primePageClaims.runs', (ex: Executor, runIds: string[]) =>
  ex
    .selectFrom('escalationRuns as r')
    .leftJoin('escalationRunAlerts as ra', 'ra.runId', 'r.id')
    .leftJoin('alerts as a', 'a.id', 'ra.alertId')
    .select([
      'r.id as runId',
      'r.alertId as leadId',
      'r.urgency',
      'r.status as runStatus',
      'a.id',
      'a.status',
      'a.summary',
      'a.severity',
      'a.snoozedUntil',
      'ra.joinedAt',
    ])
    .where('r.id', 'in', runIds)
    .orderBy('ra.joinedAt')
    .orderBy('a.id'),
);

const firstAlertsQ = prepared('escalation.primePageClaims.firstAlerts', (ex: Executor, alertIds: string[]) =>
  ex
    .selectFrom('alerts as a')
    .leftJoin('services as s', 's.id', 'a.serviceId')
    .selectAll('a')
    .select('s.name as serviceName')
    .where('a.id', 'in', alertIds),
);

const bridgesQ = prepared('escalation.primePageClaims.bridges', (ex: Executor, alertIds: string[]) =>
  ex
    .selectFrom('incidentAlerts as ia')
    .innerJoin('incidents as i', 'i.id', 'ia.incidentId')
    .innerJoin('incidentBridges as b', 'b.incidentId', 'i.id')
    .select(['ia.alertId', 'b.url', 'b.dialIn'])
    .where('ia.alertId', 'in', alertIds)
    .where('i.status', '<>', 'resolved')
    .orderBy('i.id', 'desc'),
);

/** Read, for the claim transaction `trx`, what the pages of these runs need to be checked and worded. */
export async function primePageClaims(trx: Executor, runIds: readonly string[]): Promise<void> {
  const ids = [...new Set(runIds)];
  if (ids.length === 0 || !trx.isTransaction) return;
  // The runs and their alerts in one read (a run without alert rows still comes back, with nulls).
  const rows = await rowsOf(trx, runsWithAlertsQ(trx, ids));
  if (rows.length === 0) return;
  const runs = new Map<string, PrimedRun['run']>();
  const byRun = new Map<string, PrimedRunAlert[]>();
  for (const m of rows) {
    if (!runs.has(m.runId)) {
      runs.set(m.runId, { id: m.runId, alertId: m.leadId, urgency: m.urgency, status: m.runStatus });
      byRun.set(m.runId, []);
    }
    if (m.id === null || m.status === null || m.summary === null || m.severity === null || m.joinedAt === null)
      continue;
    byRun.get(m.runId)!.push({
      id: m.id,
      status: m.status,
      summary: m.summary,
      severity: m.severity,
      joinedAt: m.joinedAt,
      snoozedUntil: m.snoozedUntil,
    });
  }
  const entries = [...runs.values()].map((run) => {
    const members = byRun.get(run.id) ?? [];
    const alerts = [...members.filter((r) => r.id === run.alertId), ...members.filter((r) => r.id !== run.alertId)];
    const firstId = alerts.find((a) => a.status === 'triggered')?.id ?? null;
    return { run, alerts, firstId };
  });
  const firstIds = [...new Set(entries.flatMap((e) => (e.firstId ? [e.firstId] : [])))];
  // The first alerts' rows with their services' names in one read.
  const firstRows = firstIds.length ? await rowsOf(trx, firstAlertsQ(trx, firstIds)) : [];
  const alertById = new Map(firstRows.map(({ serviceName, ...row }) => [row.id, { row, serviceName }]));
  // The bridge of the newest open incident each first alert is linked to (as bridgeOfAlert).
  const bridges = firstIds.length ? await rowsOf(trx, bridgesQ(trx, firstIds)) : [];
  const bridgeOf = new Map<string, { url: string; dialIn: string }>();
  for (const b of bridges) if (!bridgeOf.has(b.alertId)) bridgeOf.set(b.alertId, { url: b.url, dialIn: b.dialIn });
  const memo = await primed(trx);
  const fresh = new Map(memo);
  for (const e of entries) {
    const first = e.firstId ? alertById.get(e.firstId) : undefined;
    fresh.set(e.run.id, {
      run: e.run,
      alerts: e.alerts,
      first: first?.row ?? null,
      serviceName: first?.serviceName ?? null,
      bridge: e.firstId ? (bridgeOf.get(e.firstId) ?? null) : null,
    });
  }
  primeMemo(trx, PAGE_CLAIMS_MEMO, fresh);
}
