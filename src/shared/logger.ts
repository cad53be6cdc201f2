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

/** Fields holding a URL: logged with the secrets in them replaced (redactUrl), not dropped. */
export const URL_PATHS = ['url', '*.url', 'req.url', 'href', '*.href'];

export function createLogger(opts: { level: string; pretty?: boolean; destination?: NodeJS.WritableStream }): Logger {
  const options: LoggerOptions = {
    level: opts.level,
    redact: {
      paths: [...REDACT_PATHS, ...URL_PATHS],
      censor: (value: unknown, path: string[]) => {
        const field = path[path.length - 1];
        if (field === 'url' || field === 'href') return typeof value === 'string' ? redactUrl(value) : value;
        return '[redacted]';
      },
    },
    base: { pid: process.pid },
    timestamp: pino.stdTimeFunctions.isoTime,
  };
  return opts.destination ? pino(options, opts.destination) : pino(options);
}

/**
 * Strip credentials from URLs before they are logged: postgres://user:pass@host, an integration key in an intake path
 * (/integrations/<source>/<key>), a one-click action link (/a/<token>), and tokens, keys and codes in the query
 * (calendar feeds' ?token=, status-page confirm and unsubscribe links) or the fragment (sign-in links' #token=).
 */
export function redactUrl(url: string): string {
  return url
    .replace(/\/\/([^:/@]+):([^@/]+)@/, '//$1:[redacted]@')
    .replace(/\/(integrations\/(?:alertmanager|grafana|generic))\/[^/?#]+/i, '/$1/[redacted]')
    .replace(/(^|\/\/[^/]*|^[^/]*)\/a\/[^?#]+/i, '$1/a/[redacted]')
    .replace(/([?&#](token|key|routing_key|code|secret|signature|sig)=)[^&#]+/gi, '$1[redacted]');
}
