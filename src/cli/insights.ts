/**
 * `muster insights …`: the figures of docs/insights.md from the HTTP API, as tables or --json. Each figure's
 * subcommands live in their own file (src/cli/insights-*.ts); this file only makes the parent command.
 */
import type { Command } from 'commander';
import type { MusterClient } from './client.js';
import { registerInsightAlertQualityCommands } from './insights-alert-quality.js';
import { registerInsightLearningCommands } from './insights-learning.js';
import { registerInsightPagingCommands } from './insights-paging.js';
import { registerInsightRespondersCommands } from './insights-responders.js';

export interface InsightCliDeps {
  client: () => MusterClient;
  json: () => boolean;
}

export function registerInsightCommands(program: Command, deps: InsightCliDeps): void {
  const insights = program
    .command('insights')
    .description('response times, paging, recurrence, learning, responders and alert quality over time');
  registerInsightPagingCommands(insights, deps);
  registerInsightLearningCommands(insights, deps);
  registerInsightRespondersCommands(insights, deps);
  registerInsightAlertQualityCommands(insights, deps);
}
