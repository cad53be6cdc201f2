/**
 * Status page subscribers: email addresses confirmed by a double opt-in link, and webhook URLs that get a signing
 * secret once, at subscription. Confirm and unsubscribe links carry an HMAC of the subscriber id under the page's
 * signing secret, so nothing secret is stored per link. Subscribing never reveals whether an address is known.
 */
import type { Db, Executor } from '../db/index.js';
import { takeRateLimit } from '../db/rate-limit.js';
import { recordAudit, systemActor, type Actor } from '../identity/index.js';
import { enqueueJob } from '../jobs/index.js';
import type { Clock } from '../shared/clock.js';
import { forbidden, tooManyRequests, validationError } from '../shared/errors.js';
import { newId, newSecret } from '../shared/ids.js';
import { resolveAll, type ResolveAll } from '../shared/net.js';
import { subscriberLinkExpired, subscriberLinkInvalid, subscriberNotFound } from './errors.js';
import { JOB_SEND_CONFIRMATION, type ConfirmationPayload } from './jobs.js';
import { CONFIRM_TTL_MS, isValidLinkToken, resolvesToPrivateHost, type LinkPurpose } from './model.js';
import { findSubscriber, listComponents, loadSettingsRow, type Subscriber } from './repo.js';

const HOUR_MS = 60 * 60 * 1000;
const PUBLIC_PER_IP = 10;
const PUBLIC_PER_TARGET = 3;
/**
 * At most this many email subscriptions from the public wait for confirmation at once (their links still valid),
 * however many addresses the requests come from: the per-address limit alone scales with the sender's addresses.
 */
export const MAX_PENDING_SUBSCRIPTIONS = 1000;
const PENDING_RETRY_AFTER_S = 60 * 60;

export interface SubscriberDeps {
  db: Db;
  clock: Clock;
  publicUrl: () => string;
  onEnqueued?: () => void;
  /** The resolver for public webhook hosts (node:dns by default). */
  lookup?: ResolveAll;
}

/** `componentIds`: follow only updates about these components (none or empty: every update). */
export type SubscribeInput = ({ email: string } | { webhookUrl: string }) & { componentIds?: string[] | undefined };

const MAX_COMPONENTS = 100;

export interface SubscribeResult {
  id: string | null;
  kind: 'email' | 'webhook';
  status: 'confirmation_sent' | 'subscribed';
  /** Webhook subscribers only, shown once: verify the Muster-Signature header with it. */
  secret?: string;
}

const EMAIL = /^[^\s@]+@[^\s@]+\.[^\s@]+$/;

function isHttpUrl(v: string): boolean {
  try {
    const u = new URL(v);
    return u.protocol === 'http:' || u.protocol === 'https:';
  } catch {
    return false;
  }
}

export class SubscriberService {
  constructor(private readonly deps: SubscriberDeps) {}

  private tx<T>(fn: (trx: Executor, now: number) => Promise<T>): Promise<T> {
    const now = this.deps.clock.now();
    return this.deps.db.kysely.transaction().execute((trx) => fn(trx, now));
  }

