import {
  AccessDeniedException,
  ClientException,
  ClusterNotFoundException,
  DescribeClustersCommand,
  DescribeServicesCommand,
  DescribeTaskDefinitionCommand,
  DescribeTasksCommand,
  InvalidParameterException,
  ListClustersCommand,
  ListServicesCommand,
  ListTagsForResourceCommand,
  ListTasksCommand,
  paginateListTasks,
  ServiceNotFoundException,
  StopTaskCommand,
  TagResourceCommand,
  UntagResourceCommand,
  UpdateClusterSettingsCommand,
  UpdateServiceCommand,
} from '@aws-sdk/client-ecs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  type AwsEmulator,
  addService,
  type Estate,
  seedEstate,
  startAwsEmulator,
} from '../../../sandbox/aws/index.js';
import { sdkClients } from './clients.js';

const REGION = 'us-east-1';
let emu: AwsEmulator;
let estate: Estate;
let c: ReturnType<typeof sdkClients>;

beforeAll(async () => {
  emu = await startAwsEmulator();
  estate = seedEstate(emu.state);
  c = sdkClients(emu, REGION);
});

afterAll(async () => {
  c.destroy();
  await emu.close();
});

const svc = (name: string) => {
  const s = estate.services[name];
  if (!s) throw new Error(`seed has no ${name}`);
  return s;
};

describe('clusters', () => {
  it('lists and describes clusters with counts, settings and (on request) tags', async () => {
    const list = await c.ecs.send(new ListClustersCommand({}));
    expect(list.clusterArns?.map((a) => a.split('/').pop()).sort()).toEqual([
      'batch-jobs',
      'legacy-ec2',
      'prod-web',
    ]);
    emu.state
      .store(emu.homeAccountId, REGION)
      .clusters.get('prod-web')
      ?.tags.push({ key: 'GuardDutyManaged', value: 'true' });
    const d = await c.ecs.send(
      new DescribeClustersCommand({ clusters: ['prod-web', 'nope'], include: ['TAGS', 'SETTINGS'] }),
    );
    const cl = d.clusters?.[0];
    expect(cl?.clusterName).toBe('prod-web');
    expect(cl?.runningTasksCount).toBe(5);
    expect(cl?.activeServicesCount).toBe(2);
    expect(cl?.settings).toEqual([{ name: 'containerInsights', value: 'disabled' }]);
    expect(cl?.tags).toEqual([{ key: 'GuardDutyManaged', value: 'true' }]);
    expect(d.failures).toEqual([
      { arn: `arn:aws:ecs:${REGION}:${emu.homeAccountId}:cluster/nope`, reason: 'MISSING' },
    ]);
    const noTags = await c.ecs.send(
      new DescribeClustersCommand({ clusters: [svc('web').cluster.clusterArn] }),
    );
    expect(noTags.clusters?.[0]?.tags).toBeUndefined();
  });

  it('UpdateClusterSettings sets containerInsights; an unknown cluster is ClusterNotFoundException', async () => {
    const r = await c.ecs.send(
      new UpdateClusterSettingsCommand({
        cluster: 'prod-web',
        settings: [{ name: 'containerInsights', value: 'enhanced' }],
      }),
    );
    expect(r.cluster?.settings).toEqual([{ name: 'containerInsights', value: 'enhanced' }]);
    const d = await c.ecs.send(
      new DescribeClustersCommand({ clusters: ['prod-web'], include: ['SETTINGS'] }),
    );
    expect(d.clusters?.[0]?.settings?.[0]?.value).toBe('enhanced');
    const err = await c.ecs
      .send(
        new UpdateClusterSettingsCommand({
          cluster: 'ghost',
          settings: [{ name: 'containerInsights', value: 'enabled' }],
        }),
      )
      .catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ClusterNotFoundException);
    expect((err as Error).message).toBe('Cluster not found.');
  });

  it('a cluster ARN of another account is AccessDeniedException (the bot must assume a role)', async () => {
    const member = svc('payments').cluster.clusterArn;
    await expect(c.ecs.send(new ListTasksCommand({ cluster: member }))).rejects.toBeInstanceOf(
      AccessDeniedException,
    );
  });
});

