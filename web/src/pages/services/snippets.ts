/**
 * Copy-paste configuration per intake source, with this server's URL and (right after creating a key) the key
 * itself filled in. Kept in step with docs/integrations/*.md and the intake routes (src/http/routes/intake.ts).
 */
import type { KeySource } from '../alerts/types.js';

export const SOURCE_TEXT: Record<KeySource, string> = {
  alertmanager: 'Alertmanager',
  grafana: 'Grafana',
  pagerduty: 'PagerDuty Events v2',
  generic: 'Generic webhook',
  change: 'Change events',
};

export const SOURCE_HELP: Record<KeySource, string> = {
  alertmanager: 'Prometheus Alertmanager webhook receiver: one Muster alert per Alertmanager alert, all labels kept.',
  grafana: 'Grafana alerting webhook contact point: dashboard, panel and silence links kept.',
  pagerduty: 'Anything that sends to PagerDuty (Events API v2): change the URL, use this key as the routing key.',
  generic: 'Scripts, cron jobs and CI: POST a small JSON body.',
  change: 'Deploys and config changes (PagerDuty change events). They page nobody; responders see them next to alerts.',
};

export const SOURCE_DOC: Record<KeySource, string> = {
  alertmanager: 'docs/integrations/alertmanager.md',
  grafana: 'docs/integrations/grafana.md',
  pagerduty: 'docs/integrations/pagerduty-events.md',
  generic: 'docs/integrations/generic-webhook.md',
  change: 'docs/integrations/pagerduty-events.md',
};

export interface Snippet {
  title: string;
  /** yaml, sh, text: shown as a label only */
  lang: string;
  text: string;
}

/** The server's base URL from an endpoint the API returned for a new key (it knows its public URL). */
export function baseFromEndpoint(endpoint: string): string {
  return endpoint.replace(/\/(integrations|v2)\/.*$/, '').replace(/\/$/, '');
}

export function endpointFor(source: KeySource, base: string, key: string): string {
  switch (source) {
    case 'alertmanager':
    case 'grafana':
    case 'generic':
      return `${base}/integrations/${source}/${key}`;
    case 'pagerduty':
      return `${base}/v2/enqueue`;
    case 'change':
      return `${base}/v2/change/enqueue`;
  }
}

