/**
 * What a page says, in one place for every channel (email subject and body, SMS and voice from the subject, webhook,
 * ntfy, Slack and push from subject, body and `alerts`): the problem's headline, how many alerts the page stands for
 * and the first of them (paging groups: docs/alerts.md). `pageMessage` is pure; `currentPageMessage` reads a run's
 * alerts as they are now, which is how a page is worded when it is sent (a group's alerts that arrived after the
 * page was planned are counted in it).
 */
import { findAlertForPaging, toAlert, type Alert } from '../alerts/index.js';
import { findServiceRow } from '../catalog/index.js';
import type { Executor } from '../db/index.js';
import type { NotificationMessage, PageAlerts } from '../notify/index.js';
import { bridgeLines } from '../incidents/index.js';
import { runAlerts } from './groups.js';
import { primedRun } from './page-claims.js';
import type { Urgency } from './model.js';

/** How many alerts a page names; the rest are "and N more". */
export const PAGE_LIST_MAX = 10;

export interface PageAlert {
  id: string;
  summary: string;
  severity: string;
}

export interface PageInput {
  runId: string;
  /** The alert the page leads with (the run's lead while it is triggered, else its first triggered alert). */
  alert: Alert;
  /** Every triggered alert of the run, `alert` first. */
  alerts: PageAlert[];
  serviceName: string;
  urgency: Urgency;
  /** The alert page. */
  url: string;
  /** The bridge call of an open incident the alert is part of (docs/incidents.md): a line of the page. */
  bridge?: { url: string; dialIn: string } | null | undefined;
}

/** "3 alerts", "1 alert". */
export const alertCount = (n: number): string => `${n} alert${n === 1 ? '' : 's'}`;

/** The lines naming a page's alerts: up to PAGE_LIST_MAX, then "and N more". */
export function alertListLines(alerts: PageAlert[], max = PAGE_LIST_MAX): string[] {
  const lines = alerts.slice(0, max).map((a) => `- ${a.summary} (${a.severity})`);
  if (alerts.length > max) lines.push(`and ${alerts.length - max} more`);
  return lines;
}

export function pageMessage(p: PageInput): NotificationMessage {
  const { alert } = p;
  const count = Math.max(1, p.alerts.length);
  const runbook = alert.context.find((c) => c.kind === 'runbook');
  const runbookLine = runbook ? `Runbook: ${runbook.url}` : 'No runbook is linked to this alert.';
  // The alert's context links a responder opens first: the runbook (or that there is none), then the dashboard.
  const dashboard = alert.context.find((c) => c.kind === 'dashboard');
  const links = [
    ...(dashboard ? [runbookLine, `Dashboard: ${dashboard.url}`] : [runbookLine]),
    ...bridgeLines(p.bridge ?? null),
  ];
  const alerts: PageAlerts = {
    runId: p.runId,
    count,
    listed: (p.alerts.length ? p.alerts : [alert]).slice(0, PAGE_LIST_MAX).map((a) => ({
      id: a.id,
      summary: a.summary,
      severity: a.severity,
    })),
  };
  const drill = alert.isDrill ? { drill: true } : {};
  if (count === 1) {
    const lines = [
      `${alert.severity.toUpperCase()} on ${p.serviceName}: ${alert.summary}`,
      alert.description,
      ...links,
      `Urgency: ${p.urgency}`,
    ].filter(Boolean);
    return { subject: `[Muster] ${alert.summary}`, body: lines.join('\n'), url: p.url, alerts, ...drill };
  }
  const lines = [
    `${alert.severity.toUpperCase()} on ${p.serviceName}: ${alertCount(count)}`,
    ...alertListLines(p.alerts),
    '',
    ...links,
    `Urgency: ${p.urgency}`,
  ];
  return {
    subject: `[Muster] ${alertCount(count)} on ${p.serviceName}: ${alert.summary}`,
    body: lines.join('\n'),
    url: p.url,
    alerts,
    ...drill,
  };
}

/**
 * The run's triggered alerts, lead first then in the order they joined (full rows are read for the first only).
 * Empty: nothing of the run is triggered any more.
 */
