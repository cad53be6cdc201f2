/**
 * Reading configuration files: YAML text (one or more documents per file, `---` between them) checked against the
 * closed schema, then the checks a schema cannot express, then each object in its canonical form. Every problem names
 * the file, the object (`team payments`) and the field (`members[1].role`); all of them are reported at once.
 */
import { Value as TypeBoxValue } from '@sinclair/typebox/value';
import { parseAllDocuments } from 'yaml';
import { validatePolicy } from '../escalation/model.js';
import { matcherProblems } from '../alerts/noise-model.js';
import { pagingGroupProblems } from '../catalog/model.js';
import { layerProblems } from '../oncall/validate.js';
import { alertRuleProblems, type AlertRule } from '../runbooks/model.js';
import { AppError } from '../shared/errors.js';
import { isValidTimeZone, localToUtc, parseLocalDate, parseTimeOfDay } from '../shared/tz.js';
import {
  canonicalInstant,
  emptyState,
  normalizePolicy,
  normalizeSchedule,
  normalizeService,
  normalizeTeam,
  normalizeUser,
  normalizePostmortemTemplate,
  normalizeSeverityPolicy,
  KEY_FIELD,
  KIND_WORD,
  keyOf,
  normalizeRunbook,
  normalizeStatusPageComponent,
  normalizeSilence,
  type DesiredObject,
  type DesiredState,
} from './model.js';
import { ConfigFileSchema, KINDS, type ConfigFileDoc, type Kind, type LayerDoc, type ServiceDoc } from './schema.js';

export interface ConfigFile {
  /** The file's name as the caller knows it (relative to the directory); only used in messages. */
  path: string;
  content: string;
}

export interface ConfigProblem {
  file: string;
  /** `team payments`, `user ana@example.com`; empty for a problem with the file itself. */
  object: string;
  field: string;
  message: string;
}

export const MAX_FILES = 500;
export const MAX_FILE_CHARS = 2_000_000;

/** 400 `config_invalid`, every problem in `details.problems` (each also as one `field` line for generic clients). */
export function configInvalid(problems: ConfigProblem[]): AppError {
  const line = (p: ConfigProblem) => `${p.file}${p.object ? `: ${p.object}` : ''}${p.field ? `: ${p.field}` : ''}`;
  const first = problems[0]!;
  return new AppError(
    'config_invalid',
    `${problems.length} problem${problems.length === 1 ? '' : 's'} in the configuration; first: ${line(first)}: ${first.message}`,
    { status: 400, details: { problems: problems.map((p) => ({ ...p, at: line(p) })) } },
  );
}

type RawObject = Record<string, unknown>;

function objectName(kind: Kind, raw: unknown, index: number): string {
  const o = (raw && typeof raw === 'object' ? raw : {}) as RawObject;
  const key = kind === 'silences' ? undefined : keyOf(kind, o);
  return `${KIND_WORD[kind]} ${typeof key === 'string' && key ? key : `#${index + 1}`}`;
}

/** `/layers/0/participants/2` → `layers[0].participants[2]`. */
function fieldPath(parts: string[]): string {
  return parts.reduce((acc, p) => (/^\d+$/.test(p) ? `${acc}[${p}]` : acc ? `${acc}.${p}` : p), '');
}

const PATTERN_WORDS: Record<string, string> = {
  '^[a-z0-9][a-z0-9-]{0,47}$': 'a slug: lower-case letters, digits and dashes, at most 48',
  '^[^\\s@]+@[^\\s@]+$': 'an email address',
  '^([01][0-9]|2[0-4]):[0-5][0-9]$': 'HH:MM, 24-hour',
  '^[0-9]{4}-[0-9]{2}-[0-9]{2}$': 'a date, YYYY-MM-DD',
};

/** A schema error in words: a union of literals lists its values, a union of objects the fields that tell them apart. */
function describe(schema: unknown, message: string): string {
  const anyOf = (schema as { anyOf?: Record<string, unknown>[] }).anyOf;
  if (anyOf?.every((s) => 'const' in s)) return `must be one of ${anyOf.map((s) => String(s.const)).join(', ')}`;
  if (anyOf?.some((s) => s.type === 'object')) {
    const forms = anyOf.map((s) =>
      s.type === 'object' ? `{ ${((s.required as string[] | undefined) ?? []).join(', ')} }` : String(s.type),
    );
    return `must be one of the forms ${forms.join(' or ')}`;
  }
  const { pattern } = schema as { pattern?: string };
  const words = pattern ? PATTERN_WORDS[pattern] : undefined;
  if (words) return `must be ${words}`;
  return message.replace(/^Expected/, 'expected');
}

