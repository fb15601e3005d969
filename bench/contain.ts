import { addFindingFor, addService, type SeededService } from '../sandbox/aws/index.js';
import { buttonsOf, SlackTestClient } from '../sandbox/slack/index.js';
import { createEcsGuard } from '../src/app.js';
import { loadConfig } from '../src/config.js';
import { createLogger } from '../src/log.js';
import { PEOPLE, REGION, startBenchEnv } from './env.js';
import { round } from './stats.js';
import { waitUntil } from './wait.js';

const taskId = (arn: string) => arn.slice(arn.lastIndexOf('/') + 1);

export interface ContainResult {
  tasks: number;
  services: number;
  clusters: number;
  /** Approve click → every task stopped (desired STOPPED) and every service at desired 0. */
  approveToContainedMs: number;
  stopped: number;
  held: number;
  /** AWS calls from the Approve on, by operation, and their total. */
  awsCalls: Record<string, number>;
  awsCallsTotal: number;
  /** The fewest calls this containment can take with every read batched to its API limit. */
  minimumCalls: Record<string, number>;
  minimumCallsTotal: number;
  /** awsCallsTotal / minimumCallsTotal (goal ≤ 1.1). */
  callRatio: number;
  notes: string[];
}

/**
 * Containment (issue 12): a finding whose image runs in `tasks` tasks over `services` services in
 * `clusters` clusters; Contain with hold-service, stop-task and stop-image-tasks, one Approve.
 * Measures Approve → every task stopped and every service held, and the AWS calls it took
 * against the batched minimum (StopTask and UpdateService one per task / service; ListTasks and
 * DescribeTasks 100 a call; DescribeServices 10 a call per cluster).
 */
