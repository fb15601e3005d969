import { makeFinding } from './finding-factory.js';
import { randomHex } from './ids.js';
import { type AwsState, clusterArn } from './state.js';
import type {
  EcsClusterRecord,
  EcsContainer,
  EcsContainerDefinition,
  EcsKeyValue,
  EcsServiceRecord,
  EcsTask,
  EcsTaskDefinition,
  WireCoverageResource,
  WireFinding,
} from './wire-types.js';

export { isSidecar, type MakeFindingOptions, makeFinding } from './finding-factory.js';

/**
 * Builders for a realistic estate: clusters, services with task definitions and running tasks
 * (Fargate tasks carry the GuardDuty sidecar), coverage, and findings. All times are epoch ms in
 * options and epoch seconds on the stored wire objects.
 */

export const SIDECAR_IMAGE_ACCOUNT = '593207742271';

export function sidecarContainer(region: string, taskArn: string, taskId: string): EcsContainer {
  const suffix = randomHex(3);
  return {
    containerArn: `${taskArn.replace(':task/', ':container/')}/${randomHex(16)}`,
    taskArn,
    name: `aws-guardduty-agent-${suffix}`,
    image: `${SIDECAR_IMAGE_ACCOUNT}.dkr.ecr.${region}.amazonaws.com/aws-guardduty-agent-fargate:v1.5.0-Fg_x86_64`,
    runtimeId: `${taskId}-${Math.floor(Math.random() * 1e10)}`,
    lastStatus: 'RUNNING',
    healthStatus: 'UNKNOWN',
  };
}

export interface TaskDefinitionSpec {
  family: string;
  image: string;
  revision?: number;
  containerName?: string;
  privileged?: boolean;
  user?: string;
  readonlyRootFilesystem?: boolean;
  capabilities?: string[];
  environment?: EcsKeyValue[];
  secrets?: { name: string; valueFrom: string }[];
  taskRoleArn?: string;
  /** null leaves the execution role out (a coverage issue on Fargate) */
  executionRoleArn?: string | null;
  networkMode?: EcsTaskDefinition['networkMode'];
  pidMode?: 'host' | 'task';
  cpu?: string;
  memory?: string;
  launchType?: 'FARGATE' | 'EC2';
  extraContainers?: EcsContainerDefinition[];
}

export function addTaskDefinition(
  state: AwsState,
  accountId: string,
  region: string,
  spec: TaskDefinitionSpec,
): EcsTaskDefinition {
  const revision = spec.revision ?? 1;
  const fargate = (spec.launchType ?? 'FARGATE') === 'FARGATE';
  const main: EcsContainerDefinition = {
    name: spec.containerName ?? spec.family,
    image: spec.image,
    essential: true,
    privileged: spec.privileged ?? false,
    readonlyRootFilesystem: spec.readonlyRootFilesystem ?? false,
    ...(spec.user !== undefined ? { user: spec.user } : {}),
    ...(spec.capabilities ? { linuxParameters: { capabilities: { add: spec.capabilities, drop: [] } } } : {}),
    environment: spec.environment ?? [{ name: 'NODE_ENV', value: 'production' }],
    secrets: spec.secrets ?? [],
    portMappings: [{ containerPort: 8080, hostPort: 8080, protocol: 'tcp' }],
    mountPoints: [],
    logConfiguration: {
      logDriver: 'awslogs',
      options: { 'awslogs-group': `/ecs/${spec.family}`, 'awslogs-region': region },
    },
  };
  const td: EcsTaskDefinition = {
    taskDefinitionArn: `arn:aws:ecs:${region}:${accountId}:task-definition/${spec.family}:${revision}`,
    family: spec.family,
    revision,
    status: 'ACTIVE',
    containerDefinitions: [main, ...(spec.extraContainers ?? [])],
    taskRoleArn: spec.taskRoleArn ?? `arn:aws:iam::${accountId}:role/${spec.family}-task`,
    ...(spec.executionRoleArn === null
      ? {}
      : { executionRoleArn: spec.executionRoleArn ?? `arn:aws:iam::${accountId}:role/ecsTaskExecutionRole` }),
    networkMode: spec.networkMode ?? (fargate ? 'awsvpc' : 'bridge'),
    ...(spec.pidMode ? { pidMode: spec.pidMode } : {}),
    cpu: spec.cpu ?? '512',
    memory: spec.memory ?? '1024',
    requiresCompatibilities: [fargate ? 'FARGATE' : 'EC2'],
    compatibilities: fargate ? ['EC2', 'FARGATE'] : ['EC2'],
    volumes: [],
    runtimePlatform: { cpuArchitecture: 'X86_64', operatingSystemFamily: 'LINUX' },
    registeredAt: state.now() / 1000 - 86400 * 7,
    registeredBy: `arn:aws:iam::${accountId}:role/deployer`,
  };
  state.addTaskDefinition(accountId, region, td);
  // The roles exist in IAM (GetRole / PutRolePolicy find them); only ECS may assume them.
  for (const arn of [td.taskRoleArn, td.executionRoleArn]) if (arn) state.ensureTaskRole(arn);
  return td;
}

