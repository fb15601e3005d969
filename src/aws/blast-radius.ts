import {
  DescribeTaskDefinitionCommand,
  DescribeTasksCommand,
  type ECSClient,
  ListClustersCommand,
  ListTasksCommand,
  type Task,
} from '@aws-sdk/client-ecs';
import type { AppContext } from '../context.js';
import { ecsChangedAt } from './ecs-freshness.js';
import { serviceOfGroup, taskDigests } from './task-bundle.js';

/**
 * Blast radius: the other RUNNING tasks in the same account and region that run one of the
 * finding task's image digests, and the tasks that share its task role, grouped by cluster and
 * service. ListClusters → ListTasks (RUNNING) → DescribeTasks 100 at a time; bounded (it says
 * where it stopped counting) and cached in Redis for a minute, dropped when ecs-guard changes ECS.
 */
export interface BlastRadiusGroup {
  cluster: string;
  /** Service name, or undefined for tasks no service owns. */
  service?: string;
  /** The task group when there is no service (`family:NAME`). */
  group?: string;
  taskArns: string[];
}

export interface BlastRadius {
  accountId: string;
  region: string;
  sourceTaskArn: string;
  /** Application image digests of the source task (the GuardDuty sidecar's excluded). */
  digests: string[];
  taskRoleArn?: string;
  sameImage: BlastRadiusGroup[];
  sameImageCount: number;
  /** Tasks sharing the source's task role (whatever their image). */
  sameRole: BlastRadiusGroup[];
  sameRoleCount: number;
  /** False when a bound was hit: the counts are "at least". */
  complete: boolean;
  /** Why counting stopped, e.g. "stopped counting after 2000 tasks". */
  stoppedBecause?: string;
  scanned: { clusters: number; tasks: number };
  /** Epoch ms of the read. */
  readAt: number;
}

export interface BlastRadiusLimits {
  maxClusters: number;
  maxTasks: number;
  /** Distinct task definitions described to learn task roles. */
  maxTaskDefinitions: number;
}

export const DEFAULT_BLAST_LIMITS: BlastRadiusLimits = {
  maxClusters: 100,
  maxTasks: 2000,
  maxTaskDefinitions: 100,
};

export interface BlastSource {
  accountId: string;
  region: string;
  taskArn: string;
  digests: string[];
  taskRoleArn?: string;
}

/** Task definition ARN → task role ARN ('' = none). Task definitions never change: keep them. */
const tdRoles = new Map<string, string>();
const TD_ROLE_CACHE_MAX = 5000;

function groupOf(tasks: Task[]): BlastRadiusGroup[] {
  const by = new Map<string, BlastRadiusGroup>();
  for (const t of tasks) {
    const arn = t.taskArn ?? '';
    const cluster = (t.clusterArn ?? '').slice((t.clusterArn ?? '').lastIndexOf('/') + 1);
    const service = serviceOfGroup(t.group);
    const key = `${cluster}/${service ?? t.group ?? ''}`;
    let g = by.get(key);
    if (!g) {
      g = { cluster, ...(service ? { service } : t.group ? { group: t.group } : {}), taskArns: [] };
      by.set(key, g);
    }
    g.taskArns.push(arn);
  }
  return [...by.values()].sort(
    (a, b) =>
      b.taskArns.length - a.taskArns.length ||
      (a.cluster + (a.service ?? '')).localeCompare(b.cluster + (b.service ?? '')),
  );
}

/** The RUNNING tasks of an account and region as one scan read them (bounded). */
export interface TaskInventory {
  tasks: Task[];
  clusters: number;
  stoppedBecause?: string;
  /** Epoch ms of the read. */
  readAt: number;
}

/** Lists and describes the account and region's running tasks. Throws on AWS errors. */
export async function scanInventory(
  ecs: ECSClient,
  opts: { limits?: Partial<BlastRadiusLimits>; now?: () => number } = {},
): Promise<TaskInventory> {
  const limits = { ...DEFAULT_BLAST_LIMITS, ...opts.limits };
  const readAt = (opts.now ?? Date.now)();
  let stoppedBecause: string | undefined;
  const clusters: string[] = [];
  let token: string | undefined;
  do {
    const out = await ecs.send(
      new ListClustersCommand({ maxResults: 100, ...(token ? { nextToken: token } : {}) }),
    );
    clusters.push(...(out.clusterArns ?? []));
    token = out.nextToken;
  } while (token && clusters.length < limits.maxClusters);
  if (token || clusters.length > limits.maxClusters)
    stoppedBecause = `stopped counting after ${limits.maxClusters} clusters`;
  const tasks: Task[] = [];
  for (const cluster of clusters.slice(0, limits.maxClusters)) {
    if (tasks.length >= limits.maxTasks) break;
    let next: string | undefined;
    do {
      const page = await ecs.send(
        new ListTasksCommand({
          cluster,
          desiredStatus: 'RUNNING',
          maxResults: 100,
          ...(next ? { nextToken: next } : {}),
        }),
      );
      next = page.nextToken;
      const arns = (page.taskArns ?? []).slice(0, limits.maxTasks - tasks.length);
      if (arns.length) {
        const d = await ecs.send(new DescribeTasksCommand({ cluster, tasks: arns }));
        tasks.push(...(d.tasks ?? []));
      }
      if (tasks.length >= limits.maxTasks && (next || arns.length < (page.taskArns ?? []).length)) {
        stoppedBecause = `stopped counting after ${limits.maxTasks} tasks`;
        next = undefined;
      }
    } while (next);
  }
  return {
    tasks,
    clusters: Math.min(clusters.length, limits.maxClusters),
    ...(stoppedBecause ? { stoppedBecause } : {}),
    readAt,
  };
}

