import { describe, expect, it } from 'vitest';
import type { GatheredEcsContext } from '../../src/aws/ecs-context.js';
import { EcsContextCache } from '../../src/aws/ecs-context-cache.js';

const ok = {
  context: { task: { taskId: 't' } },
  problems: [],
  awsRequestIds: [],
} as unknown as GatheredEcsContext;
const missing: GatheredEcsContext = { context: null, problems: ['gone'], awsRequestIds: [], readAt: 0 };

describe('EcsContextCache', () => {
  it('shares one load between concurrent callers and keeps it for the TTL only', async () => {
    let now = 0;
    let loads = 0;
    const cache = new EcsContextCache(30_000, () => now);
    const load = async () => {
      loads++;
      return ok;
    };
    await Promise.all(Array.from({ length: 20 }, () => cache.get('a|r|task', load)));
    expect(loads).toBe(1);
    now = 29_999;
    await cache.get('a|r|task', load);
    expect(loads).toBe(1);
    now = 30_000;
    await cache.get('a|r|task', load);
    expect(loads).toBe(2);
    await cache.get('other', load);
    expect(loads).toBe(3);
  });

  it('does not keep failures or tasks that could not be described', async () => {
    const cache = new EcsContextCache(30_000, () => 0);
    let loads = 0;
    await cache.get('k', async () => {
      loads++;
      return missing;
    });
    await expect(
      cache.get('k', async () => {
        loads++;
        throw new Error('throttled');
      }),
    ).rejects.toThrow('throttled');
    await cache.get('k', async () => {
      loads++;
      return ok;
    });
    expect(loads).toBe(3);
  });
});
