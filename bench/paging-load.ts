/**
 * bench:paging's load side (issue 18): the webhook receiver the pages arrive at, a webhook endpoint that never
 * answers (case a'), and the load generator that posts alerts at a fixed rate. Not a test.
 *
 * By default bench/paging.ts runs this file as a child process (`spawnLoad`), so the load and the receiver have
 * their own event loop and Muster's process does only Muster's work. Every time is taken here, on this process's
 * `performance.now()`: the send, the 2xx, the page's arrival. So sent → page and accepted → page use one clock and
 * no cross-process clock is involved. `BENCH_LOAD=inprocess` uses the same code in Muster's process (`inProcessLoad`),
 * the arrangement before issue 18.
 *
 * The child speaks over the IPC channel: `{ type: 'run', plan }` answers `{ type: 'sent', sent }` when every request
 * has been answered; `{ type: 'drain', seconds }` answers `{ type: 'paged', paged }` when every accepted alert has
 * been paged (or the drain ended); `{ type: 'close' }` ends it. It announces its URLs with `{ type: 'ready', urls }`.
 */
import { fork, type ChildProcess } from 'node:child_process';
import { appendFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import { resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { performance } from 'node:perf_hooks';
import { closeServer, listenHook } from '../src/testing/listen.js';

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/** What to send: `rate` alerts/s for `seconds` to Muster's generic intake, rotating over `keys`. */
export interface LoadPlan {
  musterUrl: string;
  keys: string[];
  rate: number;
  seconds: number;
  maxInFlight: number;
  /** Prefix of each alert's dedup key (a new key per alert). */
  tag: string;
}

/** Once every request was answered. cpuMs, elu and wallMs cover the same window: first send → last answer. */
export interface LoadSent {
  offered: number;
  /** Alerts accepted on the first key when there are several: the dead contact's, not measured. */
  dead: number;
  accepted: number;
  refused: number;
  /** Counted as offered but never sent: MAX_IN_FLIGHT requests were outstanding. */
  skipped: number;
  /** Seconds spent offering (the last alert was due at the end). */
  offeredFor: number;
  /** The load process's CPU (user + system) and event-loop use over the window; the same process as Muster's in-process. */
  cpuMs: number;
  elu: number;
  wallMs: number;
}

/** Once every accepted alert was paged, or the drain ended: the latencies, in ms, on this process's clock. */
export interface LoadPaged {
  acceptedToPage: number[];
  sentToPage: number[];
  /** Request sent → its 2xx read (intake's answer, durable commit included). */
  sentToAccepted: number[];
  notPaged: number;
  /** Requests the never-answering endpoint received so far (all runs). */
  deadHits: number;
}

export interface LoadUrls {
  receiver: string;
  dead: string;
}

/** The load side as bench/paging.ts sees it, in its process or in a child. */
export interface Load {
  readonly where: 'child' | 'inprocess';
  readonly urls: LoadUrls;
  run(plan: LoadPlan): Promise<LoadSent>;
  drain(seconds: number): Promise<LoadPaged>;
  close(): Promise<void>;
}

/** The page receiver: the first arrival time per alert id (performance.now(), same clock as the load). */
class Receiver {
  readonly firstAt = new Map<string, number>();
  private server: Server | null = null;
  url = '';
  async start(): Promise<this> {
    this.server = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        const at = performance.now();
        const { alertId } = JSON.parse(Buffer.concat(chunks).toString('utf8')) as { alertId: string };
        if (!this.firstAt.has(alertId)) this.firstAt.set(alertId, at);
        res.writeHead(200).end('ok');
      });
    });
    this.url = await listenHook(this.server);
    return this;
  }
  close(): Promise<void> {
    return closeServer(this.server);
  }
}

/** A webhook endpoint that accepts connections and never answers (a hung or firewalled receiver). */
class DeadEndpoint {
  hits = 0;
  private server: Server | null = null;
  url = '';
  async start(): Promise<this> {
    this.server = createServer((req) => {
      req.resume();
      req.on('end', () => this.hits++);
    });
    this.url = await listenHook(this.server);
    return this;
  }
  close(): Promise<void> {
    return closeServer(this.server);
  }
}

