/**
 * Calls typed by the API's own OpenAPI document: `web/src/api-types.ts` is generated from `/api/openapi.json` with
 * openapi-typescript (`npm run api:types`, docs/api.md), so a path, its parameters, its body and its answer are
 * checked against the routes at build time. A route changed without regenerating fails the contract test.
 *
 *   const page = await apiCall('get', '/api/alerts', { query: { status: 'open', limit: 50 } });
 *   page.alerts[0]?.summary; // typed from the route's response schema
 */
import type { paths } from '../api-types.js';
import { request, type RequestOptions } from './api.js';

export type ApiPath = keyof paths;
export type ApiMethod = 'get' | 'post' | 'put' | 'patch' | 'delete';
/** The operation at a path and method (never when the path has no such method). */
export type ApiOperation<P extends ApiPath, M extends ApiMethod> = NonNullable<paths[P][M]>;

type JsonOf<R> = R extends { content: { 'application/json': infer B } } ? B : undefined;
/** The JSON a successful call answers (200, else 201; undefined for 204). */
export type ApiResponse<P extends ApiPath, M extends ApiMethod = 'get'> =
  ApiOperation<P, M> extends { responses: infer R }
    ? 200 extends keyof R
      ? JsonOf<R[200]>
      : 201 extends keyof R
        ? JsonOf<R[201]>
        : undefined
    : never;
/** The query parameters of an operation. */
export type ApiQuery<P extends ApiPath, M extends ApiMethod = 'get'> =
  ApiOperation<P, M> extends { parameters: { query?: infer Q } } ? NonNullable<Q> : never;
type PathParams<O> = O extends { parameters: { path: infer PP } } ? (PP extends undefined ? never : PP) : never;
type BodyOf<O> = O extends { requestBody?: { content: { 'application/json': infer B } } } ? B : never;

export interface CallOptions<O> {
  params?: PathParams<O>;
  query?: O extends { parameters: { query?: infer Q } } ? Q : never;
  body?: BodyOf<O>;
  signal?: AbortSignal;
}

/** `/api/alerts/{id}/acknowledge` with `{ id }` → `/api/alerts/alr_…/acknowledge`, plus the query's set values. */
type Scalar = string | number | boolean | null | undefined;

export function apiUrl(path: string, params?: Record<string, Scalar>, query?: Record<string, Scalar>): string {
  const filled = path.replace(/\{([^}]+)\}/g, (_, name: string) => {
    const v = params?.[name];
    if (v === undefined || v === null) throw new Error(`apiUrl: no value for {${name}} in ${path}`);
    return encodeURIComponent(String(v));
  });
  const qs = new URLSearchParams();
  for (const [k, v] of Object.entries(query ?? {})) if (v !== undefined && v !== null && v !== '') qs.set(k, String(v));
  const s = qs.toString();
  return s ? `${filled}?${s}` : filled;
}

/** One typed call: the path must be one the API documents, the options and the answer follow its schema. */
export function apiCall<P extends ApiPath, M extends ApiMethod>(
  method: M,
  path: P,
  opts: CallOptions<ApiOperation<P, M>> = {},
): Promise<ApiResponse<P, M>> {
  const url = apiUrl(path, opts.params, opts.query);
  const ro: RequestOptions = {};
  if (opts.body !== undefined) ro.body = opts.body;
  if (opts.signal) ro.signal = opts.signal;
  return request<ApiResponse<P, M>>(method.toUpperCase(), url, ro);
}