describe('services', () => {
  it('lists and describes services with deployments, network configuration and running counts', async () => {
    const list = await c.ecs.send(new ListServicesCommand({ cluster: 'prod-web' }));
    expect(list.serviceArns?.sort()).toEqual(
      [svc('api').service.serviceArn, svc('web').service.serviceArn].sort(),
    );
    const d = await c.ecs.send(
      new DescribeServicesCommand({ cluster: 'prod-web', services: ['web', 'missing'], include: ['TAGS'] }),
    );
    const s = d.services?.[0];
    expect(s?.serviceName).toBe('web');
    expect(s?.runningCount).toBe(3);
    expect(s?.desiredCount).toBe(3);
    expect(s?.launchType).toBe('FARGATE');
    expect(s?.taskDefinition).toBe(svc('web').taskDefinition.taskDefinitionArn);
    expect(s?.deployments?.[0]?.status).toBe('PRIMARY');
    expect(s?.deployments?.[0]?.createdAt).toBeInstanceOf(Date);
    expect(s?.createdAt).toBeInstanceOf(Date);
    expect(s?.networkConfiguration?.awsvpcConfiguration?.subnets).toHaveLength(2);
    expect(s?.tags).toEqual([]);
    expect(d.failures?.[0]?.reason).toBe('MISSING');
  });

  it('DescribeServices with more than 10 services is InvalidParameterException', async () => {
    const names = Array.from({ length: 11 }, (_, i) => `s${i}`);
    await expect(
      c.ecs.send(new DescribeServicesCommand({ cluster: 'prod-web', services: names })),
    ).rejects.toBeInstanceOf(InvalidParameterException);
  });
});

