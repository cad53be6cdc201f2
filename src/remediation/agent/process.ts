/**
 * The `muster agent` process: connects out to Muster (no inbound port), polls for runs of its team, runs only commands
 * of its own allow-list (never through a shell: one argv, its own process group, the config's environment only),
 * streams the output back in chunks, kills the whole group at the timeout, and finishes the run with its exit status.
 * One run at a time. Reconnects with backoff; on SIGTERM it stops polling, ends the command it runs and reports it.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { hostname } from 'node:os';
import { StringDecoder } from 'node:string_decoder';
import {
  buildArgv,
  CHUNK_EVERY_MS,
  CHUNK_MAX_BYTES,
  HEARTBEAT_MS,
  reportedCommands,
  type AgentConfig,
} from './model.js';

export const AGENT_VERSION = '1';
/** After SIGTERM to the group, SIGKILL this long later if anything is left. */
const KILL_GRACE_MS = 2000;
const BACKOFF_MIN_MS = 1000;
const BACKOFF_MAX_MS = 30_000;

interface Run {
  id: string;
  command: string;
  args: string[];
  dryRun: boolean;
  timeoutSeconds: number;
}

export class AgentUnauthorizedError extends Error {}

export interface AgentOptions {
  url: string;
  token: string;
  config: AgentConfig;
  log: (line: string) => void;
}

const sleep = (ms: number, signal?: AbortSignal): Promise<void> =>
  new Promise((resolve) => {
    const t = setTimeout(resolve, ms);
    signal?.addEventListener('abort', () => {
      clearTimeout(t);
      resolve();
    });
  });

export class MusterAgent {
  private readonly stopping = new AbortController();

  constructor(private readonly opts: AgentOptions) {}

  /** Ask the agent to stop: the poll is abandoned, a running command is ended and reported. */
  stop(): void {
    this.stopping.abort();
    this.stopCurrent?.('the agent was stopped (SIGTERM) while the command ran');
  }

  private async call<T>(path: string, body: unknown, signal?: AbortSignal): Promise<{ status: number; body: T }> {
    const res = await fetch(new URL(path, this.opts.url.replace(/\/?$/, '/')), {
      method: 'POST',
      headers: { authorization: `Bearer ${this.opts.token}`, 'content-type': 'application/json' },
      body: JSON.stringify(body),
      ...(signal ? { signal } : {}),
    });
    const text = await res.text();
    let parsed: unknown = null;
    try {
      parsed = text ? JSON.parse(text) : null;
    } catch {
      parsed = text;
    }
    if (res.status === 401) throw new AgentUnauthorizedError('Muster refused the agent token (revoked, or not valid).');
    return { status: res.status, body: parsed as T };
  }

  /** Poll until stopped. Throws AgentUnauthorizedError when the token is refused. */
  async run(): Promise<void> {
    const report = { ...reportedCommands(this.opts.config), host: hostname(), version: AGENT_VERSION };
    let backoff = BACKOFF_MIN_MS;
    let connected = false;
    while (!this.stopping.signal.aborted) {
      let run: Run | null;
      try {
        const r = await this.call<{ run: Run | null }>('api/agent/v1/poll', report, this.stopping.signal);
        if (r.status !== 200) throw new Error(`poll answered HTTP ${r.status}`);
        run = r.body.run;
        if (!connected) this.opts.log(`connected to ${this.opts.url}`);
        connected = true;
        backoff = BACKOFF_MIN_MS;
      } catch (e) {
        if (e instanceof AgentUnauthorizedError) throw e;
        if (this.stopping.signal.aborted) break;
        const why = e instanceof Error ? (e.cause instanceof Error ? e.cause.message : e.message) : String(e);
        this.opts.log(
          `${connected ? 'lost' : 'cannot reach'} Muster (${why}); retrying in ${Math.round(backoff / 1000)} s`,
        );
        connected = false;
        await sleep(backoff + Math.floor(Math.random() * backoff * 0.2), this.stopping.signal);
        backoff = Math.min(backoff * 2, BACKOFF_MAX_MS);
        continue;
      }
      if (run) await this.execute(run);
    }
  }

