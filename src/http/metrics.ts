import { Counter, Histogram, Registry, collectDefaultMetrics } from 'prom-client';

export interface Metrics {
  registry: Registry;
  httpDuration: Histogram<'method' | 'route' | 'status'>;
  jobOutcomes: Counter<'kind' | 'outcome'>;
  jobDuration: Histogram<'kind'>;
  /** Alerts (or whole messages) intake could not apply and recorded in the service's intake error log. */
  intakeRejected: Counter<'source'>;
}

export function createMetrics(): Metrics {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry, prefix: 'muster_' });
  return {
    registry,
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
