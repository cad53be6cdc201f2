/**
 * What a live drill's synthetic alert says (POST /api/gamedays/:id/fire): a generic-webhook event whose title starts
 * with "DRILL:" and whose labels name the game day, so the alert page and every notification (which add their own
 * DRILL label: src/notify/model.ts drillPrefix, email "[DRILL]", webhook `drill: true`) cannot be mistaken for real.
 */
export const DRILL_SEVERITIES = ['critical', 'error', 'warning', 'info'] as const;
export type DrillSeverity = (typeof DRILL_SEVERITIES)[number];

export function drillEvent(
  g: { id: string; title: string },
  input: { summary?: string | undefined; severity?: DrillSeverity | undefined },
  seq: number,
): Record<string, unknown> {
  const summary = (input.summary?.trim() || g.title).slice(0, 400);
  return {
    status: 'firing',
    dedupKey: `gameday:${g.id}:${seq}`,
    title: summary.startsWith('DRILL') ? summary : `DRILL: ${summary}`,
    severity: input.severity ?? 'critical',
    description: `Synthetic alert for game day "${g.title}" (${g.id}). This is a drill.`,
    labels: { gameday: g.id, drill: 'true' },
  };
}
