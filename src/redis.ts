import { Cluster, type ClusterOptions, type RedisOptions, Redis as Standalone } from 'ioredis';
import type { Config } from './config.js';

/** A connection to standalone Redis or to a Redis Cluster: the commands ecs-guard uses are the same. */
export type Redis = Standalone | Cluster;

export type RedisTarget = Pick<Config, 'redisUrl' | 'redisClusterNodes'>;

/**
 * One way to open Redis: standalone at `redisUrl`, or a Cluster through `redisClusterNodes` with
 * `redisUrl`'s user, password and TLS (`rediss://`). `blocking: true` is for BullMQ workers and
 * QueueEvents, which need `maxRetriesPerRequest: null`; producers keep a bound so an outage fails
 * fast instead of hanging.
 */
export function createRedis(target: RedisTarget, opts: { blocking?: boolean; name?: string } = {}): Redis {
  const options: RedisOptions = {
    maxRetriesPerRequest: opts.blocking ? null : 3,
    enableReadyCheck: true,
    lazyConnect: false,
    connectionName: opts.name,
  };
  if (!target.redisClusterNodes?.length) return new Standalone(target.redisUrl, options);
  return new Cluster(target.redisClusterNodes, clusterOptions(target.redisUrl, options));
}

/** Cluster options carrying REDIS_URL's credentials and TLS to every node connection. */
export function clusterOptions(redisUrl: string, base: RedisOptions = {}): ClusterOptions {
  const url = new URL(redisUrl);
  const tls = url.protocol === 'rediss:';
  return {
    redisOptions: {
      ...base,
      username: url.username ? decodeURIComponent(url.username) : undefined,
      password: url.password ? decodeURIComponent(url.password) : undefined,
      ...(tls ? { tls: {} } : {}),
    },
    // With TLS the certificate names the configuration endpoint, not the node IPs that CLUSTER
    // SLOTS returns; ioredis' documented setting for ElastiCache/MemoryDB keeps the hostname.
    ...(tls ? { dnsLookup: (address, callback) => callback(null, address) } : {}),
    enableReadyCheck: true,
    maxRedirections: 16,
    // CLUSTER SLOTS on a busy node can take more than ioredis' 1 s default.
    slotsRefreshTimeout: 5000,
  };
}

/** Key builder: every key ecs-guard writes starts with the configured prefix. */
export function keyspace(prefix: string) {
  return (...parts: (string | number)[]) => [prefix, ...parts].join(':');
}
export type Keyspace = ReturnType<typeof keyspace>;
