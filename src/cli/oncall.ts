/** Client commands for on-call: who is on call, overrides, schedules (the HTTP API, like every client command). */
import type { Command } from 'commander';
import type { MusterClient } from './client.js';
import { output, printTable } from './output.js';

interface Deps {
  client: () => MusterClient;
  json: () => boolean;
}

type Row = Record<string, unknown>;
const enc = encodeURIComponent;
const say = (text: string): void => {
  process.stdout.write(`${text}\n`);
};

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
  layers: { id: string; name: string; participants: string[]; turn: Row; handoffTime: string; startDate: string }[];
}

const who = (s: ShiftJson | null): string =>
  s ? `${s.userName ?? s.userId}${s.sourceKind === 'override' ? ' (override)' : ''}` : 'nobody';
const turnText = (t: Row): string =>
  t.unit === 'duration' ? `${String(t.seconds)} s` : `${String(t.count)} ${String(t.unit)}`;

export function registerOncallCommands(program: Command, { client, json }: Deps): void {
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
    .requiredOption('--user <userId>')
    .requiredOption('--start <iso>', 'RFC 3339, e.g. 2026-03-01T09:00:00Z')
    .requiredOption('--end <iso>')
    .option('--reason <text>')
    .action(async (o: { schedule: string; user: string; start: string; end: string; reason?: string }) => {
      const r = await client().post<{ id: string }>(`/api/schedules/${enc(o.schedule)}/overrides`, {
        userId: o.user,
        start: o.start,
        end: o.end,
        ...(o.reason ? { reason: o.reason } : {}),
      });
      output(json(), r, () => say(`created override ${r.id}`));
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
  schedules.command('list').action(async () => {
    const r = await client().get<{ schedules: ScheduleJson[] }>('/api/schedules');
    const rows = r.schedules.map((s) => ({ ...s, layers: s.layers.length }));
    output(json(), r.schedules, () => printTable(rows, ['id', 'name', 'teamId', 'timezone', 'layers']));
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
          layer: l.name,
          turn: turnText(l.turn),
          handoff: `${l.startDate} ${l.handoffTime}`,
          people: l.participants.length,
        }));
        printTable(layers, ['layer', 'turn', 'handoff', 'people']);
        for (const w of shifts.warnings) say(`warning: ${w.message}`);
        say('');
        printTable(
          shifts.final.map((f) => ({ who: who(f), start: f.start, end: f.end })),
          ['who', 'start', 'end'],
        );
      });
    });
}
