import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { addFindingFor, addService, type EcsTask } from '../../sandbox/aws/index.js';
import { buttonsOf, SlackTestClient } from '../../sandbox/slack/test-client.js';
import type { AuditRecord } from '../../src/audit/record.js';
import { AuditTrail } from '../../src/audit/trail.js';
import { createLogger } from '../../src/log.js';
import { keyspace } from '../../src/redis.js';
import { CardStore } from '../../src/slack/card-store.js';
import {
  type BotProcess,
  type Emulators,
  INGEST_TOKEN,
  PEOPLE,
  startBotProcess,
  startEmulators,
} from '../helpers/harness.js';
import { testRedis } from '../helpers/redis.js';
import { waitFor } from '../helpers/wait.js';

// Containment survives the bot dying: the built bot (`node dist/src/main.js`) is SIGKILLed in the
// middle of a Contain plan, and inside an auto-contain window; a fresh process finishes each
// exactly once — no step repeated, nothing early, nothing lost. AWS and Slack emulators, real Redis.
describe('drill: the bot killed during containment', () => {
  let emus: Emulators | undefined;
  let bot: BotProcess | undefined;
  const ch = PEOPLE.alerts;
  const REGION = 'us-east-1';
  afterEach(async () => {
    await bot?.stop('SIGKILL');
    bot = undefined;
    await emus?.close();
    emus = undefined;
  });
  afterAll(async () => {
    await bot?.stop('SIGKILL');
  });

  const setUp = async (policy: string) => {
    const dir = mkdtempSync(join(tmpdir(), 'contain-drill-'));
    const file = join(dir, 'policy.yml');
    writeFileSync(file, policy);
    emus = await startEmulators();
    // The scheduler acts long after a change (as ECS does a while later): the stops are ours.
    emus.aws.state.scheduler.delayMs = 120_000;
    const env = { ...emus.env, ECS_GUARD_CONFIG: file };
    bot = await startBotProcess(env);
    return env;
  };
  const client = () =>
    new SlackTestClient({ eventsUrl: `${bot!.baseUrl}/slack/events`, emulator: emus!.slack });
  const service = (cluster: string, name: string, taskCount: number) =>
    addService(emus!.aws.state, {
      accountId: emus!.estate.homeAccountId,
      region: REGION,
      cluster,
      service: name,
      image: `${emus!.estate.homeAccountId}.dkr.ecr.${REGION}.amazonaws.com/${name}:3`,
      taskCount,
    });
  const push = async (task: EcsTask) => {
    const f = addFindingFor(emus!.aws.state, { type: 'Execution:Runtime/ReverseShell', task, severity: 8 });
    const res = await fetch(`${bot!.baseUrl}/events/guardduty`, {
      method: 'POST',
      headers: { authorization: `Bearer ${INGEST_TOKEN}`, 'content-type': 'application/json' },
      body: JSON.stringify({ 'detail-type': 'GuardDuty Finding', source: 'aws.guardduty', detail: f }),
    });
    expect(res.status).toBe(202);
    const { ts } = await waitFor(
      () => emus!.slack.messages(ch).find((m) => JSON.stringify(m.blocks).includes(f.id)),
      { what: 'card', timeoutMs: 20_000 },
    );
    return { f, ts };
  };
  const auditOf = async (findingId: string): Promise<{ records: AuditRecord[]; intact: boolean }> => {
    const redis = testRedis();
    try {
      const audit = new AuditTrail({
        redis,
        keys: keyspace(emus!.prefix),
        log: createLogger({ level: 'silent' }),
        key: emus!.env.ECS_GUARD_AUDIT_HMAC_KEY as string,
      });
      const records = (await audit.list({ findingId, limit: 200 })).reverse();
      return { records, intact: (await audit.verify()).ok };
    } finally {
      await redis.quit();
    }
  };
  const changes = (service: string, tasks: EcsTask[]) => ({
    updates: emus!.aws.calls({ operation: 'UpdateService' }).filter((c) => c.input.service === service),
    stops: emus!.aws
      .calls({ operation: 'StopTask' })
      .filter((c) => tasks.some((t) => t.taskArn === c.input.task) && !c.errorCode),
  });

  it('SIGKILL mid-plan (service held, StopTask in flight): the restarted bot resumes the plan without repeating a step', async () => {
    const env = await setUp('containment:\n  defaultSteps: [hold-service, stop-task, stop-image-tasks]\n');
    const s = service('drill-c', 'checkout', 3);
    const task = s.tasks[0]!;
    const { f, ts } = await push(task);
    const card = () => emus!.slack.message(ch, ts)!;
    await client().click({ userId: PEOPLE.requester, channelId: ch, ts, action: 'Contain' });
    const plan = await waitFor(
      () =>
        emus!.slack
          .ephemerals({ channel: ch, user: PEOPLE.requester })
          .find((e) => buttonsOf(e).some((b) => b.action_id === 'request_containment')),
      { what: 'Contain plan', timeoutMs: 20_000 },
    );
    await client().click({
      userId: PEOPLE.requester,
      channelId: ch,
      ts: plan.ts,
      action: 'Request containment',
    });
    await waitFor(() => buttonsOf(card()).some((b) => b.action_id === 'approve'), { timeoutMs: 20_000 });
    // The first StopTask hangs 4 s: the bot is killed after the hold, while the stop is in flight.
    emus!.aws.faults.inject({ operation: 'StopTask', latencyMs: 4000, times: 1 });
    await client().click({ userId: PEOPLE.approver, channelId: ch, ts, action: 'Approve' });
    await waitFor(
      () => emus!.aws.calls({ operation: 'StopTask' }).some((c) => c.input.task === task.taskArn),
      {
        what: 'StopTask in flight',
        timeoutMs: 30_000,
      },
    );
    expect(changes('checkout', s.tasks).updates).toHaveLength(1);
    await bot!.stop('SIGKILL');
    bot = await startBotProcess(env);
    await waitFor(() => JSON.stringify(card().blocks).includes('Contain succeeded'), {
      what: 'Contain outcome after the restart',
      // Lock expiry (15 s) plus a cold start on two shared cores.
      timeoutMs: 100_000,
    });
    const c = changes('checkout', s.tasks);
    // The hold ran once (not again after the restart); each of the three tasks was stopped once.
    expect(c.updates).toHaveLength(1);
    expect(c.stops.map((x) => x.input.task).sort()).toEqual(s.tasks.map((t) => t.taskArn).sort());
    const { records, intact } = await auditOf(f.id);
    const steps = records.filter((r) => r.event === 'step').map((r) => r.detail?.step);
    expect(steps).toEqual(['evidence', 'hold-service', 'stop-task', 'stop-image-tasks']);
    expect(records.filter((r) => r.event === 'evidence')).toHaveLength(1);
    expect(records.filter((r) => r.event === 'executed')).toHaveLength(1);
    expect(intact).toBe(true);
  }, 200_000);

  it('SIGKILL inside an auto-contain window: the restarted bot runs the plan once, not before the window ends', async () => {
    const WINDOW_S = 12;
    const env = await setUp(
      [
        'containment:',
        '  defaultSteps: [hold-service, stop-task]',
        '  autoContain:',
        '    - name: drill-rule',
        '      clusters: ["drill-*"]',
        `      windowSeconds: ${WINDOW_S}`,
        '',
      ].join('\n'),
    );
    const s = service('drill-a', 'ledger', 2);
    const task = s.tasks[0]!;
    const postedAt = Date.now();
    const { f, ts } = await push(task);
    expect(JSON.stringify(emus!.slack.message(ch, ts)?.blocks)).toContain('unless someone cancels');
    // Killed inside the window, once the outbox has recorded the post (its ts is how the card is updated).
    const cardId = buttonsOf(emus!.slack.message(ch, ts)!).find((b) => b.action_id === 'ecs_context')?.value;
    const redis = testRedis();
    try {
      const cards = new CardStore(redis, keyspace(emus!.prefix), Date.now);
      await waitFor(async () => (await cards.get(cardId!))?.ts, { what: 'card ts stored' });
    } finally {
      await redis.quit();
    }
    expect(Date.now()).toBeLessThan(postedAt + WINDOW_S * 1000 - 2000);
    await bot!.stop('SIGKILL');
    bot = await startBotProcess(env);
    await waitFor(() => JSON.stringify(emus!.slack.message(ch, ts)?.blocks).includes('Contain succeeded'), {
      what: 'auto-contain outcome after the restart',
      timeoutMs: 90_000,
    });
    const c = changes('ledger', [task]);
    expect(c.updates).toHaveLength(1);
    expect(c.stops).toHaveLength(1);
    expect(Math.min(...[...c.updates, ...c.stops].map((x) => x.at))).toBeGreaterThanOrEqual(
      postedAt + WINDOW_S * 1000 - 50,
    );
    const { records, intact } = await auditOf(f.id);
    expect(records.filter((r) => r.event === 'executed')).toHaveLength(1);
    expect(records.find((r) => r.event === 'approved')?.reason).toBe('auto-contain rule "drill-rule"');
    expect(intact).toBe(true);
  }, 200_000);
});
