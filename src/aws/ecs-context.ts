import {
  type ContainerDefinition,
  DescribeClustersCommand,
  DescribeServicesCommand,
  DescribeTaskDefinitionCommand,
  DescribeTasksCommand,
  type ECSClient,
} from '@aws-sdk/client-ecs';
import { isGuardDutyAgentContainer } from '../findings/normalise.js';
import type { EcsContainerContext, EcsContext } from '../slack/blocks/ecs-context.js';
import { describeAwsError } from './errors.js';

export interface GatheredEcsContext {
  /** For `buildEcsContextBlocks`; null when the task could not be described at all. */
  context: EcsContext | null;
  /** Describe calls that failed (shown, not fatal). */
  problems: string[];
  awsRequestIds: string[];
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

const detail = (attachments: { details?: { name?: string; value?: string }[] }[] | undefined, name: string) =>
  (attachments ?? []).flatMap((a) => a.details ?? []).find((d) => d.name === name)?.value;

/**
 * Gathers the context of a finding's task with DescribeTasks, DescribeTaskDefinition,
 * DescribeServices (when the task belongs to a service) and DescribeClusters. A failing call is
 * noted in `problems`; the rest is still shown.
 */
export async function gatherEcsContext(
  ecs: ECSClient,
  where: { accountId: string; region: string; cluster?: string; taskArn: string },
): Promise<GatheredEcsContext> {
  const problems: string[] = [];
  const ids: string[] = [];
  // Shown to the clicker: described (hint, request id) and without principal ARNs.
  const note = (what: string) => (err: unknown) => {
    problems.push(`${what}: ${describeAwsError(err, { operation: what }).message}`);
    return undefined;
  };
  const rid = <T extends { $metadata: { requestId?: string } }>(out: T): T => {
    if (out.$metadata.requestId) ids.push(out.$metadata.requestId);
    return out;
  };
  const cluster = where.cluster;
  const [tasksOut, clustersOut] = await Promise.all([
    ecs
      .send(new DescribeTasksCommand({ ...(cluster ? { cluster } : {}), tasks: [where.taskArn] }))
      .then(rid, note('DescribeTasks')),
    cluster
      ? ecs
          .send(new DescribeClustersCommand({ clusters: [cluster], include: ['STATISTICS'] }))
          .then(rid, note('DescribeClusters'))
      : Promise.resolve(undefined),
  ]);
  const t = tasksOut?.tasks?.[0];
  if (tasksOut && !t) problems.push('DescribeTasks: the task was not found (stopped and gone?)');
  const serviceName = t?.group?.startsWith('service:') ? t.group.slice('service:'.length) : undefined;
  const [tdOut, svcOut] = await Promise.all([
    t?.taskDefinitionArn
      ? ecs
          .send(new DescribeTaskDefinitionCommand({ taskDefinition: t.taskDefinitionArn }))
          .then(rid, note('DescribeTaskDefinition'))
      : Promise.resolve(undefined),
    serviceName
      ? ecs
          .send(new DescribeServicesCommand({ ...(cluster ? { cluster } : {}), services: [serviceName] }))
          .then(rid, note('DescribeServices'))
      : Promise.resolve(undefined),
  ]);
  const c = clustersOut?.clusters?.[0];
  const s = svcOut?.services?.[0];
  const td = tdOut?.taskDefinition;
  if (!t) return { context: null, problems, awsRequestIds: ids };
  const primary = s?.deployments?.find((d) => d.status === 'PRIMARY') ?? s?.deployments?.[0];
  const awsvpc = s?.networkConfiguration?.awsvpcConfiguration;
  const eni = t.attachments?.filter((a) => a.type === 'ElasticNetworkInterface');
  const subnet = detail(eni, 'subnetId');
  const privateIp =
    detail(eni, 'privateIPv4Address') ?? t.containers?.[0]?.networkInterfaces?.[0]?.privateIpv4Address;
  const publicIp = detail(eni, 'publicIPv4Address');
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
  return { context, problems, awsRequestIds: ids };
}
