import type { Clock } from '../clock.js';
import type { Keyspace, Redis } from '../redis.js';

/** How one region's polling is doing, as every replica sees it (kept in Redis). */
export interface PollHealth {
  region: string;
  /** Epoch ms of the last poll that finished. */
  lastSuccessAt?: number;
  /** Epoch ms of the first failure since the last success; unset while healthy. */
  failingSince?: number;
  /** The last failure, in words for people (no principal ARNs, no credentials). */
  lastError?: string;
  lastErrorAt?: number;
  /** Failed attempts since the last success. */
  failures: number;
}

/** `failingSince` set = the region is failing now; how long, from `now`. */
export const failingForMs = (h: PollHealth, now: number): number =>
  h.failingSince === undefined ? 0 : Math.max(0, now - h.failingSince);

/**
 * Records every poll attempt's outcome per region, so a poller that fails looks failed in
 * `/ecs-guard status`, `/metrics` and `/readyz` on every replica, not only the one that ran it.
 */
export class PollHealthStore {
  constructor(
    private readonly redis: Redis,
    private readonly keys: Keyspace,
    private readonly clock: Clock,
  ) {}

  private key(region: string) {
    return this.keys('poll', 'health', region);
  }

  async recordSuccess(region: string): Promise<void> {
    await this.redis
      .multi()
      .hset(this.key(region), 'lastSuccessAt', String(this.clock()), 'failures', '0')
      .hdel(this.key(region), 'failingSince')
      .exec();
  }

  async recordFailure(region: string, error: string): Promise<void> {
    const now = String(this.clock());
    await this.redis
      .multi()
      .hsetnx(this.key(region), 'failingSince', now)
      .hset(this.key(region), 'lastError', error.slice(0, 500), 'lastErrorAt', now)
      .hincrby(this.key(region), 'failures', 1)
      .exec();
  }

  async get(region: string): Promise<PollHealth> {
    const h = await this.redis.hgetall(this.key(region));
    const num = (v: string | undefined) => (v === undefined ? undefined : Number(v));
    return {
      region,
      lastSuccessAt: num(h.lastSuccessAt),
      failingSince: num(h.failingSince),
      lastError: h.lastError,
      lastErrorAt: num(h.lastErrorAt),
      failures: Number(h.failures ?? 0),
    };
  }

  all(regions: string[]): Promise<PollHealth[]> {
    return Promise.all(regions.map((r) => this.get(r)));
  }
}
