import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { addFindingFor, addService, type EcsTask } from '../../sandbox/aws/index.js';
import { buttonsOf } from '../../sandbox/slack/test-client.js';
import type { AuditRecord } from '../../src/audit/record.js';
import { autoContainRequestId } from '../../src/requests/auto-contain.js';
import { type Harness, PEOPLE, startHarness } from '../helpers/harness.js';
import { waitFor } from '../helpers/wait.js';

// Auto-contain with a cancel window: policy rule → the card is posted counting down with Cancel
// → the delayed job runs the default plan as ecs-guard (rule named in the audit), or a Cancel
// within the window means nothing runs. Signed clicks, the AWS and Slack emulators, real Redis.
describe('auto-contain with a cancel window', () => {
  let h: Harness;
  const REGION = 'us-east-1';
  const WINDOW_S = 5;
  beforeAll(async () => {
    const dir = mkdtempSync(join(tmpdir(), 'auto-contain-'));
    const policy = join(dir, 'policy.yml');
    writeFileSync(
      policy,
      [
        'containment:',
        '  defaultSteps: [hold-service, stop-task]',
        '  autoContain:',
        '    - name: prod-reverse-shell',
        '      clusters: ["auto-*"]',
        '      types: ["Execution:Runtime/ReverseShell"]',
        '      minSeverity: high',
        `      windowSeconds: ${WINDOW_S}`,
        '',
      ].join('\n'),
    );
    h = await startHarness({
      env: {
        ECS_GUARD_CONFIG: policy,
        // The outsider may not request: they may not cancel either.
        ECS_GUARD_REQUESTERS: `${PEOPLE.requester},${PEOPLE.approver}`,
      },
    });
    // The scheduler acts a while after a change, as ECS does (so the stop is ours to make).
    h.aws.state.scheduler.delayMs = 60_000;
  });
  afterAll(async () => {
    await h?.close();
  });

  const ch = PEOPLE.alerts;
  const card = (ts: string) => h.slack.message(ch, ts)!;
  const cardText = (ts: string) => JSON.stringify(card(ts).blocks);
  const labels = (ts: string) => buttonsOf(card(ts)).map((b) => (b.text as { text: string }).text);
  const audit = async (findingId: string): Promise<AuditRecord[]> =>
    (await h.guard.ctx.audit.list({ findingId, limit: 500 })).reverse();
  const changes = (task: EcsTask, service: string) => [
    ...h.aws.calls({ operation: 'StopTask' }).filter((c) => c.input.task === task.taskArn && !c.errorCode),
    ...h.aws.calls({ operation: 'UpdateService' }).filter((c) => c.input.service === service),
  ];
  const service = (cluster: string, name: string) =>
    addService(h.aws.state, {
      accountId: h.estate.homeAccountId,
      region: REGION,
      cluster,
      service: name,
      image: `${h.estate.homeAccountId}.dkr.ecr.${REGION}.amazonaws.com/${name}:1`,
      taskCount: 2,
    });
  const post = async (task: EcsTask, type = 'Execution:Runtime/ReverseShell', severity = 8) => {
    const f = addFindingFor(h.aws.state, { type, task, severity });
    await h.guard.ctx.poller.poll(REGION);
    const msg = await waitFor(
      () => h.slack.messages(ch).find((m) => JSON.stringify(m.blocks).includes(f.id)),
      { what: 'card' },
    );
    return { f, ts: msg.ts };
  };

  it('the card is posted counting down with Cancel; when the window ends the default plan runs once, as ecs-guard, the rule audited', async () => {
    const s = service('auto-a', 'web');
    const task = s.tasks[0]!;
    const postedAt = Date.now();
    const { f, ts } = await post(task);
    // The first post already shows the window: no update needed.
    const first = JSON.stringify(h.slack.messages(ch).find((m) => m.ts === ts)?.blocks);
    expect(first).toContain(`Containing in 0:0${WINDOW_S} unless someone cancels`);
    expect(first).toContain('prod-reverse-shell');
    expect(labels(ts)).toEqual(['Cancel', 'ECS context']);
    expect(changes(task, 'web')).toEqual([]);
    await waitFor(() => cardText(ts).includes('Contain succeeded'), {
      what: 'auto-contain outcome',
      timeoutMs: 30_000,
    });
    const done = changes(task, 'web');
    expect(done.map((c) => c.operation).sort()).toEqual(['StopTask', 'UpdateService']);
    // Not before the window ended.
    expect(Math.min(...done.map((c) => c.at))).toBeGreaterThanOrEqual(postedAt + WINDOW_S * 1000 - 50);
    expect(done.every((c) => c.sourceIdentity === undefined || c.sourceIdentity === 'ecs-guard')).toBe(true);
    const records = await audit(f.id);
    const approved = records.find((r) => r.event === 'approved');
    expect(approved).toMatchObject({
      actor: { id: 'ecs-guard' },
      reason: 'auto-contain rule "prod-reverse-shell"',
    });
    expect(records.find((r) => r.event === 'requested')?.detail).toMatchObject({
      autoContainRule: 'prod-reverse-shell',
      delayMs: WINDOW_S * 1000,
    });
    const executed = records.filter((r) => r.event === 'executed');
    expect(executed).toHaveLength(1);
    expect(executed[0]).toMatchObject({
      actor: { id: 'ecs-guard' },
      detail: { autoContainRule: 'prod-reverse-shell' },
    });
    expect(records.filter((r) => r.event === 'step').map((r) => r.detail?.step)).toEqual([
      'evidence',
      'hold-service',
      'stop-task',
    ]);
    const thread = h.slack.thread(ch, ts).map((m) => m.text ?? '');
    expect(thread.some((t) => t.includes('Nobody cancelled: ecs-guard is containing now'))).toBe(true);
    // The sweeper and a second replica find the job already there: it never runs twice.
    await new Promise((r) => setTimeout(r, 2500));
    expect(changes(task, 'web')).toHaveLength(2);
    expect(labels(ts)).toContain('Restore');
  });

  it('Cancel within the window (by someone allowed to request; an outsider is refused): nothing runs, the card gets its buttons back, audited', async () => {
    const s = service('auto-b', 'api');
    const task = s.tasks[0]!;
    const { f, ts } = await post(task);
    expect(labels(ts)).toContain('Cancel');
    await h.client.click({ userId: PEOPLE.outsider, channelId: ch, ts, action: 'Cancel' });
    await waitFor(
      () =>
        h.slack
          .ephemerals({ channel: ch, user: PEOPLE.outsider })
          .some((e) => (e.text ?? '').includes('Cancel refused')),
      { what: 'refusal' },
    );
    expect(labels(ts)).toContain('Cancel');
    await h.client.click({ userId: PEOPLE.requester, channelId: ch, ts, action: 'Cancel' });
    await waitFor(() => labels(ts).includes('Contain'), { what: 'buttons back' });
    expect(cardText(ts)).not.toContain('unless someone cancels');
    await waitFor(
      () => h.slack.thread(ch, ts).some((m) => (m.text ?? '').includes('Contain was cancelled by')),
      { what: 'cancel reply' },
    );
    // Past the window: nothing ran, nothing will.
    await new Promise((r) => setTimeout(r, WINDOW_S * 1000 + 2500));
    expect(changes(task, 'api')).toEqual([]);
    const req = await h.guard.ctx.redis.hget(h.guard.ctx.keys('request', autoContainRequestId(f)), 'status');
    expect(req).toBe('rejected');
    const records = await audit(f.id);
    expect(records.find((r) => r.event === 'rejected')).toMatchObject({
      actor: { id: PEOPLE.requester },
      reason: 'cancelled before it ran',
    });
    expect(records.some((r) => r.event === 'refused' && r.actor.id === PEOPLE.outsider)).toBe(true);
    expect(records.some((r) => r.event === 'executed' || r.event === 'step')).toBe(false);
  });

  it('a finding no rule matches (another cluster, a lower severity) gets a normal card', async () => {
    const s = service('other-c', 'jobs');
    const { ts } = await post(s.tasks[0]!);
    expect(cardText(ts)).not.toContain('unless someone cancels');
    expect(labels(ts)).toContain('Contain');
    const low = service('auto-c', 'low');
    const { ts: ts2 } = await post(low.tasks[0]!, 'Execution:Runtime/ReverseShell', 5);
    expect(labels(ts2)).toContain('Contain');
  });
});
