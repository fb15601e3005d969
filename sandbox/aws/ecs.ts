import { AwsServiceError, ecsClusterNotFound, ecsInvalidParameter } from './aws-error.js';
import { monitoringEnabled } from './coverage-health.js';
import { page } from './paging.js';
import { redeploy } from './redeploy.js';
import type { RequestContext } from './request-context.js';
import { scheduleReconcile } from './scheduler.js';
import { arnAccount, lastSegment, type RegionStore } from './state.js';
import type { EcsClusterRecord, EcsServiceRecord, EcsTag, EcsTask, EcsTaskDefinition } from './wire-types.js';

/** awsJson1_1 handlers for the ECS operations ecs-guard uses. Input and output are wire JSON. */
type Body = Record<string, unknown>;

function accessDenied(ctx: RequestContext, op: string, resource: string): AwsServiceError {
  return new AwsServiceError(
    'AccessDeniedException',
    400,
    `User: ${ctx.principal.arn} is not authorized to perform: ecs:${op} on resource: ${resource} because no resource-based policy allows the ecs:${op} action`,
  );
}

/** Rejects ARNs of another account the way IAM does: the caller has no access there. */
function checkOwned(ctx: RequestContext, op: string, ref: string): void {
  const acct = arnAccount(ref);
  if (acct && acct !== ctx.accountId) throw accessDenied(ctx, op, ref);
  if (ref.startsWith('arn:') && ref.split(':')[3] !== ctx.region) throw accessDenied(ctx, op, ref);
}

const store = (ctx: RequestContext): RegionStore => ctx.state.store(ctx.accountId, ctx.region);

function resolveCluster(ctx: RequestContext, op: string, ref: unknown): EcsClusterRecord {
  const r = typeof ref === 'string' && ref ? ref : 'default';
  checkOwned(ctx, op, r);
  const c = store(ctx).clusters.get(lastSegment(r));
  if (c?.status !== 'ACTIVE') throw ecsClusterNotFound();
  return c;
}

const strList = (v: unknown): string[] => (Array.isArray(v) ? v.map(String) : []);

function maxResults(v: unknown, limit: number): number {
  if (v === undefined || v === null) return limit;
  const n = Number(v);
  if (!Number.isInteger(n) || n < 1 || n > limit)
    throw ecsInvalidParameter(`maxResults must be between 1 and ${limit}.`);
  return n;
}

function paged<T>(all: T[], token: unknown, max: number) {
  const p = page(all, typeof token === 'string' ? token : undefined, max);
  if (!p) throw ecsInvalidParameter('Invalid nextToken.');
  return p;
}

const tasksIn = (ctx: RequestContext, cluster: EcsClusterRecord): EcsTask[] =>
  [...store(ctx).tasks.values()].filter((t) => t.clusterArn === cluster.clusterArn);

const servicesIn = (ctx: RequestContext, cluster: EcsClusterRecord): EcsServiceRecord[] =>
  [...store(ctx).services.values()].filter((s) => s.clusterArn === cluster.clusterArn);

// ---- clusters -------------------------------------------------------------------------------

function renderCluster(ctx: RequestContext, c: EcsClusterRecord, include: string[]): Body {
  const tasks = tasksIn(ctx, c);
  const out: Body = {
    clusterArn: c.clusterArn,
    clusterName: c.clusterName,
    status: c.status,
    registeredContainerInstancesCount: c.registeredContainerInstancesCount,
    runningTasksCount: tasks.filter((t) => t.lastStatus === 'RUNNING').length,
    pendingTasksCount: tasks.filter((t) => t.lastStatus === 'PENDING').length,
    activeServicesCount: servicesIn(ctx, c).filter((s) => s.status === 'ACTIVE').length,
    capacityProviders: c.capacityProviders,
    settings: c.settings,
    statistics: [],
  };
  if (include.includes('TAGS')) out.tags = c.tags;
  return out;
}

