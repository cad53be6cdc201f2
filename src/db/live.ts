/**
 * Live nudges across processes, for server-sent event streams (incident rooms, the alert list). A nudge names a topic
 * (an incident id, an alert id) and carries no other data: each viewer re-reads what it has not sent yet, so
 * duplicate or lost nudges cost nothing but a read. Nudges come from this process (`poke`) and, on PostgreSQL, from
 * every process through LISTEN on the channel (`publish` NOTIFYs in the writer's transaction, delivered at commit).
 */
import { EventEmitter } from 'node:events';
import type pg from 'pg';
import type { Logger } from '../shared/logger.js';
import { isDatabaseUnavailable } from './health.js';
import type { Db, Executor } from './index.js';
import { notifyDeferred } from './statements.js';

/** PostgreSQL's NOTIFY payload limit is 8,000 bytes; stay below it. */
const NOTIFY_PAYLOAD_MAX = 7000;

/** After a lost LISTEN connection, listen again after this long, doubling up to the cap, until it works. */
const RELISTEN_MIN_MS = 250;
const RELISTEN_MAX_MS = 5000;

/** Subscribe to this topic for every nudge on the channel. */
export const ALL_TOPICS = '*';

export class LiveChannel {
  private readonly emitter = new EventEmitter();
  private listener: pg.PoolClient | null = null;
  private connecting: Promise<void> | null = null;
  private isStopped = false;
  private readonly batches = new WeakMap<object, Set<string>>();
  private releaseListener: ((err?: Error) => void) | null = null;
  private relistenTimer: NodeJS.Timeout | null = null;

  constructor(private readonly deps: { db: Db; log: Logger; channel: string; label?: string }) {
    this.emitter.setMaxListeners(0);
  }

  /** Call fn on every nudge for the topic (or every nudge, for ALL_TOPICS) until the returned function is called. */
  subscribe(topic: string, fn: (topic: string) => void): () => void {
    this.emitter.on(topic, fn);
    return () => {
      this.emitter.off(topic, fn);
    };
  }

  /** This process committed a change to the topic. */
  poke(topic: string): void {
    this.emitter.emit(topic, topic);
    if (topic !== ALL_TOPICS) this.emitter.emit(ALL_TOPICS, topic);
  }

  /**
   * Inside the writer's transaction. PostgreSQL: NOTIFY, delivered to every process (this one too) at commit.
   * SQLite: a nudge in this process now; the viewer's read waits for the one connection, so it sees the commit.
   */
  async publish(ex: Executor, topic: string): Promise<void> {
    const batched = this.batches.get(ex);
    if (batched && this.deps.db.engine === 'postgres') batched.add(topic);
    else if (this.deps.db.engine === 'postgres') await notifyDeferred(ex, this.deps.channel, topic);
    else this.poke(topic);
  }

  /**
   * Collect this transaction's nudges and send them with `flush` (one NOTIFY of comma-separated topics instead of one
   * round trip each): intake publishes every alert of a batch. A nudge for a change that rolled back to a savepoint
   * may go out too; nudges carry no data, so it costs a read.
   */
  batch(ex: Executor): void {
    if (this.deps.db.engine === 'postgres' && !this.batches.has(ex)) this.batches.set(ex, new Set());
  }

  async flush(ex: Executor): Promise<void> {
    const topics = this.batches.get(ex);
    this.batches.delete(ex);
    if (!topics || topics.size === 0) return;
    let chunk: string[] = [];
    let size = 0;
    const send = async (): Promise<void> => {
      if (chunk.length > 0) await notifyDeferred(ex, this.deps.channel, chunk.join(','));
      chunk = [];
      size = 0;
    };
    for (const topic of topics) {
      if (size + topic.length + 1 > NOTIFY_PAYLOAD_MAX) await send();
      chunk.push(topic);
      size += topic.length + 1;
    }
    await send();
  }

  get isListening(): boolean {
    return this.deps.db.engine !== 'postgres' || this.listener !== null;
  }

  /** PostgreSQL: make sure one connection LISTENs (again, after a lost connection). SQLite: nothing to do. */
  async ensureListening(): Promise<void> {
    const pool = this.deps.db.pgPool;
    if (!pool || this.listener || this.isStopped) return;
    this.connecting ??= this.listen(pool).finally(() => {
      this.connecting = null;
    });
    await this.connecting;
  }

  private async listen(pool: pg.Pool): Promise<void> {
    const { channel, label = channel } = this.deps;
    const client = await pool.connect();
    let isReleased = false;
    const onError = (err: Error): void => {
      // A database outage is logged once by db.health; anything else here is worth a line of its own.
      if (!isDatabaseUnavailable(err)) {
        this.deps.log.warn({ err }, `${label} lost the LISTEN connection; viewers poll until it is back`);
      }
      release(err);
      this.relisten(RELISTEN_MIN_MS);
    };
    const onNotification = (n: pg.Notification): void => {
      // One notification may carry several topics, comma-separated (see `flush`).
      if (n.channel === channel && n.payload) for (const topic of n.payload.split(',')) if (topic) this.poke(topic);
    };
    // Released once, whoever gets there first (a lost connection or stop()); our handlers go with it, so a late
    // error on the pooled client cannot release it a second time.
    const release = (err?: Error): void => {
      if (isReleased) return;
      isReleased = true;
      if (this.listener === client) this.listener = null;
      if (this.releaseListener === release) this.releaseListener = null;
      client.off('error', onError);
      client.off('notification', onNotification);
      client.release(err);
    };
    client.on('error', onError);
    client.on('notification', onNotification);
    try {
      await client.query(`LISTEN ${channel}`);
    } catch (e) {
      release(e instanceof Error ? e : new Error(String(e)));
      throw e;
    }
    if (this.isStopped) {
      release();
      return;
    }
    // Lost between LISTEN's answer and here (both in one read from the socket): already released, and onError has
    // scheduled the next try. Keeping it would leave this channel deaf to NOTIFY.
    if (isReleased) return;
    this.listener = client;
    this.releaseListener = release;
  }

  /**
   * Listen again after a lost connection (a database restart, failover or a terminated backend), with backoff until
   * the database is back, so cross-process nudges resume by themselves. Viewers poll meanwhile.
   */
  private relisten(delayMs: number): void {
    if (this.isStopped || this.relistenTimer) return;
    this.relistenTimer = setTimeout(() => {
      this.relistenTimer = null;
      this.ensureListening().catch(() => this.relisten(Math.min(delayMs * 2, RELISTEN_MAX_MS)));
    }, delayMs);
    this.relistenTimer.unref();
  }

  /** Release the LISTEN connection (before the pool closes). */
  async stop(): Promise<void> {
    this.isStopped = true;
    if (this.relistenTimer) clearTimeout(this.relistenTimer);
    this.relistenTimer = null;
    await this.connecting?.catch(() => undefined);
    const client = this.listener;
    const release = this.releaseListener;
    if (!client || !release) return;
    try {
      await client.query(`UNLISTEN ${this.deps.channel}`);
      release();
    } catch (e) {
      release(e instanceof Error ? e : new Error(String(e)));
    }
  }
}
