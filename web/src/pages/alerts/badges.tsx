/** Severity, status and quality markers for alerts: the same words and colours on every page. */
import { Badge } from '../../components/ui.js';
import { Link } from '../../lib/router.js';
import { CLASSIFICATION_TEXT, isFlapping, type Alert, type Classification } from './types.js';

const SEVERITY_TONE = { critical: 'bad', error: 'bad', warning: 'warn', info: 'info' } as const;

export function SeverityBadge({ severity }: { severity: string }) {
  const tone = SEVERITY_TONE[severity as keyof typeof SEVERITY_TONE] ?? 'neutral';
  return (
    <span className={`sev sev-${severity}`}>
      <Badge tone={tone}>{severity}</Badge>
    </span>
  );
}

const STATUS_TONE = { triggered: 'bad', acknowledged: 'warn', resolved: 'good' } as const;
const STATUS_TEXT: Record<string, string> = {
  triggered: 'Triggered',
  acknowledged: 'Acknowledged',
  resolved: 'Resolved',
};

export function StatusBadge({ status }: { status: string }) {
  const tone = STATUS_TONE[status as keyof typeof STATUS_TONE] ?? 'neutral';
  return <Badge tone={tone}>{STATUS_TEXT[status] ?? status}</Badge>;
}

export function ClassificationBadge({ value }: { value: Classification | null }) {
  if (!value) return null;
  return <Badge tone={value === 'actionable' ? 'good' : 'warn'}>{CLASSIFICATION_TEXT[value] ?? value}</Badge>;
}

const HELD_TEXT = {
  silenced: ['silenced', 'A silence matches this alert: it is recorded but pages nobody.'],
  maintenance: ['in maintenance', 'The service is in a maintenance window: this alert pages nobody.'],
  flapping: ['held: flapping', 'It keeps firing and resolving, so paging waits until it settles.'],
} as const;

/** The runbook an alert's page shows first (GET /api/runbooks/for-alerts). */
export interface AlertRunbook {
  id: string;
  slug: string;
  title: string;
}

/**
 * The markers that change how to read an alert: its runbook or no runbook, flapping, not paging (silence,
 * maintenance). `runbook`: the runbook the alert's page would show (linked to its service or matching its rule);
 * with one, "no runbook" does not show even when the alert itself carries no runbook link.
 */
export function AlertMarkers({ alert, runbook }: { alert: Alert; runbook?: AlertRunbook | null | undefined }) {
  const held = alert.status !== 'resolved' && alert.suppressedReason ? HELD_TEXT[alert.suppressedReason] : null;
  return (
    <>
      {runbook && (
        <Link className="alert-runbook break" to={`/runbooks/${encodeURIComponent(runbook.id)}`} title="Runbook">
          Runbook: {runbook.title}
        </Link>
      )}
      {alert.isMissingRunbook && !runbook && (
        <span title="A paging alert without a runbook link: add a runbook annotation to the rule.">
          <Badge tone="warn">⚠ no runbook</Badge>
        </span>
      )}
      {isFlapping(alert) && alert.suppressedReason !== 'flapping' && (
        <span title="Its key opened 5 or more times in 30 minutes.">
          <Badge tone="warn">flapping</Badge>
        </span>
      )}
      {held && (
        <span title={held[1]}>
          <Badge tone="info">{held[0]}</Badge>
        </span>
      )}
    </>
  );
}
