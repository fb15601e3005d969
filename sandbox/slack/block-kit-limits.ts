/**
 * Block Kit limits the way Slack enforces them, as a pure function. Each problem is one string in
 * Slack's own style: `[ERROR] <reason> [json-pointer:/blocks/0/text/text]`, so a failing test reads
 * like the `response_metadata.messages` Slack would return. Limits: docs.slack.dev/reference/block-kit
 * (see ../shared/reference/slack-and-bullmq.md §1).
 */

export type Surface = 'message' | 'modal';

export interface ValidateOptions {
  surface: Surface;
  /** Json-pointer prefix of the blocks array (e.g. `/attachments/0/blocks`). */
  pointer?: string;
}

export const LIMITS = {
  blocksPerMessage: 50,
  blocksPerModal: 100,
  textObject: 3000,
  sectionText: 3000,
  sectionFields: 10,
  sectionField: 2000,
  headerText: 150,
  buttonText: 75,
  buttonValue: 2000,
  buttonUrl: 3000,
  accessibilityLabel: 75,
  actionId: 255,
  blockId: 255,
  confirmTitle: 100,
  confirmText: 300,
  confirmButton: 30,
  contextElements: 10,
  actionsElements: 25,
  markdownBlock: 12_000,
  /** Table block (docs.slack.dev/reference/block-kit/blocks/table-block): rows, cells per row, column settings. */
  tableRows: 100,
  tableCells: 20,
  tableColumnSettings: 20,
  imageAltText: 2000,
  imageUrl: 3000,
} as const;

const MESSAGE_BLOCKS = new Set([
  'section',
  'header',
  'context',
  'actions',
  'divider',
  'image',
  'rich_text',
  'markdown',
  'video',
  'file',
  'table',
]);
/** Blocks Slack accepts in messages only (a table in a modal is rejected). */
const MESSAGE_ONLY_BLOCKS = new Set(['table']);
const MODAL_ONLY_BLOCKS = new Set(['input']);

const INTERACTIVE_ELEMENTS = new Set([
  'button',
  'static_select',
  'external_select',
  'users_select',
  'conversations_select',
  'channels_select',
  'multi_static_select',
  'multi_external_select',
  'multi_users_select',
  'multi_conversations_select',
  'multi_channels_select',
  'overflow',
  'datepicker',
  'timepicker',
  'datetimepicker',
  'checkboxes',
  'radio_buttons',
  'plain_text_input',
  'email_text_input',
  'number_input',
  'url_text_input',
  'rich_text_input',
  'workflow_button',
]);

type Obj = Record<string, unknown>;
const isObj = (v: unknown): v is Obj => typeof v === 'object' && v !== null && !Array.isArray(v);

/** Collects problems while walking one payload. */
class Problems {
  readonly list: string[] = [];
  add(reason: string, pointer: string): void {
    this.list.push(`[ERROR] ${reason} [json-pointer:${pointer}]`);
  }
}

function maxLen(p: Problems, value: unknown, max: number, pointer: string): void {
  if (typeof value === 'string' && value.length > max) {
    p.add(`must be less than ${max + 1} characters`, pointer);
  }
}

/** A text object: `{ type: 'plain_text' | 'mrkdwn', text }`. `only` restricts to plain_text. */
function checkText(
  p: Problems,
  t: unknown,
  pointer: string,
  { max = LIMITS.textObject, only }: { max?: number; only?: 'plain_text' } = {},
): void {
  if (!isObj(t)) {
    p.add('must be a text object', pointer);
    return;
  }
  if (t.type !== 'plain_text' && t.type !== 'mrkdwn') {
    p.add(`text object type must be plain_text or mrkdwn, got ${JSON.stringify(t.type)}`, `${pointer}/type`);
    return;
  }
  if (only && t.type !== only) {
    p.add(`must be a ${only} text object, got ${t.type}`, `${pointer}/type`);
  }
  if (typeof t.text !== 'string' || t.text.length === 0) {
    p.add('must be more than 0 characters', `${pointer}/text`);
    return;
  }
  if (t.type === 'mrkdwn' && 'emoji' in t) p.add('invalid additional property: emoji', pointer);
  if (t.type === 'plain_text' && 'verbatim' in t) p.add('invalid additional property: verbatim', pointer);
  maxLen(p, t.text, max, `${pointer}/text`);
}

