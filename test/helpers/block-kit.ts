/**
 * Asserts a message stays inside Slack's Block Kit limits (shared/reference/slack-and-bullmq.md §1).
 * Throws one error listing every violation with a JSON pointer, Slack-style, so a failing test
 * says exactly which block broke which limit.
 */
type Json = Record<string, unknown>;

const LIMITS = {
  blocks: 50,
  blockId: 255,
  header: 150,
  sectionText: 3000,
  fields: 10,
  fieldText: 2000,
  contextElements: 10,
  textObject: 3000,
  actionsElements: 25,
  actionId: 255,
  buttonText: 75,
  buttonValue: 2000,
  buttonUrl: 3000,
  confirmTitle: 100,
  confirmText: 300,
  confirmButton: 30,
  /** Undocumented `msg_blocks_too_long` at ~12k characters of text (bolt-js#2509). */
  totalText: 12_000,
  fallbackText: 4000,
};

const isObj = (v: unknown): v is Json => typeof v === 'object' && v !== null && !Array.isArray(v);

/** Every `text` string inside the blocks (text objects, fields, context elements, buttons, confirms). */
export function collectTexts(blocks: unknown[]): string[] {
  const out: string[] = [];
  const walk = (v: unknown): void => {
    if (Array.isArray(v)) v.forEach(walk);
    else if (isObj(v)) {
      if ((v.type === 'mrkdwn' || v.type === 'plain_text') && typeof v.text === 'string') out.push(v.text);
      for (const [k, x] of Object.entries(v)) if (k !== 'text' || typeof x !== 'string') walk(x);
    }
  };
  walk(blocks);
  return out;
}

