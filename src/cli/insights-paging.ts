/** `muster insights …` for paging (issue 12, docs/insights.md). Stub; its owner fills it in. */
import type { Command } from 'commander';
import type { InsightCliDeps } from './insights.js';

export function registerInsightPagingCommands(_insights: Command, _deps: InsightCliDeps): void {}
