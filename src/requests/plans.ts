/**
 * Stored enable/disable plans. The Confirm button carries only the plan id; everything else is
 * read back from Redis on click (never from the button). A plan is decided once (SET NX).
 */
import { randomBytes } from 'node:crypto';
import type { AppContext } from '../context.js';

export type CoverageAction = 'enable' | 'disable';

export interface CoveragePlan {
  planId: string;
  action: CoverageAction;
  accountId: string;
  region: string;
  cluster: string;
  clusterArn: string;
  insights: boolean;
  requester: string;
  channelId: string;
  /** GuardDutyManaged tag value before the plan ('' = no tag). */
  tagBefore: string;
  createdAt: number;
  expiresAt: number;
}

export interface PlanDecision {
  status: 'confirmed' | 'cancelled';
  by: string;
  at: number;
}

const PLAN_ID = /^p[0-9a-f]{24}$/;
export const newPlanId = () => `p${randomBytes(12).toString('hex')}`;
export const isPlanId = (v: unknown): v is string => typeof v === 'string' && PLAN_ID.test(v);

const planKey = (ctx: AppContext, id: string) => ctx.keys('coverage-plan', id);
const decisionKey = (ctx: AppContext, id: string) => ctx.keys('coverage-plan', id, 'decision');
const pendingKey = (ctx: AppContext) => ctx.keys('coverage-plans', 'pending');

export async function savePlan(ctx: AppContext, plan: CoveragePlan): Promise<void> {
  const ttl = Math.max(1, Math.ceil((plan.expiresAt - ctx.clock()) / 1000));
  await ctx.redis
    .multi()
    .set(planKey(ctx, plan.planId), JSON.stringify(plan), 'EX', ttl)
    .zadd(pendingKey(ctx), plan.expiresAt, plan.planId)
    .exec();
}

/** The plan, or undefined when the id is forged, unknown or expired. */
export async function getPlan(ctx: AppContext, planId: unknown): Promise<CoveragePlan | undefined> {
  if (!isPlanId(planId)) return undefined;
  const raw = await ctx.redis.get(planKey(ctx, planId));
  if (!raw) return undefined;
  const plan = JSON.parse(raw) as CoveragePlan;
  return plan.expiresAt > ctx.clock() ? plan : undefined;
}

/** Records the decision if none was made; returns the decision that stands. */
export async function decidePlan(
  ctx: AppContext,
  plan: CoveragePlan,
  d: PlanDecision,
): Promise<{ won: boolean; decision: PlanDecision }> {
  const ttl = Math.max(60, Math.ceil((plan.expiresAt - ctx.clock()) / 1000) + 86_400);
  const ok = await ctx.redis.set(decisionKey(ctx, plan.planId), JSON.stringify(d), 'EX', ttl, 'NX');
  if (ok === 'OK') {
    await ctx.redis.zrem(pendingKey(ctx), plan.planId);
    return { won: true, decision: d };
  }
  const raw = await ctx.redis.get(decisionKey(ctx, plan.planId));
  return { won: false, decision: raw ? (JSON.parse(raw) as PlanDecision) : d };
}

/** Plans waiting for a Confirm (not decided, not expired). */
export async function pendingPlanCount(ctx: AppContext): Promise<number> {
  const now = ctx.clock();
  await ctx.redis.zremrangebyscore(pendingKey(ctx), '-inf', now);
  return ctx.redis.zcard(pendingKey(ctx));
}
