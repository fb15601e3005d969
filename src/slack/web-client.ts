import { LogLevel, WebClient } from '@slack/web-api';
import type { Config } from '../config.js';
import type { Logger } from '../log.js';
import type { Metrics } from '../metrics.js';
import { countedFetch } from './counted-fetch.js';

/**
 * The Web API client ecs-guard uses outside Bolt's request context (outbox, workers); with
 * `metrics`, every HTTP request it makes is counted (see counted-fetch.ts).
 * Rate-limited calls are rejected, not silently retried, so the outbox can honour `Retry-After`
 * per channel instead of blocking every channel behind one 429.
 */
export function createSlackClient(
  config: Pick<Config, 'slack'>,
  log: Logger,
  metrics?: Pick<Metrics, 'slackCalls' | 'slackRateLimited'>,
): WebClient {
  const client = new WebClient(config.slack.botToken, {
    slackApiUrl: config.slack.apiUrl,
    rejectRateLimitedCalls: true,
    retryConfig: { retries: 2, factor: 2, minTimeout: 100, maxTimeout: 1000, randomize: true },
    logLevel: LogLevel.ERROR,
    logger: slackLogger(log),
    ...(metrics ? { fetch: countedFetch(metrics) } : {}),
  });
  return client;
}

/** Slack API error code (`channel_not_found`, `invalid_blocks`, …) when there is one. */
export function slackErrorCode(err: unknown): string | undefined {
  const e = err as { code?: string; data?: { error?: string } };
  return e?.data?.error ?? e?.code;
}

/** Adapts pino to the Slack SDK's logger interface. */
export function slackLogger(log: Logger) {
  const child = log.child({ component: 'slack-sdk' });
  let level = LogLevel.INFO;
  return {
    debug: (...m: unknown[]) => child.debug(m.map(String).join(' ')),
    info: (...m: unknown[]) => child.info(m.map(String).join(' ')),
    warn: (...m: unknown[]) => child.warn(m.map(String).join(' ')),
    error: (...m: unknown[]) => child.error(m.map(String).join(' ')),
    setLevel: (l: LogLevel) => {
      level = l;
    },
    getLevel: () => level,
    setName: () => {},
  };
}
