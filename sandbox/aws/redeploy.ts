import type { RequestContext } from './request-context.js';
import { addTask, isSidecar } from './seed.js';
import { type AwsState, lastSegment } from './state.js';
import type { EcsClusterRecord, EcsServiceRecord, EcsTaskDefinition } from './wire-types.js';

/**
 * What a new ECS deployment does to GuardDuty coverage: new Fargate tasks get the agent sidecar
 * when Runtime Monitoring manages the cluster (automated agent on and no `GuardDutyManaged=false`
 * tag, or the tag set to `true`), and a cluster whose running tasks all carry it turns HEALTHY.
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

export function refreshCoverage(
  state: AwsState,
  accountId: string,
  region: string,
  cluster: EcsClusterRecord,
): void {
  const store = state.store(accountId, region);
  const cov = store.coverage.get(cluster.clusterName);
  if (!cov) return;
  const running = [...store.tasks.values()].filter(
    (t) => t.clusterArn === cluster.clusterArn && t.lastStatus === 'RUNNING' && t.launchType === 'FARGATE',
  );
  if (running.length === 0 || !running.every((t) => t.containers.some((c) => isSidecar(c.name)))) return;
  cov.coverageStatus = 'HEALTHY';
  delete cov.issue;
  if (cov.resourceDetails.ecsClusterDetails?.fargateDetails)
    cov.resourceDetails.ecsClusterDetails.fargateDetails.issues = [];
  cov.updatedAt = state.now() / 1000;
}

/** Replaces the service's running tasks with `desiredCount` new ones under a new PRIMARY deployment. */
export function redeploy(
  ctx: RequestContext,
  cluster: EcsClusterRecord,
  svc: EcsServiceRecord,
  td: EcsTaskDefinition,
): void {
  const { state, accountId, region } = ctx;
  const store = state.store(accountId, region);
  const sec = state.now() / 1000;
  for (const t of store.tasks.values()) {
    if (
      t.clusterArn !== cluster.clusterArn ||
      t.group !== `service:${svc.serviceName}` ||
      t.desiredStatus === 'STOPPED'
    )
      continue;
    Object.assign(t, {
      desiredStatus: 'STOPPED',
      lastStatus: 'STOPPED',
      stopCode: 'ServiceSchedulerInitiated',
      stoppedReason: 'Scaling activity initiated by (deployment ecs-svc)',
      stoppingAt: sec,
      stoppedAt: sec,
    });
  }
  const id = `ecs-svc/${Date.now()}${Math.floor(Math.random() * 1e6)}`;
  for (const d of svc.deployments) d.status = 'INACTIVE';
  svc.deployments = [
    {
      id,
      status: 'PRIMARY',
      taskDefinition: td.taskDefinitionArn,
      desiredCount: svc.desiredCount,
      pendingCount: 0,
      runningCount: svc.desiredCount,
      failedTasks: 0,
      createdAt: sec,
      updatedAt: sec,
      ...(svc.launchType ? { launchType: svc.launchType } : {}),
      ...(svc.launchType === 'FARGATE' ? { platformVersion: '1.4.0' } : {}),
      rolloutState: 'COMPLETED',
    },
  ];
  const fargate = svc.launchType !== 'EC2';
  const sidecar = fargate && agentInjected(state, accountId, region, cluster);
  const subnets = svc.networkConfiguration?.awsvpcConfiguration.subnets ?? [];
  for (let i = 0; i < svc.desiredCount; i++)
    addTask(state, {
      accountId,
      region,
      cluster: lastSegment(cluster.clusterArn),
      taskDefinition: td,
      group: `service:${svc.serviceName}`,
      startedBy: id,
      launchType: fargate ? 'FARGATE' : 'EC2',
      sidecar,
      startedAt: state.now(),
      ...(subnets.length ? { subnetId: subnets[i % subnets.length] as string } : {}),
    });
  refreshCoverage(state, accountId, region, cluster);
}
