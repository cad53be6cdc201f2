import type { FastifyInstance } from 'fastify';
import type { Services } from '../services.js';

/** Placeholder: the routes land with their issue. */
export function registerPeopleRoutes(app: FastifyInstance, services: Services): void {
  void app;
  void services;
}
