import { Redis, type RedisOptions } from 'ioredis';

export type { Redis };

/**
 * One way to open Redis. `blocking: true` is for BullMQ workers and QueueEvents, which need
 * `maxRetriesPerRequest: null`; producers keep a bound so an outage fails fast instead of hanging.
 */
export function createRedis(url: string, opts: { blocking?: boolean; name?: string } = {}): Redis {
  const options: RedisOptions = {
    maxRetriesPerRequest: opts.blocking ? null : 3,
    enableReadyCheck: true,
    lazyConnect: false,
    connectionName: opts.name,
  };
  return new Redis(url, options);
}

/** Key builder: every key ecs-guard writes starts with the configured prefix. */
export function keyspace(prefix: string) {
  return (...parts: (string | number)[]) => [prefix, ...parts].join(':');
}
export type Keyspace = ReturnType<typeof keyspace>;
