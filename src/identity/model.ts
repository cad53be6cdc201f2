/** Identity rules as pure functions: roles, permissions, password policy, token shapes. */

export const TEAM_ROLES = ['owner', 'admin', 'responder', 'viewer'] as const;
export type TeamRole = (typeof TEAM_ROLES)[number];

const RANK: Record<TeamRole, number> = { viewer: 0, responder: 1, admin: 2, owner: 3 };

export function isTeamRole(v: string): v is TeamRole {
  return (TEAM_ROLES as readonly string[]).includes(v);
}

/** Does `role` allow at least what `needed` allows? owner > admin > responder > viewer. */
export function roleAtLeast(role: TeamRole | null | undefined, needed: TeamRole): boolean {
  return role !== null && role !== undefined && RANK[role] >= RANK[needed];
}

/**
 * Who may give `target` role to someone: owners give any role; admins any role below owner; nobody else.
 * Changing an existing owner needs an owner.
 */
export function canAssignRole(actorRole: TeamRole | null, target: TeamRole, currentRole: TeamRole | null): boolean {
  if (actorRole === 'owner') return true;
  if (actorRole === 'admin') return target !== 'owner' && currentRole !== 'owner';
  return false;
}

export const PASSWORD_MIN = 12;
export const PASSWORD_MAX = 256;

export function passwordProblem(password: string, email?: string): string | null {
  if (password.length < PASSWORD_MIN) return `must be at least ${PASSWORD_MIN} characters`;
  if (password.length > PASSWORD_MAX) return `must be at most ${PASSWORD_MAX} characters`;
  if (email && password.toLowerCase() === email.toLowerCase()) return 'must not be the email address';
  if (/^(.)\1+$/.test(password)) return 'must not be one repeated character';
  return null;
}

export function normalizeEmail(email: string): string {
  return email.trim().toLowerCase();
}

export function isEmail(v: string): boolean {
  return /^[^\s@]+@[^\s@]+$/.test(v) && v.length <= 320;
}

export function slugify(name: string): string {
  return (
    name
      .normalize('NFKD')
      .replace(/[\u0300-\u036f]/g, '')
      .toLowerCase()
      .replace(/[^a-z0-9]+/g, '-')
      .replace(/^-+|-+$/g, '')
      .slice(0, 48) || 'team'
  );
}

/** API tokens read `mst_` + 43 url-safe characters; the first 12 characters identify it in lists. */
export const TOKEN_PREFIX = 'mst_';
export function tokenDisplayPrefix(token: string): string {
  return token.slice(0, 12);
}

/**
 * Sign-in throttling: failures allowed per window. An account is throttled per client address (account AND address
 * together), so a wrong-password storm from one address cannot lock its owner out from another; a much looser
 * per-account ceiling still stops guessing spread over many addresses, and a per-address one guessing many accounts.
 */
export const SIGNIN_WINDOW_MS = 15 * 60 * 1000;
export const SIGNIN_MAX_PER_EMAIL_AND_IP = 5;
export const SIGNIN_MAX_PER_EMAIL = 100;
export const SIGNIN_MAX_PER_IP = 30;

/**
 * How long the address `ip` must wait before it may try this account again (0: now), from the account's recent
 * failures (with their addresses) and the address's recent failures on any account.
 */
export function signInWaitMs(
  accountFailures: { at: number; ip: string }[],
  addressFailures: number[],
  ip: string,
  now: number,
): number {
  return Math.max(
    signInRetryAfterMs(
      accountFailures.filter((f) => f.ip === ip).map((f) => f.at),
      SIGNIN_MAX_PER_EMAIL_AND_IP,
      now,
    ),
    signInRetryAfterMs(
      accountFailures.map((f) => f.at),
      SIGNIN_MAX_PER_EMAIL,
      now,
    ),
    signInRetryAfterMs(addressFailures, SIGNIN_MAX_PER_IP, now),
  );
}

export function signInRetryAfterMs(failureTimes: number[], max: number, now: number): number {
  if (failureTimes.length < max) return 0;
  const sorted = [...failureTimes].sort((a, b) => a - b);
  // The window reopens when the oldest failure that keeps the count at the limit leaves it.
  const pivot = sorted[sorted.length - max]!;
  return Math.max(0, pivot + SIGNIN_WINDOW_MS - now);
}
