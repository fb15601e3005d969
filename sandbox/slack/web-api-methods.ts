/**
 * The Web API methods the emulator answers, each a function of the workspace and the decoded
 * call arguments, answering in Slack's shape: `{ ok: true, ... }` or `{ ok: false, error }`.
 */
import { checkMessage, checkView, type SlackRejection } from './message-rules.js';
import type { ChannelPacer } from './pacing.js';
import { type StoredMessage, shownMessage, type Workspace } from './workspace.js';

export type Obj = Record<string, unknown>;

export interface Reply {
  status: number;
  body: Obj;
  headers?: Record<string, string>;
}

export interface MethodEnv {
  ws: Workspace;
  pacer: ChannelPacer;
  baseUrl: string;
  /** Epoch ms of every accepted chat.postMessage, per channel (for postRateReport). */
  postTimes: Map<string, number[]>;
}

type Method = (env: MethodEnv, args: Obj) => Reply;

/** A trigger_id is valid once, for 3 seconds (docs: "within 3 seconds of receiving it"). */
export const TRIGGER_TTL_MS = 3000;

const ok = (body: Obj = {}): Reply => ({ status: 200, body: { ok: true, ...body } });
const fail = (error: string, messages?: string[]): Reply => ({
  status: 200,
  body: messages ? { ok: false, error, response_metadata: { messages } } : { ok: false, error },
});
const rejected = (r: SlackRejection): Reply => fail(r.error, r.messages);
const str = (v: unknown): string | undefined => (typeof v === 'string' && v !== '' ? v : undefined);

/** The message as Slack returns it in API answers (without emulator bookkeeping). */
export function publicMessage(m: StoredMessage): Obj {
  const out: Obj = shownMessage(m);
  if (m.reply_count > 0) out.reply_count = m.reply_count;
  if (m.edited) out.edited = m.edited;
  return out;
}

function messageFields(args: Obj): { text?: string; blocks?: unknown[]; attachments?: unknown[] } {
  const out: { text?: string; blocks?: unknown[]; attachments?: unknown[] } = {};
  if (typeof args.text === 'string') out.text = args.text;
  if (Array.isArray(args.blocks)) out.blocks = args.blocks;
  if (Array.isArray(args.attachments)) out.attachments = args.attachments;
  return out;
}

const postMessage: Method = (env, args) => {
  const channelArg = str(args.channel);
  if (!channelArg) return fail('channel_not_found');
  const channel = env.ws.resolveChannel(channelArg);
  if (!channel) return fail('channel_not_found');
  const bad = checkMessage(args);
  if (bad) return rejected(bad);
  const threadTs = str(args.thread_ts);
  if (threadTs && !env.ws.message(channel.id, threadTs)) return fail('thread_not_found');
  const pace = env.pacer.take(channel.id);
  if (!pace.ok) {
    return {
      status: 429,
      body: { ok: false, error: 'ratelimited' },
      headers: { 'retry-after': String(pace.retryAfterSeconds) },
    };
  }
  const msg = env.ws.storeMessage(
    channel.id,
    { ...messageFields(args), ...(threadTs ? { thread_ts: threadTs } : {}) },
    'chat.postMessage',
  );
  const times = env.postTimes.get(channel.id) ?? [];
  times.push(msg.postedAt);
  env.postTimes.set(channel.id, times);
  return ok({ channel: channel.id, ts: msg.ts, message: publicMessage(msg) });
};

const update: Method = (env, args) => {
  const channel = str(args.channel);
  const ts = str(args.ts);
  if (!channel || !env.ws.resolveChannel(channel)) return fail('channel_not_found');
  const msg = ts ? env.ws.message(channel, ts) : undefined;
  if (!msg) return fail('message_not_found');
  const fields = messageFields(args);
  // chat.update without text or blocks has nothing to change: Slack answers no_text.
  const bad = checkMessage({ text: fields.text ?? msg.text, ...fields });
  if (bad) return rejected(bad);
  env.ws.updateMessage(msg, fields);
  return ok({ channel, ts: msg.ts, text: msg.text, message: publicMessage(msg) });
};

const del: Method = (env, args) => {
  const channel = str(args.channel);
  const ts = str(args.ts);
  if (!channel || !env.ws.resolveChannel(channel)) return fail('channel_not_found');
  if (!ts || !env.ws.deleteMessage(channel, ts)) return fail('message_not_found');
  return ok({ channel, ts });
};

