import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { addFindingFor } from '../../sandbox/aws/index.js';
import { buttonsOf, SlackTestClient } from '../../sandbox/slack/test-client.js';
import { AuditTrail } from '../../src/audit/trail.js';
import { createLogger } from '../../src/log.js';
import { keyspace } from '../../src/redis.js';
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

// The built bot (`node dist/src/main.js`) is killed with SIGKILL while StopTask is in flight; a
// fresh process picks the stalled job up after its lock lapses and finishes it exactly once.
describe('SIGKILL during an action', () => {
  let emus: Emulators;
  let bot: BotProcess | undefined;
  // Runs dist/ (what `npm start` runs): `npm test` builds it first.
  beforeAll(async () => {
    emus = await startEmulators();
  });
  afterAll(async () => {
    await bot?.stop('SIGKILL');
    await emus?.close();
  });

  it('completes once after a restart', async () => {
    bot = await startBotProcess(emus.env);
    const client = () =>
      new SlackTestClient({ eventsUrl: `${bot!.baseUrl}/slack/events`, emulator: emus.slack });
    const task = emus.estate.services.payments!.tasks[0]!;
    const f = addFindingFor(emus.aws.state, { type: 'Execution:Runtime/ReverseShell', task, severity: 8 });
    const push = await fetch(`${bot.baseUrl}/events/guardduty`, {
      method: 'POST',
      headers: { authorization: `Bearer ${INGEST_TOKEN}`, 'content-type': 'application/json' },
      body: JSON.stringify({ 'detail-type': 'GuardDuty Finding', source: 'aws.guardduty', detail: f }),
    });
    expect(push.status).toBe(202);
    const ch = PEOPLE.alerts;
    const { ts } = await waitFor(() =>
      emus.slack.messages(ch).find((m) => JSON.stringify(m.blocks).includes(f.id)),
    );
    const labels = () => buttonsOf(emus.slack.message(ch, ts)!).map((b) => b.action_id);
    await client().click({ userId: PEOPLE.requester, channelId: ch, ts, action: 'Stop task' });
    await waitFor(() => labels().includes('approve'));
    // StopTask hangs for 3 s in the emulator: the bot is killed while it waits.
    const hang = emus.aws.faults.inject({ operation: 'StopTask', latencyMs: 3000, times: 1 });
    await client().click({ userId: PEOPLE.approver, channelId: ch, ts, action: 'Approve' });
    // The StopTask has arrived (its fault taken) and hangs: kill now. (A DescribeTasks of the task
    // is no sign: the card's blast-radius reader makes one too.)
    await waitFor(() => hang.hits > 0, {
      timeoutMs: 20_000,
      what: 'the StopTask in flight',
    });
    await bot.stop('SIGKILL');
    bot = await startBotProcess(emus.env);
    const text = () => JSON.stringify(emus.slack.message(ch, ts)?.blocks);
    await waitFor(() => text().includes('Stop task succeeded'), {
      timeoutMs: 45_000,
      what: 'card outcome after restart',
    });
    const stops = emus.aws
      .calls({ operation: 'StopTask' })
      .filter((c) => c.input.task === task.taskArn && !c.errorCode);
    expect(stops).toHaveLength(1);
    const redis = testRedis();
    try {
      const audit = new AuditTrail({
        redis,
        keys: keyspace(emus.prefix),
        log: createLogger({ level: 'silent' }),
        key: emus.env.ECS_GUARD_AUDIT_HMAC_KEY as string,
      });
      const records = await audit.list({ findingId: f.id, limit: 100 });
      expect(records.filter((r) => r.event === 'executed')).toHaveLength(1);
      expect((await audit.verify()).ok).toBe(true);
    } finally {
      await redis.quit();
    }
  }, 90_000);
});
