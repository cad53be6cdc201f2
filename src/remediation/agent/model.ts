/**
 * The Muster agent, pure parts (docs/runbooks.md, "The agent"): its YAML config (the allow-list of commands, each an
 * argv with `{0}`, `{1}` … placeholders), turning a run's arguments into one argv without a shell, and the protocol's
 * constants. Shared by the server (src/remediation/agent/service.ts) and the agent process (process.ts).
 */
import { parse as parseYaml } from 'yaml';

/** Agent tokens: `mag_` and 43 characters; only their SHA-256 is stored. */
export const AGENT_TOKEN_PREFIX = 'mag_';
/** A poll waits this long for a run before answering `{ run: null }`. */
export const POLL_WAIT_MS = 25_000;
/** A claimed run's lease; output and heartbeats extend it. Past it, the run ends failed. */
export const LEASE_MS = 30_000;
/** The agent sends a heartbeat this often while a command runs (well inside the lease). */
export const HEARTBEAT_MS = 10_000;
/** An agent seen this recently is shown as connected. */
export const CONNECTED_MS = 30_000;
/** Output: a chunk is at most this many bytes, sent at least this often while the command writes. */
export const CHUNK_MAX_BYTES = 8 * 1024;
export const CHUNK_EVERY_MS = 500;
export const AGENT_LOST = 'the agent stopped answering';
export const AGENT_REVOKED = 'the agent was revoked while the command ran';

const NAME = /^[a-z0-9][a-z0-9_.-]{0,62}$/;
const PLACEHOLDER = /\{(\d{1,2})\}/g;
/** An argument that would be read as an option (`--kubeconfig=…`) where a placeholder is a whole argv element. */
const OPTION_LIKE = /^-/;
export const MAX_ARG_LENGTH = 1000;

export interface AgentCommand {
  name: string;
  description: string;
  /** argv: the program (a literal, never a placeholder) and its arguments, with `{N}` placeholders. */
  run: string[];
  /** The dry-run argv, if the target supports one. */
  dryRun: string[] | null;
  timeoutSeconds: number;
  /** Let an argument start with "-" where a placeholder is a whole argv element (off: it could pass an option). */
  allowOptionArgs: boolean;
}

export interface AgentConfig {
  commands: Map<string, AgentCommand>;
  /** The commands' whole environment: nothing else from the agent's own environment is passed. */
  env: Record<string, string>;
  workingDirectory: string | null;
  /** Output kept per run beyond which the rest is dropped (a note says so). */
  maxOutputBytes: number;
}

export class AgentConfigError extends Error {
  constructor(readonly problems: string[]) {
    super(`The agent config is not valid:\n${problems.map((p) => `  - ${p}`).join('\n')}`);
    this.name = 'AgentConfigError';
  }
}

const isRecord = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

function argvOf(value: unknown, where: string, problems: string[]): string[] | null {
  if (!Array.isArray(value) || value.length === 0 || value.some((x) => typeof x !== 'string' || x.includes('\0'))) {
    problems.push(
      `${where} must be a list of strings (the program, then its arguments), e.g. ["systemctl", "restart", "{0}"]`,
    );
    return null;
  }
  const argv = value as string[];
  if (!argv[0] || PLACEHOLDER.test(argv[0])) {
    problems.push(`${where}: the program (first element) must be written out, not a placeholder`);
  }
  PLACEHOLDER.lastIndex = 0;
  return argv;
}

