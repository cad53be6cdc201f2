/**
 * The `muster` command's registry. Start-up is kept short by loading only what the command asked for: COMMANDS names
 * each top-level command and the module that registers it, and only that module is imported (server code such as
 * Fastify, Kysely and the database drivers only by the server commands that need it, see src/cli/local.ts).
 * `muster --help` lists COMMANDS without importing any module. To add a command: write a module exporting a
 * `register…(program, deps: CliDeps)` function and add one entry to COMMANDS (src/cli/commands.test.ts checks the
 * entries against what the modules register). To add a subcommand to an existing command from another module, add
 * that module to the entry's `load` list and find the parent with `program.commands.find(...)`.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Command, CommanderError, Option } from 'commander';
import { ApiError, MusterClient, UnreachableError } from './client.js';
import { readStoredLogin, sameServer } from './cli-config.js';
import type { CliDeps, GlobalOpts } from './deps.js';

type Register = (program: Command, deps: CliDeps) => void;

export interface CommandEntry {
  /** The top-level command's name, its aliases, and its one-line description for `muster --help`. */
  name: string;
  aliases?: string[];
  description: string;
  /** The module(s) registering it, in order (a later one may add subcommands to the command an earlier one made). */
  load: () => Promise<Register>[];
}

const accountCommands = async (): Promise<Register> => (await import('./account.js')).registerAccountCommands;
const alertCommands = async (): Promise<Register> => (await import('./alerts.js')).registerAlertCommands;
const oncallCommands = async (): Promise<Register> => (await import('./oncall.js')).registerOncallCommands;
const postmortemCommands = async (): Promise<Register> => (await import('./postmortems.js')).registerPostmortemCommands;
const postmortemAnalysisCommands = async (): Promise<Register> =>
  (await import('./postmortems-analysis.js')).registerPostmortemAnalysisCommands;
const escalationPreviewCommands = async (): Promise<Register> =>
  (await import('./escalation-preview.js')).registerEscalationPreviewCommands;
const serviceUpdateCommands = async (): Promise<Register> =>
  (await import('./services-update.js')).registerServiceUpdateCommands;
const teamCommands = async (): Promise<Register> => (await import('./teams.js')).registerTeamCommands;
const configCodeCommands = async (): Promise<Register> => (await import('./config-code.js')).registerConfigCodeCommands;
const serverCommands = async (): Promise<Register> => (await import('./server-commands.js')).registerServerCommands;

