/**
 * The one test for a Slack 429. The Web API client is built with `rejectRateLimitedCalls`, so a
 * 429 reaches ecs-guard as this error (with Slack's Retry-After, in seconds) instead of being
 * waited out inside the client, where one slow channel would stall every other.
 */
export function isRateLimited(err: unknown): err is { code: string; retryAfter: number } {
  return (err as { code?: string })?.code === 'slack_webapi_rate_limited_error';
}

/** How long Slack asked us to wait, in ms (at least one second: Slack's unit). */
export function retryAfterMs(err: { retryAfter?: number }): number {
  return Math.max(1, err.retryAfter ?? 1) * 1000;
}
