import { randomBytes } from 'node:crypto';
import type { AwsClients } from '../aws/clients.js';
import type { Clock } from '../clock.js';
import type { Logger } from '../log.js';
import type { Metrics } from '../metrics.js';
import type { Keyspace, Redis } from '../redis.js';
import type { Service } from '../service.js';
import { GD_BATCH, getFindings } from './get-findings.js';
import type { DetectorAccounts } from './members.js';
import type { Pipeline } from './pipeline.js';
import type { Poller } from './poller.js';

/** What a pushed event is allowed to say: "look at finding `id` of `accountId` in `region`". */
export interface PushHint {
  id: string;
  accountId: string;
  region: string;
}

export interface EnqueueResult {
  queued: number;
  duplicate: number;
  /** Refused because the region's verification queue is full (the caller answers 429). */
  full: number;
}

/** Hints waiting per region at most: 100 GetFindings calls of 50. A flood beyond it is refused, not buffered. */
export const VERIFY_QUEUE_MAX = 5000;
const TICK_MS = 200;
/** A replica verifying a region holds its lock this long (renewed per batch); a crashed one's lapses. */
const LOCK_MS = 30_000;
const RELEASE = `if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) end return 0`;
/** Batches per region per tick, so one region's flood cannot starve the others. */
const BATCHES_PER_TICK = 4;

// Adds hints (ARGV[3..]) to one region's queue (one key) at time ARGV[2]: already waiting →
// duplicate; ARGV[1] waiting already → refused as full.
const ENQUEUE = `
local queued, dup, full = 0, 0, 0
local size = redis.call('ZCARD', KEYS[1])
for i = 3, #ARGV do
  if redis.call('ZSCORE', KEYS[1], ARGV[i]) then
    dup = dup + 1
  elseif size >= tonumber(ARGV[1]) then
    full = full + 1
  else
    redis.call('ZADD', KEYS[1], ARGV[2], ARGV[i])
    size = size + 1
    queued = queued + 1
  end
end
return {queued, dup, full}
`;

/**
 * Pushed events are hints, never facts. Each hint waits in a bounded, deduplicated per-region queue
 * (Redis, separate from the channel outboxes), and is verified in batches: accounts outside the
 * administrator detector's own account and members are refused, the rest are re-read with
 * GetFindings (the poller's code) and only what GuardDuty returns enters the pipeline. An id
 * GuardDuty does not know posts nothing; it is logged and counted. A flood of fake hints therefore
 * costs GetFindings calls at most, never a place ahead of real findings in a channel's outbox.
 *
 * A hint leaves the queue only after its batch was verified and ingested: a failure or a crash
 * leaves it for the next try (the poll would find a real finding anyway).
 */
export class PushVerifier {
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<void> | undefined;
  private stopped = false;

  constructor(
    private readonly deps: {
      redis: Redis;
      keys: Keyspace;
      aws: AwsClients;
      poller: Pick<Poller, 'detectorId'>;
      accounts: DetectorAccounts;
      pipeline: Pipeline;
      regions: readonly string[];
      log: Logger;
      metrics?: Metrics;
      clock: Clock;
      maxQueued?: number;
    },
  ) {}

  private queueKey(region: string): string {
    return this.deps.keys('push', 'verify', region);
  }

  async enqueue(hints: PushHint[]): Promise<EnqueueResult> {
    const byRegion = new Map<string, string[]>();
    for (const h of hints) {
      const members = byRegion.get(h.region) ?? [];
      members.push(`${h.accountId}:${h.id}`);
      byRegion.set(h.region, members);
    }
    const out: EnqueueResult = { queued: 0, duplicate: 0, full: 0 };
    for (const [region, members] of byRegion) {
      const [q, d, f] = (await this.deps.redis.eval(
        ENQUEUE,
        1,
        this.queueKey(region),
        String(this.deps.maxQueued ?? VERIFY_QUEUE_MAX),
        String(this.deps.clock()),
        ...members,
      )) as [number, number, number];
      out.queued += q;
      out.duplicate += d;
      out.full += f;
    }
    const m = this.deps.metrics?.pushedEvents;
    if (out.queued) m?.inc({ outcome: 'queued' }, out.queued);
    if (out.duplicate) m?.inc({ outcome: 'duplicate' }, out.duplicate);
    if (out.full) m?.inc({ outcome: 'full' }, out.full);
    return out;
  }

