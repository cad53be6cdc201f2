import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';
import type { JobBacklog } from '../jobs/index.js';
import type { PoolStats } from '../db/index.js';

/** The backlog operators alert on (docs/insights.md, "Prometheus gauges"), read at scrape time: one count each. */
export interface BacklogSource {
  /** Real incidents not resolved, per severity. */
  incidentsOpen(): Promise<Record<string, number>>;
  postmortemsOverdue(): Promise<number>;
  actionItemsOpen(): Promise<number>;
  actionItemsOverdue(): Promise<number>;
}

/** Read at scrape time, at most once per `SCRAPE_CACHE_MS` however many gauges or scrapers ask. */
export interface OperationsSource {
  /** Every job kind's backlog (src/jobs/repo.ts `jobBacklog`), now. */
  jobBacklog(): Promise<JobBacklog[]>;
  /** The intake limiter's requests running and waiting in this process. */
  intakeQueue(): { inFlight: number; queued: number };
  /** PostgreSQL pool: connections of this process (null on SQLite: one connection, no pool). */
  pool(): PoolStats | null;
}

/** Database reads made for a scrape are shared for this long (several Prometheus servers, or a quick re-scrape). */
export const SCRAPE_CACHE_MS = 5_000;
/** A due job waiting longer than this counts as overdue (the runners poll every second and wake on NOTIFY). */
export const JOB_OVERDUE_AFTER_MS = 60_000;

/** What an intake event came to, for `muster_intake_events_total{source,outcome}`. */
export type IntakeEventOutcome = 'accepted' | 'deduplicated' | 'rejected' | 'throttled';

export interface Metrics {
  registry: Registry;
  httpDuration: Histogram<'method' | 'route' | 'status'>;
  jobOutcomes: Counter<'kind' | 'outcome'>;
  jobDuration: Histogram<'kind'>;
  /** Notification sends by channel and outcome (sent, failed_*, unreachable, refused_busy, refused_breaker, skipped). */
  notificationSends: Counter<'channel' | 'outcome'>;
  /** Destinations whose circuit breaker is open (read at scrape time from `setOpenBreakers`'s source). */
  notificationBreakersOpen: Gauge;
  setOpenBreakers(count: () => number): void;
  /** The backlog gauges' source (`muster_incidents_open`, `muster_postmortems_overdue`, `muster_action_items_*`). */
  setBacklog(source: BacklogSource): void;
  /** Alerts (or whole messages) intake could not apply and recorded in the service's intake error log. */
  intakeRejected: Counter<'source'>;
  /** Intake events by source and outcome: accepted (new alert, acknowledge, resolve), deduplicated, rejected, throttled. */
  intakeEvents: Counter<'source' | 'outcome'>;
  /** Deliveries by channel and final outcome (sent, failed, skipped): one per delivery, counted once it is final. */
  notificationDeliveries: Counter<'channel' | 'outcome'>;
  /** Pages (deliveries for an alert) whose send succeeded, by channel. */
  pagesSent: Counter<'channel'>;
  /** How late an escalation step (or the first page's fallback job) started after its time. */
  escalationStepLateness: Histogram;
  /** Server-sent event streams open in this process, by stream (alerts, incident room, remediation run). */
  liveStreams: Gauge<'stream'>;
  /** PostgreSQL: how long each checkout waited for a pool connection (src/db/pg-pool.ts observePoolAcquire). */
  dbPoolAcquire: Histogram;
  setOperations(source: OperationsSource): void;
}

/** Shares one in-flight or recent read between every gauge a scrape collects. */
function cachedRead<T>(read: () => Promise<T>, ttlMs: number): () => Promise<T> {
  let last: { at: number; value: Promise<T> } | null = null;
  return () => {
    const now = Date.now();
    if (last && now - last.at < ttlMs) return last.value;
    const value = read();
    last = { at: now, value };
    // A failed read is not cached: the next scrape tries again.
    value.catch(() => {
      if (last?.value === value) last = null;
    });
    return value;
  };
}

/**
 * prom-client's default Node.js gauges `nodejs_active_{handles,requests,resources}_total` are gauges named like
 * counters, which `promtool check metrics` refuses (exit 3). They are dropped: the same figures by type are
 * `muster_nodejs_active_{handles,requests,resources}` (sum them for the totals).
 */
