import type { AppContext } from '../context.js';
import type { CardState } from './blocks/card-state.js';

/**
 * Changes a card's stored state (under WATCH) and re-renders it in Slack. A failed chat.update
 * (429, outage) is handed to the outbox's debounced updater so the card still catches up.
 */
export async function syncCard(
  ctx: Pick<AppContext, 'cards' | 'renderer' | 'pacing' | 'log'>,
  cardId: string,
  change?: (s: CardState) => CardState | undefined,
): Promise<CardState | undefined> {
  const state = change ? await ctx.cards.updateState(cardId, change) : (await ctx.cards.get(cardId))?.state;
  const r = await ctx.renderer.render(cardId);
  const ts = r?.ts;
  if (!r) return state;
  if (!ts) {
    // Clicked before the outbox stored the post's ts: the debounced updater catches up.
    await ctx.cards.scheduleUpdate(cardId, 1000).catch(() => {});
    return state;
  }
  try {
    const done = await ctx.pacing.update({ channel: r.channel, ts, text: r.text, blocks: r.blocks });
    // Other updates had the turns: the debounced updater applies this one at the shared pace.
    if (!done) await ctx.cards.scheduleUpdate(cardId, ctx.pacing.opts.updateGapMs).catch(() => {});
  } catch (err) {
    ctx.log.warn({ err: (err as Error).message, cardId }, 'card update failed; scheduled for later');
    await ctx.cards.scheduleUpdate(cardId, 2000).catch(() => {});
  }
  return state;
}

/**
 * A reply in the card's thread; failures are logged, never thrown (the card already shows it).
 * Without a known thread ts nothing is posted: a reply must never land top-level in the channel.
 */
export async function threadReply(
  ctx: Pick<AppContext, 'pacing' | 'log' | 'cards'>,
  channel: string,
  ts: string | undefined,
  text: string,
  cardId?: string,
): Promise<string | undefined> {
  const thread = (cardId ? (await ctx.cards.get(cardId))?.ts : undefined) ?? ts;
  if (!thread) {
    ctx.log.warn({ channel, cardId }, 'thread reply skipped: the card has no ts yet');
    return undefined;
  }
  try {
    const res = await ctx.pacing.post({
      channel,
      text,
      thread_ts: thread,
      unfurl_links: false,
      unfurl_media: false,
    });
    return res.ts;
  } catch (err) {
    ctx.log.warn({ err: (err as Error).message, channel }, 'thread reply failed');
    return undefined;
  }
}

/** A message only `user` sees. */
export async function ephemeral(
  ctx: Pick<AppContext, 'slack' | 'pacing' | 'log'>,
  channel: string,
  user: string,
  text: string,
): Promise<void> {
  try {
    await ctx.pacing.call(() => ctx.slack.chat.postEphemeral({ channel, user, text }));
  } catch (err) {
    ctx.log.warn({ err: (err as Error).message, channel, user }, 'ephemeral failed');
  }
}