/** The receiver, the dead endpoint and the load generator, in whichever process runs this. */
class LoadSide {
  private readonly receiver = new Receiver();
  private readonly deadEndpoint = new DeadEndpoint();
  /** The current run's accepted alerts: when the 2xx was read, and when its request was sent. */
  private accepted = new Map<string, number>();
  private sentAt = new Map<string, number>();

  async start(): Promise<LoadUrls> {
    await this.receiver.start();
    await this.deadEndpoint.start();
    return { receiver: this.receiver.url, dead: this.deadEndpoint.url };
  }

  /**
   * Offer `rate` alerts/s for `seconds` (open loop, at most `maxInFlight` requests outstanding). With several keys,
   * the alerts rotate over them, and the first key's alerts (whose page never arrives) are not measured.
   */
  async run(plan: LoadPlan): Promise<LoadSent> {
    const { musterUrl, keys, rate, seconds, maxInFlight, tag } = plan;
    const accepted = (this.accepted = new Map());
    const sentAt = (this.sentAt = new Map());
    let dead = 0;
    let offered = 0;
    let refused = 0;
    let skipped = 0;
    let inFlight = 0;
    const pending = new Set<Promise<void>>();
    const send = async (i: number): Promise<void> => {
      inFlight++;
      const sent = performance.now();
      const key = keys[i % keys.length]!;
      const isDead = keys.length > 1 && key === keys[0];
      try {
        const res = await fetch(`${musterUrl}/integrations/generic/${key}`, {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify({
            status: 'firing',
            dedupKey: `${tag}-${i}`,
            // With the run's tag: an alert titled as one of an earlier run (the warm-up) would join its paging group.
            title: `Bench ${tag} ${i}`,
            severity: 'critical',
          }),
        });
        const at = performance.now();
        const body = (await res.json()) as { alerts?: { alertId: string }[] };
        if (res.ok && body.alerts?.[0] && isDead) dead++;
        else if (res.ok && body.alerts?.[0]) {
          accepted.set(body.alerts[0].alertId, at);
          sentAt.set(body.alerts[0].alertId, sent);
        } else refused++;
      } catch {
        refused++;
      } finally {
        inFlight--;
      }
    };
    const elu0 = performance.eventLoopUtilization();
    const cpu0 = process.cpuUsage();
    const t0 = performance.now();
    const total = Math.round(rate * seconds);
    while (offered + skipped < total) {
      const due = Math.min(total, Math.floor(((performance.now() - t0) / 1000) * rate) + 1);
      while (offered + skipped < due) {
        if (inFlight >= maxInFlight) {
          skipped++; // the client's cap: counted as offered but never sent
          continue;
        }
        const p = send(offered++).finally(() => pending.delete(p));
        pending.add(p);
      }
      await sleep(Math.max(1, Math.min(10, 1000 / rate)));
    }
    const offeredFor = (performance.now() - t0) / 1000;
    await Promise.all([...pending]);
    const cpu = process.cpuUsage(cpu0);
    return {
      offered,
      dead,
      accepted: accepted.size,
      refused,
      skipped,
      offeredFor,
      cpuMs: (cpu.user + cpu.system) / 1000,
      elu: performance.eventLoopUtilization(elu0).utilization,
      wallMs: performance.now() - t0,
    };
  }

  /** Wait (up to `seconds`) for the current run's accepted alerts to be paged; their latencies. */
  async drain(seconds: number): Promise<LoadPaged> {
    const { firstAt } = this.receiver;
    const drainUntil = performance.now() + seconds * 1000;
    while ([...this.accepted.keys()].some((id) => !firstAt.has(id)) && performance.now() < drainUntil) await sleep(50);
    const acceptedToPage = [...this.accepted]
      .filter(([id]) => firstAt.has(id))
      .map(([id, at]) => firstAt.get(id)! - at);
    // BENCH_TRACE=<file>: a line per alert of the run (sent, from the run's first send; sent → 2xx; sent → page), in ms.
    const trace = process.env.BENCH_TRACE;
    if (trace) {
      const t0 = Math.min(...this.sentAt.values());
      const line = ([id, at]: [string, number]): string =>
        [at - t0, this.accepted.get(id)! - at, (firstAt.get(id) ?? NaN) - at].map((x) => x.toFixed(1)).join(' ');
      appendFileSync(trace, `# run of ${this.sentAt.size} alerts\n${[...this.sentAt].map(line).join('\n')}\n`);
    }
    const sentToPage = [...this.sentAt].filter(([id]) => firstAt.has(id)).map(([id, at]) => firstAt.get(id)! - at);
    return {
      acceptedToPage,
      sentToPage,
      sentToAccepted: [...this.accepted].map(([id, at]) => at - this.sentAt.get(id)!),
      notPaged: this.accepted.size - acceptedToPage.length,
      deadHits: this.deadEndpoint.hits,
    };
  }