  /** Run one command and report it; never throws (except a refused token). */
  private async execute(run: Run): Promise<void> {
    const cmd = this.opts.config.commands.get(run.command);
    // The server never sends a command the agent did not report, but the agent checks for itself.
    if (!cmd) {
      this.opts.log(`run ${run.id}: refused "${run.command}": not in this agent's allow-list`);
      await this.finish(run.id, {
        exitCode: null,
        error: `refused: "${run.command}" is not in this agent's allow-list`,
      });
      return;
    }
    const built = buildArgv(cmd, run.args, run.dryRun);
    if ('refused' in built) {
      this.opts.log(`run ${run.id}: refused ${run.command}: ${built.refused}`);
      await this.finish(run.id, { exitCode: null, error: `refused: ${built.refused}` });
      return;
    }
    const timeoutMs = Math.min(cmd.timeoutSeconds, Math.max(1, run.timeoutSeconds)) * 1000;
    this.opts.log(`run ${run.id}: ${run.command}${run.dryRun ? ' (dry run)' : ''}`);
    const outcome = await this.spawnAndStream(run, built.argv, timeoutMs);
    await this.finish(run.id, outcome);
    this.opts.log(`run ${run.id}: finished ${outcome.timedOut ? 'timed out' : `exit ${outcome.exitCode}`}`);
  }

  private spawnAndStream(
    run: Run,
    argv: string[],
    timeoutMs: number,
  ): Promise<{ exitCode: number | null; error?: string; timedOut?: boolean }> {
    const { config } = this.opts;
    const post = (path: string, body: unknown) =>
      this.sendWithRetry(run.id, `api/agent/v1/runs/${run.id}/${path}`, body);
    const out = new OutputPump((body) => post('output', body), config.maxOutputBytes);
    return new Promise((resolve) => {
      let child: ChildProcess;
      try {
        child = spawn(argv[0]!, argv.slice(1), {
          shell: false,
          detached: true, // its own process group, so the timeout kills everything it started
          env: { ...config.env },
          ...(config.workingDirectory ? { cwd: config.workingDirectory } : {}),
          stdio: ['ignore', 'pipe', 'pipe'],
          windowsHide: true,
        });
      } catch (e) {
        resolve({ exitCode: null, error: `could not start ${argv[0]}: ${e instanceof Error ? e.message : String(e)}` });
        return;
      }
      let timedOut = false;
      let cancelled: string | null = null;
      let spawnError: string | null = null;
      let ended = false;
      const stopGroup = (): void => {
        if (!ended) killGroup(child);
      };
      const timer = setTimeout(() => {
        timedOut = true;
        out.system(`\n[muster agent] the command ran past its timeout of ${timeoutMs / 1000} s and was stopped\n`);
        stopGroup();
      }, timeoutMs);
      const ticker = setInterval(() => out.flushAll(), CHUNK_EVERY_MS);
      const heartbeat = setInterval(() => out.after(() => post('heartbeat', {})), HEARTBEAT_MS);
      // SIGTERM to the agent, or Muster saying the run is over (cancelled, lost, revoked): stop the command.
      this.stopCurrent = (reason) => {
        cancelled = reason;
        stopGroup();
      };
      child.stdout?.on('data', (d: Buffer) => out.take('stdout', d));
      child.stderr?.on('data', (d: Buffer) => out.take('stderr', d));
      const done = (code: number | null, signal: NodeJS.Signals | null): void => {
        if (ended) return;
        ended = true;
        clearTimeout(timer);
        clearInterval(ticker);
        clearInterval(heartbeat);
        this.stopCurrent = null;
        out.flushAll(true);
        const exitCode = code ?? (signal ? 128 + signalNumber(signal) : null);
        void out.sent.then(() => {
          if (spawnError) resolve({ exitCode: 127, error: spawnError });
          else if (timedOut) resolve({ exitCode, timedOut: true });
          else if (cancelled) resolve({ exitCode, error: cancelled });
          else resolve({ exitCode });
        });
      };
      child.on('error', (e) => {
        spawnError = `could not start ${argv[0]}: ${e.message}`;
        // A program that could not start has no process to wait for.
        if (child.pid === undefined) done(null, null);
      });
      child.on('close', done);
    });
  }

  /** Set while a command runs: stops it, with the reason its run ends with. */
  private stopCurrent: ((reason: string) => void) | null = null;

  /** Output and heartbeats: a few tries; a 409 means the run is over on the server's side (stop the command). */
  private async sendWithRetry(runId: string, path: string, body: unknown): Promise<void> {
    for (let attempt = 0; attempt < 5; attempt++) {
      try {
        const r = await this.call<{ error?: { code?: string } }>(path, body);
        if (r.status === 409 || r.status === 404) {
          this.stopCurrent?.(`Muster ended the run (${r.body?.error?.code ?? r.status})`);
          return;
        }
        if (r.status < 500) return;
      } catch (e) {
        if (e instanceof AgentUnauthorizedError) {
          this.stopCurrent?.('the agent token was revoked');
          return;
        }
      }
      await sleep(Math.min(500 * 2 ** attempt, 5000));
    }
    this.opts.log(`run ${runId}: could not reach Muster to send ${path.split('/').pop()}`);
  }

