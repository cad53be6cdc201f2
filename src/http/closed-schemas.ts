/**
 * Closed request bodies. Every route's body schema is closed when the route is registered (`closeBodySchema`, wired
 * in app.ts with an `onRoute` hook), so a new route gets it by default: an object that does not say otherwise gets
 * `additionalProperties: false`, and the body validator (`removeAdditional: true`) strips unknown fields before the
 * handler sees them — a client sending `userId` where the route takes none cannot reach a row.
 *
 * Inside a union of objects (anyOf/oneOf with two or more object branches) stripping would be wrong: Ajv tries the
 * branches in turn, and a failing branch would strip the fields the matching branch needs. There an object gets `additionalProperties: { not: {} }` (the same
 * meaning as `false`, which Ajv rejects instead of stripping), so a union member with an unknown field is refused
 * with a 400 naming it.
 *
 * A body that must stay open (a monitor's own payload, parsed by its intake parser) says so with `openBody(…)`.
 * `openObjectsIn` lists what is still open, for the test that walks every route.
 */
import { Type, type TSchema } from '@sinclair/typebox';
import type { FastifyInstance } from 'fastify';

export interface RouteBody {
  method: string;
  url: string;
  body: unknown;
}

const bodiesByApp = new WeakMap<FastifyInstance, RouteBody[]>();

/**
 * Close every route's body schema as it is registered (plugins' routes included), and remember each, so a test can
 * walk the routes of the built app. Install before any route and before swagger, so the OpenAPI document shows the
 * closed schemas.
 */
export function installClosedBodies(app: FastifyInstance): void {
  const bodies: RouteBody[] = [];
  bodiesByApp.set(app, bodies);
  app.addHook('onRoute', (route) => {
    if (!route.schema?.body) return;
    route.schema = { ...route.schema, body: closeBodySchema(route.schema.body) };
    const methods = Array.isArray(route.method) ? route.method : [route.method];
    for (const method of methods) bodies.push({ method, url: route.url, body: route.schema.body });
  });
}

/** The body schema of every route of an app built with `installClosedBodies`, as validated. */
export function routeBodies(app: FastifyInstance): RouteBody[] {
  return bodiesByApp.get(app) ?? [];
}

/** The marker of a deliberately open body: the value says why. */
export const OPEN_BODY = 'x-muster-open-body';

/** `additionalProperties` inside unions: never matches, so Ajv refuses (rather than strips) the unknown field. */
const REFUSE = Object.freeze({ not: {} });

type Json = Record<string, unknown>;

function isObj(v: unknown): v is Json {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function isObjectSchema(s: Json): boolean {
  return s.type === 'object' || isObj(s.properties);
}

/** A body that stays open on purpose (a third party's payload its own parser reads), with the reason. */
export function openBody(description: string, reason: string): TSchema {
  return Type.Object({}, { additionalProperties: true, description, [OPEN_BODY]: reason });
}

/** A copy of `schema` with every object closed (see above). Symbols (TypeBox's kinds) are not copied. */
export function closeBodySchema<T>(schema: T, inUnion = false): T {
  if (Array.isArray(schema)) return schema.map((s: unknown) => closeBodySchema(s, inUnion)) as T;
  if (!isObj(schema)) return schema;
  const out: Json = {};
  for (const [key, value] of Object.entries(schema)) {
    switch (key) {
      case 'properties':
      case 'patternProperties':
      case 'definitions':
      case '$defs':
        out[key] = isObj(value)
          ? Object.fromEntries(Object.entries(value).map(([k, v]) => [k, closeBodySchema(v, inUnion)]))
          : value;
        break;
      case 'anyOf':
      case 'oneOf': {
        // Only a union with two or more object branches can strip a sibling branch's fields (a string-or-object
        // or null-or-object union cannot): the others keep stripping, friendlier to senders with extra fields.
        const objectBranches = Array.isArray(value) ? value.filter((b) => isObj(b) && isObjectSchema(b)).length : 0;
        out[key] = closeBodySchema(value, inUnion || objectBranches >= 2);
        break;
      }
      case 'items':
      case 'additionalItems':
      case 'allOf':
      case 'not':
      case 'if':
      case 'then':
      case 'else':
      case 'contains':
        out[key] = closeBodySchema(value, inUnion);
        break;
      case 'additionalProperties':
        out[key] = isObj(value) ? closeBodySchema(value, inUnion) : value;
        break;
      default:
        out[key] = value;
    }
  }
  if (isObjectSchema(out) && out.additionalProperties === undefined && out.patternProperties === undefined) {
    out.additionalProperties = inUnion ? REFUSE : false;
  }
  return out as T;
}

function isRefuse(v: unknown): boolean {
  return isObj(v) && isObj(v.not) && Object.keys(v.not).length === 0 && Object.keys(v).length === 1;
}

/**
 * Where `schema` accepts fields nobody declared: objects whose `additionalProperties` is not false (or its union
 * form), and schemas that take any value at all (`{}`, Type.Unknown) — unless marked with `openBody`. Maps (TypeBox
 * Record: `patternProperties`, or a typed `additionalProperties`) are fine: their values are checked.
 */
export function openObjectsIn(schema: unknown, path = 'body'): string[] {
  if (!isObj(schema)) return [];
  if (schema[OPEN_BODY]) return [];
  const found: string[] = [];
  const keys = Object.keys(schema).filter((k) => !['description', 'title', 'default', 'examples'].includes(k));
  if (keys.length === 0) found.push(`${path}: accepts any value`);
  if (isObjectSchema(schema) || schema.patternProperties !== undefined) {
    const ap = schema.additionalProperties;
    const typedMap = isObj(ap) && !isRefuse(ap);
    if (ap !== false && !isRefuse(ap) && !typedMap && schema.patternProperties === undefined) {
      found.push(`${path}: additionalProperties is ${JSON.stringify(ap)}, not false`);
    }
    if (typedMap) found.push(...openObjectsIn(ap, `${path}{}`));
  }
  if (isObj(schema.properties)) {
    for (const [k, v] of Object.entries(schema.properties)) found.push(...openObjectsIn(v, `${path}.${k}`));
  }
  if (isObj(schema.patternProperties)) {
    for (const v of Object.values(schema.patternProperties)) found.push(...openObjectsIn(v, `${path}{}`));
  }
  if (isObj(schema.items)) found.push(...openObjectsIn(schema.items, `${path}[]`));
  for (const k of ['anyOf', 'oneOf', 'allOf'] as const) {
    const branches = schema[k];
    if (Array.isArray(branches)) branches.forEach((b, i) => found.push(...openObjectsIn(b, `${path}<${k}${i}>`)));
  }
  return found;
}