  async close(): Promise<void> {
    await this.receiver.close();
    await this.deadEndpoint.close();
  }
}

/** `BENCH_LOAD=inprocess`: the load side in Muster's process (it shares Muster's event loop and CPU). */
export async function inProcessLoad(): Promise<Load> {
  const side = new LoadSide();
  const urls = await side.start();
  return {
    where: 'inprocess',
    urls,
    run: (plan) => side.run(plan),
    drain: (seconds) => side.drain(seconds),
    close: () => side.close(),
  };
}

type ToChild = { type: 'run'; plan: LoadPlan } | { type: 'drain'; seconds: number } | { type: 'close' };
type FromChild =
  | { type: 'ready'; urls: LoadUrls }
  | { type: 'sent'; sent: LoadSent }
  | { type: 'paged'; paged: LoadPaged }
  | { type: 'error'; message: string };

const THIS_FILE = fileURLToPath(import.meta.url);

/** The default: the load side in a child process (node with tsx's loader, an IPC channel), one request at a time. */
export async function spawnLoad(): Promise<Load> {
  const child: ChildProcess = fork(THIS_FILE, [], {
    execArgv: ['--import', 'tsx'],
    env: { ...process.env, MUSTER_BENCH_LOAD_CHILD: '1' },
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  });
  let waiter: { resolve: (m: FromChild) => void; reject: (e: Error) => void } | null = null;
  const next = (): Promise<FromChild> =>
    new Promise((res, rej) => {
      waiter = { resolve: res, reject: rej };
    });
  child.on('message', (m: FromChild) => {
    const w = waiter;
    waiter = null;
    if (!w) return;
    if (m.type === 'error') w.reject(new Error(`load process: ${m.message}`));
    else w.resolve(m);
  });
  child.on('exit', (code, signal) => {
    const w = waiter;
    waiter = null;
    w?.reject(new Error(`load process exited (${code ?? signal})`));
  });
  const ask = async <T extends FromChild['type']>(
    msg: ToChild | null,
    want: T,
  ): Promise<Extract<FromChild, { type: T }>> => {
    const reply = next();
    if (msg) child.send(msg);
    const m = await reply;
    if (m.type !== want) throw new Error(`load process: expected ${want}, got ${m.type}`);
    return m as Extract<FromChild, { type: T }>;
  };
  const { urls } = await ask(null, 'ready');
  return {
    where: 'child',
    urls,
    run: async (plan) => (await ask({ type: 'run', plan }, 'sent')).sent,
    drain: async (seconds) => (await ask({ type: 'drain', seconds }, 'paged')).paged,
    async close() {
      if (child.exitCode !== null || child.signalCode !== null) return;
      const exited = new Promise<void>((r) => child.once('exit', () => r()));
      child.send({ type: 'close' } satisfies ToChild);
      await Promise.race([exited, sleep(5000).then(() => void child.kill())]);
    },
  };
}

/** The child: serve the parent's requests until it says close or goes away. */
async function childMain(): Promise<void> {
  const side = new LoadSide();
  const reply = (m: FromChild): void => void process.send!(m);
  process.on('disconnect', () => process.exit(0));
  process.on('message', (m: ToChild) => {
    const handle = async (): Promise<void> => {
      if (m.type === 'run') reply({ type: 'sent', sent: await side.run(m.plan) });
      else if (m.type === 'drain') reply({ type: 'paged', paged: await side.drain(m.seconds) });
      else {
        await side.close();
        process.disconnect();
      }
    };
    handle().catch((e: unknown) => reply({ type: 'error', message: e instanceof Error ? e.message : String(e) }));
  });
  reply({ type: 'ready', urls: await side.start() });
}

if (process.env.MUSTER_BENCH_LOAD_CHILD === '1' && process.send && resolve(process.argv[1] ?? '') === THIS_FILE)
  await childMain();
