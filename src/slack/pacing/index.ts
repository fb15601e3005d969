import type {
  ChatPostMessageArguments,
  ChatPostMessageResponse,
  ChatUpdateArguments,
  ChatUpdateResponse,
  WebClient,
} from '@slack/web-api';
import type { Logger } from '../../log.js';
import type { Keyspace, Redis } from '../../redis.js';
import { ChannelSlots, POST_SLOT_MS } from './channel-slot.js';
import { isRateLimited, retryAfterMs } from './rate-limit.js';
import { UPDATE_GAP_MS, UpdateGap } from './update-gap.js';

export { ChannelSlots, POST_SLOT_MS, slotKey } from './channel-slot.js';
export { isRateLimited, retryAfterMs } from './rate-limit.js';
export { BACKGROUND_RESERVE, UPDATE_BURST, UPDATE_GAP_MS, UpdateGap } from './update-gap.js';

export interface PacingOptions {
  /** Gap between two posts in one channel, cluster-wide. */
  slotMs: number;
  /** One chat.update token per this many ms, cluster-wide (bursts up to UPDATE_BURST). */
  updateGapMs: number;
  /** How long a post or update outside the outbox waits for its turn before it goes anyway. */
  waitMs: number;
  /** Attempts of one call through 429s. */
  tries: number;
}

export const DEFAULT_PACING: PacingOptions = {
  slotMs: POST_SLOT_MS,
  updateGapMs: UPDATE_GAP_MS,
  waitMs: 10_000,
  tries: 4,
};

const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

/**
 * Slack pacing for every call ecs-guard makes: the per-channel post slot and the chat.update
 * token bucket (both in Redis, so replicas share them) and the one 429 wait. The outbox drives the slots
 * directly (it pops and posts under one slot); everything else posts and updates through here.
 */
export class SlackPacing {
  readonly slots: ChannelSlots;
  readonly updates: UpdateGap;
  readonly opts: PacingOptions;

  constructor(
    private readonly deps: { redis: Redis; keys: Keyspace; slack: WebClient; log: Logger },
    opts: Partial<PacingOptions> = {},
  ) {
    this.opts = { ...DEFAULT_PACING, ...opts };
    this.slots = new ChannelSlots(deps.redis, deps.keys);
    this.updates = new UpdateGap(deps.redis, deps.keys);
  }

  /**
   * chat.postMessage outside the outbox (thread replies, notices): waits for the channel's slot,
   * posts, keeps the slot for the pace; a 429 closes the channel for Retry-After, then retries.
   * After `waitMs` without a slot it posts anyway: a reply may be late, never dropped.
   */
  async post(args: ChatPostMessageArguments): Promise<ChatPostMessageResponse> {
    const { slotMs, waitMs, tries } = this.opts;
    const channel = args.channel;
    for (let attempt = 1; ; attempt++) {
      const token = await this.slots.waitFor(channel, slotMs, waitMs);
      if (!token) this.deps.log.warn({ channel }, 'no post slot in time; posting anyway');
      try {
        const res = await this.deps.slack.chat.postMessage(args);
        await this.slots.hold(channel, slotMs).catch(() => {});
        return res;
      } catch (err) {
        if (!isRateLimited(err) || attempt >= tries) {
          if (token) await this.slots.release(channel, token).catch(() => {});
          throw err;
        }
        await this.slots.hold(channel, retryAfterMs(err));
      }
    }
  }

  /**
   * chat.update within the bucket every replica shares; 429s wait out Retry-After.
   * Undefined when no turn came within `waitMs`: the caller hands the card to the debounced
   * updater rather than hold a handler (a card catches up; a click never waits long).
   */
  async update(args: ChatUpdateArguments, waitMs = 2000): Promise<ChatUpdateResponse | undefined> {
    const { updateGapMs, tries } = this.opts;
    for (let attempt = 1; ; attempt++) {
      if (!(await this.updates.waitFor(updateGapMs, waitMs))) return undefined;
      try {
        return await this.deps.slack.chat.update(args);
      } catch (err) {
        if (!isRateLimited(err) || attempt >= tries) throw err;
        await this.updates.hold(retryAfterMs(err));
      }
    }
  }

  /** Any other call (ephemerals, reads): only the 429 wait. */
  async call<T>(fn: () => Promise<T>): Promise<T> {
    for (let attempt = 1; ; attempt++) {
      try {
        return await fn();
      } catch (err) {
        if (!isRateLimited(err) || attempt >= this.opts.tries) throw err;
        await sleep(Math.min(retryAfterMs(err), 5000));
      }
    }
  }
}
