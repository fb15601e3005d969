/**
 * Running tasks of a cluster and which of them run without the GuardDuty agent. Fargate tasks are
 * immutable, so a task started before Runtime Monitoring managed its cluster never gets the
 * sidecar: it stays uncovered until it is replaced (a new deployment of its service).
 */
import { DescribeTasksCommand, type ECSClient, ListTasksCommand, type Task } from '@aws-sdk/client-ecs';
import { isGuardDutyAgentContainer } from './guardduty-agent.js';

/** Wraps each AWS call (callers use it to remember which operation failed). */
export type CallStep = <T>(operation: string, fn: () => Promise<T>) => Promise<T>;
const direct: CallStep = (_op, fn) => fn();

/** At most 50 pages of 100 task ARNs (5,000 tasks), described 100 at a time. */
export async function listRunningTasks(
  ecs: ECSClient,
  cluster: string,
  step: CallStep = direct,
): Promise<Task[]> {
  const arns: string[] = [];
  let token: string | undefined;
  for (let page = 0; page < 50; page++) {
    const out = await step('ListTasks', () =>
      ecs.send(
        new ListTasksCommand({
          cluster,
          desiredStatus: 'RUNNING',
          maxResults: 100,
          ...(token ? { nextToken: token } : {}),
        }),
      ),
    );
    arns.push(...(out.taskArns ?? []));
    token = out.nextToken || undefined;
    if (!token) break;
  }
  const tasks: Task[] = [];
  for (let i = 0; i < arns.length; i += 100) {
    const out = await step('DescribeTasks', () =>
      ecs.send(new DescribeTasksCommand({ cluster, tasks: arns.slice(i, i + 100) })),
    );
    tasks.push(...(out.tasks ?? []));
  }
  return tasks;
}

export interface UncoveredService {
  service: string;
  /** Task ids (the last ARN segment), sorted. */
  taskIds: string[];
}

export interface UncoveredTasks {
  /** Services with running Fargate tasks that have no agent, by name. */
  services: UncoveredService[];
  /** Such tasks that belong to no service (RunTask), by id. */
  standalone: string[];
}

const taskIdOf = (arn: string | undefined) => (arn ? arn.slice(arn.lastIndexOf('/') + 1) : '?');

/** RUNNING Fargate tasks without the GuardDuty agent sidecar, per service. */
export function uncoveredTasks(tasks: Task[]): UncoveredTasks {
  const byService = new Map<string, string[]>();
  const standalone: string[] = [];
  for (const t of tasks) {
    if (t.launchType !== 'FARGATE' || t.lastStatus !== 'RUNNING') continue;
    if ((t.containers ?? []).some((c) => isGuardDutyAgentContainer(c))) continue;
    const id = taskIdOf(t.taskArn);
    if (t.group?.startsWith('service:')) {
      const name = t.group.slice('service:'.length);
      byService.set(name, [...(byService.get(name) ?? []), id]);
    } else standalone.push(id);
  }
  return {
    services: [...byService.entries()]
      .map(([service, taskIds]) => ({ service, taskIds: taskIds.sort() }))
      .sort((a, b) => a.service.localeCompare(b.service)),
    standalone: standalone.sort(),
  };
}

export const uncoveredCount = (u: UncoveredTasks): number =>
  u.services.reduce((n, s) => n + s.taskIds.length, 0) + u.standalone.length;
