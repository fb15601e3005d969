import { type Job, UnrecoverableError } from 'bullmq';
import { describeAwsError } from '../aws/errors.js';
import type { AppContext } from '../context.js';
import { actionsDeps } from '../requests/deps.js';
import { finishRequest } from '../requests/finish.js';
import type { ActionRequest } from '../requests/store.js';
import type { ActionJobData } from './action-jobs.js';

/**
 * What a request job does when its AWS call fails: throttling/5xx → audit 'retried' and rethrow
 * (BullMQ retries with backoff) while attempts remain; anything else, or the last attempt →
 * the request fails (card shows the error, Retry when it may help) and the job fails without
 * further retries (UnrecoverableError), staying visible among failed jobs.
 */
export async function handleJobError(
  ctx: AppContext,
  job: Job<ActionJobData>,
  req: ActionRequest,
  err: unknown,
  operation: string,
): Promise<never> {
  const info = describeAwsError(err, { operation });
  const attempts = job.opts.attempts ?? 1;
  const attemptNo = job.attemptsMade + 1;
  ctx.log.warn({ err: info.logMessage, requestId: req.requestId, attempt: attemptNo }, `${operation} failed`);
  if (info.retryable && attemptNo < attempts) {
    await ctx.audit.append({
      actor: { id: 'system' },
      action: req.action,
      event: 'retried',
      target: {
        accountId: req.accountId,
        region: req.region,
        findingId: req.findingId,
        requestId: req.requestId,
        ...(req.cluster ? { cluster: req.cluster } : {}),
        ...(req.taskArn ? { taskArn: req.taskArn } : {}),
      },
      outcome: 'pending',
      reason: info.message,
      ...(info.requestId ? { awsRequestId: info.requestId } : {}),
      detail: { attempt: req.attempt, jobAttempt: attemptNo, errorCode: info.code },
    });
    ctx.metrics.actions.inc({ action: req.action, outcome: 'retried' });
    throw err instanceof Error ? err : new Error(info.message);
  }
  await finishRequest(ctx, actionsDeps(ctx), req, {
    ok: false,
    message: info.message,
    retryable: info.retryable,
    ...(info.requestId ? { awsRequestId: info.requestId } : {}),
    detail: { errorCode: info.code, jobAttempt: attemptNo },
  });
  throw new UnrecoverableError(info.message);
}
