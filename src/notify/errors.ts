import { AppError } from '../shared/errors.js';

export const contactMethodNotFound = (id: string): AppError =>
  new AppError('contact_method_not_found', `No contact method with id ${id}.`, { status: 404 });

export const notificationRuleNotFound = (id: string): AppError =>
  new AppError('notification_rule_not_found', `No notification rule with id ${id}.`, { status: 404 });

export const notificationRuleExists = (contactMethodId: string, urgency: string, delayMinutes: number): AppError =>
  new AppError(
    'notification_rule_exists',
    `Contact method ${contactMethodId} already has a ${urgency} urgency rule at ${delayMinutes} minutes.`,
    { status: 409 },
  );

export const actionLinkInvalid = (reason: 'malformed' | 'signature' | 'expired' | 'used'): AppError =>
  new AppError(
    `action_link_${reason === 'signature' ? 'invalid' : reason}`,
    {
      malformed: 'This link is not a Muster action link.',
      signature: 'This link is not valid: it was changed or was not issued by this Muster.',
      expired: 'This link has expired. Open Muster to act on the alert.',
      used: 'This link was used already. Each link works once.',
    }[reason],
    { status: reason === 'used' ? 409 : reason === 'expired' ? 410 : 400 },
  );

export const actionLinksUnavailable = (): AppError =>
  new AppError('action_links_unavailable', 'Acknowledge and resolve links are not wired to alerts on this server.', {
    status: 503,
    isPermanent: false,
  });

/**
 * A channel's failure, classified: transient ones (network, timeout, 5xx, 429) are retried with backoff; permanent
 * ones (a 4xx, a bad address, a missing provider setting) are recorded in the delivery log and stop.
 * `isUnreachable`: the destination did not answer (connect failure or time-out), which its circuit breaker counts;
 * `isBulkhead`: nothing was sent, the destination's bulkhead or open breaker refused the send (src/notify/bulkhead.ts).
 */
export class DeliveryError extends AppError {
  readonly isUnreachable: boolean;
  readonly isBulkhead: boolean;
  /** The address is gone for good (a push service's 404/410): the contact method is marked expired. */
  readonly isGone: boolean;
  /** The provider's or the network's own error, for logs. */
  readonly networkError: unknown;

  constructor(
    readonly channel: string,
    message: string,
    opts: {
      isPermanent: boolean;
      cause?: unknown;
      providerStatus?: number | string;
      retryAfterMs?: number | undefined;
      isUnreachable?: boolean;
      isBulkhead?: boolean;
      isGone?: boolean;
    },
  ) {
    super(opts.isPermanent ? 'delivery_rejected' : 'delivery_unavailable', `${channel}: ${message}`, {
      status: opts.isPermanent ? 422 : 503,
      isPermanent: opts.isPermanent,
      retryAfterMs: opts.isPermanent ? undefined : opts.retryAfterMs,
      details: opts.providerStatus === undefined ? undefined : { providerStatus: opts.providerStatus },
    });
    this.name = 'DeliveryError';
    // Not `cause`: the job runner reads a cause chain with ECONNRESET, ECONNREFUSED or ETIMEDOUT as "the database is
    // unavailable" (src/db/health.ts), and a dead webhook must never make this server think its database is down.
    this.networkError = opts.cause;
    this.isUnreachable = opts.isUnreachable === true;
    this.isBulkhead = opts.isBulkhead === true;
    this.isGone = opts.isGone === true;
  }

  /** A bulkhead refusal attempted nothing: the job runner defers the job without using an attempt or warning. */
  get isDeferral(): boolean {
    return this.isBulkhead;
  }
}

export const transientFailure = (channel: string, message: string, cause?: unknown): DeliveryError =>
  new DeliveryError(channel, message, { isPermanent: false, cause });

/** The destination did not answer: a connect failure or a time-out (counted by its circuit breaker). */
export const unreachableFailure = (channel: string, message: string, cause?: unknown): DeliveryError =>
  new DeliveryError(channel, message, { isPermanent: false, cause, isUnreachable: true });

export const permanentFailure = (channel: string, message: string, cause?: unknown): DeliveryError =>
  new DeliveryError(channel, message, { isPermanent: true, cause });

/** Only SMS and voice are verified (model.ts `needsVerification`); every other kind can page as soon as it is added. */
export const verificationNotNeeded = (kind: string): AppError =>
  new AppError('verification_not_needed', `A ${kind} contact method needs no verification: it is ready to use.`, {
    status: 409,
  });
