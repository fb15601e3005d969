import type { Clock } from '../clock.js';
import type { Logger } from '../log.js';
import type { Keyspace, Redis } from '../redis.js';
import { buildPollFailingNotice, buildPollRecoveredNotice } from '../slack/blocks/poll-alert.js';
import type { SlackPacing } from '../slack/pacing/index.js';
import { failingForMs, type PollHealthStore } from './poll-health.js';

/**
 * One notice per failing region in the alert channel: posted once polling has failed for
 * `alertMinutes` without a success, updated in place while it goes on, turned into "recovered" on
 * the next success. Its ts lives in Redis, so any replica's poll job updates the same message.
 */
export class PollAlerts {
  constructor(
    private readonly deps: {
      health: PollHealthStore;
      redis: Redis;
      keys: Keyspace;
      pacing: SlackPacing;
      channel: string;
      /** 0 = never post. */
      alertMinutes: number;
      clock: Clock;
      log: Logger;
    },
  ) {}

  private key(region: string) {
    return this.deps.keys('poll', 'alert', region);
  }

  /** After each poll attempt of `region`: post, update or clear its notice. Never throws. */
  async sync(region: string): Promise<void> {
    try {
      await this.syncOrThrow(region);
    } catch (err) {
      this.deps.log.warn({ err: (err as Error).message, region }, 'poll alert notice not updated');
    }
  }

  private async syncOrThrow(region: string): Promise<void> {
    const { health, redis, pacing, channel, alertMinutes, clock } = this.deps;
    if (alertMinutes <= 0) return;
    const now = clock();
    const h = await health.get(region);
    const open = await redis.hgetall(this.key(region));
    const failing = h.failingSince !== undefined;
    if (!failing) {
      if (!open.ts) return;
      const notice = buildPollRecoveredNotice(region, Number(open.failingSince), h.lastSuccessAt ?? now);
      // No turn yet: keep the notice open, the next poll tries again.
      if (!(await pacing.update({ channel: open.channel ?? channel, ts: open.ts, ...notice }, 10_000)))
        throw new Error('no chat.update turn for the recovered notice');
      await redis.del(this.key(region));
      return;
    }
    if (failingForMs(h, now) < alertMinutes * 60_000) return;
    const notice = buildPollFailingNotice(h, now);
    if (open.ts) {
      await pacing.update({ channel: open.channel ?? channel, ts: open.ts, ...notice }, 10_000);
      return;
    }
    // One poster across replicas; the loser updates the message next time.
    const claimed = await redis.hsetnx(this.key(region), 'claimedAt', String(now));
    if (!claimed) return;
    try {
      const res = await pacing.post({
        channel,
        ...notice,
        unfurl_links: false,
        unfurl_media: false,
      });
      await redis.hset(
        this.key(region),
        'ts',
        String(res.ts),
        'channel',
        String(res.channel ?? channel),
        'failingSince',
        String(h.failingSince),
      );
    } catch (err) {
      await redis.del(this.key(region));
      throw err;
    }
  }
}