export interface TaskSpec {
  accountId: string;
  region: string;
  cluster: string;
  taskDefinition: EcsTaskDefinition;
  group?: string;
  startedBy?: string;
  launchType?: 'FARGATE' | 'EC2';
  /** default: true on Fargate (GuardDuty injects its agent into new Fargate tasks) */
  sidecar?: boolean;
  /** epoch ms */
  startedAt?: number;
  subnetId?: string;
  availabilityZone?: string;
}

const octet = () => 1 + Math.floor(Math.random() * 250);

export function addTask(state: AwsState, spec: TaskSpec): EcsTask {
  const { accountId, region } = spec;
  const id = randomHex(16);
  const taskArn = `arn:aws:ecs:${region}:${accountId}:task/${spec.cluster}/${id}`;
  const launchType =
    spec.launchType ?? (spec.taskDefinition.requiresCompatibilities.includes('FARGATE') ? 'FARGATE' : 'EC2');
  const fargate = launchType === 'FARGATE';
  const started = (spec.startedAt ?? state.now() - 3600_000) / 1000;
  const ip = `10.0.${octet()}.${octet()}`;
  const eniId = `eni-${randomHex(8).slice(0, 17)}`;
  const attachmentId = `${randomHex(4)}-${randomHex(2)}-${randomHex(2)}-${randomHex(2)}-${randomHex(6)}`;
  const az = spec.availabilityZone ?? `${region}${['a', 'b', 'c'][Math.floor(Math.random() * 3)]}`;
  const app: EcsContainer[] = spec.taskDefinition.containerDefinitions.map((d) => ({
    containerArn: `arn:aws:ecs:${region}:${accountId}:container/${spec.cluster}/${id}/${randomHex(16)}`,
    taskArn,
    name: d.name,
    image: d.image,
    imageDigest: state.imageDigest(d.image),
    runtimeId: `${id}-${Math.floor(Math.random() * 1e10)}`,
    lastStatus: 'RUNNING',
    healthStatus: 'UNKNOWN',
    ...(fargate ? { networkInterfaces: [{ attachmentId, privateIpv4Address: ip }] } : {}),
  }));
  const containers = (spec.sidecar ?? fargate) ? [...app, sidecarContainer(region, taskArn, id)] : app;
  const task: EcsTask = {
    taskArn,
    clusterArn: clusterArn(accountId, region, spec.cluster),
    taskDefinitionArn: spec.taskDefinition.taskDefinitionArn,
    group: spec.group ?? `family:${spec.taskDefinition.family}`,
    ...(spec.startedBy ? { startedBy: spec.startedBy } : {}),
    launchType,
    ...(fargate ? { platformVersion: '1.4.0', platformFamily: 'Linux' } : {}),
    availabilityZone: az,
    connectivity: 'CONNECTED',
    lastStatus: 'RUNNING',
    desiredStatus: 'RUNNING',
    healthStatus: 'UNKNOWN',
    ...(spec.taskDefinition.cpu !== undefined ? { cpu: spec.taskDefinition.cpu } : {}),
    ...(spec.taskDefinition.memory !== undefined ? { memory: spec.taskDefinition.memory } : {}),
    containers,
    attachments: fargate
      ? [
          {
            id: attachmentId,
            type: 'ElasticNetworkInterface',
            status: 'ATTACHED',
            details: [
              { name: 'subnetId', value: spec.subnetId ?? `subnet-${randomHex(8).slice(0, 17)}` },
              { name: 'networkInterfaceId', value: eniId },
              { name: 'macAddress', value: '0a:1b:2c:3d:4e:5f' },
              { name: 'privateDnsName', value: `ip-${ip.replace(/\./g, '-')}.${region}.compute.internal` },
              { name: 'privateIPv4Address', value: ip },
            ],
          },
        ]
      : [],
    ...(fargate
      ? {}
      : {
          containerInstanceArn: `arn:aws:ecs:${region}:${accountId}:container-instance/${spec.cluster}/${randomHex(16)}`,
        }),
    createdAt: started - 20,
    pullStartedAt: started - 15,
    pullStoppedAt: started - 5,
    connectivityAt: started - 18,
    startedAt: started,
    version: 3,
    tags: [],
  };
  return state.addTask(accountId, region, task);
}

