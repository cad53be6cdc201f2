import type { Kysely } from 'kysely';

/**
 * Runbooks and automated remediation (docs/runbooks.md).
 *
 * - `runbooks`: Markdown documents owned by a team, versioned (`runbook_versions` keeps every saved text, so diffs are
 *   between two versions), with a review interval and the last review; linked to services (`runbook_services`) and to
 *   alert rules (`runbook_alert_rules`: an alertname and/or label matchers, RE2 for regex matchers).
 * - `remediation_actions`: a step a responder runs with one click: `kind` 'http' (a signed request to the team's own
 *   automation; `config` holds method, URL template, headers, body template; the signing secret sealed apart) or
 *   'agent' (a command name from the agent's own allow-list, with argument templates, run by a `muster agent` of the
 *   team). `mode` 'manual' | 'approval' | 'automatic' (automatic only for `auto_conditions`, at most
 *   `rate_limit_per_hour` runs per service, off when `enabled` = 0 or the team's kill switch is on).
 * - `remediation_runs`: every run, audited: who asked, who approved, parameters (validated; secret values never stored),
 *   status, exit status or HTTP status, output (capped), duration. `remediation_run_output` holds the streamed chunks.
 * - `remediation_agents`: `muster agent` processes' identities, each with its own revocable token (hashed).
 * - `automation_rules` and `automation_firings`: when an alert matching X triggers, an incident of severity Y is
 *   declared or a milestone is reached → suggest a runbook, run an action, page, or post an update; once per incident
 *   (the unique `(rule_id, subject_id)`).
 * - `team_automation_settings`: the team's kill switch for automatic runs.
 * - `action_items.runbook_id`: an "Update the runbook" action item (kind 'runbook') names the runbook it marks reviewed.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .createTable('runbooks')
    .addColumn('id', 'text', (c) => c.primaryKey().notNull())
    .addColumn('team_id', 'text', (c) => c.notNull().references('teams.id').onDelete('cascade'))
    .addColumn('slug', 'text', (c) => c.notNull())
    .addColumn('title', 'text', (c) => c.notNull())
    .addColumn('body', 'text', (c) => c.notNull().defaultTo(''))
    .addColumn('version', 'integer', (c) => c.notNull().defaultTo(1))
    .addColumn('review_interval_days', 'integer', (c) => c.notNull().defaultTo(90))
    .addColumn('last_reviewed_at', 'bigint')
    .addColumn('last_reviewed_by_user_id', 'text', (c) => c.references('users.id').onDelete('set null'))
    .addColumn('stale_notified_at', 'bigint')
    .addColumn('archived_at', 'bigint')
    .addColumn('created_by_user_id', 'text', (c) => c.references('users.id').onDelete('set null'))
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .addColumn('updated_at', 'bigint', (c) => c.notNull())
    .addUniqueConstraint('runbooks_team_slug_unique', ['team_id', 'slug'])
    .execute();
  await db.schema
    .createIndex('runbooks_review_idx')
    .on('runbooks')
    .columns(['archived_at', 'last_reviewed_at'])
    .execute();

  await db.schema
    .createTable('runbook_versions')
    .addColumn('id', 'text', (c) => c.primaryKey().notNull())
    .addColumn('runbook_id', 'text', (c) => c.notNull().references('runbooks.id').onDelete('cascade'))
    .addColumn('version', 'integer', (c) => c.notNull())
    .addColumn('title', 'text', (c) => c.notNull())
    .addColumn('body', 'text', (c) => c.notNull())
    .addColumn('note', 'text', (c) => c.notNull().defaultTo(''))
    .addColumn('author_user_id', 'text', (c) => c.references('users.id').onDelete('set null'))
    .addColumn('author_label', 'text', (c) => c.notNull())
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .addUniqueConstraint('runbook_versions_unique', ['runbook_id', 'version'])
    .execute();

  await db.schema
    .createTable('runbook_services')
    .addColumn('runbook_id', 'text', (c) => c.notNull().references('runbooks.id').onDelete('cascade'))
    .addColumn('service_id', 'text', (c) => c.notNull().references('services.id').onDelete('cascade'))
    .addPrimaryKeyConstraint('runbook_services_pk', ['runbook_id', 'service_id'])
    .execute();
  await db.schema.createIndex('runbook_services_service_idx').on('runbook_services').column('service_id').execute();

  await db.schema
    .createTable('runbook_alert_rules')
    .addColumn('id', 'text', (c) => c.primaryKey().notNull())
    .addColumn('runbook_id', 'text', (c) => c.notNull().references('runbooks.id').onDelete('cascade'))
    // The alert's rule key (alertname, PagerDuty class, ...) or null for "any", then label matchers (JSON
    // [{ name, op: '=' | '!=' | '=~' | '!~', value }]) that must all hold.
    .addColumn('alertname', 'text')
    .addColumn('matchers', 'text', (c) => c.notNull().defaultTo('[]'))
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .execute();
  await db.schema
    .createIndex('runbook_alert_rules_runbook_idx')
    .on('runbook_alert_rules')
    .column('runbook_id')
    .execute();
  await db.schema.createIndex('runbook_alert_rules_name_idx').on('runbook_alert_rules').column('alertname').execute();

  await db.schema
    .alterTable('action_items')
    .addColumn('runbook_id', 'text', (c) => c.references('runbooks.id').onDelete('set null'))
    .execute();

  await db.schema
    .createTable('remediation_agents')
    .addColumn('id', 'text', (c) => c.primaryKey().notNull())
    .addColumn('team_id', 'text', (c) => c.notNull().references('teams.id').onDelete('cascade'))
    .addColumn('name', 'text', (c) => c.notNull())
    .addColumn('token_hash', 'text', (c) => c.notNull().unique())
    .addColumn('token_prefix', 'text', (c) => c.notNull())
    // What the agent reported on its last poll: its allow-listed command names, host and version (JSON).
    .addColumn('reported', 'text', (c) => c.notNull().defaultTo('{}'))
    .addColumn('last_seen_at', 'bigint')
    .addColumn('revoked_at', 'bigint')
    .addColumn('created_by_user_id', 'text', (c) => c.references('users.id').onDelete('set null'))
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .addUniqueConstraint('remediation_agents_team_name_unique', ['team_id', 'name'])
    .execute();

  await db.schema
    .createTable('remediation_actions')
    .addColumn('id', 'text', (c) => c.primaryKey().notNull())
    .addColumn('team_id', 'text', (c) => c.notNull().references('teams.id').onDelete('cascade'))
    .addColumn('runbook_id', 'text', (c) => c.references('runbooks.id').onDelete('set null'))
    .addColumn('slug', 'text', (c) => c.notNull())
    .addColumn('name', 'text', (c) => c.notNull())
    .addColumn('description', 'text', (c) => c.notNull().defaultTo(''))
    .addColumn('kind', 'text', (c) => c.notNull())
    .addColumn('mode', 'text', (c) => c.notNull().defaultTo('manual'))
    // kind 'http': { method, url, headers, body, dryRun? }; kind 'agent': { agentId | null (any of the team's),
    // command, args, dryRunArgs? } — templates filled from the alert's labels and annotations and declared params.
    .addColumn('config', 'text', (c) => c.notNull().defaultTo('{}'))
    // Declared parameters (JSON [{ name, from: 'label' | 'annotation' | 'input', key, pattern, required }]).
    .addColumn('params', 'text', (c) => c.notNull().defaultTo('[]'))
    .addColumn('secret_sealed', 'text')
    .addColumn('allow_private_address', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('timeout_seconds', 'integer', (c) => c.notNull().defaultTo(60))
    // mode 'automatic': the alert conditions it runs on (JSON { alertnames, matchers, serviceIds, severities }).
    .addColumn('auto_conditions', 'text', (c) => c.notNull().defaultTo('{}'))
    .addColumn('rate_limit_per_hour', 'integer', (c) => c.notNull().defaultTo(3))
    .addColumn('enabled', 'integer', (c) => c.notNull().defaultTo(1))
    .addColumn('created_by_user_id', 'text', (c) => c.references('users.id').onDelete('set null'))
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .addColumn('updated_at', 'bigint', (c) => c.notNull())
    .addUniqueConstraint('remediation_actions_team_slug_unique', ['team_id', 'slug'])
    .execute();
  await db.schema
    .createIndex('remediation_actions_runbook_idx')
    .on('remediation_actions')
    .column('runbook_id')
    .execute();

  await db.schema
    .createTable('remediation_runs')
    .addColumn('id', 'text', (c) => c.primaryKey().notNull())
    .addColumn('action_id', 'text', (c) => c.notNull().references('remediation_actions.id').onDelete('cascade'))
    .addColumn('team_id', 'text', (c) => c.notNull().references('teams.id').onDelete('cascade'))
    .addColumn('incident_id', 'text', (c) => c.references('incidents.id').onDelete('set null'))
    .addColumn('alert_id', 'text', (c) => c.references('alerts.id').onDelete('set null'))
    .addColumn('service_id', 'text', (c) => c.references('services.id').onDelete('set null'))
    // 'awaiting_approval' | 'rejected' | 'queued' | 'running' | 'succeeded' | 'failed' | 'timed_out' | 'cancelled'
    .addColumn('status', 'text', (c) => c.notNull())
    .addColumn('dry_run', 'integer', (c) => c.notNull().defaultTo(0))
    // 'manual' | 'automatic' | 'rule'
    .addColumn('trigger', 'text', (c) => c.notNull())
    .addColumn('rule_id', 'text')
    .addColumn('params', 'text', (c) => c.notNull().defaultTo('{}'))
    .addColumn('requested_by_user_id', 'text', (c) => c.references('users.id').onDelete('set null'))
    .addColumn('requested_by_label', 'text', (c) => c.notNull())
    .addColumn('approved_by_user_id', 'text', (c) => c.references('users.id').onDelete('set null'))
    .addColumn('approved_by_label', 'text')
    .addColumn('decided_at', 'bigint')
    .addColumn('decision_note', 'text')
    // The requester (or approver) was the incident's Incident Commander: flagged, as for acknowledging.
    .addColumn('ic_flagged', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('agent_id', 'text', (c) => c.references('remediation_agents.id').onDelete('set null'))
    // A lease the executor renews while running (agent heartbeats): past it, the run ends failed ("agent lost").
    .addColumn('lease_until', 'bigint')
    .addColumn('exit_code', 'integer')
    .addColumn('http_status', 'integer')
    .addColumn('output', 'text', (c) => c.notNull().defaultTo(''))
    .addColumn('output_truncated', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('error', 'text')
    .addColumn('started_at', 'bigint')
    .addColumn('finished_at', 'bigint')
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .addColumn('updated_at', 'bigint', (c) => c.notNull())
    .execute();
  await db.schema
    .createIndex('remediation_runs_action_idx')
    .on('remediation_runs')
    .columns(['action_id', 'created_at'])
    .execute();
  await db.schema
    .createIndex('remediation_runs_status_idx')
    .on('remediation_runs')
    .columns(['team_id', 'status'])
    .execute();
  await db.schema.createIndex('remediation_runs_incident_idx').on('remediation_runs').column('incident_id').execute();
  await db.schema
    .createIndex('remediation_runs_service_idx')
    .on('remediation_runs')
    .columns(['service_id', 'trigger', 'created_at'])
    .execute();
  await db.schema
    .createIndex('remediation_runs_agent_idx')
    .on('remediation_runs')
    .columns(['agent_id', 'status'])
    .execute();

  await db.schema
    .createTable('remediation_run_output')
    .addColumn('id', 'text', (c) => c.primaryKey().notNull())
    .addColumn('run_id', 'text', (c) => c.notNull().references('remediation_runs.id').onDelete('cascade'))
    .addColumn('seq', 'integer', (c) => c.notNull())
    // 'stdout' | 'stderr' | 'system'
    .addColumn('stream', 'text', (c) => c.notNull())
    .addColumn('chunk', 'text', (c) => c.notNull())
    .addColumn('at', 'bigint', (c) => c.notNull())
    .addUniqueConstraint('remediation_run_output_unique', ['run_id', 'seq'])
    .execute();

  await db.schema
    .createTable('team_automation_settings')
    .addColumn('team_id', 'text', (c) => c.primaryKey().notNull().references('teams.id').onDelete('cascade'))
    // The kill switch: while set, no automatic run starts (manual and approved runs still do).
    .addColumn('automatic_paused', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('paused_reason', 'text')
    .addColumn('updated_by_label', 'text', (c) => c.notNull())
    .addColumn('updated_at', 'bigint', (c) => c.notNull())
    .execute();

  await db.schema
    .createTable('automation_rules')
    .addColumn('id', 'text', (c) => c.primaryKey().notNull())
    .addColumn('team_id', 'text', (c) => c.notNull().references('teams.id').onDelete('cascade'))
    .addColumn('name', 'text', (c) => c.notNull())
    .addColumn('enabled', 'integer', (c) => c.notNull().defaultTo(1))
    // 'alert_triggered' | 'incident_declared' | 'milestone_reached'
    .addColumn('trigger', 'text', (c) => c.notNull())
    // JSON { severities, serviceIds, alertnames, matchers, milestone }
    .addColumn('conditions', 'text', (c) => c.notNull().defaultTo('{}'))
    // 'suggest_runbook' | 'run_action' | 'page' | 'post_update'
    .addColumn('action', 'text', (c) => c.notNull())
    // JSON { runbookId } | { actionId } | { escalationPolicyId | scheduleId | userId, message } | { message }
    .addColumn('action_config', 'text', (c) => c.notNull().defaultTo('{}'))
    .addColumn('created_by_user_id', 'text', (c) => c.references('users.id').onDelete('set null'))
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .addColumn('updated_at', 'bigint', (c) => c.notNull())
    .execute();
  await db.schema
    .createIndex('automation_rules_trigger_idx')
    .on('automation_rules')
    .columns(['trigger', 'enabled'])
    .execute();

  await db.schema
    .createTable('automation_firings')
    .addColumn('id', 'text', (c) => c.primaryKey().notNull())
    .addColumn('rule_id', 'text', (c) => c.notNull().references('automation_rules.id').onDelete('cascade'))
    // The incident it fired for (or the alert, for an alert rule with no incident yet): once per subject.
    .addColumn('subject_id', 'text', (c) => c.notNull())
    .addColumn('incident_id', 'text', (c) => c.references('incidents.id').onDelete('set null'))
    .addColumn('alert_id', 'text', (c) => c.references('alerts.id').onDelete('set null'))
    // 'done' | 'skipped' | 'failed', with what it did or why not
    .addColumn('outcome', 'text', (c) => c.notNull())
    .addColumn('detail', 'text', (c) => c.notNull().defaultTo(''))
    .addColumn('run_id', 'text', (c) => c.references('remediation_runs.id').onDelete('set null'))
    .addColumn('fired_at', 'bigint', (c) => c.notNull())
    .addUniqueConstraint('automation_firings_once', ['rule_id', 'subject_id'])
    .execute();
}
