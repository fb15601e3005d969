import type { AppContext } from '../context.js';
import { enqueueAction } from '../queue/action-jobs.js';
import type { Service } from '../service.js';
import { actionsDeps } from './deps.js';
import { expireRequest } from './expire.js';
import type { ActionRequest } from './store.js';

/** An approved request whose job has not finished after this long gets its job re-added. */
export const REENQUEUE_AFTER_MS = 60_000;

/** The job key of a request's execution attempt (attempt 1 keeps the bare request id). */
export const requestJobKey = (requestId: string, attempt: number) =>
  attempt > 1 ? `${requestId}-a${attempt}` : requestId;

/** Queues the job of one execution attempt of a request, run on behalf of `actorId` (the approver). */
export function enqueueRequestJob(
  ctx: Pick<AppContext, 'queues'>,
  req: Pick<ActionRequest, 'requestId' | 'action'>,
  attempt: number,
  actorId: string | undefined,
): Promise<{ jobId: string; added: boolean }> {
  return enqueueAction(ctx, {
    name: req.action,
    key: requestJobKey(req.requestId, attempt),
    data: { requestId: req.requestId, attempt, ...(actorId ? { actorId } : {}) },
  });
}

/**
 * One sweep: expires pending requests past their expiry and re-adds the job of approved
 * requests that are still not finished (a crash between approval and enqueue). Safe on every
 * replica at once: expiry is an atomic status change, and job ids are deterministic.
 */
export async function sweepRequests(ctx: AppContext): Promise<{ expired: number; requeued: number }> {
  const deps = actionsDeps(ctx);
  const now = ctx.clock();
  let expired = 0;
  for (const id of await deps.requests.dueForExpiry(now)) {
    if (await expireRequest(ctx, deps, id)) expired++;
  }
  let requeued = 0;
  for (const id of await deps.requests.approvedBefore(now - REENQUEUE_AFTER_MS)) {
    const req = await deps.requests.get(id);
    if (req?.status !== 'approved') continue;
    const r = await enqueueRequestJob(ctx, req, req.attempt, req.approverId);
    if (r.added) requeued++;
  }
  return { expired, requeued };
}

/** Runs `sweepRequests` every `intervalMs` (default 2 s) until closed. */
export function startRequestSweeper(ctx: AppContext, intervalMs = 2000): Service {
  let running: Promise<unknown> = Promise.resolve();
  let busy = false;
  const timer = setInterval(() => {
    if (busy) return;
    busy = true;
    running = sweepRequests(ctx)
      .catch((err) => ctx.log.warn({ err: (err as Error).message }, 'request sweep failed'))
      .finally(() => {
        busy = false;
      });
  }, intervalMs);
  timer.unref();
  return {
    name: 'request-sweeper',
    async close() {
      clearInterval(timer);
      await running;
    },
  };
}