export interface ServiceSpec extends Omit<TaskDefinitionSpec, 'family'> {
  accountId: string;
  region: string;
  cluster: string;
  service: string;
  family?: string;
  taskCount?: number;
  sidecar?: boolean;
  startedAt?: number;
}

export interface SeededService {
  cluster: EcsClusterRecord;
  service: EcsServiceRecord;
  taskDefinition: EcsTaskDefinition;
  tasks: EcsTask[];
}

/** A cluster (created if missing), a task definition, a service and its running tasks. */
export function addService(state: AwsState, spec: ServiceSpec): SeededService {
  const { accountId, region } = spec;
  const store = state.store(accountId, region);
  const cluster =
    store.clusters.get(spec.cluster) ??
    state.addCluster(
      accountId,
      region,
      spec.cluster,
      spec.launchType === 'EC2' ? { capacityProviders: [], containerInstances: 2 } : {},
    );
  const taskDefinition = addTaskDefinition(state, accountId, region, {
    ...spec,
    family: spec.family ?? spec.service,
  });
  const launchType = spec.launchType ?? 'FARGATE';
  const count = spec.taskCount ?? 2;
  const createdAt = (spec.startedAt ?? state.now() - 3600_000) / 1000 - 3600;
  const deploymentId = `ecs-svc/${String(Math.floor(Math.random() * 1e18)).padStart(19, '1')}`;
  const subnets = [`subnet-${randomHex(8).slice(0, 17)}`, `subnet-${randomHex(8).slice(0, 17)}`];
  const service: EcsServiceRecord = {
    serviceArn: `arn:aws:ecs:${region}:${accountId}:service/${spec.cluster}/${spec.service}`,
    serviceName: spec.service,
    clusterArn: cluster.clusterArn,
    status: 'ACTIVE',
    taskDefinition: taskDefinition.taskDefinitionArn,
    desiredCount: count,
    launchType,
    ...(launchType === 'FARGATE' ? { platformVersion: 'LATEST', platformFamily: 'Linux' } : {}),
    schedulingStrategy: 'REPLICA',
    ...(launchType === 'FARGATE'
      ? {
          networkConfiguration: {
            awsvpcConfiguration: {
              subnets,
              securityGroups: [`sg-${randomHex(8).slice(0, 17)}`],
              assignPublicIp: 'DISABLED',
            },
          },
        }
      : {}),
    deployments: [
      {
        id: deploymentId,
        status: 'PRIMARY',
        taskDefinition: taskDefinition.taskDefinitionArn,
        desiredCount: count,
        pendingCount: 0,
        runningCount: count,
        failedTasks: 0,
        createdAt,
        updatedAt: createdAt + 300,
        launchType,
        ...(launchType === 'FARGATE' ? { platformVersion: '1.4.0' } : {}),
        rolloutState: 'COMPLETED',
        rolloutStateReason: 'ECS deployment ecs-svc completed.',
      },
    ],
    createdAt,
    createdBy: `arn:aws:iam::${accountId}:role/deployer`,
    tags: [],
  };
  state.addService(accountId, region, spec.cluster, service);
  const tasks = Array.from({ length: count }, (_, i) =>
    addTask(state, {
      accountId,
      region,
      cluster: spec.cluster,
      taskDefinition,
      group: `service:${spec.service}`,
      startedBy: deploymentId,
      launchType,
      ...(spec.sidecar !== undefined ? { sidecar: spec.sidecar } : {}),
      ...(spec.startedAt !== undefined ? { startedAt: spec.startedAt } : {}),
      subnetId: subnets[i % subnets.length] as string,
    }),
  );
  return { cluster, service, taskDefinition, tasks };
}

