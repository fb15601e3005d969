/**
 * What one person sees in one channel: top-level messages and their threads, plus the
 * ephemerals addressed to that person (nobody else sees them), all rendered to HTML. Pure.
 */
import { type RenderDirectory, renderMessageBody } from './render.js';

export interface MessageLike {
  ts: string;
  thread_ts?: string;
  text?: string | undefined;
  blocks?: unknown[] | undefined;
  attachments?: unknown[] | undefined;
  edited?: { ts: string };
  history?: unknown[];
}

export interface EphemeralLike {
  ts: string;
  channel: string;
  user: string;
  thread_ts?: string;
  text?: string | undefined;
  blocks?: unknown[] | undefined;
  attachments?: unknown[] | undefined;
  replaced: boolean;
  deleted: boolean;
}

export interface ViewItem {
  ts: string;
  ephemeral: boolean;
  /** Times the message was updated in place (chat.update / replace_original). */
  edits: number;
  html: string;
  replies: ViewItem[];
}

const byTs = (a: { ts: string }, b: { ts: string }) => Number(a.ts) - Number(b.ts);

function item(m: MessageLike | EphemeralLike, ephemeral: boolean, dir: RenderDirectory): ViewItem {
  const edits =
    'history' in m && Array.isArray(m.history) ? m.history.length : 'replaced' in m && m.replaced ? 1 : 0;
  return { ts: m.ts, ephemeral, edits, html: renderMessageBody(m, dir), replies: [] };
}

/** `messages`: every message of the channel (top level and replies); `ephemerals`: all of them. */
export function channelView(
  messages: MessageLike[],
  ephemerals: EphemeralLike[],
  channel: string,
  viewer: string,
  dir: RenderDirectory,
): ViewItem[] {
  // A replaced ephemeral is updated in place (it keeps its ts), so only deleted ones go.
  const mine = ephemerals.filter((e) => e.channel === channel && e.user === viewer && !e.deleted);
  const top: ViewItem[] = [];
  const byParent = new Map<string, ViewItem[]>();
  const addReply = (parent: string, v: ViewItem) => {
    const list = byParent.get(parent) ?? [];
    list.push(v);
    byParent.set(parent, list);
  };
  for (const m of messages) {
    const v = item(m, false, dir);
    if (m.thread_ts && m.thread_ts !== m.ts) addReply(m.thread_ts, v);
    else top.push(v);
  }
  for (const e of mine) {
    const v = item(e, true, dir);
    if (e.thread_ts) addReply(e.thread_ts, v);
    else top.push(v);
  }
  const known = new Set(top.map((t) => t.ts));
  for (const t of top) t.replies = (byParent.get(t.ts) ?? []).sort(byTs);
  // Replies whose parent is gone (deleted) still show, at top level.
  for (const [parent, replies] of byParent) if (!known.has(parent)) top.push(...replies);
  return top.sort(byTs);
}
