import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { addAttackSequence, addFindingFor, addService, flushScheduler } from '../../sandbox/aws/index.js';
import { buttonsOf } from '../../sandbox/slack/test-client.js';
import { collectTexts } from '../helpers/block-kit.js';
import { type Harness, PEOPLE, startHarness } from '../helpers/harness.js';
import { waitFor } from '../helpers/wait.js';

// Contain on an incident card end to end: runtime findings on several tasks, an attack sequence
// citing them (AWS emulator), the incident card (Slack emulator), signed clicks through
// /slack/events, real Redis. One plan over every affected task; one approval by a second person;
// every task stopped once, every service held once, the outcome on the incident card; Restore.
describe('Contain on an incident card (one plan over every affected task)', () => {
  let h: Harness;
  const REGION = 'us-east-1';
  const ch = PEOPLE.alerts;
  beforeAll(async () => {
    const dir = mkdtempSync(join(tmpdir(), 'contain-incident-'));
    const policy = join(dir, 'policy.yml');
    writeFileSync(policy, 'containment:\n  defaultSteps: [hold-service, stop-task, stop-image-tasks]\n');
    h = await startHarness({ env: { ECS_GUARD_CONFIG: policy } });
    h.aws.state.scheduler.delayMs = 60_000;
  });
  afterAll(async () => {
    await h?.close();
  });

  const card = (ts: string) => h.slack.message(ch, ts)!;
  const cardText = (ts: string) => collectTexts(card(ts).blocks ?? []).join('\n');
  const labels = (ts: string) => buttonsOf(card(ts)).map((b) => (b.text as { text: string }).text);
  const click = (userId: string, ts: string, action: string) =>
    h.client.click({ userId, channelId: ch, ts, action });
  const running = (cluster: string, service: string) =>
    [...h.aws.state.store(h.estate.homeAccountId, REGION).tasks.values()].filter(
      (t) =>
        t.clusterArn.endsWith(`/${cluster}`) &&
        t.group === `service:${service}` &&
        t.desiredStatus === 'RUNNING',
    );

  it('Contain → the plan lists every task → Request → a second person approves → each task stopped once, the services held, the outcome on the card; Restore', async () => {
    const acct = h.estate.homeAccountId;
    const imageA = `${acct}.dkr.ecr.${REGION}.amazonaws.com/ledger:7`;
    const api = addService(h.aws.state, {
      accountId: acct,
      region: REGION,
      cluster: 'pay-c',
      service: 'pay-api',
      image: imageA,
      taskCount: 2,
    });
    const jobs = addService(h.aws.state, {
      accountId: acct,
      region: REGION,
      cluster: 'jobs-c',
      service: 'jobs',
      image: `${acct}.dkr.ecr.${REGION}.amazonaws.com/jobs:3`,
      taskCount: 2,
    });
    // Not cited, but on the same image as pay-api: the stop-image step finds it.
    addService(h.aws.state, {
      accountId: acct,
      region: REGION,
      cluster: 'batch-c',
      service: 'reconcile',
      image: imageA,
      taskCount: 1,
    });
    const affected = [api.tasks[0]!, api.tasks[1]!, jobs.tasks[0]!];
    const runtime = affected.map((task, i) =>
      addFindingFor(h.aws.state, {
        type: [
          'Execution:Runtime/ReverseShell',
          'Execution:Runtime/NewBinaryExecuted',
          'Impact:Runtime/CryptoMinerExecuted',
        ][i]!,
        task,
        severity: 8,
      }),
    );
    await h.guard.ctx.poller.poll(REGION);
    const seq = addAttackSequence(h.aws.state, { cites: runtime });
    await h.guard.ctx.poller.poll(REGION);
    const incident = await waitFor(
      () => h.slack.messages(ch).find((m) => JSON.stringify(m.blocks).includes(seq.id)),
      { what: 'incident card', timeoutMs: 20_000 },
    );
    const ts = incident.ts;
    expect(labels(ts)).toContain('Contain');
    expect(labels(ts)).not.toContain('Stop task');

    // ECS context on the incident card: one reply per affected task, in the card's thread.
    await click(PEOPLE.outsider, ts, 'ECS context');
    const contextOf = (id: string) =>
      h.slack
        .thread(ch, ts)
        .filter((m) => JSON.stringify(m.blocks ?? []).includes(`ECS context · task ${id}`));
    await waitFor(() => affected.every((t) => contextOf(t.taskArn.split('/').pop()!).length === 1), {
      what: 'an ECS context reply per affected task',
      timeoutMs: 20_000,
    });

    // Contain: the plan (ephemeral) lists every affected task and the services a hold sets to 0.
    const cardId = buttonsOf(card(ts)).find((b) => b.action_id === 'contain')?.value;
    await click(PEOPLE.requester, ts, 'Contain');
    const plan = await waitFor(
      () =>
        h.slack
          .ephemerals({ channel: ch, user: PEOPLE.requester })
          .find((e) => buttonsOf(e).some((b) => b.action_id === 'request_containment' && b.value === cardId)),
      { what: 'the incident Contain plan' },
    );
    const planText = collectTexts(plan.blocks ?? []).join('\n');
    expect(planText).toContain('3 affected tasks');
    for (const t of affected) expect(planText).toContain(t.taskArn.split('/').pop()!);
    expect(planText).toContain('pay-c/pay-api');
    expect(planText).toContain('jobs-c/jobs');
    expect(planText).toContain('Stop every affected task');

    h.aws.clearCalls();
    await h.client.click({
      userId: PEOPLE.requester,
      channelId: ch,
      ts: plan.ts,
      action: 'Request containment',
    });
    await waitFor(() => labels(ts).includes('Approve'), {
      what: 'Approve on the incident card',
      timeoutMs: 20_000,
    });
    // The requester (no approver) cannot approve their own plan.
    await click(PEOPLE.requester, ts, 'Approve');
    await waitFor(
      () =>
        h.slack
          .ephemerals({ channel: ch, user: PEOPLE.requester })
          .some((e) => /Approve refused|not an approver|second person/i.test(e.text ?? '')),
      {
        what: `refusal: ${JSON.stringify(h.slack.ephemerals({ channel: ch, user: PEOPLE.requester }).map((e) => e.text))}`,
      },
    );
    expect(h.aws.calls({ operation: 'StopTask' })).toEqual([]);
    await Promise.all([click(PEOPLE.approver, ts, 'Approve'), click(PEOPLE.approver, ts, 'Approve')]);
    await waitFor(() => cardText(ts).includes('Contain succeeded'), {
      what: `Contain outcome on the incident card: ${cardText(ts).slice(0, 2000)}`,
      timeoutMs: 30_000,
    });

    // Every affected task stopped exactly once; the uncited task on the same image too.
    const okStops = h.aws.calls({ operation: 'StopTask' }).filter((c) => !c.errorCode);
    for (const t of affected)
      expect(
        okStops.filter((c) => c.input.task === t.taskArn),
        t.taskArn,
      ).toHaveLength(1);
    // …and the other tasks on their images, once each: reconcile's (image of pay-api) and jobs' second.
    expect(okStops.map((c) => String(c.input.task).split('/')[1]).sort()).toEqual([
      'batch-c',
      'jobs-c',
      'jobs-c',
      'pay-c',
      'pay-c',
    ]);
    expect(new Set(okStops.map((c) => c.input.task)).size).toBe(okStops.length);
    expect(okStops.every((c) => c.sourceIdentity === undefined || c.sourceIdentity === PEOPLE.approver)).toBe(
      true,
    );
    // Services held once each, before any task was stopped.
    const updates = h.aws.calls({ operation: 'UpdateService' });
    expect(updates.map((u) => [u.input.service, u.input.desiredCount]).sort()).toEqual([
      ['jobs', 0],
      ['pay-api', 0],
      ['reconcile', 0],
    ]);
    const first = (op: string) => h.aws.calls().findIndex((c) => c.operation === op && !c.errorCode);
    expect(first('UpdateService')).toBeLessThan(first('StopTask'));
    // Evidence of every task before the first change (one audit record each).
    const records = (await h.guard.ctx.audit.list({ findingId: seq.id, limit: 500 })).reverse();
    const evidence = records.filter((r) => r.event === 'evidence');
    expect(evidence).toHaveLength(3);
    expect(first('DescribeTaskDefinition')).toBeLessThan(first('UpdateService'));
    const firstChangeStep = records.findIndex(
      (r) => r.event === 'step' && /^hold-service:/.test(String(r.detail?.step)),
    );
    expect(records.findLastIndex((r) => r.event === 'evidence')).toBeLessThan(firstChangeStep);
    // The stop sticks: nothing relaunched.
    flushScheduler(h.aws.state);
    expect(running('pay-c', 'pay-api')).toEqual([]);
    expect(running('batch-c', 'reconcile')).toEqual([]);
    expect(running('jobs-c', 'jobs')).toEqual([]);
    const thread = h.slack.thread(ch, ts).map((m) => m.text ?? '');
    expect(thread.filter((t) => t.startsWith(':white_check_mark: Contain ·'))).toHaveLength(3);
    expect(thread.some((t) => t.includes('3 of 3 tasks stopped'))).toBe(true);

    // The cited findings' own cards say the incident's plan covered their tasks.
    const citedCards = () =>
      runtime.map((f) => {
        const m = h.slack
          .messages(ch)
          .find((x) => x.ts !== ts && JSON.stringify(x.blocks ?? []).includes(f.id));
        return m ? cardText(m.ts) : '';
      });
    await waitFor(() => citedCards().every((t) => t.includes("Contained with the incident's plan")), {
      what: `cited cards: ${citedCards().join('\n---\n').slice(0, 2000)}`,
      timeoutMs: 20_000,
    });

    // Restore: every held service back to its count, in one approver's click.
    expect(labels(ts)).toContain('Restore');
    h.aws.clearCalls();
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
      ['jobs', 2],
      ['pay-api', 2],
      ['reconcile', 1],
    ]);
    await waitFor(() => citedCards().every((t) => t.includes("The incident's containment was restored")), {
      what: 'cited cards after Restore',
      timeoutMs: 20_000,
    });
  }, 120_000);
});
