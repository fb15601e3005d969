import type { WebClient } from '@slack/web-api';
import type { Clock } from '../clock.js';
import { type GroupMember, memberOf } from '../findings/group-key.js';
import type { IncidentLinks } from '../findings/incident-links.js';
import type { FindingRecord, FindingStore } from '../findings/store.js';
import { newCardId } from '../findings/store.js';
import type { Logger } from '../log.js';
import type { Metrics } from '../metrics.js';
import type { CardRenderer } from './card-renderer.js';
import { type CardStore, newGroupId } from './card-store.js';
import type { FindingDetails } from './finding-details.js';
import {
  BACKGROUND_RESERVE,
  isRateLimited,
  POST_SLOT_MS,
  retryAfterMs,
  type SlackPacing,
  UPDATE_GAP_MS,
} from './pacing/index.js';
import { slackErrorCode } from './web-client.js';

export interface OutboxOptions {
  /** Minimum gap between two posts in one channel, cluster-wide. Slack allows about 1/s. */
  slotMs: number;
  /** A backlog longer than this many posts (≈ seconds) turns same-type findings into group cards. */
  groupAfter: number;
  /** This many queued findings of one type on one service make a group card even without a backlog. */
  groupSame: number;
  /** How often an idle drainer looks for work. */
  tickMs: number;
  /** Minimum gap between two `chat.update` calls (Tier 3: about 50 a minute per workspace). */
  updateGapMs: number;
  /**
   * An item popped longer ago than this and still not posted belongs to a replica that died (or
   * lost Redis) mid-post: it goes back to the outbox. Must exceed the longest post attempt.
   */
  inflightTimeoutMs: number;
}

export const DEFAULT_OUTBOX_OPTIONS: OutboxOptions = {
  slotMs: POST_SLOT_MS,
  groupAfter: 60,
  groupSame: 5,
  tickMs: 100,
  updateGapMs: UPDATE_GAP_MS,
  inflightTimeoutMs: 120_000,
};

const PERMANENT = new Set([
  'channel_not_found',
  'not_in_channel',
  'is_archived',
  'invalid_blocks',
  'msg_too_long',
]);

/**
 * Drains every channel's outbox at Slack's pace and applies debounced card updates. Runs in every
 * replica; Redis slots make the pace and the ownership of each item cluster-wide.
 */
export class Outbox {
  private timer?: NodeJS.Timeout;
  private running?: Promise<void>;
  private stopped = true;
  private nextRecoverAt = 0;
  private readonly attempts = new Map<string, number>();
  /** Ids this process took but could not finish handling, per channel (see recoverInflight). */
  private readonly orphans = new Map<string, Set<string>>();

  constructor(
    private readonly deps: {
      findings: FindingStore;
      cards: CardStore;
      renderer: CardRenderer;
      /** Owed Details thread replies, posted only when the channel's outbox is idle. */
      details?: FindingDetails;
      /** Incident ⇄ cited-finding links: a posted card refreshes the cards it links with. */
      incidents?: IncidentLinks;
      /**
       * A single finding card about to be rendered for its post (again after a failed post): sets
       * what its first post must show (auto-contain's window) and queues slower work (blast radius).
       * Idempotent; a failure is logged and the card is posted anyway.
       */
      cardCreated?: (cardId: string, finding: FindingRecord['finding']) => Promise<void>;
      slack: WebClient;
      /** The channel slots and update turn, shared with every other Slack call and replica. */
      pacing: SlackPacing;
      log: Logger;
      metrics?: Metrics;
      clock: Clock;
    },
    private readonly opts: OutboxOptions = DEFAULT_OUTBOX_OPTIONS,
  ) {}

  start(): void {
    if (!this.stopped) return;
    this.stopped = false;
    const loop = async () => {
      if (this.stopped) return;
      this.running = this.tick().catch((err) => this.deps.log.error({ err }, 'outbox tick failed'));
      await this.running;
      if (!this.stopped) this.timer = setTimeout(loop, this.opts.tickMs);
    };
    this.timer = setTimeout(loop, 0);
  }

  /** Stops taking new items and waits for the post in flight. */
  async stop(): Promise<void> {
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
    await this.running;
  }

