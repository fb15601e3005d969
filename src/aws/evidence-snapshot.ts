import type { ContainerDefinition, ECSClient } from '@aws-sdk/client-ecs';
import { type AwslogsStream, awslogsStream, cloudTrailEventsUrl, logStreamUrl } from './console-links.js';
import { isGuardDutyAgentContainer } from './guardduty-agent.js';
import { describeTaskBundle, eniDetail, type TaskBundle } from './task-bundle.js';

/**
 * The evidence snapshot taken before any containment step touches a task: what the task, its
 * task definition and its service looked like, the image digests and network identity, and where
 * to look next (log stream, CloudTrail for the task role's session). Environment variables and
 * secrets appear by NAME only — the type has no field for a value — and no container override is
 * copied (overrides can carry environment values).
 */
export interface EvidenceSnapshot {
  version: 1;
  /** Stable per request and task: a retried job finds the snapshot it already took. */
  id: string;
  /** Epoch ms of the reads. */
  takenAt: number;
  target: {
    accountId: string;
    region: string;
    cluster?: string;
    taskArn: string;
    findingId?: string;
    findingType?: string;
  };
  /** The task could be described. False = the snapshot failed (see `problems`); the step still runs. */
  ok: boolean;
  problems: string[];
  task?: {
    taskArn: string;
    lastStatus?: string;
    desiredStatus?: string;
    group?: string;
    startedBy?: string;
    launchType?: string;
    platformVersion?: string;
    availabilityZone?: string;
    cpu?: string;
    memory?: string;
    createdAt?: number;
    startedAt?: number;
    stoppedAt?: number;
    stopCode?: string;
    stoppedReason?: string;
    /** ECS Exec on: someone could have run commands in the container. */
    enableExecuteCommand?: boolean;
    containers: {
      name: string;
      image?: string;
      imageDigest?: string;
      runtimeId?: string;
      lastStatus?: string;
      exitCode?: number;
      guardDutyAgent: boolean;
    }[];
    eni?: {
      attachmentId?: string;
      status?: string;
      networkInterfaceId?: string;
      subnetId?: string;
      privateIp?: string;
      publicIp?: string;
      macAddress?: string;
      privateDnsName?: string;
    };
    /** From the service's awsvpc configuration (DescribeTasks does not list an ENI's groups). */
    securityGroups?: string[];
  };
  taskDefinition?: {
    arn?: string;
    familyRevision: string;
    taskRoleArn?: string;
    /** The task overrode the task definition's role (RunTask overrides.taskRoleArn). */
    taskRoleOverridden?: boolean;
    executionRoleArn?: string;
    networkMode?: string;
    pidMode?: string;
    ipcMode?: string;
    containers: {
      name: string;
      image?: string;
      user?: string;
      privileged: boolean;
      readonlyRootFilesystem: boolean;
      capabilitiesAdded: string[];
      capabilitiesDropped: string[];
      environmentNames: string[];
      secretNames: string[];
      logDriver?: string;
      /** awslogs options with their values; any other driver's options by name (they can hold tokens). */
      logOptions: Record<string, string>;
      logOptionNames: string[];
    }[];
  };
  service?: {
    arn?: string;
    name: string;
    status?: string;
    desiredCount?: number;
    runningCount?: number;
    pendingCount?: number;
    taskDefinition?: string;
    deployments: {
      id?: string;
      status?: string;
      taskDefinition?: string;
      desiredCount?: number;
      runningCount?: number;
      rolloutState?: string;
    }[];
    subnets?: string[];
    securityGroups?: string[];
    assignPublicIp?: string;
  };
  links: {
    logs: ({ container: string; url: string } & AwslogsStream)[];
    cloudTrail?: { url: string; username: string; startMs: number; endMs: number };
  };
  awsRequestIds: string[];
}

export interface EvidenceInput {
  id: string;
  accountId: string;
  region: string;
  cluster?: string;
  taskArn: string;
  findingId?: string;
  findingType?: string;
  /** The finding's window (ISO); the CloudTrail link covers it with an hour either side. */
  firstSeen?: string;
  lastSeen?: string;
}

const HOUR = 3_600_000;
const ms = (d: Date | undefined) => (d ? d.getTime() : undefined);
const defined = <T extends object>(o: T): T =>
  Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as T;

const SAFE_LOG_OPTION = /^(awslogs-[a-z-]+|mode|max-buffer-size)$/;

function containerDefinition(
  d: ContainerDefinition,
): NonNullable<EvidenceSnapshot['taskDefinition']>['containers'][number] {
  const options = d.logConfiguration?.options ?? {};
  const safe = Object.entries(options).filter(([k]) => SAFE_LOG_OPTION.test(k));
  return defined({
    name: d.name ?? '?',
    image: d.image,
    user: d.user,
    privileged: d.privileged === true,
    readonlyRootFilesystem: d.readonlyRootFilesystem === true,
    capabilitiesAdded: d.linuxParameters?.capabilities?.add ?? [],
    capabilitiesDropped: d.linuxParameters?.capabilities?.drop ?? [],
    environmentNames: (d.environment ?? []).map((e) => e.name ?? '?'),
    secretNames: (d.secrets ?? []).map((s) => s.name ?? '?'),
    logDriver: d.logConfiguration?.logDriver,
    logOptions: Object.fromEntries(safe),
    logOptionNames: Object.keys(options).filter((k) => !SAFE_LOG_OPTION.test(k)),
  });
}

