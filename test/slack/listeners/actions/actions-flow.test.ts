import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { addFindingFor, type EcsTask } from '../../../../sandbox/aws/index.js';
import { buttonsOf } from '../../../../sandbox/slack/test-client.js';
import type { AuditRecord } from '../../../../src/audit/record.js';
import { type Harness, PEOPLE, startHarness } from '../../../helpers/harness.js';
import { waitFor } from '../../../helpers/wait.js';

// Signed clicks through /slack/events against the AWS and Slack emulators and real Redis:
// request → approve → queued StopTask → card and thread, plus every refusal and race.
describe('card actions (four-eyes, queue, audit)', () => {
  let h: Harness;
  let offset = 0;
  const clock = () => Date.now() + offset;
  beforeAll(async () => {
    h = await startHarness({ guard: { clock } });
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
  const card = (ts: string) => h.slack.message(ch, ts)!;
  const cardText = (ts: string) => JSON.stringify(card(ts).blocks);
  const labels = (ts: string) => buttonsOf(card(ts)).map((b) => (b.text as { text: string }).text);
  const click = (
    userId: string,
    ts: string,
    action: string,
    extra: { value?: string; retry?: number } = {},
  ) => h.client.click({ userId, channelId: ch, ts, action, ...extra });
  const stops = (taskArn: string) =>
    h.aws.calls({ operation: 'StopTask' }).filter((c) => c.input.task === taskArn);
  const okStops = (taskArn: string) => stops(taskArn).filter((c) => !c.errorCode);
  const ephemeralsFor = (user: string) => h.slack.ephemerals({ user }).map((e) => e.text ?? '');
  const audit = async (findingId: string): Promise<AuditRecord[]> =>
    (await h.guard.ctx.audit.list({ findingId, limit: 200 })).reverse();
  const requested = async (ts: string, user = PEOPLE.requester) => {
    await click(user, ts, 'Stop task');
    await waitFor(() => labels(ts).includes('Approve'), { what: 'Approve button' });
  };

  it('runs the full four-eyes flow in a member account: one StopTask, card and thread show it', async () => {
    const task = h.estate.services.payments!.tasks[0]!;
    const { f, ts } = await cardFor(task);
    await requested(ts);
    expect(cardText(ts)).toContain('Stop task requested');
    expect(cardText(ts)).toContain(`<@${PEOPLE.requester}>`);
    expect(cardText(ts)).toContain(`<@${PEOPLE.approver}>`);
    expect(cardText(ts)).toContain(`<!subteam^${PEOPLE.approverGroup}>`);
    await click(PEOPLE.approver, ts, 'Approve');
    await waitFor(() => cardText(ts).includes('Stop task succeeded'), { what: 'card outcome' });
    const calls = okStops(task.taskArn);
    expect(calls).toHaveLength(1);
    expect(calls[0]!.accountId).toBe(h.estate.memberAccountId);
    expect(calls[0]!.sourceIdentity).toBe(PEOPLE.approver);
    expect(String(calls[0]!.input.cluster)).toContain('payments');
    expect(String(calls[0]!.input.reason)).toContain(f.id);
    expect(String(calls[0]!.input.reason)).toContain(PEOPLE.approver);
    expect(String(calls[0]!.input.reason).length).toBeLessThanOrEqual(255);
    const assume = h.aws
      .calls({ operation: 'AssumeRole' })
      .find((c) => c.input.SourceIdentity === PEOPLE.approver);
    expect(assume?.input.ExternalId).toBe(h.estate.externalId);
    expect(labels(ts)).toEqual(['ECS context']);
    expect(cardText(ts)).toContain(`approved by <@${PEOPLE.approver}>`);
    const thread = await waitFor(() =>
      h.slack.thread(ch, ts).find((m) => m.text?.includes('Stop task succeeded')),
    );
    expect(thread.text).toContain(`<@${PEOPLE.requester}>`);
    const events = (await audit(f.id)).map((r) => r.event);
    // Stop task is evidence first: the snapshot record and its step come before the stop.
    expect(events).toEqual(['requested', 'approved', 'evidence', 'step', 'executed']);
    const executed = (await audit(f.id)).find((r) => r.event === 'executed')!;
    expect(executed.awsRequestId).toBeTruthy();
    expect(executed.target.accountId).toBe(h.estate.memberAccountId);
    expect((await h.guard.ctx.audit.verify()).ok).toBe(true);
  });

  it('refuses self-approval, non-approvers and forged ids, honours group approvers, audits refusals', async () => {
    const task = h.estate.services.web!.tasks[0]!;
    const { f, ts } = await cardFor(task);
    await requested(ts, PEOPLE.approver);
    await click(PEOPLE.approver, ts, 'Approve');
    await waitFor(() => ephemeralsFor(PEOPLE.approver).some((t) => t.includes('second person')));
    await click(PEOPLE.outsider, ts, 'Approve');
    await waitFor(() => ephemeralsFor(PEOPLE.outsider).some((t) => t.includes('not an approver')));
    await click(PEOPLE.outsider, ts, 'Approve', { value: 'r0123456789abcdef01234567' });
    await click(PEOPLE.outsider, ts, 'Approve', { value: '{"task":"arn:aws:ecs:evil"}' });
    await click(PEOPLE.outsider, ts, 'ECS context', { value: 'c0123456789abcdef01234567' });
    await waitFor(() => ephemeralsFor(PEOPLE.outsider).filter((t) => t.includes('unknown')).length >= 3);
    expect(stops(task.taskArn)).toHaveLength(0);
    // A member of the approvers' user group may approve.
    await click(PEOPLE.groupApprover, ts, 'Approve');
    await waitFor(() => okStops(task.taskArn).length === 1 && cardText(ts).includes('succeeded'));
    const refusals = (await h.guard.ctx.audit.list({ limit: 500 })).filter((r) => r.event === 'refused');
    const mine = refusals.filter((r) => r.target.findingId === f.id);
    expect(mine.map((r) => r.actor.id).sort()).toEqual([PEOPLE.approver, PEOPLE.outsider]);
    expect(mine.every((r) => r.outcome === 'denied' && r.reason)).toBe(true);
    const forged = refusals.filter((r) => r.actor.id === PEOPLE.outsider && !r.target.findingId);
    expect(forged.length).toBeGreaterThanOrEqual(3);
  });

  it('double click, two simultaneous approvers and a Slack retry give one StopTask', async () => {
    const task = h.estate.services.web!.tasks[1]!;
    const { f, ts } = await cardFor(task);
    // Double click on Stop task: one request.
    await Promise.all([click(PEOPLE.requester, ts, 'Stop task'), click(PEOPLE.requester, ts, 'Stop task')]);
    await waitFor(() => labels(ts).includes('Approve'));
    const approve = buttonsOf(card(ts)).find((b) => b.action_id === 'approve')!;
    await Promise.all([
      click(PEOPLE.approver, ts, 'Approve'),
      click(PEOPLE.groupApprover, ts, 'Approve'),
      click(PEOPLE.approver, ts, 'Approve', { retry: 1 }),
      click(PEOPLE.approver, ts, 'Approve', { value: approve.value! }),
    ]);
    await waitFor(() => cardText(ts).includes('Stop task succeeded'));
    expect(okStops(task.taskArn)).toHaveLength(1);
    const events = (await audit(f.id)).map((r) => r.event);
    expect(events.filter((e) => e === 'requested')).toHaveLength(1);
    expect(events.filter((e) => e === 'approved')).toHaveLength(1);
    expect(events.filter((e) => e === 'executed')).toHaveLength(1);
    const losers = [...ephemeralsFor(PEOPLE.approver), ...ephemeralsFor(PEOPLE.groupApprover)];
    expect(losers.some((t) => t.includes('Already approved by <@'))).toBe(true);
  });

  it('ThrottlingException then success: one StopTask, retries in the audit trail', async () => {
    const task = h.estate.services.web!.tasks[2]!;
    const { f, ts } = await cardFor(task);
    // 4 throttles: the SDK's 3 attempts fail once, the queue retries, then 1 throttle + success.
    h.aws.faults.inject({ operation: 'StopTask', kind: 'throttle', times: 4 });
    await requested(ts);
    await click(PEOPLE.approver, ts, 'Approve');
    await waitFor(() => cardText(ts).includes('Stop task succeeded'), { timeoutMs: 15_000 });
    expect(okStops(task.taskArn)).toHaveLength(1);
    expect(stops(task.taskArn).filter((c) => c.errorCode === 'ThrottlingException')).toHaveLength(4);
    const records = await audit(f.id);
    const retried = records.filter((r) => r.event === 'retried');
    expect(retried.length).toBeGreaterThanOrEqual(1);
    expect(retried[0]!.detail?.errorCode).toBe('ThrottlingException');
    expect(records.filter((r) => r.event === 'executed')).toHaveLength(1);
    expect(records.find((r) => r.event === 'executed')!.detail?.sdkAttempts).toBe(2);
  });

  it('AccessDenied: the card shows the failure, no Retry, no second attempt', async () => {
    const task = h.estate.services.api!.tasks[0]!;
    const { f, ts } = await cardFor(task);
    h.aws.faults.inject({ operation: 'StopTask', kind: 'accessDenied', times: 1 });
    await requested(ts);
    await click(PEOPLE.approver, ts, 'Approve');
    await waitFor(() => cardText(ts).includes('Stop task failed'));
    expect(cardText(ts)).toContain('AccessDenied');
    expect(labels(ts)).toEqual(['ECS context']);
    expect(stops(task.taskArn)).toHaveLength(1);
    const failed = (await audit(f.id)).filter((r) => r.event === 'failed');
    expect(failed).toHaveLength(1);
    expect(failed[0]!.outcome).toBe('error');
  });

  it('a 5xx failure that outlasts the retries shows Retry; an approver retries it to success', async () => {
    const task = h.estate.services.api!.tasks[1]!;
    const { f, ts } = await cardFor(task);
    h.aws.faults.inject({ operation: 'StopTask', kind: 'error5xx', times: 12 });
    await requested(ts);
    await click(PEOPLE.approver, ts, 'Approve');
    await waitFor(() => labels(ts).includes('Retry'), { timeoutMs: 20_000, what: 'Retry button' });
    h.aws.faults.clear();
    await click(PEOPLE.outsider, ts, 'Retry');
    await waitFor(() => ephemeralsFor(PEOPLE.outsider).some((t) => t.includes('only approvers can retry')));
    await click(PEOPLE.approver, ts, 'Retry');
    await waitFor(() => cardText(ts).includes('Stop task succeeded'));
    expect(okStops(task.taskArn)).toHaveLength(1);
    const events = (await audit(f.id)).map((r) => r.event);
    expect(events).toContain('failed');
    expect(events.filter((e) => e === 'executed')).toHaveLength(1);
  }, 30_000);

  it('expires a pending request: card says so, approval buttons go, audited; late Approve is refused', async () => {
    const task = h.estate.services.worker!.tasks[0]!;
    const { f, ts } = await cardFor(task);
    await requested(ts);
    const stale = structuredClone(card(ts));
    offset += (h.guard.ctx.config.approvalTtlSeconds + 5) * 1000;
    try {
      await waitFor(() => cardText(ts).includes('Request expired'), { what: 'expired card' });
      expect(labels(ts)).not.toContain('Approve');
      expect(labels(ts)).toContain('Stop task');
      await waitFor(async () => (await audit(f.id)).some((r) => r.event === 'expired'));
      const events = (await audit(f.id)).map((r) => r.event);
      expect(events).toEqual(['requested', 'expired']);
      // Approve on the stale message (still showing the buttons somewhere): refused as expired.
      await h.client.click({
        userId: PEOPLE.approver,
        channelId: ch,
        ts,
        action: 'approve',
        message: { blocks: stale.blocks ?? [] },
      });
      await waitFor(() => ephemeralsFor(PEOPLE.approver).some((t) => t.includes('expired')));
    } finally {
      offset = 0;
    }
    expect(stops(task.taskArn)).toHaveLength(0);
  });

  it('Archive: approver-only, archives through the administrator account, card says who', async () => {
    const task = h.estate.services.payments!.tasks[1]!;
    const { f, ts } = await cardFor(task);
    await click(PEOPLE.requester, ts, 'Archive');
    await waitFor(() => ephemeralsFor(PEOPLE.requester).some((t) => t.includes('Archive refused')));
    await click(PEOPLE.approver, ts, 'Archive');
    await waitFor(() => cardText(ts).includes('Archived'), { what: 'archived card' });
    expect(cardText(ts)).toContain(`<@${PEOPLE.approver}>`);
    expect(labels(ts)).toEqual(['ECS context']);
    const calls = h.aws.calls({ operation: 'ArchiveFindings' }).filter((c) => !c.errorCode);
    expect(calls).toHaveLength(1);
    expect(calls[0]!.accountId).toBe(h.estate.homeAccountId);
    expect(h.aws.state.getFinding(f.id, 'us-east-1')?.service.archived).toBe(true);
    expect((await audit(f.id)).map((r) => r.event)).toEqual(['refused', 'requested', 'approved', 'archived']);
  });

  it('ECS context shows posture warnings for a privileged root task and never an env value', async () => {
    const task = h.estate.services.legacy!.tasks[0]!;
    const { f, ts } = await cardFor(task);
    await click(PEOPLE.outsider, ts, 'ECS context');
    const reply = await waitFor(() => h.slack.thread(ch, ts).find((m) => m.text?.includes('ECS context')));
    const text = JSON.stringify(reply.blocks);
    expect(text).toContain('runs privileged');
    expect(text).toContain('runs as root');
    expect(text).toContain('writable root filesystem');
    expect(text).toContain('NODE_ENV');
    expect(text).not.toContain('production');
    expect(text).toContain('legacy:1');
    // The reply is posted before the audit record is appended: wait for the record.
    const viewed = await waitFor(async () => {
      const r = (await audit(f.id)).filter((x) => x.event === 'context-viewed');
      return r.length ? r : undefined;
    });
    expect(viewed).toHaveLength(1);
    expect(viewed[0]!.actor.id).toBe(PEOPLE.outsider);
  });

  it('ECS context lists secret names, not where they come from', async () => {
    const task = h.estate.services.api!.tasks[0]!;
    const { ts } = await cardFor(task, 'Execution:Runtime/NewBinaryExecuted');
    await click(PEOPLE.requester, ts, 'ECS context');
    const reply = await waitFor(() => h.slack.thread(ch, ts).find((m) => m.text?.includes('ECS context')), {
      what: `ECS context reply ${JSON.stringify(h.slack.thread(ch, ts).map((m) => m.text))} ${JSON.stringify(ephemeralsFor(PEOPLE.requester).slice(-2))} ${JSON.stringify(
        h.slack
          .calls()
          .filter((c) => !c.ok)
          .slice(-2),
      )}`,
    });
    const text = JSON.stringify(reply.blocks);
    expect(text).toContain('DB_PASSWORD');
    expect(text).not.toContain('secretsmanager');
  });

  it('posts replies in threads only: every top-level message is a card', () => {
    const loose = h.slack.messages(ch).filter((m) => !m.blocks);
    expect(loose.map((m) => m.text)).toEqual([]);
  });
});
