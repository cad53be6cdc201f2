/**
 * Grafana unified alerting webhook contact point (grafana/alerting receivers/webhook). The body is Alertmanager's
 * group message with `version: "1"` and extra keys: per alert dashboardURL, panelURL, silenceURL, imageURL,
 * values/valueString. One parser serves both; this file adds Grafana's links.
 */
import type { ContextLink } from './model.js';
import { parseAlertmanagerWebhook, type ParsedIntake } from './alertmanager.js';

const GRAFANA_LINKS: [key: string, kind: ContextLink['kind'], title: string][] = [
  ['dashboardURL', 'dashboard', 'Dashboard'],
  ['panelURL', 'panel', 'Panel'],
  ['imageURL', 'image', 'Image'],
  ['silenceURL', 'silence', 'Silence in Grafana'],
];

export function parseGrafanaWebhook(body: unknown): ParsedIntake {
  return parseAlertmanagerWebhook(body, {
    extraLinks: (alert) =>
      GRAFANA_LINKS.flatMap(([key, kind, title]) => {
        const url = alert[key];
        return typeof url === 'string' && url ? [{ kind, title, url }] : [];
      }),
    extraDescription: (alert) => {
      if (typeof alert.valueString === 'string' && alert.valueString) return `Values: ${alert.valueString}`;
      if (typeof alert.values === 'object' && alert.values !== null) {
        const values = Object.entries(alert.values as Record<string, unknown>)
          .filter(([, v]) => typeof v === 'number')
          .map(([k, v]) => `${k}=${String(v)}`);
        return values.length ? `Values: ${values.join(', ')}` : '';
      }
      return '';
    },
  });
}
