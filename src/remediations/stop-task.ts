import { DescribeTasksCommand, StopTaskCommand } from '@aws-sdk/client-ecs';
import type { Job } from 'bullmq';
import { describeAwsError } from '../aws/errors.js';
import type { AppContext } from '../context.js';
import { type ActionJobData, registerActionProcessor } from '../queue/action-jobs.js';
import { handleJobError } from '../queue/job-errors.js';
import { startRequestJob } from '../queue/request-job.js';
import { finishRequest, type Outcome } from '../requests/finish.js';
import type { ActionRequest } from '../requests/store.js';

/** ECS caps StopTask's reason at 255 characters. */
export const STOP_REASON_MAX = 255;

/** The StopTask reason: names the finding, the approver and the request (used to recognise our own stop). */
export function stopReason(
  req: Pick<ActionRequest, 'findingId' | 'findingType' | 'approverId' | 'approverName' | 'requestId'>,
): string {
  const name = req.approverName?.replace(/[^\w.@+-]/g, '').slice(0, 40);
  const who = name ? `${name} (${req.approverId})` : (req.approverId ?? 'unknown');
  const tail = ` approved by ${who} [ecs-guard ${req.requestId}]`;
  const head = `GuardDuty finding ${req.findingId}${req.findingType ? ` ${req.findingType}` : ''}`;
  const room = STOP_REASON_MAX - tail.length;
  const cut = head.length > room ? `${head.slice(0, Math.max(0, room - 1))}…` : head;
  return `${cut}${tail}`.slice(0, STOP_REASON_MAX);
}

/**
 * Stops the task of an approved request, idempotently: a request already finished is only
 * completed (audit/card steps a crash may have skipped); DescribeTasks first, so a task that is
 * already stopped (by us before a crash, or by anyone) or gone is an outcome, not a second StopTask.
 */
export async function stopTaskJob(ctx: AppContext, job: Job<ActionJobData>): Promise<string> {
  const start = await startRequestJob(ctx, job);
  if (!start.run) return start.result;
  const { deps, req } = start;
  if (!req.taskArn) {
    await finishRequest(ctx, deps, req, {
      ok: false,
      message: 'The finding names no task.',
      retryable: false,
    });
    return 'no task';
  }
  let op = 'AssumeRole';
  try {
    const ecs = await ctx.aws.ecs({
      accountId: req.accountId,
      region: req.region,
      ...(req.approverId ? { sourceIdentity: req.approverId } : {}),
      purpose: 'stop-task',
    });
    const cluster = req.cluster;
    op = 'DescribeTasks';
    const d = await ecs.send(
      new DescribeTasksCommand({ ...(cluster ? { cluster } : {}), tasks: [req.taskArn] }),
    );
    const task = d.tasks?.[0];
    let outcome: Outcome;
    if (!task) {
      outcome = {
        ok: true,
        retryable: false,
        message: 'The task was not found: it has already stopped and is gone.',
      };
    } else if (task.desiredStatus === 'STOPPED' || task.lastStatus === 'STOPPED') {
      const ours = task.stoppedReason?.includes(req.requestId);
      outcome = {
        ok: true,
        retryable: false,
        message: ours
          ? `Task stopped (status ${task.lastStatus ?? '?'}): ${task.stoppedReason ?? ''}`
          : `The task was already stopped (status ${task.lastStatus ?? '?'}${task.stoppedReason ? `, reason: ${task.stoppedReason}` : ''}); nothing to do.`,
      };
    } else {
      op = 'StopTask';
      try {
        const out = await ecs.send(
          new StopTaskCommand({
            ...(cluster ? { cluster } : {}),
            task: req.taskArn,
            reason: stopReason(req),
          }),
        );
        const attempts = out.$metadata.attempts ?? 1;
        outcome = {
          ok: true,
          retryable: false,
          message: `Task stopped: ${task.lastStatus ?? '?'} → desired ${out.task?.desiredStatus ?? 'STOPPED'} (${req.taskArn}).`,
          ...(out.$metadata.requestId ? { awsRequestId: out.$metadata.requestId } : {}),
          detail: { sdkAttempts: attempts },
        };
      } catch (err) {
        const info = describeAwsError(err, { operation: 'StopTask' });
        // The task vanished between DescribeTasks and StopTask: the goal is met.
        if (info.code === 'InvalidParameterException' && /not found/i.test(String((err as Error).message))) {
          outcome = {
            ok: true,
            retryable: false,
            message: 'The task was not found: it has already stopped and is gone.',
            ...(info.requestId ? { awsRequestId: info.requestId } : {}),
          };
        } else throw err;
      }
    }
    await finishRequest(ctx, deps, req, outcome);
    return outcome.message;
  } catch (err) {
    return handleJobError(ctx, job, req, err, op);
  }
}

registerActionProcessor('stop-task', stopTaskJob);
