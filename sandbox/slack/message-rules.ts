/**
 * Message- and view-level rules on top of the Block Kit limits: what chat.postMessage, chat.update,
 * chat.postEphemeral, response_url posts and views.open/update check before accepting a payload.
 * Pure: returns a Slack error (and its `response_metadata.messages`) or null.
 */
import { validateBlocks } from './block-kit-limits.js';

export const MESSAGE_TEXT_LIMIT = 40_000;
export const ATTACHMENTS_LIMIT = 100;

export interface SlackRejection {
  error: string;
  messages?: string[];
}

type Obj = Record<string, unknown>;
const isObj = (v: unknown): v is Obj => typeof v === 'object' && v !== null && !Array.isArray(v);

/**
 * Form-encoded calls carry `blocks`, `attachments` and `view` as JSON strings; JSON calls carry
 * them as values. Returns the args with those fields decoded, or a rejection when they are not JSON.
 */
export function decodeJsonFields(args: Obj): { args: Obj } | { rejection: SlackRejection } {
  const out: Obj = { ...args };
  for (const key of ['blocks', 'attachments', 'view', 'metadata'] as const) {
    const v = out[key];
    if (typeof v !== 'string') continue;
    if (v === '') {
      delete out[key];
      continue;
    }
    try {
      out[key] = JSON.parse(v);
    } catch {
      const error = key === 'view' ? 'invalid_arguments' : `invalid_${key}_format`;
      return { rejection: { error, messages: [`[ERROR] ${key} is not valid JSON [json-pointer:/${key}]`] } };
    }
  }
  return { args: out };
}

/** Checks a message payload (`text`, `blocks`, `attachments`) the way chat.postMessage does. */
export function checkMessage(args: Obj): SlackRejection | null {
  const { text, blocks, attachments } = args;
  const hasBlocks = Array.isArray(blocks) ? blocks.length > 0 : blocks !== undefined;
  const hasAttachments = Array.isArray(attachments) && attachments.length > 0;
  const hasText = typeof text === 'string' && text.length > 0;
  if (!hasText && !hasBlocks && !hasAttachments) return { error: 'no_text' };
  if (typeof text === 'string' && text.length > MESSAGE_TEXT_LIMIT) return { error: 'msg_too_long' };

  const problems: string[] = [];
  if (blocks !== undefined) problems.push(...validateBlocks(blocks, { surface: 'message' }));
  if (attachments !== undefined) {
    if (!Array.isArray(attachments)) return { error: 'invalid_attachments' };
    if (attachments.length > ATTACHMENTS_LIMIT) return { error: 'too_many_attachments' };
    attachments.forEach((a, i) => {
      if (isObj(a) && a.blocks !== undefined) {
        problems.push(
          ...validateBlocks(a.blocks, { surface: 'message', pointer: `/attachments/${i}/blocks` }),
        );
      }
    });
  }
  return problems.length ? { error: 'invalid_blocks', messages: problems } : null;
}

function checkViewText(
  problems: string[],
  t: unknown,
  pointer: string,
  max: number,
  required: boolean,
): void {
  if (t === undefined) {
    if (required)
      problems.push(`[ERROR] missing required field: ${pointer.slice(6)} [json-pointer:${pointer}]`);
    return;
  }
  if (!isObj(t) || t.type !== 'plain_text' || typeof t.text !== 'string' || t.text.length === 0) {
    problems.push(`[ERROR] must be a plain_text text object [json-pointer:${pointer}]`);
  } else if (t.text.length > max) {
    problems.push(`[ERROR] must be less than ${max + 1} characters [json-pointer:${pointer}/text]`);
  }
}

/** Checks a view (modal or home) for views.open / views.update. */
export function checkView(view: unknown): SlackRejection | null {
  if (!isObj(view)) return { error: 'invalid_arguments', messages: ['[ERROR] view is required'] };
  const problems: string[] = [];
  if (view.type !== 'modal' && view.type !== 'home') {
    problems.push('[ERROR] must be one of modal, home [json-pointer:/view/type]');
  }
  if (view.type === 'modal') {
    checkViewText(problems, view.title, '/view/title', 24, true);
    checkViewText(problems, view.submit, '/view/submit', 24, false);
    checkViewText(problems, view.close, '/view/close', 24, false);
  }
  for (const [key, max] of [
    ['callback_id', 255],
    ['external_id', 255],
    ['private_metadata', 3000],
  ] as const) {
    const v = view[key];
    if (typeof v === 'string' && v.length > max) {
      problems.push(`[ERROR] must be less than ${max + 1} characters [json-pointer:/view/${key}]`);
    }
  }
  problems.push(...validateBlocks(view.blocks ?? [], { surface: 'modal', pointer: '/view/blocks' }));
  return problems.length ? { error: 'invalid_blocks', messages: problems } : null;
}
