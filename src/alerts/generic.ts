/**
 * Muster's own simple JSON for any tool that can POST a webhook (scripts, cron jobs, CI). Documented in
 * docs/integrations/generic-webhook.md:
 *
 *   { "status": "firing" | "acknowledged" | "resolved",   required
 *     "dedupKey": "disk-full/db-1",                      required unless firing (then generated and returned)
 *     "title": "Disk 95% full on db-1",                  required when firing ("summary" is accepted too)
 *     "description": "…", "severity": "critical|error|warning|info" (other words are mapped; default error),
 *     "labels": {"host": "db-1"}, "annotations": {"runbook_url": "https://…"},
 *     "links": [{"href": "https://…", "text": "Dashboard"}], "startsAt": "RFC 3339" }
 */
import type { FieldProblem } from '../shared/errors.js';
import { DEDUP_KEY_MAX } from './pagerduty-events.js';
import {
  linkFromText,
  normalizeSeverity,
  parseTimestamp,
  stringMap,
  SUMMARY_MAX,
  truncate,
  type ContextLink,
  type IntakeEvent,
} from './model.js';

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

export interface GenericParsed {
  /** dedupKey is null on a firing event without one: the caller generates it. */
  event: Omit<IntakeEvent, 'dedupKey'> & { dedupKey: string | null };
}

export function parseGenericEvent(body: unknown): GenericParsed | { problems: FieldProblem[] } {
  if (!isObject(body)) return { problems: [{ field: 'body', message: 'must be a JSON object' }] };
  const problems: FieldProblem[] = [];
  const status = body.status;
  if (status !== 'firing' && status !== 'acknowledged' && status !== 'resolved') {
    problems.push({ field: 'status', message: 'must be firing, acknowledged or resolved' });
  }
  const dedupKey = body.dedupKey;
  if (
    dedupKey !== undefined &&
    dedupKey !== null &&
    (typeof dedupKey !== 'string' || dedupKey.length > DEDUP_KEY_MAX)
  ) {
    problems.push({ field: 'dedupKey', message: `must be a string of at most ${DEDUP_KEY_MAX} characters` });
  } else if (status !== 'firing' && (typeof dedupKey !== 'string' || !dedupKey.trim())) {
    problems.push({ field: 'dedupKey', message: 'is required to acknowledge or resolve' });
  }
  const titleRaw = typeof body.title === 'string' ? body.title : typeof body.summary === 'string' ? body.summary : '';
  if (status === 'firing' && !titleRaw.trim()) problems.push({ field: 'title', message: 'is required when firing' });
  const startsAt = parseTimestamp(body.startsAt);
  if (startsAt === undefined) problems.push({ field: 'startsAt', message: 'must be an RFC 3339 time' });
  if (body.severity !== undefined && typeof body.severity !== 'string') {
    problems.push({ field: 'severity', message: 'must be a string' });
  }
  if (problems.length) return { problems };
  const labels = stringMap(body.labels);
  const links: ContextLink[] = [];
  if (Array.isArray(body.links)) {
    for (const l of body.links) {
      if (!isObject(l)) continue;
      const url = typeof l.href === 'string' ? l.href : typeof l.url === 'string' ? l.url : '';
      const text = typeof l.text === 'string' ? l.text : typeof l.title === 'string' ? l.title : undefined;
      if (url) links.push(linkFromText(text, url));
    }
  }
  const summary = truncate(titleRaw.trim() || String(dedupKey), SUMMARY_MAX);
  return {
    event: {
      action: status === 'firing' ? 'trigger' : status === 'acknowledged' ? 'acknowledge' : 'resolve',
      dedupKey: typeof dedupKey === 'string' && dedupKey.trim() ? dedupKey : null,
      startsAt: startsAt ?? null,
      endsAt: null,
      summary,
      description: typeof body.description === 'string' ? body.description : '',
      severity: normalizeSeverity(body.severity as string | undefined),
      labels,
      annotations: stringMap(body.annotations),
      links,
      groupKey: null,
      groupName: labels.alertname ?? summary,
    },
  };
}
