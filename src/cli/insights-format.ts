/** How `muster insights …` prints figures for people (one place, so every figure reads the same). */

/** A duration in whole seconds: 45s, 12m, 5m 22s, 3h 05m, 4d 22h; '-' when there is none. */
export function formatSeconds(s: number | null | undefined): string {
  if (s === null || s === undefined) return '-';
  if (s < 60) return `${s}s`;
  if (s < 3600) {
    const rest = s % 60;
    return rest ? `${Math.floor(s / 60)}m ${String(rest).padStart(2, '0')}s` : `${s / 60}m`;
  }
  const m = Math.floor(s / 60);
  const h = Math.floor(m / 60);
  if (h < 24) return `${h}h ${String(m % 60).padStart(2, '0')}m`;
  return `${Math.floor(h / 24)}d ${String(h % 24).padStart(2, '0')}h`;
}

/** A 0–1 rate as a percentage with one decimal: 33.3%; '-' when there is none. */
export const pct = (v: number | null | undefined): string =>
  v === null || v === undefined ? '-' : `${Math.round(v * 1000) / 10}%`;
