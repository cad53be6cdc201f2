/**
 * Real Prometheus and Alertmanager for end-to-end tests and benchmarks: Debian's `prometheus` (2.42) and
 * `prometheus-alertmanager` (0.25) run as child processes on free loopback ports, each in its own temporary
 * directory, and are stopped and removed afterwards. Flags follow docs/wire-formats §5 (gossip off, short resend
 * delay). A missing binary is an error, never a skip: these tests exist to prove Muster works with the real tools.
 *
 * Also a tiny scrape target (`startMetricsTarget`) whose `http_requests_total` error ratio the test switches.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { stringify } from 'yaml';
import { freePort } from '../db/testing/index.js';

/** Debian's paths; MUSTER_TEST_PROMETHEUS / MUSTER_TEST_ALERTMANAGER point elsewhere (other distributions). */
export const PROMETHEUS_BIN = process.env.MUSTER_TEST_PROMETHEUS ?? '/usr/bin/prometheus';
export const ALERTMANAGER_BIN = process.env.MUSTER_TEST_ALERTMANAGER ?? '/usr/bin/prometheus-alertmanager';
/** The Debian Alertmanager build refuses to load any config without this file (wire-formats §0.8). */
const ALERTMANAGER_DEFAULT_TEMPLATE = '/usr/share/prometheus/alertmanager/default.tmpl';

/** Throw a message that says what to install when a binary (or the Debian template file) is missing. */
export function requireBinaries(which: ('prometheus' | 'alertmanager')[]): void {
  const missing: string[] = [];
  if (which.includes('prometheus') && !existsSync(PROMETHEUS_BIN))
    missing.push(`${PROMETHEUS_BIN} (apt-get install prometheus)`);
  if (which.includes('alertmanager')) {
    if (!existsSync(ALERTMANAGER_BIN)) missing.push(`${ALERTMANAGER_BIN} (apt-get install prometheus-alertmanager)`);
    else if (ALERTMANAGER_BIN === '/usr/bin/prometheus-alertmanager' && !existsSync(ALERTMANAGER_DEFAULT_TEMPLATE))
      missing.push(`${ALERTMANAGER_DEFAULT_TEMPLATE} (reinstall prometheus-alertmanager with apt-get)`);
  }
  if (missing.length) {
    throw new Error(
      `This test runs the real Prometheus/Alertmanager from Debian and cannot run without them. Missing: ${missing.join(', ')}.`,
    );
  }
}

export interface ManagedProcess {
  /** Base URL, e.g. http://127.0.0.1:41234 (no trailing slash). */
  url: string;
  /** host:port, for Prometheus' static_configs targets. */
  hostPort: string;
  dir: string;
  /** Everything the process printed so far (for failure messages). */
  output(): string;
  stop(): Promise<void>;
}

interface SpawnOptions {
  name: string;
  bin: string;
  args: (ctx: { dir: string; port: number; url: string }) => string[];
  files: Record<string, string>;
  readyTimeoutMs?: number;
}

const tail = (s: string, lines = 40): string => s.split('\n').slice(-lines).join('\n');

