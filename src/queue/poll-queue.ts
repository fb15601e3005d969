import { type Queue, Worker } from 'bullmq';
import type { AppContext } from '../context.js';
import { watchCoverage } from '../coverage/watch.js';
import { PollAlerts } from '../findings/poll-alerts.js';
import { PollHealthStore } from '../findings/poll-health.js';
import { createRedis } from '../redis.js';
import { QUEUE } from './names.js';

export const schedulerId = (region: string) => `poll-${region}`;

/**
 * One BullMQ job scheduler per region. Schedulers are idempotent upserts keyed by id, so every
 * replica can call this at start-up and the poll still runs once per interval cluster-wide.
 */
export async function schedulePolls(queue: Queue, regions: string[], pollSeconds: number): Promise<void> {
  const wanted = new Set(pollSeconds > 0 ? regions.map(schedulerId) : []);
  for (const s of await queue.getJobSchedulers(0, 999)) {
    if (s.key && !wanted.has(s.key)) await queue.removeJobScheduler(s.key);
  }
  if (pollSeconds <= 0) return;
  for (const region of regions) {
    await queue.upsertJobScheduler(
      schedulerId(region),
      { every: pollSeconds * 1000 },
      {
        name: 'poll',
        data: { region },
        opts: {
          attempts: 3,
          backoff: { type: 'exponential', delay: 2000 },
          removeOnComplete: 50,
          removeOnFail: 200,
        },
      },
    );
  }
}

/** Runs polls. Concurrency 1 per replica; a region's poll is one job, so it never overlaps itself. */
export function startPollWorker(ctx: AppContext): Worker {
  const connection = createRedis(ctx.config, { blocking: true, name: 'ecs-guard-poll-worker' });
  const alerts = new PollAlerts({
    health: new PollHealthStore(ctx.redis, ctx.keys, ctx.clock),
    redis: ctx.redis,
    keys: ctx.keys,
    pacing: ctx.pacing,
    channel: ctx.config.slack.alertChannel,
    alertMinutes: ctx.config.pollAlertMinutes,
    clock: ctx.clock,
    log: ctx.log,
  });
  const worker = new Worker(
    QUEUE.poll,
    async (job) => {
      const region = String(job.data.region);
      try {
        const result = await ctx.poller.poll(region);
        // The alert-channel notice follows every attempt: posted, updated or cleared (never throws).
        await alerts.sync(region);
        // Coverage changes ride on the same schedule; their failure must not fail the findings poll.
        await watchCoverage(ctx, region).catch((err: unknown) =>
          ctx.log.warn({ err: (err as Error).message, region }, 'coverage watch failed'),
        );
        return result;
      } catch (err) {
        ctx.metrics.pollRuns.inc({ region, outcome: 'error' });
        ctx.log.warn({ err, region, attempt: job.attemptsMade + 1 }, 'poll failed');
        await alerts.sync(region);
        throw err;
      }
    },
    { connection, prefix: ctx.config.redisPrefix, concurrency: 1 },
  );
  worker.on('error', (err) => ctx.log.error({ err }, 'poll worker error'));
  worker.on('closed', () => connection.disconnect());
  return worker;
}
