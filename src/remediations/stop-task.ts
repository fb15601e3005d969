import { DescribeTasksCommand, type ECSClient, StopTaskCommand } from '@aws-sdk/client-ecs';
import { z } from 'zod';
import { markEcsChanged } from '../aws/ecs-freshness.js';
import { describeAwsError } from '../aws/errors.js';
import { isGuardDutyAgentContainer } from '../aws/guardduty-agent.js';
import type { ActionRequest } from '../requests/store.js';
import { defineRemediation, type Outcome, type RunContext } from './types.js';

/** ECS caps StopTask's reason at 255 characters. */
export const STOP_REASON_MAX = 255;

/** The StopTask reason: names the finding, the approver and the request (used to recognise our own stop). */
export function stopReason(
  req: Pick<ActionRequest, 'findingId' | 'findingType' | 'approverId' | 'approverName' | 'requestId'>,
): string {
  const name = req.approverName?.replace(/[^\w.@+-]/g, '').slice(0, 40);
  const who = name ? `${name} (${req.approverId})` : (req.approverId ?? 'unknown');
  const tail = ` approved by ${who} [ecs-guard ${req.requestId}]`;
  const head = `GuardDuty finding ${req.findingId ?? '?'}${req.findingType ? ` ${req.findingType}` : ''}`;
  const room = STOP_REASON_MAX - tail.length;
  const cut = head.length > room ? `${head.slice(0, Math.max(0, room - 1))}…` : head;
  return `${cut}${tail}`.slice(0, STOP_REASON_MAX);
}

const gone = (awsRequestId?: string): Outcome => ({
  ok: true,
  message: 'The task was not found: it has already stopped and is gone.',
  ...(awsRequestId ? { awsRequestId } : {}),
});

/** The service a task group names (`service:NAME`). */
const serviceOf = (group: string | undefined) => (group?.startsWith('service:') ? group.slice(8) : undefined);

/**
 * Stops one task, idempotently — DescribeTasks first, so a task that is already stopped (by us
 * before a crash, or by anyone) or gone is an outcome, not a second StopTask. A task of a service
 * is replaced by the scheduler from the same image: the outcome says so (Contain holds it first).
 */
export async function stopTaskOnce(
  r: Pick<RunContext<unknown>, 'call' | 'ctx' | 'target'>,
  client: ECSClient,
  req: Parameters<typeof stopReason>[0],
  where: { cluster?: string; taskArn: string },
): Promise<Outcome> {
  const { taskArn, cluster } = where;
  const d = await r.call('DescribeTasks', () =>
    client.send(new DescribeTasksCommand({ ...(cluster ? { cluster } : {}), tasks: [taskArn] })),
  );
  const task = d.tasks?.[0];
  if (!task) return gone();
  if (task.desiredStatus === 'STOPPED' || task.lastStatus === 'STOPPED') {
    const ours = task.stoppedReason?.includes(req.requestId);
    return {
      ok: true,
      message: ours
        ? `Task stopped (status ${task.lastStatus ?? '?'}): ${task.stoppedReason ?? ''}`
        : `The task was already stopped (status ${task.lastStatus ?? '?'}${task.stoppedReason ? `, reason: ${task.stoppedReason}` : ''}); nothing to do.`,
    };
  }
  try {
    const out = await r.call('StopTask', () =>
      client.send(
        new StopTaskCommand({ ...(cluster ? { cluster } : {}), task: taskArn, reason: stopReason(req) }),
      ),
    );
    await markEcsChanged(r.ctx, r.target.accountId, r.target.region);
    const service = serviceOf(task.group);
    const digest = task.containers?.find((c) => c.imageDigest && !isGuardDutyAgentContainer(c))?.imageDigest;
    return {
      ok: true,
      message: `Task stopped: ${task.lastStatus ?? '?'} → desired ${out.task?.desiredStatus ?? 'STOPPED'} (${taskArn}).${
        service
          ? ` Its service ${service} will start a replacement from the same image${digest ? ` (${digest.slice(0, 19)}…)` : ''}: Contain holds the service first.`
          : ''
      }`,
      ...(out.$metadata.requestId ? { awsRequestId: out.$metadata.requestId } : {}),
      detail: { sdkAttempts: out.$metadata.attempts ?? 1, ...(service ? { replacedBy: service } : {}) },
    };
  } catch (err) {
    const info = describeAwsError(err, { operation: 'StopTask' });
    // The task vanished between DescribeTasks and StopTask: the goal is met.
    if (info.code === 'InvalidParameterException' && /not found/i.test(info.message))
      return gone(info.requestId);
    throw err;
  }
}

/**
 * Stop task: stops the finding's ECS task after the evidence snapshot (`containment`). For a
 * service task the approval text says the scheduler will replace it and points to Contain.
 */
export const stopTask = defineRemediation({
  name: 'stop-task',
  label: 'Stop task',
  target: 'task',
  iamActions: ['ecs:DescribeTasks', 'ecs:StopTask'],
  input: z.object({}),
  approval: { needsApproval: true, twoPerson: 'env', requesters: 'requesters' },
  containment: true,
  button: {
    actionId: 'stop_task',
    on: 'finding-card',
    style: 'danger',
    confirm: {
      title: 'Stop this task?',
      text: 'This requests a stop of the ECS task. Depending on policy an approver must confirm it.',
      button: 'Request stop',
    },
    approveText:
      'Evidence is recorded, then the task is stopped. If it belongs to a service, the service starts a replacement from the same image digest: use Contain instead to hold the service first.',
  },
  async run(r) {
    const { taskArn, cluster } = r.target;
    if (!taskArn) return { ok: false, message: 'The finding names no task.' };
    return stopTaskOnce(r, await r.ecs(), r.request, { taskArn, ...(cluster ? { cluster } : {}) });
  },
});
