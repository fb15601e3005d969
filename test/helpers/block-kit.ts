/**
 * Asserts a message stays inside Slack's Block Kit limits (shared/reference/slack-and-bullmq.md §1).
 * Throws one error listing every violation with a JSON pointer, Slack-style, so a failing test
 * says exactly which block broke which limit.
 */
import { validateBlocks } from '../../sandbox/slack/block-kit-limits.js';

type Json = Record<string, unknown>;

/** Limits beyond the per-block ones the Slack emulator enforces. */
const EXTRA = {
  /** Undocumented `msg_blocks_too_long` at ~12k characters of text (bolt-js#2509). */
  totalText: 12_000,
  fallbackText: 4000,
};

const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;

const isObj = (v: unknown): v is Json => typeof v === 'object' && v !== null && !Array.isArray(v);

/** Every `text` string inside the blocks (text objects, fields, context elements, buttons, confirms, table cells). */
export function collectTexts(blocks: unknown[]): string[] {
  const out: string[] = [];
  const walk = (v: unknown): void => {
    if (Array.isArray(v)) v.forEach(walk);
    else if (isObj(v)) {
      if (
        (v.type === 'mrkdwn' || v.type === 'plain_text' || v.type === 'raw_text') &&
        typeof v.text === 'string'
      )
        out.push(v.text);
      for (const [k, x] of Object.entries(v)) if (k !== 'text' || typeof x !== 'string') walk(x);
    }
  };
  walk(blocks);
  return out;
}

/**
 * Every problem Slack would reject (the Slack emulator's own validator: the one oracle of Block
 * Kit's limits), plus what it cannot see per block: the total-text limit, lone surrogates from a
 * bad cut, an empty message and the fallback text.
 */
export function blockKitViolations(blocks: unknown[], fallbackText?: string): string[] {
  if (!Array.isArray(blocks)) return ['blocks must be an array'];
  const errors = validateBlocks(blocks, { surface: 'message' });
  if (blocks.length === 0) errors.push('no blocks [json-pointer:/blocks]');
  const texts = collectTexts(blocks);
  texts.forEach((t, i) => {
    if (LONE_SURROGATE.test(t)) errors.push(`text ${i} contains a lone surrogate [json-pointer:/blocks]`);
    if (t.length === 0) errors.push(`text ${i} is empty [json-pointer:/blocks]`);
  });
  const total = texts.reduce((n, t) => n + t.length, 0);
  if (total > EXTRA.totalText)
    errors.push(
      `total text ${total} exceeds ~${EXTRA.totalText} (msg_blocks_too_long) [json-pointer:/blocks]`,
    );
  if (fallbackText !== undefined) {
    if (fallbackText.length === 0) errors.push('fallback text must be set [json-pointer:/text]');
    if (fallbackText.length > EXTRA.fallbackText)
      errors.push(`fallback text longer than ${EXTRA.fallbackText} [json-pointer:/text]`);
  }
  return errors;
}

export function assertWithinBlockKitLimits(blocks: unknown[], fallbackText?: string): void {
  const v = blockKitViolations(blocks, fallbackText);
  if (v.length) throw new Error(`invalid_blocks:\n  ${v.join('\n  ')}`);
}
