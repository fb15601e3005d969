import { Redis } from 'ioredis';
import { Accounting } from './accounting.js';
import { startBenchBot } from './bot-process.js';
import { type BurstResult, callStats, postTimes } from './burst-result.js';
import { REDIS_URL, startBenchEnv } from './env.js';
import { seedBurst } from './seed-findings.js';

/**
 * ecs-guard on a burst: findings seeded in the AWS emulator, the built bot in a child process
 * polls them (its job scheduler's first poll runs at start: ListFindings → GetFindings → pipeline →
 * paced outbox), and Redis is read until every finding is in a card Slack accepted.
 */
export async function runEcsGuardBurst(n: number, capMs: number): Promise<BurstResult> {
  const env = await startBenchEnv();
  const redis = new Redis(REDIS_URL, { maxRetriesPerRequest: 3 });
  const notes: string[] = [];
  try {
    const ids = seedBurst(env, n, `egb${n}x`).map((f) => f.id);
    const accounting = new Accounting(redis, env.prefix);
    const bot = await startBenchBot({ ...env.env, ECS_GUARD_POLL_SECONDS: '3600' });
    let missing = ids;
    const deadline = Date.now() + capMs;
    try {
      while (missing.length && Date.now() < deadline) {
        await new Promise((r) => setTimeout(r, 500));
        missing = await accounting.missing(missing);
      }
    } finally {
      await bot.stop();
    }
    const listedAt = env.aws.calls({ operation: 'ListFindings' })[0]?.at ?? bot.startedAt;
    const times = postTimes(env.slack);
    const firstPost = Math.min(...times.values());
    let lastNeeded = 0;
    for (const { ts } of (await accounting.cardsOf(ids)).values())
      lastNeeded = Math.max(lastNeeded, times.get(ts) ?? 0);
    const complete = missing.length === 0;
    if (!complete) notes.push(`${missing.length} findings not accounted for within ${capMs / 1000} s`);
    notes.push(`bot in a child process; ingestion started ${listedAt - bot.startedAt} ms after spawn`);
    return {
      pipeline: 'ecs-guard',
      findings: n,
      accounted: n - missing.length,
      complete,
      timeToFirstCardMs: Number.isFinite(firstPost) ? firstPost - listedAt : null,
      timeToAllAccountedMs: complete ? lastNeeded - listedAt : null,
      elapsedMs: Date.now() - listedAt,
      ...callStats(env, n),
      peakRssMb: Math.round(bot.peakRss() / 1e6),
      notes,
    };
  } finally {
    await redis.quit();
    await env.close();
  }
}
