/** Insights: paging (issue 12; docs/insights.md). Stub registered in app.ts; its owner fills it in. */
import type { FastifyInstance } from 'fastify';
import type { Services } from '../services.js';

export function registerInsightPagingRoutes(_app: FastifyInstance, _services: Services): void {}
