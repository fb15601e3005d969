import type { Job } from 'bullmq';
import type { AppContext } from '../context.js';
import { type ActionsDeps, actionsDeps } from '../requests/deps.js';
import { completeFinish } from '../requests/finish.js';
import type { ActionRequest } from '../requests/store.js';
import type { ActionJobData } from './action-jobs.js';

/** Either the approved request a job should act on, or the job's result without acting. */
export type RequestJobStart =
  | { run: true; deps: ActionsDeps; req: ActionRequest }
  | { run: false; result: string };

/**
 * The prologue every request job (stop-task, archive) shares, so a re-run is harmless: an unknown
 * request is a no-op; one already finished is only completed (audit/card steps a crash may have
 * skipped); one no longer approved, or a job of an older attempt, is stale.
 */
export async function startRequestJob(ctx: AppContext, job: Job<ActionJobData>): Promise<RequestJobStart> {
  const deps = actionsDeps(ctx);
  const req = await deps.requests.get(String(job.data.requestId));
  if (!req) return { run: false, result: 'unknown request' };
  if (req.status === 'executed' || req.status === 'failed') {
    await completeFinish(ctx, deps, req);
    return { run: false, result: `already ${req.status}` };
  }
  if (req.status !== 'approved' || req.attempt !== Number(job.data.attempt ?? 1))
    return { run: false, result: `stale (${req.status})` };
  return { run: true, deps, req };
}
