/**
 * `muster insights paging [--from --to --team --service --by person|rotation|service] [--json]`: pages, off-hours and
 * sleep pages, time to acknowledge and pages per on-call week, per person, rotation or service (issue 12,
 * docs/insights.md "Paging"). Client mode: GET /api/insights/paging.
 */
import { InvalidArgumentError, type Command } from 'commander';
import type { InsightCliDeps } from './insights.js';
import { printJson, printTable } from './output.js';
import { formatSeconds } from './insights-format.js';
import type { Stats } from '../insights/model.js';

interface Row {
  name: string;
  pages: number;
  acknowledged: number;
  timeToAck: Stats;
  outsideWorkingHours?: number;
  duringSleep?: number;
  onCallWeeks?: number;
  pagesPerOnCallWeek?: number | null;
}
interface Paging {
  filter: { from: string; to: string };
  timeZone: string;
  overall: Row;
  byPerson: Row[];
  byRotation: Row[];
  byService: Row[];
}

const BY = ['person', 'rotation', 'service'] as const;
type By = (typeof BY)[number];

export function registerInsightPagingCommands(insights: Command, { client, json }: InsightCliDeps): void {
  insights
    .command('paging')
    .description(
      'pages per person, rotation or service: outside working hours, during sleep, time to acknowledge, per on-call week',
    )
    .option('--from <time>', 'pages sent at or after (RFC 3339; default: 90 days before --to)')
    .option('--to <time>', 'pages sent before (RFC 3339; default: now)')
    .option('--team <id>', "only pages for this team's services")
    .option('--service <id>', 'only pages for this service')
    .option('--by <group>', 'person, rotation or service', (v: string): By => {
      if (!(BY as readonly string[]).includes(v)) throw new InvalidArgumentError('must be person, rotation or service');
      return v as By;
    })
    .action(async (o: { from?: string; to?: string; team?: string; service?: string; by?: By }) => {
      const q = new URLSearchParams();
      if (o.from) q.set('from', o.from);
      if (o.to) q.set('to', o.to);
      if (o.team) q.set('teamId', o.team);
      if (o.service) q.set('serviceId', o.service);
      const s = q.toString();
      const r = await client().get<Paging>(`/api/insights/paging${s ? `?${s}` : ''}`);
      if (json()) return printJson(r);
      const by = o.by ?? 'person';
      const rows = by === 'person' ? r.byPerson : by === 'rotation' ? r.byRotation : r.byService;
      const line = (x: Row, name: string) => ({
        [by]: name,
        pages: x.pages,
        acked: x.acknowledged,
        'off-hours': x.outsideWorkingHours ?? '',
        sleep: x.duringSleep ?? '',
        'ack median': formatSeconds(x.timeToAck.median),
        'ack p90': formatSeconds(x.timeToAck.p90),
        'on-call weeks': x.onCallWeeks ?? '',
        'per week': x.pagesPerOnCallWeek === undefined ? '' : (x.pagesPerOnCallWeek ?? '-'),
      });
      const columns = [by, 'pages', 'acked'];
      if (by === 'person') columns.push('off-hours', 'sleep');
      columns.push('ack median', 'ack p90');
      if (by !== 'service') columns.push('on-call weeks', 'per week');
      process.stdout.write(`${r.filter.from} to ${r.filter.to}\n`);
      printTable(
        [line({ ...r.overall, onCallWeeks: undefined }, 'overall'), ...rows.map((x) => line(x, x.name))],
        columns,
      );
    });
}
