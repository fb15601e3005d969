import { type Logger, pino } from 'pino';

export type { Logger };

/**
 * Paths pino blanks out wherever they appear in a log record. Tokens, secrets and AWS
 * credentials must never reach a log line (tested in test/log.test.ts).
 */
export const REDACT_PATHS = [
  'token',
  'botToken',
  'appToken',
  'signingSecret',
  'ingestToken',
  'metricsToken',
  'externalId',
  'authorization',
  'password',
  'secretAccessKey',
  'sessionToken',
  'credentials',
  '*.token',
  '*.botToken',
  '*.appToken',
  '*.signingSecret',
  '*.ingestToken',
  '*.metricsToken',
  '*.externalId',
  '*.authorization',
  '*.password',
  '*.secretAccessKey',
  '*.SecretAccessKey',
  '*.sessionToken',
  '*.SessionToken',
  '*.credentials',
  '*.Credentials',
  'headers.authorization',
  'req.headers.authorization',
  'req.headers["x-slack-signature"]',
];

export function createLogger(opts: { level?: string; destination?: pino.DestinationStream } = {}): Logger {
  const options: pino.LoggerOptions = {
    level: opts.level ?? process.env.LOG_LEVEL ?? 'info',
    base: { service: 'ecs-guard' },
    redact: { paths: REDACT_PATHS, censor: '[redacted]' },
    timestamp: pino.stdTimeFunctions.isoTime,
    formatters: { level: (label) => ({ level: label }) },
  };
  return opts.destination ? pino(options, opts.destination) : pino(options);
}
