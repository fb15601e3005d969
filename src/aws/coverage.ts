/**
 * GuardDuty coverage and detector reads for ECS clusters, and the remediation hint for each known
 * coverage issue (shared/reference/guardduty.md §4, §5). I/O functions take a client; the hint
 * and the row mapping are pure.
 */
import {
  type CoverageFilterCriterion,
  type CoverageResource,
  GetCoverageStatisticsCommand,
  GetDetectorCommand,
  type GuardDutyClient,
  ListCoverageCommand,
  ListDetectorsCommand,
} from '@aws-sdk/client-guardduty';
import { EcsGuardError, ErrorCode } from '../errors.js';

export interface CoverageRow {
  accountId: string;
  region: string;
  cluster: string;
  status: 'HEALTHY' | 'UNHEALTHY' | string;
  /** The issue type ("Agent not provisioned", …). */
  issue?: string;
  /** The detail texts (`fargateDetails.issues`). */
  issues: string[];
  managementType?: string;
  coveredInstances: number;
  compatibleInstances: number;
  /** epoch ms */
  updatedAt?: number;
}

export interface CoverageFilter {
  cluster?: string;
  accountId?: string;
}

export interface DetectorFeatures {
  detectorId: string;
  status?: string;
  runtimeMonitoring: boolean;
  fargateAgentManagement: boolean;
  ec2AgentManagement: boolean;
}

/** The region's detector id (an account has at most one per region), or undefined. */
export async function findDetectorId(gd: GuardDutyClient): Promise<string | undefined> {
  const out = await gd.send(new ListDetectorsCommand({}));
  return out.DetectorIds?.[0] || undefined;
}

/** The region's detector id, or a NotFound error that says what to do. */
export async function detectorIdOf(gd: GuardDutyClient, where: string): Promise<string> {
  const id = await findDetectorId(gd);
  if (!id) {
    throw new EcsGuardError(
      ErrorCode.NotFound,
      `GuardDuty has no detector in ${where}: enable GuardDuty in that region first (guardduty:CreateDetector), or leave the region out of ECS_GUARD_REGIONS`,
    );
  }
  return id;
}

export async function detectorFeatures(gd: GuardDutyClient, detectorId: string): Promise<DetectorFeatures> {
  const d = await gd.send(new GetDetectorCommand({ DetectorId: detectorId }));
  const rm = d.Features?.find((f) => f.Name === 'RUNTIME_MONITORING');
  const extra = (name: string) =>
    rm?.AdditionalConfiguration?.find((c) => c.Name === name)?.Status === 'ENABLED';
  return {
    detectorId,
    ...(d.Status ? { status: d.Status } : {}),
    runtimeMonitoring: rm?.Status === 'ENABLED',
    fargateAgentManagement: extra('ECS_FARGATE_AGENT_MANAGEMENT'),
    ec2AgentManagement: extra('EC2_AGENT_MANAGEMENT'),
  };
}

export function coverageCriteria(f: CoverageFilter): CoverageFilterCriterion[] {
  const c: CoverageFilterCriterion[] = [
    { CriterionKey: 'RESOURCE_TYPE', FilterCondition: { Equals: ['ECS'] } },
  ];
  if (f.cluster) c.push({ CriterionKey: 'ECS_CLUSTER_NAME', FilterCondition: { Equals: [f.cluster] } });
  if (f.accountId) c.push({ CriterionKey: 'ACCOUNT_ID', FilterCondition: { Equals: [f.accountId] } });
  return c;
}

/** Every ECS coverage resource the detector sees (its members' too), paged 50 at a time. */
export async function listEcsCoverage(
  gd: GuardDutyClient,
  detectorId: string,
  region: string,
  f: CoverageFilter = {},
  maxPages = 100,
): Promise<CoverageRow[]> {
  const rows: CoverageRow[] = [];
  let token: string | undefined;
  for (let page = 0; page < maxPages; page++) {
    const out = await gd.send(
      new ListCoverageCommand({
        DetectorId: detectorId,
        FilterCriteria: { FilterCriterion: coverageCriteria(f) },
        MaxResults: 50,
        ...(token ? { NextToken: token } : {}),
      }),
    );
    for (const r of out.Resources ?? []) rows.push(coverageRow(r, region));
    token = out.NextToken || undefined;
    if (!token) break;
  }
  return rows;
}

