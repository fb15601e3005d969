/**
 * The actions queue's API: one job per execution attempt of a request, named after its
 * remediation (src/remediations/), run by the worker (action-worker.ts → remediation-job.ts).
 * The job id is `<name>-<key>`, so enqueuing the same key twice (double clicks, Slack retries,
 * two replicas) gives ONE job. Keys must not contain `:` and must not be digits only.
 */
import type { JobsOptions } from 'bullmq';
import type { AppContext } from '../context.js';
import { EcsGuardError, ErrorCode } from '../errors.js';

export interface ActionJobData {
  /** The request this job executes. */
  requestId?: string;
  /** Execution attempt of that request (a Retry click makes a new attempt and a new job). */
  attempt?: number;
  /** Slack user id on whose behalf the job runs (the approver; becomes SourceIdentity). */
  actorId?: string;
  /** Anything else the processor needs (small, flat, no secrets: job data is stored in clear). */
  [k: string]: unknown;
}

/** Defaults: 4 attempts with exponential backoff (1 s, 2 s, 4 s); finished jobs kept for status. */
export const ACTION_JOB_DEFAULTS: JobsOptions = {
  attempts: 4,
  backoff: { type: 'exponential', delay: 1000 },
  removeOnComplete: { age: 86_400, count: 1000 },
  removeOnFail: { age: 7 * 86_400, count: 1000 },
};

const KEY_RE = /^[A-Za-z0-9_.-]{1,200}$/;

export const actionJobId = (name: string, key: string) => `${name}-${key}`;

/**
 * Adds an action job with a deterministic id. Resolves with the job id and whether a new job was
 * added (false = a job with that id already exists, the add was a no-op).
 */
export async function enqueueAction(
  ctx: Pick<AppContext, 'queues'>,
  job: { name: string; key: string; data: ActionJobData; opts?: JobsOptions },
): Promise<{ jobId: string; added: boolean }> {
  if (!KEY_RE.test(job.key) || /^\d+$/.test(job.key) || !KEY_RE.test(job.name)) {
    throw new EcsGuardError(ErrorCode.InvalidInput, `bad action job key "${job.name}-${job.key}"`);
  }
  const jobId = actionJobId(job.name, job.key);
  const before = await ctx.queues.actions.getJob(jobId);
  const added = await ctx.queues.actions.add(job.name, job.data, {
    ...ACTION_JOB_DEFAULTS,
    ...job.opts,
    jobId,
  });
  return { jobId, added: !before && added.id === jobId };
}
