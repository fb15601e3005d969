import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { addFindingFor, addService } from '../../sandbox/aws/index.js';
import { type Harness, PEOPLE, startHarness } from '../helpers/harness.js';
import { waitFor } from '../helpers/wait.js';

// The blast-radius line on the posted card: worked out after the post from one inventory of the
// account and region (ListClusters → ListTasks → DescribeTasks 100 a call), shared by every card
// there for a minute. AWS emulator, Slack emulator, real Redis.
describe('blast radius on the finding card', () => {
  let h: Harness;
  const REGION = 'us-east-1';
  const ch = PEOPLE.alerts;
  beforeAll(async () => {
    h = await startHarness();
  });
  afterAll(async () => {
    await h?.close();
  });

  it('names the other running tasks on the image, grouped by cluster/service; a burst of cards reads ECS once', async () => {
    const image = `${h.estate.homeAccountId}.dkr.ecr.${REGION}.amazonaws.com/ledger:7`;
    const add = (cluster: string, service: string, taskCount: number) =>
      addService(h.aws.state, {
        accountId: h.estate.homeAccountId,
        region: REGION,
        cluster,
        service,
        image,
        taskCount,
      });
    const api = add('payments', 'payments-api', 3);
    add('batch', 'ledger', 1);
    const lone = add('misc', 'lonely', 1);
    lone.tasks[0]!.containers[0]!.imageDigest = `sha256:${'e'.repeat(64)}`;
    h.aws.clearCalls();
    const fs = [
      addFindingFor(h.aws.state, {
        type: 'Execution:Runtime/ReverseShell',
        task: api.tasks[0]!,
        severity: 8,
      }),
      addFindingFor(h.aws.state, {
        type: 'Execution:Runtime/NewBinaryExecuted',
        task: api.tasks[1]!,
        severity: 5,
      }),
      addFindingFor(h.aws.state, {
        type: 'Execution:Runtime/ReverseShell',
        task: lone.tasks[0]!,
        severity: 8,
      }),
    ];
    await h.guard.ctx.poller.poll(REGION);
    const cardOf = (id: string) =>
      waitFor(() => h.slack.messages(ch).find((m) => JSON.stringify(m.blocks).includes(id)), {
        what: 'card',
      });
    const [a, b, c] = await Promise.all(fs.map((f) => cardOf(f.id)));
    const text = (ts: string) => JSON.stringify(h.slack.message(ch, ts)?.blocks);
    await waitFor(() => text(a!.ts).includes('3 other running tasks use this image'), {
      what: 'blast line on card a',
      timeoutMs: 20_000,
    });
    expect(text(a!.ts)).toContain(
      '3 other running tasks use this image: payments/payments-api ×2, batch/ledger ×1',
    );
    await waitFor(() => text(b!.ts).includes('3 other running tasks use this image'), { timeoutMs: 20_000 });
    await waitFor(() => text(c!.ts).includes('No other running task uses this image'), { timeoutMs: 20_000 });
    // The card keeps its buttons under the line.
    expect(text(a!.ts)).toContain('"text":"Contain"');
    // One inventory for the three cards: ListClusters once, DescribeTasks 100 a call.
    expect(h.aws.calls({ operation: 'ListClusters' })).toHaveLength(1);
    for (const d of h.aws.calls({ operation: 'DescribeTasks' }))
      expect((d.input.tasks as string[]).length).toBeLessThanOrEqual(100);
  });
});
