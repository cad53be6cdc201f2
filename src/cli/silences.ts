/** `muster silence …`: silences through the HTTP API (matching alerts are recorded, not paged). See docs/alerts.md. */
import type { Command } from 'commander';
import type { CliDeps } from './deps.js';
import { output, printJson, printTable, withServiceSlugs, say } from './output.js';

type Row = Record<string, unknown>;
const enc = encodeURIComponent;

interface Matcher {
  name: string;
  value: string;
  isRegex: boolean;
  isEqual: boolean;
}
interface SilenceJson extends Row {
  id: string;
  serviceId: string | null;
  matchers: Matcher[];
  startsAt: string;
  endsAt: string;
  comment: string;
  createdByLabel: string;
  status: string;
}

/** `alertname=DiskFull`, `env!=staging`, `pod=~"api-.*"`, `team!~x|y` as the API's matcher. */
export function parseMatcherText(text: string): Matcher {
  const found = /^\s*([a-zA-Z_][a-zA-Z0-9_]*)\s*(=~|!~|!=|=)\s*(.*?)\s*$/.exec(text);
  if (!found) throw new Error(`--matcher: "${text}" is not name=value, name!=value, name=~regex or name!~regex.`);
  const [, name, op, raw] = found as unknown as [string, string, string, string];
  const value = /^".*"$/.test(raw) ? (JSON.parse(raw) as string) : raw;
  return { name, value, isRegex: op.endsWith('~'), isEqual: !op.startsWith('!') };
}

export const matcherText = (m: Matcher): string =>
  `${m.name}${m.isRegex ? (m.isEqual ? '=~' : '!~') : m.isEqual ? '=' : '!='}${JSON.stringify(m.value)}`;

/** `90m`, `2h`, `1d`, `1w` in milliseconds. */
export function parseDuration(text: string): number {
  const m = /^\s*(\d+)\s*(m|h|d|w)\s*$/i.exec(text);
  if (!m || Number(m[1]) < 1) throw new Error(`--duration: "${text}" is not a duration like 90m, 2h, 1d or 1w.`);
  const unit = { m: 60_000, h: 3_600_000, d: 86_400_000, w: 604_800_000 }[m[2]!.toLowerCase() as 'm' | 'h' | 'd' | 'w'];
  return Number(m[1]) * unit;
}

const collect = (value: string, previous: string[] = []): string[] => [...previous, value];

export function registerSilenceCommands(program: Command, { client, json }: CliDeps): void {
  const silences = program
    .command('silence')
    .alias('silences')
    .description('silences: alerts matching their labels are recorded, not paged, until they end');

  silences
    .command('list')
    .option('--status <status>', 'pending, active or expired')
    .option('--service <service>', 'id or slug')
    .action(async (o: { status?: string; service?: string }) => {
      const q = new URLSearchParams();
      if (o.status) q.set('status', o.status);
      if (o.service) q.set('service', o.service);
      const c = client();
      const r = await c.get<{ silences: SilenceJson[] }>(`/api/silences?${q.toString()}`);
      if (json()) return printJson(r.silences);
      const rows = await withServiceSlugs(c, r.silences);
      printTable(
        rows.map((s) => ({
          ...s,
          matchers: s.matchers.map(matcherText).join(', '),
          service: s.serviceId ? s.service : 'every',
        })),
        ['id', 'status', 'service', 'matchers', 'startsAt', 'endsAt', 'createdByLabel', 'comment'],
      );
    });

  silences
    .command('show')
    .argument('<id>')
    .action(async (id: string) => {
      const s = await client().get<SilenceJson>(`/api/silences/${enc(id)}`);
      output(json(), s, () => {
        say(`${s.id}  ${s.status}  ${s.startsAt} - ${s.endsAt}`);
        say(`matchers: ${s.matchers.map(matcherText).join(', ') || '-'}; service: ${s.serviceId ?? 'every service'}`);
        say(`by ${s.createdByLabel}: ${s.comment}`);
      });
    });

  silences
    .command('create')
    .description('silence alerts matching every --matcher, for --duration (or until --end)')
    .option('--matcher <m>', 'label matcher: name=value, name!=value, name=~regex, name!~regex (repeat)', collect, [])
    .option('--service <service>', 'only this service (id or slug); without it, every service (administrators)')
    .option('--duration <d>', 'how long: 90m, 2h, 1d, 1w (from --start or now)')
    .option('--start <iso>', 'RFC 3339 (default now)')
    .option('--end <iso>', 'RFC 3339 (instead of --duration)')
    .requiredOption('--comment <text>', 'why (shown to whoever sees the held alerts)')
    .action(
      async (o: {
        matcher: string[];
        service?: string;
        duration?: string;
        start?: string;
        end?: string;
        comment: string;
      }) => {
        if (!o.duration === !o.end) throw new Error('Give either --duration or --end.');
        const matchers = o.matcher.map(parseMatcherText);
        const start = o.start ? Date.parse(o.start) : Date.now();
        if (Number.isNaN(start)) throw new Error(`--start: "${o.start}" is not an RFC 3339 time.`);
        const endsAt = o.end ?? new Date(start + parseDuration(o.duration!)).toISOString();
        const r = await client().post<SilenceJson>('/api/silences', {
          matchers,
          ...(o.service ? { service: o.service } : {}),
          ...(o.start ? { startsAt: o.start } : {}),
          endsAt,
          comment: o.comment,
        });
        output(json(), r, () => say(`created silence ${r.id} (${r.status}) until ${r.endsAt}`));
      },
    );

  silences
    .command('expire')
    .argument('<id>')
    .description('end a silence now; alerts it held page if still firing')
    .action(async (id: string) => {
      const r = await client().post<SilenceJson>(`/api/silences/${enc(id)}/expire`);
      output(json(), r, () => say(`expired silence ${r.id}`));
    });
}
