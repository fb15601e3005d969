import { Cluster, type Redis as Standalone } from 'ioredis';
import type { Redis } from '../src/redis.js';

/**
 * Deletes every key under `prefix` (BullMQ's `prefix:queue:*` keys included). On a Redis Cluster
 * SCAN sees one node's keys, so every master is scanned.
 */
export async function dropPrefix(redis: Redis, prefix: string): Promise<void> {
  const nodes: Standalone[] = redis instanceof Cluster ? redis.nodes('master') : [redis];
  for (const node of nodes) {
    let cursor = '0';
    do {
      const [next, keys] = await node.scan(cursor, 'MATCH', `${escapeGlob(prefix)}:*`, 'COUNT', 1000);
      cursor = next;
      // One UNLINK per key (pipelined): in a cluster, keys of a node need not share a slot.
      if (keys.length) {
        const pipe = node.pipeline();
        for (const k of keys) pipe.unlink(k);
        await pipe.exec();
      }
    } while (cursor !== '0');
  }
}

/** A prefix such as `{t-x}` holds glob characters only by accident; match it literally. */
function escapeGlob(s: string): string {
  return s.replace(/[*?[\]\\]/g, '\\$&');
}
