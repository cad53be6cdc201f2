/**
 * Live incident rooms: who is watching which incident in this process, and a nudge whenever its timeline grows.
 * Nudges come from this process after a commit (poke) and, on PostgreSQL, from every process through LISTEN on
 * INCIDENTS_CHANNEL (appendEvent NOTIFYs in the writer's transaction, delivered at commit). A nudge carries no data:
 * each viewer reads the events after the last sequence it sent, so duplicate or lost nudges cost nothing but a read.
 */
import { EventEmitter } from 'node:events';
import type pg from 'pg';
import type { Db } from '../db/index.js';
import type { Logger } from '../shared/logger.js';
import { INCIDENTS_CHANNEL } from './repo.js';

export class LiveTimeline {
  private readonly emitter = new EventEmitter();
  private listener: pg.PoolClient | null = null;
  private connecting: Promise<void> | null = null;
  private isStopped = false;

  constructor(private readonly deps: { db: Db; log: Logger }) {
    this.emitter.setMaxListeners(0);
  }

  /** Call fn on every nudge for this incident until the returned function is called. */
  subscribe(incidentId: string, fn: () => void): () => void {
    this.emitter.on(incidentId, fn);
    return () => {
      this.emitter.off(incidentId, fn);
    };
  }

  /** This process committed timeline events for the incident. */
  poke(incidentId: string): void {
    this.emitter.emit(incidentId);
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
    const client = await pool.connect();
    let isReleased = false;
    const release = (err?: Error): void => {
      if (isReleased) return;
      isReleased = true;
      if (this.listener === client) this.listener = null;
      client.release(err);
    };
    client.on('error', (err) => {
      this.deps.log.warn({ err }, 'incident rooms lost their LISTEN connection; viewers poll until it is back');
      release(err);
    });
    client.on('notification', (n) => {
      if (n.channel === INCIDENTS_CHANNEL && n.payload) this.poke(n.payload);
    });
    try {
      await client.query(`LISTEN ${INCIDENTS_CHANNEL}`);
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
      await client.query(`UNLISTEN ${INCIDENTS_CHANNEL}`);
      client.release();
    } catch (e) {
      client.release(e instanceof Error ? e : new Error(String(e)));
    }
  }
}
