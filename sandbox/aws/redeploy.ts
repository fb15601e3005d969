import { agentInjected, refreshCoverage } from './coverage-health.js';
import type { RequestContext } from './request-context.js';
import { addTask } from './seed.js';
import { lastSegment } from './state.js';
import type { EcsClusterRecord, EcsServiceRecord, EcsTaskDefinition } from './wire-types.js';

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
