import { UnrecoverableError, Worker } from 'bullmq';
import type { AppContext } from '../context.js';
import { createRedis } from '../redis.js';
import { remediation } from '../remediations/index.js';
import { startRequestSweeper } from '../requests/sweeper.js';
import type { Service } from '../service.js';
import type { ActionJobData } from './action-jobs.js';
import { QUEUE } from './names.js';
import { runRemediationJob } from './remediation-job.js';

export interface ActionWorkerOptions {
  concurrency?: number;
  /** How long a job's lock lasts without renewal; a crashed worker's job is recovered after it. */
  lockDurationMs?: number;
  sweepIntervalMs?: number;
}

/**
 * Runs approved requests from the actions queue — a job per attempt, named after its remediation
 * in the registry (src/remediations/index.ts) — plus the request sweeper (expiry, lost-job recovery).
 * A job of a crashed worker becomes stalled after `lockDuration` and runs again; the processors
 * are idempotent, so it completes once.
 */
export function startActionWorker(ctx: AppContext, opts: ActionWorkerOptions = {}): Service[] {
  const connection = createRedis(ctx.config, { blocking: true, name: 'ecs-guard-action-worker' });
  const lockDuration = opts.lockDurationMs ?? 15_000;
  const worker = new Worker<ActionJobData>(
    QUEUE.actions,
    async (job) => {
      if (!remediation(job.name)) throw new UnrecoverableError(`no remediation for action job "${job.name}"`);
      return runRemediationJob(ctx, job);
    },
    {
      connection,
      prefix: ctx.config.redisPrefix,
      // Jobs wait on AWS and Slack, not the CPU: enough in flight that a burst of approvals drains fast.
      concurrency: opts.concurrency ?? 16,
      lockDuration,
      stalledInterval: Math.min(lockDuration, 5_000),
      maxStalledCount: 2,
    },
  );
  worker.on('error', (err) => ctx.log.error({ err: err.message }, 'action worker error'));
  worker.on('failed', (job, err) =>
    ctx.log.warn({ jobId: job?.id, name: job?.name, err: err.message }, 'action job failed'),
  );
  worker.on('closed', () => connection.disconnect());
  const sweeper = startRequestSweeper(ctx, opts.sweepIntervalMs);
  return [{ name: 'action-worker', close: () => worker.close() }, sweeper];
}
