/**
 * In-memory state of the emulated Slack workspace: users, user groups, channels, messages (with
 * threads and edit history), ephemerals, views, trigger ids and response URLs.
 * No HTTP here; the server and the test client both read and write through this class.
 */
import type { Clock } from '../../src/clock.js';

export interface SlackUser {
  id: string;
  name: string;
  real_name: string;
  is_bot: boolean;
  deleted: boolean;
  is_restricted: boolean;
}

export interface SlackChannel {
  id: string;
  name: string;
  is_private: boolean;
  is_im: boolean;
  /** Who is in it (the bot always is). Unset = every registered user (an open test channel). */
  members?: Set<string>;
}

export interface MessageVersion {
  text: string | undefined;
  blocks: unknown[] | undefined;
  attachments: unknown[] | undefined;
  /** Epoch ms when this version was replaced. */
  replacedAt: number;
}

export interface StoredMessage {
  type: 'message';
  channel: string;
  ts: string;
  user: string;
  bot_id: string;
  app_id: string;
  team: string;
  text: string | undefined;
  blocks: unknown[] | undefined;
  attachments: unknown[] | undefined;
  thread_ts?: string;
  /** ts of the replies (only on a thread parent). */
  replies: string[];
  reply_count: number;
  edited?: { user: string; ts: string };
  /** Earlier versions, oldest first (chat.update and replace_original push here). */
  history: MessageVersion[];
  /** Epoch ms when posted. */
  postedAt: number;
  /** How it arrived: chat.postMessage or a response_url post. */
  via: 'chat.postMessage' | 'response_url';
}

/** A message as Slack shows it to apps (API answers, interaction payloads). */
export interface ShownMessage {
  type: 'message';
  user: string;
  bot_id: string;
  app_id: string;
  team: string;
  ts: string;
  text?: string;
  blocks?: unknown[];
  attachments?: unknown[];
  thread_ts?: string;
  [k: string]: unknown;
}

/** The fields of a stored message that Slack shows wherever it hands one out (no emulator bookkeeping). */
export function shownMessage(m: StoredMessage): ShownMessage {
  const out: ShownMessage = {
    type: 'message',
    user: m.user,
    bot_id: m.bot_id,
    app_id: m.app_id,
    team: m.team,
    ts: m.ts,
  };
  if (m.text !== undefined) out.text = m.text;
  if (m.blocks !== undefined) out.blocks = m.blocks;
  if (m.attachments !== undefined) out.attachments = m.attachments;
  if (m.thread_ts !== undefined) out.thread_ts = m.thread_ts;
  return out;
}

export interface StoredEphemeral {
  channel: string;
  user: string;
  /** The message_ts chat.postEphemeral returns; clicks on ephemeral buttons carry it. */
  ts: string;
  text: string | undefined;
  blocks: unknown[] | undefined;
  attachments: unknown[] | undefined;
  thread_ts?: string;
  via: 'chat.postEphemeral' | 'response_url' | 'ack';
  /** Replaced by a later response_url post with replace_original, or deleted. */
  replaced: boolean;
  deleted: boolean;
}

export interface StoredView {
  id: string;
  user?: string;
  trigger_id?: string;
  hash: string;
  view: Record<string, unknown>;
  /** Earlier versions (views.update). */
  history: Record<string, unknown>[];
}

export interface ResponseUrlTarget {
  id: string;
  channel: string;
  user: string;
  /** The message the interaction came from (absent for slash commands). */
  messageTs?: string;
  ephemeral: boolean;
  createdAt: number;
  uses: number;
}

const pad = (n: number, width: number) => String(n).padStart(width, '0');

export class Workspace {
  readonly users = new Map<string, SlackUser>();
  readonly groups = new Map<string, { id: string; handle: string; users: string[] }>();
  readonly channels = new Map<string, SlackChannel>();
  private readonly byChannel = new Map<string, StoredMessage[]>();
  readonly ephemerals: StoredEphemeral[] = [];
  readonly views = new Map<string, StoredView>();
  readonly triggers = new Map<string, { createdAt: number; used: boolean; user?: string }>();
  readonly responseUrls = new Map<string, ResponseUrlTarget>();
  /** When true, a well-formed unknown channel id (`C…`/`G…`) is created on first use. */
  autoCreateChannels = false;
  private lastTsMicros = 0;
  private seq = 0;

  constructor(
    readonly team: { id: string; domain: string; name: string },
    readonly bot: { userId: string; botId: string; appId: string; name: string },
    private readonly clock: Clock,
  ) {
    this.addUser({ id: bot.userId, name: bot.name, is_bot: true });
  }

  now(): number {
    return this.clock();
  }

  /** Slack-style ts ("1732838400.000100"), strictly increasing across the workspace. */
  nextTs(): string {
    const micros = Math.max(this.clock() * 1000, this.lastTsMicros + 1);
    this.lastTsMicros = micros;
    return `${Math.floor(micros / 1e6)}.${pad(micros % 1e6, 6)}`;
  }

  /** A fresh id with Slack's letter prefix (U, C, S, V, ...). */
  newId(prefix: string): string {
    this.seq += 1;
    return `${prefix}${pad(this.seq, 8)}`;
  }

  addUser(u: Partial<SlackUser> & { name: string }): SlackUser {
    const user: SlackUser = {
      id: u.id ?? this.newId('U'),
      name: u.name,
      real_name: u.real_name ?? u.name,
      is_bot: u.is_bot ?? false,
      deleted: u.deleted ?? false,
      is_restricted: u.is_restricted ?? false,
    };
    this.users.set(user.id, user);
    return user;
  }

