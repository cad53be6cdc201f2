/** Client commands for incidents: declare, list, show, roles, status, notes (the HTTP API, like every client command). */
import type { Command } from 'commander';
import { ApiError } from './client.js';
import { output, printTable, say, type ClientDeps } from './output.js';
import { readPages } from './pages.js';

type Row = Record<string, unknown>;
const enc = encodeURIComponent;

interface IncidentJson extends Row {
  id: string;
  title: string;
  severity: string;
  status: string;
  declaredAt: string;
}

interface DetailJson {
  incident: IncidentJson & { summary: string; milestones: Record<string, string | null> };
  roles: Record<string, { name: string } | null>;
  checklist: { step: string; title: string; doneAt: string | null; elapsedSeconds: number | null }[];
  warnings: { message: string }[];
  metrics: Record<string, number | null>;
}

const ROLE_LABELS: [string, string][] = [
  ['commander', 'Incident Commander'],
  ['technical_lead', 'Technical Lead'],
  ['communications_lead', 'Communications Lead'],
];

function printDetail(d: DetailJson): void {
  const i = d.incident;
  say(`${i.id}  ${i.severity}  ${i.status}  ${i.title}`);
  if (i.summary) say(i.summary);
  say('');
  for (const [role, label] of ROLE_LABELS) say(`${label.padEnd(20)} ${d.roles[role]?.name ?? '-'}`);
  say('');
  say('First five minutes:');
  for (const c of d.checklist) {
    say(`  [${c.doneAt ? 'x' : ' '}] ${c.title}${c.elapsedSeconds !== null ? ` (+${c.elapsedSeconds}s)` : ''}`);
  }
  say('');
  for (const [k, v] of Object.entries(i.milestones)) say(`${k.padEnd(20)} ${v ?? '-'}`);
  for (const w of d.warnings) say(`warning: ${w.message}`);
}

const report = (json: boolean, d: DetailJson): void => output(json, d, () => printDetail(d));

