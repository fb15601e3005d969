/**
 * Small Block Kit element builders shared by the cards. Every text passed in here is either
 * already-rendered safe mrkdwn (from `../mrkdwn.js`) or trusted; each builder still cuts to the
 * Block Kit limit so no card can exceed it.
 */
import type {
  ActionsBlock,
  Button,
  ConfirmationDialog,
  ContextBlock,
  HeaderBlock,
  MrkdwnElement,
  SectionBlock,
} from '@slack/types';
import { code, plain, truncate } from '../mrkdwn.js';
import { LIMITS } from './limits.js';

/** `verbatim: true`: Slack must not auto-link URLs or parse mentions in text we did not write. */
export const md = (text: string, max: number = LIMITS.sectionText): MrkdwnElement => ({
  type: 'mrkdwn',
  text: truncate(text || ' ', max),
  verbatim: true,
});

export const header = (text: string, blockId: string): HeaderBlock => ({
  type: 'header',
  block_id: blockId,
  text: { type: 'plain_text', text: plain(text, LIMITS.headerText), emoji: true },
});

export const section = (text: string, blockId: string): SectionBlock => ({
  type: 'section',
  block_id: blockId,
  text: md(text, LIMITS.sectionText),
});

export const fieldsSection = (fields: string[], blockId: string): SectionBlock => ({
  type: 'section',
  block_id: blockId,
  fields: fields.slice(0, LIMITS.fields).map((f) => md(f, LIMITS.fieldText)),
});

export const context = (texts: string[], blockId: string): ContextBlock => ({
  type: 'context',
  block_id: blockId,
  elements: texts.slice(0, LIMITS.contextElements).map((t) => md(t, LIMITS.contextText)),
});

export const actions = (elements: Button[], blockId: string): ActionsBlock => ({
  type: 'actions',
  block_id: blockId,
  elements: elements.slice(0, LIMITS.actionsElements),
});

export const confirmDialog = (
  title: string,
  text: string,
  confirm: string,
  style?: 'danger' | 'primary',
): ConfirmationDialog => ({
  title: { type: 'plain_text', text: plain(title, LIMITS.confirmTitle) },
  text: { type: 'plain_text', text: plain(text, LIMITS.confirmText) },
  confirm: { type: 'plain_text', text: plain(confirm, LIMITS.confirmButton) },
  deny: { type: 'plain_text', text: 'Cancel' },
  ...(style ? { style } : {}),
});

export function button(
  actionId: string,
  text: string,
  value: string,
  opts: { style?: 'danger' | 'primary'; confirm?: ConfirmationDialog } = {},
): Button {
  return {
    type: 'button',
    action_id: actionId.slice(0, LIMITS.actionId),
    text: { type: 'plain_text', text: plain(text, LIMITS.buttonText), emoji: true },
    // Values are opaque ids we generated; never cut them silently in a way that still looks valid.
    value: value.slice(0, LIMITS.buttonValue),
    ...(opts.style ? { style: opts.style } : {}),
    ...(opts.confirm ? { confirm: opts.confirm } : {}),
  };
}

/** A `raw_text` table cell: plain text (Slack parses nothing in it), one line, never empty. */
const cell = (text: string, max: number) => ({ type: 'raw_text' as const, text: plain(text, max) });

/**
 * A Block Kit `table` (one per message): the first row is the header. Rows past the limit are
 * dropped here, so callers count what they show and say "and N more" themselves.
 */
export function table(
  header: string[],
  rows: string[][],
  blockId: string,
  opts: { cellMax?: number; align?: ('left' | 'center' | 'right')[] } = {},
) {
  const width = Math.min(header.length, LIMITS.tableCells);
  const max = opts.cellMax ?? 200;
  const line = (r: string[]) => Array.from({ length: width }, (_, i) => cell(r[i] || '–', max));
  return {
    type: 'table' as const,
    block_id: blockId,
    rows: [line(header), ...rows.slice(0, LIMITS.tableRows - 1).map(line)],
    column_settings: Array.from({ length: width }, (_, i) => ({
      align: opts.align?.[i] ?? ('left' as const),
      is_wrapped: true,
    })),
  };
}

/** Slack renders `<!date^…>` in the reader's time zone; the fallback is the ISO time. */
export function slackDate(ms: number | string | undefined): string {
  if (ms === undefined) return 'unknown';
  const t = typeof ms === 'number' ? ms : Date.parse(ms);
  if (!Number.isFinite(t)) return 'unknown';
  const iso = new Date(t).toISOString();
  return `<!date^${Math.floor(t / 1000)}^{date_short_pretty} {time_secs}|${iso}>`;
}

/**
 * Renders as many items as fit in `budget` characters, each as inline code, then "and N more".
 */
export function codeList(items: string[], budget: number, itemMax = 200, sep = ', '): string {
  const out: string[] = [];
  let used = 0;
  for (let i = 0; i < items.length; i++) {
    const rendered = code(items[i] as string, itemMax);
    const rest = items.length - i - 1;
    const tail = rest > 0 ? ` and ${rest} more`.length + 2 : 0;
    if (used + rendered.length + sep.length + tail > budget && out.length > 0) {
      return `${out.join(sep)} and ${items.length - i} more`;
    }
    if (used + rendered.length > budget) {
      return `${items.length} items (too long to list)`;
    }
    out.push(rendered);
    used += rendered.length + sep.length;
  }
  return out.join(sep);
}

/** Small, stable hash (for block ids that must change when a card's state changes). */
export function shortHash(s: string): string {
  let h = 5381;
  for (let i = 0; i < s.length; i++) h = ((h * 33) ^ s.charCodeAt(i)) >>> 0;
  return h.toString(36);
}