/** Coverage issue texts, verbatim forms from the GuardDuty troubleshooting table. */
export const COVERAGE_ISSUES = {
  relaunch: (taskIds: string[]) => ({
    issue: 'Agent not provisioned',
    detail: `Tasks started before enabling Runtime Monitoring require a relaunch. Impacted task ID(s): '${taskIds.join(', ')}'`,
  }),
  automatedAgentTasks: (taskIds: string[]) => ({
    issue: 'Agent not provisioned',
    detail: `Tasks started before enabling Automated Agent Configuration are not covered. Impacted task ID(s): '${taskIds.join(', ')}'`,
  }),
  newDeployment: (service: string) => ({
    issue: 'Agent not provisioned',
    detail: `Service '${service}' requires a new deployment to fix/troubleshoot.`,
  }),
  exclusionTag: (taskIds: string[]) => ({
    issue: 'Agent not provisioned',
    detail: `Tasks started when clusters had exclusion tag are excluded from Runtime Monitoring. Impacted task ID(s): '${taskIds.join(', ')}'`,
  }),
  missingExecutionRole: (family: string) => ({
    issue: 'Agent not provisioned',
    detail: `TaskExecutionRole missing from TaskDefinition - '${family}'`,
  }),
  notReporting: (family: string) => ({
    issue: 'Agent not reporting',
    detail: `Agent not reporting for tasks in TaskDefinition - '${family}'`,
  }),
  agentExited: () => ({
    issue: 'Agent exited',
    detail:
      'Agent exited: Reason: CannotPullContainerError: pull image manifest has been retried 1 time(s): failed to resolve ref aws-guardduty-agent-fargate',
  }),
  vpcEndpoint: (vpcId: string) => ({
    issue: 'VPC Endpoint Creation Failed',
    detail: `Enabling private DNS requires both enableDnsSupport and enableDnsHostnames VPC attributes set to true for ${vpcId}`,
  }),
} as const;

export interface CoverageSpec {
  accountId: string;
  region: string;
  cluster: string;
  /** omitted = HEALTHY */
  issue?: { issue: string; detail: string };
  managementType?: 'AUTO_MANAGED' | 'MANUAL' | 'DISABLED';
  containerInstances?: { covered: number; compatible: number };
  /** epoch ms */
  updatedAt?: number;
}

export function addCoverage(state: AwsState, spec: CoverageSpec): WireCoverageResource {
  return state.addCoverage(spec.accountId, spec.region, {
    resourceId: spec.cluster,
    resourceDetails: {
      resourceType: 'ECS',
      ecsClusterDetails: {
        clusterName: spec.cluster,
        fargateDetails: {
          issues: spec.issue ? [spec.issue.detail] : [],
          managementType: spec.managementType ?? 'AUTO_MANAGED',
        },
        containerInstanceDetails: {
          coveredContainerInstances: spec.containerInstances?.covered ?? 0,
          compatibleContainerInstances: spec.containerInstances?.compatible ?? 0,
        },
      },
    },
    coverageStatus: spec.issue ? 'UNHEALTHY' : 'HEALTHY',
    ...(spec.issue ? { issue: spec.issue.issue } : {}),
    updatedAt: (spec.updatedAt ?? state.now()) / 1000,
  });
}

/** Stores a finding built with makeFinding for a task, using the task's cluster from the state. */
export function addFindingFor(
  state: AwsState,
  opts: Omit<Parameters<typeof makeFinding>[0], 'cluster'>,
): WireFinding {
  const parts = opts.task.taskArn.split(':');
  const region = parts[3] as string;
  const accountId = parts[4] as string;
  const store = state.store(accountId, region);
  const cluster = store.clusters.get(opts.task.clusterArn.slice(opts.task.clusterArn.lastIndexOf('/') + 1));
  const running = [...store.tasks.values()].filter(
    (t) => t.clusterArn === opts.task.clusterArn && t.lastStatus === 'RUNNING',
  ).length;
  const services = [...store.services.values()].filter((s) => s.clusterArn === opts.task.clusterArn).length;
  const td = [...store.taskDefinitions.values()].find(
    (d) => d.taskDefinitionArn === opts.task.taskDefinitionArn,
  );
  return state.addFinding(
    makeFinding({
      at: state.now(),
      ...opts,
      ...(cluster ? { cluster } : {}),
      ...(td ? { taskDefinition: td } : {}),
      clusterCounts: { activeServicesCount: services, runningTasksCount: running },
    }),
  );
}