function describeClusters(ctx: RequestContext, body: Body): Body {
  const refs = body.clusters === undefined ? ['default'] : strList(body.clusters);
  if (refs.length > 100) throw ecsInvalidParameter('The clusters parameter may contain at most 100 items.');
  const include = strList(body.include);
  const clusters: Body[] = [];
  const failures: Body[] = [];
  for (const ref of refs) {
    checkOwned(ctx, 'DescribeClusters', ref);
    const c = store(ctx).clusters.get(lastSegment(ref));
    if (c) clusters.push(renderCluster(ctx, c, include));
    else
      failures.push({
        arn: ref.startsWith('arn:') ? ref : `arn:aws:ecs:${ctx.region}:${ctx.accountId}:cluster/${ref}`,
        reason: 'MISSING',
      });
  }
  return { clusters, failures };
}

function listClusters(ctx: RequestContext, body: Body): Body {
  const all = [...store(ctx).clusters.values()].filter((c) => c.status === 'ACTIVE').map((c) => c.clusterArn);
  const p = paged(all, body.nextToken, maxResults(body.maxResults, 100));
  return { clusterArns: p.items, nextToken: p.nextToken };
}

function updateClusterSettings(ctx: RequestContext, body: Body): Body {
  const c = resolveCluster(ctx, 'UpdateClusterSettings', body.cluster);
  const settings = (body.settings as { name?: string; value?: string }[] | undefined) ?? [];
  for (const s of settings) {
    if (s.name !== 'containerInsights')
      throw ecsInvalidParameter(`Invalid cluster setting name: ${s.name ?? ''}.`);
    if (!['enabled', 'disabled', 'enhanced'].includes(s.value ?? ''))
      throw ecsInvalidParameter(
        'The value for containerInsights must be one of: enabled, disabled, enhanced.',
      );
    const cur = c.settings.find((x) => x.name === s.name);
    if (cur) cur.value = s.value as string;
    else c.settings.push({ name: s.name, value: s.value as string });
  }
  return { cluster: renderCluster(ctx, c, ['SETTINGS']) };
}

// ---- services -------------------------------------------------------------------------------

function renderService(ctx: RequestContext, s: EcsServiceRecord, include: string[]): Body {
  const running = [...store(ctx).tasks.values()].filter(
    (t) =>
      t.clusterArn === s.clusterArn && t.group === `service:${s.serviceName}` && t.lastStatus === 'RUNNING',
  ).length;
  const { tags, ...rest } = s;
  return {
    ...rest,
    events: s.events ?? [],
    runningCount: running,
    pendingCount: 0,
    deployments: s.deployments.map((d) => (d.status === 'PRIMARY' ? { ...d, runningCount: running } : d)),
    ...(include.includes('TAGS') ? { tags } : {}),
  };
}

function findService(
  ctx: RequestContext,
  cluster: EcsClusterRecord,
  ref: string,
): EcsServiceRecord | undefined {
  return store(ctx).services.get(`${cluster.clusterName}/${lastSegment(ref)}`);
}

function describeServices(ctx: RequestContext, body: Body): Body {
  const cluster = resolveCluster(ctx, 'DescribeServices', body.cluster);
  const refs = strList(body.services);
  if (refs.length === 0) throw ecsInvalidParameter('Services cannot be empty.');
  if (refs.length > 10) throw ecsInvalidParameter('The services parameter may contain at most 10 items.');
  const include = strList(body.include);
  const services: Body[] = [];
  const failures: Body[] = [];
  for (const ref of refs) {
    checkOwned(ctx, 'DescribeServices', ref);
    const s = findService(ctx, cluster, ref);
    if (s) services.push(renderService(ctx, s, include));
    else
      failures.push({
        arn: ref.startsWith('arn:')
          ? ref
          : `arn:aws:ecs:${ctx.region}:${ctx.accountId}:service/${cluster.clusterName}/${ref}`,
        reason: 'MISSING',
      });
  }
  return { services, failures };
}

function listServices(ctx: RequestContext, body: Body): Body {
  const cluster = resolveCluster(ctx, 'ListServices', body.cluster);
  const all = servicesIn(ctx, cluster)
    .filter((s) => !body.launchType || s.launchType === body.launchType)
    .map((s) => s.serviceArn);
  const p = paged(all, body.nextToken, maxResults(body.maxResults, 100));
  return { serviceArns: p.items, nextToken: p.nextToken };
}

