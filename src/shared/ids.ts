import { randomBytes, randomFillSync } from 'node:crypto';

/** A string id branded with its kind, so a userId cannot be passed where a teamId is expected. */
export type Id<K extends string> = string & { readonly __kind: K };

const ALPHABET = '0123456789abcdefghjkmnpqrstvwxyz'; // Crockford base32, lower case

/**
 * The random part of ids comes from a pool filled 4 KiB at a time: a call into the CSPRNG per id was ~5% of intake's
 * CPU. Ids are unique, not secret (secrets use newSecret), so sharing one fill between ids is fine.
 */
const pool = new Uint8Array(4096);
let poolAt = pool.length;

function randomBase32(chars: number): string {
  if (poolAt + chars > pool.length) {
    randomFillSync(pool);
    poolAt = 0;
  }
  let out = '';
  for (let i = 0; i < chars; i++) out += ALPHABET[pool[poolAt++]! & 31];
  return out;
}

/**
 * Time-ordered ids: 10 chars of milliseconds, 4 of a per-process sequence, then 12 random chars, behind a short
 * prefix naming the kind (`usr_`, `team_`). Within a process ids are strictly increasing, even for several ids in
 * one millisecond or when a (fake) clock goes back, so `order by id` is creation order — timelines and logs rely on
 * it. Keyset pagination stays simple on both engines.
 */
let lastMs = 0;
let sequence = 0;

function encode(n: number, width: number): string {
  let out = '';
  for (let i = 0; i < width; i++) {
    out = ALPHABET[n % 32]! + out;
    n = Math.floor(n / 32);
  }
  return out;
}

export function newId<K extends string>(prefix: string, now: number = Date.now()): Id<K> {
  if (now > lastMs) {
    lastMs = now;
    sequence = 0;
  } else {
    sequence++;
    if (sequence >= 32 ** 4) {
      lastMs++;
      sequence = 0;
    }
  }
  return `${prefix}_${encode(lastMs, 10)}${encode(sequence, 4)}${randomBase32(12)}` as Id<K>;
}

/** The lowest possible id of this kind made at `ms`: every id made before `ms` sorts below it. */
export function idFloor(prefix: string, ms: number): string {
  return `${prefix}_${encode(Math.max(0, Math.floor(ms)), 10)}`;
}

/** A secret with 256 bits of entropy, URL safe. */
export function newSecret(bytes = 32): string {
  return randomBytes(bytes).toString('base64url');
}