  /** One pass: at most one post per channel (plus any items that join an open group), then updates. */
  async tick(): Promise<void> {
    const channels = await this.deps.findings.channels();
    await this.recoverInflight(channels);
    await Promise.all(channels.map((c) => this.drainChannel(c)));
    await this.applyUpdates();
  }

  /**
   * Puts back items this process took when an error cut their handling short (at once), and now
   * and then items a dead replica popped and never posted (else they are lost).
   */
  private async recoverInflight(channels: string[]): Promise<void> {
    for (const [channel, ids] of this.orphans) {
      await this.deps.findings.recoverInflight(channel, 0, [...ids]);
      this.orphans.delete(channel);
    }
    const now = this.deps.clock();
    if (now < this.nextRecoverAt) return;
    this.nextRecoverAt = now + Math.min(30_000, Math.max(500, this.opts.inflightTimeoutMs / 2));
    for (const channel of channels) {
      const n = await this.deps.findings.recoverInflight(channel, this.opts.inflightTimeoutMs);
      if (n) this.deps.log.warn({ channel, recovered: n }, 'requeued findings a stopped replica had taken');
    }
  }

  private async drainChannel(channel: string): Promise<void> {
    for (let i = 0; i < 1000; i++) {
      const taken = await this.deps.findings.take(channel, this.opts.slotMs);
      if (!taken) {
        await this.postIdleDetails(channel);
        return;
      }
      const took = [taken.id];
      let posted: boolean;
      try {
        posted = await this.handle(channel, taken, took);
      } catch (err) {
        // Redis went away mid-item: put back what this process took as soon as Redis answers,
        // rather than waiting for the inflight timeout meant for dead replicas.
        const set = this.orphans.get(channel) ?? new Set<string>();
        for (const id of took) set.add(id);
        this.orphans.set(channel, set);
        throw err;
      }
      if (posted) return;
      // Nothing was posted (joined a group, or stale item): give the slot back and go on.
      await this.deps.pacing.slots.release(channel, taken.token);
    }
  }

  /**
   * An empty outbox, no card owed a re-post and a free post slot: one owed Details reply may use
   * the slot. A card queued meanwhile waits at most one slot, and never loses its place to a
   * Details reply.
   */
  private async postIdleDetails(channel: string): Promise<void> {
    const { details, findings } = this.deps;
    if (!details || !(await details.hasDue(channel))) return;
    if ((await findings.backlog(channel)) > 0) return;
    if (await this.deps.cards.hasOwedPost(channel)) return;
    const { slots } = this.deps.pacing;
    const token = await slots.acquire(channel, this.opts.slotMs);
    if (!token) return;
    let posted = false;
    try {
      posted = await details.postDue(channel);
    } finally {
      if (posted) await slots.hold(channel, this.opts.slotMs).catch(() => {});
      else await slots.release(channel, token);
    }
  }

  /** Returns true when a Slack post was attempted (the slot is spent). */
  private async handle(
    channel: string,
    taken: { id: string; score: number },
    took: string[],
  ): Promise<boolean> {
    const { findings, cards } = this.deps;
    const rec = await findings.get(taken.id);
    if (!rec || (rec.state !== 'queued' && rec.state !== 'posting')) {
      await findings.done(channel, [taken.id]);
      return false;
    }
    const openGroupId = await cards.openGroup(channel, rec.groupKey);
    if (openGroupId) {
      await this.joinGroup(channel, openGroupId, [rec]);
      return false;
    }
    const backlog = await findings.backlog(channel);
    let others: GroupMember[] = [];
    const similar = await findings.queuedInGroup(channel, rec.groupKey);
    if (backlog + 1 > this.opts.groupAfter || similar >= this.opts.groupSame) {
      // Only the small member lines are read: a 5,000-finding group must not load 5,000 findings.
      const ids = (await findings.takeGroup(channel, rec.groupKey)).filter((key) => key !== rec.key);
      took.push(...ids);
      others = (await findings.membersOf(ids))
        .filter((m) => m.state === 'queued' && m.member)
        .map((m) => m.member as GroupMember);
    } else {
      await findings.dropFromGroupIndex(channel, rec.groupKey, rec.key);
    }
    if (others.length) await this.postGroup(channel, rec, others);
    else await this.postSingle(channel, rec, taken.score);
    return true;
  }

