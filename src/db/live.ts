/**
 * Live nudges across processes, for server-sent event streams (incident rooms, the alert list). A nudge names a topic
 * (an incident id, an alert id) and carries no other data: each viewer re-reads what it has not sent yet, so
 * duplicate or lost nudges cost nothing but a read. Nudges come from this process (`poke`) and, on PostgreSQL, from
 * every process through LISTEN on the channel (`publish` NOTIFYs in the writer's transaction, delivered at commit).
 */
import { EventEmitter } from 'node:events';
import { sql } from 'kysely';
import type pg from 'pg';
import type { Logger } from '../shared/logger.js';
import type { Db, Executor } from './index.js';

/** Subscribe to this topic for every nudge on the channel. */
export const ALL_TOPICS = '*';

export class LiveChannel {
  private readonly emitter = new EventEmitter();
  private listener: pg.PoolClient | null = null;
  private connecting: Promise<void> | null = null;
  private isStopped = false;

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
    if (this.deps.db.engine === 'postgres') await sql`select pg_notify(${this.deps.channel}, ${topic})`.execute(ex);
    else this.poke(topic);
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
    const release = (err?: Error): void => {
      if (isReleased) return;
      isReleased = true;
      if (this.listener === client) this.listener = null;
      client.release(err);
    };
    client.on('error', (err) => {
      this.deps.log.warn({ err }, `${label} lost the LISTEN connection; viewers poll until it is back`);
      release(err);
    });
    client.on('notification', (n) => {
      if (n.channel === channel && n.payload) this.poke(n.payload);
    });
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
    this.listener = client;
  }

  /** Release the LISTEN connection (before the pool closes). */
  async stop(): Promise<void> {
    this.isStopped = true;
    await this.connecting?.catch(() => undefined);
    const client = this.listener;
    if (!client) return;
    this.listener = null;
    try {
      await client.query(`UNLISTEN ${this.deps.channel}`);
      client.release();
    } catch (e) {
      client.release(e instanceof Error ? e : new Error(String(e)));
    }
  }
}
