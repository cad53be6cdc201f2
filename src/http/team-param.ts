/** `/api/teams/:team/…` paths take a team's id or its slug (as the access policy does): the id, or 404. */
import { systemActor } from '../identity/index.js';
import type { Services } from './services.js';

export async function teamIdOf(services: Services, idOrSlug: string): Promise<string> {
  return (await services.teams.get(systemActor('team path'), idOrSlug)).id;
}