export const COMMANDS: CommandEntry[] = [
  // server commands: work on the database directly
  { name: 'serve', description: 'run the Muster server (API, web UI and job runner)', load: () => [serverCommands()] },
  {
    name: 'migrate',
    description: 'apply database migrations (the server also applies them at start)',
    load: () => [serverCommands()],
  },
  // users, tokens, signing in (src/cli/account.ts)
  {
    name: 'login',
    description:
      'sign in to a running server with email and password; creates an API token and stores it for later commands',
    load: () => [accountCommands()],
  },
  {
    name: 'logout',
    description: 'revoke the API token `muster login` stored, and forget it',
    load: () => [accountCommands()],
  },
  {
    name: 'user',
    aliases: ['users'],
    description: 'users: create locally, or list and manage through the API',
    load: () => [accountCommands()],
  },
  { name: 'token', aliases: ['tokens'], description: 'personal API tokens', load: () => [accountCommands()] },
  // teams and the job queue (src/cli/teams.ts)
  {
    name: 'team',
    aliases: ['teams'],
    description: 'teams and their members',
    load: () => [teamCommands(), import('./incident-bridge.js').then((m) => m.registerTeamBridgeCommands)],
  },
  { name: 'jobs', description: 'the durable job queue (administrators)', load: () => [teamCommands()] },
  // services, integration keys, alerts (src/cli/alerts.ts)
  {
    name: 'services',
    aliases: ['service'],
    description: 'the service catalog',
    load: () => [alertCommands(), escalationPreviewCommands(), serviceUpdateCommands()],
  },
  { name: 'keys', aliases: ['key'], description: "a service's integration keys", load: () => [alertCommands()] },
  { name: 'alerts', aliases: ['alert'], description: 'alerts', load: () => [alertCommands()] },
  { name: 'ack', description: 'acknowledge an alert', load: () => [alertCommands()] },
  {
    name: 'resolve',
    description: 'resolve an alert, optionally judging it for alert-quality reports',
    load: () => [alertCommands()],
  },
  {
    name: 'change',
    aliases: ['changes'],
    description: 'deploys and config changes per service',
    load: () => [import('./changes.js').then((m) => m.registerChangeCommands)],
  },
  // on-call: oncall now, overrides, schedules (src/cli/oncall.ts)
  { name: 'oncall', description: 'who is on call', load: () => [oncallCommands()] },
  { name: 'override', aliases: ['overrides'], description: 'schedule overrides', load: () => [oncallCommands()] },
  { name: 'schedules', aliases: ['schedule'], description: 'on-call schedules', load: () => [oncallCommands()] },
  // escalation policies (src/cli/escalation.ts), silences (src/cli/silences.ts), contact methods (src/cli/contacts.ts)
  {
    name: 'escalation-policy',
    aliases: ['escalation-policies', 'policy'],
    description: 'escalation policies: who is paged at each level, and after how long',
    load: () => [import('./escalation.js').then((m) => m.registerEscalationCommands)],
  },
  {
    name: 'silence',
    aliases: ['silences'],
    description: 'silences: alerts matching their labels are recorded, not paged, until they end',
    load: () => [import('./silences.js').then((m) => m.registerSilenceCommands)],
  },
  {
    name: 'contact-method',
    aliases: ['contact-methods', 'contact'],
    description: 'contact methods: where pages reach you (email, webhook, ntfy, Slack, SMS, voice)',
    load: () => [import('./contacts.js').then((m) => m.registerContactCommands)],
  },
  // incidents (src/cli/incidents.ts)
  {
    name: 'incident',
    aliases: ['incidents'],
    description: 'incidents: declare, run, resolve',
    load: () => [
      import('./incidents.js').then((m) => m.registerIncidentCommands),
      import('./incident-findings.js').then((m) => m.registerIncidentFindingCommands),
      import('./incident-bridge.js').then((m) => m.registerIncidentBridgeCommands),
    ],
  },
  // post-mortems (src/cli/postmortems.ts), completion rate and contributing factors (src/cli/postmortems-analysis.ts)
  {
    name: 'postmortem',
    aliases: ['postmortems'],
    description: 'post-mortems',
    load: () => [postmortemCommands(), postmortemAnalysisCommands()],
  },
  {
    name: 'factors',
    aliases: ['factor'],
    description: 'contributing factors: the taxonomy and how often post-mortems name them',
    load: () => [postmortemAnalysisCommands()],
  },
  // action items (src/cli/actions.ts)
  {
    name: 'actions',
    description: 'action items from post-mortems and incidents: list, create, update',
    load: () => [import('./actions.js').then((m) => m.registerActionCommands)],
  },
  // insights (src/cli/insights*.ts)
  {
    name: 'insights',
    description: 'response times, paging, recurrence, learning, responders and alert quality over time',
    load: () => [import('./insights.js').then((m) => m.registerInsightCommands)],
  },
  // game days (src/cli/gamedays.ts)
  {
    name: 'gameday',
    aliases: ['gamedays'],
    description: 'game days: drills and tabletop exercises',
    load: () => [import('./gamedays.js').then((m) => m.registerGamedayCommands)],
  },
  // runbooks, remediation actions and runs, the agent, automation rules
  {
    name: 'runbook',
    description: 'runbooks: Markdown steps for alerts and services',
    load: () => [import('./runbooks.js').then((m) => m.registerRunbookCommands)],
  },
  {
    name: 'action',
    description: 'remediation actions and their runs',
    load: () => [import('./remediation.js').then((m) => m.registerRemediationCommands)],
  },
  {
    name: 'agent',
    description:
      'run the Muster agent: muster agent --url URL --token-file FILE --config agent.yaml (or manage agents: list, create, revoke)',
    load: () => [import('./agent.js').then((m) => m.registerAgentCommands)],
  },
  {
    name: 'automation',
    description: 'automation rules: when X happens, do Y (once per incident)',
    load: () => [import('./automation.js').then((m) => m.registerAutomationCommands)],
  },
  // people health (src/cli/people.ts)
  {
    name: 'people',
    description: 'people health',
    load: () => [import('./people.js').then((m) => m.registerPeopleCommands)],
  },
  // configuration as code (src/cli/config-code.ts, docs/config-as-code.md)
  {
    name: 'plan',
    description: 'what applying configuration files would change (nothing is changed)',
    load: () => [configCodeCommands()],
  },
  {
    name: 'apply',
    description: 'apply configuration files in one transaction (all or nothing)',
    load: () => [configCodeCommands()],
  },
  { name: 'export', description: 'the current configuration as files', load: () => [configCodeCommands()] },
  {
    name: 'config',
    description: 'configuration as code: the JSON Schema of the files',
    load: () => [configCodeCommands()],
  },
  // import from another tool (src/cli/import.ts, docs/import.md)
  {
    name: 'import',
    description: 'import an organisation from PagerDuty, Opsgenie or Grafana OnCall (plan, then apply; never deletes)',
    load: () => [import('./import.js').then((m) => m.registerImportCommands)],
  },
  // misc (src/cli/account.ts)
  { name: 'whoami', description: 'the user behind the token', load: () => [accountCommands()] },
  {
    name: 'api',
    description: 'call any API path: muster api GET /api/teams, muster api POST /api/teams --data \'{"name":"x"}\'',
    load: () => [accountCommands()],
  },
];

