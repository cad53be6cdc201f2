/**
 * The API contract (issue 17 item 2; docs/api.md): `/api/openapi.json` is public; Spectral's OpenAPI ruleset finds no
 * error and no warning in it; every operation has a unique camelCase operationId, a tag, a summary and a success
 * response with its media type; `web/src/api-types.ts` is what openapi-typescript makes of it today (tsc checks that
 * it and the web UI's calls typecheck); every GET operation answers its spec's required parameters alone without a
 * 400 or a 5xx (spec and server agree), on both engines; an action sent as JSON with an empty body is accepted.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import spectralCore from '@stoplight/spectral-core';
import spectralParsers from '@stoplight/spectral-parsers';
import spectralRulesets from '@stoplight/spectral-rulesets';
import { committedApiTypes, renderApiTypes } from '../../scripts/api-types.js';
import { ENGINES } from '../db/testing/index.js';
import { startTestMuster, type TestMuster } from '../testing/server.js';

interface Schema {
  type?: string | string[];
  enum?: unknown[];
  const?: unknown;
  anyOf?: Schema[];
  oneOf?: Schema[];
  format?: string;
  minimum?: number;
  minLength?: number;
  items?: Schema;
  default?: unknown;
}
interface Parameter {
  name: string;
  in: 'path' | 'query' | 'header' | 'cookie';
  required?: boolean;
  schema?: Schema;
}
interface Operation {
  operationId?: string;
  tags?: string[];
  summary?: string;
  parameters?: Parameter[];
  requestBody?: unknown;
  responses?: Record<string, { content?: Record<string, unknown> }>;
}
type Doc = { paths: Record<string, Record<string, Operation>> };

const METHODS = ['get', 'put', 'post', 'delete', 'patch'] as const;
const operations = (doc: Doc) =>
  Object.entries(doc.paths).flatMap(([path, item]) =>
    METHODS.filter((m) => item[m]).map((method) => ({ path, method, op: item[method]! })),
  );

/** A value the schema accepts, the simplest there is. */
function sample(s: Schema | undefined): string {
  if (!s) return 'x';
  const fixed = s.default ?? s.const ?? s.enum?.[0];
  if (typeof fixed === 'string' || typeof fixed === 'number' || typeof fixed === 'boolean') return String(fixed);
  const branch = s.anyOf?.[0] ?? s.oneOf?.[0];
  if (branch) return sample(branch);
  const type = Array.isArray(s.type) ? s.type[0] : s.type;
  if (type === 'integer' || type === 'number') return String(s.minimum ?? 1);
  if (type === 'boolean') return 'true';
  if (type === 'array') return sample(s.items);
  if (s.format === 'date-time') return new Date(Date.UTC(2026, 0, 1)).toISOString();
  if (s.format === 'date') return '2026-01-01';
  return 'x'.repeat(Math.max(1, s.minLength ?? 1));
}

