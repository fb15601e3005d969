import { type Clock, systemClock } from '../../clock.js';
import type { Keyspace, Redis } from '../../redis.js';

/**
 * chat.update is Tier 3: about 50 a minute per workspace, with short bursts allowed. One token
 * bucket in Redis for every replica: refilled one token per `UPDATE_GAP_MS`, holding at most
 * `UPDATE_BURST`, so a person's few clicks update their cards at once while a stream of updates
 * settles at the tier's rate. Background updates (the outbox's debounced ones) leave
 * `BACKGROUND_RESERVE` tokens for clicks.
 */
export const UPDATE_GAP_MS = 1100;
export const UPDATE_BURST = 8;
export const BACKGROUND_RESERVE = 3;

// Redis's clock, not the replicas': two replicas with skewed clocks still share one rate.
const TAKE = `
local cap = tonumber(ARGV[1])
local gap = tonumber(ARGV[2])
local reserve = tonumber(ARGV[3])
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local h = redis.call('HMGET', KEYS[1], 'tokens', 'at', 'holdUntil')
if h[3] and now < tonumber(h[3]) then return 0 end
local tokens = tonumber(h[1]) or cap
local at = tonumber(h[2]) or now
tokens = math.min(cap, tokens + (now - at) / gap)
local ok = 0
if tokens >= 1 + reserve then
  tokens = tokens - 1
  ok = 1
end
redis.call('HSET', KEYS[1], 'tokens', tostring(tokens), 'at', tostring(now))
redis.call('PEXPIRE', KEYS[1], math.ceil(cap * gap) + 60000)
return ok
`;

const HOLD = `
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
redis.call('HSET', KEYS[1], 'holdUntil', tostring(now + tonumber(ARGV[1])), 'tokens', '0', 'at', tostring(now))
redis.call('PEXPIRE', KEYS[1], tonumber(ARGV[1]) + 60000)
return 1
`;

export class UpdateGap {
  constructor(
    private readonly redis: Redis,
    private readonly keys: Keyspace,
    private readonly burst = UPDATE_BURST,
    private readonly sleep: (ms: number) => Promise<void> = (ms) => new Promise((r) => setTimeout(r, ms)),
    private readonly clock: Clock = systemClock,
  ) {}

  private key = () => this.keys('update-bucket');

  /** Takes an update token if one is free (beyond `reserve`, kept for clicks). */
  async take(gapMs: number, reserve = 0): Promise<boolean> {
    const ok = await this.redis.eval(
      TAKE,
      1,
      this.key(),
      String(this.burst),
      String(Math.max(1, gapMs)),
      String(reserve),
    );
    return ok === 1;
  }

  /** Waits (bounded) for an update token. */
  async waitFor(gapMs: number, timeoutMs: number): Promise<boolean> {
    const deadline = this.clock() + timeoutMs;
    for (;;) {
      if (await this.take(gapMs)) return true;
      if (this.clock() >= deadline) return false;
      await this.sleep(Math.max(20, Math.min(100, deadline - this.clock())));
    }
  }

  /** No update for `ms` (Slack's Retry-After on chat.update); the bucket starts empty after it. */
  async hold(ms: number): Promise<void> {
    await this.redis.eval(HOLD, 1, this.key(), String(Math.max(1, Math.ceil(ms))));
  }
}
