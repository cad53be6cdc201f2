import { readFileSync } from 'node:fs';
import { Value } from '@sinclair/typebox/value';
import { parse as parseYaml } from 'yaml';
import { ConfigSchema, type Config } from './schema.js';
import { DIAGNOSTIC_VARS } from './diagnostics.js';

export { ConfigSchema, type Config };

export class ConfigError extends Error {
  constructor(readonly problems: string[]) {
    super(`Invalid configuration:\n${problems.map((p) => `  - ${p}`).join('\n')}`);
    this.name = 'ConfigError';
  }
}

type Env = Record<string, string | undefined>;

/** Environment variable → config path. DATABASE_URL keeps its conventional name. */
const ENV_MAP: Record<string, string> = {
  MUSTER_HOST: 'host',
  MUSTER_PORT: 'port',
  MUSTER_PUBLIC_URL: 'publicUrl',
  MUSTER_DATA_DIR: 'dataDir',
  DATABASE_URL: 'databaseUrl',
  MUSTER_DATABASE_URL: 'databaseUrl',
  MUSTER_DATABASE_POOL_SIZE: 'databasePoolSize',
  MUSTER_DATABASE_NAMED_STATEMENTS: 'databaseNamedStatements',
  MUSTER_LOG_LEVEL: 'logLevel',
  MUSTER_ADMIN_EMAIL: 'adminEmail',
  MUSTER_ADMIN_PASSWORD: 'adminPassword',
  MUSTER_BODY_LIMIT_BYTES: 'bodyLimitBytes',
  MUSTER_RESPONSE_DIFFS: 'responseDiffsFile',
  MUSTER_METRICS_TOKEN: 'metricsToken',
  MUSTER_TRUST_PROXY: 'trustProxy',
  MUSTER_TLS_CERT_FILE: 'tlsCertFile',
  MUSTER_TLS_KEY_FILE: 'tlsKeyFile',
  MUSTER_COOKIE_SECURE: 'cookieSecure',
  MUSTER_SESSION_TTL_HOURS: 'sessionTtlHours',
  MUSTER_JOBS_ENABLED: 'jobs.enabled',
  MUSTER_JOBS_CONCURRENCY: 'jobs.concurrency',
  MUSTER_JOBS_POLL_INTERVAL_MS: 'jobs.pollIntervalMs',
  MUSTER_JOBS_LEASE_MS: 'jobs.leaseMs',
  MUSTER_JOBS_DIAGNOSTICS: 'jobs.diagnostics',
  MUSTER_INTAKE_MAX_IN_FLIGHT: 'intake.maxInFlight',
  MUSTER_INTAKE_MAX_QUEUED: 'intake.maxQueued',
  MUSTER_INTAKE_QUEUE_TIMEOUT_MS: 'intake.queueTimeoutMs',
  MUSTER_INTAKE_DEADLINE_MS: 'intake.deadlineMs',
  MUSTER_INTAKE_PARALLEL_BATCHES: 'intake.parallelBatches',
  MUSTER_INTAKE_PAYLOAD_RETENTION_DAYS: 'intake.payloadRetentionDays',
  MUSTER_SMTP_HOST: 'smtp.host',
  MUSTER_SMTP_PORT: 'smtp.port',
  MUSTER_SMTP_SECURE: 'smtp.secure',
  MUSTER_SMTP_USER: 'smtp.user',
  MUSTER_SMTP_PASSWORD: 'smtp.password',
  MUSTER_SMTP_FROM: 'smtp.from',
  MUSTER_NOTIFY_LINK_TTL_MINUTES: 'notify.linkTtlMinutes',
  MUSTER_NOTIFY_TIMEOUT_MS: 'notify.timeoutMs',
  MUSTER_NTFY_SERVER: 'notify.ntfyServer',
  MUSTER_WEB_PUSH_SUBJECT: 'notify.webPushSubject',
  MUSTER_SLACK_BOT_TOKEN: 'slack.botToken',
  MUSTER_SLACK_API_URL: 'slack.apiUrl',
  MUSTER_SLACK_SIGNING_SECRET: 'slack.signingSecret',
  MUSTER_SLACK_INCIDENT_CHANNELS: 'slack.incidentChannels',
  MUSTER_SLACK_INTERACTIVITY: 'slack.interactivity',
  MUSTER_TWILIO_ACCOUNT_SID: 'twilio.accountSid',
  MUSTER_TWILIO_AUTH_TOKEN: 'twilio.authToken',
  MUSTER_TWILIO_FROM: 'twilio.fromNumber',
  MUSTER_TWILIO_API_URL: 'twilio.apiUrl',
};