  private async finish(runId: string, outcome: { exitCode: number | null; error?: string; timedOut?: boolean }) {
    for (let attempt = 0; attempt < 8; attempt++) {
      try {
        const r = await this.call(`api/agent/v1/runs/${runId}/finish`, outcome);
        if (r.status < 500) return;
      } catch (e) {
        if (e instanceof AgentUnauthorizedError) return;
      }
      await sleep(Math.min(500 * 2 ** attempt, 10_000));
    }
    this.opts.log(`run ${runId}: could not report the finish; Muster ends it when its lease runs out`);
  }
}

/** SIGTERM to the command's process group, then SIGKILL to whatever is left after a grace period. */
function killGroup(child: ChildProcess): void {
  if (child.pid === undefined) return;
  const pid = child.pid;
  try {
    process.kill(-pid, 'SIGTERM');
  } catch {
    /* already gone */
  }
  setTimeout(() => {
    try {
      process.kill(-pid, 'SIGKILL');
    } catch {
      /* already gone */
    }
  }, KILL_GRACE_MS).unref();
}

type Stream = 'stdout' | 'stderr';

/**
 * A run's output on its way to Muster: buffered per stream, sent in chunks of at most CHUNK_MAX_BYTES cut at a
 * character boundary, numbered in order (the server is idempotent on `seq`), each send queued behind the last; past
 * `maxBytes` the rest is dropped with one note saying so.
 */
class OutputPump {
  /** Settles when everything queued so far was sent (or given up). */
  sent: Promise<void> = Promise.resolve();
  private seq = 0;
  private kept = 0;
  private truncated = false;
  private readonly pending: Record<Stream, Buffer[]> = { stdout: [], stderr: [] };
  private readonly pendingBytes: Record<Stream, number> = { stdout: 0, stderr: 0 };
  /** A character split across two reads (or two flushes) is held back until it is whole. */
  private readonly decoders: Record<Stream, StringDecoder> = {
    stdout: new StringDecoder('utf8'),
    stderr: new StringDecoder('utf8'),
  };

  constructor(
    private readonly send: (body: { seq: number; stream: Stream | 'system'; chunk: string }) => Promise<void>,
    private readonly maxBytes: number,
  ) {}

  /** Queue another call (a heartbeat) behind the output sent so far. */
  after(fn: () => Promise<void>): void {
    this.sent = this.sent.then(fn);
  }

  /** A line of the agent's own (a timeout, a cut), in order with the output. */
  system(text: string): void {
    this.enqueue('system', text);
  }

  take(stream: Stream, d: Buffer): void {
    if (this.truncated) return;
    const room = this.maxBytes - this.kept;
    const part = d.length > room ? d.subarray(0, room) : d;
    this.kept += part.length;
    this.pending[stream].push(part);
    this.pendingBytes[stream] += part.length;
    if (d.length > room) {
      // Said when something is dropped, not when a later read finds the cap already reached (there may be none).
      this.truncated = true;
      this.flush(stream);
      this.system(`\n[muster agent] output past ${this.maxBytes} bytes was dropped\n`);
    } else if (this.pendingBytes[stream] >= CHUNK_MAX_BYTES) this.flush(stream);
  }

  /** Send what is buffered; `final` (the command ended) also sends a trailing partial character, as U+FFFD. */
  flushAll(final = false): void {
    this.flush('stdout', final);
    this.flush('stderr', final);
  }

  private flush(stream: Stream, final = false): void {
    const decoder = this.decoders[stream];
    const text = decoder.write(Buffer.concat(this.pending[stream])) + (final ? decoder.end() : '');
    this.pending[stream] = [];
    this.pendingBytes[stream] = 0;
    let buf = Buffer.from(text, 'utf8');
    while (buf.length > 0) {
      // Whole characters only (the decoder's): cut at a character boundary, backing off continuation bytes.
      let end = Math.min(buf.length, CHUNK_MAX_BYTES);
      while (end < buf.length && end > 0 && (buf[end]! & 0xc0) === 0x80) end--;
      this.enqueue(stream, buf.subarray(0, end).toString('utf8'));
      buf = buf.subarray(end);
    }
  }

  private enqueue(stream: Stream | 'system', chunk: string): void {
    const body = { seq: this.seq++, stream, chunk };
    this.after(() => this.send(body));
  }
}

function signalNumber(signal: NodeJS.Signals): number {
  const n: Partial<Record<NodeJS.Signals, number>> = { SIGHUP: 1, SIGINT: 2, SIGKILL: 9, SIGTERM: 15, SIGSEGV: 11 };
  return n[signal] ?? 0;
}
