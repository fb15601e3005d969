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
