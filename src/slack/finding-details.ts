import { randomBytes } from 'node:crypto';
import type { WebClient } from '@slack/web-api';
import type { Clock } from '../clock.js';
import type { FindingStore } from '../findings/store.js';
import type { Logger } from '../log.js';
import type { Keyspace, Redis } from '../redis.js';
import { buildFindingDetails } from './blocks/finding-card.js';
import type { CardStore } from './card-store.js';
import type { SlackPacing } from './pacing/index.js';

/** A card posted longer ago than this gets its Details only when someone asks (ECS context). */
export const DETAILS_IDLE_WINDOW_MS = 15 * 60_000;
/** A claim whose post never finished (the replica died) may be taken again after this. */
const CLAIM_MS = 60_000;
/** A posted Details reply is remembered this long (cards older than that are not clicked). */
const POSTED_TTL_S = 30 * 24 * 3600;
/** A failed Details post waits this long before the idle path tries again (Slack trouble first goes to cards). */
const RETRY_MS = 10_000;
/** …at most this many times; after that it waits for a request. */
const MAX_TRIES = 3;

/**
 * The one "Details" thread reply of a finding card (lineage, hashes, files, network, description:
 * what the five-second card leaves out), posted at most once per card across replicas and
 * restarts: `SET NX` claims it, the posted ts replaces the claim.
 *
 * When: the outbox posts owed replies only when the channel's outbox is empty and its post slot
 * is free (`postDue`), so a Details reply never takes a card's place in the channel's pace;
 * otherwise the first ECS context click on the card posts it (`ensure`).
 */
export class FindingDetails {
  constructor(
    private readonly deps: {
      redis: Redis;
      keys: Keyspace;
      cards: CardStore;
      findings: FindingStore;
      slack: WebClient;
      /** For replies someone asked for (ECS context): they wait for the channel's slot. */
      pacing: SlackPacing;
      log: Logger;
      clock: Clock;
    },
  ) {}

  /** Owed replies of a channel: card id → not-before time (epoch ms). */
  private dueKey = (channel: string) => this.deps.keys('details-due', channel);
  private triesKey = (channel: string) => this.deps.keys('details-tries', channel);
  private claimKey = (cardId: string) => this.deps.keys('details', cardId);

  /** A finding card was just posted: it is owed a Details reply when the channel is quiet. */
  async owe(channel: string, cardId: string): Promise<void> {
    await this.deps.redis.zadd(this.dueKey(channel), this.deps.clock(), cardId);
  }

  /** Any Details reply owed in this channel and due now (cheap check before taking the post slot). */
  async hasDue(channel: string): Promise<boolean> {
    return (await this.deps.redis.zcount(this.dueKey(channel), '-inf', this.deps.clock())) > 0;
  }

  /**
   * Posts the oldest owed Details reply of `channel` that is due; the caller holds the channel's
   * post slot. Returns true when a Slack post was attempted (the slot is spent).
   */
  async postDue(channel: string): Promise<boolean> {
    const { redis, clock } = this.deps;
    const now = clock();
    for (let i = 0; i < 5; i++) {
      const [cardId, at] = await redis.zrangebyscore(
        this.dueKey(channel),
        '-inf',
        now,
        'WITHSCORES',
        'LIMIT',
        0,
        1,
      );
      if (!cardId) return false;
      // ZREM answers 1 to one replica only: that one owns the item.
      if ((await redis.zrem(this.dueKey(channel), cardId)) !== 1) continue;
      if (Number(at) < now - DETAILS_IDLE_WINDOW_MS) continue; // waits for a request instead
      const res = await this.post(cardId, 'slot held');
      if (res === 'posted') {
        await redis.hdel(this.triesKey(channel), cardId);
        return true;
      }
      if (res === 'failed') {
        const tries = await redis.hincrby(this.triesKey(channel), cardId, 1);
        if (tries < MAX_TRIES) await redis.zadd(this.dueKey(channel), now + RETRY_MS, cardId);
        else await redis.hdel(this.triesKey(channel), cardId);
        return true; // a post was attempted: the slot is spent
      }
    }
    return false;
  }

  /** Posts the card's Details now unless it has them (someone asked: ECS context). */
  async ensure(cardId: string): Promise<'posted' | 'already' | 'none' | 'failed'> {
    return this.post(cardId, 'paced');
  }

  /** The ts of the card's Details reply, once posted. */
  async postedTs(cardId: string): Promise<string | undefined> {
    const v = await this.deps.redis.get(this.claimKey(cardId));
    return v?.startsWith('ts:') ? v.slice(3) : undefined;
  }

  /** `slot held`: the outbox holds the channel's post slot for this reply; `paced`: take it first. */
  private async post(
    cardId: string,
    how: 'slot held' | 'paced',
  ): Promise<'posted' | 'already' | 'none' | 'failed'> {
    const { redis, cards, findings, slack, pacing, log } = this.deps;
    const card = await cards.get(cardId);
    if (card?.kind !== 'finding' || !card.findingKey || !card.ts) return 'none';
    const rec = await findings.get(card.findingKey);
    if (!rec) return 'none';
    const token = `claim:${randomBytes(6).toString('hex')}`;
    if ((await redis.set(this.claimKey(cardId), token, 'PX', CLAIM_MS, 'NX')) !== 'OK') return 'already';
    const msg = buildFindingDetails(rec.finding);
    try {
      const args = {
        channel: card.channel,
        thread_ts: card.ts,
        text: msg.text,
        blocks: msg.blocks,
        unfurl_links: false,
        unfurl_media: false,
      };
      const res = how === 'paced' ? await pacing.post(args) : await slack.chat.postMessage(args);
      await redis.set(this.claimKey(cardId), `ts:${res.ts}`, 'EX', POSTED_TTL_S);
      return 'posted';
    } catch (err) {
      log.warn({ err: (err as Error).message, cardId }, 'details reply failed; will retry');
      await redis.del(this.claimKey(cardId)).catch(() => {});
      return 'failed';
    }
  }
}
