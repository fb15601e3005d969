import { randomUUID } from 'node:crypto';
import { agentInjected, refreshCoverage } from './coverage-health.js';
import { addTask } from './seed.js';
import { type AwsState, lastSegment } from './state.js';
import type { EcsServiceRecord, EcsTask } from './wire-types.js';

/**
 * The ECS service scheduler: a REPLICA service keeps `desiredCount` tasks running. When a task of
 * the service stops (StopTask, a crash) it starts a replacement from the PRIMARY deployment's task
 * definition — the same image — which is why a plain stop does not stick; when the desired count
 * goes down it stops the surplus. Like ECS it acts a moment after the change
 * (`state.scheduler.delayMs`), not inside the API call; `flushScheduler` runs what is pending now.
 */

const serviceKey = (svc: EcsServiceRecord): string => `${lastSegment(svc.clusterArn)}/${svc.serviceName}`;

/** Asks the scheduler to look at the service after the configured delay (once, however often asked). */
export function scheduleReconcile(
  state: AwsState,
  accountId: string,
  region: string,
  svc: EcsServiceRecord,
): void {
  const key = `${accountId}|${region}|${serviceKey(svc)}`;
  const { scheduler } = state;
  if (scheduler.delayMs <= 0) {
    reconcileService(state, accountId, region, serviceKey(svc));
    return;
  }
  if (scheduler.pending.has(key)) return;
  const timer = setTimeout(() => {
    scheduler.pending.delete(key);
    reconcileService(state, accountId, region, serviceKey(svc));
  }, scheduler.delayMs);
  timer.unref();
  scheduler.pending.set(key, timer);
}

/** Runs every pending reconcile now (tests, the sandbox). Returns how many ran. */
export function flushScheduler(state: AwsState): number {
  const pending = [...state.scheduler.pending.entries()];
  for (const [key, timer] of pending) {
    clearTimeout(timer);
    state.scheduler.pending.delete(key);
    const [accountId, region, svcKey] = key.split('|') as [string, string, string];
    reconcileService(state, accountId, region, svcKey);
  }
  return pending.length;
}

const shortId = (t: EcsTask) => lastSegment(t.taskArn);

function addEvent(state: AwsState, svc: EcsServiceRecord, message: string): void {
  const events = svc.events ?? [];
  events.unshift({ id: randomUUID(), createdAt: state.now() / 1000, message });
  svc.events = events.slice(0, 100);
}

/** Brings the service's running tasks to its desired count. */
export function reconcileService(
  state: AwsState,
  accountId: string,
  region: string,
  svcKey: string,
): { started: EcsTask[]; stopped: EcsTask[] } {
  const store = state.store(accountId, region);
  const svc = store.services.get(svcKey);
  const none = { started: [], stopped: [] };
  if (svc?.status !== 'ACTIVE' || svc.schedulingStrategy !== 'REPLICA') return none;
  const cluster = store.clusters.get(lastSegment(svc.clusterArn));
  if (!cluster) return none;
  const primary = svc.deployments.find((d) => d.status === 'PRIMARY');
  const live = [...store.tasks.values()]
    .filter(
      (t) =>
        t.clusterArn === svc.clusterArn &&
        t.group === `service:${svc.serviceName}` &&
        t.desiredStatus === 'RUNNING',
    )
    .sort((a, b) => (b.startedAt ?? 0) - (a.startedAt ?? 0));
  const sec = state.now() / 1000;
  const stopped: EcsTask[] = [];
  const started: EcsTask[] = [];
  if (live.length > svc.desiredCount) {
    for (const t of live.slice(0, live.length - svc.desiredCount)) {
      Object.assign(t, {
        desiredStatus: 'STOPPED',
        lastStatus: 'STOPPED',
        stopCode: 'ServiceSchedulerInitiated',
        stoppedReason: `Scaling activity initiated by (deployment ${primary?.id ?? 'ecs-svc'})`,
        stoppingAt: sec,
        executionStoppedAt: sec,
        stoppedAt: sec,
        version: t.version + 1,
      });
      for (const c of t.containers) {
        c.lastStatus = 'STOPPED';
        c.exitCode = 143;
      }
      stopped.push(t);
    }
    addEvent(
      state,
      svc,
      `(service ${svc.serviceName}) has stopped ${stopped.length} running tasks: ${stopped.map((t) => `(task ${shortId(t)})`).join(' ')}.`,
    );
  } else if (live.length < svc.desiredCount) {
    const td = store.taskDefinitions.get(lastSegment(primary?.taskDefinition ?? svc.taskDefinition));
    if (!td) return none;
    const fargate = svc.launchType !== 'EC2';
    const sidecar = fargate && agentInjected(state, accountId, region, cluster);
    const subnets = svc.networkConfiguration?.awsvpcConfiguration.subnets ?? [];
    for (let i = live.length; i < svc.desiredCount; i++)
      started.push(
        addTask(state, {
          accountId,
          region,
          cluster: cluster.clusterName,
          taskDefinition: td,
          group: `service:${svc.serviceName}`,
          ...(primary ? { startedBy: primary.id } : {}),
          launchType: fargate ? 'FARGATE' : 'EC2',
          sidecar,
          startedAt: state.now(),
          ...(subnets.length ? { subnetId: subnets[i % subnets.length] as string } : {}),
        }),
      );
    addEvent(
      state,
      svc,
      `(service ${svc.serviceName}) has started ${started.length} tasks: ${started.map((t) => `(task ${shortId(t)})`).join(' ')}.`,
    );
    refreshCoverage(state, accountId, region, cluster);
  }
  if (primary) primary.updatedAt = sec;
  return { started, stopped };
}