/** Global options that take a value: the word after them is not the command's name. */
const VALUE_OPTIONS = new Set(['--url', '--token', '-c', '--config']);

/** The top-level command a command line names (the first word that is not a global option or its value). */
export function commandWord(args: string[]): string | undefined {
  for (let i = 0; i < args.length; i++) {
    const a = args[i]!;
    if (a === '--') return args[i + 1];
    if (VALUE_OPTIONS.has(a)) {
      i++;
      continue;
    }
    if (a.startsWith('-')) continue;
    // `muster help team` is `muster team --help`
    if (a === 'help') return commandWord(args.slice(i + 1)) ?? a;
    return a;
  }
  return undefined;
}

export function buildProgram(): Command {
  const program = new Command();
  program
    .name('muster')
    .description(
      'Muster: self-hosted incident response. Server commands, and a client of the HTTP API for scripts and CI.',
    )
    .version(version(), '-V, --version', 'print the version')
    .addOption(new Option('--url <url>', 'Muster server URL (client commands)').env('MUSTER_URL'))
    .addOption(new Option('--token <token>', 'API token (client commands)').env('MUSTER_TOKEN'))
    .option('--json', 'print JSON for scripts')
    .option('-c, --config <file>', 'YAML config file (server commands)')
    .showHelpAfterError();
  return program;
}

/** package.json's version (two levels up from src/cli/ and from dist/cli/). */
function version(): string {
  try {
    const pkg = JSON.parse(readFileSync(join(import.meta.dirname, '..', '..', 'package.json'), 'utf8')) as {
      version?: string;
    };
    return pkg.version ?? 'unknown';
  } catch {
    return 'unknown';
  }
}

export function makeDeps(program: Command): CliDeps {
  const globals = (): GlobalOpts => program.opts<GlobalOpts>();
  return {
    globals,
    json: () => !!globals().json,
    client: () => {
      let { url, token } = globals();
      // What `muster login` stored fills in what the command line and environment leave out; its token is sent
      // only to the server it was made for.
      if (!url || !token) {
        const stored = readStoredLogin();
        if (stored && (!url || sameServer(url, stored.url))) {
          url ??= stored.url;
          token ??= stored.token;
        }
      }
      if (!url || !token) {
        throw new Error(
          'This command talks to a Muster server: run `muster login --url URL --email EMAIL` once, pass --url and ' +
            '--token, or set MUSTER_URL and MUSTER_TOKEN.',
        );
      }
      return new MusterClient({ url, token });
    },
  };
}