function setPath(target: Record<string, unknown>, path: string, value: unknown): void {
  const parts = path.split('.');
  let node = target;
  for (const part of parts.slice(0, -1)) {
    const next = node[part];
    if (typeof next !== 'object' || next === null) node[part] = {};
    node = node[part] as Record<string, unknown>;
  }
  node[parts[parts.length - 1]!] = value;
}

/**
 * Parse config once at boot: YAML file (MUSTER_CONFIG or the given path) under environment variables.
 * Every problem is listed at once, so a broken deployment is fixed in one pass.
 */
export function loadConfig(opts: { env?: Env; file?: string; overrides?: Record<string, unknown> } = {}): Config {
  const env = opts.env ?? process.env;
  const problems: string[] = [];
  let raw: Record<string, unknown> = {};
  const file = opts.file ?? env.MUSTER_CONFIG;
  if (file) {
    try {
      const parsed: unknown = parseYaml(readFileSync(file, 'utf8'));
      if (parsed !== null && parsed !== undefined) {
        if (typeof parsed !== 'object' || Array.isArray(parsed)) problems.push(`${file}: the file must hold a mapping`);
        else raw = parsed as Record<string, unknown>;
      }
    } catch (e) {
      problems.push(`${file}: ${(e as Error).message}`);
    }
  }
  for (const [name, path] of Object.entries(ENV_MAP)) {
    const value = env[name];
    if (value !== undefined && value !== '') setPath(raw, path, value);
  }
  for (const [path, value] of Object.entries(opts.overrides ?? {})) {
    if (value !== undefined) setPath(raw, path, value);
  }
  for (const name of Object.keys(env)) {
    if (
      name.startsWith('MUSTER_') &&
      !(name in ENV_MAP) &&
      name !== 'MUSTER_CONFIG' &&
      !CLIENT_VARS.has(name) &&
      !isDiagnostic(name)
    ) {
      problems.push(`${name}: unknown setting (known: ${Object.keys(ENV_MAP).join(', ')})`);
    }
  }
  const withDefaults = Value.Default(ConfigSchema, Value.Convert(ConfigSchema, raw));
  for (const err of Value.Errors(ConfigSchema, withDefaults)) {
    const path = err.path.replace(/^\//, '').replace(/\//g, '.') || '(root)';
    const envName = Object.entries(ENV_MAP).find(([, p]) => p === path)?.[0];
    problems.push(`${path}${envName ? ` (${envName})` : ''}: ${err.message}`);
  }
  if (problems.length > 0) throw new ConfigError([...new Set(problems)]);
  const config = withDefaults as Config;
  if (config.adminPassword && !config.adminEmail) {
    throw new ConfigError(['adminPassword (MUSTER_ADMIN_PASSWORD): needs MUSTER_ADMIN_EMAIL as well']);
  }
  if (!config.tlsCertFile !== !config.tlsKeyFile) {
    throw new ConfigError([
      config.tlsCertFile
        ? 'tlsKeyFile (MUSTER_TLS_KEY_FILE): needed with MUSTER_TLS_CERT_FILE'
        : 'tlsCertFile (MUSTER_TLS_CERT_FILE): needed with MUSTER_TLS_KEY_FILE',
    ]);
  }
  const scheme = config.tlsCertFile ? 'https' : 'http';
  config.publicUrl = (config.publicUrl ?? `${scheme}://${config.host}:${config.port}`).replace(/\/+$/, '');
  return config;
}

/** The test suite's diagnostic switches (src/config/diagnostics.ts); they are not settings either. */
const isDiagnostic = (name: string): boolean => (DIAGNOSTIC_VARS as readonly string[]).includes(name);
/** Variables the CLI's client mode reads; they are not server settings. */
const CLIENT_VARS = new Set(['MUSTER_URL', 'MUSTER_TOKEN', 'MUSTER_CLI_CONFIG', 'MUSTER_PASSWORD']);
