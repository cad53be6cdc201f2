import { Type } from '@sinclair/typebox';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import type { FastifyInstance } from 'fastify';
import { actorOf } from '../auth.js';
import { presentTeam } from '../present.js';
import { TeamRoleSchema, TeamSchema, withErrors } from '../schemas.js';
import type { Services } from '../services.js';

const TeamParams = Type.Object({ team: Type.String({ minLength: 1, maxLength: 100, description: 'Team id or slug' }) });
const MemberParams = Type.Object({
  team: Type.String({ minLength: 1, maxLength: 100 }),
  userId: Type.String({ minLength: 1, maxLength: 100 }),
});

export function registerTeamRoutes(app: FastifyInstance, services: Services): void {
  const r = app.withTypeProvider<TypeBoxTypeProvider>();
  const tags = ['teams'];

  r.get(
    '/api/teams',
    {
      schema: {
        tags,
        summary: 'List teams, with your role in each',
        response: withErrors({ 200: Type.Object({ teams: Type.Array(TeamSchema) }) }),
      },
    },
    async (req) => ({ teams: (await services.teams.list(actorOf(req))).map(presentTeam) }),
  );

  r.post(
    '/api/teams',
    {
      schema: {
        tags,
        summary: 'Create a team; you become its owner',
        body: Type.Object({
          name: Type.String({ maxLength: 100 }),
          slug: Type.Optional(Type.String({ maxLength: 48 })),
          description: Type.Optional(Type.String({ maxLength: 2000 })),
        }),
        response: withErrors({ 201: TeamSchema }),
      },
    },
    async (req, reply) => reply.status(201).send(presentTeam(await services.teams.create(actorOf(req), req.body))),
  );

  r.get(
    '/api/teams/:team',
    {
      schema: {
        tags,
        summary: 'A team and its members',
        params: TeamParams,
        response: withErrors({ 200: TeamSchema }),
      },
    },
    async (req) => presentTeam(await services.teams.get(actorOf(req), req.params.team)),
  );

  r.patch(
    '/api/teams/:team',
    {
      schema: {
        tags,
        summary: 'Rename or describe a team (team admins)',
        params: TeamParams,
        body: Type.Object({
          name: Type.Optional(Type.String({ maxLength: 100 })),
          description: Type.Optional(Type.String({ maxLength: 2000 })),
        }),
        response: withErrors({ 200: TeamSchema }),
      },
    },
    async (req) => presentTeam(await services.teams.update(actorOf(req), req.params.team, req.body)),
  );

  r.delete(
    '/api/teams/:team',
    {
      schema: {
        tags,
        summary: 'Delete a team (team owners)',
        params: TeamParams,
        response: withErrors({ 204: Type.Null() }),
      },
    },
    async (req, reply) => {
      await services.teams.remove(actorOf(req), req.params.team);
      return reply.status(204).send(null);
    },
  );

  r.put(
    '/api/teams/:team/members/:userId',
    {
      schema: {
        tags,
        summary: 'Add a member or change a role (team admins; owners for owner changes)',
        params: MemberParams,
        body: Type.Object({ role: TeamRoleSchema }),
        response: withErrors({ 200: TeamSchema }),
      },
    },
    async (req) =>
      presentTeam(await services.teams.setMember(actorOf(req), req.params.team, req.params.userId, req.body.role)),
  );

  r.delete(
    '/api/teams/:team/members/:userId',
    {
      schema: {
        tags,
        summary: 'Remove a member (or leave)',
        params: MemberParams,
        response: withErrors({ 200: TeamSchema }),
      },
    },
    async (req) => presentTeam(await services.teams.removeMember(actorOf(req), req.params.team, req.params.userId)),
  );
}
