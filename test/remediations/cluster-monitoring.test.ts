// Enable / Disable monitoring's run() with a fake ECS client: the GuardDutyManaged tag set on the
// cluster's ARN, Container Insights only when asked and not already on, and (enable) the services
// whose running Fargate tasks have no agent. present() renders the plan's result.
import { afterAll, beforeEach, describe, expect, it } from 'vitest';
import { isEcsGuardError } from '../../src/errors.js';
import {
  disableMonitoring,
  enableMonitoring,
  type PlanInput,
  planRequest,
  planRequestId,
} from '../../src/remediations/cluster-monitoring.js';
import { approvedRequest, type FakeWorld, fakeWorld, NOW, run } from '../helpers/fake-run.js';
import { testRedis } from '../helpers/redis.js';

const redis = testRedis();
afterAll(async () => {
  await redis.quit();
});

const ARN = 'arn:aws:ecs:us-east-1:111122223333:cluster/prod';
const input = (insights: boolean): PlanInput => ({
  planId: `p${'0a'.repeat(12)}`,
  clusterArn: ARN,
  insights,
  tagBefore: 'false',
  createdAt: NOW - 5000,
  expiresAt: NOW + 600_000,
});
const cluster = (tag: string | undefined, insights = 'disabled') => ({
  clusters: [
    { clusterArn: 'arn:aws:ecs:us-east-1:111122223333:cluster/prod-old', status: 'INACTIVE' },
    {
      clusterArn: ARN,
      status: 'ACTIVE',
      tags: tag === undefined ? [] : [{ key: 'GuardDutyManaged', value: tag }],
      settings: [{ name: 'containerInsights', value: insights }],
    },
  ],
});
const task = (id: string, group: string, agent: boolean) => ({
  taskArn: `arn:aws:ecs:us-east-1:111122223333:task/prod/${id}`,
  launchType: 'FARGATE',
  lastStatus: 'RUNNING',
  group,
  containers: [
    { name: 'app', image: 'web:1' },
    ...(agent
      ? [
          {
            name: 'aws-guardduty-agent-x',
            image: '593207742271.dkr.ecr.us-east-1.amazonaws.com/aws-guardduty-agent-fargate:v1.5.0',
          },
        ]
      : []),
  ],
});

