import { addCoverage, COVERAGE_ISSUES, isSidecar } from './seed.js';
import type { AwsState } from './state.js';
import type { EcsClusterRecord, WireCoverageResource } from './wire-types.js';

/**
 * How GuardDuty's ECS coverage follows what runs (guardduty.md §4): new Fargate tasks get the agent
 * sidecar when Runtime Monitoring manages the cluster (automated agent on and no
 * `GuardDutyManaged=false` tag, or the tag set to `true`); tasks already running when monitoring
 * was turned on keep running without it, and the cluster is UNHEALTHY ("Agent not provisioned")
 * until they are replaced. Tests and the sandbox can also break and heal a cluster directly.
 */
export function agentInjected(
  state: AwsState,
  accountId: string,
  region: string,
  cluster: EcsClusterRecord,
): boolean {
  const d = state.store(accountId, region).detector;
  const rm = d?.features.find((f) => f.name === 'RUNTIME_MONITORING');
  if (d?.status !== 'ENABLED' || rm?.status !== 'ENABLED') return false;
  const tag = cluster.tags.find((t) => t.key === 'GuardDutyManaged')?.value;
  if (tag === 'true') return true;
  const auto =
    rm.additionalConfiguration?.find((a) => a.name === 'ECS_FARGATE_AGENT_MANAGEMENT')?.status === 'ENABLED';
  return auto && tag !== 'false';
}

const taskId = (arn: string) => arn.slice(arn.lastIndexOf('/') + 1);

/** Running Fargate tasks of the cluster that carry no agent sidecar. */
export function tasksWithoutAgent(
  state: AwsState,
  accountId: string,
  region: string,
  cluster: EcsClusterRecord,
) {
  return [...state.store(accountId, region).tasks.values()].filter(
    (t) =>
      t.clusterArn === cluster.clusterArn &&
      t.lastStatus === 'RUNNING' &&
      t.launchType === 'FARGATE' &&
      !t.containers.some((c) => isSidecar(c.name)),
  );
}

/**
 * Sets a cluster's coverage as GuardDuty reports it: `issue` undefined = HEALTHY. Creates the
 * coverage record if the cluster has none. `updatedAt` moves to now.
 */
export function setCoverageHealth(
  state: AwsState,
  spec: { accountId: string; region: string; cluster: string; issue?: { issue: string; detail: string } },
): WireCoverageResource {
  const cov = state.store(spec.accountId, spec.region).coverage.get(spec.cluster);
  if (!cov) return addCoverage(state, spec);
  cov.coverageStatus = spec.issue ? 'UNHEALTHY' : 'HEALTHY';
  if (spec.issue) cov.issue = spec.issue.issue;
  else delete cov.issue;
  const fargate = cov.resourceDetails.ecsClusterDetails?.fargateDetails;
  if (fargate) fargate.issues = spec.issue ? [spec.issue.detail] : [];
  cov.updatedAt = state.now() / 1000;
  return cov;
}

/**
 * After a deployment: the cluster turns HEALTHY once every running Fargate task carries the agent,
 * and UNHEALTHY (naming the tasks) while a managed cluster still runs tasks without it.
 */
export function refreshCoverage(
  state: AwsState,
  accountId: string,
  region: string,
  cluster: EcsClusterRecord,
): void {
  const cov = state.store(accountId, region).coverage.get(cluster.clusterName);
  if (!cov) return;
  const missing = tasksWithoutAgent(state, accountId, region, cluster);
  if (missing.length && agentInjected(state, accountId, region, cluster)) {
    setCoverageHealth(state, {
      accountId,
      region,
      cluster: cluster.clusterName,
      issue: COVERAGE_ISSUES.relaunch(missing.map((t) => taskId(t.taskArn))),
    });
    return;
  }
  const running = [...state.store(accountId, region).tasks.values()].filter(
    (t) => t.clusterArn === cluster.clusterArn && t.lastStatus === 'RUNNING' && t.launchType === 'FARGATE',
  );
  if (running.length === 0 || missing.length) return;
  setCoverageHealth(state, { accountId, region, cluster: cluster.clusterName });
}

/**
 * Monitoring was just turned on for the cluster (automated agent configuration, or the
 * `GuardDutyManaged=true` tag): tasks already running have no agent, so GuardDuty reports the
 * cluster UNHEALTHY and names them. A cluster without such tasks is left as it is.
 */
export function monitoringEnabled(
  state: AwsState,
  accountId: string,
  region: string,
  cluster: EcsClusterRecord,
): void {
  if (!agentInjected(state, accountId, region, cluster)) return;
  const missing = tasksWithoutAgent(state, accountId, region, cluster);
  if (!missing.length) return;
  setCoverageHealth(state, {
    accountId,
    region,
    cluster: cluster.clusterName,
    issue: COVERAGE_ISSUES.relaunch(missing.map((t) => taskId(t.taskArn))),
  });
}
