import type { AppContext } from '../context.js';
import { intervalService, type Service } from '../service.js';
import { sweepSuppressions } from '../suppressions/sweep.js';
import { expireRequest } from './expire.js';
import { enqueueRequestJob } from './submit.js';

/** An approved request whose job has not finished after this long gets its job re-added. */
export const REENQUEUE_AFTER_MS = 60_000;

/**
 * One sweep: expires pending requests past their expiry and re-adds the job of approved
 * requests that are still not finished (a crash between approval and enqueue). Safe on every
 * replica at once: expiry is an atomic status change, and job ids are deterministic.
 */
export async function sweepRequests(ctx: AppContext): Promise<{ expired: number; requeued: number }> {
  const now = ctx.clock();
  let expired = 0;
  for (const id of await ctx.requests.dueForExpiry(now)) {
    if (await expireRequest(ctx, id)) expired++;
  }
  let requeued = 0;
  for (const id of await ctx.requests.approvedBefore(now - REENQUEUE_AFTER_MS)) {
    const req = await ctx.requests.get(id);
    if (req?.status !== 'approved') continue;
    // A request with a cancel window keeps it: its lost job comes back delayed, not early.
    const delay = req.runAt && req.attempt === 1 ? Math.max(0, req.runAt - now) : 0;
    const r = await enqueueRequestJob(ctx, req, req.attempt, req.approverId, delay || undefined);
    if (r.added) requeued++;
  }
  // Suppressions past their expiry: their GuardDuty filter is deleted (an undo request).
  expired += await sweepSuppressions(ctx, now);
  return { expired, requeued };
}

/** Runs `sweepRequests` every `intervalMs` (default 2 s) until closed. */
export function startRequestSweeper(ctx: AppContext, intervalMs = 2000): Service {
  return intervalService('request-sweeper', intervalMs, () => sweepRequests(ctx), {
    onError: (err) => ctx.log.warn({ err: (err as Error).message }, 'request sweep failed'),
  });
}