  /** Hints waiting in a region (for tests and /ecs-guard status). */
  waiting(region: string): Promise<number> {
    return this.deps.redis.zcard(this.queueKey(region));
  }

  /**
   * Verifies what is waiting in `region`, up to `maxBatches` batches of 50; returns hints handled.
   * One replica at a time per region (a lock key); a batch leaves the queue only once verified and
   * ingested, so an AWS or Redis failure (or a crash) leaves it to be tried again.
   */
  async drain(region: string, maxBatches = Number.POSITIVE_INFINITY): Promise<number> {
    const { redis } = this.deps;
    const lock = this.deps.keys('push', 'verify-lock', region);
    const token = randomBytes(8).toString('hex');
    if ((await redis.set(lock, token, 'PX', LOCK_MS, 'NX')) !== 'OK') return 0;
    let handled = 0;
    try {
      for (let b = 0; b < maxBatches; b++) {
        const members = await redis.zrange(this.queueKey(region), '0', String(GD_BATCH - 1));
        if (!members.length) break;
        const hints = members.map((member) => {
          const at = member.indexOf(':');
          return { accountId: member.slice(0, at), id: member.slice(at + 1) };
        });
        try {
          await this.verify(region, hints);
        } catch (err) {
          // GuardDuty refusing the request itself (400) would refuse it forever: drop, do not wedge the queue.
          const refused = (err as { name?: string }).name === 'BadRequestException';
          this.deps.log.warn(
            { region, err: (err as Error).message, hints: hints.length },
            refused
              ? 'GuardDuty refused to verify pushed events; dropped'
              : 'push verification failed; will retry',
          );
          if (!refused) break;
          this.deps.metrics?.pushedEvents.inc({ outcome: 'unverifiable' }, hints.length);
        }
        await redis.zrem(this.queueKey(region), ...members);
        await redis.pexpire(lock, LOCK_MS);
        handled += members.length;
      }
    } finally {
      await redis.eval(RELEASE, 1, lock, token).catch(() => {});
    }
    return handled;
  }

  private async verify(region: string, hints: { accountId: string; id: string }[]): Promise<void> {
    const { aws, poller, accounts, pipeline, log, metrics } = this.deps;
    const gd = await aws.guardDuty({ region });
    const detectorId = await poller.detectorId(gd, region);
    if (!detectorId) {
      metrics?.pushedEvents.inc({ outcome: 'no-detector' }, hints.length);
      log.warn(
        { region, hints: hints.length },
        'pushed events for a region without a GuardDuty detector dropped',
      );
      return;
    }
    const allowed = await accounts.allowed(gd, detectorId, region);
    const refused = hints.filter((h) => !allowed.has(h.accountId));
    if (refused.length) {
      metrics?.pushedEvents.inc({ outcome: 'refused-account' }, refused.length);
      log.warn(
        {
          region,
          count: refused.length,
          accounts: [...new Set(refused.map((h) => h.accountId))].slice(0, 10),
        },
        'pushed events refused: account is not the administrator or one of its members',
      );
    }
    const ids = hints.filter((h) => allowed.has(h.accountId)).map((h) => h.id);
    if (!ids.length) return;
    const { findings, missing } = await getFindings(gd, detectorId, ids);
    if (missing.length) {
      metrics?.pushedEvents.inc({ outcome: 'unknown' }, missing.length);
      log.warn(
        { region, count: missing.length, findingIds: missing.slice(0, 10) },
        'pushed events name findings GuardDuty does not have; nothing posted',
      );
    }
    if (findings.length) {
      metrics?.pushedEvents.inc({ outcome: 'verified' }, findings.length);
      await pipeline.ingestRaw(findings, 'push');
    }
  }

  private async tick(): Promise<void> {
    for (const region of this.deps.regions) {
      if (this.stopped) return;
      await this.drain(region, BATCHES_PER_TICK).catch((err: unknown) =>
        this.deps.log.warn({ region, err: (err as Error).message }, 'push verifier tick failed'),
      );
    }
  }

  start(): Service {
    const loop = () => {
      if (this.stopped) return;
      this.running = this.tick().finally(() => {
        if (!this.stopped) this.timer = setTimeout(loop, TICK_MS);
      });
    };
    this.timer = setTimeout(loop, TICK_MS);
    return {
      name: 'push-verifier',
      close: async () => {
        this.stopped = true;
        if (this.timer) clearTimeout(this.timer);
        await this.running;
      },
    };
  }
}
