#!/usr/bin/env node
import { Command, Option } from 'commander';
import { registerActionCommands } from './actions.js';
import { registerAlertCommands } from './alerts.js';
import { registerChangeCommands } from './changes.js';
import { ApiError, MusterClient } from './client.js';
import { registerIncidentCommands } from './incidents.js';
import { registerInsightCommands } from './insights.js';
import { registerOncallCommands } from './oncall.js';
import { registerPostmortemAnalysisCommands } from './postmortems-analysis.js';
import { registerPostmortemCommands } from './postmortems.js';
import { registerGamedayCommands } from './gamedays.js';
import { registerRunbookCommands } from './runbooks.js';
import { registerRemediationCommands } from './remediation.js';
import { registerAgentCommands } from './agent.js';
import { registerAutomationCommands } from './automation.js';
import { registerPeopleCommands } from './people.js';
import {
  createTokenLocal,
  createUserLocal,
  migrate,
  readConfig,
  readPasswordFromStdin,
  serve,
  signInLinkLocal,
} from './local.js';
import { output, printJson, printTable } from './output.js';

// `muster … | head`: the reader went away. Stop quietly, as other Unix tools do, instead of a stack trace.
process.stdout.on('error', (e: NodeJS.ErrnoException) => {
  if (e.code === 'EPIPE') process.exit(0);
  throw e;
});

interface GlobalOpts {
  url?: string;
  token?: string;
  json?: boolean;
  config?: string;
}

const program = new Command();
program
  .name('muster')
  .description(
    'Muster: self-hosted incident response. Server commands, and a client of the HTTP API for scripts and CI.',
  )
  .addOption(new Option('--url <url>', 'Muster server URL (client commands)').env('MUSTER_URL'))
  .addOption(new Option('--token <token>', 'API token (client commands)').env('MUSTER_TOKEN'))
  .option('--json', 'print JSON for scripts')
  .option('-c, --config <file>', 'YAML config file (server commands)')
  .showHelpAfterError();

const globals = (): GlobalOpts => program.opts<GlobalOpts>();

function client(): MusterClient {
  const { url, token } = globals();
  if (!url || !token) {
    throw new Error(
      'This command talks to a Muster server: pass --url and --token, or set MUSTER_URL and MUSTER_TOKEN.',
    );
  }
  return new MusterClient({ url, token });
}

const json = (): boolean => !!globals().json;

// ---- server commands -------------------------------------------------------------------------------------------
program
  .command('serve')
  .description('run the Muster server (API, web UI and job runner)')
  .option('--port <port>', 'listen port (MUSTER_PORT)')
  .option('--host <host>', 'listen address (MUSTER_HOST)')
  .action(async (o: { port?: string; host?: string }) => {
    await serve(readConfig(globals().config, { port: o.port, host: o.host }));
  });

program
  .command('migrate')
  .description('apply database migrations (the server also applies them at start)')
  .action(async () => {
    const applied = await migrate(readConfig(globals().config));
    output(json(), { applied }, () =>
      process.stdout.write(applied.length ? `applied: ${applied.join(', ')}\n` : 'up to date\n'),
    );
  });

// ---- users -----------------------------------------------------------------------------------------------------
const user = program
  .command('user')
  .alias('users')
  .description('users: create locally, or list and manage through the API');
user
  .command('create')
  .description('create a user (through the API with --url/--token, else directly in the database)')
  .requiredOption('--email <email>')
  .requiredOption('--name <name>')
  .option('--admin', 'make the user an administrator')
  .option('--password-stdin', 'read the password from standard input (else print a one-time sign-in link)')
  .action(async (o: { email: string; name: string; admin?: boolean; passwordStdin?: boolean }) => {
    const password = o.passwordStdin ? readPasswordFromStdin() : undefined;
    const input = { email: o.email, name: o.name, isAdmin: !!o.admin, ...(password ? { password } : {}) };
    if (globals().url) {
      const r = await client().post<{ user: { id: string }; signInLink?: { url: string } }>('/api/users', input);
      output(json(), r, () =>
        process.stdout.write(`created ${r.user.id}${r.signInLink ? `\nsign-in link: ${r.signInLink.url}` : ''}\n`),
      );
      return;
    }
    const r = await createUserLocal(readConfig(globals().config), input);
    output(json(), r, () =>
      process.stdout.write(`created ${o.email}${r.signInUrl ? `\nsign-in link: ${r.signInUrl}` : ''}\n`),
    );
  });
