/**
 * Gremlin's attack API (https://www.gremlin.com/docs/api-reference/overview/): an ad-hoc attack created at the start,
 * halted at the rollback.
 *
 *   POST   {url}/attacks/new?teamId=…     { target, command }  → 201, the attack's id as text
 *   DELETE {url}/attacks/{id}?teamId=…                         → 200/202/204 (halts it)
 *   Authorization: Key <API key> (the secret). url defaults to https://api.gremlin.com/v1.
 *
 * config: { teamId?, target: { type: 'Random'|'Exact', … }, command: { type, args } } passed through.
 */
import { httpRequest } from '../../../notify/channel.js';
import type { FieldProblem } from '../../../shared/errors.js';
import { failure, isObject, requestOpts, trimSlash, type InjectionAdapter, type InjectionCall } from './types.js';

export const GREMLIN_API = 'https://api.gremlin.com/v1';

const query = (c: InjectionCall): string =>
  typeof c.config.teamId === 'string' && c.config.teamId ? `?teamId=${encodeURIComponent(c.config.teamId)}` : '';

const headers = (c: InjectionCall): Record<string, string> => ({
  'content-type': 'application/json',
  authorization: `Key ${c.secret ?? ''}`,
});

export const gremlinAdapter: InjectionAdapter = {
  problems(config, hasSecret) {
    const p: FieldProblem[] = [];
    if (!hasSecret) p.push({ field: 'secret', message: 'is required (the Gremlin API key)' });
    if (!isObject(config.target))
      p.push({ field: 'config/target', message: 'must be a Gremlin attack target (an object)' });
    const cmd = config.command;
    if (!isObject(cmd) || typeof cmd.type !== 'string' || !cmd.type)
      p.push({ field: 'config/command', message: 'must be a Gremlin command with a type' });
    if (config.teamId !== undefined && typeof config.teamId !== 'string')
      p.push({ field: 'config/teamId', message: 'must be a string' });
    return p;
  },
  async start(c) {
    const r = await httpRequest('Gremlin', `${trimSlash(c.url || GREMLIN_API)}/attacks/new${query(c)}`, {
      method: 'POST',
      headers: headers(c),
      body: JSON.stringify({ target: c.config.target, command: c.config.command }),
      ...requestOpts(c),
    });
    if (r.status < 200 || r.status > 299) throw failure('Gremlin', 'creating the attack', r.status, r.text);
    const id = r.text.trim().replace(/^"|"$/g, '');
    if (!id || id.length > 200) throw new Error('Gremlin answered without an attack id');
    return { externalRef: id };
  },
  async rollback(c) {
    if (!c.externalRef) return;
    const r = await httpRequest(
      'Gremlin',
      `${trimSlash(c.url || GREMLIN_API)}/attacks/${encodeURIComponent(c.externalRef)}${query(c)}`,
      { method: 'DELETE', headers: headers(c), ...requestOpts(c) },
    );
    if (r.status === 404) return;
    if (r.status < 200 || r.status > 299) throw failure('Gremlin', 'halting the attack', r.status, r.text);
  },
};
