// Stop tasks on the same image: run() with a fake ECS client. The blast radius is read fresh,
// services among it are held at 0 before any StopTask, every other running task on the digest is
// stopped with the request's reason, and Restore un-holds the services.
import { afterAll, beforeEach, describe, expect, it } from 'vitest';
import { failedOperation } from '../../src/aws/aws-call.js';
import { ecsChangedAt } from '../../src/aws/ecs-freshness.js';
import { stopImageTasksRemediation } from '../../src/remediations/stop-image-tasks.js';
import { stopReason } from '../../src/remediations/stop-task.js';
import { awsError } from '../helpers/fake-aws.js';
import {
  ACCOUNT,
  approvedRequest,
  DIGEST,
  type FakeWorld,
  fakeWorld,
  REGION,
  run,
  TASK_ARN,
  undo,
} from '../helpers/fake-run.js';
import { testRedis } from '../helpers/redis.js';

const redis = testRedis();
afterAll(async () => {
  await redis.quit();
});

const CLUSTER_ARN = `arn:aws:ecs:${REGION}:${ACCOUNT}:cluster/prod`;
const arn = (id: string) => `arn:aws:ecs:${REGION}:${ACCOUNT}:task/prod/${id}`;
const task = (taskArn: string, digest: string, group?: string) => ({
  taskArn,
  clusterArn: CLUSTER_ARN,
  lastStatus: 'RUNNING',
  desiredStatus: 'RUNNING',
  ...(group ? { group } : {}),
  containers: [{ name: 'app', imageDigest: digest }],
});
const OTHER = `sha256:${'cd'.repeat(32)}`;
const estate = [
  task(TASK_ARN, DIGEST, 'service:web'),
  task(arn('o1'), DIGEST, 'service:web'),
  task(arn('o2'), DIGEST, 'family:batch'),
  task(arn('o3'), OTHER, 'service:api'),
];
const target = { cluster: 'prod', taskArn: TASK_ARN, findingId: 'f0123456789abcdef' };

function seed(w: FakeWorld) {
  w.ecs
    .on('DescribeTasks', (i: { tasks: string[] }) => ({
      tasks: estate.filter((t) => i.tasks.includes(t.taskArn)),
    }))
    .on('ListClusters', { clusterArns: [CLUSTER_ARN] })
    .on('ListTasks', { taskArns: estate.map((t) => t.taskArn) })
    .on('DescribeServices', {
      services: [{ serviceName: 'web', status: 'ACTIVE', desiredCount: 2, taskDefinition: 'td:web:7' }],
    });
}

describe('stop-image-tasks run()', () => {
  let w: FakeWorld;
  beforeEach(() => {
    w = fakeWorld(redis);
  });

  it('holds the services on the image first, then stops every other task on it with the request reason', async () => {
    seed(w);
    const out = await run(w, stopImageTasksRemediation, target);
    const ops = w.ecs.ops();
    // The source task's digests, the fresh blast radius, the hold, then the stops.
    expect(ops.slice(0, 6)).toEqual([
      'DescribeTasks',
      'ListClusters',
      'ListTasks',
      'DescribeTasks',
      'DescribeServices',
      'UpdateService',
    ]);
    expect(ops.slice(6).sort()).toEqual(['StopTask', 'StopTask']);
    expect(w.ecs.inputs('DescribeTasks')[0]).toEqual({ cluster: 'prod', tasks: [TASK_ARN] });
    expect(w.ecs.inputs('ListTasks')[0]).toMatchObject({ cluster: CLUSTER_ARN, desiredStatus: 'RUNNING' });
    expect(w.ecs.inputs('UpdateService')).toEqual([{ cluster: 'prod', service: 'web', desiredCount: 0 }]);
    const reason = stopReason(approvedRequest(stopImageTasksRemediation, target));
    expect(w.ecs.inputs('StopTask').sort((a, b) => a.task.localeCompare(b.task))).toEqual([
      { cluster: 'prod', task: arn('o1'), reason },
      { cluster: 'prod', task: arn('o2'), reason },
    ]);
    expect(out).toEqual({
      ok: true,
      message: 'Stopped 2 other running tasks on the same image; held prod/web at 0.',
      undo: { held: [{ cluster: 'prod', service: 'web', desiredCount: 2, taskDefinition: 'td:web:7' }] },
    });
    expect(await ecsChangedAt(w.ctx, ACCOUNT, REGION)).toBe(w.ctx.clock());
  });

  it('no other task on the image: nothing held, nothing stopped, no undo state', async () => {
    seed(w);
    w.ecs.on('ListTasks', { taskArns: [TASK_ARN, arn('o3')] });
    const out = await run(w, stopImageTasksRemediation, target);
    expect(w.ecs.ops()).not.toContain('StopTask');
    expect(w.ecs.ops()).not.toContain('UpdateService');
    expect(out).toEqual({ ok: true, message: 'Stopped 0 other running tasks on the same image.' });
  });

  it('a source task without a known digest stops nothing', async () => {
    w.ecs.on('DescribeTasks', { tasks: [] });
    const out = await run(w, stopImageTasksRemediation, target);
    expect(w.ecs.ops()).toEqual(['DescribeTasks']);
    expect(out).toEqual({ ok: true, message: 'No image digest known: no other task stopped.' });
  });

  it('a StopTask throttled midway is thrown (retryable); the services were held before', async () => {
    seed(w);
    w.ecs.on('StopTask', awsError('ThrottlingException', 'Rate exceeded'));
    const err = await run(w, stopImageTasksRemediation, target).catch((e: unknown) => e);
    expect(failedOperation(err)).toBe('StopTask');
    expect(w.ecs.ops().indexOf('UpdateService')).toBeLessThan(w.ecs.ops().indexOf('StopTask'));
  });

  it('no task on the finding is a failed outcome, with no AWS call', async () => {
    expect(await run(w, stopImageTasksRemediation, { cluster: 'prod' })).toEqual({
      ok: false,
      message: 'The finding names no task.',
    });
    expect(w.ecs.calls).toEqual([]);
  });

  it('undo puts the held services back (UpdateService with the stored count)', async () => {
    w.ecs.on('DescribeServices', {
      services: [{ serviceName: 'web', status: 'ACTIVE', desiredCount: 0, taskDefinition: 'td:web:7' }],
    });
    const out = await undo(w, stopImageTasksRemediation, {
      held: [{ cluster: 'prod', service: 'web', desiredCount: 2, taskDefinition: 'td:web:7' }],
    });
    expect(w.ecs.inputs('UpdateService')).toEqual([{ cluster: 'prod', service: 'web', desiredCount: 2 }]);
    expect(out).toEqual({ ok: true, message: 'prod/web: desired count back to 2.' });
  });
});
