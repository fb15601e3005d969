import { type Clock, systemClock } from '../clock.js';
import type { GatheredEcsContext } from './ecs-context.js';

/**
 * A task's ECS context for a short while (default 30 s), shared by concurrent clicks: ten people
 * pressing "ECS context" on one card cost four Describe calls, not forty. Failures are not kept.
 * Every view is still audited by the caller. A remediation that changes ECS marks the account and
 * region (ecs-freshness.ts); the caller passes that time so an older entry is read again.
 */
export class EcsContextCache {
  private readonly entries = new Map<string, { at: number; value: Promise<GatheredEcsContext> }>();

  constructor(
    private readonly ttlMs = 30_000,
    private readonly clock: Clock = systemClock,
    private readonly maxEntries = 500,
  ) {}

  /** `notBefore` (epoch ms): an entry loaded before it is stale (ecs-guard changed the task since). */
  get(key: string, load: () => Promise<GatheredEcsContext>, notBefore = 0): Promise<GatheredEcsContext> {
    const now = this.clock();
    const hit = this.entries.get(key);
    if (hit && now - hit.at < this.ttlMs && hit.at >= notBefore) return hit.value;
    const value = load();
    this.entries.set(key, { at: now, value });
    if (this.entries.size > this.maxEntries) this.entries.delete(this.entries.keys().next().value as string);
    value.then(
      (g) => {
        if (!g.context) this.forget(key, value);
      },
      () => this.forget(key, value),
    );
    return value;
  }

  private forget(key: string, value: Promise<GatheredEcsContext>): void {
    if (this.entries.get(key)?.value === value) this.entries.delete(key);
  }
}
