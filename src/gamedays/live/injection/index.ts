import { chaosToolkitAdapter } from './chaostoolkit.js';
import { gremlinAdapter } from './gremlin.js';
import { litmusAdapter } from './litmus.js';
import type { InjectionAdapter, Provider } from './types.js';
import { webhookAdapter } from './webhook.js';

export const ADAPTERS: Record<Provider, InjectionAdapter> = {
  webhook: webhookAdapter,
  chaostoolkit: chaosToolkitAdapter,
  litmus: litmusAdapter,
  gremlin: gremlinAdapter,
};
export * from './types.js';
export { GREMLIN_API } from './gremlin.js';
export { engineName } from './litmus.js';
export { injectionPayload } from './webhook.js';
