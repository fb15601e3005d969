import {
  type Cluster,
  DescribeClustersCommand,
  DescribeServicesCommand,
  DescribeTaskDefinitionCommand,
  DescribeTasksCommand,
  type ECSClient,
  type Service,
  type Task,
  type TaskDefinition,
} from '@aws-sdk/client-ecs';
import { describeAwsError } from './errors.js';
import { isGuardDutyAgentContainer } from './guardduty-agent.js';

/**
 * One task as ECS describes it: the task, its task definition, its service (when the task group
 * is `service:NAME`) and, on request, its cluster. The one place the ECS context reply and the
 * evidence snapshot read a task from; a failing call is noted in `problems`, the rest still comes.
 */
export interface TaskBundle {
  task?: Task;
  taskDefinition?: TaskDefinition;
  service?: Service;
  cluster?: Cluster;
  /** `Operation: Error: message` of calls that failed, and a task that was not found. */
  problems: string[];
  awsRequestIds: string[];
  /** Epoch ms when the reads were made. */
  readAt: number;
}

/** `service:NAME` → NAME. */
export const serviceOfGroup = (group: string | undefined): string | undefined =>
  group?.startsWith('service:') ? group.slice('service:'.length) : undefined;

export async function describeTaskBundle(
  ecs: ECSClient,
  where: { cluster?: string; taskArn: string },
  opts: { cluster?: boolean; now?: () => number } = {},
): Promise<TaskBundle> {
  const readAt = (opts.now ?? Date.now)();
  const problems: string[] = [];
  const ids: string[] = [];
  // Shown to people: described (hint, request id) and without principal ARNs.
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
    cluster && opts.cluster
      ? ecs
          .send(new DescribeClustersCommand({ clusters: [cluster], include: ['STATISTICS'] }))
          .then(rid, note('DescribeClusters'))
      : Promise.resolve(undefined),
  ]);
  const task = tasksOut?.tasks?.[0];
  if (tasksOut && !task) problems.push('DescribeTasks: the task was not found (stopped and gone?)');
  const serviceName = serviceOfGroup(task?.group);
  const [tdOut, svcOut] = await Promise.all([
    task?.taskDefinitionArn
      ? ecs
          .send(new DescribeTaskDefinitionCommand({ taskDefinition: task.taskDefinitionArn }))
          .then(rid, note('DescribeTaskDefinition'))
      : Promise.resolve(undefined),
    serviceName
      ? ecs
          .send(new DescribeServicesCommand({ ...(cluster ? { cluster } : {}), services: [serviceName] }))
          .then(rid, note('DescribeServices'))
      : Promise.resolve(undefined),
  ]);
  return {
    ...(task ? { task } : {}),
    ...(tdOut?.taskDefinition ? { taskDefinition: tdOut.taskDefinition } : {}),
    ...(svcOut?.services?.[0] ? { service: svcOut.services[0] } : {}),
    ...(clustersOut?.clusters?.[0] ? { cluster: clustersOut.clusters[0] } : {}),
    problems,
    awsRequestIds: ids,
    readAt,
  };
}

/** A value from the task's ENI attachment details (`subnetId`, `privateIPv4Address`, …). */
export const eniDetail = (task: Task | undefined, name: string): string | undefined =>
  (task?.attachments ?? [])
    .filter((a) => a.type === 'ElasticNetworkInterface')
    .flatMap((a) => a.details ?? [])
    .find((d) => d.name === name)?.value;

/** Application-container image digests of a described task (the GuardDuty sidecar's image is everyone's). */
export const taskDigests = (t: Pick<Task, 'containers'> | undefined): string[] => [
  ...new Set(
    (t?.containers ?? [])
      .filter((c) => !isGuardDutyAgentContainer(c) && c.imageDigest)
      .map((c) => c.imageDigest as string),
  ),
];
