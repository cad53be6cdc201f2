/**
 * `muster insights alert-quality`, `muster insights response-times` and `muster insights recurrence`: the figures of
 * docs/insights.md ("Alert quality over time", "Response times", "Recurrence") from their HTTP API, as tables, or
 * --json for the API's answer as it is.
 */
import type { Command } from 'commander';
import { printJson, printTable } from './output.js';
import type { InsightCliDeps } from './insights.js';
import { formatSeconds, pct } from './insights-format.js';
import type { Stats } from '../insights/model.js';

interface Noisy {
  alerts: number;
  classified: number;
  noisy: number;
  noisyShare: number | null;
}
interface Quality {
  filter: { from: string; to: string };
  bucket: string;
  timeZone: string;
  groupBy: string;
  overall: Noisy & { buckets: (Noisy & { start: string })[] };
  series: (Noisy & { key: string; name: string; isNoisy: boolean; buckets: (Noisy & { start: string })[] })[];
}
type Metrics = Record<'mttd' | 'mtta' | 'mttr' | 'mttm', Stats>;
interface ResponseTimes {
  filter: { from: string; to: string; kinds: string[] };
  groupBy: string;
  bucket: string;
  timeZone: string;
  overall: Metrics;
  groups: { key: string; metrics: Metrics }[];
  buckets: { start: string; metrics: Metrics }[];
}
interface Group {
  id: string;
  total: number;
  recurring: number;
  rate: number | null;
  recurredAfterFix: number;
}
interface Recurrence {
  from: string;
  to: string;
  windowDays: number;
  rate: number | null;
  recurring: number;
  total: number;
  recurredAfterFix: number;
  byService: Group[];
  byTeam: Group[];
}

const query = (pairs: Record<string, string | undefined>): string => {
  const q = new URLSearchParams();
  for (const [k, v] of Object.entries(pairs)) if (v !== undefined && v !== '') q.set(k, v);
  const s = q.toString();
  return s ? `?${s}` : '';
};

const day = (iso: string): string => iso.slice(0, 10);

/** Service and team names by id, so tables name them as the pages do (ids are in --json). Unknown ids stay ids. */
async function namesOf(c: { get<T>(path: string): Promise<T> }): Promise<(id: string) => string> {
  const [s, t] = await Promise.all([
    c.get<{ services: { id: string; name: string }[] }>('/api/services'),
    c.get<{ teams: { id: string; name: string }[] }>('/api/teams'),
  ]);
  const names = new Map([...s.services, ...t.teams].map((x) => [x.id, x.name] as const));
  return (id) => names.get(id) ?? id;
}

interface Common {
  from?: string;
  to?: string;
  team?: string;
  service?: string;
}
const windowOptions = (c: Command): Command =>
  c
    .option('--from <time>', 'RFC 3339 (default: 90 days before --to)')
    .option('--to <time>', 'RFC 3339 (default: now)')
    .option('--team <id>', "only this team's services (and its time zone for buckets)")
    .option('--service <id>', 'only this service');

