import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FindingStore } from '../../src/findings/store.js';
import { keyspace } from '../../src/redis.js';
import { CardStore } from '../../src/slack/card-store.js';
import {
  type BotProcess,
  type Emulators,
  freePort,
  INGEST_TOKEN,
  PEOPLE,
  startBotProcess,
  startEmulators,
} from '../helpers/harness.js';
import { waitFor } from '../helpers/wait.js';
import { accountedIds, asEvents, expectEachFindingPostedOnce, seedFindings } from './drill-helpers.js';

/** A private Redis with an append-only file, so its data survives a restart (never the shared one). */
class PrivateRedis {
  private proc?: ChildProcess;
  constructor(
    readonly port: number,
    readonly dir: string,
  ) {}
  get url() {
    return `redis://127.0.0.1:${this.port}`;
  }
  async start(): Promise<void> {
    const args = ['--port', String(this.port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'yes'];
    this.proc = spawn('redis-server', [...args, '--dir', this.dir], { stdio: 'ignore' });
    const probe = new Redis(this.port, '127.0.0.1', {
      lazyConnect: true,
      maxRetriesPerRequest: 0,
      retryStrategy: () => null,
    });
    probe.on('error', () => {}); // refused until the server listens
    await waitFor(
      async () => {
        try {
          await probe.connect();
        } catch {
          // not up yet
        }
        return (await probe.ping()) === 'PONG';
      },
      { timeoutMs: 10_000, what: 'private redis-server' },
    ).finally(() => probe.disconnect());
  }
  async stop(): Promise<void> {
    const p = this.proc;
    if (!p || p.exitCode !== null) return;
    const exited = new Promise((r) => p.once('exit', r));
    p.kill('SIGTERM'); // a clean shutdown flushes the AOF
    await exited;
  }
}

// Redis restarted in the middle of a burst: ingestion answers 503 while it is down (EventBridge
// retries), the outbox rides over connection errors, and afterwards every finding is in exactly
// one card, none posted twice.
describe('drill: Redis restarted in the middle of a burst', () => {
  let redisServer: PrivateRedis;
  let emus: Emulators;
  let bot: BotProcess;
  let client: Redis;
  let dir: string;

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'ecs-guard-redis-'));
    redisServer = new PrivateRedis(await freePort(), dir);
    await redisServer.start();
    const policy = join(dir, 'policy.yaml');
    writeFileSync(policy, `routes:\n  - channel: ${PEOPLE.prod}\n    clusters: ["prod-*"]\n`);
    emus = await startEmulators({
      env: { REDIS_URL: redisServer.url, ECS_GUARD_CONFIG: policy, LOG_LEVEL: 'warn' },
    });
    bot = await startBotProcess(emus.env);
    client = new Redis(redisServer.url, { maxRetriesPerRequest: null });
    client.on('error', () => {}); // expected while the server restarts
  }, 60_000);
  afterAll(async () => {
    await bot?.stop();
    await emus?.close();
    client?.disconnect();
    await redisServer?.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  const push = async (events: unknown[]): Promise<number> =>
    (
      await fetch(`${bot.baseUrl}/events/guardduty`, {
        method: 'POST',
        headers: { authorization: `Bearer ${INGEST_TOKEN}`, 'content-type': 'application/json' },
        body: JSON.stringify(events),
      })
    ).status;
  /** EventBridge's API destination retries until it gets a 2xx. */
  const deliver = (events: unknown[]) =>
    waitFor(async () => (await push(events)) === 202, { timeoutMs: 30_000, intervalMs: 200, what: 'a 202' });

  it('loses no finding and posts none twice', async () => {
    const keys = keyspace(emus.prefix);
    const findings = new FindingStore(client, keys, Date.now);
    const cards = new CardStore(client, keys, Date.now);
    const seeded = seedFindings(emus.aws.state, emus.estate, 240, 'rrs');
    const ids = seeded.map((f) => f.id);
    for (let i = 0; i < 120; i += 40) await deliver(asEvents(seeded.slice(i, i + 40)));
    await waitFor(() => emus.slack.calls('chat.postMessage').filter((c) => c.ok).length >= 3, {
      timeoutMs: 15_000,
      what: 'first cards',
    });

    await redisServer.stop();
    expect(await push(asEvents(seeded.slice(120, 160)))).not.toBe(202);
    await redisServer.start();
    for (let i = 120; i < 240; i += 40) await deliver(asEvents(seeded.slice(i, i + 40)));
    // EventBridge may deliver again: duplicates must change nothing.
    for (let i = 0; i < 120; i += 40) await deliver(asEvents(seeded.slice(i, i + 40)));

    await waitFor(async () => (await accountedIds(findings, cards, ids)).length === ids.length, {
      timeoutMs: 60_000,
      intervalMs: 250,
      what: 'every finding accounted for after the restart',
    });
    await expectEachFindingPostedOnce(findings, cards, emus.slack, ids);
  }, 120_000);
});
