import { randomUUID } from 'node:crypto';
import { Cluster, Redis as Standalone } from 'ioredis';
import type { Redis } from '../../src/redis.js';

export const REDIS_URL = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';

/** Where a test runs: the Redis at REDIS_URL, or the test run's three-master Redis Cluster. */
export type RedisMode = 'standalone' | 'cluster';
/** For `describe.each`: the drills that matter run against both. */
export const REDIS_MODES: RedisMode[] = ['standalone', 'cluster'];

/**
 * A unique key prefix so test files (and repeated runs) never see each other's keys. In cluster
 * mode it is a hash tag, as ecs-guard requires there (every key of an operation in one slot).
 */
export function testPrefix(name = 'test', mode: RedisMode = 'standalone'): string {
  const p = `t-${name}-${randomUUID().slice(0, 8)}`;
  return mode === 'cluster' ? `{${p}}` : p;
}

export { dropPrefix } from '../../sandbox/redis-keys.js';

export function testRedis(): Standalone;
export function testRedis(mode: RedisMode): Redis;
export function testRedis(mode: RedisMode = 'standalone'): Redis {
  if (mode === 'cluster') {
    // A loaded machine can take longer than ioredis' 1 s default to answer CLUSTER SLOTS; a
    // failed refresh is retried, and a failed command still rejects, so the event is not needed.
    const c = new Cluster(clusterNodesFromEnv(), {
      slotsRefreshTimeout: 5000,
      redisOptions: { maxRetriesPerRequest: null },
    });
    c.on('error', () => {});
    return c;
  }
  return new Standalone(REDIS_URL, { maxRetriesPerRequest: null });
}

/** The bot's environment for a mode: REDIS_URL always, REDIS_CLUSTER_NODES for the cluster. */
export function redisEnv(mode: RedisMode): Record<string, string> {
  if (mode === 'standalone') return { REDIS_URL };
  return {
    REDIS_URL,
    REDIS_CLUSTER_NODES: clusterNodesFromEnv()
      .map((n) => `${n.host}:${n.port}`)
      .join(','),
  };
}

/** The test run's Redis Cluster (test/global-setup.ts) as ioredis startup nodes. */
export function clusterNodesFromEnv(): { host: string; port: number }[] {
  const raw = process.env.ECS_GUARD_TEST_CLUSTER_NODES;
  if (!raw)
    throw new Error(
      'ECS_GUARD_TEST_CLUSTER_NODES is not set: run the tests through vitest (test/global-setup.ts)',
    );
  return raw.split(',').map((n) => {
    const [host, port] = n.trim().split(':');
    return { host: host as string, port: Number(port) };
  });
}
