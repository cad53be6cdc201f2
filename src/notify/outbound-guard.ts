/**
 * SSRF, when a contact method's URL is used: webhook URLs, ntfy contacts' own servers and push subscription endpoints
 * are public-only unless an organisation administrator allowed a private target (`contact_methods.allow_private_address`,
 * set in src/notify/service.ts). A send whose target says which it is (`publicAddressesOnly` true or false: status-page
 * subscribers, and deliveries that carry the row's flag) is left alone; one that does not is decided here from the
 * contact method's row. Sends run after their claim commits, outside any transaction (src/notify/jobs.ts), so the
 * row is read with the root handle; inside a transaction, or without a row, the send is public-only.
 */
import type { Db } from '../db/index.js';
import { isInTransaction } from '../db/tx-context.js';
import type { Channel, ContactTarget } from './channel.js';
import type { Channels } from './registry.js';

async function allowsPrivateAddress(db: Db, contactMethodId: string): Promise<boolean> {
  if (isInTransaction()) return false;
  const row = await db.kysely
    .selectFrom('contactMethods')
    .select('allowPrivateAddress')
    .where('id', '=', contactMethodId)
    .executeTakeFirst();
  return row?.allowPrivateAddress === 1;
}

function guarded(channel: Channel, db: Db): Channel {
  return {
    kind: channel.kind,
    ...(channel.destination ? { destination: (t: ContactTarget) => channel.destination!(t) } : {}),
    async send(message, target) {
      if (target.publicAddressesOnly !== undefined) return channel.send(message, target);
      const publicAddressesOnly = !(await allowsPrivateAddress(db, target.id));
      return channel.send(message, { ...target, publicAddressesOnly });
    },
  };
}

/**
 * The channels with webhook, ntfy and Web Push sends guarded (a push subscription's endpoint comes from the person's
 * browser, so it is a URL they gave; the other channels call the operator's providers only).
 */
export function guardContactTargets(channels: Channels, db: Db): Channels {
  return {
    ...channels,
    webhook: guarded(channels.webhook, db),
    ntfy: guarded(channels.ntfy, db),
    webpush: guarded(channels.webpush, db),
  };
}