function checkConfirm(p: Problems, c: unknown, pointer: string): void {
  if (!isObj(c)) {
    p.add('confirm must be a confirmation dialog object', pointer);
    return;
  }
  checkText(p, c.title, `${pointer}/title`, { max: LIMITS.confirmTitle, only: 'plain_text' });
  checkText(p, c.text, `${pointer}/text`, { max: LIMITS.confirmText });
  checkText(p, c.confirm, `${pointer}/confirm`, { max: LIMITS.confirmButton, only: 'plain_text' });
  checkText(p, c.deny, `${pointer}/deny`, { max: LIMITS.confirmButton, only: 'plain_text' });
  if (c.style !== undefined && c.style !== 'primary' && c.style !== 'danger') {
    p.add('must be one of primary, danger', `${pointer}/style`);
  }
}

function checkImageElement(p: Problems, e: Obj, pointer: string): void {
  if (typeof e.image_url !== 'string' && !isObj(e.slack_file)) {
    p.add('must provide image_url or slack_file', pointer);
  }
  maxLen(p, e.image_url, LIMITS.imageUrl, `${pointer}/image_url`);
  if (typeof e.alt_text !== 'string' || e.alt_text.length === 0) {
    p.add('must provide alt_text', `${pointer}/alt_text`);
  }
  maxLen(p, e.alt_text, LIMITS.imageAltText, `${pointer}/alt_text`);
}

/** An interactive element (button, select, ...) or an image, as accessory or actions element. */
function checkElement(p: Problems, e: unknown, pointer: string, allowImage: boolean): void {
  if (!isObj(e)) {
    p.add('must be an element object', pointer);
    return;
  }
  if (e.type === 'image' && allowImage) {
    checkImageElement(p, e, pointer);
    return;
  }
  if (typeof e.type !== 'string' || !INTERACTIVE_ELEMENTS.has(e.type)) {
    p.add(`unknown element type ${JSON.stringify(e.type)}`, `${pointer}/type`);
    return;
  }
  maxLen(p, e.action_id, LIMITS.actionId, `${pointer}/action_id`);
  if (e.confirm !== undefined) checkConfirm(p, e.confirm, `${pointer}/confirm`);
  if (e.type === 'button') {
    checkText(p, e.text, `${pointer}/text`, { max: LIMITS.buttonText, only: 'plain_text' });
    maxLen(p, e.value, LIMITS.buttonValue, `${pointer}/value`);
    maxLen(p, e.url, LIMITS.buttonUrl, `${pointer}/url`);
    maxLen(p, e.accessibility_label, LIMITS.accessibilityLabel, `${pointer}/accessibility_label`);
    if (e.style !== undefined && e.style !== 'primary' && e.style !== 'danger') {
      p.add('must be one of primary, danger', `${pointer}/style`);
    }
  }
  if (e.type === 'overflow' && Array.isArray(e.options) && (e.options.length < 1 || e.options.length > 5)) {
    p.add('must provide between 1 and 5 options', `${pointer}/options`);
  }
  if (e.placeholder !== undefined) {
    checkText(p, e.placeholder, `${pointer}/placeholder`, { max: 150, only: 'plain_text' });
  }
}

