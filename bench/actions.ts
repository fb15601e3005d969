import { addFindingFor, addService, type EcsTask } from '../sandbox/aws/index.js';
import { buttonsOf, SlackTestClient } from '../sandbox/slack/index.js';
import { createEcsGuard } from '../src/app.js';
import { loadConfig } from '../src/config.js';
import { createLogger } from '../src/log.js';
import { PEOPLE, REGION, startBenchEnv } from './env.js';
import { percentile, pool, round } from './stats.js';
import { waitUntil } from './wait.js';

export interface ActionsResult {
  requests: number;
  stopTaskCalls: number;
  failedStopTaskCalls: number;
  approveToStopMs: { p50: number; p99: number; max: number };
  /** StopTask calls per second from the first Approve to the last StopTask. */
  throughputPerSecond: number;
  awsCalls: Record<string, number>;
  errors: number;
  notes: string[];
}

/**
 * `n` Stop task requests, each approved by a second person: click "Stop task" as the requester,
 * "Approve" as the approver once the card shows it, then wait for the StopTask call in the AWS
 * emulator's log. The bot runs in-process with the outbox's pace lowered (and the Slack
 * emulator's pacing off) so 500 single cards exist in seconds; posting is measured by the burst.
 */
export async function runActions(n: number, concurrency: number): Promise<ActionsResult> {
  const env = await startBenchEnv({ slackPacing: false });
  const half = Math.ceil(n / 2);
  const fleets = [
    addService(env.aws.state, {
      accountId: env.estate.homeAccountId,
      region: REGION,
      cluster: 'fleet-a',
      service: 'fleet-a',
      image: 'public.ecr.aws/docker/library/busybox:1',
      taskCount: half,
    }),
    addService(env.aws.state, {
      accountId: env.estate.memberAccountId,
      region: REGION,
      cluster: 'fleet-b',
      service: 'fleet-b',
      image: 'public.ecr.aws/docker/library/busybox:1',
      taskCount: n - half,
    }),
  ];
  const tasks: EcsTask[] = fleets.flatMap((f) => f.tasks);
  const guard = createEcsGuard(loadConfig({ ...env.env, PORT: '0' }), {
    log: createLogger({ level: 'warn' }),
    aws: { endpoint: env.aws.url, credentials: env.aws.credentials, maxAttempts: 3 },
    // Slack's pace lowered (posts and the chat.update bucket) so that 500 cards and their
    // 1,000 updates do not take Slack's ~20 minutes: this measures approve → StopTask.
    outbox: { slotMs: 5, updateGapMs: 5, groupAfter: 1e9, groupSame: 1e9, tickMs: 20 },
  });
  try {
    const port = await guard.start();
    return await measure(`http://127.0.0.1:${port}`);
  } finally {
    await guard.stop();
    await env.close();
  }

  async function measure(baseUrl: string): Promise<ActionsResult> {
    const findingIds = tasks.map(
      (task, i) =>
        addFindingFor(env.aws.state, {
          type: 'Execution:Runtime/ReverseShell',
          severity: 8,
          task,
          id: `act${String(i).padStart(5, '0')}`,
        }).id,
    );
    await guard.ctx.poller.poll(REGION);
    const cards = new Map<string, { channel: string; ts: string }>();
    await waitUntil(
      async () => {
        const recs = (await guard.ctx.findings.getByIds(findingIds)).map((rs) => rs[0]);
        for (const r of recs)
          if (r?.ts && r.cardId) cards.set(r.finding.id, { channel: r.channel, ts: r.ts });
        return cards.size === n;
      },
      120_000,
      `${n} cards`,
      200,
    );
    const client = new SlackTestClient({ eventsUrl: `${baseUrl}/slack/events`, emulator: env.slack });
    const approvedAt = new Map<string, number>();
    let errors = 0;
    await pool(tasks, concurrency, async (task, i) => {
      const card = cards.get(findingIds[i] as string) as { channel: string; ts: string };
      const labels = () => buttonsOf(env.slack.message(card.channel, card.ts) ?? {}).map((b) => b.action_id);
      try {
        await client.click({
          userId: PEOPLE.requester,
          channelId: card.channel,
          ts: card.ts,
          action: 'Stop task',
        });
        await waitUntil(() => labels().includes('approve'), 30_000, 'Approve button');
        approvedAt.set(task.taskArn, Date.now());
        const res = await client.click({
          userId: PEOPLE.approver,
          channelId: card.channel,
          ts: card.ts,
          action: 'Approve',
        });
        if (res.status !== 200) errors++;
      } catch {
        errors++;
      }
    });
    const stopsOf = () => env.aws.calls({ operation: 'StopTask' }).filter((c) => !c.errorCode);
    await waitUntil(() => stopsOf().length >= approvedAt.size, 120_000, 'StopTask calls', 100).catch(
      () => {},
    );
    const stops = stopsOf();
    const lat: number[] = [];
    for (const c of stops) {
      const at = approvedAt.get(String(c.input.task));
      if (at) lat.push(c.at - at);
    }
    const first = Math.min(...approvedAt.values());
    const last = Math.max(...stops.map((c) => c.at));
    const awsCalls: Record<string, number> = {};
    for (const c of env.aws.calls()) awsCalls[c.operation] = (awsCalls[c.operation] ?? 0) + 1;
    return {
      requests: n,
      stopTaskCalls: stops.length,
      failedStopTaskCalls: env.aws.calls({ operation: 'StopTask' }).length - stops.length,
      approveToStopMs: {
        p50: round(percentile(lat, 50)),
        p99: round(percentile(lat, 99)),
        max: round(percentile(lat, 100)),
      },
      throughputPerSecond: stops.length ? round(stops.length / ((last - first) / 1000)) : 0,
      awsCalls,
      errors,
      notes: [
        `bot in-process (outbox pace lowered, Slack pacing off) so ${n} cards exist quickly; ${concurrency} flows at a time`,
        `half the tasks in the member account (AssumeRole with SourceIdentity = approver)`,
      ],
    };
  }
}
