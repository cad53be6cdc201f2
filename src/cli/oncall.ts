/** Client commands for on-call: who is on call, overrides, schedules (the HTTP API, like every client command). */
import type { Command } from 'commander';
import type { MusterClient } from './client.js';
import { readDocument } from './files.js';
import { output, printJson, printTable, say, type ClientDeps } from './output.js';

type Row = Record<string, unknown>;
const enc = encodeURIComponent;

interface ShiftJson {
  userId: string;
  userName: string | null;
  start: string;
  end: string;
  sourceKind: string;
}

interface OnCallJson {
  scheduleId: string;
  scheduleName: string;
  timezone: string;
  current: ShiftJson | null;
  next: ShiftJson | null;
}

interface ScheduleJson extends Row {
  id: string;
  name: string;
  teamId: string;
  timezone: string;
  layers: {
    id: string;
    name: string;
    participants: string[];
    turn: Row;
    handoffTime: string;
    startDate: string;
    timeZone?: string | null;
  }[];
}

interface OverrideJson extends Row {
  id: string;
  userId: string;
  start: string;
  end: string;
  reason: string;
}

const who = (s: ShiftJson | null): string =>
  s ? `${s.userName ?? s.userId}${s.sourceKind === 'override' ? ' (override)' : ''}` : 'nobody';
const turnText = (t: Row): string =>
  t.unit === 'duration' ? `${String(t.seconds)} s` : `${String(t.count)} ${String(t.unit)}`;

/** `1w`, `2d`, `12h` (or `3600s`) as the API's turn. */
export function parseTurn(text: string): Row {
  const m = /^\s*(\d+)\s*(h|d|w|s)\s*$/i.exec(text);
  if (!m || Number(m[1]) < 1) throw new Error(`--turn: "${text}" is not a turn like 1w, 2d, 12h or 3600s.`);
  const n = Number(m[1]);
  const unit = m[2]!.toLowerCase();
  if (unit === 's') return { unit: 'duration', seconds: n };
  return { unit: unit === 'h' ? 'hours' : unit === 'd' ? 'days' : 'weeks', count: n };
}

/** Participants given as emails or ids, as ids (one listing of the users for all of them). */
async function participantIds(c: MusterClient, refs: string[]): Promise<string[]> {
  if (!refs.some((r) => r.includes('@'))) return refs;
  const { users } = await c.get<{ users: { id: string; email: string }[] }>('/api/users?includeDisabled=true');
  const byEmail = new Map(users.map((u) => [u.email.toLowerCase(), u.id]));
  return refs.map((r) => {
    if (!r.includes('@')) return r;
    const id = byEmail.get(r.trim().toLowerCase());
    if (!id) throw new Error(`No user with email ${r}.`);
    return id;
  });
}

interface LayerOpts {
  name?: string;
  participants?: string;
  turn?: string;
  startDate?: string;
  handoff?: string;
  timeZone?: string;
  position?: string;
}

/** The layer fields the options give (only those given: PATCH changes just them). */
async function layerBody(c: MusterClient, o: LayerOpts): Promise<Row> {
  return {
    ...(o.name !== undefined ? { name: o.name } : {}),
    ...(o.participants !== undefined
      ? {
          participants: await participantIds(
            c,
            o.participants
              .split(',')
              .map((s) => s.trim())
              .filter(Boolean),
          ),
        }
      : {}),
    ...(o.turn !== undefined ? { turn: parseTurn(o.turn) } : {}),
    ...(o.startDate !== undefined ? { startDate: o.startDate } : {}),
    ...(o.handoff !== undefined ? { handoffTime: o.handoff } : {}),
    ...(o.timeZone !== undefined ? { timeZone: o.timeZone === 'schedule' ? null : o.timeZone } : {}),
    ...(o.position !== undefined ? { position: Number(o.position) } : {}),
  };
}

const layerOptions = (c: Command, required: boolean): Command => {
  const opt = (flags: string, text: string) => (required ? c.requiredOption(flags, text) : c.option(flags, text));
  opt('--name <name>', 'layer name');
  opt('--participants <list>', 'comma-separated emails or user ids, in rotation order');
  opt('--turn <turn>', 'how long each turn lasts: 1w, 2d, 12h or 3600s');
  opt('--start-date <date>', "first hand-off date, YYYY-MM-DD in the layer's zone");
  opt('--handoff <HH:MM>', "hand-off time of day in the layer's zone");
  c.option('--time-zone <zone>', "the layer's own IANA zone (follow the sun); `schedule` for the schedule's");
  return c;
};

/** Users' names by id, for people reading a table (one listing). */
async function userNames(c: MusterClient, rows: { userId: string }[]): Promise<Map<string, string>> {
  if (rows.length === 0) return new Map();
  const { users } = await c.get<{ users: { id: string; name: string; email: string }[] }>(
    '/api/users?includeDisabled=true',
  );
  return new Map(users.map((u) => [u.id, `${u.name} <${u.email}>`]));
}

