/**
 * Wire (JSON) shapes the emulator stores and returns. ECS members are camelCase with timestamps as
 * epoch-second numbers; GuardDuty findings are the camelCase restJson1 shape (ISO strings for
 * finding createdAt/updatedAt/eventFirstSeen/eventLastSeen, epoch seconds inside runtime details).
 */

export interface EcsTag {
  key: string;
  value: string;
}

export interface EcsSetting {
  name: string;
  value: string;
}

export interface EcsKeyValue {
  name: string;
  value: string;
}

/** Stored cluster; counts are computed from tasks and services when described. */
export interface EcsClusterRecord {
  clusterArn: string;
  clusterName: string;
  status: 'ACTIVE' | 'INACTIVE';
  registeredContainerInstancesCount: number;
  capacityProviders: string[];
  settings: EcsSetting[];
  tags: EcsTag[];
}

export interface EcsContainerDefinition {
  name: string;
  image: string;
  essential?: boolean;
  cpu?: number;
  memory?: number;
  privileged?: boolean;
  user?: string;
  readonlyRootFilesystem?: boolean;
  linuxParameters?: { capabilities?: { add?: string[]; drop?: string[] }; initProcessEnabled?: boolean };
  environment?: EcsKeyValue[];
  secrets?: { name: string; valueFrom: string }[];
  portMappings?: { containerPort: number; hostPort?: number; protocol?: string }[];
  mountPoints?: { sourceVolume: string; containerPath: string; readOnly?: boolean }[];
  logConfiguration?: { logDriver: string; options?: Record<string, string> };
}

export interface EcsTaskDefinition {
  taskDefinitionArn: string;
  family: string;
  revision: number;
  status: 'ACTIVE' | 'INACTIVE';
  containerDefinitions: EcsContainerDefinition[];
  taskRoleArn?: string;
  executionRoleArn?: string;
  networkMode: 'awsvpc' | 'bridge' | 'host' | 'none';
  pidMode?: 'host' | 'task';
  ipcMode?: string;
  cpu?: string;
  memory?: string;
  requiresCompatibilities: string[];
  compatibilities: string[];
  volumes: { name: string; host?: { sourcePath?: string } }[];
  runtimePlatform?: { cpuArchitecture?: string; operatingSystemFamily?: string };
  registeredAt: number;
  registeredBy?: string;
}

export interface EcsDeployment {
  id: string;
  status: 'PRIMARY' | 'ACTIVE' | 'INACTIVE';
  taskDefinition: string;
  desiredCount: number;
  pendingCount: number;
  runningCount: number;
  failedTasks: number;
  createdAt: number;
  updatedAt: number;
  launchType?: string;
  platformVersion?: string;
  rolloutState?: 'COMPLETED' | 'FAILED' | 'IN_PROGRESS';
  rolloutStateReason?: string;
}

export interface EcsNetworkConfiguration {
  awsvpcConfiguration: {
    subnets: string[];
    securityGroups?: string[];
    assignPublicIp?: 'ENABLED' | 'DISABLED';
  };
}

export interface EcsServiceRecord {
  serviceArn: string;
  serviceName: string;
  clusterArn: string;
  status: 'ACTIVE' | 'DRAINING' | 'INACTIVE';
  taskDefinition: string;
  desiredCount: number;
  launchType?: string;
  platformVersion?: string;
  platformFamily?: string;
  schedulingStrategy: 'REPLICA' | 'DAEMON';
  networkConfiguration?: EcsNetworkConfiguration;
  deployments: EcsDeployment[];
  createdAt: number;
  createdBy?: string;
  /** Service events, newest first (what the scheduler did), at most 100. */
  events?: { id: string; createdAt: number; message: string }[];
  tags: EcsTag[];
}

