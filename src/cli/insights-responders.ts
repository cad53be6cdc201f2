/**
 * `muster insights responders [--from --to --team --service --severity --include-kinds] [--json]`: responders against
 * time to mitigate per severity and the incidents that ran uncoordinated; `--incident <id>`: one incident's
 * responders and its uncoordinated periods (docs/insights.md "Responders"). Client mode: the HTTP API.
 */
import type { Command } from 'commander';
import type { InsightCliDeps } from './insights.js';
import { printJson, printTable } from './output.js';
import { formatSeconds } from './insights-format.js';
import type { Stats } from '../insights/model.js';

interface Report {
  filter: { from: string; to: string };
  incidents: {
    id: string;
    title: string;
    severity: string;
    declaredAt: string;
    responders: number;
    roleHolders: number;
    uncoordinatedSeconds: number;
    mttmSeconds: number | null;
  }[];
  truncated: boolean;
  bySeverity: { severity: string; buckets: { responders: string; incidents: number; timeToMitigate: Stats }[] }[];
  uncoordinatedIncidents: number;
  totalIncidents: number;
}
interface OneIncident {
  responders: {
    userId: string;
    name: string;
    joinedAt: string | null;
    firstActedAt: string | null;
    actions: number;
    roles: string[];
  }[];
  roleHolders: number;
  acting: number;
  uncoordinated: { from: string; until: string | null; people: { userId: string; name: string }[] }[];
}

export function registerInsightRespondersCommands(insights: Command, { client, json }: InsightCliDeps): void {
  insights
    .command('responders')
    .description(
      'responders against time to mitigate per severity, and incidents where 3+ people acted with no Incident Commander',
    )
    .option('--from <time>', 'declared at or after, RFC 3339 (default: 90 days before --to)')
    .option('--to <time>', 'declared before, RFC 3339 (default: now)')
    .option('--team <id>', 'only incidents touching this team’s services')
    .option('--service <id>', 'only incidents with this affected service')
    .option('--severity <P1-P4>', 'only this severity')
    .option('--include-kinds <kinds>', 'also count drill and/or imported incidents (comma-separated)')
    .option('--incident <id>', 'one incident: its responders and when it ran uncoordinated')
    .action(
      async (o: {
        from?: string;
        to?: string;
        team?: string;
        service?: string;
        severity?: string;
        includeKinds?: string;
        incident?: string;
      }) => {
        if (o.incident) {
          const r = await client().get<OneIncident>(`/api/incidents/${encodeURIComponent(o.incident)}/responders`);
          if (json()) return printJson(r);
          printTable(
            r.responders.map((p) => ({ ...p, roles: p.roles.join(',') })),
            ['name', 'joinedAt', 'firstActedAt', 'actions', 'roles', 'userId'],
          );
          process.stdout.write(`\n${r.acting} acting, ${r.roleHolders} holding a role\n`);
          if (r.uncoordinated.length) {
            process.stdout.write('\nuncoordinated (no Incident Commander):\n');
            printTable(
              r.uncoordinated.map((u) => ({
                from: u.from,
                until: u.until ?? 'still',
                people: u.people.map((p) => p.name).join(', '),
              })),
              ['from', 'until', 'people'],
            );
          }
          return;
        }
        const q = new URLSearchParams();
        if (o.from) q.set('from', o.from);
        if (o.to) q.set('to', o.to);
        if (o.team) q.set('teamId', o.team);
        if (o.service) q.set('serviceId', o.service);
        if (o.severity) q.set('severity', o.severity);
        if (o.includeKinds) q.set('includeKinds', o.includeKinds);
        const qs = q.toString();
        const r = await client().get<Report>(`/api/insights/responders${qs ? `?${qs}` : ''}`);
        if (json()) return printJson(r);
        process.stdout.write(`${r.filter.from} to ${r.filter.to}\n\ntime to mitigate by responders:\n`);
        printTable(
          r.bySeverity.flatMap((s) =>
            s.buckets
              .filter((b) => b.incidents > 0)
              .map((b) => ({
                severity: s.severity,
                responders: b.responders,
                incidents: b.incidents,
                median: formatSeconds(b.timeToMitigate.median),
                p90: formatSeconds(b.timeToMitigate.p90),
                mean: formatSeconds(b.timeToMitigate.mean),
                mitigated: b.timeToMitigate.count,
              })),
          ),
          ['severity', 'responders', 'incidents', 'mitigated', 'median', 'p90', 'mean'],
        );
        process.stdout.write(
          `\nuncoordinated: ${r.uncoordinatedIncidents} of ${r.totalIncidents} incidents had 3+ people acting with no Incident Commander\n`,
        );
        const flagged = r.incidents.filter((i) => i.uncoordinatedSeconds > 0);
        if (flagged.length) {
          printTable(
            flagged.map((i) => ({
              ...i,
              uncoordinated: formatSeconds(i.uncoordinatedSeconds),
              mttm: formatSeconds(i.mttmSeconds),
            })),
            ['id', 'severity', 'responders', 'roleHolders', 'uncoordinated', 'mttm', 'title'],
          );
        }
        if (r.truncated)
          process.stdout.write('(the list stops at the newest 1,000 incidents; the figures count all)\n');
      },
    );
}