describe('tasks', () => {
  it('ListTasks filters by service and desired status and pages with paginateListTasks', async () => {
    addService(emu.state, {
      accountId: emu.homeAccountId,
      region: REGION,
      cluster: 'big',
      service: 'fleet',
      image: 'x/fleet:1',
      taskCount: 25,
    });
    const arns: string[] = [];
    let pages = 0;
    for await (const p of paginateListTasks({ client: c.ecs, pageSize: 10 }, { cluster: 'big' })) {
      pages += 1;
      arns.push(...(p.taskArns ?? []));
    }
    expect(pages).toBe(3);
    expect(new Set(arns).size).toBe(25);
    const web = await c.ecs.send(new ListTasksCommand({ cluster: 'prod-web', serviceName: 'web' }));
    expect(web.taskArns?.sort()).toEqual(
      svc('web')
        .tasks.map((t) => t.taskArn)
        .sort(),
    );
    const stopped = await c.ecs.send(new ListTasksCommand({ cluster: 'prod-web', desiredStatus: 'STOPPED' }));
    expect(stopped.taskArns).toEqual([]);
    await expect(
      c.ecs.send(new ListTasksCommand({ cluster: 'prod-web', serviceName: 'nope' })),
    ).rejects.toBeInstanceOf(ServiceNotFoundException);
    await expect(c.ecs.send(new ListTasksCommand({ cluster: 'ghost' }))).rejects.toBeInstanceOf(
      ClusterNotFoundException,
    );
  });

  it('DescribeTasks returns the sidecar, ENI details and Dates; missing tasks are failures', async () => {
    const t = svc('web').tasks[0];
    if (!t) throw new Error('seed');
    const id = t.taskArn.split('/').pop() ?? '';
    const r = await c.ecs.send(
      new DescribeTasksCommand({
        cluster: 'prod-web',
        tasks: [id, 'ffffffffffffffffffffffffffffffff'],
        include: ['TAGS'],
      }),
    );
    const task = r.tasks?.[0];
    expect(task?.taskArn).toBe(t.taskArn);
    expect(task?.group).toBe('service:web');
    expect(task?.launchType).toBe('FARGATE');
    expect(task?.lastStatus).toBe('RUNNING');
    expect(task?.startedAt).toBeInstanceOf(Date);
    expect(task?.createdAt).toBeInstanceOf(Date);
    expect(task?.availabilityZone).toMatch(/^us-east-1[abc]$/);
    expect(task?.containers?.map((x) => x.name)).toEqual([
      'web',
      expect.stringMatching(/^aws-guardduty-agent-/),
    ]);
    const eni = task?.attachments?.[0];
    expect(eni?.type).toBe('ElasticNetworkInterface');
    const detail = (name: string) => eni?.details?.find((d) => d.name === name)?.value;
    expect(detail('privateIPv4Address')).toMatch(/^10\.0\./);
    expect(detail('subnetId')).toMatch(/^subnet-/);
    expect(detail('networkInterfaceId')).toMatch(/^eni-/);
    expect(r.failures).toEqual([
      { arn: expect.stringContaining('ffffffffffffffffffffffffffffffff'), reason: 'MISSING' },
    ]);
    const ec2 = await c.ecs.send(
      new DescribeTasksCommand({ cluster: 'legacy-ec2', tasks: [svc('legacy').tasks[0]?.taskArn ?? ''] }),
    );
    expect(ec2.tasks?.[0]?.containers?.some((x) => x.name?.startsWith('aws-guardduty-agent-'))).toBe(false);
    expect(ec2.tasks?.[0]?.containerInstanceArn).toBeTruthy();
  });

  it('DescribeTasks with more than 100 tasks is InvalidParameterException', async () => {
    const ids = Array.from({ length: 101 }, (_, i) => `t${i}`);
    await expect(
      c.ecs.send(new DescribeTasksCommand({ cluster: 'prod-web', tasks: ids })),
    ).rejects.toBeInstanceOf(InvalidParameterException);
  });

  it('StopTask stops with reason and UserInitiated; again returns it as is; unknown task is InvalidParameterException', async () => {
    const t = svc('api').tasks[0];
    if (!t) throw new Error('seed');
    const r = await c.ecs.send(
      new StopTaskCommand({ cluster: 'prod-web', task: t.taskArn, reason: 'ecs-guard: approved by U2' }),
    );
    expect(r.task?.desiredStatus).toBe('STOPPED');
    expect(r.task?.lastStatus).toBe('STOPPED');
    expect(r.task?.stopCode).toBe('UserInitiated');
    expect(r.task?.stoppedReason).toBe('ecs-guard: approved by U2');
    expect(r.task?.stoppedAt).toBeInstanceOf(Date);
    const again = await c.ecs.send(
      new StopTaskCommand({ cluster: 'prod-web', task: t.taskArn, reason: 'second' }),
    );
    expect(again.task?.stoppedReason).toBe('ecs-guard: approved by U2');
    const d = await c.ecs.send(new DescribeServicesCommand({ cluster: 'prod-web', services: ['api'] }));
    expect(d.services?.[0]?.runningCount).toBe(1);
    const err = await c.ecs
      .send(new StopTaskCommand({ cluster: 'prod-web', task: '0123456789abcdef0123456789abcdef' }))
      .catch((e: unknown) => e);
    expect(err).toBeInstanceOf(InvalidParameterException);
    expect((err as Error).message).toBe('The referenced task was not found.');
    expect(emu.calls({ operation: 'StopTask' })[0]?.input).toEqual({
      cluster: 'prod-web',
      task: t.taskArn,
      reason: 'ecs-guard: approved by U2',
    });
  });

  it('DescribeTaskDefinition returns container security settings by family, family:revision or ARN', async () => {
    const td = svc('api').taskDefinition;
    for (const ref of ['api', 'api:1', td.taskDefinitionArn]) {
      const r = await c.ecs.send(
        new DescribeTaskDefinitionCommand({ taskDefinition: ref, include: ['TAGS'] }),
      );
      expect(r.taskDefinition?.taskDefinitionArn).toBe(td.taskDefinitionArn);
    }
    const r = await c.ecs.send(new DescribeTaskDefinitionCommand({ taskDefinition: 'worker' }));
    const cd = r.taskDefinition?.containerDefinitions?.[0];
    expect(cd?.linuxParameters?.capabilities?.add).toEqual(['SYS_PTRACE']);
    expect(r.taskDefinition?.networkMode).toBe('awsvpc');
    expect(r.taskDefinition?.executionRoleArn).toMatch(/ecsTaskExecutionRole$/);
    expect(r.taskDefinition?.registeredAt).toBeInstanceOf(Date);
    const legacy = await c.ecs.send(new DescribeTaskDefinitionCommand({ taskDefinition: 'legacy' }));
    expect(legacy.taskDefinition?.containerDefinitions?.[0]?.privileged).toBe(true);
    const api = await c.ecs.send(new DescribeTaskDefinitionCommand({ taskDefinition: 'api' }));
    expect(api.taskDefinition?.containerDefinitions?.[0]).toMatchObject({
      user: '1000',
      readonlyRootFilesystem: true,
    });
    expect(api.taskDefinition?.containerDefinitions?.[0]?.secrets?.[0]?.name).toBe('DB_PASSWORD');
    await expect(
      c.ecs.send(new DescribeTaskDefinitionCommand({ taskDefinition: 'nope' })),
    ).rejects.toBeInstanceOf(ClientException);
  });
});

