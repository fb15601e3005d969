/**
 * What a coverage card shows: one ECS cluster's GuardDuty Runtime Monitoring coverage as
 * ecs-guard last verified it, and the running Fargate tasks that have no agent. Cluster names,
 * issue texts and service names come from AWS and are escaped when rendered.
 */
import type { UncoveredTasks } from '../aws/running-tasks.js';

export type CoverageSource = 'poll' | 'push';

export interface CoverageCardData {
  accountId: string;
  region: string;
  cluster: string;
  /** HEALTHY, UNHEALTHY (or whatever GuardDuty reports next). */
  status: string;
  issue?: string;
  /** `fargateDetails.issues`. */
  issues: string[];
  managementType?: string;
  /** epoch ms ecs-guard saw this gap open (the cluster turn UNHEALTHY). */
  since: number;
  /** epoch ms ecs-guard saw the cluster HEALTHY again; the card then shows the gap closed. */
  recoveredAt?: number;
  /** epoch ms of GuardDuty's own `updatedAt` for the coverage record. */
  updatedAt?: number;
  /** How the last change reached ecs-guard (both are verified with ListCoverage). */
  source: CoverageSource;
  /** Running Fargate tasks without the agent (clusters whose agent GuardDuty manages). */
  uncovered?: UncoveredTasks & { checkedAt: number };
  /** Why the running tasks could not be read (the card still posts). */
  uncoveredError?: string;
  /** The service of the Redeploy request the card shows (pending, running or done). */
  redeployService?: string;
}

/** One cluster across accounts and regions: the key of its coverage state and card. */
export const clusterKey = (c: Pick<CoverageCardData, 'accountId' | 'region' | 'cluster'>): string =>
  `${c.accountId}/${c.region}/${c.cluster}`;
