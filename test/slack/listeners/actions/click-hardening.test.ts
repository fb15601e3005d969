import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { addFindingFor, type EcsTask } from '../../../../sandbox/aws/index.js';
import { buttonsOf, SlackTestClient } from '../../../../sandbox/slack/test-client.js';
import { shownMessage } from '../../../../sandbox/slack/workspace.js';
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
    // The card's background blast-radius read is done: the one refused call is the click's.
    await h.guard.cardBlastRadius.idle();

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
    // The evidence snapshot names the task's roles on purpose; errors never name a principal.
    const thread = h.slack
      .thread(ch, ts)
      .filter((m) => !m.text?.startsWith('Evidence snapshot of task'))
      .map((m) => `${m.text} ${JSON.stringify(m.blocks ?? [])}`);
    expect(thread.join('\n')).not.toMatch(PRINCIPAL);
    const failed = (await h.guard.ctx.audit.list({ limit: 20 })).find((r) => r.event === 'failed');
    expect(failed?.reason).toContain('AccessDenied');
    expect(failed?.reason).not.toMatch(PRINCIPAL);
  });

  /** The exact bytes a click sent, to send again as a captured request would be. */
  const bodyOf = (payload: Record<string, unknown>) =>
    `payload=${encodeURIComponent(JSON.stringify(payload))}`;
  const nowS = () => Math.floor(Date.now() / 1000);

  it('a captured Stop click replayed after a Reject is refused before any work, and audited once', async () => {
    const task = h.estate.services.web?.tasks[1];
    if (!task) throw new Error('no web task');
    const { f, ts } = await cardFor(task, 'Execution:Runtime/NewBinaryExecuted');
    const at = nowS();
    const stop = await h.client.click({
      userId: PEOPLE.requester,
      channelId: ch,
      ts,
      action: 'Stop task',
      timestamp: at,
    });
    expect(stop.status).toBe(200);
    await waitFor(() => labels(ts).includes('Approve'), { what: 'Approve button' });
    await click(PEOPLE.approver, ts, 'Reject');
    await waitFor(() => !labels(ts).includes('Approve') && labels(ts).includes('Stop task'), {
      what: 'card back to Stop task',
    });
    const requests = async () =>
      (await h.guard.ctx.audit.list({ findingId: f.id, limit: 50 })).filter((r) => r.event === 'requested');
    expect(await requests()).toHaveLength(1);

    // The attacker sends the very same signed bytes again, twice, within the 5 minutes.
    for (let i = 0; i < 2; i++) {
      const replay = await h.client.sendSigned(bodyOf(stop.payload), { timestamp: at });
      expect(replay.status).toBe(401);
    }
    // Slack's own redelivery of the same bytes is answered (so Slack stops) but not run again.
    const retried = await h.client.sendSigned(bodyOf(stop.payload), { timestamp: at, retry: 1 });
    expect(retried.status).toBe(200);
    await new Promise((r) => setTimeout(r, 300)); // time for any (wrong) work to show
    expect(labels(ts)).not.toContain('Approve');
    expect(await requests()).toHaveLength(1);
    const refused = (await h.guard.ctx.audit.list({ limit: 50 })).filter(
      (r) => r.action === 'slack-request' && r.event === 'refused',
    );
    expect(refused).toHaveLength(1);
    expect(refused[0]?.actor.id).toBe(PEOPLE.requester);
    expect(refused[0]?.outcome).toBe('denied');
    expect(refused[0]?.reason).toContain('replayed request');
    const metrics = await h.guard.ctx.metrics.registry.getSingleMetricAsString(
      'ecs_guard_slack_requests_refused_total',
    );
    expect(metrics).toMatch(/reason="replay"\} 2/);

    // A new click (Slack signs every request anew) still works.
    await click(PEOPLE.requester, ts, 'Stop task');
    await waitFor(() => labels(ts).includes('Approve'), { what: 'a fresh request' });
  });

  it('refuses timestamps more than 5 minutes in the future; a little clock skew is fine', async () => {
    const far = await h.client.slashCommand({
      userId: PEOPLE.approver,
      channelId: ch,
      text: 'help',
      timestamp: nowS() + 10 * 60,
    });
    expect(far.status).toBe(401);
    const skewed = await h.client.slashCommand({
      userId: PEOPLE.approver,
      channelId: ch,
      text: 'help',
      timestamp: nowS() + 60,
    });
    expect(skewed.status).toBe(200);
    const stale = await h.client.slashCommand({
      userId: PEOPLE.approver,
      channelId: ch,
      text: 'help',
      timestamp: nowS() - 10 * 60,
    });
    expect(stale.status).toBe(401);
    const forged = await h.client.slashCommand({
      userId: PEOPLE.approver,
      channelId: ch,
      text: 'help',
      secret: 'not-the-signing-secret',
    });
    expect(forged.status).toBe(401);
    const unsigned = await h.client.sendRaw('command=%2Fecs-guard&text=help', {
      'content-type': 'application/x-www-form-urlencoded',
    });
    expect(unsigned.status).toBe(401);
  });

  const refusals = async (findingId?: string) =>
    (await h.guard.ctx.audit.list({ limit: 100, ...(findingId ? { findingId } : {}) })).filter(
      (r) => r.event === 'refused',
    );
  const told = (user: string, channel: string, before: number) =>
    waitFor(() => h.slack.ephemerals({ user, channel }).slice(before)[0], { what: `a message to ${user}` });

  it('Approve and Confirm read group membership fresh: someone just removed from the group cannot decide', async () => {
    const task = h.estate.services.api?.tasks[0];
    if (!task) throw new Error('no api task');
    const { f, ts } = await cardFor(task, 'Execution:Runtime/ReverseShell');
    // The Stop request reads the approver group (and caches it for minutes) with gus in it.
    await click(PEOPLE.requester, ts, 'Stop task');
    await waitFor(() => labels(ts).includes('Approve'), { what: 'Approve button' });
    const group = h.slack.workspace.groups.get(PEOPLE.approverGroup);
    if (!group) throw new Error('no approver group');
    const members = [...group.users];
    group.users = []; // gus leaves the approvers group in Slack
    try {
      const before = h.slack.ephemerals({ user: PEOPLE.groupApprover }).length;
      await click(PEOPLE.groupApprover, ts, 'Approve');
      const m = await told(PEOPLE.groupApprover, ch, before);
      expect(m.text).toContain('Approve refused');
      expect(m.text).toContain('not an approver');
      expect(labels(ts)).toContain('Approve');
      expect(h.aws.calls({ operation: 'StopTask' }).filter((c) => c.input.task === task.taskArn)).toEqual([]);
      expect((await refusals(f.id)).map((r) => r.actor.id)).toContain(PEOPLE.groupApprover);

      // Confirm of an enable/disable plan: the same fresh read.
      const beforeCmd = h.slack.messages(PEOPLE.prod).length;
      await h.client.slashCommand({
        userId: PEOPLE.approver,
        channelId: PEOPLE.prod,
        text: 'enable prod-web --share',
      });
      const plan = await waitFor(() => h.slack.messages(PEOPLE.prod).slice(beforeCmd)[0], { what: 'plan' });
      const beforeConfirm = h.slack.ephemerals({ user: PEOPLE.groupApprover }).length;
      await h.client.click({
        userId: PEOPLE.groupApprover,
        channelId: PEOPLE.prod,
        ts: plan.ts,
        action: 'Confirm',
      });
      const c = await waitFor(
        () => h.slack.ephemerals({ user: PEOPLE.groupApprover }).slice(beforeConfirm)[0],
      );
      expect(c.text).toContain('not an approver');
    } finally {
      group.users = members;
    }
    // Back in the group: the same click works (read fresh again).
    await click(PEOPLE.groupApprover, ts, 'Approve');
    await waitFor(() => cardText(ts).includes('Stop task succeeded'), { what: 'approved and run' });
  });

  it('a click from another Slack workspace is refused, told why and audited', async () => {
    const task = h.estate.services.api?.tasks[1];
    if (!task) throw new Error('no api task');
    const { f, ts } = await cardFor(task, 'Impact:Runtime/CryptoMinerExecuted');
    await click(PEOPLE.requester, ts, 'Stop task');
    await waitFor(() => labels(ts).includes('Approve'), { what: 'Approve button' });
    // Same signing secret (one app), a shared channel, a user of another organisation.
    const foreign = new SlackTestClient({
      eventsUrl: `${h.baseUrl}/slack/events`,
      emulator: h.slack,
      teamId: 'TFOREIGN01',
    });
    const before = h.slack.ephemerals({ user: PEOPLE.approver }).length;
    const res = await foreign.click({ userId: PEOPLE.approver, channelId: ch, ts, action: 'Approve' });
    expect(res.status).toBe(200);
    const m = await told(PEOPLE.approver, ch, before);
    expect(m.text).toContain('another Slack workspace');
    expect(labels(ts)).toContain('Approve');
    expect(h.aws.calls({ operation: 'StopTask' }).filter((c) => c.input.task === task.taskArn)).toEqual([]);
    const r = (await refusals()).find((x) => x.reason?.includes('another Slack workspace'));
    expect(r?.actor.id).toBe(PEOPLE.approver);
    expect(r?.outcome).toBe('denied');
    expect(f.id).toBeTruthy();
  });

  it("a card's button clicked in another channel (a copied value) is refused, told why and audited", async () => {
    const task = h.estate.services.worker?.tasks[0];
    if (!task) throw new Error('no worker task');
    const { f, ts } = await cardFor(task, 'Execution:Runtime/NewBinaryExecuted');
    const copy = h.slack.message(ch, ts);
    if (!copy) throw new Error('no card');
    const elsewhere = PEOPLE.prod;
    const before = h.slack.ephemerals({ user: PEOPLE.requester, channel: elsewhere }).length;
    await h.client.click({
      userId: PEOPLE.requester,
      channelId: elsewhere,
      ts,
      action: 'Stop task',
      message: shownMessage(copy),
    });
    const m = await told(PEOPLE.requester, elsewhere, before);
    expect(m.text).toContain('belongs to a card in another channel');
    expect(labels(ts)).not.toContain('Approve');

    // A pending request's Approve copied elsewhere: refused the same way, nothing approved.
    await click(PEOPLE.requester, ts, 'Stop task');
    await waitFor(() => labels(ts).includes('Approve'), { what: 'Approve button' });
    const pending = h.slack.message(ch, ts);
    if (!pending) throw new Error('no card');
    const beforeApprove = h.slack.ephemerals({ user: PEOPLE.approver, channel: elsewhere }).length;
    await h.client.click({
      userId: PEOPLE.approver,
      channelId: elsewhere,
      ts,
      action: 'Approve',
      message: shownMessage(pending),
    });
    const a = await told(PEOPLE.approver, elsewhere, beforeApprove);
    expect(a.text).toContain('Approve refused');
    expect(a.text).toContain('another channel');
    expect(labels(ts)).toContain('Approve');
    expect(h.aws.calls({ operation: 'StopTask' }).filter((c) => c.input.task === task.taskArn)).toEqual([]);
    const refused = await refusals(f.id);
    expect(refused.map((r) => r.actor.id)).toContain(PEOPLE.approver);
    expect(
      (await refusals()).some(
        (r) => r.actor.id === PEOPLE.requester && r.reason?.includes('another channel'),
      ),
    ).toBe(true);
  });
});