function dropTotalSuffixedGauges(registry: Registry): void {
  for (const what of ['handles', 'requests', 'resources'])
    registry.removeSingleMetric(`muster_nodejs_active_${what}_total`);
}

export function createMetrics(): Metrics {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry, prefix: 'muster_' });
  dropTotalSuffixedGauges(registry);
  let openBreakers: () => number = () => 0;
  let backlog: BacklogSource | null = null;
  /** A read that fails (the database unavailable) keeps the gauge's last value rather than failing the scrape. */
  const backlogGauge = (name: string, help: string, read: (s: BacklogSource) => Promise<number>) =>
    new Gauge({
      name,
      help,
      registers: [registry],
      async collect() {
        if (!backlog) return;
        try {
          this.set(await read(backlog));
        } catch {
          /* keep the last value */
        }
      },
    });
  new Gauge({
    name: 'muster_incidents_open',
    help: 'Real incidents (not drills or imports) not resolved, by severity',
    labelNames: ['severity'],
    registers: [registry],
    async collect() {
      if (!backlog) return;
      try {
        for (const [severity, n] of Object.entries(await backlog.incidentsOpen())) this.set({ severity }, n);
      } catch {
        /* keep the last values */
      }
    },
  });
  backlogGauge(
    'muster_postmortems_overdue',
    'Post-mortems of real incidents not published and past their due date',
    (s) => s.postmortemsOverdue(),
  );
  backlogGauge(
    'muster_action_items_open',
    'Action items open or in progress (not of a drill or an imported incident)',
    (s) => s.actionItemsOpen(),
  );
  backlogGauge(
    'muster_action_items_overdue',
    'Action items open or in progress and past their due date (not of a drill or an imported incident)',
    (s) => s.actionItemsOverdue(),
  );
  let operations: OperationsSource | null = null;
  let backlogRead: (() => Promise<JobBacklog[]>) | null = null;
  /** The job gauges share one read per scrape; a read that fails keeps every gauge's last values. */
  const jobGauge = (name: string, help: string, value: (b: JobBacklog, now: number) => number | null) =>
    new Gauge({
      name,
      help,
      labelNames: ['kind'],
      registers: [registry],
      async collect() {
        if (!backlogRead) return;
        let rows: JobBacklog[];
        try {
          rows = await backlogRead();
        } catch {
          return;
        }
        // Kinds that no longer have jobs disappear rather than keep their last value.
        this.reset();
        const now = Date.now();
        for (const b of rows) {
          const v = value(b, now);
          if (v !== null) this.set({ kind: b.kind }, v);
        }
      },
    });
  jobGauge('muster_jobs_pending', 'Jobs waiting to run (not claimed), by kind, whatever their time', (b) => b.pending);
  jobGauge('muster_jobs_due', 'Jobs pending whose time has come, by kind', (b) => b.due);
  jobGauge(
    'muster_jobs_overdue',
    `Jobs pending and due for more than ${JOB_OVERDUE_AFTER_MS / 1000} s, by kind: the runners are not keeping up`,
    (b) => b.overdue,
  );
  jobGauge(
    'muster_jobs_oldest_due_age_seconds',
    'How long the oldest due job has waited since its time, by kind (absent when none is due)',
    (b, now) => (b.oldestDueAt === null ? null : Math.max(0, (now - b.oldestDueAt) / 1000)),
  );
  jobGauge('muster_jobs_running', 'Jobs claimed by a runner now, by kind', (b) => b.running);
  jobGauge('muster_jobs_dead', 'Jobs that gave up (permanent failure or attempts exhausted), by kind', (b) => b.dead);
  new Gauge({
    name: 'muster_intake_in_flight',
    help: 'Intake requests being applied in this process (at most intake.maxInFlight)',
    registers: [registry],
    collect() {
      if (operations) this.set(operations.intakeQueue().inFlight);
    },
  });
  new Gauge({
    name: 'muster_intake_queued',
    help: 'Intake requests waiting for a slot in this process (beyond intake.maxQueued they are refused: throttled)',
    registers: [registry],
    collect() {
      if (operations) this.set(operations.intakeQueue().queued);
    },
  });
  new Gauge({
    name: 'muster_db_pool_connections',
    help: 'PostgreSQL pool connections of this process, by state (idle, in_use); absent on SQLite',
    labelNames: ['state'],
    registers: [registry],
    collect() {
      const p = operations?.pool();
      if (!p) return;
      this.set({ state: 'idle' }, p.idle);
      this.set({ state: 'in_use' }, p.total - p.idle);
    },
  });
  new Gauge({
    name: 'muster_db_pool_waiting',
    help: 'Queries or transactions of this process waiting for a PostgreSQL pool connection now',
    registers: [registry],
    collect() {
      const p = operations?.pool();
      if (p) this.set(p.waiting);
    },
  });
  return {
    registry,
    notificationSends: new Counter({
      name: 'muster_notification_sends_total',
      help: 'Notification sends by channel and outcome (sent, failed_transient, failed_permanent, unreachable, refused_busy, refused_breaker, skipped)',
      labelNames: ['channel', 'outcome'],
      registers: [registry],
    }),
    notificationBreakersOpen: new Gauge({
      name: 'muster_notification_breakers_open',
      help: 'Notification destinations (hosts, provider accounts) whose circuit breaker is open in this process',
      registers: [registry],
      collect() {
        this.set(openBreakers());
      },
    }),
    setOpenBreakers(count) {
      openBreakers = count;
    },
    setBacklog(source) {
      backlog = source;
    },
    httpDuration: new Histogram({
      name: 'muster_http_request_duration_seconds',
      help: 'HTTP request duration by route template',
      labelNames: ['method', 'route', 'status'],
      buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5],
      registers: [registry],
    }),
    jobOutcomes: new Counter({
      name: 'muster_jobs_total',
      help: 'Jobs run, by kind and outcome (succeeded, retried, dead, stale)',
      labelNames: ['kind', 'outcome'],
      registers: [registry],
    }),
    jobDuration: new Histogram({
      name: 'muster_job_duration_seconds',
      help: 'Job handler duration',
      labelNames: ['kind'],
      buckets: [0.001, 0.005, 0.01, 0.05, 0.1, 0.5, 1, 5, 30],
      registers: [registry],
    }),
    setOperations(source) {
      operations = source;
      backlogRead = cachedRead(() => source.jobBacklog(), SCRAPE_CACHE_MS);
    },
    intakeEvents: new Counter({
      name: 'muster_intake_events_total',
      help: 'Intake events by source and outcome (accepted: a new alert, acknowledge or resolve; deduplicated: folded into an open alert or ignored as a repeat; rejected: invalid; throttled: refused busy)',
      labelNames: ['source', 'outcome'],
      registers: [registry],
    }),
    notificationDeliveries: new Counter({
      name: 'muster_notification_deliveries_total',
      help: 'Notification deliveries by channel and final outcome (sent, failed, skipped), counted once each when final',
      labelNames: ['channel', 'outcome'],
      registers: [registry],
    }),
    pagesSent: new Counter({
      name: 'muster_pages_sent_total',
      help: 'Pages (notifications for an alert) sent, by channel',
      labelNames: ['channel'],
      registers: [registry],
    }),
    escalationStepLateness: new Histogram({
      name: 'muster_escalation_step_lateness_seconds',
      help: 'How late an escalation step job started after its scheduled time (first try)',
      buckets: [0.1, 0.5, 1, 2, 5, 10, 30, 60, 120, 300],
      registers: [registry],
    }),
    dbPoolAcquire: new Histogram({
      name: 'muster_db_pool_acquire_seconds',
      help: 'How long a query or transaction waited for a PostgreSQL pool connection (idle, newly connected or given back)',
      buckets: [0.001, 0.005, 0.01, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 10],
      registers: [registry],
    }),
    liveStreams: new Gauge({
      name: 'muster_live_streams_open',
      help: 'Server-sent event streams open in this process, by stream',
      labelNames: ['stream'],
      registers: [registry],
    }),
    intakeRejected: new Counter({
      name: 'muster_intake_rejected_items_total',
      help: 'Alerts or messages intake could not apply (recorded in the service intake error log), by source',
      labelNames: ['source'],
      registers: [registry],
    }),
  };
}
