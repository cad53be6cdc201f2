/**
 * `muster postmortem completion` (the completion rate against 90%, overall and per team, and what is missing) and
 * `muster factors list` (the contributing-factor taxonomy, or `--counts` across post-mortems). Client mode: the HTTP
 * API (docs/postmortems.md).
 */
import type { Command } from 'commander';
import { printJson, printTable, type ClientDeps } from './output.js';

interface Completion {
  eligible: number;
  inProgress: number;
  thorough: number;
  onTime: number;
  rate: number | null;
  onTimeRate: number | null;
  missing: { incidentId: string; title: string; severity: string; status: string; dueAt: string | null }[];
}
interface Report {
  target: number;
  from: string;
  to: string;
  overall: Completion;
  teams: ({ team: { id: string; name: string } } & Completion)[];
}

const pct = (v: number | null): string => (v === null ? '-' : `${Math.round(v * 1000) / 10}%`);

function windowQuery(o: { team?: string; from?: string; to?: string }): string {
  const q = new URLSearchParams();
  if (o.team) q.set('teamId', o.team);
  if (o.from) q.set('from', o.from);
  if (o.to) q.set('to', o.to);
  const s = q.toString();
  return s ? `?${s}` : '';
}

/** The `postmortem` command, shared with the post-mortem commands (whichever registers first creates it). */
function postmortemCommand(program: Command): Command {
  return (
    program.commands.find((c) => c.name() === 'postmortem') ??
    program.command('postmortem').alias('postmortems').description('post-mortems')
  );
}

export function registerPostmortemAnalysisCommands(program: Command, { client, json }: ClientDeps): void {
  postmortemCommand(program)
    .command('completion')
    .description(
      'the completion rate: P1/P2 incidents resolved in the window with a published post-mortem (target 90%)',
    )
    .option('--team <id>', 'only incidents touching this team’s services')
    .option('--from <time>', 'RFC 3339 (default: 90 days before --to)')
    .option('--to <time>', 'RFC 3339 (default: now)')
    .action(async (o: { team?: string; from?: string; to?: string }) => {
      const r = await client().get<Report>(`/api/postmortems/completion${windowQuery(o)}`);
      if (json()) return printJson(r);
      const row = (name: string, c: Completion) => ({
        team: name,
        eligible: c.eligible,
        published: c.thorough,
        'not due yet': c.inProgress,
        rate: pct(c.rate),
        'on time': pct(c.onTimeRate),
        target: pct(r.target),
        met: c.rate === null ? '-' : c.rate >= r.target ? 'yes' : 'no',
      });
      process.stdout.write(`${r.from} to ${r.to}\n`);
      printTable(
        [
          row(o.team ? (r.teams[0]?.team.name ?? o.team) : 'overall', r.overall),
          ...(o.team ? [] : r.teams.map((t) => row(t.team.name, t))),
        ],
        ['team', 'eligible', 'published', 'not due yet', 'rate', 'on time', 'target', 'met'],
      );
      if (r.overall.missing.length) {
        process.stdout.write('\nmissing:\n');
        printTable(
          r.overall.missing.map((m) => ({ ...m, dueAt: m.dueAt ?? '-' })),
          ['incidentId', 'severity', 'status', 'dueAt', 'title'],
        );
      }
    });

  const factors = program
    .command('factors')
    .alias('factor')
    .description('contributing factors: the taxonomy and how often post-mortems name them');
  factors
    .command('list')
    .description('the taxonomy, or --counts across post-mortems of incidents resolved in a window')
    .option('--all', 'include archived factors')
    .option('--counts', 'count post-mortems per factor')
    .option('--team <id>', 'with --counts: only incidents touching this team’s services')
    .option('--from <time>', 'with --counts: RFC 3339 (default: 90 days before --to)')
    .option('--to <time>', 'with --counts: RFC 3339 (default: now)')
    .action(async (o: { all?: boolean; counts?: boolean; team?: string; from?: string; to?: string }) => {
      if (o.counts) {
        const rows = await client().get<Record<string, unknown>[]>(
          `/api/postmortems/insights/factors${windowQuery(o)}`,
        );
        if (json()) return printJson(rows);
        return printTable(rows, ['key', 'label', 'count', 'archived']);
      }
      const rows = await client().get<Record<string, unknown>[]>(
        `/api/contributing-factors${o.all ? '?includeArchived=true' : ''}`,
      );
      if (json()) return printJson(rows);
      printTable(rows, ['key', 'label', 'archived', 'description']);
    });
}
