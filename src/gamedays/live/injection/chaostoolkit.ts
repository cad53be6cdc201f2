/**
 * Chaos Toolkit is a command-line tool (`chaos run experiment.json`), not a service, so Muster talks to a small HTTP
 * runner next to it that wraps the CLI. The runner contract (docs/gamedays.md, "Chaos Toolkit runner"):
 *
 *   POST {url}/runs                 { experiment, gamedayId }  → 201 { id, status: 'running' }   (runs `chaos run`)
 *   POST {url}/runs/{id}/rollback   {}                         → 200 { id, status: 'rolled_back' } (the experiment's
 *                                                                   `rollbacks` section, as `--rollback-strategy=always`)
 *   Authorization: Bearer <secret> when a secret is set.
 *
 * The experiment is a Chaos Toolkit experiment document (title, description, method, rollbacks…), passed through.
 */
import { httpRequest } from '../../../notify/channel.js';
import type { FieldProblem } from '../../../shared/errors.js';
import { failure, isObject, requestOpts, trimSlash, type InjectionAdapter, type InjectionCall } from './types.js';

const headers = (c: InjectionCall): Record<string, string> => ({
  'content-type': 'application/json',
  accept: 'application/json',
  ...(c.secret ? { authorization: `Bearer ${c.secret}` } : {}),
});

export const chaosToolkitAdapter: InjectionAdapter = {
  problems(config) {
    const p: FieldProblem[] = [];
    const e = config.experiment;
    if (!isObject(e)) p.push({ field: 'config/experiment', message: 'must be a Chaos Toolkit experiment (an object)' });
    else {
      if (typeof e.title !== 'string' || !e.title.trim())
        p.push({ field: 'config/experiment/title', message: 'is required' });
      if (!Array.isArray(e.method) || e.method.length === 0)
        p.push({ field: 'config/experiment/method', message: 'must list at least one action' });
    }
    return p;
  },
  async start(c) {
    const r = await httpRequest('Chaos Toolkit runner', `${trimSlash(c.url)}/runs`, {
      method: 'POST',
      headers: headers(c),
      body: JSON.stringify({ experiment: c.config.experiment, gamedayId: c.gamedayId }),
      ...requestOpts(c),
    });
    if (r.status < 200 || r.status > 299) throw failure('The Chaos Toolkit runner', 'start', r.status, r.text);
    const id = (r.json as { id?: unknown } | null)?.id;
    if (typeof id !== 'string' || !id) throw new Error('The Chaos Toolkit runner answered without a run id');
    return { externalRef: id };
  },
  async rollback(c) {
    if (!c.externalRef) return;
    const r = await httpRequest(
      'Chaos Toolkit runner',
      `${trimSlash(c.url)}/runs/${encodeURIComponent(c.externalRef)}/rollback`,
      { method: 'POST', headers: headers(c), body: '{}', ...requestOpts(c) },
    );
    if (r.status < 200 || r.status > 299) throw failure('The Chaos Toolkit runner', 'rollback', r.status, r.text);
  },
};
