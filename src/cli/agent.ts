/**
 * `muster agent --url URL --token-file FILE --config agent.yaml`: the agent process (src/remediation/agent/process.ts;
 * docs/runbooks.md, "The agent"). And client commands to manage agents: `muster agent list|create|revoke`.
 */
import { readFileSync, statSync } from 'node:fs';
import type { Command } from 'commander';
import { AgentConfigError, parseAgentConfig } from '../remediation/agent/model.js';
import { AgentUnauthorizedError, MusterAgent } from '../remediation/agent/process.js';
import { output, printTable, say, type ClientDeps } from './output.js';

interface AgentView {
  id: string;
  teamId: string;
  name: string;
  tokenPrefix: string;
  lastSeenAt: string | null;
  connected: boolean;
  commands: string[];
  host: string | null;
  revokedAt: string | null;
  runningRunId: string | null;
}

const stamp = (line: string): void => {
  process.stderr.write(`${new Date().toISOString()} muster agent: ${line}\n`);
};

async function runAgent(o: { url?: string; tokenFile?: string; config?: string }): Promise<void> {
  const problems: string[] = [];
  if (!o.url) problems.push('--url (the Muster server, or MUSTER_URL)');
  if (!o.tokenFile) problems.push('--token-file (a file holding the agent token)');
  if (!o.config) problems.push('--config (the agent YAML with its allow-list)');
  if (problems.length) throw new Error(`muster agent needs ${problems.join(', ')}.`);
  let token: string;
  try {
    token = readFileSync(o.tokenFile!, 'utf8').trim();
    if ((statSync(o.tokenFile!).mode & 0o077) !== 0) {
      stamp(`warning: ${o.tokenFile} is readable by other users; chmod 600 it`);
    }
  } catch (e) {
    throw new Error(`cannot read the token file ${o.tokenFile}: ${e instanceof Error ? e.message : String(e)}`);
  }
  if (!token.startsWith('mag_')) throw new Error(`${o.tokenFile} does not hold an agent token (mag_…).`);
  let config;
  try {
    config = parseAgentConfig(readFileSync(o.config!, 'utf8'));
  } catch (e) {
    if (e instanceof AgentConfigError) throw new Error(`${o.config}: ${e.message}`);
    throw new Error(`cannot read the config ${o.config}: ${e instanceof Error ? e.message : String(e)}`);
  }
  const agent = new MusterAgent({ url: o.url!, token, config, log: stamp });
  const onSignal = (): void => {
    stamp('stopping');
    agent.stop();
  };
  process.once('SIGTERM', onSignal);
  process.once('SIGINT', onSignal);
  stamp(`allow-list: ${[...config.commands.keys()].join(', ')}`);
  try {
    await agent.run();
  } catch (e) {
    if (e instanceof AgentUnauthorizedError) {
      stamp(e.message);
      process.exit(3);
    }
    throw e;
  }
  stamp('stopped');
  process.exit(0);
}

export function registerAgentCommands(program: Command, deps: ClientDeps): void {
  const { client, json } = deps;
  const agent = program
    .command('agent')
    .description(
      'run the Muster agent: muster agent --url URL --token-file FILE --config agent.yaml ' +
        '(or manage agents: list, create, revoke)',
    )
    .option('--token-file <file>', 'file holding the agent token (mag_…), readable only by the agent user')
    .addHelpText(
      'after',
      '\n--url is the Muster server (or MUSTER_URL); --config the YAML with the allow-list (docs/runbooks.md).',
    )
    .action(async (_o: unknown, cmd: Command) => {
      const o = cmd.optsWithGlobals<{ url?: string; tokenFile?: string; config?: string }>();
      await runAgent(o);
    });

  agent
    .command('list')
    .description("agents and whether they are connected (--team: one team's)")
    .option('--team <teamId>', 'only this team (id or slug)')
    .action(async (o: { team?: string }) => {
      const q = o.team ? `?teamId=${encodeURIComponent(await client().teamId(o.team))}` : '';
      const r = await client().get<{ items: AgentView[] }>(`/api/agents${q}`);
      output(json(), r.items, () =>
        printTable(
          r.items.map((a) => ({
            ...a,
            state: a.revokedAt ? 'revoked' : a.connected ? 'connected' : 'away',
            commands: a.commands.join(',') || '-',
            running: a.runningRunId,
          })),
          ['id', 'name', 'state', 'lastSeenAt', 'host', 'commands', 'running'],
        ),
      );
    });

  agent
    .command('create')
    .description('create an agent of a team and print its token (shown once)')
    .requiredOption('--team <teamId>', 'the owning team (id or slug)')
    .requiredOption('--name <name>', 'a name, e.g. the host it runs on')
    .action(async (o: { team: string; name: string }) => {
      const c = client();
      const r = await c.post<{ agent: AgentView; token: string }>('/api/agents', {
        teamId: await c.teamId(o.team),
        name: o.name,
      });
      output(json(), r, () => {
        say(`created agent ${r.agent.name} (${r.agent.id})`);
        say(`token (shown once; put it in the agent's token file, mode 600):`);
        say(r.token);
      });
    });

  agent
    .command('revoke')
    .description('revoke an agent: its token stops working, a run it holds ends failed')
    .argument('<id>')
    .action(async (id: string) => {
      await client().delete(`/api/agents/${encodeURIComponent(id)}`);
      output(json(), { revoked: id }, () => say(`revoked agent ${id}`));
    });
}