  private async joinGroup(channel: string, groupId: string, recs: FindingRecord[]): Promise<void> {
    const { findings, cards } = this.deps;
    const group = await cards.getGroupHeader(groupId);
    if (!group) return;
    await cards.addToGroup(
      groupId,
      channel,
      group.groupKey,
      recs.map((r) => memberOf(r.finding)),
    );
    const ids = recs.map((r) => r.key);
    await findings.markMany(ids, { state: 'grouped', cardId: group.cardId });
    for (const r of recs) await findings.dropFromGroupIndex(channel, r.groupKey, r.key);
    await findings.done(channel, ids);
    await cards.scheduleUpdate(group.cardId, 2000);
    this.deps.metrics?.findingsGrouped.inc(recs.length);
  }

  private async postSingle(channel: string, rec: FindingRecord, score: number): Promise<void> {
    const { findings, cards, renderer } = this.deps;
    const id = rec.key;
    let cardId = rec.cardId;
    if (!cardId) {
      cardId = newCardId();
      await cards.create({ cardId, kind: 'finding', findingKey: id, channel, state: { cardId } });
      await findings.markCard(id, { state: 'posting', cardId });
    }
    await this.deps
      .cardCreated?.(cardId, rec.finding)
      .catch((err: unknown) =>
        this.deps.log.warn({ err: (err as Error).message, cardId }, 'card hook failed'),
      );
    const rendered = await renderer.render(cardId);
    if (!rendered) return;
    const ok = await this.post(channel, rendered, [{ id, score, groupKey: rec.groupKey }]);
    if (!ok) return;
    await this.persist('card posted', async () => {
      await cards.setTs(cardId, ok);
      await findings.markCard(id, { state: 'posted', ts: ok });
      await findings.done(channel, [id]);
    });
    this.deps.metrics?.cardsPosted.inc();
    this.deps.log.info({ findingId: rec.finding.id, channel, cardId, ts: ok }, 'card posted');
    const warn = (what: string) => (err: unknown) =>
      this.deps.log.warn({ err: (err as Error).message, cardId }, what);
    // An incident card has no Details reply: what it has is on the card.
    if (!rec.finding.sequence)
      await this.deps.details?.owe(channel, cardId).catch(warn('cannot queue details'));
    await this.deps.incidents?.cardPosted(rec.finding).catch(warn('cannot refresh linked cards'));
  }

  private async postGroup(channel: string, first: FindingRecord, others: GroupMember[]): Promise<void> {
    const { findings, cards, renderer } = this.deps;
    const groupId = newGroupId();
    const cardId = newCardId();
    const members = [memberOf(first.finding), ...others];
    await cards.createGroup(
      { groupId, groupKey: first.groupKey, channel, cardId, first: first.finding },
      members,
    );
    await cards.create({ cardId, kind: 'group', groupId, channel, state: { cardId } });
    const ids = members.map((m) => m.key);
    await findings.markMany(ids, { state: 'grouped', cardId });
    await findings.done(channel, ids);
    this.deps.metrics?.cardsGrouped.inc();
    this.deps.metrics?.findingsGrouped.inc(members.length);
    const rendered = await renderer.render(cardId);
    if (!rendered) return;
    const ts = await this.post(channel, rendered, []);
    if (ts) {
      await this.persist('group card posted', () => cards.setTs(cardId, ts));
      this.deps.log.info(
        { channel, cardId, groupKey: first.groupKey, members: ids.length },
        'group card posted',
      );
    } else {
      // The members are safely in the group; post the group card on a later slot.
      await cards.markPostFailed(cardId);
      await cards.scheduleUpdate(cardId, 1000);
    }
  }

