import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { addFindingFor } from '../../sandbox/aws/index.js';
import { idOfKey } from '../../src/findings/finding-key.js';
import { groupKeyOf } from '../../src/findings/group-key.js';
import { normaliseFinding } from '../../src/findings/normalise.js';
import { FindingStore } from '../../src/findings/store.js';
import { keyspace } from '../../src/redis.js';
import { ChannelSlots } from '../../src/slack/pacing/index.js';
import { type Harness, PEOPLE, startHarness } from '../helpers/harness.js';
import { testRedis } from '../helpers/redis.js';
import { waitFor } from '../helpers/wait.js';
import { expectEachFindingPostedOnce } from './drill-helpers.js';

// A replica took a finding from a channel's outbox and died before posting it (SIGKILL, OOM,
// lost Redis mid-post). Another replica must put it back and post it: nothing is lost.
describe('drill: a replica dies between taking a finding and posting it', () => {
  let h: Harness;
  const redis = testRedis();
  beforeAll(async () => {
    h = await startHarness({ guard: { outbox: { inflightTimeoutMs: 1500 } } });
  });
  afterAll(async () => {
    await h?.close();
    await redis.quit();
  });

  it('the surviving replica posts the orphaned finding once', async () => {
    const dead = new FindingStore(redis, keyspace(h.prefix), Date.now);
    const task = h.estate.services.web!.tasks[0]!;
    const f = normaliseFinding(
      addFindingFor(h.aws.state, {
        type: 'Execution:Runtime/ReverseShell',
        severity: 8,
        task,
        id: 'orphan1',
      }),
    );
    // The dying replica ingests and takes the item, then dies. The survivor's outbox must not get
    // to it first: the dying replica holds the channel's slot from before the ingest.
    const keys = keyspace(h.prefix);
    const slots = new ChannelSlots(redis, keys);
    const token = await waitFor(() => slots.acquire(PEOPLE.alerts, 10_000), { what: 'the slot' });
    await dead.ingest(f, PEOPLE.alerts, groupKeyOf(f));
    // The outbox's own take, under the slot it holds: the item is popped and marked in flight.
    const taken = await dead.take(PEOPLE.alerts, 10_000, token);
    expect(taken && idOfKey(taken.id)).toBe('orphan1');
    // …and the replica dies before posting: its slot lapses (here: given back at once).
    await slots.release(PEOPLE.alerts, token);
    await waitFor(
      () => h.slack.messages(PEOPLE.alerts).some((m) => JSON.stringify(m.blocks).includes('orphan1')),
      {
        timeoutMs: 15_000,
        what: 'the orphaned finding posted by the survivor',
      },
    );
    await waitFor(
      async () => (await h.guard.ctx.findings.getByIds(['orphan1']))[0]?.[0]?.state === 'posted',
      {
        what: 'recorded',
      },
    );
    await expectEachFindingPostedOnce(
      h.guard.ctx.findings,
      h.guard.ctx.cards,
      h.slack,
      ['orphan1'],
      [PEOPLE.alerts],
    );
  }, 30_000);
});