for (const engine of ENGINES) {
  describe(`the OpenAPI contract [${engine}]`, () => {
    let t: TestMuster;
    let doc: Doc;

    before(async () => {
      t = await startTestMuster(engine);
      const res = await fetch(`${t.url}/api/openapi.json`); // no credentials: the document is public
      assert.equal(res.status, 200);
      doc = (await res.json()) as Doc;
      // A caller in one team: reports whose team is optional read "my team" (people health).
      await t.api('POST', '/api/teams', { name: 'Contract' });
    });
    after(async () => {
      await t.stop();
    });

    it('gives every operation a unique camelCase operationId, a tag, a summary and a typed success answer', () => {
      const ids = new Map<string, string>();
      const problems: string[] = [];
      for (const { path, method, op } of operations(doc)) {
        const where = `${method.toUpperCase()} ${path}`;
        const id = op.operationId ?? '';
        if (!/^[a-z][A-Za-z0-9]*$/.test(id)) problems.push(`${where}: operationId ${JSON.stringify(id)}`);
        if (ids.has(id)) problems.push(`${where}: operationId ${id} also names ${ids.get(id)}`);
        ids.set(id, where);
        if (!op.tags?.length) problems.push(`${where}: no tag`);
        if (!op.summary) problems.push(`${where}: no summary`);
        const success = Object.entries(op.responses ?? {}).filter(([code]) => /^2/.test(code));
        if (success.length === 0) problems.push(`${where}: no success response`);
        for (const [code, r] of success) {
          if (code !== '204' && !Object.keys(r.content ?? {}).length)
            problems.push(`${where}: ${code} has no media type`);
          // A JSON answer declares its fields (src/http/openapi.ts mediaTypeOf's untyped fallback is not a schema).
          const json = r.content?.['application/json'] as { schema?: Record<string, unknown> } | undefined;
          if (json && !json.schema?.type && !json.schema?.anyOf && !json.schema?.oneOf && !json.schema?.$ref)
            problems.push(`${where}: ${code} answers JSON without a schema`);
        }
      }
      assert.deepEqual(problems, []);
      assert.ok(ids.size > 100, `${ids.size} operations`);
    });

    // Operations that need one of several optional parameters (their descriptions say so): the test gives this one.
    const ONE_OF: Record<string, string> = { '/api/people/knowledge': 'teamId' };

    it('answers every GET operation called with only the parameters its spec requires, without 400 or 5xx', async () => {
      const problems: string[] = [];
      for (const { path, method, op } of operations(doc)) {
        if (method !== 'get') continue;
        const params = op.parameters ?? [];
        let url = path;
        for (const p of params.filter((x) => x.in === 'path'))
          url = url.replace(
            `{${p.name}}`,
            p.schema?.type === 'string' || !p.schema?.type ? 'nosuch' : sample(p.schema),
          );
        const q = new URLSearchParams();
        for (const p of params.filter((x) => x.in === 'query' && (x.required || ONE_OF[path] === x.name)))
          q.set(p.name, sample(p.schema));
        if (q.size) url += `?${q.toString()}`;
        const ctl = new AbortController();
        const res = await fetch(t.url + url, {
          headers: { authorization: `Bearer ${t.adminToken}` },
          signal: ctl.signal,
        });
        // Streams answer and stay open: the status is the answer.
        const body = res.headers.get('content-type')?.startsWith('text/event-stream') ? '' : await res.text();
        ctl.abort();
        if (res.status === 400 || res.status >= 500) problems.push(`GET ${url}: ${res.status} ${body.slice(0, 300)}`);
      }
      assert.deepEqual(problems, []);
    });

    it('accepts an action sent as JSON with an empty body', async () => {
      const svc = await t.api<{ id: string }>('POST', '/api/services', {
        name: 'Empty bodies',
        teamId: (await t.api<{ id: string }>('POST', '/api/teams', { name: 'Empty bodies' })).body.id,
        criticality: 'low',
      });
      const key = await t.api<{ key: string }>('POST', `/api/services/${svc.body.id}/integration-keys`, {
        source: 'generic',
      });
      const fired = await t.api<{ alerts: { alertId: string }[] }>('POST', `/integrations/generic/${key.body.key}`, {
        status: 'firing',
        dedupKey: 'empty-body',
        title: 'Empty body',
      });
      const alertId = fired.body.alerts[0]!.alertId;
      for (const action of ['acknowledge', 'resolve']) {
        const res = await fetch(`${t.url}/api/alerts/${alertId}/${action}`, {
          method: 'POST',
          headers: { authorization: `Bearer ${t.adminToken}`, 'content-type': 'application/json' },
          body: '',
        });
        assert.equal(res.status, 200, `${action}: ${await res.text()}`);
      }
      // Every operation that takes no body: an empty JSON body is no body (never invalid_json).
      const refused: string[] = [];
      for (const { path, method, op } of operations(doc)) {
        if (method === 'get' || op.requestBody) continue;
        const res = await fetch(t.url + path.replace(/\{[^}]+\}/g, 'nosuch'), {
          method: method.toUpperCase(),
          headers: { authorization: `Bearer ${t.adminToken}`, 'content-type': 'application/json' },
          body: '',
        });
        const text = await res.text();
        if (text.includes('"invalid_json"')) refused.push(`${method.toUpperCase()} ${path}: ${res.status}`);
      }
      assert.deepEqual(refused, []);
    });

    if (engine === 'sqlite') {
      it("passes Spectral's OpenAPI ruleset with no errors and no warnings", async () => {
        const { Spectral, Document } = spectralCore;
        const spectral = new Spectral();
        spectral.setRuleset({ extends: [[spectralRulesets.oas, 'recommended']] } as never);
        const results = await spectral.run(new Document(JSON.stringify(doc), spectralParsers.Json, 'openapi.json'));
        // Severity 0 is an error, 1 a warning (2 information, 3 hint).
        const serious = results
          .filter((r) => Number(r.severity) <= 1)
          .map((r) => `${r.code} at ${r.path.join('.')}: ${r.message}`);
        assert.deepEqual(serious, []);
      });

      it('has web/src/api-types.ts as openapi-typescript makes it today (npm run api:types)', async () => {
        const fresh = await renderApiTypes(doc);
        assert.ok(
          fresh === committedApiTypes(),
          'web/src/api-types.ts is out of date: run `npm run api:types` and commit it',
        );
      });
    }
  });
}
