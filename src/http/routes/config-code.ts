/**
 * Config as code (docs/config-as-code.md): plan and apply a directory of YAML files, export the current state in the
 * same format, and the published JSON Schema for editors. Plan, apply and export are for organisation administrators
 * (they cover every team, user and service); the schema is public (it holds no data).
 */
import { Type } from '@sinclair/typebox';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import type { FastifyInstance } from 'fastify';
import { ConfigCodeService } from '../../config-as-code/service.js';
import { configJsonSchema, KINDS } from '../../config-as-code/schema.js';
import { MAX_FILE_CHARS, MAX_FILES } from '../../config-as-code/load.js';
import { actorOf } from '../auth.js';
import { withErrors } from '../schemas.js';
import type { Services } from '../services.js';

const FileSchema = Type.Object({
  path: Type.String({ minLength: 1, maxLength: 500, description: "The file's name, relative to the directory" }),
  content: Type.String({ maxLength: MAX_FILE_CHARS, description: 'The YAML text' }),
});
const Body = Type.Object({
  files: Type.Array(FileSchema, { maxItems: MAX_FILES }),
  prune: Type.Optional(
    Type.Boolean({ description: 'Delete what Muster has and the files do not name (default: keep it, reported)' }),
  ),
});
const Kind = Type.Union(KINDS.map((k) => Type.Literal(k)));
const PlanSchema = Type.Object({
  changes: Type.Array(
    Type.Object({
      action: Type.Union([Type.Literal('create'), Type.Literal('update'), Type.Literal('delete')]),
      kind: Kind,
      key: Type.String({
        description:
          'The slug, or the email of a user, the severity (P1–P4), team/slug of a runbook, sil-… of a silence',
      }),
      fields: Type.Array(
        Type.Object({
          field: Type.String(),
          from: Type.Optional(Type.Unknown()),
          to: Type.Optional(Type.Unknown()),
        }),
      ),
    }),
  ),
  unmanaged: Type.Array(Type.Object({ kind: Kind, key: Type.String() })),
  summary: Type.Object({
    create: Type.Integer(),
    update: Type.Integer(),
    delete: Type.Integer(),
    unmanaged: Type.Integer(),
  }),
});

export function registerConfigCodeRoutes(app: FastifyInstance, services: Services): void {
  const r = app.withTypeProvider<TypeBoxTypeProvider>();
  const tags = ['config'];
  const config = new ConfigCodeService({
    db: services.db,
    clock: services.clock,
    publicUrl: services.config.publicUrl,
  });
  const schemaDocument = configJsonSchema();

  r.get('/api/config/schema.json', { config: { access: 'public' }, schema: { hide: true } }, async (_req, reply) =>
    reply.type('application/schema+json').send(JSON.stringify(schemaDocument)),
  );

  r.post(
    '/api/config/plan',
    {
      config: { access: 'org-admin' },
      schema: {
        tags,
        summary: 'What applying these configuration files would change (nothing is changed)',
        body: Body,
        response: withErrors({ 200: Type.Object({ plan: PlanSchema }) }),
      },
    },
    async (req) => ({ plan: await config.plan(actorOf(req), req.body.files, { prune: req.body.prune ?? false }) }),
  );

  r.post(
    '/api/config/apply',
    {
      config: { access: 'org-admin' },
      schema: {
        tags,
        summary: 'Apply configuration files in one transaction (all or nothing), recorded in the audit log',
        body: Body,
        response: withErrors({
          200: Type.Object({
            plan: PlanSchema,
            integrationKeys: Type.Array(
              Type.Object({
                service: Type.String(),
                name: Type.String(),
                source: Type.String(),
                prefix: Type.String(),
                key: Type.String({ description: 'The secret: shown in this answer only, never again' }),
              }),
            ),
          }),
        }),
      },
    },
    async (req) => config.apply(actorOf(req), req.body.files, { prune: req.body.prune ?? false }),
  );

  r.get(
    '/api/config/export',
    {
      config: { access: 'org-admin' },
      schema: {
        tags,
        summary: 'The current configuration as files in the config-as-code format (export, then plan: no changes)',
        response: withErrors({ 200: Type.Object({ files: Type.Array(FileSchema) }) }),
      },
    },
    async (req) => ({ files: await config.export(actorOf(req)) }),
  );
}
