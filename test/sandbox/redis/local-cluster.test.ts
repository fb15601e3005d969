import { Cluster } from 'ioredis';
import { describe, expect, it } from 'vitest';
import { clusterNodesFromEnv } from '../../helpers/redis.js';

describe('the test run’s Redis Cluster', () => {
  it('is a three-master cluster that serves every slot', async () => {
    const nodes = clusterNodesFromEnv();
    expect(nodes).toHaveLength(3);
    const c = new Cluster(nodes);
    try {
      const info = String(await c.cluster('INFO'));
      expect(info).toContain('cluster_state:ok');
      expect(info).toContain('cluster_size:3');
      // Keys in different slots land on different masters, and all of them work.
      for (const k of ['a', 'b', 'c', 'd']) await c.set(`t-local-cluster:${k}`, k);
      expect(await Promise.all(['a', 'b', 'c', 'd'].map((k) => c.get(`t-local-cluster:${k}`)))).toEqual([
        'a',
        'b',
        'c',
        'd',
      ]);
      await Promise.all(['a', 'b', 'c', 'd'].map((k) => c.del(`t-local-cluster:${k}`)));
    } finally {
      await c.quit();
    }
  });

  it('REDIS_URL answers (the shared one, or the private server the run started)', async () => {
    const { redisAnswers } = await import('../../../sandbox/local-redis.js');
    expect(await redisAnswers(process.env.REDIS_URL ?? 'redis://127.0.0.1:6379')).toBe(true);
  });
});
