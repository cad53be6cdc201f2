/**
 * The Prometheus rule and Alertmanager configuration the end-to-end test runs, kept apart from the test so the
 * docs (docs/integrations/alertmanager.md) and the test show the same thing.
 */

/** The seed's HighErrorRate rule with test-sized windows: 5xx over all requests above 5 %, per service. */
export function highErrorRateRules(opts: { window?: string; for?: string } = {}): object[] {
  const w = opts.window ?? '5s';
  return [
    {
      name: 'muster-e2e',
      rules: [
        {
          alert: 'HighErrorRate',
          expr:
            `sum by (service) (rate(http_requests_total{status=~"5.."}[${w}]))` +
            ` / sum by (service) (rate(http_requests_total[${w}])) > 0.05`,
          for: opts.for ?? '2s',
          labels: { severity: 'page' },
          annotations: {
            summary: 'Error rate above 5% for {{ $labels.service }}',
            dashboard: 'https://grafana.internal/d/service-health?var-service={{ $labels.service }}',
            runbook: 'https://wiki.internal/runbooks/high-error-rate',
            recent_deploys: 'https://deploy.internal/history?service={{ $labels.service }}&last=2h',
          },
        },
      ],
    },
  ];
}

export const RUNBOOK_URL = 'https://wiki.internal/runbooks/high-error-rate';
export const dashboardUrl = (service: string): string =>
  `https://grafana.internal/d/service-health?var-service=${service}`;
export const deploysUrl = (service: string): string => `https://deploy.internal/history?service=${service}&last=2h`;

export interface MusterReceivers {
  musterUrl: string;
  alertmanagerKey: string;
  pagerdutyKey: string;
  /** 'path': the key in the URL; 'bearer': the bare URL with http_config.authorization. */
  webhookAuth: 'path' | 'bearer';
}

/**
 * Alertmanager fanning every alert out to Muster twice: the webhook receiver and the PagerDuty receiver
 * (`continue: true` routes, wire-formats §5.3), with short group timings so a test sees notifications in seconds.
 */
export function alertmanagerConfig(r: MusterReceivers): object {
  const base = r.musterUrl.replace(/\/$/, '');
  const webhook =
    r.webhookAuth === 'path'
      ? { url: `${base}/integrations/alertmanager/${r.alertmanagerKey}`, send_resolved: true }
      : {
          url: `${base}/integrations/alertmanager`,
          send_resolved: true,
          http_config: { authorization: { type: 'Bearer', credentials: r.alertmanagerKey } },
        };
  return {
    route: {
      receiver: 'muster-webhook',
      group_by: ['alertname', 'service'],
      group_wait: '1s',
      group_interval: '2s',
      repeat_interval: '1h',
      routes: [
        { receiver: 'muster-webhook', continue: true },
        { receiver: 'muster-pagerduty', continue: true },
      ],
    },
    receivers: [
      { name: 'muster-webhook', webhook_configs: [webhook] },
      {
        name: 'muster-pagerduty',
        pagerduty_configs: [
          {
            url: `${base}/v2/enqueue`,
            routing_key: r.pagerdutyKey,
            severity: '{{ .CommonLabels.severity }}',
            class: '{{ .CommonLabels.alertname }}',
            component: '{{ .CommonLabels.service }}',
            // Added to Alertmanager's default details (firing, resolved, num_firing, num_resolved).
            details: {
              runbook: '{{ .CommonAnnotations.runbook }}',
              dashboard: '{{ .CommonAnnotations.dashboard }}',
              recent_deploys: '{{ .CommonAnnotations.recent_deploys }}',
            },
          },
        ],
      },
    ],
  };
}
