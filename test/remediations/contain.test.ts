// Contain's run() and undo with fake ECS and IAM clients: the chosen steps in the fixed order
// (hold the service, stop the task, stop the other tasks on the image, revoke the role's
// sessions), each a step run once and reported once in the thread; a resumed plan repeats
// nothing; Restore undoes what the steps stored. The evidence step is the engine's (stored here).
import { afterAll, beforeEach, describe, expect, it } from 'vitest';
import { failedOperation } from '../../src/aws/aws-call.js';
import { contain } from '../../src/remediations/contain.js';
import { REVOKE_POLICY_NAME, revokePolicyDocument } from '../../src/remediations/revoke-sessions.js';
import { stopReason } from '../../src/remediations/stop-task.js';
import { awsError } from '../helpers/fake-aws.js';
import {
  ACCOUNT,
  approvedRequest,
  DIGEST,
  type FakeWorld,
  fakeWorld,
  NOW,
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

const REQ = 'r0123456789abcdef01234567';
const ROLE = `arn:aws:iam::${ACCOUNT}:role/web-task-role`;
const CLUSTER_ARN = `arn:aws:ecs:${REGION}:${ACCOUNT}:cluster/prod`;
const OTHER = `arn:aws:ecs:${REGION}:${ACCOUNT}:task/prod/other1`;
const target = { findingId: 'f0123456789abcdef', cluster: 'prod', taskArn: TASK_ARN };
const ALL = ['revoke-sessions', 'stop-image-tasks', 'stop-task', 'hold-service'];
const task = (taskArn: string, group: string) => ({
  taskArn,
  clusterArn: CLUSTER_ARN,
  lastStatus: 'RUNNING',
  desiredStatus: 'RUNNING',
  group,
  containers: [{ name: 'app', imageDigest: DIGEST }],
});

function seed(w: FakeWorld) {
  // What the engine's evidence hook stored before run().
  w.steps.set(`${REQ}/evidence`, { ok: true, digests: [DIGEST], service: 'web', taskRoleArn: ROLE });
  w.ecs
    .on('DescribeServices', {
      services: [{ serviceName: 'web', status: 'ACTIVE', desiredCount: 2, taskDefinition: 'td:web:7' }],
    })
    .on('DescribeTasks', (i: { tasks: string[] }) => ({
      tasks: [task(TASK_ARN, 'service:web'), task(OTHER, 'family:batch')].filter((t) =>
        i.tasks.includes(t.taskArn),
      ),
    }))
    .on('ListClusters', { clusterArns: [CLUSTER_ARN] })
    .on('ListTasks', { taskArns: [TASK_ARN, OTHER] });
}

describe('contain run()', () => {
  let w: FakeWorld;
  beforeEach(() => {
    w = fakeWorld(redis);
    seed(w);
  });

  it('runs the chosen steps in the fixed order, each reported in the thread, and stores what Restore needs', async () => {
    const out = await run(w, contain, target, { steps: ALL });
    const reason = stopReason(approvedRequest(contain, target));
    // Hold first (so nothing is relaunched), then the task, then the image's other tasks.
    expect(w.ecs.ops()).toEqual([
      'DescribeServices',
      'UpdateService',
      'DescribeTasks',
      'StopTask',
      'ListClusters',
      'ListTasks',
      'DescribeTasks',
      'StopTask',
    ]);
    expect(w.ecs.inputs('UpdateService')).toEqual([{ cluster: 'prod', service: 'web', desiredCount: 0 }]);
    expect(w.ecs.inputs('StopTask')).toEqual([
      { cluster: 'prod', task: TASK_ARN, reason },
      { cluster: 'prod', task: OTHER, reason },
    ]);
    // The image digests came from the stored evidence (no DescribeTasks for them).
    expect(w.ecs.inputs('DescribeTasks')[0]).toEqual({ cluster: 'prod', tasks: [TASK_ARN] });
    expect(w.iam.inputs('PutRolePolicy')).toEqual([
      {
        RoleName: 'web-task-role',
        PolicyName: REVOKE_POLICY_NAME,
        PolicyDocument: revokePolicyDocument(NOW),
      },
    ]);
    expect(w.posts.map((p) => [p.thread_ts, p.text])).toEqual([
      ['1767000000.000100', ':white_check_mark: Contain · Hold service: prod/web held at 0 (was 2).'],
      [
        '1767000000.000100',
        expect.stringMatching(
          /^:white_check_mark: Contain · Stop task: Task stopped: RUNNING → desired STOPPED \(arn:[^)]*\)\.$/,
        ),
      ],
      [
        '1767000000.000100',
        ':white_check_mark: Contain · Stop same image: Stopped 1 other running task on the same image.',
      ],
      [
        '1767000000.000100',
        ':white_check_mark: Contain · Revoke sessions: Sessions of web-task-role issued before now are denied.',
      ],
    ]);
    expect(out).toMatchObject({
      ok: true,
      detail: {
        'step:hold-service': 'ok',
        'step:stop-task': 'ok',
        'step:stop-image-tasks': 'ok',
        'step:revoke-sessions': 'ok',
      },
      undo: {
        held: [{ cluster: 'prod', service: 'web', desiredCount: 2, taskDefinition: 'td:web:7' }],
        revoked: { roleArn: ROLE, policyName: REVOKE_POLICY_NAME, document: revokePolicyDocument(NOW) },
      },
    });
    // The service is held: the Stop task line no longer promises a replacement.
    expect(out.message).not.toContain('will start a replacement');
    expect(w.audits.filter((a) => a.event === 'step').map((a) => a.detail?.step)).toEqual([
      'hold-service',
      'stop-task',
      'stop-image-tasks',
      'revoke-sessions',
    ]);
  });

  it('a plan resumed after a failure repeats no step that was done, nor its thread reply', async () => {
    w.ecs.once('StopTask', awsError('AccessDeniedException', 'not authorized to perform ecs:StopTask'));
    const err = await run(w, contain, target, { steps: ['hold-service', 'stop-task'] }).catch(
      (e: unknown) => e,
    );
    expect(failedOperation(err)).toBe('StopTask');
    expect(w.posts).toHaveLength(1);
    const out = await run(w, contain, target, { steps: ['hold-service', 'stop-task'] });
    expect(out.ok).toBe(true);
    expect(w.ecs.inputs('UpdateService')).toHaveLength(1);
    expect(w.ecs.ops().filter((o) => o === 'StopTask')).toHaveLength(2); // the denied one, then the retry
    expect(w.posts.map((p) => p.text?.split(':')[2])).toEqual([
      ' Contain · Hold service',
      ' Contain · Stop task',
    ]);
    // Run once more: everything is stored, nothing is sent or posted.
    const calls = w.ecs.calls.length;
    await run(w, contain, target, { steps: ['hold-service', 'stop-task'] });
    expect(w.ecs.calls.length).toBe(calls);
    expect(w.posts).toHaveLength(2);
  });

  it('revoke-sessions off in the policy file: that step fails, the rest run, the outcome is not ok', async () => {
    const off = fakeWorld(redis, { revokeSessions: false });
    seed(off);
    const out = await run(off, contain, target, { steps: ['stop-task', 'revoke-sessions'] });
    expect(off.iam.calls).toEqual([]);
    expect(out.ok).toBe(false);
    expect(out.detail).toMatchObject({ 'step:stop-task': 'ok', 'step:revoke-sessions': 'failed' });
    expect(off.posts.at(-1)?.text).toBe(
      ':x: Contain · Revoke sessions: Revoking sessions is off (policy file containment.revokeSessions).',
    );
  });

  it('a task of no service: the hold step says so and holds nothing', async () => {
    w.steps.set(`${REQ}/evidence`, { ok: true, digests: [DIGEST] });
    const out = await run(w, contain, target, { steps: ['hold-service'] });
    expect(w.ecs.calls).toEqual([]);
    expect(out).toMatchObject({
      ok: true,
      message: 'Hold service: The task belongs to no service: nothing to hold.',
    });
    expect(out.undo).toBeUndefined();
  });

  it('the input needs at least one known step', () => {
    expect(contain.input.safeParse({ steps: [] }).success).toBe(false);
    expect(contain.input.safeParse({ steps: ['isolate'] }).success).toBe(false);
  });
});

