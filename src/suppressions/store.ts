/**
 * Active suppressions (GuardDuty filters ecs-guard created), for `/ecs-guard suppressions` and the
 * sweeper. Redis, through the keyspace, one key per operation:
 *   suppression:<id>          hash: the JSON record
 *   suppressions:by-expiry    sorted set of active ids by expiry (epoch ms)
 */
import type { AppContext } from '../context.js';
import type { Criterion, SuppressScope } from './criteria.js';

export interface Suppression {
  /** The suppress request's id (also in the filter name). */
  id: string;
  filterName: string;
  accountId: string;
  region: string;
  cluster: string;
  findingType: string;
  scope: SuppressScope;
  summary: string;
  criterion: Criterion;
  reason: string;
  requesterId: string;
  approverId: string;
  createdAt: number;
  expiresAt: number;
  /** The card it was made from. */
  cardId?: string;
}

type Ctx = Pick<AppContext, 'redis' | 'keys'>;

export const SUPPRESSION_ID = /^[A-Za-z0-9_-]{6,64}$/;

export async function saveSuppression(ctx: Ctx, s: Suppression): Promise<void> {
  await ctx.redis.set(ctx.keys('suppression', s.id), JSON.stringify(s));
  await ctx.redis.zadd(ctx.keys('suppressions', 'by-expiry'), s.expiresAt, s.id);
}

export async function getSuppression(ctx: Ctx, id: string): Promise<Suppression | undefined> {
  if (!SUPPRESSION_ID.test(id)) return undefined;
  const raw = await ctx.redis.get(ctx.keys('suppression', id));
  return raw ? (JSON.parse(raw) as Suppression) : undefined;
}

/** No longer active (removed or expired): out of the index; the record is kept a week for audit links. */
export async function dropSuppression(ctx: Ctx, id: string): Promise<boolean> {
  const removed = await ctx.redis.zrem(ctx.keys('suppressions', 'by-expiry'), id);
  await ctx.redis.pexpire(ctx.keys('suppression', id), 7 * 86_400_000);
  return removed === 1;
}

/** Active suppressions, soonest expiry first. */
export async function activeSuppressions(ctx: Ctx, limit = 200): Promise<Suppression[]> {
  const ids = await ctx.redis.zrange(ctx.keys('suppressions', 'by-expiry'), 0, String(limit - 1));
  const out: Suppression[] = [];
  for (const id of ids) {
    const s = await getSuppression(ctx, id);
    if (s) out.push(s);
  }
  return out;
}

/** Ids whose expiry has passed. */
export function expiredSuppressions(ctx: Ctx, now: number, limit = 50): Promise<string[]> {
  return ctx.redis.zrangebyscore(ctx.keys('suppressions', 'by-expiry'), 0, now, 'LIMIT', 0, limit);
}