export async function runContain(tasks = 200, services = 20, clusters = 4): Promise<ContainResult> {
  const env = await startBenchEnv({
    slackPacing: false,
    policyExtra: 'containment:\n  defaultSteps: [hold-service, stop-task, stop-image-tasks]\n',
  });
  // The scheduler would relaunch only below desired: with the services held it has nothing to do,
  // and it must not act on what the bench is counting.
  env.aws.state.scheduler.delayMs = 600_000;
  const image = `${env.estate.homeAccountId}.dkr.ecr.${REGION}.amazonaws.com/payments:6.6.6`;
  const perService = Math.ceil(tasks / services);
  const fleet: SeededService[] = [];
  for (let i = 0; i < services; i++)
    fleet.push(
      addService(env.aws.state, {
        accountId: env.estate.homeAccountId,
        region: REGION,
        cluster: `contain-${i % clusters}`,
        service: `svc-${String(i).padStart(2, '0')}`,
        image,
        taskCount: Math.min(perService, tasks - i * perService),
      }),
    );
  const all = fleet.flatMap((s) => s.tasks);
  const guard = createEcsGuard(loadConfig({ ...env.env, PORT: '0' }), {
    log: createLogger({ level: 'warn' }),
    aws: { endpoint: env.aws.url, credentials: env.aws.credentials, maxAttempts: 3 },
  });
  try {
    const port = await guard.start();
    const client = new SlackTestClient({
      eventsUrl: `http://127.0.0.1:${port}/slack/events`,
      emulator: env.slack,
    });
    const source = all[0]!;
    const f = addFindingFor(env.aws.state, {
      type: 'Execution:Runtime/ReverseShell',
      severity: 8,
      task: source,
    });
    await guard.ctx.poller.poll(REGION);
    const ch = PEOPLE.alerts;
    let ts = '';
    await waitUntil(
      () => {
        ts = env.slack.messages(ch).find((m) => JSON.stringify(m.blocks).includes(f.id))?.ts ?? '';
        return !!ts;
      },
      60_000,
      'card',
    );
    const labels = () => buttonsOf(env.slack.message(ch, ts) ?? {}).map((b) => b.action_id);
    await client.click({ userId: PEOPLE.requester, channelId: ch, ts, action: 'Contain' });
    let planTs = '';
    await waitUntil(
      () => {
        planTs =
          env.slack
            .ephemerals({ channel: ch, user: PEOPLE.requester })
            .find((e) => buttonsOf(e).some((b) => b.action_id === 'request_containment'))?.ts ?? '';
        return !!planTs;
      },
      30_000,
      'Contain plan',
    );
    await client.click({
      userId: PEOPLE.requester,
      channelId: ch,
      ts: planTs,
      action: 'Request containment',
    });
    await waitUntil(() => labels().includes('approve'), 30_000, 'Approve button');
    const store = env.aws.state.store(env.estate.homeAccountId, REGION);
    const t0 = Date.now();
    await client.click({ userId: PEOPLE.approver, channelId: ch, ts, action: 'Approve' });
    const contained = () =>
      all.every((t) => store.tasks.get(taskId(t.taskArn))?.desiredStatus === 'STOPPED') &&
      fleet.every(
        (s) => store.services.get(`${s.cluster.clusterName}/${s.service.serviceName}`)?.desiredCount === 0,
      );
    await waitUntil(contained, 120_000, 'every task stopped, every service held', 20).catch((err) => {
      const stopped = all.filter(
        (t) => store.tasks.get(taskId(t.taskArn))?.desiredStatus === 'STOPPED',
      ).length;
      const held = fleet.filter(
        (x) => store.services.get(`${x.cluster.clusterName}/${x.service.serviceName}`)?.desiredCount === 0,
      ).length;
      const card = JSON.stringify(env.slack.message(ch, ts)?.blocks ?? []).match(/\*Status\*[^"]*/)?.[0];
      throw new Error(`${(err as Error).message}: stopped ${stopped}, held ${held}; card ${card}`);
    });
    const elapsed = Date.now() - t0;
    // Let the plan finish (outcome audited) so the call count is the whole run's.
    await waitUntil(() => labels().includes('restore'), 60_000, 'Contain outcome', 50);
    const awsCalls: Record<string, number> = {};
    for (const c of env.aws.calls().filter((x) => x.at >= t0))
      awsCalls[c.operation] = (awsCalls[c.operation] ?? 0) + 1;
    const clusterNames = [...new Set(fleet.map((s) => s.cluster.clusterName))];
    const perCluster = clusterNames.map((c) => ({
      tasks: fleet.filter((s) => s.cluster.clusterName === c).reduce((n, s) => n + s.tasks.length, 0),
      services: fleet.filter((s) => s.cluster.clusterName === c).length,
    }));
    const minimumCalls: Record<string, number> = {
      // Evidence: the task, its task definition, its service.
      DescribeTaskDefinition: 1,
      // Evidence + stop-task's check + the inventory's 100-a-call reads.
      DescribeTasks: 2 + perCluster.reduce((n, c) => n + Math.ceil(c.tasks / 100), 0),
      // Evidence + hold of the source's service + the others' services, 10 a call per cluster.
      DescribeServices: 2 + perCluster.reduce((n, c) => n + Math.ceil(c.services / 10), 0),
      ListClusters: 1,
      ListTasks: perCluster.reduce((n, c) => n + Math.ceil(c.tasks / 100), 0),
      UpdateService: services,
      StopTask: tasks,
    };
    const total = (r: Record<string, number>) => Object.values(r).reduce((a, b) => a + b, 0);
    const awsCallsTotal = total(awsCalls);
    const minimumCallsTotal = total(minimumCalls);
    return {
      tasks: all.length,
      services,
      clusters,
      approveToContainedMs: elapsed,
      stopped: all.filter((t) => store.tasks.get(taskId(t.taskArn))?.desiredStatus === 'STOPPED').length,
      held: fleet.filter(
        (s) => store.services.get(`${s.cluster.clusterName}/${s.service.serviceName}`)?.desiredCount === 0,
      ).length,
      awsCalls,
      awsCallsTotal,
      minimumCalls,
      minimumCallsTotal,
      callRatio: round(awsCallsTotal / minimumCallsTotal, 3),
      notes: [
        'bot in-process; one Approve; steps hold-service, stop-task, stop-image-tasks (services held before their tasks stop)',
        'AWS calls counted from the Approve click to the outcome, the card’s blast-radius read included if it fell in that span',
      ],
    };
  } finally {
    await guard.stop();
    await env.close();
  }
}
