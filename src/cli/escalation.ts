/**
 * `muster escalation-policy …`: a team's escalation policies through the HTTP API. Levels come from a YAML or JSON
 * file (the API body; targets may name users by email and schedules by name).
 */
import type { Command } from 'commander';
import type { MusterClient } from './client.js';
import type { CliDeps } from './deps.js';
import { readDocument } from './files.js';
import { output, printJson, printTable, say } from './output.js';

type Row = Record<string, unknown>;
const enc = encodeURIComponent;

interface Target {
  type: 'user' | 'schedule';
  id: string;
}
interface Level {
  delayMinutes: number;
  targets: Target[];
  condition?: { kind: string; days?: number[] };
}
interface PolicyJson extends Row {
  id: string;
  teamId: string;
  name: string;
  description: string;
  repeat: number;
  levels: Level[];
  workingHours: { timezone: string; days: number[]; start: string; end: string };
  ackTimeoutMinutes: number | null;
  shared: boolean;
}

/** Working hours when the file gives none: Monday to Friday 09:00-17:00 UTC (only level conditions read them). */
const DEFAULT_WORKING_HOURS = { timezone: 'UTC', days: [1, 2, 3, 4, 5], start: '09:00', end: '17:00' };

/**
 * The file's levels with each target as the API takes it: `{type, id}` as is; `{user: email-or-id}` and
 * `{schedule: name-or-id}` resolved (one listing of users and of schedules, only when needed).
 */
async function resolveLevels(c: MusterClient, levels: unknown): Promise<Level[]> {
  if (!Array.isArray(levels)) throw new Error('levels: a list of { delayMinutes, targets } is needed.');
  let users: Map<string, string> | null = null;
  let schedules: { id: string; name: string }[] | null = null;
  const userId = async (ref: string): Promise<string> => {
    if (!ref.includes('@')) return ref;
    users ??= new Map(
      (await c.get<{ users: { id: string; email: string }[] }>('/api/users?includeDisabled=true')).users.map((u) => [
        u.email.toLowerCase(),
        u.id,
      ]),
    );
    const id = users.get(ref.trim().toLowerCase());
    if (!id) throw new Error(`No user with email ${ref}.`);
    return id;
  };
  const scheduleId = async (ref: string): Promise<string> => {
    if (ref.startsWith('sch_')) return ref;
    schedules ??= (await c.get<{ schedules: { id: string; name: string }[] }>('/api/schedules')).schedules;
    const found = schedules.filter((s) => s.id === ref || s.name.toLowerCase() === ref.trim().toLowerCase());
    if (found.length !== 1) {
      throw new Error(found.length ? `Several schedules are called ${ref}: use its id.` : `No schedule ${ref}.`);
    }
    return found[0]!.id;
  };
  return Promise.all(
    levels.map(async (raw: unknown, i: number) => {
      const l = raw as Row & { targets?: unknown };
      if (!Array.isArray(l.targets)) throw new Error(`levels.${i}.targets: a list of targets is needed.`);
      const targets = await Promise.all(
        l.targets.map(async (t: unknown, j: number): Promise<Target> => {
          const x = t as Record<string, unknown>;
          if (typeof x.user === 'string') return { type: 'user', id: await userId(x.user) };
          if (typeof x.schedule === 'string') return { type: 'schedule', id: await scheduleId(x.schedule) };
          if (x.type === 'user' && typeof x.id === 'string') return { type: 'user', id: await userId(x.id) };
          if (x.type === 'schedule' && typeof x.id === 'string')
            return { type: 'schedule', id: await scheduleId(x.id) };
          throw new Error(`levels.${i}.targets.${j}: give { user: EMAIL } or { schedule: NAME } (or { type, id }).`);
        }),
      );
      return { ...(l as unknown as Level), targets };
    }),
  );
}

/** The fields of a policy document (file, then options) as the API body. */
async function policyBody(c: MusterClient, doc: Row, o: { name?: string; description?: string }): Promise<Row> {
  return {
    ...doc,
    ...(doc.levels !== undefined ? { levels: await resolveLevels(c, doc.levels) } : {}),
    ...(o.name !== undefined ? { name: o.name } : {}),
    ...(o.description !== undefined ? { description: o.description } : {}),
  };
}

