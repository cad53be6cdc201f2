/**
 * Client commands for post-mortems: list, show, create, edit a section, publish, export (the HTTP API, like every
 * client command). `muster postmortem completion|factors` live in postmortems-analysis.ts under the same command.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import type { Command } from 'commander';
import { ApiError, type MusterClient } from './client.js';
import { output, printTable, say, type ClientDeps } from './output.js';

const enc = encodeURIComponent;

interface Summary {
  id: string;
  incident: { id: string; title: string; severity: string };
  title: string;
  status: string;
  owner: { name: string } | null;
  dueAt: string | null;
  isOverdue: boolean;
}

interface Postmortem {
  id: string;
  incidentId: string;
  incident: { title: string; severity: string; status: string };
  title: string;
  status: string;
  owner: { name: string } | null;
  dueAt: string | null;
  isOverdue: boolean;
  revision: number;
  sections: { key: string; title: string; kind: string; required: boolean; body: string; isFilled: boolean }[];
  reviewers: { user: { name: string }; decision: string }[];
  blame: { findings: { sectionKey: string; excerpt: string; message: string }[] };
  publishProblems: { message: string }[];
}

function printPostmortem(p: Postmortem): void {
  say(`${p.id}  ${p.status}${p.isOverdue ? ' (overdue)' : ''}  ${p.title}`);
  say(`incident ${p.incidentId}  ${p.incident.severity}  ${p.incident.status}  ${p.incident.title}`);
  say(`owner ${p.owner?.name ?? '-'}  due ${p.dueAt ?? '-'}  revision ${p.revision}`);
  if (p.reviewers.length) say(`reviewers ${p.reviewers.map((r) => `${r.user.name} (${r.decision})`).join(', ')}`);
  say('');
  for (const s of p.sections) {
    say(`[${s.isFilled ? 'x' : ' '}] ${s.title} (${s.key}, ${s.kind}${s.required ? ', required' : ''})`);
    if (s.body.trim()) for (const line of s.body.trim().split('\n')) say(`    ${line}`);
  }
  for (const f of p.blame.findings) say(`blame [${f.sectionKey}]: "${f.excerpt}" — ${f.message}`);
  if (p.publishProblems.length) {
    say('');
    say('Before publishing:');
    for (const x of p.publishProblems) say(`  - ${x.message}`);
  }
}

/** A post-mortem by its id, or the post-mortem of the incident with that id. */
async function find(client: MusterClient, id: string): Promise<Postmortem> {
  try {
    return await client.get<Postmortem>(`/api/postmortems/${enc(id)}`);
  } catch (e) {
    if (!(e instanceof ApiError) || e.status !== 404) throw e;
    return client.get<Postmortem>(`/api/incidents/${enc(id)}/postmortem`);
  }
}

/** The `postmortem` command, shared with the analysis commands (whichever registers first creates it). */
function postmortemCommand(program: Command): Command {
  return (
    program.commands.find((c) => c.name() === 'postmortem') ??
    program.command('postmortem').alias('postmortems').description('post-mortems')
  );
}

export function registerPostmortemCommands(program: Command, { client, json }: ClientDeps): void {
  const pm = postmortemCommand(program);

  pm.command('list')
    .description('post-mortems, newest first')
    .option('--overdue', 'only those past their due date and not published')
    .option('--mine', 'only those I own')
    .option('--status <draft|in_review|published>')
    .action(async (o: { overdue?: boolean; mine?: boolean; status?: string }) => {
      const items: Summary[] = [];
      let cursor: string | null = null;
      do {
        const q = new URLSearchParams({ limit: '200' });
        if (o.overdue) q.set('overdue', 'true');
        if (o.mine) q.set('owner', 'me');
        if (o.status) q.set('status', o.status);
        if (cursor) q.set('cursor', cursor);
        const page: { items: Summary[]; nextCursor: string | null } = await client().get(
          `/api/postmortems?${q.toString()}`,
        );
        items.push(...page.items);
        cursor = page.nextCursor;
      } while (cursor);
      output(json(), items, () =>
        printTable(
          items.map((i) => ({
            id: i.id,
            severity: i.incident.severity,
            status: i.status,
            owner: i.owner?.name ?? null,
            due: i.dueAt ? `${i.dueAt.slice(0, 10)}${i.isOverdue ? ' overdue' : ''}` : null,
            title: i.title,
          })),
          ['id', 'severity', 'status', 'owner', 'due', 'title'],
        ),
      );
    });

  pm.command('show')
    .description('a post-mortem (by its id or its incident’s id): sections, reviewers, what blocks publishing')
    .argument('<id>')
    .action(async (id: string) => {
      const p = await find(client(), id);
      output(json(), p, () => printPostmortem(p));
    });

  pm.command('create')
    .description('start the post-mortem of an incident')
    .argument('<incidentId>')
    .option('--template <id>', 'default: the one the severity’s policy names')
    .action(async (incidentId: string, o: { template?: string }) => {
      const p = await client().post<Postmortem>(
        `/api/incidents/${enc(incidentId)}/postmortem`,
        o.template ? { templateId: o.template } : {},
      );
      output(json(), p, () => printPostmortem(p));
    });

  pm.command('edit')
    .description('replace one section’s Markdown (refused if someone saved since it was read)')
    .argument('<id>')
    .requiredOption('--section <key>')
    .option('--file <path>', 'read the Markdown from a file (- for stdin)')
    .option('--text <markdown>')
    .action(async (id: string, o: { section: string; file?: string; text?: string }) => {
      if ((o.file === undefined) === (o.text === undefined)) throw new Error('Pass exactly one of --file or --text.');
      const text = o.text ?? readFileSync(o.file === '-' ? 0 : o.file!, 'utf8');
      const c = client();
      const current = await find(c, id);
      const p = await c.patch<Postmortem>(`/api/postmortems/${enc(current.id)}`, {
        sections: { [o.section]: text },
        baseRevision: current.revision,
      });
      output(json(), p, () => printPostmortem(p));
    });

  pm.command('publish')
    .description('publish it (refused, with the reasons, until it is ready)')
    .argument('<id>')
    .action(async (id: string) => {
      const c = client();
      const current = await find(c, id);
      try {
        const p = await c.post<Postmortem>(`/api/postmortems/${enc(current.id)}/publish`);
        output(json(), p, () => say(`published ${p.id}`));
      } catch (e) {
        if (e instanceof ApiError && e.code === 'publish_blocked' && Array.isArray(e.details)) {
          const problems = e.details as { message: string }[];
          throw new Error(`Not ready to publish:\n${problems.map((x) => `  - ${x.message}`).join('\n')}`);
        }
        throw e;
      }
    });

  pm.command('export')
    .description('the post-mortem as Markdown')
    .argument('<id>')
    .option('--out <file>', 'write to a file instead of stdout')
    .action(async (id: string, o: { out?: string }) => {
      const c = client();
      const current = await find(c, id);
      const md = await c.get<string>(`/api/postmortems/${enc(current.id)}/export.md`);
      if (o.out) {
        writeFileSync(o.out, md);
        output(json(), { id: current.id, out: o.out, bytes: Buffer.byteLength(md) }, () => say(`wrote ${o.out}`));
      } else if (json()) output(true, { id: current.id, markdown: md }, () => undefined);
      else process.stdout.write(md);
    });
}
