import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { addFindingFor, addService, type EcsTask, flushScheduler } from '../../sandbox/aws/index.js';
import { buttonsOf } from '../../sandbox/slack/test-client.js';
import type { AuditRecord } from '../../src/audit/record.js';
import { REVOKE_POLICY_NAME } from '../../src/remediations/revoke-sessions.js';
import { type Harness, PEOPLE, startHarness } from '../helpers/harness.js';
import { waitFor } from '../helpers/wait.js';

// Contain end to end: signed clicks through /slack/events, the AWS emulator's service scheduler,
// the Slack emulator and real Redis. Evidence first, hold, stop, stop same image, revoke, Restore.
describe('Contain (evidence first, a stop that sticks, revoke, Restore)', () => {
  let h: Harness;
  const REGION = 'us-east-1';
  beforeAll(async () => {
    const dir = mkdtempSync(join(tmpdir(), 'contain-'));
    const policy = join(dir, 'policy.yml');
    writeFileSync(
      policy,
      'containment:\n  revokeSessions: true\n  defaultSteps: [hold-service, stop-task, stop-image-tasks]\n',
    );
    h = await startHarness({ env: { ECS_GUARD_CONFIG: policy } });
    // The scheduler acts a while after a change, as ECS does; tests flush it when they look.
    h.aws.state.scheduler.delayMs = 60_000;
  });
  afterAll(async () => {
    await h?.close();
  });

  const ch = PEOPLE.alerts;
  const cardFor = async (task: EcsTask) => {
    const f = addFindingFor(h.aws.state, { type: 'Execution:Runtime/ReverseShell', task, severity: 8 });
    await h.guard.ctx.poller.poll(REGION);
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
  const click = (userId: string, ts: string, action: string) =>
    h.client.click({ userId, channelId: ch, ts, action });
  const audit = async (findingId: string): Promise<AuditRecord[]> =>
    (await h.guard.ctx.audit.list({ findingId, limit: 500 })).reverse();
  const callIndex = (op: string, pred: (input: Record<string, unknown>) => boolean = () => true) =>
    h.aws.calls().findIndex((c) => c.operation === op && !c.errorCode && pred(c.input));
  const running = (cluster: string, service: string) =>
    [...h.aws.state.store(h.estate.homeAccountId, REGION).tasks.values()].filter(
      (t) =>
        t.clusterArn.endsWith(`/${cluster}`) &&
        t.group === `service:${service}` &&
        t.desiredStatus === 'RUNNING',
    );
  /** Contain → the plan (ephemeral) → Request containment with these steps → the card waits for Approve. */
  const requestContainment = async (ts: string, steps?: string[]) => {
    const cardId = buttonsOf(card(ts)).find((b) => b.action_id === 'contain')?.value;
    await click(PEOPLE.requester, ts, 'Contain');
    // The plan is this card's: its Request containment button carries the card's id.
    const plan = await waitFor(
      () =>
        h.slack
          .ephemerals({ channel: ch, user: PEOPLE.requester })
          .find((e) => buttonsOf(e).some((b) => b.action_id === 'request_containment' && b.value === cardId)),
      { what: 'Contain plan' },
    );
    await h.client.click({
      userId: PEOPLE.requester,
      channelId: ch,
      ts: plan.ts,
      action: 'Request containment',
      ...(steps ? { checked: { contain_steps: steps } } : {}),
    });
    await waitFor(() => labels(ts).includes('Approve'), {
      what: `Approve button; ephemerals ${JSON.stringify(
        h.slack
          .ephemerals({ channel: ch, user: PEOPLE.requester })
          .slice(-2)
          .map((e) => e.text),
      )}`,
      timeoutMs: 20_000,
    });
    return plan;
  };

  it('a plain Stop task on a service task: evidence first, one StopTask, the scheduler replaces it and the card says so', async () => {
    const s = addService(h.aws.state, {
      accountId: h.estate.homeAccountId,
      region: REGION,
      cluster: 'shop',
      service: 'checkout',
      image: `${h.estate.homeAccountId}.dkr.ecr.${REGION}.amazonaws.com/checkout:9`,
      taskCount: 2,
    });
    const task = s.tasks[0]!;
    const { f, ts } = await cardFor(task);
    await click(PEOPLE.requester, ts, 'Stop task');
    await waitFor(() => labels(ts).includes('Approve'));
    await click(PEOPLE.approver, ts, 'Approve');
    await waitFor(() => cardText(ts).includes('Stop task succeeded'), { what: 'outcome' });
    const stops = h.aws.calls({ operation: 'StopTask' }).filter((c) => c.input.task === task.taskArn);
    expect(stops).toHaveLength(1);
    expect(cardText(ts)).toContain('will start a replacement from the same image');
    flushScheduler(h.aws.state);
    const now = running('shop', 'checkout');
    expect(now).toHaveLength(2);
    expect(now.map((t) => t.taskArn)).not.toContain(task.taskArn);
    expect(now.every((t) => t.containers[0]?.imageDigest === task.containers[0]?.imageDigest)).toBe(true);
    // Evidence: recorded (audit) and read (AWS) before the StopTask.
    const records = await audit(f.id);
    const ev = records.findIndex((r) => r.event === 'evidence');
    expect(ev).toBeGreaterThanOrEqual(0);
    expect(ev).toBeLessThan(records.findIndex((r) => r.event === 'executed'));
    expect(records[ev]?.detail?.digests).toEqual([task.containers[0]?.imageDigest]);
    expect(records[ev]?.detail?.eni).toMatch(/^eni-/);
    expect(records[ev]?.detail?.taskRole).toContain(':role/checkout-task');
    expect(JSON.stringify(records)).not.toContain('production'); // NODE_ENV's value
    const snapshotRead = callIndex('DescribeTaskDefinition');
    expect(snapshotRead).toBeLessThan(callIndex('StopTask', (i) => i.task === task.taskArn));
    const thread = h.slack.thread(ch, ts).map((m) => m.text ?? '');
    expect(thread.some((t) => t.startsWith('Evidence snapshot of task'))).toBe(true);

    // `/ecs-guard audit evidence <request id>` shows it again, checked against its audit record.
    const requestId = records[ev]!.target!.requestId!;
    const ask = async (text: string) => {
      const before = h.slack.ephemerals({ user: PEOPLE.approver }).length;
      await h.client.slashCommand({ userId: PEOPLE.approver, channelId: ch, text });
      const m = await waitFor(() => h.slack.ephemerals({ user: PEOPLE.approver })[before], {
        what: `answer to ${text}`,
      });
      return `${m.text}\n${JSON.stringify(m.blocks ?? [])}`;
    };
    const again = await ask(`audit evidence ${requestId}`);
    expect(again).toContain('Evidence snapshot');
    expect(again).toContain('Stored copy matches the SHA-256');
    expect(again).toContain(task.containers[0]!.imageDigest!);
    expect(again).not.toContain('production');
    expect(await ask(`audit evidence ${requestId}-evidence`)).toContain('Stored copy matches');
    expect(await ask('audit 30')).toContain(`/ecs-guard audit evidence ${requestId}`);
    // The stored copy edited in Redis: it no longer matches the hash in the chain.
    const key = h.guard.ctx.keys('evidence', `${requestId}-evidence`);
    const raw = (await h.guard.ctx.redis.get(key))!;
    await h.guard.ctx.redis.set(key, raw.replace('RUNNING', 'STOPPED'));
    expect(await ask(`audit evidence ${requestId}`)).toContain('does NOT match');
    expect(await ask('audit evidence r000000000000000000000000')).toContain('No evidence snapshot');
  });

  it('Contain: the plan names the other tasks on the image; after one approval every one is stopped once, the services held, nothing relaunched; Restore brings the counts back', async () => {
    const image = `${h.estate.homeAccountId}.dkr.ecr.${REGION}.amazonaws.com/ledger:4`;
    const api = addService(h.aws.state, {
      accountId: h.estate.homeAccountId,
      region: REGION,
      cluster: 'payments-c',
      service: 'payments-api',
      image,
      taskCount: 3,
    });
    addService(h.aws.state, {
      accountId: h.estate.homeAccountId,
      region: REGION,
      cluster: 'batch-c',
      service: 'ledger',
      image,
      taskCount: 1,
    });
    const task = api.tasks[0]!;
    const { f, ts } = await cardFor(task);
    expect(labels(ts)).toContain('Contain');
    h.aws.clearCalls();
    const plan = await requestContainment(ts);
    const planText = JSON.stringify(plan.blocks);
    expect(planText).toContain(
      '3 other running tasks use this image: payments-c/payments-api ×2, batch-c/ledger ×1',
    );
    // Double approval clicks and a second approver: one run.
    await Promise.all([click(PEOPLE.approver, ts, 'Approve'), click(PEOPLE.approver, ts, 'Approve')]);
    await click(PEOPLE.groupApprover, ts, 'Approve').catch(() => undefined);
    await waitFor(() => cardText(ts).includes('Contain succeeded'), {
      what: 'Contain outcome',
      timeoutMs: 20_000,
    });
    for (const t of api.tasks) {
      const stops = h.aws
        .calls({ operation: 'StopTask' })
        .filter((c) => c.input.task === t.taskArn && !c.errorCode);
      expect(stops, t.taskArn).toHaveLength(1);
    }
    const okStops = h.aws.calls({ operation: 'StopTask' }).filter((c) => !c.errorCode);
    expect(okStops.map((c) => String(c.input.task).split('/')[1]).sort()).toEqual([
      'batch-c',
      'payments-c',
      'payments-c',
      'payments-c',
    ]);
    const updates = h.aws.calls({ operation: 'UpdateService' });
    expect(updates.map((u) => [u.input.service, u.input.desiredCount]).sort()).toEqual([
      ['ledger', 0],
      ['payments-api', 0],
    ]);
    expect(updates.every((u) => u.sourceIdentity === undefined || u.sourceIdentity === PEOPLE.approver)).toBe(
      true,
    );
    // Evidence before the first change, in the audit trail and in the AWS call order.
    const firstChange = Math.min(callIndex('UpdateService'), callIndex('StopTask'));
    expect(callIndex('DescribeTaskDefinition')).toBeLessThan(firstChange);
    const records = await audit(f.id);
    expect(records.findIndex((r) => r.event === 'evidence')).toBeLessThan(
      records.findIndex((r) => r.event === 'step' && r.detail?.step === 'hold-service'),
    );
    // The card's blast-radius line is read again after the Contain: nothing left on the image.
    await waitFor(() => cardText(ts).includes('No other running task uses this image'), {
      what: `the card's line after Contain: ${cardText(ts).slice(0, 1500)}`,
      timeoutMs: 20_000,
    });
    // A stop that sticks: the scheduler has nothing to replace.
    flushScheduler(h.aws.state);
    expect(running('payments-c', 'payments-api')).toEqual([]);
    expect(running('batch-c', 'ledger')).toEqual([]);
    const thread = h.slack.thread(ch, ts).map((m) => m.text ?? '');
    expect(thread.filter((t) => t.startsWith(':white_check_mark: Contain ·'))).toHaveLength(3);
    // Restore (approver only): one UpdateService per held service, back to the stored count.
    expect(labels(ts)).toContain('Restore');
    h.aws.clearCalls();
    await click(PEOPLE.outsider, ts, 'Restore');
    await click(PEOPLE.approver, ts, 'Restore');
    await waitFor(() => cardText(ts).includes('Restore after Contain succeeded'), {
      what: 'restore',
      timeoutMs: 20_000,
    });
    expect(
      h.aws
        .calls({ operation: 'UpdateService' })
        .map((u) => [u.input.service, u.input.desiredCount])
        .sort(),
    ).toEqual([
      ['ledger', 1],
      ['payments-api', 3],
    ]);
  });

  it('Restore of a service changed by someone else since says so instead of overwriting it', async () => {
    const s = addService(h.aws.state, {
      accountId: h.estate.homeAccountId,
      region: REGION,
      cluster: 'ops',
      service: 'admin',
      image: 'public.ecr.aws/ops/admin:1',
      taskCount: 2,
    });
    const { ts } = await cardFor(s.tasks[0]!);
    await requestContainment(ts, ['hold-service']);
    await click(PEOPLE.approver, ts, 'Approve');
    await waitFor(() => cardText(ts).includes('Contain succeeded'), { timeoutMs: 20_000 });
    h.aws.state.store(h.estate.homeAccountId, REGION).services.get('ops/admin')!.desiredCount = 5;
    h.aws.clearCalls();
    await click(PEOPLE.approver, ts, 'Restore');
    await waitFor(() => cardText(ts).includes('changed since ecs-guard held it'), { timeoutMs: 20_000 });
    expect(h.aws.calls({ operation: 'UpdateService' })).toEqual([]);
  });

  it('Revoke: the deny policy on the task role in the member account, through the member role as the approver; Restore removes it', async () => {
    const task = h.estate.services.payments!.tasks[0]!;
    const member = h.estate.memberAccountId;
    const { ts } = await cardFor(task);
    await requestContainment(ts, ['revoke-sessions']);
    const approvedAt = Date.now();
    await click(PEOPLE.approver, ts, 'Approve');
    await waitFor(() => cardText(ts).includes('Contain succeeded'), { timeoutMs: 20_000 });
    const role = h.aws.state.role(member, 'payments-api-task')!;
    const doc = JSON.parse(role.inlinePolicies.get(REVOKE_POLICY_NAME) ?? '{}');
    expect(doc.Statement[0]).toMatchObject({ Effect: 'Deny', Action: ['*'], Resource: ['*'] });
    const before = Date.parse(doc.Statement[0].Condition.DateLessThan['aws:TokenIssueTime']);
    expect(Math.abs(before - approvedAt)).toBeLessThan(10_000);
    const put = h.aws.calls({ service: 'iam', operation: 'PutRolePolicy' }).at(-1)!;
    expect(put).toMatchObject({
      accountId: member,
      sourceIdentity: PEOPLE.approver,
      input: { RoleName: 'payments-api-task' },
    });
    // No ECS change was chosen: none was made.
    expect(h.aws.calls({ operation: 'StopTask' }).filter((c) => c.input.task === task.taskArn)).toEqual([]);
    await click(PEOPLE.approver, ts, 'Restore');
    await waitFor(() => cardText(ts).includes('Restore after Contain succeeded'), { timeoutMs: 20_000 });
    expect(role.inlinePolicies.has(REVOKE_POLICY_NAME)).toBe(false);
    expect(h.aws.calls({ service: 'iam', operation: 'DeleteRolePolicy' }).at(-1)).toMatchObject({
      accountId: member,
      sourceIdentity: PEOPLE.approver,
    });
  });

  it('a plan cut short after its first step resumes without repeating it', async () => {
    const s = addService(h.aws.state, {
      accountId: h.estate.homeAccountId,
      region: REGION,
      cluster: 'resume',
      service: 'svc',
      image: 'public.ecr.aws/resume/svc:1',
      taskCount: 1,
    });
    const task = s.tasks[0]!;
    const { f, ts } = await cardFor(task);
    await requestContainment(ts, ['hold-service', 'stop-task']);
    // Every SDK attempt of the first job's StopTask fails: the job fails after hold-service, BullMQ retries it.
    h.aws.faults.inject({ operation: 'StopTask', kind: 'error5xx', times: 3 });
    await click(PEOPLE.approver, ts, 'Approve');
    await waitFor(() => cardText(ts).includes('Contain succeeded'), { timeoutMs: 30_000 });
    expect(h.aws.calls({ operation: 'UpdateService' }).filter((c) => c.input.service === 'svc')).toHaveLength(
      1,
    );
    expect(
      h.aws.calls({ operation: 'StopTask' }).filter((c) => c.input.task === task.taskArn && !c.errorCode),
    ).toHaveLength(1);
    const steps = (await audit(f.id)).filter((r) => r.event === 'step').map((r) => r.detail?.step);
    expect(steps).toEqual(['evidence', 'hold-service', 'stop-task']);
    expect((await audit(f.id)).some((r) => r.event === 'retried')).toBe(true);
  });
});
