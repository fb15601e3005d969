import { type Clock, systemClock } from '../clock.js';
import type { GatheredEcsContext } from './ecs-context.js';

/**
 * A task's ECS context for a short while (default 30 s), shared by concurrent clicks: ten people
 * pressing "ECS context" on one card cost four Describe calls, not forty. Failures are not kept.
 * Every view is still audited by the caller.
 */
export class EcsContextCache {
  private readonly entries = new Map<string, { at: number; value: Promise<GatheredEcsContext> }>();

  constructor(
    private readonly ttlMs = 30_000,
    private readonly clock: Clock = systemClock,
    private readonly maxEntries = 500,
  ) {}

  get(key: string, load: () => Promise<GatheredEcsContext>): Promise<GatheredEcsContext> {
    const now = this.clock();
    const hit = this.entries.get(key);
    if (hit && now - hit.at < this.ttlMs) return hit.value;
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