export async function coverageStatistics(
  gd: GuardDutyClient,
  detectorId: string,
  f: CoverageFilter = {},
): Promise<{ healthy: number; unhealthy: number }> {
  const out = await gd.send(
    new GetCoverageStatisticsCommand({
      DetectorId: detectorId,
      FilterCriteria: { FilterCriterion: coverageCriteria(f) },
      StatisticsType: ['COUNT_BY_COVERAGE_STATUS'],
    }),
  );
  const by = out.CoverageStatistics?.CountByCoverageStatus ?? {};
  return { healthy: Number(by.HEALTHY ?? 0), unhealthy: Number(by.UNHEALTHY ?? 0) };
}

export function coverageRow(r: CoverageResource, region: string): CoverageRow {
  const ecs = r.ResourceDetails?.EcsClusterDetails;
  const mt = ecs?.FargateDetails?.ManagementType;
  return {
    accountId: r.AccountId ?? '',
    region,
    cluster: ecs?.ClusterName ?? r.ResourceId ?? '?',
    status: r.CoverageStatus ?? 'UNKNOWN',
    ...(r.Issue ? { issue: r.Issue } : {}),
    issues: ecs?.FargateDetails?.Issues ?? [],
    ...(mt ? { managementType: mt } : {}),
    coveredInstances: Number(ecs?.ContainerInstanceDetails?.CoveredContainerInstances ?? 0),
    compatibleInstances: Number(ecs?.ContainerInstanceDetails?.CompatibleContainerInstances ?? 0),
    ...(r.UpdatedAt ? { updatedAt: r.UpdatedAt.getTime() } : {}),
  };
}

/** Known issue texts → what to do. First match wins; order matters (specific before generic). */
const REMEDIATIONS: [RegExp, string][] = [
  [
    /TaskExecutionRole missing/i,
    'Add a task execution role to the task definition (AmazonECSTaskExecutionRolePolicy, or ECR pull permissions on aws-guardduty-agent-fargate), register a new revision and redeploy.',
  ],
  [
    /CannotPullContainerError|Agent exited|ExitCode/i,
    'The agent image cannot be pulled: give the task execution role ECR pull permissions and a network path to ECR and S3 (NAT, or ecr.api/ecr.dkr endpoints plus the S3 gateway endpoint; security group egress 443).',
  ],
  [
    /enableDnsSupport|enableDnsHostnames|VPC Endpoint/i,
    'Set the VPC attributes enableDnsSupport and enableDnsHostnames to true so GuardDuty can create the guardduty-data endpoint.',
  ],
  [
    /exclusion tag/i,
    'The cluster carried GuardDutyManaged=false: run `/ecs-guard enable <cluster>`, then relaunch the tasks or redeploy the services.',
  ],
  [
    /before enabling (Runtime Monitoring|Automated Agent)|requires a relaunch|requires a new deployment/i,
    'Tasks started before Runtime Monitoring was on have no agent: redeploy the services (UpdateService forceNewDeployment) or stop and start the tasks.',
  ],
  [
    /Unsupported CPU architecture/i,
    'The agent runs on Linux x86_64 and ARM64 only; move the task definition to a supported runtime platform.',
  ],
  [
    /Missing network configuration/i,
    'Tasks need awsvpc network configuration (subnets, security groups) so the agent can reach GuardDuty.',
  ],
  [/Unsupported invocation/i, 'Tasks launched this way are not supported by the Fargate agent.'],
  [
    /not reporting|VPC_ISSUE|SendSecurityTelemetry/i,
    'Check the guardduty-data VPC endpoint and its security group, and that no SCP denies guardduty:SendSecurityTelemetry.',
  ],
  [
    /Unidentified issue/i,
    'Old-format task ARNs are not supported: opt in to the long ARN format and relaunch; otherwise contact AWS support.',
  ],
];

/** The remediation hint for an issue text, if it is a known one. */
export function remediationFor(text: string): string | undefined {
  return REMEDIATIONS.find(([re]) => re.test(text))?.[1];
}

/** Share of healthy clusters as a whole percent (0 when there are none). */
export function healthyShare(s: { healthy: number; unhealthy: number }): number {
  const total = s.healthy + s.unhealthy;
  return total === 0 ? 0 : Math.round((s.healthy / total) * 100);
}