function updateService(ctx: RequestContext, body: Body): Body {
  const cluster = resolveCluster(ctx, 'UpdateService', body.cluster);
  const ref = typeof body.service === 'string' ? body.service : '';
  checkOwned(ctx, 'UpdateService', ref);
  const svc = ref ? findService(ctx, cluster, ref) : undefined;
  if (svc?.status !== 'ACTIVE')
    throw new AwsServiceError('ServiceNotFoundException', 400, 'Service not found.');
  if (body.desiredCount !== undefined && body.desiredCount !== null) {
    if (!Number.isInteger(body.desiredCount) || (body.desiredCount as number) < 0)
      throw ecsInvalidParameter('desiredCount must be a non-negative integer.');
    if (svc.schedulingStrategy === 'DAEMON')
      throw ecsInvalidParameter(
        'The daemon scheduling strategy does not support a desired count for services.',
      );
  }
  let redeployNeeded = body.forceNewDeployment === true;
  let td = findTaskDefinition(ctx, svc.taskDefinition);
  if (typeof body.taskDefinition === 'string') {
    checkOwned(ctx, 'UpdateService', body.taskDefinition);
    const next = findTaskDefinition(ctx, body.taskDefinition);
    if (!next) throw new AwsServiceError('ClientException', 400, 'TaskDefinition not found.');
    redeployNeeded ||= next.taskDefinitionArn !== svc.taskDefinition;
    svc.taskDefinition = next.taskDefinitionArn;
    td = next;
  }
  if (typeof body.desiredCount === 'number') {
    // A new desired count is not a new deployment: the scheduler scales the PRIMARY one.
    svc.desiredCount = body.desiredCount;
    for (const d of svc.deployments) if (d.status === 'PRIMARY') d.desiredCount = body.desiredCount;
  }
  if (redeployNeeded && td) redeploy(ctx, cluster, svc, td);
  else scheduleReconcile(ctx.state, ctx.accountId, ctx.region, svc);
  return { service: renderService(ctx, svc, []) };
}

// ---- tasks ----------------------------------------------------------------------------------

const DESIRED_STATUSES = ['RUNNING', 'PENDING', 'STOPPED'];

function listTasks(ctx: RequestContext, body: Body): Body {
  const cluster = resolveCluster(ctx, 'ListTasks', body.cluster);
  const str = (k: string) => (typeof body[k] === 'string' && body[k] ? (body[k] as string) : undefined);
  const serviceName = str('serviceName');
  const family = str('family');
  const startedBy = str('startedBy');
  const containerInstance = str('containerInstance');
  const launchType = str('launchType');
  if (startedBy && (serviceName || family || containerInstance || launchType || str('desiredStatus')))
    throw ecsInvalidParameter(
      'When you specify startedBy as the filter, it must be the only filter that you use.',
    );
  if (serviceName && !findService(ctx, cluster, serviceName))
    throw new AwsServiceError('ServiceNotFoundException', 400, 'Service not found.');
  const desired = str('desiredStatus') ?? 'RUNNING';
  if (!DESIRED_STATUSES.includes(desired))
    throw ecsInvalidParameter(`desiredStatus must be one of ${DESIRED_STATUSES.join(', ')}.`);
  const all = tasksIn(ctx, cluster)
    // ECS never sets a task's desired status to PENDING: that filter returns nothing.
    .filter((t) => t.desiredStatus === desired)
    .filter((t) => !serviceName || t.group === `service:${lastSegment(serviceName)}`)
    .filter((t) => !family || lastSegment(t.taskDefinitionArn).split(':')[0] === family)
    .filter((t) => !startedBy || t.startedBy === startedBy)
    .filter((t) => !launchType || t.launchType === launchType)
    .filter(
      (t) =>
        !containerInstance ||
        (t.containerInstanceArn !== undefined &&
          lastSegment(t.containerInstanceArn) === lastSegment(containerInstance)),
    )
    .map((t) => t.taskArn);
  const p = paged(all, body.nextToken, maxResults(body.maxResults, 100));
  return { taskArns: p.items, nextToken: p.nextToken };
}

function renderTask(t: EcsTask, include: string[]): Body {
  const { tags, ...rest } = t;
  return include.includes('TAGS') ? { ...rest, tags } : rest;
}

function findTask(ctx: RequestContext, cluster: EcsClusterRecord, ref: string): EcsTask | undefined {
  const t = store(ctx).tasks.get(lastSegment(ref));
  return t && t.clusterArn === cluster.clusterArn ? t : undefined;
}

