/**
 * A throw-away Redis Cluster on this machine for the tests (and anyone trying cluster mode):
 * `masters` redis-server processes in cluster mode on free ports, joined with
 * `redis-cli --cluster create`, no replicas, no persistence; close() stops them and removes their
 * node files. Needs redis-server and redis-cli on PATH (Debian's redis-server package has both).
 */
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { Redis } from 'ioredis';
import { EcsGuardError, ErrorCode } from '../src/errors.js';
import { freePort } from './free-port.js';
import { INSTALL_HINT, onPath, type RedisServerProcess, startRedisServer } from './local-redis.js';

export interface LocalRedisCluster {
  /** `host:port` of every master, the form REDIS_CLUSTER_NODES takes. */
  nodes: string[];
  close(): Promise<void>;
}

const run = promisify(execFile);

/** Whether 127.0.0.1:`port` can be bound right now. */
function portFree(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const s = createServer();
    s.once('error', () => resolve(false));
    s.listen(port, '127.0.0.1', () => s.close(() => resolve(true)));
  });
}

/** A free port whose cluster-bus port (port + 10000, Redis's fixed offset before 7.0) is free too. */
async function freeClusterPort(taken: Set<number>): Promise<number> {
  for (let i = 0; i < 200; i++) {
    const p = await freePort();
    if (p + 10_000 > 65_535 || taken.has(p) || taken.has(p + 10_000)) continue;
    if (await portFree(p + 10_000)) return p;
  }
  // The OS hands out ephemeral ports high; fall back to scanning a lower range.
  for (let p = 20_000; p < 30_000; p++) {
    if (!taken.has(p) && (await portFree(p)) && (await portFree(p + 10_000))) return p;
  }
  throw new Error('no free port pair for a Redis Cluster node');
}

export async function startLocalRedisCluster(opts: { masters?: number } = {}): Promise<LocalRedisCluster> {
  const masters = opts.masters ?? 3;
  const cli = onPath('redis-cli');
  if (!onPath('redis-server') || !cli) {
    throw new EcsGuardError(
      ErrorCode.ConfigError,
      `A local Redis Cluster needs redis-server and redis-cli on PATH.\n${INSTALL_HINT}\n` +
        '(The tests also accept ECS_GUARD_TEST_CLUSTER_NODES=host:port,… naming a Redis Cluster you run.)',
    );
  }
  const dir = mkdtempSync(join(tmpdir(), 'ecs-guard-cluster-'));
  const servers: RedisServerProcess[] = [];
  const close = async () => {
    await Promise.allSettled(servers.map((s) => s.stop()));
    rmSync(dir, { recursive: true, force: true });
  };
  try {
    const taken = new Set<number>();
    const ports: number[] = [];
    for (let i = 0; i < masters; i++) {
      const port = await freeClusterPort(taken);
      taken.add(port).add(port + 10_000);
      ports.push(port);
    }
    for (const port of ports) {
      servers.push(
        await startRedisServer(
          port,
          [
            '--cluster-enabled',
            'yes',
            '--cluster-config-file',
            `nodes-${port}.conf`,
            '--cluster-node-timeout',
            '5000',
            '--dir',
            dir,
          ],
          { cwd: dir },
        ),
      );
    }
    const nodes = ports.map((p) => `127.0.0.1:${p}`);
    await run(cli, ['--cluster', 'create', ...nodes, '--cluster-replicas', '0', '--cluster-yes'], {
      timeout: 30_000,
    });
    await waitForClusterOk(ports);
    return { nodes, close };
  } catch (err) {
    await close();
    throw err;
  }
}

/** Every node says `cluster_state:ok` (all 16384 slots served and known to all). */
async function waitForClusterOk(ports: number[]): Promise<void> {
  const deadline = Date.now() + 20_000;
  for (const port of ports) {
    const r = new Redis(port, '127.0.0.1', { maxRetriesPerRequest: 1 });
    try {
      for (;;) {
        const info = String(await r.cluster('INFO'));
        if (info.includes('cluster_state:ok') && info.includes(`cluster_known_nodes:${ports.length}`)) break;
        if (Date.now() > deadline) throw new Error(`Redis Cluster did not become ready:\n${info}`);
        await new Promise((res) => setTimeout(res, 100));
      }
    } finally {
      r.disconnect();
    }
  }
}
