import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Harness, startHarness } from '../helpers/harness.js';
import { waitFor } from '../helpers/wait.js';
import { accountedIds, expectEachFindingPostedOnce, seedFindings } from './drill-helpers.js';

// AWS throttling storms on the poll path: ListFindings and GetFindings answer TooManyRequestsException (HTTP 429)
// many times over. The scheduled poll (BullMQ job with retries) gets through; every finding is
// ingested once and posted once; the cursor only moves after the findings are stored.
describe('drill: AWS throttling storms while polling', () => {
  let h: Harness;
  beforeAll(async () => {
    h = await startHarness(); // polls driven by the test, as the scheduler's retries would
  });
  afterAll(async () => {
    await h?.close();
  });

  it('polls through the storm: nothing lost, nothing twice, GetFindings still batched', async () => {
    const ids = seedFindings(h.aws.state, h.estate, 240, 'thr').map((f) => f.id);
    // Six ListFindings throttles outlast the SDK's 3 attempts twice, whatever order the pipelined
    // GetFindings batches (which may each absorb a throttle in one retry) run in.
    h.aws.faults.inject({ operation: 'ListFindings', kind: 'throttle', times: 6 });
    h.aws.faults.inject({ operation: 'GetFindings', kind: 'throttle', times: 5 });
    // Direct polls like the scheduler's retries: a poll that fails leaves the cursor alone.
    const cursorKey = h.guard.ctx.keys('poll', 'cursor', 'us-east-1');
    let failures = 0;
    await waitFor(
      async () => {
        try {
          await h.guard.ctx.poller.poll('us-east-1');
          return true;
        } catch {
          failures++;
          expect(await h.guard.ctx.redis.get(cursorKey)).toBeNull();
          return false;
        }
      },
      { timeoutMs: 40_000, intervalMs: 200, what: 'a poll that gets through' },
    );
    expect(failures).toBeGreaterThanOrEqual(2); // the SDK's 3 attempts were not enough, twice
    const { findings, cards } = h.guard.ctx;
    // Another poll after the storm (overlap window) only finds duplicates.
    const again = await h.guard.ctx.poller.poll('us-east-1');
    expect(again.new).toBe(0);
    await waitFor(async () => (await accountedIds(findings, cards, ids)).length === ids.length, {
      timeoutMs: 45_000,
      intervalMs: 250,
      what: 'every finding accounted for',
    });
    await expectEachFindingPostedOnce(findings, cards, h.slack, ids);
    const throttled = h.aws.calls().filter((c) => c.errorCode === 'TooManyRequestsException');
    expect(throttled).toHaveLength(11);
    // Batched: ≤ 50 ids per GetFindings, never one call per finding.
    const gets = h.aws.calls({ operation: 'GetFindings' }).filter((c) => !c.errorCode);
    for (const c of gets) expect((c.input.findingIds as string[]).length).toBeLessThanOrEqual(50);
    expect(gets.length).toBeLessThan(40);
  }, 100_000);
});
