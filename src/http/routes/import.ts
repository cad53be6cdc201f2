/**
 * Import from PagerDuty, Opsgenie or Grafana OnCall (docs/import.md): POST /api/import reads the source with the
 * token given, plans it as configuration as code and (unless a dry run) applies it, with history and the fidelity
 * table. Organisation administrators only. The token is used for the source's requests and never logged or stored.
 */
import { Type } from '@sinclair/typebox';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import type { FastifyInstance } from 'fastify';
import { IMPORT_SOURCES } from '../../import/model.js';
import { MAX_HISTORY_MONTHS } from '../../import/service.js';
import { actorOf } from '../auth.js';
import { withErrors } from '../schemas.js';
import type { Services } from '../services.js';

const Source = Type.Union(
  IMPORT_SOURCES.map((s) => Type.Literal(s)),
  { description: 'The tool to import from' },
);

const Body = Type.Object(
  {
    source: Source,
    token: Type.String({
      minLength: 1,
      maxLength: 500,
      description: "The source's API token (read access is enough); used for this import only, never stored",
    }),
    baseUrl: Type.Optional(
      Type.String({
        maxLength: 500,
        description:
          "The source's API base URL. Default: https://api.pagerduty.com, https://api.opsgenie.com; required for Grafana OnCall",
      }),
    ),
    allowPrivateAddress: Type.Optional(
      Type.Boolean({ description: 'The base URL may be a private address (an on-premises Grafana OnCall)' }),
    ),
    dryRun: Type.Boolean({ description: 'Plan only: nothing is changed' }),
    historyMonths: Type.Optional(
      Type.Integer({
        minimum: 0,
        maximum: MAX_HISTORY_MONTHS,
        description: 'Import resolved incidents of the last N months as imported incidents (0: none)',
      }),
    ),
  },
  { additionalProperties: false },
);

const PlanSchema = Type.Object({
  changes: Type.Array(
    Type.Object({
      action: Type.Union([Type.Literal('create'), Type.Literal('update'), Type.Literal('delete')]),
      kind: Type.String({ description: 'users, teams, schedules, escalationPolicies, services, …' }),
      key: Type.String({ description: 'The slug, or the email of a user' }),
      fields: Type.Array(
        Type.Object({
          field: Type.String(),
          from: Type.Optional(Type.Unknown()),
          to: Type.Optional(Type.Unknown()),
        }),
      ),
    }),
  ),
  unmanaged: Type.Array(Type.Object({ kind: Type.String(), key: Type.String() })),
  summary: Type.Object({
    create: Type.Integer(),
    update: Type.Integer(),
    delete: Type.Integer(),
    unmanaged: Type.Integer(),
  }),
});

const Report = Type.Object({
  source: Source,
  dryRun: Type.Boolean(),
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
  unmapped: Type.Array(
    Type.Object({
      object: Type.String(),
      field: Type.Optional(Type.String()),
      reason: Type.String(),
      outcome: Type.Union([Type.Literal('dropped'), Type.Literal('approximated')]),
    }),
  ),
  fidelity: Type.Array(
    Type.Object({
      schedule: Type.String({ description: 'The slug' }),
      source: Type.String({ description: "The source's name and id" }),
      matchingMinutes: Type.Integer(),
      totalMinutes: Type.Integer(),
      percent: Type.Number({ description: '0–100, one decimal; 100 only when every minute matches' }),
      firstDifferences: Type.Array(
        Type.Object({
          at: Type.Number({ description: 'Epoch ms' }),
          source: Type.Array(Type.String(), { description: 'Emails on call in the source' }),
          muster: Type.Array(Type.String(), { description: 'Emails on call in Muster' }),
        }),
      ),
    }),
  ),
  history: Type.Object({
    found: Type.Integer(),
    imported: Type.Integer(),
    alreadyImported: Type.Integer(),
  }),
  requests: Type.Object({ total: Type.Integer(), rateLimited: Type.Integer() }),
});

export function registerImportRoutes(app: FastifyInstance, services: Services): void {
  const r = app.withTypeProvider<TypeBoxTypeProvider>();
  r.post(
    '/api/import',
    {
      config: { access: 'org-admin' },
      schema: {
        tags: ['config'],
        summary:
          'Import from PagerDuty, Opsgenie or Grafana OnCall: the plan, what could not be mapped, history and fidelity',
        body: Body,
        response: withErrors({ 200: Report }),
      },
    },
    async (req) => services.imports.run(actorOf(req), req.body),
  );
}
