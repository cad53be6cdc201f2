/**
 * `muster people comptime balance|take|export` and `muster people pulse summary` (docs/people-health.md). Registered
 * on the `people` command by src/cli/people.ts.
 */
import { writeFileSync } from 'node:fs';
import type { Command } from 'commander';
import { output, printTable, type ClientDeps } from './output.js';

interface Ledger {
  policy: { kind: string; factor: number; minimumHours: number; weekendHours: number };
  balances: { userId: string; name: string; accruedHours: number; takenHours: number; balanceHours: number }[];
}

interface Pulse {
  quarters: {
    quarter: string;
    suppressed: boolean;
    answers?: number;
    safe?: { mean: number };
    calm?: { mean: number };
    roleClear?: { mean: number };
  }[];
}

const windowQuery = (o: { from?: string; to?: string }): string => {
  const q = new URLSearchParams();
  for (const key of ['from', 'to'] as const) {
    const v = o[key];
    if (v === undefined) continue;
    const at = Date.parse(v);
    if (!Number.isFinite(at)) throw new Error(`--${key}: give a date, YYYY-MM-DD or RFC 3339 (got "${v}").`);
    q.set(key, new Date(at).toISOString());
  }
  const s = q.toString();
  return s ? `?${s}` : '';
};

export function registerPeopleLedgerCommands(people: Command, deps: ClientDeps): void {
  const comp = people.command('comptime').description('comp time: balances, time off taken, the CSV ledger');
  comp
    .command('balance')
    .description("each person's accrued, taken and remaining comp time in a team")
    .requiredOption('--team <id>', 'team id or slug')
    .option('--from <date>', 'start of the window (default a year ago)')
    .option('--to <date>', 'end of the window (default now)')
    .action(async (o: { team: string; from?: string; to?: string }) => {
      const l = await deps.client().get<Ledger>(`/api/teams/${encodeURIComponent(o.team)}/comp-time${windowQuery(o)}`);
      output(deps.json(), l, () => {
        console.log(`policy: ${l.policy.kind}`);
        printTable(
          l.balances.map((b) => ({
            person: b.name,
            accrued: b.accruedHours,
            taken: b.takenHours,
            balance: b.balanceHours,
          })),
          ['person', 'accrued', 'taken', 'balance'],
        );
      });
    });
  comp
    .command('take')
    .description('record time off taken (yourself, or anyone as a team admin)')
    .requiredOption('--team <id>', 'team id or slug')
    .option('--user <id>', 'the person who took the time off (default: you)')
    .requiredOption('--hours <n>', 'hours taken')
    .requiredOption('--on <date>', 'the day, YYYY-MM-DD')
    .option('--note <text>', 'a note')
    .action(async (o: { team: string; user?: string; hours: string; on: string; note?: string }) => {
      const hours = Number(o.hours);
      if (!/^\d+(\.\d+)?$/.test(o.hours.trim()) || !(hours > 0))
        throw new Error(`--hours: give the hours taken as a number more than 0 (got "${o.hours}").`);
      if (!/^\d{4}-\d{2}-\d{2}$/.test(o.on)) throw new Error(`--on: give the day as YYYY-MM-DD (got "${o.on}").`);
      const client = deps.client();
      const userId = o.user ?? (await client.get<{ id: string }>('/api/me')).id;
      const e = await client.post<{ id: string; name: string; hours: number }>(
        `/api/teams/${encodeURIComponent(o.team)}/comp-time`,
        {
          userId,
          hours,
          takenOn: o.on,
          ...(o.note ? { note: o.note } : {}),
        },
      );
      output(deps.json(), e, () => console.log(`recorded ${-e.hours} h off for ${e.name}`));
    });
  comp
    .command('export')
    .description('the ledger as CSV (RFC 4180), to stdout or a file')
    .requiredOption('--team <id>', 'team id or slug')
    .option('--from <date>', 'start of the window (default a year ago)')
    .option('--to <date>', 'end of the window (default now)')
    .option('--out <file>', 'write to this file')
    .action(async (o: { team: string; from?: string; to?: string; out?: string }) => {
      const csv = await deps
        .client()
        .get<string>(`/api/teams/${encodeURIComponent(o.team)}/comp-time.csv${windowQuery(o)}`);
      if (o.out) writeFileSync(o.out, csv);
      else process.stdout.write(csv);
    });

  const pulse = people.command('pulse').description('the anonymous psychological-safety pulse');
  pulse
    .command('summary')
    .description('per quarter, the mean of each question (only from 5 answers on)')
    .requiredOption('--team <id>', 'team id or slug')
    .option('--from <date>', 'start (default four quarters ago)')
    .option('--to <date>', 'end (default now)')
    .action(async (o: { team: string; from?: string; to?: string }) => {
      const s = await deps.client().get<Pulse>(`/api/teams/${encodeURIComponent(o.team)}/pulse${windowQuery(o)}`);
      output(deps.json(), s, () =>
        printTable(
          s.quarters.map((q) =>
            q.suppressed
              ? { quarter: q.quarter, answers: 'fewer than 5', safe: '-', calm: '-', 'role clear': '-' }
              : {
                  quarter: q.quarter,
                  answers: q.answers,
                  safe: q.safe?.mean,
                  calm: q.calm?.mean,
                  'role clear': q.roleClear?.mean,
                },
          ),
          ['quarter', 'answers', 'safe', 'calm', 'role clear'],
        ),
      );
    });
}
