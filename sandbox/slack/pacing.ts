/**
 * chat.postMessage pacing per channel, modelled as a token bucket.
 *
 * Slack documents "one message per second per channel" with "short bursts above 1 allowed" but
 * gives no burst size (docs.slack.dev/apis/web-api/rate-limits). We pick a bucket of `burst`
 * tokens (default 2) refilled at `perSecond` (default 1): two posts may go back to back, after
 * that one per second. A bot that paces itself at 1/s therefore never sees a 429 here, and one
 * that fires a burst of 10 does. Both numbers are configurable.
 */
import type { Clock } from '../../src/clock.js';

export interface PacingOptions {
  /** Bucket capacity: posts allowed back to back. Default 2. */
  burst?: number;
  /** Sustained refill rate in posts per second. Default 1. */
  perSecond?: number;
  /** false turns pacing off (no 429s from pacing; fault injection still works). */
  enabled?: boolean;
}

export type PacingDecision = { ok: true } | { ok: false; retryAfterSeconds: number };

interface Bucket {
  tokens: number;
  at: number;
}

export class ChannelPacer {
  private readonly burst: number;
  private readonly perSecond: number;
  private readonly enabled: boolean;
  private readonly buckets = new Map<string, Bucket>();

  constructor(
    opts: PacingOptions = {},
    private readonly clock: Clock = Date.now,
  ) {
    this.burst = opts.burst ?? 2;
    this.perSecond = opts.perSecond ?? 1;
    this.enabled = opts.enabled ?? true;
  }

  /** Takes a token for `key` if one is available; otherwise says how long until the next one. */
  take(key: string): PacingDecision {
    if (!this.enabled) return { ok: true };
    const now = this.clock();
    const b = this.buckets.get(key) ?? { tokens: this.burst, at: now };
    b.tokens = Math.min(this.burst, b.tokens + ((now - b.at) / 1000) * this.perSecond);
    b.at = now;
    this.buckets.set(key, b);
    if (b.tokens >= 1) {
      b.tokens -= 1;
      return { ok: true };
    }
    const waitSeconds = (1 - b.tokens) / this.perSecond;
    // Slack's Retry-After is whole seconds; never tell a client to retry immediately.
    return { ok: false, retryAfterSeconds: Math.max(1, Math.ceil(waitSeconds)) };
  }

  reset(): void {
    this.buckets.clear();
  }
}

/** Highest number of times in any window of `windowMs` (half-open: [t, t + windowMs)). */
export function maxInWindow(times: readonly number[], windowMs = 1000): number {
  const sorted = [...times].sort((a, b) => a - b);
  let best = 0;
  let start = 0;
  for (let end = 0; end < sorted.length; end++) {
    while ((sorted[end] as number) - (sorted[start] as number) >= windowMs) start++;
    best = Math.max(best, end - start + 1);
  }
  return best;
}
