/** Read-only sentences that say what a policy does, level by level, so an edit can be checked before saving. */
import type { Condition, Level, Target, WorkingHours } from './types.js';
import { ISO_DAY_NAMES } from './types.js';

export interface Names {
  user: (id: string) => string;
  schedule: (id: string) => string;
}

export function daysText(days: readonly number[]): string {
  const d = [...new Set(days)].sort((a, b) => a - b);
  if (d.length === 0) return 'no days';
  if (d.length === 7) return 'every day';
  if (d.join() === '1,2,3,4,5') return 'Mon–Fri';
  if (d.join() === '6,7') return 'weekends';
  // Runs of three or more consecutive days read as a range.
  const parts: string[] = [];
  for (let i = 0; i < d.length;) {
    let j = i;
    while (j + 1 < d.length && d[j + 1] === d[j]! + 1) j++;
    if (j - i >= 2) parts.push(`${ISO_DAY_NAMES[d[i]!]}–${ISO_DAY_NAMES[d[j]!]}`);
    else for (let k = i; k <= j; k++) parts.push(ISO_DAY_NAMES[d[k]!]!);
    i = j + 1;
  }
  return parts.join(', ');
}

export function workingHoursText(wh: WorkingHours): string {
  return `${daysText(wh.days)} ${wh.start}–${wh.end} ${wh.timezone}`;
}

export function targetText(t: Target, names: Names): string {
  return t.type === 'user' ? names.user(t.id) : `the ${names.schedule(t.id)} schedule`;
}

function list(items: string[]): string {
  if (items.length <= 1) return items[0] ?? 'nobody';
  return `${items.slice(0, -1).join(', ')} and ${items[items.length - 1]}`;
}

export function conditionText(c: Condition | undefined, wh: WorkingHours): string {
  if (!c || c.kind === 'always') return '';
  if (c.kind === 'working_hours') return ` — only during working hours (${workingHoursText(wh)}), skipped otherwise`;
  if (c.kind === 'outside_working_hours')
    return ` — only outside working hours (${workingHoursText(wh)}), skipped otherwise`;
  return ` — only on ${daysText(c.days)} (${wh.timezone}), skipped otherwise`;
}

const minutes = (n: number) => `${n} ${n === 1 ? 'minute' : 'minutes'}`;

/** One sentence per level, plus one for what happens after the last. */
export function previewSentences(levels: Level[], repeat: number, wh: WorkingHours, names: Names): string[] {
  const out: string[] = [];
  levels.forEach((l, i) => {
    const who = l.targets.length ? list(l.targets.map((t) => targetText(t, names))) : 'nobody yet (add a target)';
    const prev = levels[i - 1];
    const lead =
      i === 0
        ? 'When an alert arrives, page'
        : `If nobody acknowledges within ${minutes(prev?.delayMinutes ?? 0)}, page`;
    out.push(`${lead} ${who}${conditionText(l.condition, wh)}.`);
  });
  const last = levels[levels.length - 1];
  if (last) {
    const wait = `If nobody acknowledges within ${minutes(last.delayMinutes)} of the last level,`;
    out.push(
      repeat > 0
        ? `${wait} start again from level 1 (${repeat} more ${repeat === 1 ? 'time' : 'times'}).`
        : `${wait} stop escalating; the alert stays open.`,
    );
  }
  return out;
}
