import { DescribeTasksCommand, type ECSClient, StopTaskCommand } from '@aws-sdk/client-ecs';
import { z } from 'zod';
import { cachedBlastRadius } from '../aws/blast-radius.js';
import { markEcsChanged } from '../aws/ecs-freshness.js';
import { taskDigests } from '../aws/task-bundle.js';
import { type HeldService, holdServices, restoreHeldServices } from './hold-service.js';
import { stopReason } from './stop-task.js';
import { defineRemediation, type Outcome, type RunContext } from './types.js';

type R = Pick<RunContext<unknown>, 'call' | 'ctx' | 'target' | 'request'>;

/** StopTask calls in flight at once (ECS allows far more; this keeps the bot polite). */
const STOP_CONCURRENCY = 10;

export interface StopImageResult {
  [k: string]: unknown;
  stopped: number;
  services: string[];
  held: HeldService[];
  complete: boolean;
  stoppedBecause?: string;
}

/**
 * Stops the other running tasks on the source task's image digests: the blast radius, read again
 * now (not the cached one on the card); the services among them are held at 0 first so nothing is
 * relaunched. Re-running it (a retried job) finds the tasks it already stopped gone from the list.
 */
export async function stopImageTasks(
  r: R,
  client: ECSClient,
  source: { taskArn: string; cluster?: string; digests?: string[] },
): Promise<StopImageResult> {
  let digests = source.digests ?? [];
  if (!digests.length) {
    const d = await r.call('DescribeTasks', () =>
      client.send(
        new DescribeTasksCommand({
          ...(source.cluster ? { cluster: source.cluster } : {}),
          tasks: [source.taskArn],
        }),
      ),
    );
    digests = taskDigests(d.tasks?.[0]);
  }
  if (!digests.length)
    return { stopped: 0, services: [], held: [], complete: false, stoppedBecause: 'no image digest known' };
  const br = await r.call('ListTasks', () =>
    cachedBlastRadius(
      r.ctx,
      client,
      { accountId: r.target.accountId, region: r.target.region, taskArn: source.taskArn, digests },
      { fresh: true },
    ),
  );
  const services = br.sameImage
    .filter((g) => g.service)
    .map((g) => ({ cluster: g.cluster, service: g.service as string }));
  const hold = await holdServices(r, client, services);
  const tasks = br.sameImage.flatMap((g) => g.taskArns.map((taskArn) => ({ cluster: g.cluster, taskArn })));
  const reason = stopReason(r.request);
  let next = 0;
  const worker = async () => {
    while (next < tasks.length) {
      const t = tasks[next++];
      if (!t) break;
      await r.call('StopTask', () =>
        client.send(new StopTaskCommand({ cluster: t.cluster, task: t.taskArn, reason })),
      );
    }
  };
  await Promise.all(Array.from({ length: Math.min(STOP_CONCURRENCY, tasks.length) }, worker));
  if (tasks.length) await markEcsChanged(r.ctx, r.target.accountId, r.target.region);
  return {
    stopped: tasks.length,
    services: services.map((s) => `${s.cluster}/${s.service}`),
    held: hold.held,
    complete: br.complete,
    ...(br.stoppedBecause ? { stoppedBecause: br.stoppedBecause } : {}),
  };
}

export function stopImageMessage(res: StopImageResult): string {
  if (res.stoppedBecause === 'no image digest known') return 'No image digest known: no other task stopped.';
  const held = res.held.length
    ? `; held ${res.held.map((h) => `${h.cluster}/${h.service}`).join(', ')} at 0`
    : '';
  const partial = res.complete ? '' : ` (blast radius incomplete: ${res.stoppedBecause ?? 'bounded'})`;
  return `Stopped ${res.stopped} other running task${res.stopped === 1 ? '' : 's'} on the same image${held}${partial}.`;
}

/** Stop the other tasks on the same image (services among them held first); Restore un-holds them. */
export const stopImageTasksRemediation = defineRemediation({
  name: 'stop-image-tasks',
  label: 'Stop tasks on the same image',
  target: 'task',
  iamActions: [
    'ecs:DescribeTasks',
    'ecs:ListClusters',
    'ecs:ListTasks',
    'ecs:DescribeTaskDefinition',
    'ecs:DescribeServices',
    'ecs:UpdateService',
    'ecs:StopTask',
  ],
  input: z.object({}),
  approval: { needsApproval: true, twoPerson: 'env', requesters: 'requesters' },
  containment: true,
  async run(r): Promise<Outcome> {
    const { taskArn, cluster } = r.target;
    if (!taskArn) return { ok: false, message: 'The finding names no task.' };
    const res = await stopImageTasks(r, await r.ecs(), { taskArn, ...(cluster ? { cluster } : {}) });
    return {
      ok: true,
      message: stopImageMessage(res),
      ...(res.held.length ? { undo: { held: res.held } } : {}),
    };
  },
  undo: restoreHeldServices,
});
