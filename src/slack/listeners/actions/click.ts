import type { AuditTarget } from '../../../audit/record.js';
import type { AppContext } from '../../../context.js';
import { ephemeral } from '../../card-sync.js';

/** What a handler needs from a button click; the value is an opaque id, nothing else is trusted. */
export interface Click {
  userId: string;
  userName?: string;
  channelId: string;
  messageTs?: string;
  /** The button's value: a card id or a request id, to be looked up server-side. */
  value: string;
  /** The workspace the click was made in, and the clicking user's own (see click-origin.ts). */
  teamId?: string;
  userTeamId?: string;
  /** For opening a modal (views.open) in answer to this click. */
  triggerId?: string;
  /** Inputs of the clicked message (`state.values`: block id → action id → value), e.g. plan checkboxes. */
  state?: Record<string, Record<string, unknown>>;
  /** The clicked message's response_url (a slash-command plan is answered through it). */
  responseUrl?: string;
}

/** Bolt's `respond`: a message through the clicked message's response_url. */
export type Respond = (m: Record<string, unknown>) => Promise<unknown>;

/** What a handler gets beside the click: the respond function and the bot's own workspace. */
export interface ClickMeta {
  respond: Respond;
  botTeamId: string | undefined;
}

const USER_RE = /^[UW][A-Z0-9]{2,}$/;

/** Extracts a Click from a Bolt block_actions body; undefined when it is not a usable click. */
export function clickFrom(body: unknown, action: unknown): Click | undefined {
  const b = body as {
    user?: { id?: string; name?: string; username?: string; team_id?: string };
    team?: { id?: string } | null;
    channel?: { id?: string };
    container?: { channel_id?: string; message_ts?: string };
    message?: { ts?: string };
    trigger_id?: string;
    response_url?: string;
    state?: { values?: Record<string, Record<string, unknown>> };
  };
  const userId = b.user?.id;
  const channelId = b.channel?.id ?? b.container?.channel_id;
  if (!userId || !USER_RE.test(userId) || !channelId) return undefined;
  const value = (action as { value?: unknown })?.value;
  const name = b.user?.username ?? b.user?.name;
  const ts = b.container?.message_ts ?? b.message?.ts;
  const teamId = b.team?.id;
  const userTeamId = b.user?.team_id;
  return {
    userId,
    channelId,
    value: typeof value === 'string' ? value.slice(0, 200) : '',
    ...(typeof teamId === 'string' ? { teamId } : {}),
    ...(typeof userTeamId === 'string' ? { userTeamId } : {}),
    ...(name ? { userName: name.slice(0, 80) } : {}),
    ...(ts ? { messageTs: ts } : {}),
    ...(typeof b.trigger_id === 'string' ? { triggerId: b.trigger_id.slice(0, 200) } : {}),
    ...(b.state?.values && typeof b.state.values === 'object' ? { state: b.state.values } : {}),
    ...(typeof b.response_url === 'string' ? { responseUrl: b.response_url } : {}),
  };
}

export const actor = (c: Click) => ({ id: c.userId, ...(c.userName ? { name: c.userName } : {}) });

/** A message only the clicker sees, in the channel they clicked in. */
export function tellClicker(ctx: AppContext, click: Click, text: string): Promise<void> {
  return ephemeral(ctx, click.channelId, click.userId, text);
}

/**
 * A refused click: the person is told why (ephemeral), and the refusal is on the record.
 */
export async function refuse(
  ctx: AppContext,
  click: Click,
  action: string,
  reason: string,
  target: AuditTarget = {},
): Promise<void> {
  await ctx.audit.append({
    actor: actor(click),
    action,
    event: 'refused',
    target,
    outcome: 'denied',
    reason,
    ...(click.value ? { detail: { value: click.value.slice(0, 64) } } : {}),
  });
  ctx.metrics.actions.inc({ action, outcome: 'refused' });
  await tellClicker(ctx, click, `:no_entry: ${reason}`);
}
