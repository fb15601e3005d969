import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { makeFinding } from '../../sandbox/aws/index.js';
import { SlackTestClient } from '../../sandbox/slack/index.js';
import {
  type BotProcess,
  type Emulators,
  PEOPLE,
  startBotProcess,
  startEmulators,
} from '../helpers/harness.js';
import { waitFor } from '../helpers/wait.js';
import { buttonsOf, cardRecorded, cardsMentioning, pushFindings } from './flows.js';

// SIGTERM while an approved Stop task is running (StopTask is slowed down by the AWS emulator):
// the worker lets the job finish, the bot exits 0, the outcome is reported once, and a restart
// neither stops the task again nor reports it twice. Needs `npx tsc` first.
describe('graceful shutdown in the middle of an action (built process)', () => {
  let emus: Emulators;
  let bot: BotProcess | undefined;

  beforeAll(async () => {
    emus = await startEmulators();
    bot = await startBotProcess(emus.env);
  }, 30_000);

  afterAll(async () => {
    await bot?.stop('SIGKILL');
    await emus?.close();
  });

  it('finishes the running StopTask, exits 0, and a restart does not repeat it', async () => {
    const first = bot as BotProcess;
    const task = emus.estate.services.web?.tasks[2];
    if (!task) throw new Error('no web task');
    const f = emus.aws.state.addFinding(
      makeFinding({ type: 'Execution:Runtime/ReverseShell', task, severity: 8 }),
    );
    expect((await pushFindings(first.baseUrl, [f])).status).toBe(202);
    const card = await waitFor(() => cardsMentioning(emus.slack, PEOPLE.alerts, f.id)[0], { what: 'card' });
    await cardRecorded(() => first.output(), card.ts);

    const client = new SlackTestClient({ eventsUrl: `${first.baseUrl}/slack/events`, emulator: emus.slack });
    await client.click({
      userId: PEOPLE.requester,
      channelId: PEOPLE.alerts,
      ts: card.ts,
      action: 'stop_task',
    });
    await waitFor(
      () =>
        buttonsOf(emus.slack.message(PEOPLE.alerts, card.ts)?.blocks).some((b) => b.action_id === 'approve'),
      { what: 'Approve button' },
    );
    const slow = emus.aws.faults.inject({ operation: 'StopTask', latencyMs: 2_500 });
    await client.click({ userId: PEOPLE.approver, channelId: PEOPLE.alerts, ts: card.ts, action: 'approve' });
    await waitFor(() => slow.hits > 0, { what: 'StopTask in flight', timeoutMs: 15_000 });

    const t0 = Date.now();
    expect(await first.stop('SIGTERM')).toBe(0);
    // It waited for the slow StopTask (not killed mid-call) yet stayed within the 20 s bound.
    expect(Date.now() - t0).toBeGreaterThan(1_000);
    expect(Date.now() - t0).toBeLessThan(20_000);

    const stopCalls = () => emus.aws.calls({ operation: 'StopTask' });
    const outcomes = () =>
      emus.slack
        .thread(PEOPLE.alerts, card.ts)
        .filter((m) => m.ts !== card.ts && /Task stopped/.test(m.text ?? ''));
    expect(stopCalls()).toHaveLength(1);
    expect(stopCalls()[0]?.status).toBe(200);
    expect(outcomes()).toHaveLength(1);
    expect(
      emus.aws.state
        .store(emus.estate.homeAccountId, 'us-east-1')
        .tasks.get(task.taskArn.split('/').pop() ?? '')?.desiredStatus,
    ).toBe('STOPPED');

    bot = await startBotProcess(emus.env);
    const ready = await fetch(`${bot.baseUrl}/readyz`);
    expect(ready.status).toBe(200);
    // The card no longer offers Stop task or Approve; nothing was repeated after the restart.
    const buttons = buttonsOf(emus.slack.message(PEOPLE.alerts, card.ts)?.blocks).map((b) => b.action_id);
    expect(buttons).not.toContain('approve');
    expect(stopCalls()).toHaveLength(1);
    expect(outcomes()).toHaveLength(1);
  }, 55_000);
});