export async function triggeredRunAlerts(
  ex: Executor,
  run: { id: string; alertId: string },
): Promise<{ id: string; summary: string; severity: string; status: string }[]> {
  return (await runAlerts(ex, run)).filter((a) => a.status === 'triggered');
}

/**
 * The page for a run as it stands now (null: no alert of it is triggered any more). Used when a page is sent, so
 * it names every alert that joined the run after it was planned.
 */
export async function currentPageMessage(
  ex: Executor,
  run: { id: string; alertId: string; urgency: string },
  publicUrl: string,
): Promise<NotificationMessage | null> {
  const alerts = await triggeredRunAlerts(ex, run);
  const first = alerts[0];
  if (!first) return null;
  const row = await findAlertForPaging(ex, first.id);
  if (!row) return null;
  const service = await findServiceRow(ex, row.serviceId);
  return pageMessage({
    runId: run.id,
    alert: toAlert(row),
    alerts,
    serviceName: service?.name ?? 'a service',
    urgency: run.urgency as Urgency,
    url: `${publicUrl}/alerts/${run.alertId}`,
    bridge: await bridgeOfAlert(ex, first.id),
  });
}

/** The bridge call of an open incident the alert is linked to, if any (the newest such incident). */
export async function bridgeOfAlert(ex: Executor, alertId: string): Promise<{ url: string; dialIn: string } | null> {
  return (
    (await ex
      .selectFrom('incidentAlerts as ia')
      .innerJoin('incidents as i', 'i.id', 'ia.incidentId')
      .innerJoin('incidentBridges as b', 'b.incidentId', 'i.id')
      .select(['b.url', 'b.dialIn'])
      .where('ia.alertId', '=', alertId)
      .where('i.status', '<>', 'resolved')
      .orderBy('i.id', 'desc')
      .executeTakeFirst()) ?? null
  );
}

export interface IncidentPageInput {
  incident: { id: string; title: string; severity: string; kind?: string | undefined };
  /** What the page is for, the first line ("P1 needs an Incident Commander", "Your help is asked for"). */
  headline: string;
  /** The lines that follow: the ask, who asked. */
  lines: string[];
  bridge: { url: string; dialIn: string } | null;
  /** The incident room. */
  url: string;
}

/** A page about an incident (the IC rotation, added responders): its title, severity, the ask, room and bridge. */
export function incidentPageMessage(p: IncidentPageInput): NotificationMessage {
  const body = [
    `${p.incident.severity} incident: ${p.incident.title}`,
    ...p.lines,
    `Incident room: ${p.url}`,
    ...bridgeLines(p.bridge),
  ];
  return {
    subject: `[Muster] ${p.headline}: ${p.incident.title}`,
    body: body.join('\n'),
    url: p.url,
    ...(p.incident.kind === 'drill' ? { drill: true } : {}),
  };
}

/** A planned page worded again from its run when it is sent (NotifyService.setPageRefresher); null: as planned. */
export async function refreshPage(
  ex: Executor,
  message: { alerts?: { runId: string } | undefined },
  publicUrl: string,
): Promise<NotificationMessage | null> {
  const runId = message.alerts?.runId;
  if (!runId) return null;
  const known = await primedRun(ex, runId);
  if (known) {
    // Read with the rest of its claim batch (src/escalation/page-claims.ts): worded exactly as below, without reads.
    const alerts = known.alerts.filter((a) => a.status === 'triggered');
    if (!alerts[0] || !known.first) return null;
    return pageMessage({
      runId: known.run.id,
      alert: toAlert(known.first),
      alerts,
      serviceName: known.serviceName ?? 'a service',
      urgency: known.run.urgency as Urgency,
      url: `${publicUrl}/alerts/${known.run.alertId}`,
      bridge: known.bridge,
    });
  }
  const run = await ex
    .selectFrom('escalationRuns')
    .select(['id', 'alertId', 'urgency'])
    .where('id', '=', runId)
    .executeTakeFirst();
  return run ? currentPageMessage(ex, run, publicUrl) : null;
}
