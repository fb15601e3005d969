import { afterAll, describe, expect, it } from 'vitest';
import { makeFinding, seedEstate, startAwsEmulator } from '../../sandbox/aws/index.js';
import { findingKeyOf } from '../../src/findings/finding-key.js';
import { normaliseFinding } from '../../src/findings/normalise.js';
import { FindingStore } from '../../src/findings/store.js';
import { keyspace } from '../../src/redis.js';
import { dropPrefix, testPrefix, testRedis } from '../helpers/redis.js';

describe('FindingStore inflight recovery', () => {
  const prefix = testPrefix('store');
  const redis = testRedis();
  afterAll(async () => {
    await dropPrefix(redis, prefix);
    await redis.quit();
  });

  it('puts back only the ids it is told to, at once, and leaves others for the timeout', async () => {
    const emu = await startAwsEmulator();
    const task = seedEstate(emu.state).services.web!.tasks[0]!;
    await emu.close();
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
});
