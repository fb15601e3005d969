import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { addAttackSequence, addFindingFor, addService, flushScheduler } from '../../sandbox/aws/index.js';
import { SlackTestClient } from '../../sandbox/slack/index.js';
import { collectTexts } from '../helpers/block-kit.js';
import {
  type BotProcess,
  type Emulators,
  PEOPLE,
  startBotProcess,
  startEmulators,
} from '../helpers/harness.js';
import { waitFor } from '../helpers/wait.js';
import { buttonsOf, cardRecorded, cardsMentioning } from './flows.js';

// Contain on an incident card against the built process (`node dist/src/main.js`, polling every
// second): an attack sequence citing runtime findings on three tasks → the incident card →
// Contain → the plan names every task → Request containment → a second person approves → every
// task stopped once, the services held, the outcome on the incident card. Needs `npm run build`.
describe('incident Contain end to end (built process)', () => {
  let emus: Emulators;
  let bot: BotProcess;
  const REGION = 'us-east-1';
  const ch = PEOPLE.alerts;

  beforeAll(async () => {
    emus = await startEmulators();
    const dir = mkdtempSync(join(tmpdir(), 'ecs-guard-e2e-incident-'));
    const policy = join(dir, 'policy.yaml');
    writeFileSync(policy, 'containment:\n  defaultSteps: [hold-service, stop-task]\n');
    emus.aws.state.scheduler.delayMs = 60_000;
    bot = await startBotProcess({ ...emus.env, ECS_GUARD_POLL_SECONDS: '1', ECS_GUARD_CONFIG: policy });
  }, 90_000);

  afterAll(async () => {
    await bot?.stop('SIGKILL');
    await emus?.close();
  });

  it('one plan over every task of the sequence, one approval, each task stopped once', async () => {
    const acct = emus.estate.homeAccountId;
    const svc = (cluster: string, service: string, taskCount: number) =>
      addService(emus.aws.state, {
        accountId: acct,
        region: REGION,
        cluster,
        service,
        image: `${acct}.dkr.ecr.${REGION}.amazonaws.com/${service}:1`,
        taskCount,
      });
    const shop = svc('e2e-shop', 'cart', 2);
    const ops = svc('e2e-ops', 'cron', 1);
    const affected = [shop.tasks[0]!, shop.tasks[1]!, ops.tasks[0]!];
    const runtime = affected.map((task) =>
      addFindingFor(emus.aws.state, { type: 'Execution:Runtime/ReverseShell', task, severity: 8 }),
    );
    for (const f of runtime)
      await waitFor(() => cardsMentioning(emus.slack, ch, f.id)[0], {
        what: 'runtime card',
        timeoutMs: 30_000,
      });
    const seq = addAttackSequence(emus.aws.state, { cites: runtime });
    const incident = await waitFor(() => cardsMentioning(emus.slack, ch, seq.id)[0], {
      what: 'incident card',
      timeoutMs: 30_000,
    });
    await cardRecorded(() => bot.output(), incident.ts);
    const client = new SlackTestClient({ eventsUrl: `${bot.baseUrl}/slack/events`, emulator: emus.slack });
    const card = () => emus.slack.message(ch, incident.ts)!;
    const ids = () => buttonsOf(card().blocks).map((b) => b.action_id);
    const text = () => collectTexts(card().blocks ?? []).join('\n');

    await client.click({ userId: PEOPLE.requester, channelId: ch, ts: incident.ts, action: 'contain' });
    const plan = await waitFor(
      () =>
        emus.slack
          .ephemerals({ channel: ch, user: PEOPLE.requester })
          .find((e) => buttonsOf(e.blocks).some((b) => b.action_id === 'request_containment')),
      { what: 'the plan', timeoutMs: 20_000 },
    );
    const planText = collectTexts(plan.blocks ?? []).join('\n');
    for (const t of affected) expect(planText).toContain(t.taskArn.split('/').pop()!);
    expect(planText).toContain('e2e-shop/cart');
    expect(planText).toContain('e2e-ops/cron');

    await client.click({
      userId: PEOPLE.requester,
      channelId: ch,
      ts: plan.ts,
      action: 'request_containment',
    });
    await waitFor(() => ids().includes('approve'), {
      what: 'Approve on the incident card',
      timeoutMs: 20_000,
    });
    expect(emus.aws.calls({ operation: 'StopTask' })).toEqual([]);
    await client.click({ userId: PEOPLE.groupApprover, channelId: ch, ts: incident.ts, action: 'approve' });
    await waitFor(() => text().includes('Contain succeeded'), {
      what: 'the outcome on the incident card',
      timeoutMs: 40_000,
    });

    const stops = emus.aws.calls({ operation: 'StopTask' }).filter((c) => !c.errorCode);
    expect(stops.map((c) => c.input.task).sort()).toEqual(affected.map((t) => t.taskArn).sort());
    expect(
      stops.every((c) => c.sourceIdentity === undefined || c.sourceIdentity === PEOPLE.groupApprover),
    ).toBe(true);
    const holds = emus.aws.calls({ operation: 'UpdateService' }).filter((c) => !c.errorCode);
    expect(holds.map((c) => [c.input.cluster, c.input.service, c.input.desiredCount]).sort()).toEqual([
      ['e2e-ops', 'cron', 0],
      ['e2e-shop', 'cart', 0],
    ]);
    flushScheduler(emus.aws.state);
    const running = [...emus.aws.state.store(acct, REGION).tasks.values()].filter(
      (t) => /\/e2e-(shop|ops)$/.test(t.clusterArn) && t.desiredStatus === 'RUNNING',
    );
    expect(running).toEqual([]);
    expect(ids()).toContain('restore');
    const thread = emus.slack.thread(ch, incident.ts).map((m) => m.text ?? '');
    expect(thread.some((t) => t.includes('3 of 3 tasks stopped'))).toBe(true);
  }, 150_000);
});
