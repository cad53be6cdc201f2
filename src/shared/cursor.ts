/**
 * Opaque list cursors (keyset pagination, docs/alerts.md "Listing"): the sort key of the last row of a page — its
 * timestamp and id — as base64url JSON. Clients pass it back unchanged; its shape is not part of the contract. It also
 * names its list, so a cursor of another list is refused rather than misread.
 */
import { validationError } from './errors.js';

export interface Cursor {
  /** The last row's sort timestamp (ms). */
  at: number;
  /** The last row's id: breaks ties between rows with the same timestamp. */
  id: string;
}

export function encodeCursor(list: string, c: Cursor): string {
  return Buffer.from(JSON.stringify([list, c.at, c.id]), 'utf8').toString('base64url');
}

/** The cursor a client sent back, or 400 naming `field` when it is not one this list made. */
export function decodeCursor(list: string, text: string, field = 'cursor'): Cursor {
  let parsed: unknown;
  try {
    parsed = JSON.parse(Buffer.from(text, 'base64url').toString('utf8'));
  } catch {
    parsed = undefined;
  }
  if (
    Array.isArray(parsed) &&
    parsed.length === 3 &&
    parsed[0] === list &&
    Number.isSafeInteger(parsed[1]) &&
    typeof parsed[2] === 'string' &&
    parsed[2].length > 0 &&
    parsed[2].length <= 100
  )
    return { at: parsed[1] as number, id: parsed[2] };
  throw validationError([{ field, message: 'is not a cursor of this list: pass back the next value of a page' }]);
}

/** A page of `limit` rows read as `limit + 1`: the rows and the cursor after the last one (null on the last page). */
export function pageOf<T>(
  list: string,
  rows: T[],
  limit: number,
  key: (row: T) => Cursor,
): { items: T[]; next: string | null } {
  if (rows.length <= limit) return { items: rows, next: null };
  const items = rows.slice(0, limit);
  return { items, next: encodeCursor(list, key(items[items.length - 1]!)) };
}