const postEphemeral: Method = (env, args) => {
  const channelArg = str(args.channel);
  const channel = channelArg ? env.ws.resolveChannel(channelArg) : undefined;
  if (!channel) return fail('channel_not_found');
  const user = str(args.user);
  // Any well-formed user id is accepted (tests need not register every clicker); a channel id
  // or garbage in `user` is the bug this catches.
  if (!user || !/^[UW][A-Z0-9_]+$/.test(user)) return fail('user_not_in_channel');
  const known = env.ws.users.get(user);
  if (known?.deleted) return fail('user_not_in_channel');
  const bad = checkMessage(args);
  if (bad) return rejected(bad);
  const threadTs = str(args.thread_ts);
  const eph = env.ws.storeEphemeral({
    channel: channel.id,
    user,
    text: messageFields(args).text,
    blocks: messageFields(args).blocks,
    attachments: messageFields(args).attachments,
    ...(threadTs ? { thread_ts: threadTs } : {}),
    via: 'chat.postEphemeral',
  });
  return ok({ message_ts: eph.ts });
};

const getPermalink: Method = (env, args) => {
  const channel = str(args.channel);
  const ts = str(args.message_ts);
  if (!channel || !env.ws.resolveChannel(channel)) return fail('channel_not_found');
  if (!ts || !env.ws.message(channel, ts)) return fail('message_not_found');
  return ok({ channel, permalink: `${env.baseUrl}/archives/${channel}/p${ts.replace('.', '')}` });
};

const viewsOpen: Method = (env, args) => {
  const triggerId = str(args.trigger_id);
  const trigger = triggerId ? env.ws.triggers.get(triggerId) : undefined;
  if (!triggerId || !trigger) return fail('invalid_trigger_id');
  if (trigger.used) return fail('exchanged_trigger_id');
  if (env.ws.now() - trigger.createdAt > TRIGGER_TTL_MS) return fail('expired_trigger_id');
  const bad = checkView(args.view);
  if (bad) return rejected(bad);
  trigger.used = true;
  const id = env.ws.newId('V');
  const view = { ...(args.view as Obj), id, team_id: env.ws.team.id, hash: env.ws.nextTs() };
  env.ws.views.set(id, {
    id,
    trigger_id: triggerId,
    ...(trigger.user ? { user: trigger.user } : {}),
    hash: view.hash,
    view,
    history: [],
  });
  return ok({ view });
};

const viewsUpdate: Method = (env, args) => {
  const viewId = str(args.view_id);
  const externalId = str(args.external_id);
  const stored = viewId
    ? env.ws.views.get(viewId)
    : [...env.ws.views.values()].find((v) => externalId !== undefined && v.view.external_id === externalId);
  if (!stored) return fail('not_found');
  const hash = str(args.hash);
  if (hash && hash !== stored.hash) return fail('hash_conflict');
  const bad = checkView(args.view);
  if (bad) return rejected(bad);
  stored.history.push(stored.view);
  stored.hash = env.ws.nextTs();
  stored.view = { ...(args.view as Obj), id: stored.id, team_id: env.ws.team.id, hash: stored.hash };
  return ok({ view: stored.view });
};

const usersInfo: Method = (env, args) => {
  const id = str(args.user);
  const u = id ? env.ws.users.get(id) : undefined;
  if (!u) return fail('user_not_found');
  return ok({
    user: {
      id: u.id,
      team_id: env.ws.team.id,
      name: u.name,
      real_name: u.real_name,
      deleted: u.deleted,
      is_bot: u.is_bot,
      is_restricted: u.is_restricted,
      is_ultra_restricted: false,
      profile: { real_name: u.real_name, display_name: u.name },
    },
  });
};

const usergroupUsers: Method = (env, args) => {
  const id = str(args.usergroup);
  const g = id ? env.ws.groups.get(id) : undefined;
  if (!g) return fail('no_such_subteam');
  return ok({ users: [...g.users] });
};

const conversationsInfo: Method = (env, args) => {
  const id = str(args.channel);
  const c = id ? env.ws.resolveChannel(id) : undefined;
  if (!c) return fail('channel_not_found');
  return ok({
    channel: {
      id: c.id,
      name: c.name,
      is_channel: !c.is_im && !c.is_private,
      is_group: c.is_private && !c.is_im,
      is_im: c.is_im,
      is_private: c.is_private,
      is_member: true,
      is_archived: false,
    },
  });
};