function checkSection(p: Problems, b: Obj, ptr: string): void {
  if (b.text === undefined && b.fields === undefined) {
    p.add('must provide text or fields', ptr);
  }
  if (b.text !== undefined) checkText(p, b.text, `${ptr}/text`, { max: LIMITS.sectionText });
  if (b.fields !== undefined) {
    if (!Array.isArray(b.fields)) {
      p.add('fields must be an array', `${ptr}/fields`);
    } else {
      if (b.fields.length > LIMITS.sectionFields) {
        p.add(`must provide no more than ${LIMITS.sectionFields} items`, `${ptr}/fields`);
      }
      b.fields.forEach((f, i) => {
        checkText(p, f, `${ptr}/fields/${i}`, { max: LIMITS.sectionField });
      });
    }
  }
  if (b.accessory !== undefined) checkElement(p, b.accessory, `${ptr}/accessory`, true);
}

function checkActions(p: Problems, b: Obj, ptr: string): void {
  if (!Array.isArray(b.elements) || b.elements.length === 0) {
    p.add('must provide at least 1 item', `${ptr}/elements`);
    return;
  }
  if (b.elements.length > LIMITS.actionsElements) {
    p.add(`must provide no more than ${LIMITS.actionsElements} items`, `${ptr}/elements`);
  }
  const seen = new Set<string>();
  b.elements.forEach((e, i) => {
    checkElement(p, e, `${ptr}/elements/${i}`, false);
    const id = isObj(e) ? e.action_id : undefined;
    if (typeof id === 'string') {
      if (seen.has(id))
        p.add(`action_id ${JSON.stringify(id)} already exists`, `${ptr}/elements/${i}/action_id`);
      seen.add(id);
    }
  });
}

function checkContext(p: Problems, b: Obj, ptr: string): void {
  if (!Array.isArray(b.elements) || b.elements.length === 0) {
    p.add('must provide at least 1 item', `${ptr}/elements`);
    return;
  }
  if (b.elements.length > LIMITS.contextElements) {
    p.add(`must provide no more than ${LIMITS.contextElements} items`, `${ptr}/elements`);
  }
  b.elements.forEach((e, i) => {
    if (isObj(e) && e.type === 'image') checkImageElement(p, e, `${ptr}/elements/${i}`);
    else checkText(p, e, `${ptr}/elements/${i}`);
  });
}

/**
 * A table: 1–100 rows, each 1–20 cells of `raw_text` (non-empty `text`) or `rich_text`
 * (`elements`); at most 20 `column_settings` with `align` left|center|right and boolean `is_wrapped`.
 */
function checkTable(p: Problems, b: Obj, ptr: string): void {
  if (!Array.isArray(b.rows) || b.rows.length === 0) {
    p.add('must provide at least 1 item', `${ptr}/rows`);
    return;
  }
  if (b.rows.length > LIMITS.tableRows)
    p.add(`must provide no more than ${LIMITS.tableRows} items`, `${ptr}/rows`);
  b.rows.forEach((row, r) => {
    const rp = `${ptr}/rows/${r}`;
    if (!Array.isArray(row) || row.length === 0) {
      p.add('must provide at least 1 item', rp);
      return;
    }
    if (row.length > LIMITS.tableCells) p.add(`must provide no more than ${LIMITS.tableCells} items`, rp);
    row.forEach((cell, c) => {
      const cp = `${rp}/${c}`;
      if (isObj(cell) && cell.type === 'raw_text') {
        if (typeof cell.text !== 'string' || cell.text.length === 0)
          p.add('must be more than 0 characters', `${cp}/text`);
      } else if (isObj(cell) && cell.type === 'rich_text') {
        if (!Array.isArray(cell.elements)) p.add('must provide elements', `${cp}/elements`);
      } else {
        p.add(
          `table cell type must be raw_text or rich_text, got ${JSON.stringify(isObj(cell) ? cell.type : cell)}`,
          cp,
        );
      }
    });
  });
  if (b.column_settings !== undefined) {
    if (!Array.isArray(b.column_settings)) {
      p.add('column_settings must be an array', `${ptr}/column_settings`);
      return;
    }
    if (b.column_settings.length > LIMITS.tableColumnSettings) {
      p.add(`must provide no more than ${LIMITS.tableColumnSettings} items`, `${ptr}/column_settings`);
    }
    b.column_settings.forEach((s, i) => {
      const sp = `${ptr}/column_settings/${i}`;
      if (s === null) return; // Slack allows null to keep a column's default
      if (!isObj(s)) {
        p.add('must be an object', sp);
        return;
      }
      if (s.align !== undefined && !['left', 'center', 'right'].includes(s.align as string)) {
        p.add('must be one of left, center, right', `${sp}/align`);
      }
      if (s.is_wrapped !== undefined && typeof s.is_wrapped !== 'boolean')
        p.add('must be a boolean', `${sp}/is_wrapped`);
    });
  }
}