describe('tags', () => {
  it('tags, lists and untags a cluster; rejects reserved keys', async () => {
    const arn = svc('worker').cluster.clusterArn;
    await c.ecs.send(
      new TagResourceCommand({
        resourceArn: arn,
        tags: [
          { key: 'GuardDutyManaged', value: 'false' },
          { key: 'team', value: 'batch' },
        ],
      }),
    );
    expect((await c.ecs.send(new ListTagsForResourceCommand({ resourceArn: arn }))).tags).toEqual([
      { key: 'GuardDutyManaged', value: 'false' },
      { key: 'team', value: 'batch' },
    ]);
    await c.ecs.send(
      new TagResourceCommand({ resourceArn: arn, tags: [{ key: 'GuardDutyManaged', value: 'true' }] }),
    );
    await c.ecs.send(new UntagResourceCommand({ resourceArn: arn, tagKeys: ['team'] }));
    expect((await c.ecs.send(new ListTagsForResourceCommand({ resourceArn: arn }))).tags).toEqual([
      { key: 'GuardDutyManaged', value: 'true' },
    ]);
    await expect(
      c.ecs.send(new TagResourceCommand({ resourceArn: arn, tags: [{ key: 'aws:x', value: 'y' }] })),
    ).rejects.toBeInstanceOf(InvalidParameterException);
    await expect(
      c.ecs.send(
        new ListTagsForResourceCommand({
          resourceArn: `arn:aws:ecs:${REGION}:${emu.homeAccountId}:cluster/ghost`,
        }),
      ),
    ).rejects.toBeInstanceOf(ClusterNotFoundException);
  });

  it('tags a task', async () => {
    const t = svc('web').tasks[1];
    if (!t) throw new Error('seed');
    await c.ecs.send(
      new TagResourceCommand({ resourceArn: t.taskArn, tags: [{ key: 'quarantine', value: 'true' }] }),
    );
    const r = await c.ecs.send(
      new DescribeTasksCommand({ cluster: 'prod-web', tasks: [t.taskArn], include: ['TAGS'] }),
    );
    expect(r.tasks?.[0]?.tags).toEqual([{ key: 'quarantine', value: 'true' }]);
  });
});

describe('redeploy', () => {
  it('UpdateService forceNewDeployment relaunches tasks with the agent sidecar and heals coverage', async () => {
    const old = svc('worker').tasks.map((t) => t.taskArn);
    const cov = () => emu.state.store(emu.homeAccountId, REGION).coverage.get('batch-jobs');
    expect(cov()?.coverageStatus).toBe('UNHEALTHY');
    const r = await c.ecs.send(
      new UpdateServiceCommand({ cluster: 'batch-jobs', service: 'worker', forceNewDeployment: true }),
    );
    expect(r.service?.deployments?.[0]?.status).toBe('PRIMARY');
    expect(r.service?.deployments).toHaveLength(1);
    const running = await c.ecs.send(new ListTasksCommand({ cluster: 'batch-jobs', serviceName: 'worker' }));
    expect(running.taskArns).toHaveLength(1);
    expect(running.taskArns?.[0]).not.toBe(old[0]);
    const d = await c.ecs.send(
      new DescribeTasksCommand({ cluster: 'batch-jobs', tasks: [...(running.taskArns ?? []), ...old] }),
    );
    const fresh = d.tasks?.find((t) => t.taskArn === running.taskArns?.[0]);
    expect(fresh?.containers?.some((x) => x.name?.startsWith('aws-guardduty-agent-'))).toBe(true);
    expect(d.tasks?.find((t) => t.taskArn === old[0])?.stopCode).toBe('ServiceSchedulerInitiated');
    expect(cov()?.coverageStatus).toBe('HEALTHY');
    expect(cov()?.resourceDetails.ecsClusterDetails?.fargateDetails?.issues).toEqual([]);
    await expect(
      c.ecs.send(
        new UpdateServiceCommand({ cluster: 'batch-jobs', service: 'nope', forceNewDeployment: true }),
      ),
    ).rejects.toBeInstanceOf(ServiceNotFoundException);
  });
});
