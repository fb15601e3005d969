import type { ContainerDefinition, ECSClient } from '@aws-sdk/client-ecs';
import type { EcsContainerContext, EcsContext } from '../slack/blocks/ecs-context.js';
import { isGuardDutyAgentContainer } from './guardduty-agent.js';
import { describeTaskBundle, eniDetail, serviceOfGroup, taskDigests } from './task-bundle.js';

export interface GatheredEcsContext {
  /** For `buildEcsContextBlocks`; null when the task could not be described at all. */
  context: EcsContext | null;
  /** Describe calls that failed (shown, not fatal). */
  problems: string[];
  awsRequestIds: string[];
  /** Epoch ms when AWS was read (a cached reply keeps the time of its read). */
  readAt: number;
  /** Application image digests of the task (for the blast radius). */
  digests?: string[];
}

function containerOf(d: ContainerDefinition): EcsContainerContext {
  return {
    name: d.name ?? '?',
    ...(d.image ? { image: d.image } : {}),
    privileged: d.privileged === true,
    ...(d.user ? { user: d.user } : {}),
    readonlyRootFilesystem: d.readonlyRootFilesystem === true,
    addedCapabilities: d.linuxParameters?.capabilities?.add ?? [],
    secretNames: (d.secrets ?? []).map((s) => s.name ?? '?'),
    // Names only: values can hold credentials and must never reach Slack.
    environmentNames: (d.environment ?? []).map((e) => e.name ?? '?'),
    ...(d.essential !== undefined ? { essential: d.essential } : {}),
  };
}

/**
 * Gathers the context of a finding's task with DescribeTasks, DescribeTaskDefinition,
 * DescribeServices (when the task belongs to a service) and DescribeClusters. A failing call is
 * noted in `problems`; the rest is still shown.
 */
export async function gatherEcsContext(
  ecs: ECSClient,
  where: { accountId: string; region: string; cluster?: string; taskArn: string },
  now?: () => number,
): Promise<GatheredEcsContext> {
  const b = await describeTaskBundle(ecs, where, { cluster: true, ...(now ? { now } : {}) });
  const { problems, awsRequestIds: ids, readAt } = b;
  const cluster = where.cluster;
  const t = b.task;
  const serviceName = serviceOfGroup(t?.group);
  const c = b.cluster;
  const s = b.service;
  const td = b.taskDefinition;
  if (!t) return { context: null, problems, awsRequestIds: ids, readAt };
  const primary = s?.deployments?.find((d) => d.status === 'PRIMARY') ?? s?.deployments?.[0];
  const awsvpc = s?.networkConfiguration?.awsvpcConfiguration;
  const subnet = eniDetail(t, 'subnetId');
  const privateIp =
    eniDetail(t, 'privateIPv4Address') ?? t.containers?.[0]?.networkInterfaces?.[0]?.privateIpv4Address;
  const publicIp = eniDetail(t, 'publicIPv4Address');
  const taskArn = t.taskArn ?? where.taskArn;
  const context: EcsContext = {
    accountId: where.accountId,
    region: where.region,
    cluster: c?.clusterName ?? (cluster ? cluster.slice(cluster.lastIndexOf('/') + 1) : '?'),
    ...(s
      ? {
          service: {
            name: s.serviceName ?? serviceName ?? '?',
            ...(s.desiredCount !== undefined ? { desiredCount: s.desiredCount } : {}),
            ...(s.runningCount !== undefined ? { runningCount: s.runningCount } : {}),
            ...(primary
              ? { deploymentStatus: `${primary.status ?? '?'} ${primary.rolloutState ?? ''}`.trim() }
              : {}),
            ...(s.launchType ? { launchType: s.launchType } : {}),
            ...(s.platformVersion ? { platformVersion: s.platformVersion } : {}),
          },
        }
      : {}),
    task: {
      taskId: taskArn.slice(taskArn.lastIndexOf('/') + 1),
      ...(t.lastStatus ? { lastStatus: t.lastStatus } : {}),
      ...(t.desiredStatus ? { desiredStatus: t.desiredStatus } : {}),
      ...(t.startedAt ? { startedAt: t.startedAt.getTime() } : {}),
      ...(t.startedBy ? { startedBy: t.startedBy } : {}),
      ...(t.availabilityZone ? { availabilityZone: t.availabilityZone } : {}),
      ...(t.cpu ? { cpu: t.cpu } : {}),
      ...(t.memory ? { memory: t.memory } : {}),
      ...(t.launchType ? { launchType: t.launchType } : {}),
      ...(t.platformVersion ? { platformVersion: t.platformVersion } : {}),
      ...(privateIp ? { privateIp } : {}),
      ...(publicIp ? { publicIp } : awsvpc?.assignPublicIp === 'ENABLED' ? { publicIp: 'assigned' } : {}),
      subnets: subnet ? [subnet] : (awsvpc?.subnets ?? []),
      securityGroups: awsvpc?.securityGroups ?? [],
    },
    ...(td
      ? {
          taskDefinition: {
            familyRevision: `${td.family ?? '?'}:${td.revision ?? '?'}`,
            ...(td.taskRoleArn ? { taskRoleArn: td.taskRoleArn } : {}),
            ...(td.executionRoleArn ? { executionRoleArn: td.executionRoleArn } : {}),
            ...(td.networkMode ? { networkMode: td.networkMode } : {}),
            ...(td.pidMode ? { pidMode: td.pidMode } : {}),
          },
        }
      : {}),
    containers: (td?.containerDefinitions ?? [])
      .filter((d) => !isGuardDutyAgentContainer(d))
      .map(containerOf),
    guardDutyAgentPresent: (t.containers ?? []).some(isGuardDutyAgentContainer),
  };
  return { context: { ...context, readAt }, problems, awsRequestIds: ids, readAt, digests: taskDigests(t) };
}