user
  .command('link')
  .description('print a one-time sign-in link for a user (account recovery; works on the database directly)')
  .argument('<email>')
  .action(async (email: string) => {
    const url = await signInLinkLocal(readConfig(globals().config), email);
    output(json(), { url }, () => process.stdout.write(`${url}\n`));
  });
user
  .command('list')
  .description('list users')
  .action(async () => {
    const r = await client().get<{ users: Record<string, unknown>[] }>('/api/users');
    output(json(), r.users, () => printTable(r.users, ['id', 'email', 'name', 'isAdmin', 'timezone']));
  });

// ---- API tokens ------------------------------------------------------------------------------------------------
const token = program.command('token').alias('tokens').description('personal API tokens');
token
  .command('create')
  .description('create an API token; printed once (with --email and no --url: directly in the database)')
  .requiredOption('--name <name>')
  .option('--email <email>', 'the user, for a token created in the database (bootstrap, CI)')
  .action(async (o: { name: string; email?: string }) => {
    if (!globals().url) {
      if (!o.email) throw new Error('Without --url, pass --email to create the token in the database directly.');
      const r = await createTokenLocal(readConfig(globals().config), o.email, o.name);
      output(json(), r, () => process.stdout.write(`${r.token}\n`));
      return;
    }
    const r = await client().post<{ token: string; apiToken: { id: string } }>('/api/tokens', { name: o.name });
    output(json(), r, () => process.stdout.write(`${r.token}\n`));
  });
token
  .command('list')
  .description('list your API tokens')
  .action(async () => {
    const r = await client().get<{ tokens: Record<string, unknown>[] }>('/api/tokens');
    output(json(), r.tokens, () =>
      printTable(r.tokens, ['id', 'name', 'prefix', 'createdAt', 'lastUsedAt', 'revokedAt']),
    );
  });
token
  .command('revoke')
  .argument('<id>')
  .description('revoke an API token')
  .action(async (id: string) => {
    await client().delete(`/api/tokens/${encodeURIComponent(id)}`);
    output(json(), { revoked: id }, () => process.stdout.write(`revoked ${id}\n`));
  });

// ---- teams -----------------------------------------------------------------------------------------------------
const team = program.command('team').alias('teams').description('teams and their members');
team.command('list').action(async () => {
  const r = await client().get<{ teams: Record<string, unknown>[] }>('/api/teams');
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
    const r = await client().get<{ name: string; members: Record<string, unknown>[] }>(
      `/api/teams/${encodeURIComponent(t)}`,
    );
    output(json(), r, () => {
      process.stdout.write(`${r.name}\n`);
      printTable(r.members, ['userId', 'email', 'name', 'role']);
    });
  });
team
  .command('add-member')
  .argument('<team>', 'id or slug')
  .requiredOption('--user <userId>')
  .addOption(new Option('--role <role>').choices(['owner', 'admin', 'responder', 'viewer']).default('responder'))
  .action(async (t: string, o: { user: string; role: string }) => {
    const r = await client().put(`/api/teams/${encodeURIComponent(t)}/members/${encodeURIComponent(o.user)}`, {
      role: o.role,
    });
    output(json(), r, () => process.stdout.write(`${o.user} is ${o.role} in ${t}\n`));
  });
team
  .command('remove-member')
  .argument('<team>', 'id or slug')
  .requiredOption('--user <userId>')
  .action(async (t: string, o: { user: string }) => {
    const r = await client().delete(`/api/teams/${encodeURIComponent(t)}/members/${encodeURIComponent(o.user)}`);
    output(json(), r, () => process.stdout.write(`removed ${o.user} from ${t}\n`));
  });

