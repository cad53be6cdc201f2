/** What the automation API answers (issue 15: remediation actions, runs, approvals, agents, rules), and small helpers. */

export type ActionKind = 'http' | 'agent';
export type ActionMode = 'manual' | 'approval' | 'automatic';
export type ParamSource = 'label' | 'annotation' | 'input';

export interface Param {
  name: string;
  from: ParamSource;
  key: string;
  pattern?: string | null;
  required: boolean;
}

export interface Matcher {
  name: string;
  op: '=' | '!=' | '=~' | '!~';
  value: string;
}

export interface AutoConditions {
  alertnames?: string[];
  severities?: string[];
  serviceIds?: string[];
  matchers?: Matcher[];
}

export interface ActionSummary {
  id: string;
  teamId: string;
  runbookId: string | null;
  slug: string;
  name: string;
  description: string;
  kind: ActionKind;
  mode: ActionMode;
  enabled: boolean;
  params: Param[];
  timeoutSeconds: number;
  rateLimitPerHour: number;
  autoConditions: AutoConditions | null;
  dryRunSupported: boolean;
  updatedAt: string;
}

/** The detail adds the kind's own settings (the secret never: only whether there is one). */
export interface ActionDetail extends ActionSummary {
  http?: {
    method: string;
    url: string;
    headers?: Record<string, string> | null;
    /** JSON, with templates in its strings. */
    body?: unknown;
    dryRun?: {
      query?: Record<string, string>;
      header?: Record<string, string>;
      body?: Record<string, unknown>;
    } | null;
    hasSecret?: boolean;
    allowPrivateAddress?: boolean;
  } | null;
  agent?: { agentId: string | null; command: string; args?: string[]; dryRunArgs?: string[] | null } | null;
}

export type RunStatus =
  | 'awaiting_approval'
  | 'rejected'
  | 'queued'
  | 'running'
  | 'succeeded'
  | 'failed'
  | 'timed_out'
  | 'cancelled'
  | 'skipped';

export const FINAL_STATUSES: readonly RunStatus[] = [
  'rejected',
  'succeeded',
  'failed',
  'timed_out',
  'cancelled',
  'skipped',
];

export interface Person {
  userId: string | null;
  label: string;
}

export interface RunChunk {
  seq: number;
  /** 'stdout' | 'stderr' | 'system' */
  stream: string;
  chunk: string;
  at?: string;
}

export interface Run {
  id: string;
  actionId: string;
  actionName: string;
  kind: ActionKind;
  teamId: string;
  incidentId: string | null;
  alertId: string | null;
  serviceId: string | null;
  status: RunStatus;
  dryRun: boolean;
  trigger: 'manual' | 'automatic' | 'rule';
  ruleId: string | null;
  params: Record<string, string>;
  requestedBy: Person | null;
  approvedBy: Person | null;
  decidedAt: string | null;
  decisionNote: string | null;
  icFlagged: boolean;
  agentId: string | null;
  exitCode: number | null;
  httpStatus: number | null;
  output?: string;
  outputTruncated?: boolean;
  error: string | null;
  startedAt: string | null;
  finishedAt: string | null;
  durationMs: number | null;
  createdAt: string;
  chunks?: RunChunk[];
}

export interface Agent {
  id: string;
  teamId: string;
  name: string;
  tokenPrefix: string;
  lastSeenAt: string | null;
  connected: boolean;
  commands: (string | { name: string; description?: string })[];
  host: string | null;
  version: string | null;
  revokedAt: string | null;
  runningRunId: string | null;
}

export type RuleTrigger = 'alert_triggered' | 'incident_declared' | 'milestone_reached';
export type RuleAction = 'suggest_runbook' | 'run_action' | 'page' | 'post_update';

export interface Rule {
  id: string;
  teamId: string;
  name: string;
  enabled: boolean;
  trigger: RuleTrigger;
  conditions: {
    severities?: string[];
    serviceIds?: string[];
    alertnames?: string[];
    matchers?: Matcher[];
    milestone?: string | null;
    includeDrills?: boolean;
  };
  action: RuleAction;
  actionConfig: Record<string, unknown>;
  createdAt: string;
  updatedAt: string;
  lastFiredAt: string | null;
  firingCount: number;
}

/** One time a rule fired: for which incident or alert, and what it did. */
export interface Firing {
  id: string;
  ruleId: string;
  incidentId: string | null;
  incidentTitle: string | null;
  alertId: string | null;
  alertTitle: string | null;
  outcome: 'done' | 'skipped' | 'failed';
  detail: string;
  runId: string | null;
  firedAt: string;
}

export interface KillSwitch {
  automaticPaused: boolean;
  reason?: string | null;
  updatedAt?: string | null;
  updatedBy?: string | null;
  updatedByLabel?: string | null;
}

export const TRIGGER_TEXT: Record<RuleTrigger, string> = {
  alert_triggered: 'An alert triggers',
  incident_declared: 'An incident is declared',
  milestone_reached: 'An incident reaches a milestone',
};

export const RULE_ACTION_TEXT: Record<RuleAction, string> = {
  suggest_runbook: 'Suggest a runbook',
  run_action: 'Run an action',
  page: 'Page someone',
  post_update: 'Post an update',
};

export const MODE_TEXT: Record<ActionMode, string> = {
  manual: 'Manual',
  approval: 'Needs approval',
  automatic: 'Automatic',
};

export const STATUS_TEXT: Record<RunStatus, string> = {
  awaiting_approval: 'Awaiting approval',
  rejected: 'Rejected',
  queued: 'Queued',
  running: 'Running',
  succeeded: 'Succeeded',
  failed: 'Failed',
  timed_out: 'Timed out',
  cancelled: 'Cancelled',
  skipped: 'Skipped',
};

export const runPage = (id: string) => `/automation/runs/${encodeURIComponent(id)}`;
export const actionPage = (id: string) => `/automation/actions/${encodeURIComponent(id)}`;
export const rulePage = (id: string) => `/automation/rules/${encodeURIComponent(id)}`;

/** `{ items }` as the contract says; tolerate a keyed list too while the API settles. */
export function itemsOf<T>(data: unknown, key?: string): T[] {
  if (Array.isArray(data)) return data as T[];
  if (data && typeof data === 'object') {
    const o = data as Record<string, unknown>;
    if (Array.isArray(o.items)) return o.items as T[];
    if (key && Array.isArray(o[key])) return o[key] as T[];
  }
  return [];
}

/** "1.2 s", "3 min 05 s". */
export function formatDuration(ms: number | null | undefined): string {
  if (ms == null) return '—';
  if (ms < 1000) return `${ms} ms`;
  const s = ms / 1000;
  if (s < 60) return `${s.toFixed(s < 10 ? 1 : 0)} s`;
  const m = Math.floor(s / 60);
  return `${m} min ${String(Math.round(s % 60)).padStart(2, '0')} s`;
}

export function commandName(c: Agent['commands'][number]): string {
  return typeof c === 'string' ? c : c.name;
}
