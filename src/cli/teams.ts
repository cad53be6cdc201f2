/** Client commands for teams and their members, and the durable job queue. */
import { Option, type Command } from 'commander';
import type { CliDeps } from './deps.js';
import { output, printTable } from './output.js';

type Row = Record<string, unknown>;
const enc = encodeURIComponent;

export function registerTeamCommands(program: Command, { client, json }: CliDeps): void {
  const team = program.command('team').alias('teams').description('teams and their members');
  team.command('list').action(async () => {
    const r = await client().get<{ teams: Row[] }>('/api/teams');
    output(json(), r.teams, () => printTable(r.teams, ['id', 'slug', 'name', 'memberCount', 'myRole']));
  });
  team
    .command('create')
    .requiredOption('--name <name>')
    .option('--slug <slug>')
    .option('--description <text>')
    .action(async (o: { name: string; slug?: string; description?: string }) => {
      const r = await client().post<{ id: string; slug: string }>('/api/teams', o);
      output(json(), r, () => process.stdout.write(`created ${r.slug} (${r.id})\n`));
    });
  team
    .command('show')
    .argument('<team>', 'id or slug')
    .action(async (t: string) => {
      const r = await client().get<{ name: string; members: Row[] }>(`/api/teams/${enc(t)}`);
      output(json(), r, () => {
        process.stdout.write(`${r.name}\n`);
        printTable(r.members, ['userId', 'email', 'name', 'role']);
      });
    });
  team
    .command('add-member')
    .argument('<team>', 'id or slug')
    .requiredOption('--user <user>', 'email or user id')
    .addOption(new Option('--role <role>').choices(['owner', 'admin', 'responder', 'viewer']).default('responder'))
    .action(async (t: string, o: { user: string; role: string }) => {
      const c = client();
      const userId = await c.userId(o.user);
      const r = await c.put(`/api/teams/${enc(t)}/members/${enc(userId)}`, { role: o.role });
      output(json(), r, () => process.stdout.write(`${o.user} is ${o.role} in ${t}\n`));
    });
  team
    .command('remove-member')
    .argument('<team>', 'id or slug')
    .requiredOption('--user <user>', 'email or user id')
    .action(async (t: string, o: { user: string }) => {
      const c = client();
      const userId = await c.userId(o.user);
      const r = await c.delete(`/api/teams/${enc(t)}/members/${enc(userId)}`);
      output(json(), r, () => process.stdout.write(`removed ${o.user} from ${t}\n`));
    });

  const jobs = program.command('jobs').description('the durable job queue (administrators)');
  jobs
    .command('list')
    .addOption(new Option('--status <status>').choices(['pending', 'running', 'succeeded', 'dead']))
    .option('--kind <kind>')
    .action(async (o: { status?: string; kind?: string }) => {
      const q = new URLSearchParams();
      if (o.status) q.set('status', o.status);
      if (o.kind) q.set('kind', o.kind);
      const r = await client().get<{ jobs: Row[]; counts: unknown }>(`/api/jobs?${q.toString()}`);
      // A list prints an array with --json, as every list command does (the counts: GET /api/jobs).
      output(json(), r.jobs, () => printTable(r.jobs, ['id', 'kind', 'status', 'attempts', 'runAt', 'lastError']));
    });
  jobs
    .command('retry')
    .argument('<id>')
    .action(async (id: string) => {
      const r = await client().post(`/api/jobs/${enc(id)}/retry`);
      output(json(), r, () => process.stdout.write(`retrying ${id}\n`));
    });
}
