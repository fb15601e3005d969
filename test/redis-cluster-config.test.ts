import { Cluster, Redis } from 'ioredis';
import { describe, expect, it } from 'vitest';
import { loadConfig } from '../src/config.js';
import { ErrorCode, isEcsGuardError } from '../src/errors.js';
import { clusterOptions, createRedis, keyspace } from '../src/redis.js';
import { hashTagOf } from '../src/redis-slot.js';
import { clusterNodesFromEnv, dropPrefix, REDIS_URL, testPrefix } from './helpers/redis.js';

const base = {
  SLACK_BOT_TOKEN: 'xoxb-123-456-abcdef',
  SLACK_SIGNING_SECRET: 'topsecretsigningsecret',
  SLACK_ALERT_CHANNEL: 'C0ALERTS',
  AWS_REGION: 'us-east-1',
};
const refusal = (env: Record<string, string>): string => {
  try {
    loadConfig(env);
  } catch (err) {
    expect(isEcsGuardError(err, ErrorCode.ConfigError)).toBe(true);
    return (err as Error).message;
  }
  throw new Error('expected loadConfig to refuse');
};

describe('REDIS_CLUSTER_NODES', () => {
  it('parses host:port nodes, and defaults the prefix to the hash tag {ecs-guard}', () => {
    const c = loadConfig({ ...base, REDIS_CLUSTER_NODES: 'node-1.example:6379, 10.0.0.2:6380' });
    expect(c.redisClusterNodes).toEqual([
      { host: 'node-1.example', port: 6379 },
      { host: '10.0.0.2', port: 6380 },
    ]);
    expect(c.redisPrefix).toBe('{ecs-guard}');
    expect(loadConfig(base).redisPrefix).toBe('ecs-guard');
  });

  it('refuses a prefix whose keys would cross hash slots, naming the variable', () => {
    for (const prefix of ['ecs-guard', 'ecs{', 'a{}b', 'x}{y']) {
      const msg = refusal({ ...base, REDIS_CLUSTER_NODES: 'n1:6379', ECS_GUARD_REDIS_PREFIX: prefix });
      expect(msg).toContain('ECS_GUARD_REDIS_PREFIX');
      expect(msg).toContain('REDIS_CLUSTER_NODES');
      expect(msg).toMatch(/hash tag/);
    }
    expect(
      loadConfig({ ...base, REDIS_CLUSTER_NODES: 'n1:6379', ECS_GUARD_REDIS_PREFIX: 'prod-{eg}' })
        .redisPrefix,
    ).toBe('prod-{eg}');
    expect(refusal({ ...base, REDIS_CLUSTER_NODES: 'n1' })).toContain('REDIS_CLUSTER_NODES');
  });

  it('hash tags as Redis Cluster computes them', () => {
    expect(hashTagOf('{ecs-guard}:audit')).toBe('ecs-guard');
    expect(hashTagOf('a{b}c{d}')).toBe('b');
    expect(hashTagOf('{}x')).toBeUndefined();
    expect(hashTagOf('plain')).toBeUndefined();
  });

  it("carries REDIS_URL's user, password and TLS to every node", () => {
    const o = clusterOptions('rediss://ecs%2Dguard:p%40ss@cfg.example:6379');
    expect(o.redisOptions).toMatchObject({ username: 'ecs-guard', password: 'p@ss', tls: {} });
    expect(typeof o.dnsLookup).toBe('function');
    expect(clusterOptions('redis://127.0.0.1:6379').redisOptions?.tls).toBeUndefined();
  });

  it('every key of a keyspace lands in one slot of the real cluster, and scripts across them run', async () => {
    const prefix = testPrefix('slot', 'cluster');
    const r = createRedis({ redisUrl: REDIS_URL, redisClusterNodes: clusterNodesFromEnv() });
    expect(r).toBeInstanceOf(Cluster);
    const keys = keyspace(prefix);
    try {
      const names = [keys('finding', 'a'), keys('outbox', 'C1'), keys('audit'), keys('requests', 'pending')];
      const slots = await Promise.all(names.map((k) => r.cluster('KEYSLOT', k)));
      expect(new Set(slots).size).toBe(1);
      // A multi-key script over them runs (a cross-slot one would fail with CROSSSLOT).
      const n = await r.eval(
        "for i, k in ipairs(KEYS) do redis.call('SET', k, i) end return #KEYS",
        names.length,
        ...names,
      );
      expect(n).toBe(4);
      await expect(
        r.eval("return redis.call('MSET', KEYS[1], 1, KEYS[2], 2)", 2, 'a-untagged', 'b-untagged'),
      ).rejects.toThrow(/CROSSSLOT|slot/i);
    } finally {
      await dropPrefix(r, prefix);
      await r.quit();
    }
    const standalone = createRedis({ redisUrl: REDIS_URL });
    expect(standalone).toBeInstanceOf(Redis);
    await standalone.quit();
  });
});
