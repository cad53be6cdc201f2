/**
 * `muster insights learning`: the learning process (docs/insights.md, "The learning process") from
 * GET /api/insights/learning — post-mortem completion against 90%, post-mortems overdue, action items open, overdue,
 * closed and their median time to close, overall and per team, and the contributing factors counted. --json prints the
 * API's answer as it is.
 */
import type { Command } from 'commander';
import { printJson, printTable } from './output.js';
import type { InsightCliDeps } from './insights.js';
import { formatSeconds, pct } from './insights-format.js';

interface Learning {
  completion: { eligible: number; completed: number; inProgress: number; rate: number | null; belowTarget: boolean };
  postmortemsOverdue: number;
  actionItems: {
    open: number;
    overdue: number;
    closedInWindow: number;
    timeToClose: { median: number | null; p90: number | null; count: number };
  };
}
interface Report {
  filter: { from: string; to: string; kinds: string[] };
  target: number;
  overall: Learning;
  byTeam: ({ teamId: string; name: string } & Learning)[];
  factors: { key: string; name: string; count: number }[];
}

export function registerInsightLearningCommands(insights: Command, { client, json }: InsightCliDeps): void {
  insights
    .command('learning')
    .description(
      'the learning process: post-mortem completion against 90%, post-mortems overdue, action items open, overdue ' +
        'and time to close, per team; contributing factors',
    )
    .option('--team <id>', 'only this team (incidents touching its services, its action items)')
    .option('--from <time>', 'RFC 3339 (default: 90 days before --to)')
    .option('--to <time>', 'RFC 3339 (default: now)')
    .option('--include-kinds <kinds>', 'also count drill and/or imported incidents (comma-separated)')
    .action(async (o: { team?: string; from?: string; to?: string; includeKinds?: string }) => {
      const q = new URLSearchParams();
      if (o.from) q.set('from', o.from);
      if (o.to) q.set('to', o.to);
      if (o.team) q.set('teamId', o.team);
      if (o.includeKinds) q.set('includeKinds', o.includeKinds);
      const qs = q.toString();
      const r = await client().get<Report>(`/api/insights/learning${qs ? `?${qs}` : ''}`);
      if (json()) return printJson(r);
      const row = (team: string, l: Learning) => ({
        team,
        eligible: l.completion.eligible,
        published: l.completion.completed,
        'not due yet': l.completion.inProgress,
        completion: pct(l.completion.rate),
        target: l.completion.rate === null ? '-' : l.completion.belowTarget ? 'below' : 'met',
        'pm overdue': l.postmortemsOverdue,
        'items open': l.actionItems.open,
        'items overdue': l.actionItems.overdue,
        closed: l.actionItems.closedInWindow,
        'median to close': formatSeconds(l.actionItems.timeToClose.median),
      });
      process.stdout.write(
        `${r.filter.from} to ${r.filter.to} (target ${pct(r.target)}; ${r.filter.kinds.join(', ')} incidents)\n`,
      );
      printTable(
        [
          row(o.team ? (r.byTeam[0]?.name ?? o.team) : 'overall', r.overall),
          ...(o.team ? [] : r.byTeam.map((t) => row(t.name, t))),
        ],
        [
          'team',
          'eligible',
          'published',
          'not due yet',
          'completion',
          'target',
          'pm overdue',
          'items open',
          'items overdue',
          'closed',
          'median to close',
        ],
      );
      const counted = r.factors.filter((f) => f.count > 0);
      if (counted.length) {
        process.stdout.write('\ncontributing factors:\n');
        printTable(counted, ['key', 'name', 'count']);
      }
    });
}
