import { systemActor } from './audit.js';
import type { IdentityService } from './service.js';

export interface BootstrapResult {
  created: boolean;
  email?: string;
  /** One-time sign-in token, when the admin was created without a password. */
  linkToken?: string;
}

/**
 * First start: with no users at all, create the first admin. MUSTER_ADMIN_EMAIL and MUSTER_ADMIN_PASSWORD make this
 * non-interactive; otherwise the admin gets a one-time sign-in link (printed by the server) to set a password.
 * Concurrent first starts on one PostgreSQL are safe: the email's unique index lets one of them win.
 */
export async function bootstrapFirstAdmin(
  identity: IdentityService,
  opts: { email?: string | undefined; password?: string | undefined },
): Promise<BootstrapResult> {
  if ((await identity.countUsers()) > 0) return { created: false };
  const actor = systemActor('bootstrap');
  const email = opts.email ?? 'admin@muster.local';
  try {
    const user = await identity.createUser(actor, {
      email,
      name: 'Administrator',
      password: opts.password,
      isAdmin: true,
    });
    if (opts.password) return { created: true, email };
    const link = await identity.createSignInLink(actor, user.id);
    return { created: true, email, linkToken: link.token };
  } catch (e) {
    if ((e as { code?: string }).code === 'email_taken') return { created: false };
    // Several processes starting at once on one PostgreSQL race to create the first administrator: the loser's
    // insert hits the unique email (a database error, not email_taken) after its own check said "no users".
    // Someone else made the administrator; this process goes on.
    if ((await identity.countUsers()) > 0) return { created: false };
    throw e;
  }
}
