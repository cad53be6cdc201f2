/** Files commands read: a YAML or JSON document (`-` is standard input). */
import { readFileSync } from 'node:fs';

/** A YAML or JSON file's document (YAML is a superset of JSON; the parser is loaded only when a file is read). */
export async function readDocument(file: string): Promise<unknown> {
  const text = readFileSync(file === '-' ? 0 : file, 'utf8');
  const { parse } = await import('yaml');
  return parse(text) as unknown;
}