  /**
   * Posts; on failure puts `requeue` items back (a 429 also blocks the channel for Retry-After).
   * Returns the message ts or undefined.
   */
  private async post(
    channel: string,
    card: { text: string; blocks: unknown[] },
    requeue: { id: string; score: number; groupKey: string }[],
  ): Promise<string | undefined> {
    const { findings, slack, log } = this.deps;
    try {
      const res = await slack.chat.postMessage({
        channel,
        text: card.text,
        blocks: card.blocks as never,
        unfurl_links: false,
        unfurl_media: false,
      });
      for (const r of requeue) this.attempts.delete(r.id);
      // The pace counts from when Slack got the post, not from when the item was taken. Best
      // effort: the post succeeded, so a Redis hiccup here must not turn into a re-post.
      await this.deps.pacing.slots.hold(channel, this.opts.slotMs).catch(() => {});
      return res.ts as string;
    } catch (err) {
      if (isRateLimited(err)) {
        log.warn({ channel, retryAfter: err.retryAfter }, 'slack rate limited; holding channel');
        await this.deps.pacing.slots.hold(channel, retryAfterMs(err));
        await findings.requeue(channel, requeue);
        return undefined;
      }
      const code = slackErrorCode(err);
      const tries = (this.attempts.get(requeue[0]?.id ?? '') ?? 0) + 1;
      if (code && PERMANENT.has(code)) {
        log.error({ channel, code, ids: requeue.map((r) => r.id) }, 'slack refused the card; marked failed');
        for (const r of requeue) await findings.markCard(r.id, { state: 'failed' });
        await findings.done(
          channel,
          requeue.map((r) => r.id),
        );
        return undefined;
      }
      log.warn({ channel, code, tries }, 'card post failed; will retry');
      for (const r of requeue) this.attempts.set(r.id, tries);
      await this.deps.pacing.slots.hold(channel, Math.min(30_000, 1000 * 2 ** Math.min(tries, 5)));
      await findings.requeue(channel, requeue);
      return undefined;
    }
  }

  /**
   * Records what Slack already accepted. Slack has the message now, so giving up here (Redis
   * restarting, say) would post it a second time later: keep the ts in memory and retry until
   * Redis takes it (bounded, so shutdown is not held forever).
   */
  private async persist(what: string, write: () => Promise<void>): Promise<void> {
    for (let attempt = 1; ; attempt++) {
      try {
        await write();
        return;
      } catch (err) {
        if (attempt >= 60) throw err;
        this.deps.log.warn(
          { err: (err as Error).message, attempt, what },
          'cannot record a posted card yet; retrying',
        );
        await new Promise((r) => setTimeout(r, Math.min(2000, 100 * attempt)));
      }
    }
  }

  /**
   * Applies one due card update (repeats, group growth, archived) when the cluster-wide update
   * turn is free, or posts a card still owed its first post when its channel's slot is.
   */
  private async applyUpdates(): Promise<void> {
    const { cards, renderer, slack, log, pacing } = this.deps;
    const [cardId] = await cards.claimDueUpdates(1);
    if (!cardId) return;
    const card = await cards.get(cardId);
    if (!card) return;
    if (!card.ts && !(card.kind !== 'finding' && card.postFailed)) {
      await cards.scheduleUpdate(cardId, 1000); // first post still in flight
      return;
    }
    // A group card whose first post failed, or a new coverage card: it needs the channel's slot.
    const slot = card.ts ? undefined : await pacing.slots.acquire(card.channel, this.opts.slotMs);
    if (!card.ts && !slot) {
      await cards.scheduleUpdate(cardId, 500);
      return;
    }
    if (card.ts && !(await pacing.updates.take(this.opts.updateGapMs, BACKGROUND_RESERVE))) {
      await cards.scheduleUpdate(cardId, 250);
      return;
    }
    const rendered = await renderer.render(card);
    if (!rendered) {
      if (slot) await pacing.slots.release(card.channel, slot);
      return;
    }
    try {
      if (card.ts) {
        await slack.chat.update({
          channel: card.channel,
          ts: card.ts,
          text: rendered.text,
          blocks: rendered.blocks,
        });
        this.deps.metrics?.cardsUpdated.inc();
      } else {
        const res = await slack.chat.postMessage({
          channel: card.channel,
          text: rendered.text,
          blocks: rendered.blocks,
          unfurl_links: false,
        });
        await this.persist('group card posted', () => cards.setTs(cardId, res.ts as string));
        await pacing.slots.hold(card.channel, this.opts.slotMs).catch(() => {});
      }
    } catch (err) {
      if (isRateLimited(err)) {
        if (card.ts) await pacing.updates.hold(retryAfterMs(err));
        else await pacing.slots.hold(card.channel, retryAfterMs(err));
        await cards.scheduleUpdate(cardId, retryAfterMs(err));
        return;
      }
      log.warn({ err, cardId }, 'card update failed; will retry');
      await cards.scheduleUpdate(cardId, 5000);
    }
  }
}