  /**
   * `byAdmin`: an administrator adds it (webhooks may then point at private addresses). From the public (`ip`), at
   * most PUBLIC_PER_IP subscriptions per address per hour and PUBLIC_PER_TARGET per email address or URL (each email
   * subscription sends a confirmation: the limit keeps the page from being used to mail-bomb someone).
   */
  async subscribe(input: SubscribeInput, opts: { byAdmin?: Actor; ip?: string } = {}): Promise<SubscribeResult> {
    if (!opts.byAdmin && 'email' in input) await this.checkPendingCeiling();
    if (!opts.byAdmin) {
      const target = 'email' in input ? input.email.trim().toLowerCase() : input.webhookUrl.trim();
      const wait = await takeRateLimit(
        this.deps.db,
        [
          { key: `status-subscribe:ip:${opts.ip ?? 'unknown'}`, max: PUBLIC_PER_IP },
          { key: `status-subscribe:target:${target}`, max: PUBLIC_PER_TARGET },
        ],
        HOUR_MS,
        this.deps.clock.now(),
      );
      if (wait > 0) {
        throw tooManyRequests('Too many subscription requests; try again later.', wait / 1000, 'subscribe_throttled');
      }
    }
    const componentIds = await this.checkComponents(input.componentIds ?? []);
    if ('email' in input) return this.subscribeEmail(input.email.trim().toLowerCase(), componentIds);
    const url = input.webhookUrl.trim();
    if (!isHttpUrl(url) || url.length > 2000) {
      throw validationError([{ field: 'webhookUrl', message: 'must be an http(s) URL' }]);
    }
    if (opts.byAdmin && !opts.byAdmin.isAdmin) throw forbidden('Only administrators add subscribers.');
    if (!opts.byAdmin && (await resolvesToPrivateHost(url, this.deps.lookup ?? resolveAll))) {
      throw validationError([
        { field: 'webhookUrl', message: 'must be a public address that resolves (ask an administrator)' },
      ]);
    }
    const secret = newSecret(32);
    const id = await this.tx(async (trx, now) => {
      const row = {
        id: newId('sts', now),
        kind: 'webhook',
        address: url,
        secret,
        confirmedAt: now,
        unsubscribedAt: null,
        createdAt: now,
        // Only an administrator's subscriber may reach private addresses; sending checks again (DNS rebinding).
        allowsPrivateAddress: opts.byAdmin ? (1 as const) : (0 as const),
        componentIds: JSON.stringify(componentIds),
      };
      await trx.insertInto('statusSubscribers').values(row).execute();
      await recordAudit(
        trx,
        opts.byAdmin ?? systemActor('status-page'),
        'status_page.subscribed',
        this.target(row.id),
        { kind: 'webhook', componentIds },
        now,
      );
      return row.id;
    });
    return { id, kind: 'webhook', status: 'subscribed', secret };
  }

  /** 429 when MAX_PENDING_SUBSCRIPTIONS unconfirmed email subscriptions (links not yet expired) are waiting. */
  private async checkPendingCeiling(): Promise<void> {
    const { n } = await this.deps.db.kysely
      .selectFrom('statusSubscribers')
      .select((eb) => eb.fn.countAll<number>().as('n'))
      .where('kind', '=', 'email')
      .where('confirmedAt', 'is', null)
      .where('unsubscribedAt', 'is', null)
      .where('createdAt', '>', this.deps.clock.now() - CONFIRM_TTL_MS)
      .executeTakeFirstOrThrow();
    if (Number(n) >= MAX_PENDING_SUBSCRIPTIONS) {
      throw tooManyRequests(
        'Too many subscriptions are waiting for confirmation; try again later.',
        PENDING_RETRY_AFTER_S,
        'subscribe_throttled',
      );
    }
  }

  private target(id: string) {
    return { type: 'status_subscriber', id };
  }

  /** The components asked for, each existing, without repeats; [] for every component. */
  private async checkComponents(ids: string[]): Promise<string[]> {
    const unique = [...new Set(ids)];
    if (unique.length === 0) return [];
    if (unique.length > MAX_COMPONENTS) {
      throw validationError([{ field: 'componentIds', message: `at most ${MAX_COMPONENTS} components` }]);
    }
    const known = new Set((await listComponents(this.deps.db.kysely)).map((c) => c.id));
    const unknown = unique.filter((id) => !known.has(id));
    if (unknown.length) {
      throw validationError([{ field: 'componentIds', message: `no component ${unknown.join(', ')}` }]);
    }
    return unique;
  }