export function registerInsightAlertQualityCommands(insights: Command, { client, json }: InsightCliDeps): void {
  windowOptions(
    insights
      .command('alert-quality')
      .description(
        'the noisy share of alerts (judged not actionable or false positive) per week or month, by rule or service',
      ),
  )
    .option('--by <what>', 'rule or service', 'rule')
    .option('--bucket <unit>', 'week or month', 'week')
    .option('--limit <n>', 'the worst this many rules or services (1-50)', '10')
    .action(async (o: Common & { by: string; bucket: string; limit: string }) => {
      const r = await client().get<Quality>(
        `/api/insights/alert-quality${query({
          from: o.from,
          to: o.to,
          teamId: o.team,
          serviceId: o.service,
          groupBy: o.by,
          bucket: o.bucket,
          limit: o.limit,
        })}`,
      );
      if (json()) return printJson(r);
      process.stdout.write(
        `${r.filter.from} to ${r.filter.to}, by ${r.bucket} in ${r.timeZone}: ${r.overall.noisy} of ` +
          `${r.overall.classified} judged alerts noisy (${pct(r.overall.noisyShare)}), ${r.overall.alerts} alerts\n`,
      );
      printTable(
        r.overall.buckets.map((b) => ({
          [r.bucket]: day(b.start),
          alerts: b.alerts,
          judged: b.classified,
          noisy: b.noisy,
          share: pct(b.noisyShare),
        })),
        [r.bucket, 'alerts', 'judged', 'noisy', 'share'],
      );
      process.stdout.write(`\nnoisiest ${r.groupBy === 'service' ? 'services' : 'rules'}:\n`);
      printTable(
        r.series.map((s) => ({
          [r.groupBy]: s.name,
          alerts: s.alerts,
          judged: s.classified,
          noisy: s.noisy,
          share: pct(s.noisyShare),
          trend: s.buckets.map((b) => pct(b.noisyShare)).join(' '),
        })),
        [r.groupBy, 'alerts', 'judged', 'noisy', 'share', 'trend'],
      );
    });

  windowOptions(
    insights
      .command('response-times')
      .description('MTTD, MTTA, MTTR and time to mitigate (median, p90, count) overall, per group and over time'),
  )
    .option('--severity <P1-P4>', 'only this severity')
    .option('--by <what>', 'severity, service, team or none', 'severity')
    .option('--bucket <unit>', 'week or month', 'week')
    .option('--include-kinds <kinds>', 'also count drill and/or imported incidents (comma-separated)')
    .action(async (o: Common & { severity?: string; by: string; bucket: string; includeKinds?: string }) => {
      const r = await client().get<ResponseTimes>(
        `/api/insights/response-times${query({
          from: o.from,
          to: o.to,
          teamId: o.team,
          serviceId: o.service,
          severity: o.severity,
          groupBy: o.by,
          bucket: o.bucket,
          includeKinds: o.includeKinds,
        })}`,
      );
      if (json()) return printJson(r);
      const row = (label: string, m: Metrics) => ({
        group: label,
        resolved: m.mttr.count,
        'mttd median': formatSeconds(m.mttd.median),
        'mtta median': formatSeconds(m.mtta.median),
        'mtta p90': formatSeconds(m.mtta.p90),
        'mttr median': formatSeconds(m.mttr.median),
        'mttr p90': formatSeconds(m.mttr.p90),
        'mttm median': formatSeconds(m.mttm.median),
      });
      const cols = [
        'group',
        'resolved',
        'mttd median',
        'mtta median',
        'mtta p90',
        'mttr median',
        'mttr p90',
        'mttm median',
      ];
      process.stdout.write(
        `${r.filter.from} to ${r.filter.to} (${r.filter.kinds.join(', ')} incidents; by ${r.bucket} in ${r.timeZone})\n`,
      );
      const name = o.by === 'service' || o.by === 'team' ? await namesOf(client()) : (k: string) => k;
      printTable([row('overall', r.overall), ...r.groups.map((g) => row(name(g.key), g.metrics))], cols);
      process.stdout.write(`\nby ${r.bucket}:\n`);
      printTable(
        r.buckets.map((b) => row(day(b.start), b.metrics)),
        cols,
      );
    });

  windowOptions(
    insights
      .command('recurrence')
      .description('the share of incidents that recur an earlier one, by service and team, and recurred after fix'),
  )
    .option('--window-days <n>', 'how far back an earlier incident counts (default 90)')
    .option('--include-kinds <kinds>', 'also count drill and/or imported incidents (comma-separated)')
    .action(async (o: Common & { windowDays?: string; includeKinds?: string }) => {
      const r = await client().get<Recurrence>(
        `/api/insights/recurrence${query({
          from: o.from,
          to: o.to,
          teamId: o.team,
          serviceId: o.service,
          windowDays: o.windowDays,
          includeKinds: o.includeKinds,
        })}`,
      );
      if (json()) return printJson(r);
      process.stdout.write(
        `${r.from} to ${r.to} (earlier incidents within ${r.windowDays} days): ${r.recurring} of ${r.total} ` +
          `incidents recur (${pct(r.rate)}), ${r.recurredAfterFix} after every action item was done\n`,
      );
      const name = await namesOf(client());
      const rows = (kind: string, gs: Group[]) =>
        gs.map((g) => ({
          [kind]: name(g.id),
          incidents: g.total,
          recurring: g.recurring,
          rate: pct(g.rate),
          'after fix': g.recurredAfterFix,
        }));
      process.stdout.write('\nby service:\n');
      printTable(rows('service', r.byService), ['service', 'incidents', 'recurring', 'rate', 'after fix']);
      process.stdout.write('\nby team:\n');
      printTable(rows('team', r.byTeam), ['team', 'incidents', 'recurring', 'rate', 'after fix']);
    });
}