export interface Estate {
  homeAccountId: string;
  memberAccountId: string;
  regions: string[];
  roleName: string;
  externalId: string;
  services: Record<string, SeededService>;
}

export interface EstateOptions {
  memberAccountId?: string;
  regions?: [string, ...string[]];
  roleName?: string;
  externalId?: string;
}

/**
 * A small, realistic estate: the home account is the GuardDuty administrator of one member
 * account; Fargate and EC2 clusters with healthy and unhealthy coverage; a member role to assume.
 */
export function seedEstate(state: AwsState, opts: EstateOptions = {}): Estate {
  const home = state.homeAccountId;
  const member = opts.memberAccountId ?? '444455556666';
  const regions = opts.regions ?? ['us-east-1', 'eu-west-1'];
  const [primary] = regions;
  const roleName = opts.roleName ?? 'EcsGuardResponder';
  const externalId = opts.externalId ?? 'ecs-guard-external-id';
  state.addAccount(member);
  // As deploy/member-role.cfn.yml: external id and a SourceIdentity required.
  state.addRole(member, roleName, { externalId, trustedAccount: home, requireSourceIdentity: true });
  state.addRole(home, roleName, { externalId, trustedAccount: home });
  for (const r of regions) {
    state.ensureDetector(home, r);
    state.ensureDetector(member, r);
  }
  const earlier = state.now() - 30 * 86400_000;
  const services: Record<string, SeededService> = {
    web: addService(state, {
      accountId: home,
      region: primary,
      cluster: 'prod-web',
      service: 'web',
      image: `${home}.dkr.ecr.${primary}.amazonaws.com/web:1.4.2`,
      taskCount: 3,
    }),
    api: addService(state, {
      accountId: home,
      region: primary,
      cluster: 'prod-web',
      service: 'api',
      image: `${home}.dkr.ecr.${primary}.amazonaws.com/api:2.0.1`,
      user: '1000',
      readonlyRootFilesystem: true,
      secrets: [
        { name: 'DB_PASSWORD', valueFrom: `arn:aws:secretsmanager:${primary}:${home}:secret:db-password` },
      ],
    }),
    worker: addService(state, {
      accountId: home,
      region: primary,
      cluster: 'batch-jobs',
      service: 'worker',
      image: `${home}.dkr.ecr.${primary}.amazonaws.com/worker:0.9.0`,
      taskCount: 1,
      sidecar: false,
      startedAt: earlier,
      capabilities: ['SYS_PTRACE'],
    }),
    legacy: addService(state, {
      accountId: home,
      region: primary,
      cluster: 'legacy-ec2',
      service: 'legacy',
      image: 'public.ecr.aws/nginx/nginx:1.27',
      launchType: 'EC2',
      privileged: true,
      taskCount: 1,
    }),
    payments: addService(state, {
      accountId: member,
      region: primary,
      cluster: 'payments',
      service: 'payments-api',
      image: `${member}.dkr.ecr.${primary}.amazonaws.com/payments:3.1.0`,
    }),
  };
  for (const r of regions.slice(1)) {
    services[`web-${r}`] = addService(state, {
      accountId: home,
      region: r,
      cluster: 'eu-web',
      service: 'web',
      image: `${home}.dkr.ecr.${r}.amazonaws.com/web:1.4.2`,
      taskCount: 1,
    });
    addCoverage(state, { accountId: home, region: r, cluster: 'eu-web' });
  }
  const workerTaskIds =
    services.worker?.tasks.map((t) => t.taskArn.slice(t.taskArn.lastIndexOf('/') + 1)) ?? [];
  addCoverage(state, { accountId: home, region: primary, cluster: 'prod-web' });
  addCoverage(state, {
    accountId: home,
    region: primary,
    cluster: 'batch-jobs',
    issue: COVERAGE_ISSUES.relaunch(workerTaskIds),
  });
  addCoverage(state, {
    accountId: home,
    region: primary,
    cluster: 'legacy-ec2',
    managementType: 'MANUAL',
    containerInstances: { covered: 1, compatible: 2 },
  });
  addCoverage(state, { accountId: member, region: primary, cluster: 'payments' });
  return { homeAccountId: home, memberAccountId: member, regions, roleName, externalId, services };
}
