import type { AppContext } from '../context.js';

/**
 * "ECS changed here" markers: a remediation that stops a task or changes a service in an account
 * and region records when, and every cached ECS read of that account and region (ECS context,
 * blast radius) taken before it is read again. In Redis, so every replica sees it.
 */
type Ctx = Pick<AppContext, 'redis' | 'keys' | 'clock'>;

/** Longer than any cache it invalidates. */
const MARK_TTL_MS = 10 * 60_000;

const markKey = (ctx: Ctx, accountId: string, region: string) => ctx.keys('ecs-changed', accountId, region);

export async function markEcsChanged(ctx: Ctx, accountId: string, region: string): Promise<void> {
  await ctx.redis.set(markKey(ctx, accountId, region), String(ctx.clock()), 'PX', MARK_TTL_MS);
}

/** Epoch ms of the last change ecs-guard made there (0 = none recently). */
export async function ecsChangedAt(ctx: Ctx, accountId: string, region: string): Promise<number> {
  const v = await ctx.redis.get(markKey(ctx, accountId, region));
  return v ? Number(v) || 0 : 0;
}
