/** The production Slack client (the one inside @slack/bolt 5) pointed at the emulator. */
import { webApi } from '@slack/bolt';
import type { SlackEmulator } from '../../../sandbox/slack/index.js';

const noop = () => {};
export const silentLogger = {
  debug: noop,
  info: noop,
  warn: noop,
  error: noop,
  setLevel: noop,
  getLevel: () => webApi.LogLevel.ERROR,
  setName: noop,
};

export type WebClient = InstanceType<typeof webApi.WebClient>;

export function webClient(
  emu: SlackEmulator,
  token = emu.botToken,
  opts: webApi.WebClientOptions = {},
): WebClient {
  return new webApi.WebClient(token, {
    slackApiUrl: emu.apiUrl,
    // The tests own retries: no 30-minute default retry loop against a fault.
    retryConfig: { retries: 0 },
    rejectRateLimitedCalls: true,
    // Silent: the client logs every response_metadata [ERROR] line, which these tests provoke.
    logger: silentLogger,
    ...opts,
  });
}

/** Awaits a call that must fail with a Slack platform error; returns its `data`. */
export async function platformError(p: Promise<unknown>): Promise<Record<string, unknown>> {
  try {
    await p;
  } catch (err) {
    if (err instanceof webApi.WebAPIPlatformError) return err.data as unknown as Record<string, unknown>;
    throw err;
  }
  throw new Error('expected the call to fail with a platform error, but it succeeded');
}