function schemaProblems(file: string, doc: unknown): ConfigProblem[] {
  const out: ConfigProblem[] = [];
  const seen = new Set<string>();
  for (const e of TypeBoxValue.Errors(ConfigFileSchema, doc)) {
    const parts = e.path.split('/').slice(1);
    let object = '';
    let rest = parts;
    if (parts.length >= 2 && (KINDS as readonly string[]).includes(parts[0]!) && /^\d+$/.test(parts[1]!)) {
      const kind = parts[0] as Kind;
      const index = Number(parts[1]);
      object = objectName(kind, ((doc as RawObject)[kind] as unknown[])[index], index);
      rest = parts.slice(2);
    }
    const field = fieldPath(rest);
    const message = e.message === 'Unexpected property' ? 'unknown field' : describe(e.schema, e.message);
    const id = `${object}|${field}|${message}`;
    if (seen.has(id)) continue;
    seen.add(id);
    out.push({ file, object, field: field || (object ? '' : 'top level'), message });
  }
  return out;
}

const zoneProblem = (tz: string | null | undefined, field: string) =>
  tz && !isValidTimeZone(tz) ? [{ field, message: 'must be an IANA time zone such as Europe/London' }] : [];

function layerStart(zone: string, l: LayerDoc): number | null {
  const day = parseLocalDate(l.startDate);
  const min = parseTimeOfDay(l.handoffTime);
  if (day === null || min === null || !isValidTimeZone(zone)) return null;
  return localToUtc(zone, day, min);
}

function intervalProblems(x: { start: string; end: string }, at: string): { field: string; message: string }[] {
  const out: { field: string; message: string }[] = [];
  const start = canonicalInstant(x.start);
  const end = canonicalInstant(x.end);
  if (!start) out.push({ field: `${at}.start`, message: 'must be an RFC 3339 date-time' });
  if (!end) out.push({ field: `${at}.end`, message: 'must be an RFC 3339 date-time' });
  if (start && end && Date.parse(end) <= Date.parse(start))
    out.push({ field: `${at}.end`, message: 'must be after start' });
  return out;
}

/** The checks the schema cannot express, per object, as problems named by field. */
function objectProblems(kind: Kind, raw: RawObject): { field: string; message: string }[] {
  switch (kind) {
    case 'users':
      return zoneProblem(raw.timezone as string | undefined, 'timezone');
    case 'teams':
      return [];
    case 'silences': {
      const x = raw as { matchers: { name: string; value: string; isRegex?: boolean; isEqual?: boolean }[] };
      const out = intervalProblems(raw as { start: string; end: string }, '').map((p) => ({
        ...p,
        field: p.field.replace(/^\./, ''),
      }));
      const matchers = x.matchers.map((m) => ({
        name: m.name,
        value: m.value,
        isRegex: m.isRegex ?? false,
        isEqual: m.isEqual ?? true,
      }));
      out.push(...matcherProblems(matchers, false));
      return out;
    }
    case 'statusPageComponents':
      return String(raw.name).trim() ? [] : [{ field: 'name', message: 'must not be empty' }];
    case 'postmortemTemplates': {
      const seen = new Set<string>();
      const out: { field: string; message: string }[] = [];
      (raw.sections as { key: string; title: string }[]).forEach((x, i) => {
        if (seen.has(x.key)) out.push({ field: `sections[${i}].key`, message: `'${x.key}' is used twice` });
        seen.add(x.key);
        if (!x.title.trim()) out.push({ field: `sections[${i}].title`, message: 'must not be empty' });
      });
      if (!String(raw.name).trim()) out.push({ field: 'name', message: 'must not be empty' });
      return out;
    }
    case 'runbooks': {
      const rules = ((raw.alertRules ?? []) as { alertname?: string | null; matchers?: AlertRule['matchers'] }[]).map(
        (r) => ({ alertname: r.alertname ?? null, matchers: r.matchers ?? [] }),
      );
      const out = alertRuleProblems(rules, 'alertRules');
      if (!String(raw.title).trim()) out.push({ field: 'title', message: 'give the runbook a title' });
      return out;
    }
    case 'severityPolicies': {
      const pm = raw.postmortem as { mode: string; dueBusinessDays?: number | null } | undefined;
      return pm && pm.mode === 'required' && (pm.dueBusinessDays ?? null) === null
        ? [{ field: 'postmortem.dueBusinessDays', message: 'a required post-mortem needs a due date' }]
        : [];
    }
    case 'services': {
      const d = raw as ServiceDoc;
      const g = d.pagingGroups;
      const out = g ? pagingGroupProblems({ ...g, labels: g.labels ?? [] }) : [];
      (d.maintenanceWindows ?? []).forEach((w, i) => out.push(...intervalProblems(w, `maintenanceWindows[${i}]`)));
      (d.silences ?? []).forEach((x, i) => {
        out.push(...intervalProblems(x, `silences[${i}]`));
        const matchers = x.matchers.map((m) => ({
          name: m.name,
          value: m.value,
          isRegex: m.isRegex ?? false,
          isEqual: m.isEqual ?? true,
        }));
        for (const p of matcherProblems(matchers, true)) out.push({ ...p, field: `silences[${i}].${p.field}` });
      });
      return out;
    }
    case 'escalationPolicies': {
      const p = normalizePolicy(raw as never);
      const wh = p.workingHours as { timezone: string; start: string; end: string };
      return [
        ...validatePolicy(p as never).map((x) => ({ ...x, field: x.field.replace(/^levels\.(\d+)/, 'levels[$1]') })),
        ...zoneProblem(wh.timezone, 'workingHours.timezone'),
        ...(wh.start === '24:00'
          ? [{ field: 'workingHours.start', message: 'must be HH:MM from 00:00 to 23:59' }]
          : []),
      ];
    }
    case 'schedules': {
      const s = raw as { timezone: string; layers?: LayerDoc[]; overrides?: { start: string; end: string }[] };
      const out = zoneProblem(s.timezone, 'timezone');
      (s.layers ?? []).forEach((l, i) => {
        const prefix = `layers[${i}].`;
        out.push(...zoneProblem(l.timeZone, `${prefix}timeZone`));
        let endsAt: number | null = null;
        if (l.endsAt) {
          const iso = canonicalInstant(l.endsAt);
          if (!iso) out.push({ field: `${prefix}endsAt`, message: 'must be an RFC 3339 date-time' });
          else endsAt = Date.parse(iso);
        }
        const def = {
          name: l.name,
          participants: l.participants,
          turn: l.turn,
          startDate: l.startDate,
          handoffTime: l.handoffTime,
          restrictions: (l.restrictions ?? []).map((r) => ({ days: r.days ?? [], start: r.start, end: r.end })),
          endsAt,
        };
        const start = layerStart(l.timeZone ?? s.timezone, l);
        for (const p of layerProblems(def, start)) {
          out.push({ field: prefix + p.field.replace(/^restrictions\.(\d+)/, 'restrictions[$1]'), message: p.message });
        }
      });
      (s.overrides ?? []).forEach((o, i) => out.push(...intervalProblems(o, `overrides[${i}]`)));
      return out;
    }
  }
}