/** Targets as people read them: emails and schedule names (one listing each). */
async function targetNames(c: MusterClient, policies: PolicyJson[]): Promise<(t: Target) => string> {
  const all = policies.flatMap((p) => p.levels.flatMap((l) => l.targets));
  const users = all.some((t) => t.type === 'user')
    ? new Map(
        (await c.get<{ users: { id: string; email: string }[] }>('/api/users?includeDisabled=true')).users.map((u) => [
          u.id,
          u.email,
        ]),
      )
    : new Map<string, string>();
  const schedules = all.some((t) => t.type === 'schedule')
    ? new Map(
        (await c.get<{ schedules: { id: string; name: string }[] }>('/api/schedules')).schedules.map((s) => [
          s.id,
          s.name,
        ]),
      )
    : new Map<string, string>();
  return (t) => (t.type === 'user' ? `user ${users.get(t.id) ?? t.id}` : `schedule ${schedules.get(t.id) ?? t.id}`);
}

export function registerEscalationCommands(program: Command, { client, json }: CliDeps): void {
  const policies = program
    .command('escalation-policy')
    .aliases(['escalation-policies', 'policy'])
    .description('escalation policies: who is paged at each level, and after how long');

  policies
    .command('list')
    .option('--team <team>', 'only this team (id or slug)')
    .action(async (o: { team?: string }) => {
      const c = client();
      const q = o.team ? `?teamId=${enc(await c.teamId(o.team))}` : '';
      const r = await c.get<{ policies: PolicyJson[] }>(`/api/escalation-policies${q}`);
      output(json(), r.policies, () =>
        printTable(
          r.policies.map((p) => ({ ...p, levels: p.levels.length })),
          ['id', 'name', 'teamId', 'levels', 'repeat', 'ackTimeoutMinutes', 'shared'],
        ),
      );
    });

  policies
    .command('show')
    .argument('<id>')
    .description('a policy and its levels')
    .action(async (id: string) => {
      const c = client();
      const p = await c.get<PolicyJson>(`/api/escalation-policies/${enc(id)}`);
      if (json()) return printJson(p);
      const name = await targetNames(c, [p]);
      const wh = p.workingHours;
      say(`${p.name} (${p.id})  team ${p.teamId}${p.shared ? '  shared' : ''}`);
      if (p.description) say(p.description);
      say(
        `repeat ${p.repeat}×; re-page after acknowledgement: ${p.ackTimeoutMinutes ? `${p.ackTimeoutMinutes} min` : 'off'}; ` +
          `working hours ${wh.start}-${wh.end} on days ${wh.days.join(',')} (${wh.timezone})`,
      );
      say('');
      printTable(
        p.levels.map((l, i) => ({
          level: i + 1,
          after: `${l.delayMinutes} min`,
          when: l.condition?.kind ?? 'always',
          targets: l.targets.map(name).join(', ') || '-',
        })),
        ['level', 'after', 'when', 'targets'],
      );
    });

  policies
    .command('create')
    .description(
      'create a policy from a YAML or JSON file: name, levels (delayMinutes, targets as { user: EMAIL } or ' +
        '{ schedule: NAME }, condition), workingHours, repeat, ackTimeoutMinutes, shared',
    )
    .requiredOption('--team <team>', 'owning team (id or slug)')
    .requiredOption('--file <file>', 'YAML or JSON (`-` reads standard input)')
    .option('--name <name>', 'overrides the file')
    .option('--description <text>')
    .action(async (o: { team: string; file: string; name?: string; description?: string }) => {
      const c = client();
      const doc = ((await readDocument(o.file)) ?? {}) as Row;
      const body = await policyBody(c, doc, o);
      body.teamId = await c.teamId(o.team);
      body.workingHours ??= DEFAULT_WORKING_HOURS;
      const r = await c.post<PolicyJson>('/api/escalation-policies', body);
      output(json(), r, () => say(`created policy ${r.name} (${r.id}) with ${r.levels.length} level(s)`));
    });

  policies
    .command('update')
    .argument('<id>')
    .description('change a policy: the fields the file (and options) give; pages in flight keep their snapshot')
    .option('--file <file>', 'YAML or JSON with the fields to change (`-` reads standard input)')
    .option('--name <name>')
    .option('--description <text>')
    .action(async (id: string, o: { file?: string; name?: string; description?: string }) => {
      const c = client();
      const doc = (o.file ? ((await readDocument(o.file)) ?? {}) : {}) as Row;
      const body = await policyBody(c, doc, o);
      if (Object.keys(body).length === 0) throw new Error('Nothing to change: pass --file, --name or --description.');
      const r = await c.patch<PolicyJson>(`/api/escalation-policies/${enc(id)}`, body);
      output(json(), r, () => say(`updated policy ${r.name} (${r.id})`));
    });

  policies
    .command('delete')
    .argument('<id>')
    .description('delete a policy no service uses')
    .action(async (id: string) => {
      await client().delete(`/api/escalation-policies/${enc(id)}`);
      output(json(), { deleted: id }, () => say(`deleted policy ${id}`));
    });
}
