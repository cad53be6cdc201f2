/** `muster insights …` for alert-quality (issue 12, docs/insights.md). Stub; its owner fills it in. */
import type { Command } from 'commander';
import type { InsightCliDeps } from './insights.js';

export function registerInsightAlertQualityCommands(_insights: Command, _deps: InsightCliDeps): void {}
