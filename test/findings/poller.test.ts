import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { addFindingFor } from '../../sandbox/aws/index.js';
import { GD_BATCH } from '../../src/findings/get-findings.js';
import { type Harness, startHarness } from '../helpers/harness.js';

const REGION = 'us-east-1';
// Fewer than the reconcile's 500 newest open cards, so every one of them is a candidate for it.
const N = 450;

// AWS calls are what a burst pays for in latency: a poll reads each listed id once (ListFindings
// pages of 50, GetFindings batches of 50), and the reconcile pass re-reads only open cards this
// poll did not fetch. Counted at the AWS emulator.
describe('poller: each finding read once per poll', () => {
  let h: Harness;

  beforeAll(async () => {
    h = await startHarness();
  }, 60_000);
  afterAll(async () => {
    await h?.close();
  });

  const tasks = () =>
    Object.values(h.estate.services).flatMap((s) => s.tasks.filter((t) => t.taskArn.includes(REGION)));
  const getFindingsIds = () =>
    h.aws.calls({ operation: 'GetFindings' }).map((c) => (c.input.findingIds as string[]) ?? []);

  it('a 450-finding burst costs the batched minimum: 9 ListFindings, 9 GetFindings, no id twice', async () => {
    const all = tasks();
    const ids: string[] = [];
    for (let i = 0; i < N; i++)
      ids.push(
        addFindingFor(h.aws.state, {
          type: 'Execution:Runtime/ReverseShell',
          severity: 8,
          task: all[i % all.length]!,
          id: `pl${String(i).padStart(4, '0')}`,
        }).id,
      );
    h.aws.clearCalls();
    const res = await h.guard.ctx.poller.poll(REGION);
    expect(res.listed).toBe(N);
    expect(res.new).toBe(N);

    const batches = getFindingsIds();
    const read = batches.flat();
    expect(new Set(read)).toEqual(new Set(ids));
    // Before the fix the reconcile re-read every open card of the burst: 18 calls, 900 ids.
    expect(read).toHaveLength(N);
    expect(batches).toHaveLength(N / GD_BATCH);
    expect(h.aws.calls({ operation: 'ListFindings' })).toHaveLength(N / GD_BATCH);
  }, 60_000);

  it('the reconcile still re-reads an open card the poll did not list (archived in GuardDuty)', async () => {
    // Archived without its updatedAt moving: ListFindings (archived = false) no longer lists it.
    const archived = h.aws.state.getFinding('pl0000', REGION)!;
    archived.service.archived = true;
    const { redis, keys } = h.guard.ctx;
    await redis.del(keys('poll', 'reconcile', REGION));
    h.aws.clearCalls();

    await h.guard.ctx.poller.poll(REGION);
    const read = getFindingsIds().flat();
    // The 449 still listed are read by the poll, the archived one by the reconcile: each once.
    expect(read).toHaveLength(N);
    expect(new Set(read).size).toBe(N);
    expect(read).toContain('pl0000');
    expect((await h.guard.ctx.findings.getByIds(['pl0000']))[0]?.[0]?.finding.archived).toBe(true);
  }, 60_000);
});
