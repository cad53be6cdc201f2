/**
 * A development aid for writing response schemas. Fastify serialises an answer with the route's response schema, and
 * a field the schema does not declare is silently left out. With MUSTER_RESPONSE_DIFFS=<file> set, every JSON answer
 * whose serialised form lost or changed something the handler returned appends a line to the file, for example
 *   GET /api/runbooks/:id 200: dropped .versions[0].author
 * Run a domain's tests with it set and read the file: an empty file means its schemas describe what it answers.
 * Off unless set; never on in production (it serialises each answer twice).
 */
import { appendFileSync } from 'node:fs';
import type { FastifyInstance, FastifyRequest } from 'fastify';

function differences(before: unknown, after: unknown, path: string, out: string[]): void {
  if (out.length >= 20) return;
  if (before === undefined) return;
  if (after === undefined) {
    out.push(`dropped ${path || '(the whole answer)'}`);
    return;
  }
  if (Array.isArray(before)) {
    if (!Array.isArray(after)) out.push(`changed ${path} from an array`);
    else before.forEach((b, i) => differences(b, after[i], `${path}[${i}]`, out));
    return;
  }
  if (before !== null && typeof before === 'object') {
    if (after === null || typeof after !== 'object') out.push(`changed ${path} from an object`);
    else
      for (const [k, v] of Object.entries(before))
        differences(v, (after as Record<string, unknown>)[k], `${path}.${k}`, out);
    return;
  }
  if (before !== after) out.push(`changed ${path} from ${JSON.stringify(before)} to ${JSON.stringify(after)}`);
}

export function installResponseCheck(app: FastifyInstance, file: string): void {
  const handed = new WeakMap<FastifyRequest, string>();
  const seen = new Set<string>();
  app.addHook('preSerialization', async (req, _reply, payload) => {
    handed.set(req, JSON.stringify(payload));
    return payload;
  });
  app.addHook('onSend', async (req, reply, payload) => {
    const before = handed.get(req);
    if (before === undefined || typeof payload !== 'string') return payload;
    let after: unknown;
    try {
      after = JSON.parse(payload);
    } catch {
      return payload;
    }
    const out: string[] = [];
    differences(JSON.parse(before), after, '', out);
    for (const d of out) {
      const line = `${req.method} ${req.routeOptions.url ?? req.url} ${reply.statusCode}: ${d}`;
      if (seen.has(line)) continue;
      seen.add(line);
      appendFileSync(file, line + '\n');
    }
    return payload;
  });
}
