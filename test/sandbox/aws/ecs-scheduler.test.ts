import {
  DescribeServicesCommand,
  DescribeTasksCommand,
  InvalidParameterException,
  ListTasksCommand,
  StopTaskCommand,
  UpdateServiceCommand,
} from '@aws-sdk/client-ecs';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import {
  type AwsEmulator,
  addService,
  addTask,
  flushScheduler,
  type SeededService,
  startAwsEmulator,
} from '../../../sandbox/aws/index.js';
import { waitFor } from '../../helpers/wait.js';
import { sdkClients } from './clients.js';

const REGION = 'us-east-1';
let emu: AwsEmulator;
let c: ReturnType<typeof sdkClients>;
let n = 0;

beforeAll(async () => {
  emu = await startAwsEmulator();
  c = sdkClients(emu, REGION);
});
afterAll(async () => {
  c.destroy();
  await emu.close();
});
beforeEach(() => {
  emu.state.scheduler.delayMs = 1000;
});

/** A fresh service in its own cluster, so tests do not see each other's tasks. */
function service(taskCount = 2, image = `123.dkr.ecr.${REGION}.amazonaws.com/app:${++n}`): SeededService {
  return addService(emu.state, {
    accountId: emu.homeAccountId,
    region: REGION,
    cluster: `c${++n}`,
    service: `svc${n}`,
    image,
    taskCount,
  });
}

const running = async (s: SeededService) =>
  (
    await c.ecs.send(
      new ListTasksCommand({ cluster: s.cluster.clusterName, serviceName: s.service.serviceName }),
    )
  ).taskArns ?? [];

describe('service scheduler', () => {
  it('starts a replacement from the same task definition and digest after a StopTask, a moment later', async () => {
    const s = service(2);
    const [victim] = s.tasks;
    if (!victim) throw new Error('seed');
    await c.ecs.send(
      new StopTaskCommand({ cluster: s.cluster.clusterName, task: victim.taskArn, reason: 'x' }),
    );
    // Like ECS, not inside the call: right after it the service is one short.
    expect(await running(s)).toHaveLength(1);
    const d0 = await c.ecs.send(
      new DescribeServicesCommand({ cluster: s.cluster.clusterName, services: [s.service.serviceName] }),
    );
    expect(d0.services?.[0]).toMatchObject({ desiredCount: 2, runningCount: 1 });
    await waitFor(async () => (await running(s)).length === 2, { timeoutMs: 3000 });
    const arns = await running(s);
    expect(arns).not.toContain(victim.taskArn);
    const d = await c.ecs.send(new DescribeTasksCommand({ cluster: s.cluster.clusterName, tasks: arns }));
    const fresh = d.tasks?.find((t) => !s.tasks.some((o) => o.taskArn === t.taskArn));
    expect(fresh?.taskDefinitionArn).toBe(s.taskDefinition.taskDefinitionArn);
    expect(fresh?.group).toBe(`service:${s.service.serviceName}`);
    expect(fresh?.startedBy).toBe(s.service.deployments[0]?.id);
    expect(fresh?.containers?.[0]?.imageDigest).toBe(victim.containers[0]?.imageDigest);
    const svc = await c.ecs.send(
      new DescribeServicesCommand({ cluster: s.cluster.clusterName, services: [s.service.serviceName] }),
    );
    expect(svc.services?.[0]?.events?.[0]?.message).toMatch(
      new RegExp(`^\\(service ${s.service.serviceName}\\) has started 1 tasks: \\(task [0-9a-f]{32}\\)\\.$`),
    );
  });

  it('holds at desired count 0: UpdateService stops the tasks, a StopTask before that is not replaced', async () => {
    const s = service(3);
    const [first] = s.tasks;
    if (!first) throw new Error('seed');
    const u = await c.ecs.send(
      new UpdateServiceCommand({
        cluster: s.cluster.clusterName,
        service: s.service.serviceName,
        desiredCount: 0,
      }),
    );
    // A new desired count is not a new deployment: same PRIMARY, same tasks until the scheduler acts.
    expect(u.service?.desiredCount).toBe(0);
    expect(u.service?.deployments?.map((d) => d.id)).toEqual([s.service.deployments[0]?.id]);
    expect(u.service?.deployments?.[0]?.desiredCount).toBe(0);
    expect(await running(s)).toHaveLength(3);
    await c.ecs.send(
      new StopTaskCommand({ cluster: s.cluster.clusterName, task: first.taskArn, reason: 'ours' }),
    );
    expect(flushScheduler(emu.state)).toBe(1);
    expect(await running(s)).toEqual([]);
    const d = await c.ecs.send(
      new DescribeTasksCommand({ cluster: s.cluster.clusterName, tasks: s.tasks.map((t) => t.taskArn) }),
    );
    const byArn = new Map(d.tasks?.map((t) => [t.taskArn, t]));
    expect(byArn.get(first.taskArn)).toMatchObject({ stopCode: 'UserInitiated', stoppedReason: 'ours' });
    for (const t of s.tasks.slice(1))
      expect(byArn.get(t.taskArn)).toMatchObject({
        lastStatus: 'STOPPED',
        stopCode: 'ServiceSchedulerInitiated',
      });
    // Nothing is started later either.
    expect(flushScheduler(emu.state)).toBe(0);
    expect(emu.state.store(emu.homeAccountId, REGION).tasks.size).toBeGreaterThan(0);
    expect(await running(s)).toEqual([]);
  });

  it('scales back out when the desired count is restored, same digest; delay 0 acts inside the call', async () => {
    const s = service(2);
    emu.state.scheduler.delayMs = 0;
    const ref = { cluster: s.cluster.clusterName, service: s.service.serviceName };
    await c.ecs.send(new UpdateServiceCommand({ ...ref, desiredCount: 0 }));
    expect(await running(s)).toEqual([]);
    await c.ecs.send(new UpdateServiceCommand({ ...ref, desiredCount: 2 }));
    const arns = await running(s);
    expect(arns).toHaveLength(2);
    const d = await c.ecs.send(new DescribeTasksCommand({ cluster: s.cluster.clusterName, tasks: arns }));
    for (const t of d.tasks ?? [])
      expect(t.containers?.[0]?.imageDigest).toBe(s.tasks[0]?.containers[0]?.imageDigest);
    await expect(c.ecs.send(new UpdateServiceCommand({ ...ref, desiredCount: -1 }))).rejects.toBeInstanceOf(
      InvalidParameterException,
    );
  });

  it('a stopped task that belongs to no service is not replaced', async () => {
    const s = service(1);
    const lone = addTask(emu.state, {
      accountId: emu.homeAccountId,
      region: REGION,
      cluster: s.cluster.clusterName,
      taskDefinition: s.taskDefinition,
    });
    await c.ecs.send(new StopTaskCommand({ cluster: s.cluster.clusterName, task: lone.taskArn }));
    expect(flushScheduler(emu.state)).toBe(0);
    const all = await c.ecs.send(new ListTasksCommand({ cluster: s.cluster.clusterName }));
    expect(all.taskArns).toEqual([s.tasks[0]?.taskArn]);
  });
});

