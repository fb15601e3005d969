import type { AppContext } from '../context.js';
import type { CardState } from '../slack/blocks/card-state.js';

/**
 * Changes a card's stored state (under WATCH) and re-renders it in Slack. A failed chat.update
 * (429, outage) is handed to the outbox's debounced updater so the card still catches up.
 */
export async function syncCard(
  ctx: Pick<AppContext, 'cards' | 'renderer' | 'slack' | 'log'>,
  cardId: string,
  change?: (s: CardState) => CardState | undefined,
): Promise<CardState | undefined> {
  const state = change ? await ctx.cards.updateState(cardId, change) : (await ctx.cards.get(cardId))?.state;
  const r = await ctx.renderer.render(cardId);
  if (!r?.ts) return state;
  try {
    await ctx.slack.chat.update({ channel: r.channel, ts: r.ts, text: r.text, blocks: r.blocks });
  } catch (err) {
    ctx.log.warn({ err: (err as Error).message, cardId }, 'card update failed; scheduled for later');
    await ctx.cards.scheduleUpdate(cardId, 2000).catch(() => {});
  }
  return state;
}

/** A reply in the card's thread; failures are logged, never thrown (the card already shows it). */
export async function threadReply(
  ctx: Pick<AppContext, 'slack' | 'log'>,
  channel: string,
  ts: string | undefined,
  text: string,
): Promise<string | undefined> {
  try {
    const res = await ctx.slack.chat.postMessage({
      channel,
      text,
      ...(ts ? { thread_ts: ts } : {}),
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
  ctx: Pick<AppContext, 'slack' | 'log'>,
  channel: string,
  user: string,
  text: string,
): Promise<void> {
  try {
    await ctx.slack.chat.postEphemeral({ channel, user, text });
  } catch (err) {
    ctx.log.warn({ err: (err as Error).message, channel, user }, 'ephemeral failed');
  }
}
