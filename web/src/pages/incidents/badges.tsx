/** Severity and status of an incident: the same words and colours on every incident page. */
import { Badge } from '../../components/ui.js';
import { STATUS_TEXT, type IncidentStatus, type Severity } from './types.js';

const SEVERITY_TONE = { P1: 'bad', P2: 'warn', P3: 'info', P4: 'neutral' } as const;
const STATUS_TONE = { investigating: 'bad', identified: 'warn', monitoring: 'info', resolved: 'good' } as const;

export function IncidentSeverityBadge({ severity }: { severity: Severity }) {
  return (
    <span className={`inc-sev inc-sev-${severity}`} data-testid="incident-severity">
      <Badge tone={SEVERITY_TONE[severity] ?? 'neutral'}>{severity}</Badge>
    </span>
  );
}

export function IncidentStatusBadge({ status }: { status: IncidentStatus }) {
  return (
    <span data-testid="incident-status">
      <Badge tone={STATUS_TONE[status] ?? 'neutral'}>{STATUS_TEXT[status] ?? status}</Badge>
    </span>
  );
}

const SOURCE_NAMES: Record<string, string> = {
  pagerduty: 'PagerDuty',
  opsgenie: 'Opsgenie',
  'grafana-oncall': 'Grafana OnCall',
};

/** "Imported from PagerDuty", linking back to the incident there when the source gave a link. */
export function ImportedBadge({ from }: { from: { source: string; url: string | null } }) {
  const text = `Imported from ${SOURCE_NAMES[from.source] ?? from.source}`;
  return (
    <span data-testid="incident-imported">
      {from.url ? (
        <a href={from.url} target="_blank" rel="noreferrer noopener">
          <Badge tone="info">{text}</Badge>
        </a>
      ) : (
        <Badge tone="info">{text}</Badge>
      )}
    </span>
  );
}
