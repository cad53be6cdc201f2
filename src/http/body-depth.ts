/**
 * How deeply a JSON text nests, found by one pass over the text (no parse, no recursion). The JSON parser guards the
 * rest of the app with it: a body nested 50,000 deep parses, but later recursive walks of it (validation, the audit
 * log's serialisation, a parser reading a monitor's payload) overflow the stack, so such a body is refused up front.
 */
export const MAX_BODY_DEPTH = 64;

/** True when `text` opens more than `max` objects/arrays inside each other (strings and escapes are skipped). */
export function nestsDeeperThan(text: string, max: number): boolean {
  let depth = 0;
  let inString = false;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (inString) {
      if (c === 0x5c)
        i++; // backslash: skip the escaped character
      else if (c === 0x22) inString = false;
    } else if (c === 0x22) inString = true;
    else if (c === 0x7b || c === 0x5b) {
      if (++depth > max) return true;
    } else if (c === 0x7d || c === 0x5d) depth--;
  }
  return false;
}
