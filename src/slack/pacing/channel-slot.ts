import { randomBytes } from 'node:crypto';
import { type Clock, systemClock } from '../../clock.js';
import type { Keyspace, Redis } from '../../redis.js';

/** Slack allows about one message per second per channel; a little margin keeps us under it. */
export const POST_SLOT_MS = 1050;

/** The Redis key of a channel's post slot (the outbox's take script sets it atomically with the pop). */
export const slotKey = (keys: Keyspace, channel: string) => keys('slot', channel);

const RELEASE = `
if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) end
return 0
`;

/**
 * The cluster-wide post slot of each channel: whoever holds it may post one message there. Every
 * chat.postMessage ecs-guard makes — outbox cards, Details replies, thread replies from clicks and
 * jobs, notices — takes it first, so replicas together stay within Slack's per-channel pace.
 */
export class ChannelSlots {
  constructor(
    private readonly redis: Redis,
    private readonly keys: Keyspace,
    private readonly sleep: (ms: number) => Promise<void> = (ms) => new Promise((r) => setTimeout(r, ms)),
    private readonly clock: Clock = systemClock,
  ) {}

  /** Takes the slot for `ms` if it is free; returns the token that releases it. */
  async acquire(channel: string, ms: number): Promise<string | undefined> {
    const token = randomBytes(8).toString('hex');
    const ok = await this.redis.set(
      slotKey(this.keys, channel),
      token,
      'PX',
      Math.max(1, Math.ceil(ms)),
      'NX',
    );
    return ok === 'OK' ? token : undefined;
  }

  /** Waits (bounded) for the slot; undefined when `timeoutMs` passed without it. */
  async waitFor(channel: string, ms: number, timeoutMs: number): Promise<string | undefined> {
    const deadline = this.clock() + timeoutMs;
    for (;;) {
      const token = await this.acquire(channel, ms);
      if (token || this.clock() >= deadline) return token;
      const left = await this.redis.pttl(slotKey(this.keys, channel));
      await this.sleep(Math.max(20, Math.min(left > 0 ? left : 50, deadline - this.clock(), 250)));
    }
  }

  /** Gives the slot back early (nothing was posted) — only if it is still ours. */
  async release(channel: string, token: string): Promise<void> {
    await this.redis.eval(RELEASE, 1, slotKey(this.keys, channel), token);
  }

  /**
   * Keeps the channel closed for `ms` from now: after a post (the pace counts from when Slack got
   * it) or after a 429 (Slack's Retry-After).
   */
  async hold(channel: string, ms: number): Promise<void> {
    await this.redis.set(slotKey(this.keys, channel), 'held', 'PX', Math.max(1, Math.ceil(ms)));
  }
}
