// Stop task's run() with a fake ECS client: what it sends (DescribeTasks first, StopTask with the
// reason naming finding, approver and request), what it answers, and which failures it throws.
import { afterAll, beforeEach, describe, expect, it } from 'vitest';
import { failedOperation } from '../../src/aws/aws-call.js';
import { ecsChangedAt } from '../../src/aws/ecs-freshness.js';
import { describeAwsError } from '../../src/aws/errors.js';
import { STOP_REASON_MAX, stopReason, stopTask } from '../../src/remediations/stop-task.js';
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
} from '../helpers/fake-run.js';
import { testRedis } from '../helpers/redis.js';

const redis = testRedis();
afterAll(async () => {
  await redis.quit();
});

const target = {
  findingId: 'f0123456789abcdef',
  findingType: 'Execution:Runtime/ReverseShell',
  cluster: 'prod',
  taskArn: TASK_ARN,
};
const runningTask = (patch: Record<string, unknown> = {}) => ({
  tasks: [
    {
      taskArn: TASK_ARN,
      lastStatus: 'RUNNING',
      desiredStatus: 'RUNNING',
      group: 'service:web',
      containers: [
        {
          name: 'aws-guardduty-agent-abc',
          image: '593207742271.dkr.ecr.us-east-1.amazonaws.com/aws-guardduty-agent-fargate:v1.5.0',
          imageDigest: `sha256:${'99'.repeat(32)}`,
        },
        { name: 'app', imageDigest: DIGEST },
      ],
      ...patch,
    },
  ],
});