  /**
   * Always the same answer, known address or not; a fresh confirmation goes out unless already confirmed. The
   * components followed change only with a new confirmation (an active subscription is left as it is, so nobody can
   * narrow someone else's subscription from the public form).
   */
  private async subscribeEmail(email: string, componentIds: string[]): Promise<SubscribeResult> {
    if (!EMAIL.test(email) || email.length > 320) {
      throw validationError([{ field: 'email', message: 'must be an email address' }]);
    }
    await this.tx(async (trx, now) => {
      const existing = await trx
        .selectFrom('statusSubscribers')
        .selectAll()
        .where('kind', '=', 'email')
        .where('address', '=', email)
        .orderBy('id', 'desc')
        .executeTakeFirst();
      if (existing && existing.unsubscribedAt === null && existing.confirmedAt !== null) return;
      let id = existing?.id;
      if (existing) {
        await trx
          .updateTable('statusSubscribers')
          .set({ unsubscribedAt: null, confirmedAt: null, createdAt: now, componentIds: JSON.stringify(componentIds) })
          .where('id', '=', existing.id)
          .execute();
      } else {
        id = newId('sts', now);
        await trx
          .insertInto('statusSubscribers')
          .values({
            id,
            kind: 'email',
            address: email,
            secret: null,
            confirmedAt: null,
            unsubscribedAt: null,
            createdAt: now,
            allowsPrivateAddress: 0,
            componentIds: JSON.stringify(componentIds),
          })
          .execute();
      }
      const payload: ConfirmationPayload = { subscriberId: id!, requestedAt: now };
      // One confirmation per address per minute: repeated form posts do not flood the inbox.
      const uniqueKey = `${JOB_SEND_CONFIRMATION}:${id!}:${Math.floor(now / 60_000)}`;
      await enqueueJob(
        trx,
        this.deps.db.engine,
        { kind: JOB_SEND_CONFIRMATION, payload, uniqueKey, maxAttempts: 8 },
        now,
      );
    });
    this.deps.onEnqueued?.();
    return { id: null, kind: 'email', status: 'confirmation_sent' };
  }

  private async check(id: string, purpose: LinkPurpose, token: string): Promise<Subscriber> {
    const settings = await loadSettingsRow(this.deps.db.kysely, this.deps.clock.now());
    if (!/^[0-9a-f]{64}$/.test(token) || !isValidLinkToken(settings.signingSecret, purpose, id, token)) {
      throw subscriberLinkInvalid();
    }
    const s = await findSubscriber(this.deps.db.kysely, id);
    if (!s) throw subscriberLinkInvalid();
    return s;
  }

  async confirm(id: string, token: string): Promise<Subscriber> {
    const s = await this.check(id, 'confirm', token);
    if (s.confirmedAt !== null && s.unsubscribedAt === null) return s;
    const now = this.deps.clock.now();
    if (s.unsubscribedAt !== null || now - s.createdAt > CONFIRM_TTL_MS) throw subscriberLinkExpired();
    await this.tx(async (trx) => {
      await trx.updateTable('statusSubscribers').set({ confirmedAt: now }).where('id', '=', id).execute();
      await recordAudit(
        trx,
        systemActor('status-page'),
        'status_page.subscription_confirmed',
        this.target(id),
        {},
        now,
      );
    });
    return (await findSubscriber(this.deps.db.kysely, id))!;
  }

  async unsubscribe(id: string, token: string): Promise<Subscriber> {
    const s = await this.check(id, 'unsubscribe', token);
    if (s.unsubscribedAt !== null) return s;
    await this.tx(async (trx, now) => {
      await trx.updateTable('statusSubscribers').set({ unsubscribedAt: now }).where('id', '=', id).execute();
      await recordAudit(trx, systemActor('status-page'), 'status_page.unsubscribed', this.target(id), {}, now);
    });
    return (await findSubscriber(this.deps.db.kysely, id))!;
  }

  async list(actor: Actor, filter: { status?: 'all' | 'active' | 'pending' | undefined } = {}): Promise<Subscriber[]> {
    if (!actor.isAdmin) throw forbidden('Only administrators see status page subscribers.');
    let q = this.deps.db.kysely.selectFrom('statusSubscribers').selectAll().orderBy('id', 'desc').limit(1000);
    if (filter.status === 'active') q = q.where('confirmedAt', 'is not', null).where('unsubscribedAt', 'is', null);
    if (filter.status === 'pending') q = q.where('confirmedAt', 'is', null).where('unsubscribedAt', 'is', null);
    return q.execute();
  }

  async remove(actor: Actor, id: string): Promise<void> {
    if (!actor.isAdmin) throw forbidden('Only administrators remove status page subscribers.');
    await this.tx(async (trx, now) => {
      if (!(await findSubscriber(trx, id))) throw subscriberNotFound(id);
      await trx.deleteFrom('statusSubscribers').where('id', '=', id).execute();
      await recordAudit(trx, actor, 'status_page.subscriber_removed', this.target(id), {}, now);
    });
  }
}
