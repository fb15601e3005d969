/**
 * Before any test file: a Redis to test against, and a Redis Cluster for the cluster-mode tests.
 *
 * * Redis: the one at REDIS_URL when it answers; otherwise a private redis-server on a free port
 *   (REDIS_URL is then set for every test file and the bots they spawn); without redis-server
 *   installed the run stops here, saying how to install it.
 * * Cluster: ECS_GUARD_TEST_CLUSTER_NODES when set (host:port,…, a cluster you run), otherwise a
 *   three-master cluster of redis-server processes started here and stopped at the end.
 */

import { ensureRedis, type LocalRedis } from '../sandbox/local-redis.js';
import { type LocalRedisCluster, startLocalRedisCluster } from '../sandbox/local-redis-cluster.js';

let redis: LocalRedis | undefined;
let cluster: LocalRedisCluster | undefined;

export async function setup(): Promise<void> {
  const url = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';
  try {
    redis = await ensureRedis(url);
    if (redis.private) {
      process.env.REDIS_URL = redis.url;
      process.stderr.write(
        `[tests] nothing answered at ${url}: started a private redis-server at ${redis.url}\n`,
      );
    }
    if (!process.env.ECS_GUARD_TEST_CLUSTER_NODES) {
      cluster = await startLocalRedisCluster({ masters: 3 });
      process.env.ECS_GUARD_TEST_CLUSTER_NODES = cluster.nodes.join(',');
    }
  } catch (err) {
    await teardown();
    // Stop at once with what to install; a stack trace and "no tests" would only bury it.
    process.stderr.write(`\n${(err as Error).message}\n\n`);
    process.exit(1);
  }
}

export async function teardown(): Promise<void> {
  await cluster?.close();
  await redis?.close();
}
