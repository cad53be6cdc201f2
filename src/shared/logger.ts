import { pino, type Logger, type LoggerOptions } from 'pino';

export type { Logger };

/** Paths whose values never reach a log line: credentials, tokens, cookies, integration keys. */
export const REDACT_PATHS = [
  'req.headers.authorization',
  'req.headers.cookie',
  'req.headers["x-csrf-token"]',
  'req.headers["x-routing-key"]',
  'res.headers["set-cookie"]',
  'password',
  '*.password',
  'token',
  '*.token',
  'secret',
  '*.secret',
  'routing_key',
  '*.routing_key',
  'config.secretKey',
  'config.adminPassword',
  'config.databaseUrl',
  'config.metricsToken',
  'config.smtp.password',
  'config.slack.botToken',
  'config.twilio.authToken',
];

export function createLogger(opts: { level: string; pretty?: boolean; destination?: NodeJS.WritableStream }): Logger {
  const options: LoggerOptions = {
    level: opts.level,
    redact: { paths: REDACT_PATHS, censor: '[redacted]' },
    base: { pid: process.pid },
    timestamp: pino.stdTimeFunctions.isoTime,
  };
  return opts.destination ? pino(options, opts.destination) : pino(options);
}

/** Strip credentials from URLs before they are logged (postgres://user:pass@host, /integrations/<key>). */
export function redactUrl(url: string): string {
  return url
    .replace(/\/\/([^:/@]+):([^@/]+)@/, '//$1:[redacted]@')
    .replace(/\/(integrations\/[a-z0-9-]+)\/[^/?#]+/i, '/$1/[redacted]')
    .replace(/([?&](token|key|routing_key)=)[^&#]+/gi, '$1[redacted]');
}
