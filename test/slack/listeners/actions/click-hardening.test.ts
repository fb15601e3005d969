import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { addFindingFor, type EcsTask } from '../../../../sandbox/aws/index.js';
import { buttonsOf } from '../../../../sandbox/slack/test-client.js';
import { type Harness, PEOPLE, startHarness } from '../../../helpers/harness.js';
import { waitFor } from '../../../helpers/wait.js';

// Attacks on the click path (issue 14): signed clicks through /slack/events against the AWS and
// Slack emulators and real Redis, each checked by what the bot sent and what AWS was asked.
describe('clicks: what a clicker is shown and what is refused', () => {
  let h: Harness;
  beforeAll(async () => {
    h = await startHarness();
  });
  afterAll(async () => {
    await h?.close();
  });

  const ch = PEOPLE.alerts;
  const cardFor = async (task: EcsTask, type = 'Execution:Runtime/ReverseShell') => {
    const f = addFindingFor(h.aws.state, { type, task, severity: 8 });
    await h.guard.ctx.poller.poll('us-east-1');
    const msg = await waitFor(
      () => h.slack.messages(ch).find((m) => JSON.stringify(m.blocks).includes(f.id)),
      {
        what: 'card',
      },
    );
    return { f, ts: msg.ts };
  };
  const cardText = (ts: string) => JSON.stringify(h.slack.message(ch, ts)?.blocks);
  const labels = (ts: string) =>
    buttonsOf(h.slack.message(ch, ts) ?? {}).map((b) => (b.text as { text: string }).text);
  const click = (userId: string, ts: string, action: string) =>
    h.client.click({ userId, channelId: ch, ts, action });
  const PRINCIPAL = /arn:aws[a-z-]*:(sts|iam)::\d{12}:|assumed-role\//;

  it("AWS errors shown to clickers never carry the bot's principal ARN", async () => {
    const task = h.estate.services.payments?.tasks[0];
    if (!task) throw new Error('no payments task');
    const { ts } = await cardFor(task);

    // ECS context: AWS refuses DescribeTasks, naming the assumed-role session that asked.
    h.aws.faults.inject({ operation: 'DescribeTasks', kind: 'accessDenied', times: 1 });
    const before = h.slack.ephemerals({ user: PEOPLE.outsider }).length;
    await click(PEOPLE.outsider, ts, 'ECS context');
    const told = await waitFor(() => h.slack.ephemerals({ user: PEOPLE.outsider }).slice(before)[0], {
      what: 'ECS context refusal',
    });
    expect(told.text).toContain('AccessDeniedException');
    expect(told.text).toContain('ecs:DescribeTasks');
    expect(told.text).not.toMatch(PRINCIPAL);
    const denied = h.aws.calls({ operation: 'DescribeTasks' }).find((c) => c.errorCode);
    expect(denied?.accountId).toBe(h.estate.memberAccountId); // it was the member-role session

    // Stop task: StopTask refused; the card (seen by the whole channel) and the thread say why.
    h.aws.faults.inject({ operation: 'StopTask', kind: 'accessDenied', times: 1 });
    await click(PEOPLE.requester, ts, 'Stop task');
    await waitFor(() => labels(ts).includes('Approve'), { what: 'Approve button' });
    await click(PEOPLE.approver, ts, 'Approve');
    await waitFor(() => cardText(ts).includes('Stop task failed'), { what: 'failed card' });
    expect(cardText(ts)).toContain('ecs:StopTask');
    expect(cardText(ts)).not.toMatch(PRINCIPAL);
    const thread = h.slack.thread(ch, ts).map((m) => `${m.text} ${JSON.stringify(m.blocks ?? [])}`);
    expect(thread.join('\n')).not.toMatch(PRINCIPAL);
    const failed = (await h.guard.ctx.audit.list({ limit: 20 })).find((r) => r.event === 'failed');
    expect(failed?.reason).toContain('AccessDenied');
    expect(failed?.reason).not.toMatch(PRINCIPAL);
  });
});
