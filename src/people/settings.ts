/**
 * A team's people-health settings (migration 0031): the thresholds of the hero signal, knowledge and load, and the
 * working hours and sleep window the figures read in each person's zone (on-call health's windows). Without a row,
 * the defaults: src/people/model.ts DEFAULT_THRESHOLDS and src/oncall/sustainability.ts DEFAULT_WINDOWS.
 */
import type { Executor } from '../db/index.js';
import { DEFAULT_WINDOWS, windowProblems, type ReportWindows } from '../oncall/sustainability.js';
import { fromJsonText } from '../shared/json.js';
import { DEFAULT_THRESHOLDS, type PeopleThresholds } from './model.js';

export interface PeopleSettings extends PeopleThresholds, ReportWindows {
  /** false when the team has saved none (every value is a default). */
  saved: boolean;
}

export const DEFAULT_SETTINGS: PeopleSettings = { ...DEFAULT_THRESHOLDS, ...DEFAULT_WINDOWS, saved: false };

export type SettingsInput = Partial<PeopleThresholds & ReportWindows>;

type Problem = { field: string; message: string };

/** Field problems of a settings change merged over the current settings (empty when valid). */
export function settingsProblems(s: PeopleThresholds & ReportWindows): Problem[] {
  const out: Problem[] = [...windowProblems(s)];
  const range = (field: keyof PeopleThresholds, min: number, max: number, integer = false) => {
    const v = s[field];
    if (!Number.isFinite(v) || v < min || v > max || (integer && !Number.isInteger(v)))
      out.push({ field, message: `must be ${integer ? 'a whole number ' : ''}from ${min} to ${max}` });
  };
  range('heroMedianFactor', 1, 20);
  range('heroShareOfTeam', 0.05, 1);
  range('heroMinCount', 1, 1000, true);
  range('knowledgeShare', 0.5, 1);
  range('knowledgeMinIncidents', 1, 1000, true);
  range('loadShare', 0.05, 1);
  range('recoveryHours', 0, 12);
  if (!s.workDays.length) out.push({ field: 'workDays', message: 'must name at least one working day' });
  return out;
}

export async function loadSettings(ex: Executor, teamId: string): Promise<PeopleSettings> {
  const row = await ex.selectFrom('teamPeopleSettings').selectAll().where('teamId', '=', teamId).executeTakeFirst();
  return row ? fromRow(row) : { ...DEFAULT_SETTINGS };
}

/** Several teams' settings in one query (defaults for a team without a row). */
export async function loadSettingsOf(ex: Executor, teamIds: readonly string[]): Promise<Map<string, PeopleSettings>> {
  const out = new Map<string, PeopleSettings>(teamIds.map((id) => [id, { ...DEFAULT_SETTINGS }]));
  if (!teamIds.length) return out;
  const rows = await ex
    .selectFrom('teamPeopleSettings')
    .selectAll()
    .where('teamId', 'in', [...teamIds])
    .execute();
  for (const r of rows) out.set(r.teamId, fromRow(r));
  return out;
}

function fromRow(r: {
  heroMedianFactor: number;
  heroShareOfTeam: number;
  heroMinCount: number;
  knowledgeShare: number;
  knowledgeMinIncidents: number;
  loadShare: number;
  recoveryHours: number;
  workDays: string;
  workStart: string;
  workEnd: string;
  sleepStart: string;
  sleepEnd: string;
}): PeopleSettings {
  return {
    heroMedianFactor: Number(r.heroMedianFactor),
    heroShareOfTeam: Number(r.heroShareOfTeam),
    heroMinCount: Number(r.heroMinCount),
    knowledgeShare: Number(r.knowledgeShare),
    knowledgeMinIncidents: Number(r.knowledgeMinIncidents),
    loadShare: Number(r.loadShare),
    recoveryHours: Number(r.recoveryHours),
    workDays: fromJsonText<number[]>(r.workDays, DEFAULT_WINDOWS.workDays),
    workStart: r.workStart,
    workEnd: r.workEnd,
    sleepStart: r.sleepStart,
    sleepEnd: r.sleepEnd,
    saved: true,
  };
}

/** The windows part of the settings (what on-call health's functions take). */
export const windowsOf = (s: ReportWindows): ReportWindows => ({
  workDays: s.workDays,
  workStart: s.workStart,
  workEnd: s.workEnd,
  sleepStart: s.sleepStart,
  sleepEnd: s.sleepEnd,
});