function describeTasks(ctx: RequestContext, body: Body): Body {
  const cluster = resolveCluster(ctx, 'DescribeTasks', body.cluster);
  const refs = strList(body.tasks);
  if (refs.length === 0) throw ecsInvalidParameter('Tasks cannot be empty.');
  if (refs.length > 100) throw ecsInvalidParameter('The tasks parameter may contain at most 100 items.');
  const include = strList(body.include);
  const tasks: Body[] = [];
  const failures: Body[] = [];
  for (const ref of refs) {
    checkOwned(ctx, 'DescribeTasks', ref);
    const t = findTask(ctx, cluster, ref);
    if (t) tasks.push(renderTask(t, include));
    else
      failures.push({
        arn: ref.startsWith('arn:')
          ? ref
          : `arn:aws:ecs:${ctx.region}:${ctx.accountId}:task/${cluster.clusterName}/${ref}`,
        reason: 'MISSING',
      });
  }
  return { tasks, failures };
}

function stopTask(ctx: RequestContext, body: Body): Body {
  const cluster = resolveCluster(ctx, 'StopTask', body.cluster);
  const ref = typeof body.task === 'string' ? body.task : '';
  checkOwned(ctx, 'StopTask', ref);
  const t = ref ? findTask(ctx, cluster, ref) : undefined;
  if (!t) throw ecsInvalidParameter('The referenced task was not found.');
  const reason = typeof body.reason === 'string' ? body.reason : undefined;
  if (reason && reason.length > 255)
    throw ecsInvalidParameter('Reason cannot be longer than 255 characters.');
  if (t.desiredStatus === 'STOPPED') return { task: renderTask(t, []) };
  const sec = ctx.state.now() / 1000;
  t.desiredStatus = 'STOPPED';
  t.lastStatus = 'STOPPED';
  t.stopCode = 'UserInitiated';
  t.stoppedReason = reason ?? 'Task stopped by user';
  t.stoppingAt = sec;
  t.executionStoppedAt = sec;
  t.stoppedAt = sec;
  t.version += 1;
  for (const c of t.containers) {
    c.lastStatus = 'STOPPED';
    c.exitCode = 143;
  }
  // A task of a service: its scheduler sees running < desired and starts a replacement.
  const svc = t.group.startsWith('service:')
    ? store(ctx).services.get(`${cluster.clusterName}/${t.group.slice('service:'.length)}`)
    : undefined;
  if (svc) scheduleReconcile(ctx.state, ctx.accountId, ctx.region, svc);
  return { task: renderTask(t, []) };
}

// ---- task definitions -----------------------------------------------------------------------

function findTaskDefinition(
  ctx: RequestContext,
  ref: string,
): (EcsTaskDefinition & { tags: EcsTag[] }) | undefined {
  const tds = store(ctx).taskDefinitions;
  const name = lastSegment(ref);
  if (name.includes(':')) return tds.get(name);
  let latest: (EcsTaskDefinition & { tags: EcsTag[] }) | undefined;
  for (const td of tds.values())
    if (td.family === name && td.status === 'ACTIVE' && (!latest || td.revision > latest.revision))
      latest = td;
  return latest;
}

function describeTaskDefinition(ctx: RequestContext, body: Body): Body {
  const ref = typeof body.taskDefinition === 'string' ? body.taskDefinition : '';
  checkOwned(ctx, 'DescribeTaskDefinition', ref);
  const td = ref ? findTaskDefinition(ctx, ref) : undefined;
  if (!td) throw new AwsServiceError('ClientException', 400, 'Unable to describe task definition.');
  const { tags, ...taskDefinition } = td;
  return { taskDefinition, ...(strList(body.include).includes('TAGS') ? { tags } : {}) };
}

// ---- tags -----------------------------------------------------------------------------------