export function registerOncallCommands(program: Command, { client, json }: ClientDeps): void {
  const oncall = program.command('oncall').description('who is on call');
  oncall
    .command('now')
    .description('who is on call now in every schedule, and who is next')
    .option('--schedule <id>', 'one schedule only')
    .option('--at <iso>', 'another instant (RFC 3339)')
    .action(async (o: { schedule?: string; at?: string }) => {
      const q = new URLSearchParams();
      if (o.schedule) q.set('schedule', o.schedule);
      if (o.at) q.set('at', o.at);
      const r = await client().get<{ oncall: OnCallJson[] }>(`/api/oncall/now?${q.toString()}`);
      const rows = r.oncall.map((e) => ({
        schedule: e.scheduleName,
        onCall: who(e.current),
        until: e.current?.end ?? '-',
        next: who(e.next),
      }));
      output(json(), r.oncall, () => printTable(rows, ['schedule', 'onCall', 'until', 'next']));
    });

  const override = program.command('override').alias('overrides').description('schedule overrides');
  override
    .command('create')
    .description('someone covers an interval of a schedule')
    .requiredOption('--schedule <id>')
    .requiredOption('--user <user>', 'email or user id')
    .requiredOption('--start <iso>', 'RFC 3339, e.g. 2026-03-01T09:00:00Z')
    .requiredOption('--end <iso>')
    .option('--reason <text>')
    .action(async (o: { schedule: string; user: string; start: string; end: string; reason?: string }) => {
      const c = client();
      const r = await c.post<{ id: string }>(`/api/schedules/${enc(o.schedule)}/overrides`, {
        userId: await c.userId(o.user),
        start: o.start,
        end: o.end,
        ...(o.reason ? { reason: o.reason } : {}),
      });
      output(json(), r, () => say(`created override ${r.id}`));
    });
  override
    .command('list')
    .description("a schedule's overrides overlapping a window (default: from now, 90 days)")
    .requiredOption('--schedule <id>')
    .option('--from <iso>', 'RFC 3339')
    .option('--to <iso>', 'RFC 3339')
    .action(async (o: { schedule: string; from?: string; to?: string }) => {
      const q = new URLSearchParams();
      if (o.from) q.set('from', o.from);
      if (o.to) q.set('to', o.to);
      const c = client();
      const r = await c.get<{ overrides: OverrideJson[] }>(`/api/schedules/${enc(o.schedule)}/overrides?${q}`);
      if (json()) return printJson(r.overrides);
      const names = await userNames(c, r.overrides);
      printTable(
        r.overrides.map((x) => ({ ...x, who: names.get(x.userId) ?? x.userId })),
        ['id', 'who', 'start', 'end', 'reason'],
      );
    });
  override
    .command('delete')
    .requiredOption('--schedule <id>')
    .argument('<overrideId>')
    .action(async (id: string, o: { schedule: string }) => {
      await client().delete(`/api/schedules/${enc(o.schedule)}/overrides/${enc(id)}`);
      output(json(), { deleted: id }, () => say(`deleted override ${id}`));
    });

  const schedules = program.command('schedules').alias('schedule').description('on-call schedules');
  schedules
    .command('list')
    .option('--team <team>', 'only this team (id or slug)')
    .action(async (o: { team?: string }) => {
      const c = client();
      const q = o.team ? `?teamId=${enc(await c.teamId(o.team))}` : '';
      const r = await c.get<{ schedules: ScheduleJson[] }>(`/api/schedules${q}`);
      const rows = r.schedules.map((s) => ({ ...s, layers: s.layers.length }));
      output(json(), r.schedules, () => printTable(rows, ['id', 'name', 'teamId', 'timezone', 'layers']));
    });
  schedules
    .command('oncall')
    .argument('<id>')
    .description('who is on call in this schedule now (or --at), until when, and who is next')
    .option('--at <iso>', 'another instant (RFC 3339)')
    .action(async (id: string, o: { at?: string }) => {
      const r = await client().get<OnCallJson>(`/api/schedules/${enc(id)}/oncall${o.at ? `?at=${enc(o.at)}` : ''}`);
      output(json(), r, () =>
        printTable(
          [{ schedule: r.scheduleName, onCall: who(r.current), until: r.current?.end ?? '-', next: who(r.next) }],
          ['schedule', 'onCall', 'until', 'next'],
        ),
      );
    });
  schedules
    .command('create')
    .description('create a schedule; layers from --file (YAML or JSON: the API body, participants as emails or ids)')
    .option('--team <team>', 'owning team (id or slug)')
    .option('--name <name>')
    .option('--timezone <zone>', 'IANA zone, e.g. Europe/London')
    .option('--description <text>')
    .option('--file <file>', 'YAML or JSON with name, timezone, layers… (`-` reads standard input)')
    .action(async (o: { team?: string; name?: string; timezone?: string; description?: string; file?: string }) => {
      const c = client();
      const doc = (o.file ? await readDocument(o.file) : {}) as Row & { layers?: Row[] };
      const body: Row = {
        ...doc,
        ...(o.team ? { teamId: o.team } : {}),
        ...(o.name ? { name: o.name } : {}),
        ...(o.timezone ? { timezone: o.timezone } : {}),
        ...(o.description ? { description: o.description } : {}),
      };
      for (const field of ['teamId', 'name', 'timezone']) {
        if (!body[field])
          throw new Error(`${field}: give --${field === 'teamId' ? 'team' : field} or set it in --file.`);
      }
      if (Array.isArray(doc.layers)) {
        body.layers = await Promise.all(
          doc.layers.map(async (l) => ({
            ...l,
            ...(Array.isArray(l.participants)
              ? { participants: await participantIds(c, l.participants.map(String)) }
              : {}),
            ...(typeof l.turn === 'string' ? { turn: parseTurn(l.turn) } : {}),
          })),
        );
      }
      const r = await c.post<ScheduleJson>('/api/schedules', body);
      output(json(), r, () => say(`created schedule ${r.name} (${r.id}) with ${r.layers.length} layer(s)`));
    });
  schedules
    .command('update')
    .argument('<id>')
    .description('rename, describe, move to another zone or team (the layers: add-layer, update-layer)')
    .option('--name <name>')
    .option('--timezone <zone>')
    .option('--description <text>')
    .option('--team <team>', 'move to this team (id or slug)')
    .action(async (id: string, o: { name?: string; timezone?: string; description?: string; team?: string }) => {
      const body = {
        ...(o.name !== undefined ? { name: o.name } : {}),
        ...(o.timezone !== undefined ? { timezone: o.timezone } : {}),
        ...(o.description !== undefined ? { description: o.description } : {}),
        ...(o.team !== undefined ? { teamId: o.team } : {}),
      };
      if (Object.keys(body).length === 0)
        throw new Error('Nothing to change: pass --name, --timezone, --description or --team.');
      const r = await client().patch<ScheduleJson>(`/api/schedules/${enc(id)}`, body);
      output(json(), r, () => say(`updated schedule ${r.name} (${r.id})`));
    });
  layerOptions(
    schedules.command('add-layer').argument('<id>', 'schedule id').description('add a layer on top of the others'),
    true,
  ).action(async (id: string, o: LayerOpts) => {
    const c = client();
    const r = await c.post<ScheduleJson>(`/api/schedules/${enc(id)}/layers`, await layerBody(c, o));
    output(json(), r, () => say(`added layer ${o.name ?? ''} to ${r.name} (${r.layers.length} layers)`));
  });
  layerOptions(
    schedules
      .command('update-layer')
      .argument('<id>', 'schedule id')
      .argument('<layerId>')
      .description('change a layer: only the fields given')
      .option('--position <n>', 'its place; a higher position wins over lower ones'),
    false,
  ).action(async (id: string, layerId: string, o: LayerOpts) => {
    const c = client();
    const body = await layerBody(c, o);
    if (Object.keys(body).length === 0) throw new Error('Nothing to change: pass at least one layer option.');
    const r = await c.patch<ScheduleJson>(`/api/schedules/${enc(id)}/layers/${enc(layerId)}`, body);
    output(json(), r, () => say(`updated layer ${layerId} of ${r.name}`));
  });
  schedules
    .command('remove-layer')
    .argument('<id>', 'schedule id')
    .argument('<layerId>')
    .action(async (id: string, layerId: string) => {
      const r = await client().delete<ScheduleJson>(`/api/schedules/${enc(id)}/layers/${enc(layerId)}`);
      output(json(), r, () => say(`removed layer ${layerId} from ${r.name}`));
    });
  schedules
    .command('delete')
    .argument('<id>')
    .action(async (id: string) => {
      await client().delete(`/api/schedules/${enc(id)}`);
      output(json(), { deleted: id }, () => say(`deleted schedule ${id}`));
    });
  schedules
    .command('show')
    .argument('<id>')
    .description('a schedule, its layers, and the final schedule for the next 7 days')
    .action(async (id: string) => {
      const s = await client().get<ScheduleJson>(`/api/schedules/${enc(id)}`);
      const to = new Date(Date.now() + 7 * 86400_000).toISOString();
      const shifts = await client().get<{ final: ShiftJson[]; warnings: { message: string }[] }>(
        `/api/schedules/${enc(id)}/shifts?to=${enc(to)}`,
      );
      output(json(), { schedule: s, ...shifts }, () => {
        say(`${s.name} (${s.id}), ${s.timezone}`);
        const layers = [...s.layers].reverse().map((l) => ({
          id: l.id,
          layer: l.name,
          turn: turnText(l.turn),
          handoff: `${l.startDate} ${l.handoffTime}`,
          zone: l.timeZone ?? s.timezone,
          people: l.participants.length,
        }));
        printTable(layers, ['id', 'layer', 'turn', 'handoff', 'zone', 'people']);
        for (const w of shifts.warnings) say(`warning: ${w.message}`);
        say('');
        printTable(
          shifts.final.map((f) => ({ who: who(f), start: f.start, end: f.end })),
          ['who', 'start', 'end'],
        );
      });
    });
}
