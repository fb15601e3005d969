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
}