export function blockKitViolations(blocks: unknown[], fallbackText?: string): string[] {
  const errors: string[] = [];
  const err = (ptr: string, msg: string): void => {
    errors.push(`${msg} [json-pointer:${ptr}]`);
  };
  const text = (ptr: string, t: unknown, max: number, kind?: 'plain_text' | 'mrkdwn'): void => {
    if (!isObj(t)) {
      err(ptr, 'missing text object');
      return;
    }
    if (t.type !== 'plain_text' && t.type !== 'mrkdwn') err(`${ptr}/type`, `bad text type ${String(t.type)}`);
    if (kind && t.type !== kind) err(`${ptr}/type`, `must be ${kind}`);
    if (typeof t.text !== 'string' || t.text.length === 0) {
      err(`${ptr}/text`, 'text must be non-empty');
      return;
    }
    if (t.text.length > max) err(`${ptr}/text`, `must be at most ${max} characters (is ${t.text.length})`);
    if (/[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/.test(t.text)) {
      err(`${ptr}/text`, 'contains a lone surrogate');
    }
  };

  if (!Array.isArray(blocks)) return ['blocks must be an array'];
  if (blocks.length === 0) err('/blocks', 'no blocks');
  if (blocks.length > LIMITS.blocks) err('/blocks', `more than ${LIMITS.blocks} blocks (${blocks.length})`);
  const ids = new Set<string>();
  blocks.forEach((b, i) => {
    const p = `/blocks/${i}`;
    if (!isObj(b)) {
      err(p, 'block is not an object');
      return;
    }
    if (b.block_id !== undefined) {
      if (typeof b.block_id !== 'string' || b.block_id.length === 0 || b.block_id.length > LIMITS.blockId) {
        err(`${p}/block_id`, 'block_id must be 1..255 characters');
      } else if (ids.has(b.block_id)) err(`${p}/block_id`, `duplicate block_id ${b.block_id}`);
      else ids.add(b.block_id);
    }
    switch (b.type) {
      case 'header':
        text(`${p}/text`, b.text, LIMITS.header, 'plain_text');
        break;
      case 'section': {
        if (b.text === undefined && b.fields === undefined) err(p, 'section needs text or fields');
        if (b.text !== undefined) text(`${p}/text`, b.text, LIMITS.sectionText);
        if (b.fields !== undefined) {
          if (!Array.isArray(b.fields) || b.fields.length === 0)
            err(`${p}/fields`, 'fields must be a non-empty array');
          else {
            if (b.fields.length > LIMITS.fields) err(`${p}/fields`, `more than ${LIMITS.fields} fields`);
            b.fields.forEach((f, j) => {
              text(`${p}/fields/${j}`, f, LIMITS.fieldText);
            });
          }
        }
        break;
      }
      case 'context': {
        const els = Array.isArray(b.elements) ? b.elements : [];
        if (els.length === 0) err(`${p}/elements`, 'context needs elements');
        if (els.length > LIMITS.contextElements) err(`${p}/elements`, `more than ${LIMITS.contextElements}`);
        els.forEach((e, j) => {
          text(`${p}/elements/${j}`, e, LIMITS.textObject);
        });
        break;
      }
      case 'actions': {
        const els = Array.isArray(b.elements) ? b.elements : [];
        if (els.length === 0) err(`${p}/elements`, 'actions needs elements');
        if (els.length > LIMITS.actionsElements) err(`${p}/elements`, `more than ${LIMITS.actionsElements}`);
        const actionIds = new Set<string>();
        els.forEach((e, j) => {
          const q = `${p}/elements/${j}`;
          if (!isObj(e) || e.type !== 'button') {
            err(q, 'only buttons are expected');
            return;
          }
          text(`${q}/text`, e.text, LIMITS.buttonText, 'plain_text');
          if (typeof e.action_id !== 'string' || !e.action_id || e.action_id.length > LIMITS.actionId) {
            err(`${q}/action_id`, 'action_id must be 1..255 characters');
          } else if (actionIds.has(e.action_id)) err(`${q}/action_id`, 'duplicate action_id in block');
          else actionIds.add(e.action_id);
          if (e.value !== undefined && (typeof e.value !== 'string' || e.value.length > LIMITS.buttonValue)) {
            err(`${q}/value`, 'value must be a string of at most 2000 characters');
          }
          if (e.url !== undefined && (typeof e.url !== 'string' || e.url.length > LIMITS.buttonUrl)) {
            err(`${q}/url`, 'url must be at most 3000 characters');
          }
          if (e.style !== undefined && e.style !== 'primary' && e.style !== 'danger')
            err(`${q}/style`, 'bad style');
          if (e.confirm !== undefined) {
            const c = e.confirm;
            if (!isObj(c)) {
              err(`${q}/confirm`, 'confirm must be an object');
              return;
            }
            text(`${q}/confirm/title`, c.title, LIMITS.confirmTitle, 'plain_text');
            text(`${q}/confirm/text`, c.text, LIMITS.confirmText);
            text(`${q}/confirm/confirm`, c.confirm, LIMITS.confirmButton, 'plain_text');
            text(`${q}/confirm/deny`, c.deny, LIMITS.confirmButton, 'plain_text');
          }
        });
        break;
      }
      case 'divider':
        break;
      default:
        err(`${p}/type`, `unexpected block type ${String(b.type)}`);
    }
  });
  const total = collectTexts(blocks).reduce((n, t) => n + t.length, 0);
  if (total > LIMITS.totalText)
    err('/blocks', `total text ${total} exceeds ~${LIMITS.totalText} (msg_blocks_too_long)`);
  if (fallbackText !== undefined) {
    if (fallbackText.length === 0) err('/text', 'fallback text must be set');
    if (fallbackText.length > LIMITS.fallbackText)
      err('/text', `fallback text longer than ${LIMITS.fallbackText}`);
  }
  return errors;
}

export function assertWithinBlockKitLimits(blocks: unknown[], fallbackText?: string): void {
  const v = blockKitViolations(blocks, fallbackText);
  if (v.length) throw new Error(`invalid_blocks:\n  ${v.join('\n  ')}`);
}