function checkBlock(p: Problems, b: unknown, ptr: string, surface: Surface): void {
  if (!isObj(b)) {
    p.add('must be a block object', ptr);
    return;
  }
  const type = b.type;
  const known =
    typeof type === 'string' &&
    (surface === 'modal'
      ? (MESSAGE_BLOCKS.has(type) && !MESSAGE_ONLY_BLOCKS.has(type)) || MODAL_ONLY_BLOCKS.has(type)
      : MESSAGE_BLOCKS.has(type));
  if (!known) {
    p.add(`unknown block type ${JSON.stringify(type)}`, `${ptr}/type`);
    return;
  }
  maxLen(p, b.block_id, LIMITS.blockId, `${ptr}/block_id`);
  switch (type) {
    case 'section':
      checkSection(p, b, ptr);
      break;
    case 'header':
      checkText(p, b.text, `${ptr}/text`, { max: LIMITS.headerText, only: 'plain_text' });
      break;
    case 'context':
      checkContext(p, b, ptr);
      break;
    case 'actions':
      checkActions(p, b, ptr);
      break;
    case 'image':
      checkImageElement(p, b, ptr);
      if (b.title !== undefined) checkText(p, b.title, `${ptr}/title`, { max: 2000, only: 'plain_text' });
      break;
    case 'markdown':
      if (typeof b.text !== 'string' || b.text.length === 0) p.add('must provide text', `${ptr}/text`);
      maxLen(p, b.text, LIMITS.markdownBlock, `${ptr}/text`);
      break;
    case 'table':
      checkTable(p, b, ptr);
      break;
    case 'input':
      checkText(p, b.label, `${ptr}/label`, { max: 2000, only: 'plain_text' });
      checkElement(p, b.element, `${ptr}/element`, false);
      break;
    default:
      break; // divider, rich_text, video, file: structure not checked further
  }
}

/**
 * Every problem with `blocks` on the given surface (empty = valid). Checks the block count,
 * block types, text objects, per-block limits and unique `block_id`s.
 */
export function validateBlocks(blocks: unknown, opts: ValidateOptions): string[] {
  const p = new Problems();
  const base = opts.pointer ?? '/blocks';
  if (!Array.isArray(blocks)) {
    p.add('must be an array', base);
    return p.list;
  }
  const max = opts.surface === 'modal' ? LIMITS.blocksPerModal : LIMITS.blocksPerMessage;
  if (blocks.length > max) p.add(`must provide no more than ${max} items`, base);
  const blockIds = new Set<string>();
  let tables = 0;
  blocks.forEach((b, i) => {
    const ptr = `${base}/${i}`;
    checkBlock(p, b, ptr, opts.surface);
    // Slack allows one table per message (`only_one_table_allowed`).
    if (isObj(b) && b.type === 'table' && ++tables === 2) p.add('only_one_table_allowed', ptr);
    const id = isObj(b) ? b.block_id : undefined;
    if (typeof id === 'string') {
      if (blockIds.has(id)) p.add(`block_id ${JSON.stringify(id)} already exists`, `${ptr}/block_id`);
      blockIds.add(id);
    }
  });
  return p.list;
}
