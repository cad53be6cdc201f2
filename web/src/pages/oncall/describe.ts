/** Plain-language descriptions of layer settings. */
import { DAY_NAMES, DAYS, type Layer, type Restriction, type Turn } from './types.js';

export function describeTurn(t: Turn): string {
  if (t.unit === 'duration') {
    const h = t.seconds / 3600;
    return Number.isInteger(h) ? `${h} ${h === 1 ? 'hour' : 'hours'}` : `${Math.round(t.seconds / 60)} minutes`;
  }
  const unit = t.count === 1 ? t.unit.slice(0, -1) : t.unit;
  return `${t.count} ${unit}`;
}

export function describeDays(days: readonly string[]): string {
  if (days.length === 0 || days.length === 7) return 'every day';
  const sorted = DAYS.filter((d) => days.includes(d));
  if (sorted.join() === 'mon,tue,wed,thu,fri') return 'weekdays';
  if (sorted.join() === 'sat,sun') return 'weekends';
  return sorted.map((d) => DAY_NAMES[d]).join(', ');
}

export function describeRestriction(r: Restriction): string {
  return `${describeDays(r.days)} ${r.start}–${r.end}${r.end <= r.start ? ' (next day)' : ''}`;
}

/** `scheduleZone`: the schedule's zone; a layer with its own zone (follow the sun) is described in that one. */
export function describeLayer(l: Layer, scheduleZone: string): string {
  const zone = l.timeZone || scheduleZone;
  const restr = l.restrictions.length ? `, only ${l.restrictions.map(describeRestriction).join('; ')}` : '';
  const own = l.timeZone && l.timeZone !== scheduleZone ? " (the layer's own zone)" : '';
  return `Turns of ${describeTurn(l.turn)}, handing off at ${l.handoffTime} ${zone}${own} from ${l.startDate}${restr}.`;
}
