import type { WebClient } from '@slack/web-api';
import type { Logger } from '../log.js';

const PAGE = 1000;

/**
 * Is `userId` in `channel`? Pages `conversations.members` (Tier 4) until the user is found.
 * Fails closed: a channel the bot cannot read (private and the bot not in it, deleted) or a
 * Slack error counts as "not a member", so nothing is shown that should not be.
 */
export async function isChannelMember(
  slack: WebClient,
  channel: string,
  userId: string,
  log: Logger,
): Promise<boolean> {
  let cursor: string | undefined;
  try {
    do {
      const res = await slack.conversations.members({ channel, limit: PAGE, ...(cursor ? { cursor } : {}) });
      if (res.members?.includes(userId)) return true;
      cursor = res.response_metadata?.next_cursor || undefined;
    } while (cursor);
  } catch (err) {
    log.warn(
      { err: (err as Error).message, channel },
      'cannot read channel members; treating as not a member',
    );
  }
  return false;
}