describe('contain undo()', () => {
  it('restores the held service and removes the unchanged revoke policy', async () => {
    const w = fakeWorld(redis);
    const document = revokePolicyDocument(NOW);
    w.ecs.on('DescribeServices', {
      services: [{ serviceName: 'web', status: 'ACTIVE', desiredCount: 0, taskDefinition: 'td:web:7' }],
    });
    w.iam.on('GetRolePolicy', { PolicyDocument: encodeURIComponent(document) });
    const out = await undo(w, contain, {
      held: [{ cluster: 'prod', service: 'web', desiredCount: 2, taskDefinition: 'td:web:7' }],
      revoked: { roleArn: ROLE, policyName: REVOKE_POLICY_NAME, document },
    });
    expect(w.ecs.inputs('UpdateService')).toEqual([{ cluster: 'prod', service: 'web', desiredCount: 2 }]);
    expect(w.iam.ops()).toEqual(['GetRolePolicy', 'DeleteRolePolicy']);
    expect(out).toEqual({
      ok: true,
      message:
        'prod/web: desired count back to 2. web-task-role: revoke policy removed; older sessions work again until they expire.',
    });
    expect(await undo(fakeWorld(redis), contain, {})).toEqual({ ok: true, message: 'Nothing to restore.' });
  });
});