/** The snapshot from what ECS returned. Pure. */
export function buildEvidenceSnapshot(b: TaskBundle, input: EvidenceInput): EvidenceSnapshot {
  const t = b.task;
  const td = b.taskDefinition;
  const s = b.service;
  const taskArn = t?.taskArn ?? input.taskArn;
  const taskId = taskArn.slice(taskArn.lastIndexOf('/') + 1);
  const awsvpc = s?.networkConfiguration?.awsvpcConfiguration;
  const eni = t?.attachments?.find((a) => a.type === 'ElasticNetworkInterface');
  const taskRoleArn = t?.overrides?.taskRoleArn ?? td?.taskRoleArn;
  const logs = (td?.containerDefinitions ?? [])
    .filter((d) => !isGuardDutyAgentContainer(d))
    .flatMap((d) => {
      const l = awslogsStream(d, taskId, input.region);
      return l ? [{ container: d.name ?? '?', url: logStreamUrl(l), ...l }] : [];
    });
  const first = Date.parse(input.firstSeen ?? '') || ms(t?.startedAt) || b.readAt;
  const last = Date.parse(input.lastSeen ?? '') || b.readAt;
  const cloudTrail = taskRoleArn
    ? (() => {
        const q = { username: taskId, startMs: first - HOUR, endMs: Math.min(last + HOUR, b.readAt + HOUR) };
        return { url: cloudTrailEventsUrl(input.region, q), ...q };
      })()
    : undefined;
  return {
    version: 1,
    id: input.id,
    takenAt: b.readAt,
    target: defined({
      accountId: input.accountId,
      region: input.region,
      cluster: input.cluster,
      taskArn: input.taskArn,
      findingId: input.findingId,
      findingType: input.findingType,
    }),
    ok: !!t,
    problems: b.problems,
    ...(t
      ? {
          task: defined({
            taskArn,
            lastStatus: t.lastStatus,
            desiredStatus: t.desiredStatus,
            group: t.group,
            startedBy: t.startedBy,
            launchType: t.launchType,
            platformVersion: t.platformVersion,
            availabilityZone: t.availabilityZone,
            cpu: t.cpu,
            memory: t.memory,
            createdAt: ms(t.createdAt),
            startedAt: ms(t.startedAt),
            stoppedAt: ms(t.stoppedAt),
            stopCode: t.stopCode,
            stoppedReason: t.stoppedReason,
            enableExecuteCommand: t.enableExecuteCommand,
            containers: (t.containers ?? []).map((c) =>
              defined({
                name: c.name ?? '?',
                image: c.image,
                imageDigest: c.imageDigest,
                runtimeId: c.runtimeId,
                lastStatus: c.lastStatus,
                exitCode: c.exitCode,
                guardDutyAgent: isGuardDutyAgentContainer(c),
              }),
            ),
            eni: eni
              ? defined({
                  attachmentId: eni.id,
                  status: eni.status,
                  networkInterfaceId: eniDetail(t, 'networkInterfaceId'),
                  subnetId: eniDetail(t, 'subnetId'),
                  privateIp: eniDetail(t, 'privateIPv4Address'),
                  publicIp: eniDetail(t, 'publicIPv4Address'),
                  macAddress: eniDetail(t, 'macAddress'),
                  privateDnsName: eniDetail(t, 'privateDnsName'),
                })
              : undefined,
            securityGroups: awsvpc?.securityGroups,
          }),
        }
      : {}),
    ...(td
      ? {
          taskDefinition: defined({
            arn: td.taskDefinitionArn,
            familyRevision: `${td.family ?? '?'}:${td.revision ?? '?'}`,
            taskRoleArn,
            taskRoleOverridden: t?.overrides?.taskRoleArn ? true : undefined,
            executionRoleArn: t?.overrides?.executionRoleArn ?? td.executionRoleArn,
            networkMode: td.networkMode,
            pidMode: td.pidMode,
            ipcMode: td.ipcMode,
            containers: (td.containerDefinitions ?? [])
              .filter((d) => !isGuardDutyAgentContainer(d))
              .map(containerDefinition),
          }),
        }
      : {}),
    ...(s
      ? {
          service: defined({
            arn: s.serviceArn,
            name: s.serviceName ?? '?',
            status: s.status,
            desiredCount: s.desiredCount,
            runningCount: s.runningCount,
            pendingCount: s.pendingCount,
            taskDefinition: s.taskDefinition,
            deployments: (s.deployments ?? []).map((d) =>
              defined({
                id: d.id,
                status: d.status,
                taskDefinition: d.taskDefinition,
                desiredCount: d.desiredCount,
                runningCount: d.runningCount,
                rolloutState: d.rolloutState,
              }),
            ),
            subnets: awsvpc?.subnets,
            securityGroups: awsvpc?.securityGroups,
            assignPublicIp: awsvpc?.assignPublicIp,
          }),
        }
      : {}),
    links: defined({ logs, cloudTrail }),
    awsRequestIds: b.awsRequestIds,
  };
}

/** Reads the task and builds its snapshot. Never throws for AWS errors: a failed read is in `problems`. */
export async function takeEvidenceSnapshot(
  ecs: ECSClient,
  input: EvidenceInput,
  now?: () => number,
): Promise<EvidenceSnapshot> {
  const bundle = await describeTaskBundle(
    ecs,
    { taskArn: input.taskArn, ...(input.cluster ? { cluster: input.cluster } : {}) },
    now ? { now } : {},
  );
  return buildEvidenceSnapshot(bundle, input);
}

/** Digests of the application containers (the GuardDuty sidecar's image is everyone's). */
export const appImageDigests = (snap: Pick<EvidenceSnapshot, 'task'>): string[] => [
  ...new Set(
    (snap.task?.containers ?? [])
      .filter((c) => !c.guardDutyAgent && c.imageDigest)
      .map((c) => c.imageDigest as string),
  ),
];
