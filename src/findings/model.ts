/**
 * The one internal model of a GuardDuty ECS runtime finding. Built by `normalise.ts` from either
 * the SDK v3 PascalCase object or the wire / EventBridge camelCase JSON. Every string field that
 * comes from the finding is attacker-influenced: render it only through `slack/mrkdwn.ts`.
 */
export type SeverityLabel = 'Low' | 'Medium' | 'High' | 'Critical';

export interface ProcessInfo {
  name?: string;
  executablePath?: string;
  executableSha256?: string;
  commandLine?: string;
  pid?: number;
  user?: string;
  uid?: number;
  workingDirectory?: string;
  /** Parent first: [parent, grandparent, …]. */
  lineage: { name?: string; executablePath?: string; pid?: number; userId?: number }[];
}

export interface RuntimeContextInfo {
  files: string[];
  domains: string[];
  ips: string[];
  modifyingProcess?: { name?: string; executablePath?: string; pid?: number };
  other: Record<string, string>;
}

export interface ContainerInfo {
  name?: string;
  image?: string;
  imageDigest?: string;
  id?: string;
  privileged?: boolean;
}

/** A signal of an attack sequence: a GuardDuty finding or an activity from a data source. */
export interface SequenceSignal {
  uid: string;
  /** FINDING, CLOUD_TRAIL, RUNTIME_MONITORING, … */
  type: string;
  name: string;
  description?: string;
  severity?: number;
  count: number;
  firstSeen?: string;
  lastSeen?: string;
  /** When `type` is FINDING: the cited finding's id (from its ARN or id). */
  findingId?: string;
  resourceUids: string[];
  endpointIds: string[];
}

/** An affected resource (ResourceV2) of a sequence, reduced to what an ECS responder needs. */
export interface SequenceResource {
  uid: string;
  /** ECS_CLUSTER, ECS_TASK, CONTAINER, … */
  type: string;
  name?: string;
  accountId?: string;
  region?: string;
  /** ECS_CLUSTER / ECS_TASK: the cluster name (from the ARN). */
  cluster?: string;
  /** ECS_TASK: the service, from the task's `aws:ecs:serviceName` tag when present. */
  service?: string;
  taskDefinitionArn?: string;
  launchType?: string;
  /** CONTAINER: image and digest. */
  image?: string;
  imageUid?: string;
}

export interface SequenceEndpoint {
  id: string;
  ip?: string;
  domain?: string;
  port?: number;
  country?: string;
  city?: string;
  asName?: string;
  asNumber?: number;
  direction?: string;
}

/**
 * GuardDuty Extended Threat Detection's `service.detection.sequence` (AttackSequence findings):
 * up to 100 signals, 400 resources, 400 endpoints, 400 actors and indicators. All of it is
 * attacker-influenced text as far as rendering goes.
 */
export interface AttackSequence {
  uid: string;
  description: string;
  signals: SequenceSignal[];
  resources: SequenceResource[];
  endpoints: SequenceEndpoint[];
  actors: { id: string; user?: string; process?: string }[];
  /** MITRE ATT&CK tactics and techniques (ATTACK_TACTIC / ATTACK_TECHNIQUE indicators). */
  tactics: string[];
  techniques: string[];
  /** Other indicators, by title: `Malicious IP: 1.2.3.4, …`. */
  indicators: { key: string; title: string; values: string[] }[];
  additionalTypes: string[];
}

export interface Finding {
  id: string;
  arn?: string;
  type: string;
  severity: number;
  severityLabel: SeverityLabel;
  title: string;
  description: string;
  accountId: string;
  region: string;
  partition: string;
  detectorId?: string;
  clusterName?: string;
  clusterArn?: string;
  taskArn?: string;
  taskId?: string;
  /** family:revision */
  taskDefinition?: string;
  taskFamily?: string;
  launchType?: string;
  /** from the task group `service:NAME` */
  service?: string;
  group?: string;
  startedBy?: string;
  container?: ContainerInfo;
  process?: ProcessInfo;
  runtime: RuntimeContextInfo;
  count: number;
  firstSeen?: string;
  lastSeen?: string;
  createdAt?: string;
  updatedAt: string;
  archived: boolean;
  sample: boolean;
  resourceType: string;
  featureName?: string;
  /** The attack sequence (an incident) when this finding is an `AttackSequence:…` finding. */
  sequence?: AttackSequence;
  /** A runtime finding a sequence cites carries the sequence's ARN. */
  associatedAttackSequenceArn?: string;
}
