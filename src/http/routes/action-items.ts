/** Placeholder: filled in by the post-mortem work (issue 11). */
import type { FastifyInstance } from 'fastify';
import type { Services } from '../services.js';

export function registerActionItemRoutes(_app: FastifyInstance, _services: Services): void {}
