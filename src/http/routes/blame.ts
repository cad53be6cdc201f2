/**
 * Blameless-language review for the post-mortem editor's live checking (issue 11, docs/postmortems.md "Blameless
 * language"): the text in, the findings out. A pure function behind a route: nothing is stored (findings of a saved
 * post-mortem come with the post-mortem, recomputed on save).
 */
import { Type } from '@sinclair/typebox';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import type { FastifyInstance } from 'fastify';
import { BLAME_TEXT_MAX, checkBlame } from '../../postmortems/blame/index.js';
import { withErrors } from '../schemas.js';
import type { Services } from '../services.js';

export const BlameFindingSchema = Type.Object({
  fingerprint: Type.String({ description: 'Stable hash of the rule and the normalised sentence (for dismissals)' }),
  ruleId: Type.String({ description: 'The rule in src/postmortems/blame/rules.json' }),
  start: Type.Integer({ description: 'Offset of the highlighted words in the text (UTF-16 code units)' }),
  end: Type.Integer(),
  excerpt: Type.String({ description: 'The highlighted words' }),
  sentence: Type.String({ description: 'The sentence they are in' }),
  message: Type.String({ description: 'Why this reads as blame' }),
  suggestion: Type.String({ description: 'A systemic rephrasing' }),
});

export function registerBlameRoutes(app: FastifyInstance, _services: Services): void {
  const r = app.withTypeProvider<TypeBoxTypeProvider>();
  r.post(
    '/api/blame-check',
    {
      schema: {
        tags: ['postmortems'],
        summary: 'Check text for blameful language (a person as the subject of a failure, "should have", …)',
        body: Type.Object({
          text: Type.String({ maxLength: BLAME_TEXT_MAX, description: 'Markdown' }),
          names: Type.Optional(
            Type.Array(Type.String({ maxLength: 200 }), {
              maxItems: 200,
              description: "People's names (or emails) to recognise as people",
            }),
          ),
        }),
        response: withErrors({ 200: Type.Object({ findings: Type.Array(BlameFindingSchema) }) }),
      },
    },
    async (req) => ({ findings: checkBlame(req.body.text, req.body.names ? { names: req.body.names } : {}) }),
  );
}
