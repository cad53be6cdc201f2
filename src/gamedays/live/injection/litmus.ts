/**
 * Litmus: a ChaosEngine custom resource (litmuschaos.io/v1alpha1) created through the Kubernetes API at the start
 * and deleted at the rollback (the chaos operator stops the experiment and cleans up when its engine goes).
 *
 *   POST   {url}/apis/litmuschaos.io/v1alpha1/namespaces/{namespace}/chaosengines          (201 Created)
 *   DELETE {url}/apis/litmuschaos.io/v1alpha1/namespaces/{namespace}/chaosengines/{name}   (200; 404 = already gone)
 *   Authorization: Bearer <service account token> (the secret).
 *
 * config: { namespace, spec } — spec is the ChaosEngine spec (appinfo, chaosServiceAccount, experiments…); Muster
 * sets engineState 'active', names the engine muster-<game day id> and labels it app.kubernetes.io/managed-by=muster.
 */
import { httpRequest } from '../../../notify/channel.js';
import type { FieldProblem } from '../../../shared/errors.js';
import { failure, isObject, requestOpts, trimSlash, type InjectionAdapter, type InjectionCall } from './types.js';

const DNS_LABEL = /^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$/;

export const engineName = (gamedayId: string): string =>
  `muster-${gamedayId.toLowerCase().replace(/[^a-z0-9-]/g, '-')}`.slice(0, 63).replace(/-+$/, '');

const base = (c: InjectionCall, ns: string) =>
  `${trimSlash(c.url)}/apis/litmuschaos.io/v1alpha1/namespaces/${encodeURIComponent(ns)}/chaosengines`;

const headers = (c: InjectionCall): Record<string, string> => ({
  'content-type': 'application/json',
  accept: 'application/json',
  ...(c.secret ? { authorization: `Bearer ${c.secret}` } : {}),
});

export function chaosEngine(c: InjectionCall): Record<string, unknown> {
  const ns = String(c.config.namespace);
  const spec = isObject(c.config.spec) ? c.config.spec : {};
  return {
    apiVersion: 'litmuschaos.io/v1alpha1',
    kind: 'ChaosEngine',
    metadata: {
      name: engineName(c.gamedayId),
      namespace: ns,
      labels: { 'app.kubernetes.io/managed-by': 'muster', 'muster.gameday': engineName(c.gamedayId) },
    },
    spec: { ...spec, engineState: 'active' },
  };
}

export const litmusAdapter: InjectionAdapter = {
  problems(config) {
    const p: FieldProblem[] = [];
    if (typeof config.namespace !== 'string' || !DNS_LABEL.test(config.namespace))
      p.push({ field: 'config/namespace', message: 'must be a Kubernetes namespace name' });
    const spec = config.spec;
    if (!isObject(spec)) p.push({ field: 'config/spec', message: 'must be a ChaosEngine spec (an object)' });
    else if (!Array.isArray(spec.experiments) || spec.experiments.length === 0)
      p.push({ field: 'config/spec/experiments', message: 'must list at least one experiment' });
    return p;
  },
  async start(c) {
    const ns = String(c.config.namespace);
    const r = await httpRequest('Kubernetes API', base(c, ns), {
      method: 'POST',
      headers: headers(c),
      body: JSON.stringify(chaosEngine(c)),
      ...requestOpts(c),
    });
    if (r.status < 200 || r.status > 299)
      throw failure('The Kubernetes API', 'creating the ChaosEngine', r.status, r.text);
    return { externalRef: `${ns}/${engineName(c.gamedayId)}` };
  },
  async rollback(c) {
    if (!c.externalRef) return;
    const [ns, name] = c.externalRef.split('/') as [string, string];
    const r = await httpRequest('Kubernetes API', `${base(c, ns)}/${encodeURIComponent(name)}`, {
      method: 'DELETE',
      headers: headers(c),
      body: JSON.stringify({ kind: 'DeleteOptions', apiVersion: 'v1', propagationPolicy: 'Foreground' }),
      ...requestOpts(c),
    });
    if (r.status === 404) return;
    if (r.status < 200 || r.status > 299)
      throw failure('The Kubernetes API', 'deleting the ChaosEngine', r.status, r.text);
  },
};