async function spawnManaged(opts: SpawnOptions): Promise<ManagedProcess> {
  const dir = mkdtempSync(join(tmpdir(), `muster-${opts.name}-`));
  for (const [file, content] of Object.entries(opts.files)) writeFileSync(join(dir, file), content);
  const port = await freePort();
  const hostPort = `127.0.0.1:${port}`;
  const url = `http://${hostPort}`;
  let out = '';
  const child: ChildProcess = spawn(opts.bin, opts.args({ dir, port, url }), {
    cwd: dir,
    env: { PATH: process.env.PATH ?? '/usr/bin:/bin', HOME: dir, TZ: 'UTC' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const append = (d: Buffer): void => {
    out += d.toString();
    if (out.length > 2_000_000) out = out.slice(-1_000_000); // a long benchmark must not grow this forever
  };
  child.stdout?.on('data', append);
  child.stderr?.on('data', append);
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  let spawnError: Error | null = null;
  child.once('error', (e) => (spawnError = e));

  const cleanup = async (): Promise<void> => {
    if (child.exitCode === null && child.signalCode === null) {
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), 10_000);
      await exited;
      clearTimeout(timer);
    }
    rmSync(dir, { recursive: true, force: true });
  };

  const deadline = Date.now() + (opts.readyTimeoutMs ?? 30_000);
  for (;;) {
    if (spawnError || child.exitCode !== null || child.signalCode !== null) {
      await cleanup();
      throw new Error(
        `${opts.name} (${opts.bin}) exited before it was ready` +
          (spawnError ? `: ${(spawnError as Error).message}` : ` with ${child.exitCode ?? child.signalCode}`) +
          `:\n${tail(out)}`,
      );
    }
    try {
      const r = await fetch(`${url}/-/ready`, { signal: AbortSignal.timeout(2000) });
      if (r.ok) break;
    } catch {
      /* not listening yet */
    }
    if (Date.now() > deadline) {
      await cleanup();
      throw new Error(
        `${opts.name} did not answer ${url}/-/ready within ${opts.readyTimeoutMs ?? 30_000} ms:\n${tail(out)}`,
      );
    }
    await sleep(100);
  }
  let stopping: Promise<void> | null = null;
  return {
    url,
    hostPort,
    dir,
    output: () => out,
    stop: () => (stopping ??= cleanup()),
  };
}

export interface AlertmanagerOptions {
  /** alertmanager.yml as an object (written as YAML) or as YAML text. */
  config: object | string;
  logLevel?: 'debug' | 'info' | 'warn';
}

/** Start Debian's prometheus-alertmanager with HA gossip off, on a free loopback port. */
export async function startAlertmanager(opts: AlertmanagerOptions): Promise<ManagedProcess> {
  requireBinaries(['alertmanager']);
  return spawnManaged({
    name: 'alertmanager',
    bin: ALERTMANAGER_BIN,
    files: { 'alertmanager.yml': typeof opts.config === 'string' ? opts.config : stringify(opts.config) },
    args: ({ dir, port, url }) => [
      `--config.file=${join(dir, 'alertmanager.yml')}`,
      `--storage.path=${join(dir, 'data')}`,
      `--web.listen-address=127.0.0.1:${port}`,
      `--web.external-url=${url}`,
      // Empty: no gossip listener on 0.0.0.0:9094 (wire-formats §5.2).
      '--cluster.listen-address=',
      `--log.level=${opts.logLevel ?? 'info'}`,
    ],
  });
}

export interface PrometheusOptions {
  /** Alertmanagers to send alerts to, as host:port. */
  alertmanagers: string[];
  /** Scrape jobs: name → host:port targets. */
  scrape: Record<string, string[]>;
  /** The rule groups (the `groups:` list of a rules file). */
  ruleGroups: object[];
  scrapeIntervalSeconds?: number;
  evaluationIntervalSeconds?: number;
}

/** Start Debian's prometheus with the given scrape targets and alert rules, on a free loopback port. */
export async function startPrometheus(opts: PrometheusOptions): Promise<ManagedProcess> {
  requireBinaries(['prometheus']);
  const config = {
    global: {
      scrape_interval: `${opts.scrapeIntervalSeconds ?? 1}s`,
      evaluation_interval: `${opts.evaluationIntervalSeconds ?? 1}s`,
    },
    alerting: { alertmanagers: [{ static_configs: [{ targets: opts.alertmanagers }] }] },
    rule_files: ['rules.yml'],
    scrape_configs: Object.entries(opts.scrape).map(([job, targets]) => ({
      job_name: job,
      static_configs: [{ targets }],
    })),
  };
  return spawnManaged({
    name: 'prometheus',
    bin: PROMETHEUS_BIN,
    files: { 'prometheus.yml': stringify(config), 'rules.yml': stringify({ groups: opts.ruleGroups }) },
    args: ({ dir, port, url }) => [
      `--config.file=${join(dir, 'prometheus.yml')}`,
      `--storage.tsdb.path=${join(dir, 'data')}`,
      `--web.listen-address=127.0.0.1:${port}`,
      `--web.external-url=${url}`,
      // An alert dropped before the Alertmanager is discovered is re-sent after this delay (default 1m).
      '--rules.alert.resend-delay=1s',
      '--log.level=info',
    ],
  });
}

export interface MetricsTarget {
  /** host:port to put in a scrape config. */
  hostPort: string;
  /** Switch the share of requests answered 5xx (0..1) from now on. */
  setErrorRatio(ratio: number): void;
  /** How many times Prometheus scraped us. */
  scrapes(): number;
  stop(): Promise<void>;
}

/**
 * A fake application that Prometheus scrapes: `http_requests_total{service,status}` counters that grow at
 * `requestsPerSecond` in wall-clock time, a `ratio` of them with status 500. Counting by time (not per scrape) keeps
 * `rate()` honest whatever the scrape timing.
 */
export async function startMetricsTarget(
  opts: { service?: string; requestsPerSecond?: number; errorRatio?: number } = {},
): Promise<MetricsTarget> {
  const service = opts.service ?? 'checkout';
  const rps = opts.requestsPerSecond ?? 100;
  let ratio = opts.errorRatio ?? 0;
  let ok = 0;
  let failed = 0;
  let last = Date.now();
  let scrapes = 0;
  const advance = (): void => {
    const now = Date.now();
    const n = (rps * (now - last)) / 1000;
    ok += n * (1 - ratio);
    failed += n * ratio;
    last = now;
  };
  const server: Server = createServer((req, res) => {
    if (req.url !== '/metrics') {
      res.writeHead(404).end();
      return;
    }
    advance();
    scrapes++;
    res.writeHead(200, { 'content-type': 'text/plain; version=0.0.4' });
    res.end(
      '# HELP http_requests_total Requests served.\n# TYPE http_requests_total counter\n' +
        `http_requests_total{service="${service}",status="200"} ${Math.floor(ok)}\n` +
        `http_requests_total{service="${service}",status="500"} ${Math.floor(failed)}\n`,
    );
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  const addr = server.address();
  const port = typeof addr === 'object' && addr ? addr.port : 0;
  return {
    hostPort: `127.0.0.1:${port}`,
    setErrorRatio(r) {
      advance();
      ratio = r;
    },
    scrapes: () => scrapes,
    stop: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

export const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/**
 * Poll `check` until it returns a value other than undefined/false, or fail after `timeoutMs` with `what` and the
 * last thing `describe` reported (so a timeout says what was seen, not just that it timed out).
 */
export async function pollUntil<T>(
  what: string,
  check: () => Promise<T | undefined | false>,
  opts: { timeoutMs: number; intervalMs?: number; describe?: () => string | Promise<string> },
): Promise<T> {
  const deadline = Date.now() + opts.timeoutMs;
  let lastError: unknown = null;
  for (;;) {
    try {
      const v = await check();
      if (v !== undefined && v !== false) return v;
      lastError = null;
    } catch (e) {
      lastError = e;
    }
    if (Date.now() > deadline) {
      const seen = opts.describe ? await opts.describe() : '';
      throw new Error(
        `timed out after ${opts.timeoutMs} ms waiting for ${what}` +
          (lastError
            ? `; last error: ${lastError instanceof Error ? lastError.message : JSON.stringify(lastError)}`
            : '') +
          (seen ? `\n${seen}` : ''),
      );
    }
    await sleep(opts.intervalMs ?? 250);
  }
}
