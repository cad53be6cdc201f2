import { Type, type Static } from '@sinclair/typebox';

/** The one config schema. Every field can come from the YAML file or from its MUSTER_* environment variable. */
export const ConfigSchema = Type.Object(
  {
    host: Type.String({ minLength: 1, default: '127.0.0.1', description: 'MUSTER_HOST' }),
    port: Type.Integer({ minimum: 0, maximum: 65535, default: 8080, description: 'MUSTER_PORT' }),
    publicUrl: Type.Optional(
      Type.String({ pattern: '^https?://', description: 'MUSTER_PUBLIC_URL: the URL people reach Muster at' }),
    ),
    dataDir: Type.String({ minLength: 1, default: './muster-data', description: 'MUSTER_DATA_DIR' }),
    databaseUrl: Type.Optional(
      Type.String({ pattern: '^postgres(ql)?://', description: 'DATABASE_URL: use PostgreSQL instead of SQLite' }),
    ),
    databasePoolSize: Type.Integer({ minimum: 1, maximum: 200, default: 10, description: 'MUSTER_DATABASE_POOL_SIZE' }),
    databaseNamedStatements: Type.Boolean({
      default: true,
      description:
        'MUSTER_DATABASE_NAMED_STATEMENTS: PostgreSQL parses hot statements once per connection; false behind a pooler that cannot keep named statements (PgBouncer before 1.21 in transaction mode)',
    }),
    logLevel: Type.Union(
      ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'].map((l) => Type.Literal(l)),
      { default: 'info', description: 'MUSTER_LOG_LEVEL' },
    ),
    adminEmail: Type.Optional(Type.String({ pattern: '^[^\\s@]+@[^\\s@]+$', description: 'MUSTER_ADMIN_EMAIL' })),
    adminPassword: Type.Optional(Type.String({ minLength: 12, description: 'MUSTER_ADMIN_PASSWORD' })),
    bodyLimitBytes: Type.Integer({ minimum: 1024, default: 1048576, description: 'MUSTER_BODY_LIMIT_BYTES' }),
    responseDiffsFile: Type.Optional(
      Type.String({
        minLength: 1,
        description:
          'MUSTER_RESPONSE_DIFFS: development aid; a file that gets a line for each answer whose response schema left out a field (src/http/response-check.ts)',
      }),
    ),
    metricsToken: Type.Optional(
      Type.String({
        minLength: 16,
        description: 'MUSTER_METRICS_TOKEN: bearer token Prometheus scrapes /metrics with',
      }),
    ),
    trustProxy: Type.Boolean({ default: false, description: 'MUSTER_TRUST_PROXY' }),
    tlsCertFile: Type.Optional(
      Type.String({
        minLength: 1,
        description: 'MUSTER_TLS_CERT_FILE: serve https with this PEM certificate (chain); needs MUSTER_TLS_KEY_FILE',
      }),
    ),
    tlsKeyFile: Type.Optional(
      Type.String({ minLength: 1, description: 'MUSTER_TLS_KEY_FILE: the PEM private key of MUSTER_TLS_CERT_FILE' }),
    ),
    cookieSecure: Type.Optional(
      Type.Boolean({ description: 'MUSTER_COOKIE_SECURE: default true unless the public URL is plain http' }),
    ),
    sessionTtlHours: Type.Integer({
      minimum: 1,
      maximum: 24 * 90,
      default: 24 * 14,
      description: 'MUSTER_SESSION_TTL_HOURS',
    }),
    jobs: Type.Object(
      {
        enabled: Type.Boolean({
          default: true,
          description: 'MUSTER_JOBS_ENABLED: run the job runner in this process',
        }),
        concurrency: Type.Integer({ minimum: 1, maximum: 256, default: 8, description: 'MUSTER_JOBS_CONCURRENCY' }),
        pollIntervalMs: Type.Integer({
          minimum: 10,
          maximum: 60000,
          default: 200,
          description: 'MUSTER_JOBS_POLL_INTERVAL_MS',
        }),
        leaseMs: Type.Integer({ minimum: 1000, maximum: 3600000, default: 60000, description: 'MUSTER_JOBS_LEASE_MS' }),
        diagnostics: Type.Boolean({
          default: false,
          description: 'MUSTER_JOBS_DIAGNOSTICS: enable the diagnostics.probe job kind used by crash tests',
        }),
      },
      { default: {} },
    ),
    intake: Type.Object(
      {
        maxInFlight: Type.Integer({
          minimum: 1,
          maximum: 10000,
          default: 64,
          description: 'MUSTER_INTAKE_MAX_IN_FLIGHT: alert deliveries processed at once',
        }),
        maxQueued: Type.Integer({
          minimum: 0,
          maximum: 100000,
          default: 256,
          description: 'MUSTER_INTAKE_MAX_QUEUED: deliveries waiting for a slot before intake answers 503/429',
        }),
        queueTimeoutMs: Type.Integer({
          minimum: 0,
          maximum: 60000,
          default: 5000,
          description: 'MUSTER_INTAKE_QUEUE_TIMEOUT_MS: longest wait for a slot',
        }),
        deadlineMs: Type.Integer({
          minimum: 100,
          maximum: 60000,
          default: 5000,
          description:
            'MUSTER_INTAKE_DEADLINE_MS: a delivery whose transaction has not started this long after it asked for a ' +
            'slot is refused 503 (429 on the PagerDuty API) with Retry-After, well before a client time-out of 10 s',
        }),
        parallelBatches: Type.Integer({
          minimum: 1,
          maximum: 32,
          default: 4,
          description:
            'MUSTER_INTAKE_PARALLEL_BATCHES: PostgreSQL: intake batches for different services committed at once in ' +
            'this process, each in its own transaction (SQLite has one connection: always 1)',
        }),
        payloadRetentionDays: Type.Integer({
          minimum: 1,
          maximum: 3650,
          default: 30,
          description: 'MUSTER_INTAKE_PAYLOAD_RETENTION_DAYS: how long raw received bodies are kept (alerts stay)',
        }),
      },
      { default: {} },
    ),
    smtp: Type.Optional(
      Type.Object({
        host: Type.String({ minLength: 1, description: 'MUSTER_SMTP_HOST' }),
        port: Type.Integer({ minimum: 1, maximum: 65535, default: 587, description: 'MUSTER_SMTP_PORT' }),
        secure: Type.Boolean({ default: false, description: 'MUSTER_SMTP_SECURE' }),
        user: Type.Optional(Type.String({ description: 'MUSTER_SMTP_USER' })),
        password: Type.Optional(Type.String({ description: 'MUSTER_SMTP_PASSWORD' })),
        from: Type.String({ minLength: 3, default: 'muster@localhost', description: 'MUSTER_SMTP_FROM' }),
      }),
    ),
    notify: Type.Object(
      {
        linkTtlMinutes: Type.Integer({
          minimum: 1,
          maximum: 7 * 24 * 60,
          default: 24 * 60,
          description: 'MUSTER_NOTIFY_LINK_TTL_MINUTES: how long acknowledge/resolve links in notifications work',
        }),
        timeoutMs: Type.Integer({
          minimum: 100,
          maximum: 120000,
          default: 10000,
          description: 'MUSTER_NOTIFY_TIMEOUT_MS: per request to an SMTP server, webhook or provider',
        }),
        ntfyServer: Type.String({
          pattern: '^https?://',
          default: 'https://ntfy.sh',
          description: 'MUSTER_NTFY_SERVER: ntfy server for contact methods that do not name their own',
        }),
        webPushSubject: Type.Optional(
          Type.String({
            pattern: '^(mailto:|https://)',
            description:
              'MUSTER_WEB_PUSH_SUBJECT: mailto: or https: contact push services may use about this server (VAPID); ' +
              'default the public URL when https, else mailto: the mail sender',
          }),
        ),
      },
      { default: {} },
    ),
    slack: Type.Optional(
      Type.Object({
        botToken: Type.String({
          minLength: 1,
          description: 'MUSTER_SLACK_BOT_TOKEN: xoxb-… with chat:write, im:write',
        }),
        apiUrl: Type.String({
          pattern: '^https?://',
          default: 'https://slack.com/api',
          description: 'MUSTER_SLACK_API_URL',
        }),
        signingSecret: Type.Optional(
          Type.String({
            minLength: 1,
            description: 'MUSTER_SLACK_SIGNING_SECRET: verifies Events API and interactivity requests from Slack',
          }),
        ),
        incidentChannels: Type.Boolean({
          default: false,
          description: 'MUSTER_SLACK_INCIDENT_CHANNELS: a channel per declared incident, mirrored both ways',
        }),
        interactivity: Type.Boolean({
          default: false,
          description: 'MUSTER_SLACK_INTERACTIVITY: Acknowledge / Resolve buttons on Slack pages act in place',
        }),
      }),
    ),
    twilio: Type.Optional(
      Type.Object({
        accountSid: Type.String({ minLength: 1, description: 'MUSTER_TWILIO_ACCOUNT_SID' }),
        authToken: Type.String({ minLength: 1, description: 'MUSTER_TWILIO_AUTH_TOKEN' }),
        fromNumber: Type.String({ pattern: '^\\+[1-9][0-9]{6,14}$', description: 'MUSTER_TWILIO_FROM: E.164 number' }),
        apiUrl: Type.String({
          pattern: '^https?://',
          default: 'https://api.twilio.com',
          description: 'MUSTER_TWILIO_API_URL',
        }),
      }),
    ),
  },
  { additionalProperties: false },
);

export type Config = Static<typeof ConfigSchema> & { publicUrl: string };
