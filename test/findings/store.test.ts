import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type EcsTask, makeFinding, seedEstate, startAwsEmulator } from '../../sandbox/aws/index.js';
import { findingKeyOf } from '../../src/findings/finding-key.js';
import { normaliseFinding } from '../../src/findings/normalise.js';
import { FindingStore } from '../../src/findings/store.js';
import { keyspace } from '../../src/redis.js';
import { ChannelSlots } from '../../src/slack/pacing/index.js';
import { dropPrefix, testPrefix, testRedis } from '../helpers/redis.js';

describe('FindingStore inflight recovery', () => {
  const prefix = testPrefix('store');
  const redis = testRedis();
  let task: EcsTask;
  beforeAll(async () => {
    const emu = await startAwsEmulator();
    task = seedEstate(emu.state).services.web!.tasks[0]!;
    await emu.close();
  });
  afterAll(async () => {
    await dropPrefix(redis, prefix);
    await redis.quit();
  });

  it('puts back only the ids it is told to, at once, and leaves others for the timeout', async () => {
    const store = new FindingStore(redis, keyspace(prefix), Date.now);
    const [a, b] = ['a', 'b'].map((x) =>
      normaliseFinding(makeFinding({ type: 'Execution:Runtime/ReverseShell', task, id: `inflight${x}` })),
    );
    await store.ingest(a!, 'C1', 'g');
    await store.ingest(b!, 'C1', 'g');
    const first = await store.take('C1', 1);
    await new Promise((r) => setTimeout(r, 5)); // the 1 ms post slot lapses
    const second = await store.take('C1', 1);
    expect(new Set([first?.id, second?.id])).toEqual(new Set([findingKeyOf(a!), findingKeyOf(b!)]));
    expect(await store.backlog('C1')).toBe(0);

    // This process took both and lost "a" to an error: only "a" comes back straight away.
    expect(await store.recoverInflight('C1', 0, [findingKeyOf(a!)])).toBe(1);
    expect(await store.backlog('C1')).toBe(1);
    // "b" may still be in another replica's hands: the timeout protects it.
    expect(await store.recoverInflight('C1', 60_000)).toBe(0);
    expect(await store.recoverInflight('C1', 0)).toBe(1);
    expect(await store.backlog('C1')).toBe(2);
  });

  it('takes under a slot the caller holds, and only under that slot', async () => {
    const keys = keyspace(prefix);
    const store = new FindingStore(redis, keys, Date.now);
    const f = normaliseFinding(makeFinding({ type: 'Execution:Runtime/ReverseShell', task, id: 'heldslot' }));
    await store.ingest(f, 'C2', 'g');
    const slots = new ChannelSlots(redis, keys);
    const mine = (await slots.acquire('C2', 10_000)) as string;
    // Without the token the slot is taken; with another token too: nothing is popped.
    expect(await store.take('C2', 10_000)).toBeNull();
    expect(await store.take('C2', 10_000, 'not-mine')).toBeNull();
    expect(await store.backlog('C2')).toBe(1);
    const taken = await store.take('C2', 10_000, mine);
    expect(taken?.id).toBe(findingKeyOf(f));
    expect(taken?.token).toBe(mine);
    // The slot is still the caller's (an empty outbox does not give it away either).
    expect(await store.take('C2', 10_000, mine)).toBeNull();
    expect(await slots.acquire('C2', 10_000)).toBeUndefined();
    await slots.release('C2', mine);
  });
});
