/**
 * An iCal-based Grafana OnCall schedule: its feed (`ical_url_primary`) read with ical.js (ADR 0014) into the same
 * shape as the API's shifts, so `mapShift` turns each event into a layer. Grafana OnCall reads who is on call from an
 * event's SUMMARY (usernames or emails, separated by spaces or commas) and its priority from an `[L<n>]` in it.
 * What the layer model cannot hold is reported: exceptions (EXDATE, RDATE, moved occurrences), BY-parts other than
 * BYDAY, events without a start.
 */
import ICAL from 'ical.js';
import type { Unmapped } from '../model.js';
import type { GoUser, ShiftInput } from './map.js';

const pad = (n: number) => String(n).padStart(2, '0');

export interface IcalRead {
  shifts: ShiftInput[];
  /** The zone of the first event with one (the schedule's zone), or null. */
  zone: string | null;
  unmapped: Unmapped[];
}

export function readIcalSchedule(text: string, users: GoUser[], object: string): IcalRead {
  const unmapped: Unmapped[] = [];
  let root: ICAL.Component;
  try {
    root = new ICAL.Component(ICAL.parse(text) as unknown[]);
  } catch (e) {
    unmapped.push({
      object,
      field: 'ical_url_primary',
      reason: `the iCal feed could not be read: ${(e as Error).message}`,
      outcome: 'dropped',
    });
    return { shifts: [], zone: null, unmapped };
  }
  const byName = new Map<string, string>();
  for (const u of users) {
    byName.set(u.username.toLowerCase(), u.id);
    if (u.email) byName.set(u.email.toLowerCase(), u.id);
  }
  const shifts: ShiftInput[] = [];
  let zone: string | null = null;
  root.getAllSubcomponents('vevent').forEach((ev, i) => {
    const uid = String(ev.getFirstPropertyValue('uid') ?? `event ${i + 1}`);
    const summary = String(ev.getFirstPropertyValue('summary') ?? '');
    const name = `${summary || uid}`.slice(0, 100);
    const where = `event ${uid}`;
    const startProp = ev.getFirstProperty('dtstart');
    const start = startProp?.getFirstValue() as ICAL.Time | null | undefined;
    if (!startProp || !start) {
      unmapped.push({ object, field: where, reason: 'an event without a start', outcome: 'dropped' });
      return;
    }
    if (ev.getFirstProperty('recurrence-id')) {
      unmapped.push({
        object,
        field: where,
        reason: 'a moved occurrence (RECURRENCE-ID) of a recurring event: not imported',
        outcome: 'dropped',
      });
      return;
    }
    const tzidParam = startProp.getParameter('tzid');
    const tzid = typeof tzidParam === 'string' ? tzidParam : start.zone?.tzid === 'UTC' ? 'UTC' : null;
    if (tzid && !zone) zone = tzid;
    const endValue = ev.getFirstPropertyValue('dtend') as ICAL.Time | null;
    const durationValue = ev.getFirstPropertyValue('duration') as ICAL.Duration | null;
    let durationSec: number;
    if (endValue) {
      const startWall = Date.UTC(start.year, start.month - 1, start.day, start.hour, start.minute, start.second);
      const endWall = Date.UTC(
        endValue.year,
        endValue.month - 1,
        endValue.day,
        endValue.hour,
        endValue.minute,
        endValue.second,
      );
      durationSec = (endWall - startWall) / 1000;
    } else if (durationValue) {
      durationSec = durationValue.toSeconds();
    } else {
      durationSec = start.isDate ? 86_400 : 0;
    }
    const level = Number(/\[L(\d+)\]/i.exec(summary)?.[1] ?? 0);
    const tokens = summary
      .replace(/\[L\d+\]/gi, '')
      .split(/[\s,;]+/)
      .map((t) => t.trim().toLowerCase())
      .filter(Boolean);
    const ids = [...new Set(tokens.map((t) => byName.get(t)).filter((x): x is string => !!x))];
    const unknown = tokens.filter((t) => !byName.has(t));
    if (unknown.length > 0) {
      unmapped.push({
        object,
        field: where,
        reason: `no Grafana OnCall user named ${unknown.join(', ')}`,
        outcome: 'dropped',
      });
    }
    for (const p of ['exdate', 'rdate']) {
      if (ev.getFirstProperty(p)) {
        unmapped.push({
          object,
          field: where,
          reason: `${p.toUpperCase()} exceptions are not carried over: Muster's rotation has every occurrence`,
          outcome: 'approximated',
        });
      }
    }
    const shift: ShiftInput = {
      id: uid,
      name,
      type: 'single_event',
      time_zone: tzid,
      level,
      start: `${start.year}-${pad(start.month)}-${pad(start.day)}T${pad(start.hour)}:${pad(start.minute)}:${pad(start.second)}`,
      duration: durationSec,
      users: ids,
    };
    const rrule = ev.getFirstPropertyValue('rrule') as ICAL.Recur | null;
    if (rrule) {
      shift.type = 'recurrent_event';
      shift.frequency = rrule.freq.toLowerCase();
      shift.interval = rrule.interval || 1;
      const parts = rrule.parts as Record<string, unknown[] | undefined>;
      shift.by_day = ((parts.BYDAY ?? []) as string[]).map(String);
      if (shift.by_day.some((d) => !/^(MO|TU|WE|TH|FR|SA|SU)$/.test(d))) {
        unmapped.push({
          object,
          field: where,
          reason: `BYDAY=${shift.by_day.join(',')} (with a position) is not a weekly pattern: read as every such day`,
          outcome: 'approximated',
        });
        shift.by_day = shift.by_day.map((d) => d.slice(-2));
      }
      const others = Object.keys(parts).filter((k) => k !== 'BYDAY' && (parts[k]?.length ?? 0) > 0);
      if (others.length > 0) {
        unmapped.push({
          object,
          field: where,
          reason: `${others.join(', ')} in the recurrence rule are not carried over`,
          outcome: 'approximated',
        });
      }
      const wk = ['SU', 'MO', 'TU', 'WE', 'TH', 'FR', 'SA'][(rrule.wkst ?? 2) - 1] ?? 'MO';
      shift.week_start = wk;
      if (rrule.until) shift.untilMs = rrule.until.toUnixTime() * 1000;
      if (rrule.count) shift.count = rrule.count;
    }
    shifts.push(shift);
  });
  return { shifts, zone, unmapped };
}