describe('stop-task run()', () => {
  let w: FakeWorld;
  beforeEach(() => {
    w = fakeWorld(redis);
  });

  it('describes the task, then stops it with a reason naming finding, approver and request', async () => {
    w.ecs.on('DescribeTasks', runningTask()).on('StopTask', { task: { desiredStatus: 'STOPPED' } });
    const out = await run(w, stopTask, target);
    expect(w.ecs.ops()).toEqual(['DescribeTasks', 'StopTask']);
    expect(w.ecs.inputs('DescribeTasks')).toEqual([{ cluster: 'prod', tasks: [TASK_ARN] }]);
    const [stop] = w.ecs.inputs('StopTask');
    expect(stop).toEqual({
      cluster: 'prod',
      task: TASK_ARN,
      reason: stopReason(approvedRequest(stopTask, target)),
    });
    expect(stop.reason).toBe(
      'GuardDuty finding f0123456789abcdef Execution:Runtime/ReverseShell approved by alice (UAPPROVER1) [ecs-guard r0123456789abcdef01234567]',
    );
    expect(out).toMatchObject({
      ok: true,
      awsRequestId: 'rid-StopTask-2',
      detail: { sdkAttempts: 1, replacedBy: 'web' },
    });
    // A service task comes back from the same image: the outcome says so, with the app's digest (not the agent's).
    expect(out.message).toContain(
      'Its service web will start a replacement from the same image (sha256:abababababab…)',
    );
    expect(out.retryable).toBeUndefined();
    expect(out.undo).toBeUndefined();
    // As the approver, in the target account and region; ECS there is marked changed (caches re-read).
    expect(w.identities).toEqual([
      { kind: 'ecs', accountId: ACCOUNT, region: REGION, sourceIdentity: 'UAPPROVER1', purpose: 'stop-task' },
    ]);
    expect(await ecsChangedAt(w.ctx, ACCOUNT, REGION)).toBe(w.ctx.clock());
  });

  it('a standalone task: no replacement line, no replacedBy', async () => {
    w.ecs.on('DescribeTasks', runningTask({ group: 'family:batch' }));
    const out = await run(w, stopTask, target);
    expect(out.ok).toBe(true);
    expect(out.message).toMatch(/^Task stopped: RUNNING → desired STOPPED \(arn:aws:ecs:.*\)\.$/);
    expect(out.detail).toEqual({ sdkAttempts: 1 });
  });

  it('a task already stopped by someone else is an outcome, not a second StopTask', async () => {
    w.ecs.on(
      'DescribeTasks',
      runningTask({ lastStatus: 'STOPPED', desiredStatus: 'STOPPED', stoppedReason: 'Scaling' }),
    );
    const out = await run(w, stopTask, target);
    expect(w.ecs.ops()).toEqual(['DescribeTasks']);
    expect(out).toEqual({
      ok: true,
      message: 'The task was already stopped (status STOPPED, reason: Scaling); nothing to do.',
    });
    expect(await ecsChangedAt(w.ctx, ACCOUNT, REGION)).toBe(0);
  });

  it('a re-run after a crash finds its own stop (reason names the request) and reports it as done', async () => {
    const reason = stopReason(approvedRequest(stopTask, target));
    w.ecs.on(
      'DescribeTasks',
      runningTask({ lastStatus: 'DEPROVISIONING', desiredStatus: 'STOPPED', stoppedReason: reason }),
    );
    const out = await run(w, stopTask, target);
    expect(w.ecs.ops()).toEqual(['DescribeTasks']);
    expect(out).toEqual({ ok: true, message: `Task stopped (status DEPROVISIONING): ${reason}` });
  });

  it('a task that is gone (DescribeTasks, or StopTask "not found") has met the goal', async () => {
    w.ecs.on('DescribeTasks', { tasks: [], failures: [{ arn: TASK_ARN, reason: 'MISSING' }] });
    expect(await run(w, stopTask, target)).toEqual({
      ok: true,
      message: 'The task was not found: it has already stopped and is gone.',
    });
    const v = fakeWorld(redis);
    v.ecs.on('DescribeTasks', runningTask()).on(
      'StopTask',
      awsError('InvalidParameterException', 'The referenced task was not found.', {
        requestId: 'rid-gone',
      }),
    );
    expect(await run(v, stopTask, target)).toEqual({
      ok: true,
      message: 'The task was not found: it has already stopped and is gone.',
      awsRequestId: 'rid-gone',
    });
  });

  it('AccessDenied on StopTask is thrown (the engine fails it at once), naming the operation and the IAM action', async () => {
    w.ecs
      .on('DescribeTasks', runningTask())
      .on(
        'StopTask',
        awsError(
          'AccessDeniedException',
          'User: arn:aws:sts::111122223333:assumed-role/EcsGuardMember/UAPPROVER1 is not authorized to perform: ecs:StopTask',
        ),
      );
    const err = await run(w, stopTask, target).catch((e: unknown) => e);
    expect(failedOperation(err)).toBe('StopTask');
    const info = describeAwsError(err, { operation: 'StopTask' });
    expect(info).toMatchObject({ code: 'AccessDeniedException', accessDenied: true, retryable: false });
    expect(info.message).toContain('the role needs ecs:StopTask');
    expect(info.message).not.toContain('assumed-role/EcsGuardMember');
    expect((err as Error).message).toContain(`StopTask in ${ACCOUNT}/${REGION} failed`);
  });

  it('throttling on DescribeTasks is thrown as retryable, before any StopTask', async () => {
    w.ecs.on('DescribeTasks', awsError('ThrottlingException', 'Rate exceeded'));
    const err = await run(w, stopTask, target).catch((e: unknown) => e);
    expect(failedOperation(err)).toBe('DescribeTasks');
    expect(describeAwsError(err).retryable).toBe(true);
    expect(w.ecs.ops()).toEqual(['DescribeTasks']);
  });

  it('a request without a task is a failed outcome, with no AWS call', async () => {
    const out = await run(w, stopTask, { cluster: 'prod' });
    expect(out).toEqual({ ok: false, message: 'The finding names no task.' });
    expect(w.ecs.calls).toEqual([]);
    expect(w.identities).toEqual([]);
  });

  it('stopReason stays within ECS’s 255 characters and keeps the request id whole', () => {
    const r = stopReason({
      findingId: 'f'.repeat(300),
      findingType: 'Execution:Runtime/ReverseShell',
      approverId: 'UAPPROVER1',
      approverName: 'al<i>ce "x"',
      requestId: 'r0123456789abcdef01234567',
    });
    expect(r).toHaveLength(STOP_REASON_MAX);
    expect(r.endsWith('… approved by alicex (UAPPROVER1) [ecs-guard r0123456789abcdef01234567]')).toBe(true);
  });
});
