import { randomUUID } from 'node:crypto';
import { Redis } from 'ioredis';

export const REDIS_URL = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';

/** A unique key prefix so test files (and repeated runs) never see each other's keys. */
export function testPrefix(name = 'test'): string {
  return `t-${name}-${randomUUID().slice(0, 8)}`;
}

export { dropPrefix } from '../../sandbox/redis-keys.js';

export function testRedis(): Redis {
  return new Redis(REDIS_URL, { maxRetriesPerRequest: null });
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