/** The blast radius of `src` within an inventory (task roles read once per task definition). */
export async function blastRadiusIn(
  ecs: ECSClient,
  inv: TaskInventory,
  src: BlastSource,
  opts: { limits?: Partial<BlastRadiusLimits> } = {},
): Promise<BlastRadius> {
  const limits = { ...DEFAULT_BLAST_LIMITS, ...opts.limits };
  let stoppedBecause = inv.stoppedBecause;
  const others = inv.tasks.filter((t) => t.taskArn !== src.taskArn && t.desiredStatus !== 'STOPPED');
  const digests = new Set(src.digests);
  const sameImage = others.filter((t) => taskDigests(t).some((d) => digests.has(d)));
  let sameRole: Task[] = [];
  if (src.taskRoleArn) {
    const tds = [
      ...new Set(others.filter((t) => !t.overrides?.taskRoleArn).map((t) => t.taskDefinitionArn ?? '')),
    ].filter((a) => a && !tdRoles.has(a));
    if (tds.length > limits.maxTaskDefinitions)
      stoppedBecause ??= `stopped reading task roles after ${limits.maxTaskDefinitions} task definitions`;
    for (const arn of tds.slice(0, limits.maxTaskDefinitions)) await taskRoleOf(ecs, arn);
    sameRole = others.filter(
      (t) => (t.overrides?.taskRoleArn ?? tdRoles.get(t.taskDefinitionArn ?? '')) === src.taskRoleArn,
    );
  }
  return {
    accountId: src.accountId,
    region: src.region,
    sourceTaskArn: src.taskArn,
    digests: src.digests,
    ...(src.taskRoleArn ? { taskRoleArn: src.taskRoleArn } : {}),
    sameImage: groupOf(sameImage),
    sameImageCount: sameImage.length,
    sameRole: groupOf(sameRole),
    sameRoleCount: sameRole.length,
    complete: !stoppedBecause,
    ...(stoppedBecause ? { stoppedBecause } : {}),
    scanned: { clusters: inv.clusters, tasks: inv.tasks.length },
    readAt: inv.readAt,
  };
}

/** A task definition's task role ('' = none), read once per process (task definitions never change). */
export async function taskRoleOf(ecs: ECSClient, taskDefinitionArn: string): Promise<string> {
  const known = tdRoles.get(taskDefinitionArn);
  if (known !== undefined) return known;
  const out = await ecs.send(new DescribeTaskDefinitionCommand({ taskDefinition: taskDefinitionArn }));
  if (tdRoles.size >= TD_ROLE_CACHE_MAX) tdRoles.delete(tdRoles.keys().next().value as string);
  const role = out.taskDefinition?.taskRoleArn ?? '';
  tdRoles.set(taskDefinitionArn, role);
  return role;
}

/** Scans the account and region. Throws on AWS errors (the caller shows or retries them). */
export async function scanBlastRadius(
  ecs: ECSClient,
  src: BlastSource,
  opts: { limits?: Partial<BlastRadiusLimits>; now?: () => number } = {},
): Promise<BlastRadius> {
  return blastRadiusIn(ecs, await scanInventory(ecs, opts), src, opts);
}

/** How long a scan is reused (unless ecs-guard changed ECS there since). */
export const BLAST_CACHE_TTL_MS = 60_000;

type Ctx = Pick<AppContext, 'redis' | 'keys' | 'clock'>;

const cacheKey = (ctx: Ctx, src: BlastSource) =>
  ctx.keys('blast', src.accountId, src.region, src.taskArn.slice(src.taskArn.lastIndexOf('/') + 1));

/** The cached scan for this source, if fresh; else a new scan, cached. */
export async function cachedBlastRadius(
  ctx: Ctx,
  ecs: ECSClient,
  src: BlastSource,
  opts: { limits?: Partial<BlastRadiusLimits>; fresh?: boolean } = {},
): Promise<BlastRadius> {
  const key = cacheKey(ctx, src);
  if (!opts.fresh) {
    const [raw, changedAt] = await Promise.all([
      ctx.redis.get(key),
      ecsChangedAt(ctx, src.accountId, src.region),
    ]);
    if (raw) {
      const hit = JSON.parse(raw) as BlastRadius;
      if (hit.readAt >= changedAt && hit.digests.join() === src.digests.join()) return hit;
    }
  }
  const br = await scanBlastRadius(ecs, src, {
    now: ctx.clock,
    ...(opts.limits ? { limits: opts.limits } : {}),
  });
  await ctx.redis.set(key, JSON.stringify(br), 'PX', BLAST_CACHE_TTL_MS);
  return br;
}
