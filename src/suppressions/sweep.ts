/**
 * Expired suppressions: their filter is deleted by the Restore (undo) of the Suppress similar
 * request, made by ecs-guard itself — decided once (claimRestore), audited, queued like a Remove.
 * Safe on every replica at once. Runs from the request sweeper.
 */
import type { AppContext } from '../context.js';
import { ECS_GUARD_ACTOR, enqueueRequestJob, submitUndo } from '../requests/submit.js';
import { requestTarget } from '../requests/target.js';
import { dropSuppression, expiredSuppressions } from './store.js';

export async function sweepSuppressions(ctx: AppContext, now = ctx.clock()): Promise<number> {
  let n = 0;
  for (const id of await expiredSuppressions(ctx, now)) {
    const req = await ctx.requests.get(id);
    if (!req?.undoState || req.status !== 'executed') {
      // Nothing ecs-guard can undo (a record without its request): out of the list.
      if (!req) await dropSuppression(ctx, id);
      continue;
    }
    const r = await submitUndo(ctx, req, ECS_GUARD_ACTOR);
    if (!r) continue; // already being removed (Remove, Restore, or another replica)
    await ctx.audit.append({
      actor: ECS_GUARD_ACTOR,
      action: r.action,
      event: 'approved',
      target: requestTarget(r),
      outcome: 'ok',
      reason: 'suppression expired',
      detail: { mode: 'undo', undoOf: req.requestId },
    });
    await enqueueRequestJob(ctx, r, 1, ECS_GUARD_ACTOR.id);
    n++;
  }
  return n;
}
