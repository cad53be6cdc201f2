export * from './service.js';
export {
  finishRun,
  appendOutput,
  markRunStarted,
  postRunEvent,
  agentInvocation,
  type RunOutcome,
  type OutputChunk,
} from './runs.js';
export * from './model.js';
