/**
 * Failure injection adapters (docs/gamedays.md, "Failure injection and halting"): each starts something in a chaos tool
 * when a live game day starts and rolls it back when it ends or halts. Calls are made outside any transaction, with
 * the private-address guard unless an administrator allowed a private target.
 */
import type { FieldProblem } from '../../../shared/errors.js';
import type { ResolveAll } from '../../../shared/net.js';

export const PROVIDERS = ['webhook', 'chaostoolkit', 'litmus', 'gremlin'] as const;
export type Provider = (typeof PROVIDERS)[number];

export interface InjectionCall {
  gamedayId: string;
  title: string;
  url: string;
  /** The secret, opened (webhook signing secret, runner or Kubernetes bearer token, Gremlin API key). */
  secret: string | null;
  config: Record<string, unknown>;
  /** What start returned (attack id, `namespace/name`, run id); rollback needs it. */
  externalRef: string | null;
  publicOnly: boolean;
  resolve?: ResolveAll | undefined;
  now: number;
  timeoutMs?: number | undefined;
}

export interface InjectionAdapter {
  /** Problems with the config (and secret) when it is given, each naming its field. */
  problems(config: Record<string, unknown>, hasSecret: boolean): FieldProblem[];
  start(call: InjectionCall): Promise<{ externalRef: string | null }>;
  rollback(call: InjectionCall): Promise<void>;
}

export const INJECTION_TIMEOUT_MS = 10_000;

export const isObject = (v: unknown): v is Record<string, unknown> =>
  typeof v === 'object' && v !== null && !Array.isArray(v);

/** The request options shared by every adapter: public addresses only unless allowed, a time-out. */
export const requestOpts = (c: InjectionCall) => ({
  timeoutMs: c.timeoutMs ?? INJECTION_TIMEOUT_MS,
  ...(c.publicOnly ? { publicOnly: { resolve: c.resolve } } : {}),
});

/** A short reason from a failed answer (no secrets: answers are the provider's). */
export function failure(provider: string, what: string, status: number, text: string): Error {
  const excerpt = text.replace(/\s+/g, ' ').trim().slice(0, 200);
  return new Error(`${provider} ${what} answered ${status}${excerpt ? `: ${excerpt}` : ''}`);
}

export const trimSlash = (url: string): string => url.replace(/\/+$/, '');