/** The stored tag list behind an ECS resource ARN. */
function tagsOf(ctx: RequestContext, op: string, arn: string): EcsTag[] {
  if (!arn.startsWith('arn:')) throw ecsInvalidParameter('The ARN provided is invalid.');
  checkOwned(ctx, op, arn);
  const resource = arn.split(':').slice(5).join(':');
  const [kind, ...path] = resource.split('/');
  const s = store(ctx);
  const notFound = new AwsServiceError(
    'ResourceNotFoundException',
    400,
    'The specified resource could not be found.',
  );
  switch (kind) {
    case 'cluster': {
      const c = s.clusters.get(path[0] ?? '');
      if (!c) throw ecsClusterNotFound();
      return c.tags;
    }
    case 'service': {
      const svc = s.services.get(`${path[0]}/${path[1]}`);
      if (!svc) throw new AwsServiceError('ServiceNotFoundException', 400, 'Service not found.');
      return svc.tags;
    }
    case 'task': {
      const t = s.tasks.get(path[path.length - 1] ?? '');
      if (!t) throw notFound;
      return t.tags;
    }
    case 'task-definition': {
      const td = s.taskDefinitions.get(path[0] ?? '');
      if (!td) throw notFound;
      return td.tags;
    }
    default:
      throw ecsInvalidParameter('The ARN provided is invalid.');
  }
}

const TAG_CHARS = /^[\p{L}\p{Z}\p{N}_.:/=+\-@]*$/u;

function tagResource(ctx: RequestContext, body: Body): Body {
  const tags = tagsOf(ctx, 'TagResource', String(body.resourceArn ?? ''));
  const add = (body.tags as EcsTag[] | undefined) ?? [];
  for (const t of add) {
    if (
      !t.key ||
      t.key.length > 128 ||
      !TAG_CHARS.test(t.key) ||
      (t.value ?? '').length > 256 ||
      !TAG_CHARS.test(t.value ?? '')
    )
      throw ecsInvalidParameter(`The tag '${t.key ?? ''}' is not valid.`);
    if (t.key.toLowerCase().startsWith('aws:'))
      throw ecsInvalidParameter('Tag keys beginning with aws: are reserved.');
  }
  for (const t of add) {
    const cur = tags.find((x) => x.key === t.key);
    if (cur) cur.value = t.value ?? '';
    else tags.push({ key: t.key, value: t.value ?? '' });
  }
  if (tags.length > 50) {
    tags.splice(tags.length - add.length);
    throw new AwsServiceError('LimitExceededException', 400, 'The resource can have at most 50 tags.');
  }
  const cluster = store(ctx).clusters.get(lastSegment(String(body.resourceArn)));
  if (cluster?.tags === tags && add.some((t) => t.key === 'GuardDutyManaged' && t.value === 'true'))
    monitoringEnabled(ctx.state, ctx.accountId, ctx.region, cluster);
  return {};
}

function untagResource(ctx: RequestContext, body: Body): Body {
  const tags = tagsOf(ctx, 'UntagResource', String(body.resourceArn ?? ''));
  const keys = strList(body.tagKeys);
  const kept = tags.filter((t) => !keys.includes(t.key));
  tags.splice(0, tags.length, ...kept);
  return {};
}

// ---- dispatch -------------------------------------------------------------------------------

export const ECS_TARGET_PREFIX = 'AmazonEC2ContainerServiceV20141113.';

export function handleEcs(ctx: RequestContext, operation: string, body: Body): Body {
  switch (operation) {
    case 'ListClusters':
      return listClusters(ctx, body);
    case 'DescribeClusters':
      return describeClusters(ctx, body);
    case 'UpdateClusterSettings':
      return updateClusterSettings(ctx, body);
    case 'ListServices':
      return listServices(ctx, body);
    case 'DescribeServices':
      return describeServices(ctx, body);
    case 'UpdateService':
      return updateService(ctx, body);
    case 'ListTasks':
      return listTasks(ctx, body);
    case 'DescribeTasks':
      return describeTasks(ctx, body);
    case 'StopTask':
      return stopTask(ctx, body);
    case 'DescribeTaskDefinition':
      return describeTaskDefinition(ctx, body);
    case 'TagResource':
      return tagResource(ctx, body);
    case 'UntagResource':
      return untagResource(ctx, body);
    case 'ListTagsForResource':
      return { tags: tagsOf(ctx, 'ListTagsForResource', String(body.resourceArn ?? '')) };
    default:
      throw new AwsServiceError(
        'UnknownOperationException',
        400,
        `The emulator does not implement ECS ${operation}.`,
      );
  }
}
