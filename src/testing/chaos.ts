/**
 * Local stand-ins for the chaos tools game days call (src/gamedays/live/injection/), each speaking its documented API:
 *
 * - Chaos Toolkit is a CLI (`chaos run`), so there is no vendor HTTP API: this stands in for the small runner Muster
 *   documents (docs/gamedays.md, "Chaos Toolkit runner"): POST /runs { experiment } → 201 { id, status },
 *   POST /runs/:id/rollback → 200 { id, status: 'rolled_back' }; bearer token when configured.
 * - Litmus: the Kubernetes API for the ChaosEngine custom resource (litmuschaos.io/v1alpha1):
 *   POST /apis/litmuschaos.io/v1alpha1/namespaces/:ns/chaosengines → 201 (409 AlreadyExists),
 *   DELETE …/chaosengines/:name → 200 Status (404 NotFound); bearer token required.
 * - Gremlin: POST /v1/attacks/new → 201 with the attack id as text; DELETE /v1/attacks/:id → 202;
 *   `Authorization: Key <api key>` required.
 */
import { StandIn, type RecordedRequest, type Reply } from './standins/base.js';

const json = (text: string): Record<string, unknown> => {
  try {
    return JSON.parse(text) as Record<string, unknown>;
  } catch {
    return {};
  }
};

export class ChaosToolkitRunnerStandIn extends StandIn {
  readonly runs = new Map<string, { experiment: unknown; status: 'running' | 'rolled_back' }>();
  private seq = 0;

  constructor(readonly token: string | null = 'ctk-runner-token') {
    super((req) => this.answer(req));
  }

  private answer(req: RecordedRequest): Reply {
    if (this.token && req.headers.authorization !== `Bearer ${this.token}`)
      return { status: 401, body: { error: 'unauthorized' } };
    const path = req.path.split('?')[0]!;
    if (req.method === 'POST' && path === '/runs') {
      const b = json(req.body);
      if (!b.experiment || typeof b.experiment !== 'object')
        return { status: 400, body: { error: 'experiment is required' } };
      const id = `run-${++this.seq}`;
      this.runs.set(id, { experiment: b.experiment, status: 'running' });
      return { status: 201, body: { id, status: 'running' } };
    }
    const m = /^\/runs\/([^/]+)\/rollback$/.exec(path);
    if (req.method === 'POST' && m) {
      const run = this.runs.get(decodeURIComponent(m[1]!));
      if (!run) return { status: 404, body: { error: 'no such run' } };
      run.status = 'rolled_back';
      return { status: 200, body: { id: m[1], status: 'rolled_back' } };
    }
    return { status: 404, body: { error: 'not found' } };
  }
}

export class KubernetesLitmusStandIn extends StandIn {
  /** ChaosEngines by `namespace/name`. */
  readonly engines = new Map<string, Record<string, unknown>>();
  readonly deleted: string[] = [];

  constructor(readonly token = 'kube-sa-token') {
    super((req) => this.answer(req));
  }

  private status(code: number, reason: string, message: string): Reply {
    return { status: code, body: { kind: 'Status', apiVersion: 'v1', status: 'Failure', reason, message, code } };
  }

  private answer(req: RecordedRequest): Reply {
    if (req.headers.authorization !== `Bearer ${this.token}`) return this.status(401, 'Unauthorized', 'Unauthorized');
    const m = /^\/apis\/litmuschaos\.io\/v1alpha1\/namespaces\/([^/]+)\/chaosengines(?:\/([^/?]+))?/.exec(req.path);
    if (!m) return this.status(404, 'NotFound', 'the server could not find the requested resource');
    const ns = decodeURIComponent(m[1]!);
    const name = m[2] ? decodeURIComponent(m[2]) : null;
    if (req.method === 'POST' && !name) {
      const b = json(req.body);
      const meta = (b.metadata ?? {}) as { name?: string; namespace?: string };
      if (b.kind !== 'ChaosEngine' || b.apiVersion !== 'litmuschaos.io/v1alpha1' || !meta.name) {
        return this.status(400, 'BadRequest', 'not a ChaosEngine');
      }
      const key = `${ns}/${meta.name}`;
      if (this.engines.has(key)) return this.status(409, 'AlreadyExists', `chaosengines "${meta.name}" already exists`);
      const created = { ...b, metadata: { ...meta, namespace: ns, uid: `uid-${this.engines.size + 1}` } };
      this.engines.set(key, created);
      return { status: 201, body: created };
    }
    if (req.method === 'DELETE' && name) {
      const key = `${ns}/${name}`;
      if (!this.engines.delete(key)) return this.status(404, 'NotFound', `chaosengines "${name}" not found`);
      this.deleted.push(key);
      return {
        status: 200,
        body: { kind: 'Status', apiVersion: 'v1', status: 'Success', details: { name, kind: 'chaosengines' } },
      };
    }
    if (req.method === 'GET' && name) {
      const e = this.engines.get(`${ns}/${name}`);
      return e ? { status: 200, body: e } : this.status(404, 'NotFound', `chaosengines "${name}" not found`);
    }
    return this.status(405, 'MethodNotAllowed', 'method not allowed');
  }
}

export class GremlinStandIn extends StandIn {
  readonly attacks = new Map<string, { body: Record<string, unknown>; teamId: string | null; halted: boolean }>();
  private seq = 0;

  constructor(readonly apiKey = 'gremlin-api-key') {
    super((req) => this.answer(req));
  }

  private answer(req: RecordedRequest): Reply {
    if (req.headers.authorization !== `Key ${this.apiKey}`) return { status: 401, body: 'Unauthorized' };
    const u = new URL(req.path, 'http://x');
    if (req.method === 'POST' && u.pathname === '/v1/attacks/new') {
      const b = json(req.body);
      if (!b.command || !b.target) return { status: 400, body: 'command and target are required' };
      const id = `00000000-0000-4000-8000-${String(++this.seq).padStart(12, '0')}`;
      this.attacks.set(id, { body: b, teamId: u.searchParams.get('teamId'), halted: false });
      return { status: 201, body: id };
    }
    const m = /^\/v1\/attacks\/([^/]+)$/.exec(u.pathname);
    if (req.method === 'DELETE' && m) {
      const a = this.attacks.get(decodeURIComponent(m[1]!));
      if (!a) return { status: 404, body: 'Not Found' };
      a.halted = true;
      return { status: 202, body: '' };
    }
    return { status: 404, body: 'Not Found' };
  }
}
