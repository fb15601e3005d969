import type { Keyspace, Redis } from '../../redis.js';

/**
 * chat.update is Tier 3 (about 50 a minute per workspace): one gap between two updates, kept in
 * Redis so two replicas together keep it.
 */
export const UPDATE_GAP_MS = 1100;

export class UpdateGap {
  constructor(
    private readonly redis: Redis,
    private readonly keys: Keyspace,
    private readonly sleep: (ms: number) => Promise<void> = (ms) => new Promise((r) => setTimeout(r, ms)),
  ) {}

  private key = () => this.keys('update-gap');

  /** Takes the next update turn if it is free. */
  async take(gapMs: number): Promise<boolean> {
    return (await this.redis.set(this.key(), '1', 'PX', Math.max(1, Math.ceil(gapMs)), 'NX')) === 'OK';
  }

  /** Waits (bounded) for the next update turn. */
  async waitFor(gapMs: number, timeoutMs: number): Promise<boolean> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      if (await this.take(gapMs)) return true;
      if (Date.now() >= deadline) return false;
      const left = await this.redis.pttl(this.key());
      await this.sleep(Math.max(20, Math.min(left > 0 ? left : 50, deadline - Date.now(), 250)));
    }
  }

  /** No update for `ms` (Slack's Retry-After on chat.update). */
  async hold(ms: number): Promise<void> {
    await this.redis.set(this.key(), 'held', 'PX', Math.max(1, Math.ceil(ms)));
  }
}
