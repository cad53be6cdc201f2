/**
 * The `muster agent` process: connects out to Muster (no inbound port), polls for runs of its team, runs only commands
 * of its own allow-list (never through a shell: one argv, its own process group, the config's environment only),
 * streams the output back in chunks, kills the whole group at the timeout, and finishes the run with its exit status.
 * One run at a time. Reconnects with backoff; on SIGTERM it stops polling, ends the command it runs and reports it.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { hostname } from 'node:os';
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
  private current: { run: Run; stop: (reason: string) => void } | null = null;

  constructor(private readonly opts: AgentOptions) {}

  /** Ask the agent to stop: the poll is abandoned, a running command is ended and reported. */
  stop(): void {
    this.stopping.abort();
    this.current?.stop('the agent was stopped (SIGTERM) while the command ran');
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
    let seq = 0;
    let sent = Promise.resolve();
    let kept = 0;
    let truncated = false;
    let cancelled: string | null = null;
    const pending: Record<'stdout' | 'stderr', Buffer[]> = { stdout: [], stderr: [] };
    const send = (stream: 'stdout' | 'stderr' | 'system', chunk: string): void => {
      const body = { seq: seq++, stream, chunk };
      sent = sent.then(() => this.sendWithRetry(run.id, `api/agent/v1/runs/${run.id}/output`, body));
    };
    const flush = (stream: 'stdout' | 'stderr'): void => {
      if (pending[stream].length === 0) return;
      let buf = Buffer.concat(pending[stream]);
      pending[stream] = [];
      while (buf.length > 0) {
        // Cut at a character boundary: back off continuation bytes.
        let end = Math.min(buf.length, CHUNK_MAX_BYTES);
        while (end < buf.length && end > 0 && (buf[end]! & 0xc0) === 0x80) end--;
        send(stream, buf.subarray(0, end).toString('utf8'));
        buf = buf.subarray(end);
      }
    };
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
      let ended = false;
      const killGroup = (): void => {
        if (ended || child.pid === undefined) return;
        try {
          process.kill(-child.pid, 'SIGTERM');
        } catch {
          /* already gone */
        }
        setTimeout(() => {
          try {
            if (child.pid !== undefined) process.kill(-child.pid, 'SIGKILL');
          } catch {
            /* already gone */
          }
        }, KILL_GRACE_MS).unref();
      };
      const timer = setTimeout(() => {
        timedOut = true;
        send('system', `\n[muster agent] the command ran past its timeout of ${timeoutMs / 1000} s and was stopped\n`);
        killGroup();
      }, timeoutMs);
      const ticker = setInterval(() => {
        flush('stdout');
        flush('stderr');
      }, CHUNK_EVERY_MS);
      const heartbeat = setInterval(() => {
        sent = sent.then(() => this.sendWithRetry(run.id, `api/agent/v1/runs/${run.id}/heartbeat`, {}));
      }, HEARTBEAT_MS);
      this.current = {
        run,
        stop: (reason) => {
          cancelled = reason;
          killGroup();
        },
      };
      this.runGone = (reason) => {
        cancelled = reason;
        killGroup();
      };
      const take = (stream: 'stdout' | 'stderr') => (d: Buffer) => {
        if (kept >= config.maxOutputBytes) {
          if (!truncated) {
            truncated = true;
            flush(stream);
            send('system', `\n[muster agent] output past ${config.maxOutputBytes} bytes was dropped\n`);
          }
          return;
        }
        const room = config.maxOutputBytes - kept;
        const part = d.length > room ? d.subarray(0, room) : d;
        kept += part.length;
        pending[stream].push(part);
        if (pending[stream].reduce((n, b) => n + b.length, 0) >= CHUNK_MAX_BYTES) flush(stream);
      };
      child.stdout?.on('data', take('stdout'));
      child.stderr?.on('data', take('stderr'));
      let spawnError: string | null = null;
      const done = (code: number | null, signal: NodeJS.Signals | null): void => {
        if (ended) return;
        ended = true;
        clearTimeout(timer);
        clearInterval(ticker);
        clearInterval(heartbeat);
        this.current = null;
        this.runGone = null;
        flush('stdout');
        flush('stderr');
        const exitCode = code ?? (signal ? 128 + signalNumber(signal) : null);
        void sent.then(() => {
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

  /** Set while a command runs: the server said the run is over (cancelled, lost), so the command is stopped. */
  private runGone: ((reason: string) => void) | null = null;

  /** Output and heartbeats: a few tries; a 409 means the run is over on the server's side (stop the command). */
  private async sendWithRetry(runId: string, path: string, body: unknown): Promise<void> {
    for (let attempt = 0; attempt < 5; attempt++) {
      try {
        const r = await this.call<{ error?: { code?: string } }>(path, body);
        if (r.status === 409 || r.status === 404) {
          this.runGone?.(`Muster ended the run (${r.body?.error?.code ?? r.status})`);
          return;
        }
        if (r.status < 500) return;
      } catch (e) {
        if (e instanceof AgentUnauthorizedError) {
          this.runGone?.('the agent token was revoked');
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

function signalNumber(signal: NodeJS.Signals): number {
  const n: Partial<Record<NodeJS.Signals, number>> = { SIGHUP: 1, SIGINT: 2, SIGKILL: 9, SIGTERM: 15, SIGSEGV: 11 };
  return n[signal] ?? 0;
}