describe('enable / disable monitoring run()', () => {
  let w: FakeWorld;
  beforeEach(() => {
    w = fakeWorld(redis);
  });

  it('enable: tags the cluster ARN true, turns on Container Insights, lists the uncovered services', async () => {
    w.ecs
      .on('DescribeClusters', cluster('false'))
      .once('ListTasks', { taskArns: ['a1', 'a2'], nextToken: 'n1' })
      .once('ListTasks', { taskArns: ['a3'] })
      .on('DescribeTasks', {
        tasks: [
          task('t1', 'service:web', true),
          task('t2', 'service:api', false),
          task('t3', 'family:job', false),
        ],
      });
    const out = await run(w, enableMonitoring, { action: 'enable', cluster: 'prod' }, input(true));
    expect(w.ecs.ops()).toEqual([
      'DescribeClusters',
      'TagResource',
      'UpdateClusterSettings',
      'ListTasks',
      'ListTasks',
      'DescribeTasks',
    ]);
    expect(w.ecs.inputs('DescribeClusters')).toEqual([{ clusters: ['prod'], include: ['TAGS', 'SETTINGS'] }]);
    expect(w.ecs.inputs('TagResource')).toEqual([
      { resourceArn: ARN, tags: [{ key: 'GuardDutyManaged', value: 'true' }] },
    ]);
    expect(w.ecs.inputs('UpdateClusterSettings')).toEqual([
      { cluster: ARN, settings: [{ name: 'containerInsights', value: 'enabled' }] },
    ]);
    expect(w.ecs.inputs('ListTasks')).toEqual([
      { cluster: ARN, desiredStatus: 'RUNNING', maxResults: 100 },
      { cluster: ARN, desiredStatus: 'RUNNING', maxResults: 100, nextToken: 'n1' },
    ]);
    expect(w.ecs.inputs('DescribeTasks')).toEqual([{ cluster: ARN, tasks: ['a1', 'a2', 'a3'] }]);
    expect(out).toEqual({
      ok: true,
      message: 'Enabled Runtime Monitoring of prod (GuardDutyManaged=true).',
      data: {
        ok: true,
        tagBefore: 'false',
        tagAfter: 'true',
        insights: 'enabled',
        servicesToRedeploy: ['api'],
        standaloneTasks: 1,
      },
      detail: {
        planId: input(true).planId,
        requester: 'UREQUESTER',
        tagBefore: 'false',
        tagAfter: 'true',
        insights: 'enabled',
        servicesToRedeploy: ['api'],
      },
    });
  });

  it('enable: Container Insights already on (or not asked) is left alone', async () => {
    w.ecs.on('DescribeClusters', cluster(undefined, 'enhanced')).on('ListTasks', { taskArns: [] });
    const out = await run(w, enableMonitoring, { action: 'enable', cluster: 'prod' }, input(true));
    expect(w.ecs.ops()).toEqual(['DescribeClusters', 'TagResource', 'ListTasks']);
    expect(out.data).toMatchObject({
      tagBefore: '',
      insights: 'already',
      servicesToRedeploy: [],
      standaloneTasks: 0,
    });
    const v = fakeWorld(redis);
    v.ecs.on('DescribeClusters', cluster('true')).on('ListTasks', { taskArns: [] });
    expect(
      (await run(v, enableMonitoring, { action: 'enable', cluster: 'prod' }, input(false))).data,
    ).toMatchObject({
      insights: 'skipped',
    });
    expect(v.ecs.ops()).not.toContain('UpdateClusterSettings');
  });

  it('disable: tags false, no insights change, no task scan', async () => {
    w.ecs.on('DescribeClusters', cluster('true'));
    const out = await run(w, disableMonitoring, { action: 'disable', cluster: 'prod' }, input(true));
    expect(w.ecs.ops()).toEqual(['DescribeClusters', 'TagResource']);
    expect(w.ecs.inputs('TagResource')).toEqual([
      { resourceArn: ARN, tags: [{ key: 'GuardDutyManaged', value: 'false' }] },
    ]);
    expect(out).toMatchObject({
      ok: true,
      message: 'Disabled Runtime Monitoring of prod (GuardDutyManaged=false).',
      data: { tagBefore: 'true', tagAfter: 'false', insights: 'skipped' },
    });
  });

  it('a cluster that is gone (only INACTIVE) is thrown as not found, and nothing is tagged', async () => {
    w.ecs.on('DescribeClusters', { clusters: [{ clusterArn: ARN, status: 'INACTIVE' }] });
    const err = await run(w, enableMonitoring, { action: 'enable', cluster: 'prod' }, input(false)).catch(
      (e: unknown) => e,
    );
    expect(isEcsGuardError(err) && err.code).toBe('ecs_guard_not_found');
    expect((err as Error).message).toBe('cluster prod no longer exists in 111122223333/us-east-1');
    expect(w.ecs.ops()).toEqual(['DescribeClusters']);
  });

  it('a confirmed plan becomes one approved request (id from the plan), and present() shows a failure', () => {
    const plan = {
      planId: `p${'0a'.repeat(12)}`,
      action: 'disable' as const,
      accountId: '111122223333',
      region: 'us-east-1',
      cluster: 'prod',
      clusterArn: ARN,
      insights: false,
      requester: 'UREQUESTER',
      channelId: 'CALERTS001',
      tagBefore: 'true',
      createdAt: NOW - 5000,
      expiresAt: NOW + 600_000,
    };
    const req = planRequest(plan, { by: 'UAPPROVER1', at: NOW, responseUrl: 'https://hooks.slack.com/x' });
    expect(req).toMatchObject({
      requestId: planRequestId(plan.planId),
      action: 'disable',
      status: 'approved',
      origin: 'command',
      approverId: 'UAPPROVER1',
      responseUrl: 'https://hooks.slack.com/x',
      input: { planId: plan.planId, clusterArn: ARN, insights: false, tagBefore: 'true' },
    });
    expect(req.requestId).toBe(`r${'0a'.repeat(12)}`);
    const shown = disableMonitoring.present?.(
      approvedRequest(disableMonitoring, {
        ...req,
        outcomeOk: false,
        outcomeMessage: 'TagResource failed: AccessDenied',
      }),
    );
    expect(JSON.stringify(shown)).toContain('TagResource failed: AccessDenied');
  });
});