export interface EcsContainer {
  containerArn: string;
  taskArn: string;
  name: string;
  image: string;
  imageDigest?: string;
  runtimeId: string;
  lastStatus: string;
  exitCode?: number;
  reason?: string;
  healthStatus?: string;
  networkInterfaces?: { attachmentId: string; privateIpv4Address: string }[];
  cpu?: string;
  memory?: string;
}

export interface EcsAttachment {
  id: string;
  type: 'ElasticNetworkInterface';
  status: string;
  details: EcsKeyValue[];
}

export interface EcsTask {
  taskArn: string;
  clusterArn: string;
  taskDefinitionArn: string;
  group: string;
  startedBy?: string;
  launchType: 'FARGATE' | 'EC2' | 'EXTERNAL' | 'MANAGED_INSTANCES';
  platformVersion?: string;
  platformFamily?: string;
  availabilityZone: string;
  connectivity?: string;
  lastStatus: string;
  desiredStatus: string;
  healthStatus?: string;
  cpu?: string;
  memory?: string;
  containers: EcsContainer[];
  attachments: EcsAttachment[];
  createdAt: number;
  startedAt?: number;
  pullStartedAt?: number;
  pullStoppedAt?: number;
  connectivityAt?: number;
  stoppingAt?: number;
  stoppedAt?: number;
  executionStoppedAt?: number;
  stopCode?: string;
  stoppedReason?: string;
  containerInstanceArn?: string;
  version: number;
  tags: EcsTag[];
}

/** A GuardDuty finding in wire (camelCase) form. Loosely typed: any member of the model may appear. */
export interface WireFinding {
  schemaVersion: string;
  accountId: string;
  region: string;
  partition: string;
  id: string;
  arn: string;
  type: string;
  resource: Record<string, unknown> & { resourceType: string };
  service: Record<string, unknown> & {
    archived: boolean;
    count: number;
    detectorId: string;
    eventFirstSeen?: string;
    eventLastSeen?: string;
    featureName?: string;
  };
  severity: number;
  createdAt: string;
  updatedAt: string;
  title?: string;
  description?: string;
  confidence?: number;
  [key: string]: unknown;
}

export interface WireFeatureAdditional {
  name: string;
  status: 'ENABLED' | 'DISABLED';
  updatedAt: number;
}

export interface WireDetectorFeature {
  name: string;
  status: 'ENABLED' | 'DISABLED';
  updatedAt: number;
  additionalConfiguration?: WireFeatureAdditional[];
}

export interface DetectorRecord {
  detectorId: string;
  accountId: string;
  region: string;
  status: 'ENABLED' | 'DISABLED';
  findingPublishingFrequency: 'FIFTEEN_MINUTES' | 'ONE_HOUR' | 'SIX_HOURS';
  serviceRole: string;
  createdAt: string;
  updatedAt: string;
  features: WireDetectorFeature[];
  tags: Record<string, string>;
}

export interface WireCoverageResource {
  resourceId: string;
  detectorId: string;
  accountId: string;
  resourceDetails: {
    resourceType: 'ECS' | 'EKS' | 'EC2';
    ecsClusterDetails?: {
      clusterName: string;
      fargateDetails?: { issues: string[]; managementType: 'AUTO_MANAGED' | 'MANUAL' | 'DISABLED' };
      containerInstanceDetails?: { coveredContainerInstances: number; compatibleContainerInstances: number };
    };
    [key: string]: unknown;
  };
  coverageStatus: 'HEALTHY' | 'UNHEALTHY';
  issue?: string;
  updatedAt: number;
}

export interface FilterRecord {
  name: string;
  description?: string;
  action: 'NOOP' | 'ARCHIVE';
  rank: number;
  findingCriteria: { criterion?: Record<string, Record<string, unknown>> };
  tags: Record<string, string>;
  /** epoch seconds */
  createdAt?: number;
  /** epoch seconds */
  updatedAt?: number;
  version?: number;
  /** CreateFilter's idempotency token (not returned by GetFilter). */
  clientToken?: string;
}
