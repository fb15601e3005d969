import type { AppContext } from '../context.js';
import type { CardState } from './blocks/card-state.js';

/**
 * Runs a Slack call, waiting out a 429 (the client rejects rate-limited calls rather than queueing
 * them) up to `tries` times, so a reply right after the card's post is not lost to pacing.
 */
export async function slackCall<T>(fn: () => Promise<T>, tries = 4): Promise<T> {
  for (let i = 1; ; i++) {
    try {
      return await fn();
    } catch (err) {
      const e = err as { code?: string; retryAfter?: number };
      if (e.code !== 'slack_webapi_rate_limited_error' || i >= tries) throw err;
      const waitMs = Math.min(Math.max((e.retryAfter ?? 1) * 1000, 200), 5000);
      await new Promise((r) => setTimeout(r, waitMs));
    }
  }
}

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
  const ts = r?.ts;
  if (!r) return state;
  if (!ts) {
    // Clicked before the outbox stored the post's ts: the debounced updater catches up.
    await ctx.cards.scheduleUpdate(cardId, 1000).catch(() => {});
    return state;
  }
  try {
    await slackCall(() => ctx.slack.chat.update({ channel: r.channel, ts, text: r.text, blocks: r.blocks }));
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
  ctx: Pick<AppContext, 'slack' | 'log' | 'cards'>,
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
    const res = await slackCall(() =>
      ctx.slack.chat.postMessage({
        channel,
        text,
        thread_ts: thread,
        unfurl_links: false,
        unfurl_media: false,
      }),
    );
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
    await slackCall(() => ctx.slack.chat.postEphemeral({ channel, user, text }));
  } catch (err) {
    ctx.log.warn({ err: (err as Error).message, channel, user }, 'ephemeral failed');
  }
}