// ---- jobs ------------------------------------------------------------------------------------------------------
const jobs = program.command('jobs').description('the durable job queue (administrators)');
jobs
  .command('list')
  .addOption(new Option('--status <status>').choices(['pending', 'running', 'succeeded', 'dead']))
  .option('--kind <kind>')
  .action(async (o: { status?: string; kind?: string }) => {
    const q = new URLSearchParams();
    if (o.status) q.set('status', o.status);
    if (o.kind) q.set('kind', o.kind);
    const r = await client().get<{ jobs: Record<string, unknown>[]; counts: unknown }>(`/api/jobs?${q.toString()}`);
    output(json(), r, () => printTable(r.jobs, ['id', 'kind', 'status', 'attempts', 'runAt', 'lastError']));
  });
jobs
  .command('retry')
  .argument('<id>')
  .action(async (id: string) => {
    const r = await client().post(`/api/jobs/${encodeURIComponent(id)}/retry`);
    output(json(), r, () => process.stdout.write(`retrying ${id}\n`));
  });

// ---- services, integration keys, alerts (src/cli/alerts.ts) ---------------------------------------------------
registerAlertCommands(program, { client, json });
registerChangeCommands(program, { client, json });

// ---- on-call: oncall now, override, schedules (src/cli/oncall.ts) --------------------------------------------
registerOncallCommands(program, { client, json });

// ---- incidents: declare, list, show, role, status, note (src/cli/incidents.ts) --------------------------------
registerIncidentCommands(program, { client, json });

// ---- post-mortems: list, show, create, edit, publish, export (src/cli/postmortems.ts); completion rate and
// contributing factors (src/cli/postmortems-analysis.ts) -----------------------------------------------------------
registerPostmortemCommands(program, { client, json });
registerPostmortemAnalysisCommands(program, { client, json });

// ---- action items: list, create, update (src/cli/actions.ts) ----------------------------------------------------
registerActionCommands(program, { client, json });

// ---- insights: response times, paging, recurrence, learning, responders, alert quality (src/cli/insights*.ts) ---
registerInsightCommands(program, { client, json });

// ---- game days: list, show, create, start, inject, halt, end, debrief (src/cli/gamedays.ts) ----------------------
registerGamedayCommands(program, { client, json });

// ---- runbooks (src/cli/runbooks.ts), remediation actions and runs: `muster action` (src/cli/remediation.ts), the
// agent process `muster agent` (src/cli/agent.ts), automation rules (src/cli/automation.ts) -----------------------
registerRunbookCommands(program, { client, json });
registerRemediationCommands(program, { client, json });
registerAgentCommands(program, { client, json });
registerAutomationCommands(program, { client, json });

// ---- people health: heroes, knowledge, load, recovery, comp time, pulse, service cards (src/cli/people.ts) ------
registerPeopleCommands(program, { client, json });

// ---- misc ------------------------------------------------------------------------------------------------------
program
  .command('whoami')
  .description('the user behind the token')
  .action(async () => {
    const r = await client().get<{ email: string; name: string; isAdmin: boolean }>('/api/me');
    output(json(), r, () => process.stdout.write(`${r.name} <${r.email}>${r.isAdmin ? ' (administrator)' : ''}\n`));
  });
program
  .command('api')
  .description('call any API path: muster api GET /api/teams, muster api POST /api/teams --data \'{"name":"x"}\'')
  .argument('<method>')
  .argument('<path>')
  .option('--data <json>', 'JSON request body')
  .action(async (method: string, path: string, o: { data?: string }) => {
    const body = o.data === undefined ? undefined : (JSON.parse(o.data) as unknown);
    printJson(await client().request(method.toUpperCase(), path, body));
  });

program.parseAsync(process.argv).catch((e: unknown) => {
  if (e instanceof ApiError) {
    if (json()) printJson({ error: { code: e.code, message: e.message, details: e.details }, status: e.status });
    else process.stderr.write(`error: ${e.message} (${e.code}, HTTP ${e.status})\n`);
    process.exit(e.status === 401 || e.status === 403 ? 3 : 1);
  }
  process.stderr.write(`error: ${e instanceof Error ? e.message : String(e)}\n`);
  process.exit(1);
});