export function snippetsFor(source: KeySource, base: string, key: string, service: string): Snippet[] {
  switch (source) {
    case 'alertmanager':
      return [
        {
          title: 'alertmanager.yml: webhook receiver (key in the URL)',
          lang: 'yaml',
          text: `route:
  receiver: muster
  group_by: ['alertname', 'service']
  group_wait: 30s
  group_interval: 5m
  repeat_interval: 4h
receivers:
  - name: muster
    webhook_configs:
      - url: ${base}/integrations/alertmanager/${key}
        send_resolved: true`,
        },
        {
          title: 'Or keep the key out of the URL (http_config)',
          lang: 'yaml',
          text: `receivers:
  - name: muster
    webhook_configs:
      - url: ${base}/integrations/alertmanager
        send_resolved: true
        http_config:
          authorization:
            type: Bearer
            credentials: ${key}     # or credentials_file: /etc/alertmanager/muster-key`,
        },
        {
          title: 'A rule that gives the person paged somewhere to start',
          lang: 'yaml',
          text: `      - alert: HighErrorRate
        expr: sum by (service) (rate(http_requests_total{status=~"5.."}[5m]))
          / sum by (service) (rate(http_requests_total[5m])) > 0.05
        for: 5m
        labels:
          severity: page
        annotations:
          summary: "Error rate above 5% for {{ $labels.service }}"
          runbook: "https://wiki.internal/runbooks/high-error-rate"
          dashboard: "https://grafana.internal/d/service-health?var-service={{ $labels.service }}"
          recent_deploys: "https://deploy.internal/history?service={{ $labels.service }}&last=2h"`,
        },
      ];
    case 'grafana':
      return [
        {
          title: 'Grafana → Alerting → Contact points → New, integration “Webhook”',
          lang: 'text',
          text: `URL:          ${base}/integrations/grafana/${key}
HTTP Method:  POST
Keep “Disable resolved message” off: Muster resolves alerts from it.`,
        },
        {
          title: 'Or provisioned (key in the Authorization header)',
          lang: 'yaml',
          text: `apiVersion: 1
contactPoints:
  - orgId: 1
    name: muster
    receivers:
      - uid: muster-webhook
        type: webhook
        settings:
          url: ${base}/integrations/grafana
          httpMethod: POST
          authorization_scheme: Bearer
          authorization_credentials: ${key}`,
        },
      ];
    case 'pagerduty':
      return [
        {
          title: 'Events API v2',
          lang: 'text',
          text: `URL:          ${base}/v2/enqueue
Routing key:  ${key}`,
        },
        {
          title: 'alertmanager.yml: PagerDuty receiver pointed at Muster',
          lang: 'yaml',
          text: `receivers:
  - name: muster-pagerduty
    pagerduty_configs:
      - url: ${base}/v2/enqueue
        routing_key: ${key}
        severity: '{{ .CommonLabels.severity }}'
        class: '{{ .CommonLabels.alertname }}'
        component: '{{ .CommonLabels.service }}'
        details:
          runbook: '{{ .CommonAnnotations.runbook }}'
          dashboard: '{{ .CommonAnnotations.dashboard }}'
          recent_deploys: '{{ .CommonAnnotations.recent_deploys }}'`,
        },
        {
          title: 'Try it',
          lang: 'sh',
          text: `curl -s -XPOST ${base}/v2/enqueue \\
  -H 'Content-Type: application/json' -d '{
  "routing_key": "${key}",
  "event_action": "trigger",
  "dedup_key": "disk-full/db-1",
  "payload": {
    "summary": "Disk 95% full on db-1",
    "source": "db-1",
    "severity": "critical",
    "custom_details": {"runbook_url": "https://wiki.internal/runbooks/disk-full"}
  }
}'`,
        },
      ];
    case 'generic':
      return [
        {
          title: 'Fire',
          lang: 'sh',
          text: `curl -s -XPOST ${base}/integrations/generic/${key} \\
  -H 'Content-Type: application/json' -d '{
  "status": "firing",
  "dedupKey": "backup-failed/db-1",
  "title": "Nightly backup of db-1 failed",
  "severity": "error",
  "labels": {"host": "db-1", "service": "${service}"},
  "annotations": {"runbook_url": "https://wiki.internal/runbooks/backup"}
}'`,
        },
        {
          title: 'Resolve',
          lang: 'sh',
          text: `curl -s -XPOST ${base}/integrations/generic/${key} \\
  -H 'Content-Type: application/json' \\
  -d '{"status": "resolved", "dedupKey": "backup-failed/db-1"}'`,
        },
      ];
    case 'change':
      return [
        {
          title: 'Record a deploy from CI (Muster change webhook)',
          lang: 'sh',
          text: `curl -s -XPOST ${base}/integrations/change/${key} \\
  -H 'Content-Type: application/json' -d '{
  "summary": "Deployed ${service} v2.14.0",
  "kind": "deploy",
  "author": "dana",
  "links": [{"href": "https://ci.example.com/builds/1234", "text": "Build"}]
}'`,
        },
        {
          title: 'Or as a PagerDuty change event',
          lang: 'sh',
          text: `curl -s -XPOST ${base}/v2/change/enqueue \\
  -H 'Content-Type: application/json' -d '{
  "routing_key": "${key}",
  "payload": {
    "summary": "Deployed ${service} v2.14.0",
    "source": "ci",
    "custom_details": {"commit": "4f2a9c1"}
  },
  "links": [{"href": "https://ci.example.com/builds/1234", "text": "Build"}]
}'`,
        },
      ];
  }
}
