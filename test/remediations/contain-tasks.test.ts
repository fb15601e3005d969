// Contain over many tasks (an incident's plan) with fake ECS and IAM clients: every task, service
// and role its own step in its own account; a job resumed after a failure on the second task
// stops neither the first again nor holds a service twice; Restore puts each held service back
// through its own account's client. Evidence per task is stored as the steps a run would find.
import { afterAll, beforeEach, describe, expect, it } from 'vitest';
import { failedOperation } from '../../src/aws/aws-call.js';
import { contain } from '../../src/remediations/contain.js';
import { awsError } from '../helpers/fake-aws.js';
import { ACCOUNT, DIGEST, type FakeWorld, fakeWorld, REGION, run, undo } from '../helpers/fake-run.js';
import { testRedis } from '../helpers/redis.js';

const redis = testRedis();
afterAll(async () => {
  await redis.quit();
});

const REQ = 'r0123456789abcdef01234567';
const MEMBER = '444455556666';
const arn = (acct: string, cluster: string, id: string) =>
  `arn:aws:ecs:${REGION}:${acct}:task/${cluster}/${id}`;
const TASKS = [
  { accountId: ACCOUNT, region: REGION, taskArn: arn(ACCOUNT, 'pay', 'aaa'), cluster: 'pay', service: 'api' },
  { accountId: ACCOUNT, region: REGION, taskArn: arn(ACCOUNT, 'pay', 'bbb'), cluster: 'pay', service: 'api' },
  {
    accountId: MEMBER,
    region: REGION,
    taskArn: arn(MEMBER, 'jobs', 'ccc'),
    cluster: 'jobs',
    service: 'cron',
  },
];
const target = { findingId: 'f0123456789abcdef' };
const input = { steps: ['hold-service', 'stop-task'], tasks: TASKS };

function seed(w: FakeWorld) {
  for (const t of TASKS)
    w.steps.set(`${REQ}/evidence:${t.taskArn.split('/').pop()}`, { ok: true, digests: [DIGEST] });
  w.ecs
    .on('DescribeServices', (i: { services: string[] }) => ({
      services: i.services.map((s) => ({
        serviceName: s,
        status: 'ACTIVE',
        desiredCount: 2,
        taskDefinition: `td:${s}:1`,
      })),
    }))
    .on('DescribeTasks', (i: { tasks: string[] }) => ({
      tasks: i.tasks.map((taskArn) => ({ taskArn, lastStatus: 'RUNNING', desiredStatus: 'RUNNING' })),
    }));
}

describe("contain run() over an incident's tasks", () => {
  let w: FakeWorld;
  beforeEach(() => {
    w = fakeWorld(redis);
    seed(w);
  });

  it('holds each service once and stops each task once, each in its own account', async () => {
    const out = await run(w, contain, target, input);
    expect(out.ok).toBe(true);
    expect(w.ecs.inputs('UpdateService')).toEqual([
      { cluster: 'pay', service: 'api', desiredCount: 0 },
      { cluster: 'jobs', service: 'cron', desiredCount: 0 },
    ]);
    expect((w.ecs.inputs('StopTask') as { task: string }[]).map((i) => i.task)).toEqual(
      TASKS.map((t) => t.taskArn),
    );
    // The member account's task is acted on through that account's client, as the approver.
    expect(w.identities.filter((i) => i.kind === 'ecs' && i.accountId === MEMBER)).not.toEqual([]);
    expect(w.identities.every((i) => i.sourceIdentity === 'UAPPROVER1')).toBe(true);
    expect(out.message).toContain('3 of 3 tasks stopped');
    expect(out.undo).toMatchObject({
      heldIn: [
        { accountId: ACCOUNT, cluster: 'pay', service: 'api', desiredCount: 2 },
        { accountId: MEMBER, cluster: 'jobs', service: 'cron', desiredCount: 2 },
      ],
    });
    // One thread reply per plan step, not per task.
    expect(w.posts).toHaveLength(2);
  });

  it('resumed after a failure on the second task: the first is not stopped again, no service held twice', async () => {
    w.ecs.once('StopTask', {}).once('StopTask', awsError('ThrottlingException', 'Rate exceeded'));
    const err = await run(w, contain, target, input).catch((e: unknown) => e);
    expect(failedOperation(err)).toBe('StopTask');
    const out = await run(w, contain, target, input);
    expect(out.ok).toBe(true);
    expect(w.ecs.inputs('UpdateService')).toHaveLength(2);
    const stops = (w.ecs.inputs('StopTask') as { task: string }[]).map((i) => i.task);
    // aaa once, bbb twice (throttled, then retried), ccc once.
    expect(stops).toEqual([TASKS[0]!.taskArn, TASKS[1]!.taskArn, TASKS[1]!.taskArn, TASKS[2]!.taskArn]);
  });

  it('Restore puts each held service back through its own account', async () => {
    const out = await run(w, contain, target, input);
    w.ecs.on('DescribeServices', (i: { services: string[] }) => ({
      services: i.services.map((s) => ({
        serviceName: s,
        status: 'ACTIVE',
        desiredCount: 0,
        taskDefinition: `td:${s}:1`,
      })),
    }));
    const before = w.identities.length;
    const back = await undo(w, contain, out.undo as Record<string, unknown>);
    expect(back.ok).toBe(true);
    expect(w.ecs.inputs('UpdateService').slice(-2)).toEqual([
      { cluster: 'pay', service: 'api', desiredCount: 2 },
      { cluster: 'jobs', service: 'cron', desiredCount: 2 },
    ]);
    expect(w.identities.slice(before).some((i) => i.accountId === MEMBER)).toBe(true);
  });

  it('an incident plan names at most 400 valid task ARNs', () => {
    expect(
      contain.input.safeParse({ steps: ['stop-task'], tasks: [{ ...TASKS[0], taskArn: 'arn:aws:ecs:x' }] })
        .success,
    ).toBe(false);
    expect(
      contain.input.safeParse({ steps: ['stop-task'], tasks: Array.from({ length: 401 }, () => TASKS[0]) })
        .success,
    ).toBe(false);
  });
});
