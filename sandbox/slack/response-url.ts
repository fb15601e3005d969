/**
 * What a post to a `response_url` does, as Slack does it
 * (docs.slack.dev/interactivity/handling-user-interaction#message_responses):
 * - `delete_original: true` deletes the message the interaction came from;
 * - `replace_original: true` replaces it (an ephemeral original stays ephemeral);
 * - otherwise a new message: ephemeral to the user by default, in the channel with
 *   `response_type: 'in_channel'` (optionally in a thread with `thread_ts`).
 * A URL works 5 times within 30 minutes. Failures answer non-2xx so Bolt's respond() throws.
 */
import { checkMessage } from './message-rules.js';
import type { Obj, Reply } from './web-api-methods.js';
import type { ResponseUrlTarget, Workspace } from './workspace.js';

export const RESPONSE_URL_MAX_USES = 5;
export const RESPONSE_URL_TTL_MS = 30 * 60 * 1000;

const failure = (status: number, error: string, messages?: string[]): Reply => ({
  status,
  body: messages ? { ok: false, error, response_metadata: { messages } } : { ok: false, error },
});

export function respondTo(
  ws: Workspace,
  target: ResponseUrlTarget,
  body: Obj,
  { countUse = true }: { countUse?: boolean } = {},
): Reply {
  if (countUse) {
    if (ws.now() - target.createdAt > RESPONSE_URL_TTL_MS) return failure(404, 'expired_url');
    if (target.uses >= RESPONSE_URL_MAX_USES) return failure(404, 'used_url');
  }
  const text = typeof body.text === 'string' ? body.text : undefined;
  const blocks = Array.isArray(body.blocks) ? body.blocks : undefined;
  const attachments = Array.isArray(body.attachments) ? body.attachments : undefined;
  const fields = { text, blocks, attachments };

  if (body.delete_original === true || body.delete_original === 'true') {
    if (!deleteOriginal(ws, target)) return failure(404, 'message_not_found');
    if (countUse) target.uses += 1;
    return { status: 200, body: { ok: true } };
  }

  const bad = checkMessage({ ...body, text, blocks: body.blocks, attachments: body.attachments });
  if (bad) return failure(400, bad.error, bad.messages);

  const replace = body.replace_original === true || body.replace_original === 'true';
  if (replace && target.messageTs) {
    if (!replaceOriginal(ws, target, fields)) return failure(404, 'message_not_found');
  } else if (body.response_type === 'in_channel') {
    const threadTs = typeof body.thread_ts === 'string' ? body.thread_ts : undefined;
    ws.storeMessage(
      target.channel,
      { ...defined(fields), ...(threadTs ? { thread_ts: threadTs } : {}) },
      'response_url',
    );
  } else {
    ws.storeEphemeral({
      channel: target.channel,
      user: target.user,
      ...fields,
      ...(typeof body.thread_ts === 'string' ? { thread_ts: body.thread_ts } : {}),
      via: countUse ? 'response_url' : 'ack',
    });
  }
  if (countUse) target.uses += 1;
  return { status: 200, body: { ok: true } };
}

function defined(f: { text?: string; blocks?: unknown[]; attachments?: unknown[] }) {
  const out: { text?: string; blocks?: unknown[]; attachments?: unknown[] } = {};
  if (f.text !== undefined) out.text = f.text;
  if (f.blocks !== undefined) out.blocks = f.blocks;
  if (f.attachments !== undefined) out.attachments = f.attachments;
  return out;
}

function findEphemeral(ws: Workspace, t: ResponseUrlTarget) {
  return ws.ephemerals.find(
    (e) => e.channel === t.channel && e.user === t.user && e.ts === t.messageTs && !e.deleted,
  );
}

function deleteOriginal(ws: Workspace, t: ResponseUrlTarget): boolean {
  if (!t.messageTs) return false;
  if (t.ephemeral) {
    const e = findEphemeral(ws, t);
    if (!e) return false;
    e.deleted = true;
    return true;
  }
  return ws.deleteMessage(t.channel, t.messageTs);
}

function replaceOriginal(
  ws: Workspace,
  t: ResponseUrlTarget,
  f: { text?: string; blocks?: unknown[]; attachments?: unknown[] },
): boolean {
  if (!t.messageTs) return false;
  if (t.ephemeral) {
    const e = findEphemeral(ws, t);
    if (!e) return false;
    // A replaced ephemeral keeps its ts so later clicks on it still resolve.
    e.text = f.text;
    e.blocks = f.blocks;
    e.attachments = f.attachments;
    e.replaced = true;
    return true;
  }
  const msg = ws.message(t.channel, t.messageTs);
  if (!msg) return false;
  // replace_original replaces the whole message: fields not sent are cleared.
  ws.updateMessage(msg, { text: f.text ?? '', blocks: f.blocks ?? [], attachments: f.attachments ?? [] });
  return true;
}
