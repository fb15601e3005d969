import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { addFindingFor, type EcsTask } from '../../../../sandbox/aws/index.js';
import { markEcsChanged } from '../../../../src/aws/ecs-freshness.js';
import { type Harness, PEOPLE, startHarness } from '../../../helpers/harness.js';
import { waitFor } from '../../../helpers/wait.js';

// ECS context replies say when AWS was read, carry the blast radius in full, and a change
// ecs-guard makes to ECS drops the cached context (signed clicks, emulators, real Redis).
describe('ECS context: freshness and blast radius', () => {
  let h: Harness;
  beforeAll(async () => {
    h = await startHarness();
  });
  afterAll(async () => {
    await h?.close();
  });
  const ch = PEOPLE.alerts;
  const cardFor = async (task: EcsTask) => {
    const f = addFindingFor(h.aws.state, { type: 'Execution:Runtime/ReverseShell', task, severity: 8 });
    await h.guard.ctx.poller.poll('us-east-1');
    const msg = await waitFor(() =>
      h.slack.messages(ch).find((m) => JSON.stringify(m.blocks).includes(f.id)),
    );
    return msg.ts;
  };
  const replies = (ts: string) => h.slack.thread(ch, ts).filter((m) => m.text?.includes('ECS context'));
  const contextReply = async (ts: string, n: number) => {
    await h.client.click({ userId: PEOPLE.outsider, channelId: ch, ts, action: 'ECS context' });
    const r = await waitFor(() => replies(ts)[n - 1], { what: `ECS context reply ${n}` });
    return JSON.stringify(r.blocks);
  };
  const stopInEmulator = (t: EcsTask) => {
    t.desiredStatus = 'STOPPED';
    t.lastStatus = 'STOPPED';
  };

  it('says when it was read and lists the other tasks on the image; a change by ecs-guard drops the cache', async () => {
    h.aws.state.scheduler.delayMs = 600_000;
    const [task, sibling] = h.estate.services.web?.tasks ?? [];
    if (!task || !sibling) throw new Error('seed');
    const ts = await cardFor(task);
    const first = await contextReply(ts, 1);
    expect(first).toMatch(/Read from AWS at <!date\^\d+\^/);
    expect(first).toContain('Same image digest');
    expect(first).toContain('2 other running tasks');
    expect(first).toContain('prod-web/web');
    expect(first).toContain('RUNNING');
    // Changed behind ecs-guard's back: within 30 s the cached context is shown (one read per burst of clicks).
    stopInEmulator(sibling);
    const cached = await contextReply(ts, 2);
    expect(cached).toContain('2 other running tasks');
    // ecs-guard's own change marks the account and region: the next reply reads AWS again.
    stopInEmulator(task);
    await markEcsChanged(h.guard.ctx, h.estate.homeAccountId, 'us-east-1');
    const fresh = await contextReply(ts, 3);
    expect(fresh).toContain('STOPPED');
    expect(fresh).toContain('1 other running task');
    const describes = h.aws
      .calls({ operation: 'DescribeTasks' })
      .filter((c) => (c.input.tasks as string[]).includes(task.taskArn));
    expect(describes.length).toBeGreaterThanOrEqual(2);
  });
});
