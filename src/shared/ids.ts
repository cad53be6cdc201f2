import { randomBytes } from 'node:crypto';

/** A string id branded with its kind, so a userId cannot be passed where a teamId is expected. */
export type Id<K extends string> = string & { readonly __kind: K };

const ALPHABET = '0123456789abcdefghjkmnpqrstvwxyz'; // Crockford base32, lower case

function base32(bytes: Uint8Array): string {
  let out = '';
  for (const b of bytes) out += ALPHABET[b & 31];
  return out;
}

/**
 * Time-ordered ids: 10 chars of milliseconds then 16 random chars, behind a short prefix naming the kind
 * (`usr_`, `team_`). Sorting by id sorts by creation, which keeps keyset pagination simple on both engines.
 */
export function newId<K extends string>(prefix: string, now: number = Date.now()): Id<K> {
  let t = now;
  let time = '';
  for (let i = 0; i < 10; i++) {
    time = ALPHABET[t % 32]! + time;
    t = Math.floor(t / 32);
  }
  return `${prefix}_${time}${base32(randomBytes(16))}` as Id<K>;
}

/** A secret with 256 bits of entropy, URL safe. */
export function newSecret(bytes = 32): string {
  return randomBytes(bytes).toString('base64url');
}
