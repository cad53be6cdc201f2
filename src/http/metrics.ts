import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';

/** The backlog operators alert on (docs/insights.md, "Prometheus gauges"), read at scrape time: one count each. */
export interface BacklogSource {
  /** Real incidents not resolved, per severity. */
  incidentsOpen(): Promise<Record<string, number>>;
  postmortemsOverdue(): Promise<number>;
  actionItemsOpen(): Promise<number>;
  actionItemsOverdue(): Promise<number>;
}

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
}

export function createMetrics(): Metrics {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry, prefix: 'muster_' });
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
    intakeRejected: new Counter({
      name: 'muster_intake_rejected_items_total',
      help: 'Alerts or messages intake could not apply (recorded in the service intake error log), by source',
      labelNames: ['source'],
      registers: [registry],
    }),
  };
}
