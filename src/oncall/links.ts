/**
 * Where a schedule lives in the web app (web/src/pages/index.ts: `/oncall/schedules/:id`). Every link Muster sends
 * out to a schedule (iCal events, hand-off summaries) is built here, so it cannot drift from the web route again (it
 * was `/schedules/:id`, which the web app answers with "Page not found").
 */
export function schedulePagePath(scheduleId: string): string {
  return `/oncall/schedules/${encodeURIComponent(scheduleId)}`;
}

/** The schedule's page as an absolute URL under the public base URL (a trailing slash on the base is dropped). */
export function schedulePageUrl(publicUrl: string, scheduleId: string): string {
  return `${publicUrl.replace(/\/+$/, '')}${schedulePagePath(scheduleId)}`;
}