const NORMALIZE: Record<Kind, (raw: never) => Record<string, unknown>> = {
  users: normalizeUser,
  teams: normalizeTeam,
  schedules: normalizeSchedule,
  escalationPolicies: normalizePolicy,
  services: normalizeService,
  postmortemTemplates: normalizePostmortemTemplate,
  severityPolicies: normalizeSeverityPolicy,
  runbooks: normalizeRunbook,
  statusPageComponents: normalizeStatusPageComponent,
  silences: normalizeSilence,
};

/** Parse and check the files; the desired state, or 400 `config_invalid` listing every problem. */
export function loadConfig(files: ConfigFile[]): DesiredState {
  const problems: ConfigProblem[] = [];
  const state = emptyState<DesiredObject>();
  if (files.length > MAX_FILES)
    throw configInvalid([{ file: '', object: '', field: 'files', message: `at most ${MAX_FILES} files` }]);
  for (const f of files) {
    if (f.content.length > MAX_FILE_CHARS) {
      problems.push({ file: f.path, object: '', field: '', message: `larger than ${MAX_FILE_CHARS} characters` });
      continue;
    }
    const docs = parseAllDocuments(f.content, { uniqueKeys: true });
    const list = Array.isArray(docs) ? docs : [docs];
    list.forEach((yamlDoc, docIndex) => {
      const where = list.length > 1 ? `${f.path} (document ${docIndex + 1})` : f.path;
      if (yamlDoc.errors.length) {
        for (const e of yamlDoc.errors) {
          const line = e.linePos?.[0];
          problems.push({
            file: line ? `${where}:${line.line}` : where,
            object: '',
            field: '',
            message: `not valid YAML: ${e.message.split('\n')[0]}`,
          });
        }
        return;
      }
      let doc: unknown;
      try {
        doc = yamlDoc.toJS({ maxAliasCount: 100 }) as unknown;
      } catch (e) {
        problems.push({ file: where, object: '', field: '', message: `not valid YAML: ${(e as Error).message}` });
        return;
      }
      if (doc === null || doc === undefined) return; // an empty document
      const schema = schemaProblems(where, doc);
      if (schema.length) {
        problems.push(...schema);
        return;
      }
      const file = doc as ConfigFileDoc;
      for (const kind of KINDS) {
        ((file[kind] ?? []) as RawObject[]).forEach((raw, index) => {
          const object = objectName(kind, raw, index);
          const own = objectProblems(kind, raw);
          problems.push(...own.map((p) => ({ file: where, object, ...p })));
          if (own.length) return;
          const value = NORMALIZE[kind](raw as never);
          const key = String(keyOf(kind, value));
          const earlier = state[kind].get(key);
          if (earlier) {
            problems.push({
              file: where,
              object,
              field: KEY_FIELD[kind],
              message: `declared twice: also in ${earlier.source.file}`,
            });
            return;
          }
          state[kind].set(key, { kind, key, value, source: { file: where, index } });
        });
      }
    });
  }
  if (problems.length) throw configInvalid(problems);
  return state;
}