export function registerIncidentCommands(program: Command, { client, json }: ClientDeps): void {
  const incident = program.command('incident').alias('incidents').description('incidents: declare, run, resolve');

  incident
    .command('declare')
    .description('declare an incident')
    .requiredOption('--severity <P1|P2|P3|P4>', 'customer impact: P1 core workflows down … P4 cosmetic')
    .requiredOption('--title <text>')
    .option('--summary <text>')
    .option('--service <idOrSlug...>', 'affected services')
    .option('--alert <alertId...>', 'alerts to link')
    .action(async (o: { severity: string; title: string; summary?: string; service?: string[]; alert?: string[] }) => {
      const d = await client().post<DetailJson>('/api/incidents', {
        severity: o.severity.toUpperCase(),
        title: o.title,
        ...(o.summary ? { summary: o.summary } : {}),
        ...(o.service ? { serviceIds: o.service } : {}),
        ...(o.alert ? { alertIds: o.alert } : {}),
      });
      report(json(), d);
    });

  incident
    .command('list')
    .description('incidents, newest first')
    .option('--status <open|all|investigating|identified|monitoring|resolved>', 'filter', 'open')
    .option('--severity <P1|P2|P3|P4>')
    .option('--limit <n>', 'at most this many a page', '100')
    .option('--cursor <cursor>', "the incidents after this cursor (the previous page's next)")
    .option('--all', 'every page, following the cursor')
    .action(async (o: { status: string; severity?: string; limit: string; cursor?: string; all?: boolean }) => {
      const q = new URLSearchParams({ status: o.status, limit: o.limit });
      if (o.severity) q.set('severity', o.severity.toUpperCase());
      const r = await readPages(
        async (cursor) => {
          if (cursor) q.set('cursor', cursor);
          const page = await client().get<{ incidents: IncidentJson[]; next: string | null }>(
            `/api/incidents?${q.toString()}`,
          );
          return { rows: page.incidents, next: page.next };
        },
        { cursor: o.cursor, all: o.all },
      );
      output(json(), r.rows, () => printTable(r.rows, ['id', 'severity', 'status', 'title', 'declaredAt']));
      if (r.next) (json() ? process.stderr : process.stdout).write(`more: --cursor ${r.next}\n`);
    });

  incident
    .command('show')
    .description('an incident: roles, checklist, milestones, warnings')
    .argument('<id>')
    .action(async (id: string) => report(json(), await client().get<DetailJson>(`/api/incidents/${enc(id)}`)));

  incident
    .command('role')
    .description('assign roles (P1 needs three different people)')
    .argument('<id>')
    .option('--ic <userId>', 'Incident Commander')
    .option('--tl <userId>', 'Technical Lead')
    .option('--cl <userId>', 'Communications Lead')
    .option(
      '--override-reason <text>',
      'why one person holds two roles where the severity policy wants different people (lands on the timeline)',
    )
    .action(async (id: string, o: { ic?: string; tl?: string; cl?: string; overrideReason?: string }) => {
      const wanted = (['ic', 'tl', 'cl'] as const).filter((r) => o[r]);
      if (!wanted.length) throw new Error('Pass at least one of --ic, --tl, --cl.');
      const reason = o.overrideReason?.trim();
      let d: DetailJson | null = null;
      for (const r of wanted) {
        try {
          d = await client().put<DetailJson>(`/api/incidents/${enc(id)}/roles/${r}`, {
            userId: o[r],
            ...(reason ? { overrideReason: reason } : {}),
          });
        } catch (e) {
          if (e instanceof ApiError && e.code === 'roles_not_distinct' && !reason)
            throw new ApiError(
              e.status,
              e.code,
              `${e.message.replace(/ Choose someone else.*$/, '')} Choose someone else for --${r}, or run the ` +
                `command again with --override-reason "why" to assign them anyway (the reason goes on the timeline).`,
              e.details,
            );
          throw e;
        }
      }
      report(json(), d!);
    });

  incident
    .command('status')
    .description('move the status; from resolved it reopens')
    .argument('<id>')
    .argument('<status>', 'investigating | identified | monitoring | resolved')
    .option('-m, --message <text>', 'what changed')
    .action(async (id: string, status: string, o: { message?: string }) => {
      const d = await client().post<DetailJson>(`/api/incidents/${enc(id)}/status`, {
        status,
        ...(o.message ? { message: o.message } : {}),
      });
      report(json(), d);
    });

  incident
    .command('note')
    .description(
      'post a note to the timeline, or a typed entry: --type hypothesis (yours, or --owner; it becomes a task), ' +
        'ruled_out, finding, decision',
    )
    .argument('<id>')
    .argument('<text>')
    .option('--type <type>', 'note | hypothesis | ruled_out | finding | decision', 'note')
    .option('--evidence <url>', 'an http(s) link to the evidence (a graph, a log search, a trace)')
    .option('--owner <user>', "a hypothesis's owner (email or id; default: you)")
    .action(async (id: string, text: string, o: { type: string; evidence?: string; owner?: string }) => {
      const type = o.type.replace(/-/g, '_');
      if (type === 'note') {
        if (o.evidence || o.owner)
          throw new Error('--evidence and --owner go with --type hypothesis, ruled_out, finding or decision.');
        const e = await client().post<{ seq: number; at: string }>(`/api/incidents/${enc(id)}/notes`, { text });
        output(json(), e, () => say(`noted (#${e.seq} at ${e.at})`));
        return;
      }
      const c = client();
      const e = await c.post<{ id: string; type: string; owner: { name: string } | null }>(
        `/api/incidents/${enc(id)}/entries`,
        {
          type,
          text,
          ...(o.evidence ? { evidenceUrl: o.evidence } : {}),
          ...(o.owner ? { ownerUserId: await c.userId(o.owner) } : {}),
        },
      );
      output(json(), e, () =>
        say(`${e.type.replace('_', ' ')} ${e.id}${e.owner ? ` (${e.owner.name} is on it)` : ''}`),
      );
    });
}