/** Read the agent's YAML config; every problem is listed at once. */
export function parseAgentConfig(text: string): AgentConfig {
  const problems: string[] = [];
  let doc: unknown;
  try {
    doc = parseYaml(text);
  } catch (e) {
    throw new AgentConfigError([`not valid YAML: ${e instanceof Error ? e.message : String(e)}`]);
  }
  if (!isRecord(doc)) throw new AgentConfigError(['the config must be a YAML mapping with a "commands" key']);
  for (const key of Object.keys(doc)) {
    if (!['commands', 'env', 'workingDirectory', 'maxOutputBytes'].includes(key)) problems.push(`unknown key "${key}"`);
  }
  const commands = new Map<string, AgentCommand>();
  if (!isRecord(doc.commands) || Object.keys(doc.commands).length === 0) {
    problems.push('"commands" must map at least one command name to its definition');
  } else {
    for (const [name, def] of Object.entries(doc.commands)) {
      const where = `commands.${name}`;
      if (!NAME.test(name)) {
        problems.push(`${where}: a command name is lower-case letters, digits, ".", "_" and "-" (up to 63)`);
        continue;
      }
      if (!isRecord(def)) {
        problems.push(`${where} must be a mapping with "run"`);
        continue;
      }
      for (const key of Object.keys(def)) {
        if (!['run', 'dryRun', 'description', 'timeoutSeconds', 'allowOptionArgs'].includes(key)) {
          problems.push(`${where}: unknown key "${key}"`);
        }
      }
      const run = argvOf(def.run, `${where}.run`, problems);
      const dryRun = def.dryRun === undefined ? null : argvOf(def.dryRun, `${where}.dryRun`, problems);
      const timeout = def.timeoutSeconds ?? 300;
      if (typeof timeout !== 'number' || !Number.isInteger(timeout) || timeout < 1 || timeout > 86_400) {
        problems.push(`${where}.timeoutSeconds must be a whole number of seconds from 1 to 86400`);
      }
      if (def.description !== undefined && typeof def.description !== 'string') {
        problems.push(`${where}.description must be text`);
      }
      if (def.allowOptionArgs !== undefined && typeof def.allowOptionArgs !== 'boolean') {
        problems.push(`${where}.allowOptionArgs must be true or false`);
      }
      if (run) {
        commands.set(name, {
          name,
          description: typeof def.description === 'string' ? def.description.slice(0, 500) : '',
          run,
          dryRun,
          timeoutSeconds: typeof timeout === 'number' ? timeout : 300,
          allowOptionArgs: def.allowOptionArgs === true,
        });
      }
    }
  }
  const env: Record<string, string> = {};
  if (doc.env !== undefined) {
    if (!isRecord(doc.env)) problems.push('"env" must map variable names to values');
    else {
      for (const [k, v] of Object.entries(doc.env)) {
        if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(k)) problems.push(`env: "${k}" is not a variable name`);
        else if (typeof v !== 'string' && typeof v !== 'number') problems.push(`env.${k} must be text`);
        else env[k] = String(v);
      }
    }
  }
  if (doc.workingDirectory !== undefined && typeof doc.workingDirectory !== 'string') {
    problems.push('"workingDirectory" must be a path');
  }
  const maxOutputBytes = doc.maxOutputBytes ?? 1024 * 1024;
  if (typeof maxOutputBytes !== 'number' || !Number.isInteger(maxOutputBytes) || maxOutputBytes < 1024) {
    problems.push('"maxOutputBytes" must be a whole number of at least 1024');
  }
  if (problems.length) throw new AgentConfigError(problems);
  return {
    commands,
    env,
    workingDirectory: typeof doc.workingDirectory === 'string' ? doc.workingDirectory : null,
    maxOutputBytes: maxOutputBytes as number,
  };
}

/** How many arguments an argv template takes (the highest placeholder + 1). */
export function arity(argv: readonly string[]): number {
  let n = 0;
  for (const el of argv) for (const m of el.matchAll(PLACEHOLDER)) n = Math.max(n, Number(m[1]) + 1);
  return n;
}

/**
 * The argv to spawn for a run: each `{N}` replaced by the run's Nth argument, inside its own argv element (an element
 * `deployment/{0}` stays one element). Nothing is ever interpreted by a shell. Refused (with the reason) when the
 * count of arguments differs from the template's, an argument is empty, too long or holds a NUL or line break, or it
 * makes an element start with "-" (where it is the whole element or begins it) and the command does not allow that.
 */
export function buildArgv(
  cmd: AgentCommand,
  args: readonly string[],
  dryRun: boolean,
): { argv: string[] } | { refused: string } {
  const template = dryRun ? cmd.dryRun : cmd.run;
  if (!template) return { refused: `${cmd.name} has no dry run in this agent's config` };
  const want = arity(template);
  if (args.length !== want) {
    return { refused: `${cmd.name} takes ${want} argument${want === 1 ? '' : 's'}, the run sent ${args.length}` };
  }
  for (const [i, a] of args.entries()) {
    if (typeof a !== 'string' || a.length === 0 || a.length > MAX_ARG_LENGTH) {
      return { refused: `argument ${i} must be 1 to ${MAX_ARG_LENGTH} characters` };
    }
    if (/[\0\r\n]/.test(a)) return { refused: `argument ${i} holds a NUL or a line break` };
  }
  const argv: string[] = [];
  for (const el of template) {
    const whole = /^\{(\d{1,2})\}$/.exec(el);
    if (whole) {
      const value = args[Number(whole[1])]!;
      if (OPTION_LIKE.test(value) && !cmd.allowOptionArgs) {
        return { refused: `argument ${whole[1]} starts with "-" and could pass an option to ${template[0]}` };
      }
      argv.push(value);
    } else {
      const filled = el.replace(PLACEHOLDER, (_m, n: string) => args[Number(n)]!);
      // `{0}.yaml` filled with `--exec=x` would read as an option too.
      if (OPTION_LIKE.test(filled) && !OPTION_LIKE.test(el) && !cmd.allowOptionArgs) {
        return { refused: `an argument makes "${filled.slice(0, 40)}" start with "-": it could pass an option` };
      }
      argv.push(filled);
    }
  }
  return { argv };
}

/** The allow-list as the agent reports it on each poll. */
export function reportedCommands(config: AgentConfig): {
  commands: { name: string; description: string }[];
  dryRunCommands: string[];
} {
  const list = [...config.commands.values()];
  return {
    commands: list.map((c) => ({ name: c.name, description: c.description })),
    dryRunCommands: list.filter((c) => c.dryRun).map((c) => c.name),
  };
}