/** Register the modules of the command `word` names; with none named (or an unknown name), stand-ins for help. */
export async function registerFor(program: Command, deps: CliDeps, word: string | undefined): Promise<void> {
  const entry = word ? COMMANDS.find((c) => c.name === word || c.aliases?.includes(word)) : undefined;
  if (entry) {
    for (const register of await Promise.all(entry.load())) register(program, deps);
    return;
  }
  for (const c of COMMANDS) {
    program
      .command(c.name)
      .aliases(c.aliases ?? [])
      .description(c.description)
      .helpOption(false)
      .allowUnknownOption();
  }
}

export async function main(argv: string[]): Promise<void> {
  // `muster … | head`: the reader went away. Stop quietly, as other Unix tools do, instead of a stack trace.
  process.stdout.on('error', (e: NodeJS.ErrnoException) => {
    if (e.code === 'EPIPE') process.exit(0);
    throw e;
  });
  const program = buildProgram();
  // Usage errors (an unknown option, a missing argument) exit 2; with --json they are one JSON line on stderr.
  const isJson = argv.includes('--json');
  program.exitOverride();
  if (isJson) program.configureOutput({ writeErr: () => undefined, outputError: () => undefined });
  const deps = makeDeps(program);
  await registerFor(program, deps, commandWord(argv.slice(2)));
  await program.parseAsync(argv).catch((e: unknown) => {
    const failure = describeFailure(e);
    if (failure.exitCode === EXIT.ok) process.exit(0); // --help, --version
    if (isJson || deps.json()) {
      process.stderr.write(
        `${JSON.stringify({ error: failure.error, ...(failure.status ? { status: failure.status } : {}) })}\n`,
      );
    } else if (failure.text) process.stderr.write(`${failure.text}\n`);
    process.exit(failure.exitCode);
  });
}

/** The CLI's exit codes (docs/cli.md, "Output and exit codes"). */
export const EXIT = {
  ok: 0,
  /** Any other error: the API refused (4xx other than below, 5xx), bad input the CLI itself found. */
  error: 1,
  /** The command line (unknown command or option, missing argument) or the server configuration is wrong. */
  usage: 2,
  /** Not signed in, or not allowed (HTTP 401, 403). */
  auth: 3,
  /** What the command names does not exist (HTTP 404). */
  notFound: 4,
  /** The server could not be reached (refused, no such host, timed out, TLS). */
  unreachable: 5,
} as const;

interface Failure {
  exitCode: number;
  error: { code: string; message: string; details?: unknown };
  status?: number;
  /** What a person reads on stderr (null: commander has printed it already). */
  text: string | null;
}

/** How an error ends the CLI: its exit code, its JSON form and its line for people. */
export function describeFailure(e: unknown): Failure {
  if (e instanceof CommanderError) {
    const isDone = e.exitCode === 0 || e.code === 'commander.helpDisplayed' || e.code === 'commander.version';
    const message = e.message.replace(/^error: /, '');
    return {
      exitCode: isDone ? EXIT.ok : EXIT.usage,
      error: { code: 'usage', message },
      text: null,
    };
  }
  if (e instanceof ApiError) {
    const exitCode = e.status === 401 || e.status === 403 ? EXIT.auth : e.status === 404 ? EXIT.notFound : EXIT.error;
    return {
      exitCode,
      error: { code: e.code, message: e.message, ...(e.details !== undefined ? { details: e.details } : {}) },
      status: e.status,
      text: `error: ${e.message} (${e.code}, HTTP ${e.status})`,
    };
  }
  if (e instanceof UnreachableError) {
    return {
      exitCode: EXIT.unreachable,
      error: { code: 'unreachable', message: e.message },
      text: `error: ${e.message}`,
    };
  }
  const message = e instanceof Error ? e.message : String(e);
  return { exitCode: EXIT.error, error: { code: 'error', message }, text: `error: ${message}` };
}