describe('image digests', () => {
  it('tasks of one image share a digest; another image, or a push under the same tag, gets another', async () => {
    const image = `123.dkr.ecr.${REGION}.amazonaws.com/shared:1.0`;
    const a = service(2, image);
    const b = service(1, image);
    const other = service(1);
    const digest = a.tasks[0]?.containers[0]?.imageDigest;
    expect(digest).toMatch(/^sha256:[0-9a-f]{64}$/);
    expect([...a.tasks, ...b.tasks].map((t) => t.containers[0]?.imageDigest)).toEqual([
      digest,
      digest,
      digest,
    ]);
    expect(other.tasks[0]?.containers[0]?.imageDigest).not.toBe(digest);
    // The GuardDuty sidecar has its own image and no digest of the app.
    expect(
      a.tasks[0]?.containers.find((x) => x.name.startsWith('aws-guardduty-agent'))?.imageDigest,
    ).toBeUndefined();
    const pushed = emu.state.pushImage(image);
    const after = service(1, image);
    expect(after.tasks[0]?.containers[0]?.imageDigest).toBe(pushed);
    const d = await c.ecs.send(
      new DescribeTasksCommand({ cluster: a.cluster.clusterName, tasks: [a.tasks[0]?.taskArn ?? ''] }),
    );
    expect(d.tasks?.[0]?.containers?.[0]?.imageDigest).toBe(digest);
  });
});

describe('ListTasks filters', () => {
  it('filters by service, family, launch type and desired status; startedBy must be alone', async () => {
    emu.state.scheduler.delayMs = 600_000; // no replacement while we look
    const s = service(2);
    const cluster = s.cluster.clusterName;
    const [t1] = s.tasks;
    if (!t1) throw new Error('seed');
    await c.ecs.send(new StopTaskCommand({ cluster, task: t1.taskArn }));
    const list = async (input: Omit<ConstructorParameters<typeof ListTasksCommand>[0], 'cluster'>) =>
      ((await c.ecs.send(new ListTasksCommand({ cluster, ...input }))).taskArns ?? []).sort();
    expect(await list({ desiredStatus: 'STOPPED' })).toEqual([t1.taskArn]);
    expect(await list({ desiredStatus: 'PENDING' })).toEqual([]);
    expect(await list({ family: s.taskDefinition.family })).toEqual([s.tasks[1]?.taskArn]);
    expect(await list({ family: 'nope' })).toEqual([]);
    expect(await list({ launchType: 'EC2' })).toEqual([]);
    expect(await list({ startedBy: s.service.deployments[0]?.id ?? '' })).toEqual([s.tasks[1]?.taskArn]);
    await expect(
      c.ecs.send(new ListTasksCommand({ cluster, startedBy: 'x', serviceName: s.service.serviceName })),
    ).rejects.toThrow(/startedBy .* only filter/);
    await expect(
      c.ecs.send(new ListTasksCommand({ cluster, desiredStatus: 'DONE' as never })),
    ).rejects.toBeInstanceOf(InvalidParameterException);
    expect(flushScheduler(emu.state)).toBe(1);
  });
});