  addGroup(g: { id?: string; handle?: string; users: string[] }): {
    id: string;
    handle: string;
    users: string[];
  } {
    const id = g.id ?? this.newId('S');
    const group = { id, handle: g.handle ?? id.toLowerCase(), users: [...g.users] };
    this.groups.set(id, group);
    return group;
  }

  addChannel(c: { id?: string; name: string; is_private?: boolean; members?: string[] }): SlackChannel {
    const ch: SlackChannel = {
      id: c.id ?? this.newId('C'),
      name: c.name,
      is_private: c.is_private ?? false,
      is_im: false,
      ...(c.members ? { members: new Set([this.bot.userId, ...c.members]) } : {}),
    };
    this.channels.set(ch.id, ch);
    return ch;
  }

  /** Members of a channel, bot included (conversations.members): the listed ones, or every live user. */
  channelMembers(ch: SlackChannel): string[] {
    if (ch.members) return [...ch.members];
    if (ch.is_im) return [this.bot.userId, `U${ch.id.slice(1)}`];
    return [...this.users.values()].filter((u) => !u.deleted).map((u) => u.id);
  }

  /** Resolves a channel argument: a channel id, or a user id (opens the bot's DM with them). */
  resolveChannel(idOrUser: string): SlackChannel | undefined {
    const ch = this.channels.get(idOrUser);
    if (ch) return ch;
    if (this.autoCreateChannels && /^[CG][A-Z0-9]+$/.test(idOrUser)) {
      return this.addChannel({
        id: idOrUser,
        name: idOrUser.toLowerCase(),
        is_private: idOrUser.startsWith('G'),
      });
    }
    const user = this.users.get(idOrUser);
    if (!user) return undefined;
    const dmId = `D${user.id.slice(1)}`;
    const dm = this.channels.get(dmId) ?? { id: dmId, name: user.name, is_private: true, is_im: true };
    this.channels.set(dmId, dm);
    return dm;
  }

  storeMessage(
    channel: string,
    m: { text?: string; blocks?: unknown[]; attachments?: unknown[]; thread_ts?: string },
    via: StoredMessage['via'],
  ): StoredMessage {
    const msg: StoredMessage = {
      type: 'message',
      channel,
      ts: this.nextTs(),
      user: this.bot.userId,
      bot_id: this.bot.botId,
      app_id: this.bot.appId,
      team: this.team.id,
      text: m.text,
      blocks: m.blocks,
      attachments: m.attachments,
      replies: [],
      reply_count: 0,
      history: [],
      postedAt: this.clock(),
      via,
    };
    if (m.thread_ts) {
      msg.thread_ts = m.thread_ts;
      const parent = this.message(channel, m.thread_ts);
      if (parent) {
        parent.thread_ts = parent.ts;
        parent.replies.push(msg.ts);
        parent.reply_count = parent.replies.length;
      }
    }
    const list = this.byChannel.get(channel) ?? [];
    list.push(msg);
    this.byChannel.set(channel, list);
    return msg;
  }

  updateMessage(msg: StoredMessage, m: { text?: string; blocks?: unknown[]; attachments?: unknown[] }): void {
    msg.history.push({
      text: msg.text,
      blocks: msg.blocks,
      attachments: msg.attachments,
      replacedAt: this.clock(),
    });
    // chat.update replaces what it is given; omitted fields keep their value, like Slack.
    if (m.text !== undefined) msg.text = m.text;
    if (m.blocks !== undefined) msg.blocks = m.blocks;
    if (m.attachments !== undefined) msg.attachments = m.attachments;
    msg.edited = { user: this.bot.userId, ts: this.nextTs() };
  }

  deleteMessage(channel: string, ts: string): boolean {
    const list = this.byChannel.get(channel);
    const i = list?.findIndex((m) => m.ts === ts) ?? -1;
    if (!list || i < 0) return false;
    list.splice(i, 1);
    return true;
  }

  /** Every message in the channel (top level and replies), oldest first. */
  allMessages(channel: string): StoredMessage[] {
    return [...(this.byChannel.get(channel) ?? [])];
  }

  message(channel: string, ts: string): StoredMessage | undefined {
    return this.byChannel.get(channel)?.find((m) => m.ts === ts);
  }

  storeEphemeral(e: Omit<StoredEphemeral, 'ts' | 'replaced' | 'deleted'>): StoredEphemeral {
    const eph: StoredEphemeral = { ...e, ts: this.nextTs(), replaced: false, deleted: false };
    this.ephemerals.push(eph);
    return eph;
  }

  /** A single-use trigger id (valid 3 s), as Slack sends with a command or click by `user`. */
  createTriggerId(user?: string): string {
    const id = `${this.clock()}.${this.newId('')}.${Math.random().toString(16).slice(2, 10)}`;
    this.triggers.set(id, { createdAt: this.clock(), used: false, ...(user ? { user } : {}) });
    return id;
  }

  createResponseUrl(baseUrl: string, t: Omit<ResponseUrlTarget, 'id' | 'createdAt' | 'uses'>): string {
    const id = this.newId('R');
    this.responseUrls.set(id, { ...t, id, createdAt: this.clock(), uses: 0 });
    return `${baseUrl}/response/${id}`;
  }
}