/**
 * conversations.members: paged (`limit` default 100, at most 1000; `cursor` from
 * response_metadata.next_cursor, "" on the last page). A channel the bot cannot see, or an
 * unknown one, is `channel_not_found`, as Slack answers for private channels the bot is not in.
 */
const conversationsMembers: Method = (env, args) => {
  const id = str(args.channel);
  const c = id ? env.ws.channels.get(id) : undefined;
  if (!c || (c.members && !c.members.has(env.ws.bot.userId))) return fail('channel_not_found');
  const limit = args.limit === undefined || args.limit === '' ? 100 : Number(args.limit);
  if (!Number.isInteger(limit) || limit < 1 || limit > 1000) return fail('invalid_limit');
  const cursor = str(args.cursor);
  const start = cursor ? Number(/^user:(\d+)$/.exec(Buffer.from(cursor, 'base64').toString())?.[1]) : 0;
  if (!Number.isInteger(start)) return fail('invalid_cursor');
  const all = env.ws.channelMembers(c);
  const page = all.slice(start, start + limit);
  const next = start + limit < all.length ? Buffer.from(`user:${start + limit}`).toString('base64') : '';
  return ok({ members: page, response_metadata: { next_cursor: next } });
};

/** Slack: "limit … maximum of 999"; default 100. */
const HISTORY_MAX = 999;
const cursorOf = (ts: string) => Buffer.from(`next_ts:${ts}`).toString('base64');
const tsOfCursor = (c: string) => {
  const s = Buffer.from(c, 'base64').toString('utf8');
  return s.startsWith('next_ts:') ? s.slice(8) : undefined;
};

/**
 * conversations.history: the channel's top-level messages (thread replies are not part of it),
 * newest first, between `oldest` and `latest` (exclusive unless `inclusive`), cursor-paged.
 */
const conversationsHistory: Method = (env, args) => {
  const id = str(args.channel);
  const c = id ? env.ws.resolveChannel(id) : undefined;
  if (!c) return fail('channel_not_found');
  // A channel with a member list the bot is not on: Slack answers not_in_channel (public) or
  // channel_not_found (private).
  if (c.members && !c.members.has(env.ws.bot.userId))
    return fail(c.is_private ? 'channel_not_found' : 'not_in_channel');
  const rawCursor = str(args.cursor);
  const cursorTs = rawCursor ? tsOfCursor(rawCursor) : undefined;
  if (rawCursor && !cursorTs) return fail('invalid_cursor');
  const limit = Math.min(Math.max(Number(args.limit ?? 100) || 100, 1), HISTORY_MAX);
  const inclusive = args.inclusive === true || args.inclusive === 'true' || args.inclusive === '1';
  const oldest = Number(str(args.oldest) ?? '0');
  const latest = Number(str(args.latest) ?? String(Number.POSITIVE_INFINITY));
  const inRange = (ts: number) =>
    (inclusive ? ts >= oldest : ts > oldest) && (inclusive ? ts <= latest : ts < latest);
  const all = env.ws
    .allMessages(c.id)
    .filter((m) => (!m.thread_ts || m.thread_ts === m.ts) && inRange(Number(m.ts)))
    .reverse()
    .filter((m) => !cursorTs || Number(m.ts) <= Number(cursorTs));
  const page = all.slice(0, limit);
  const next = all[limit];
  return ok({
    messages: page.map(publicMessage),
    has_more: next !== undefined,
    pin_count: 0,
    ...(next ? { response_metadata: { next_cursor: cursorOf(next.ts) } } : {}),
  });
};

const authTest: Method = (env) =>
  ok({
    url: `${env.baseUrl}/`,
    team: env.ws.team.name,
    user: env.ws.bot.name,
    team_id: env.ws.team.id,
    user_id: env.ws.bot.userId,
    bot_id: env.ws.bot.botId,
    app_id: env.ws.bot.appId,
    is_enterprise_install: false,
  });

export const METHODS: Record<string, Method> = {
  'chat.postMessage': postMessage,
  'chat.update': update,
  'chat.delete': del,
  'chat.postEphemeral': postEphemeral,
  'chat.getPermalink': getPermalink,
  'views.open': viewsOpen,
  'views.update': viewsUpdate,
  'users.info': usersInfo,
  'usergroups.users.list': usergroupUsers,
  'conversations.info': conversationsInfo,
  'conversations.members': conversationsMembers,
  'conversations.history': conversationsHistory,
  'auth.test': authTest,
};
