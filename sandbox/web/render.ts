/**
 * Block Kit → HTML for the sandbox page, the way Slack's client shows it. Pure functions: the
 * server renders every message here and the page only inserts the result.
 *
 * Everything in a message may be attacker-controlled (process names, command lines, paths from a
 * compromised container), so every piece of text is HTML-escaped and links are only emitted for
 * http(s)/mailto URLs. Only the tags this module writes itself reach the page.
 */

export interface RenderDirectory {
  /** user id → display name (for `<@U…>`) */
  users: Record<string, string>;
  /** user-group id → handle (for `<!subteam^S…>`) */
  groups: Record<string, string>;
  /** channel id → name (for `<#C…>`) */
  channels: Record<string, string>;
}

export const EMPTY_DIRECTORY: RenderDirectory = { users: {}, groups: {}, channels: {} };

type Obj = Record<string, unknown>;
const isObj = (v: unknown): v is Obj => typeof v === 'object' && v !== null && !Array.isArray(v);
const str = (v: unknown): string => (typeof v === 'string' ? v : '');

const HTML_ESCAPES: Record<string, string> = {
  '&': '&amp;',
  '<': '&lt;',
  '>': '&gt;',
  '"': '&quot;',
  "'": '&#39;',
};

/** Text → HTML text or attribute value. */
export function escapeHtml(s: string): string {
  return String(s).replace(/[&<>"']/g, (c) => HTML_ESCAPES[c] as string);
}

/** Slack's three mrkdwn entities back to characters (then escapeHtml for the page). */
export function decodeEntities(s: string): string {
  return s.replace(/&lt;/g, '<').replace(/&gt;/g, '>').replace(/&amp;/g, '&');
}

/** The emoji the bot uses (and a few common ones); others stay as `:name:` text. */
const EMOJI: Record<string, string> = {
  alarm_clock: '⏰',
  bulb: '💡',
  file_folder: '📁',
  gear: '⚙️',
  grey_question: '❔',
  hourglass_flowing_sand: '⏳',
  information_source: 'ℹ️',
  large_green_circle: '🟢',
  large_yellow_circle: '🟡',
  large_orange_circle: '🟠',
  large_blue_circle: '🔵',
  lock: '🔒',
  mag: '🔍',
  no_entry: '⛔',
  no_entry_sign: '🚫',
  red_circle: '🔴',
  rotating_light: '🚨',
  test_tube: '🧪',
  warning: '⚠️',
  white_check_mark: '✅',
  x: '❌',
  heavy_check_mark: '✔️',
  shield: '🛡️',
  fire: '🔥',
  eyes: '👀',
  skull: '💀',
  zap: '⚡',
  package: '📦',
  clipboard: '📋',
  busts_in_silhouette: '👥',
  bust_in_silhouette: '👤',
  link: '🔗',
  hammer_and_wrench: '🛠️',
  stopwatch: '⏱️',
  octagonal_sign: '🛑',
  arrows_counterclockwise: '🔄',
  thumbsup: '👍',
  '+1': '👍',
  tada: '🎉',
  dart: '🎯',
  key: '🔑',
  white_circle: '⚪',
  double_vertical_bar: '⏸️',
};

/** `:name:` → emoji, on already-escaped text (names are [a-z0-9_+-], nothing to escape). */
export function emojify(escaped: string): string {
  return escaped.replace(/:([a-z0-9_+-]+):/g, (m, name: string) => EMOJI[name] ?? m);
}

/** Placeholders for spans rendered early (code, links, mentions) so later passes leave them alone. */
const PH_OPEN = '\uE000';
const PH_CLOSE = '\uE001';
const PH_RE = /\uE000(\d+)\uE001/g;
const stripPlaceholders = (s: string) => s.replace(/[\uE000\uE001]/g, '');

const SAFE_URL = /^(https?:\/\/|mailto:)[^\s]*$/i;

/** Formats `<!date^epoch^…|fallback>` deterministically (UTC); the page re-formats to local time. */
function renderDate(epochS: number, fallback: string): string {
  if (!Number.isFinite(epochS)) return escapeHtml(fallback);
  const d = new Date(epochS * 1000);
  const text = `${d.toISOString().slice(0, 10)} ${d.toISOString().slice(11, 19)} UTC`;
  return `<time class="sk-date" data-epoch="${epochS}" datetime="${escapeHtml(d.toISOString())}">${escapeHtml(text)}</time>`;
}

/** One `<…>` token (inner text without the brackets, still entity-encoded). */
function renderAngle(inner: string, dir: RenderDirectory): string {
  const bar = inner.indexOf('|');
  const target = bar >= 0 ? inner.slice(0, bar) : inner;
  const label = bar >= 0 ? decodeEntities(inner.slice(bar + 1)) : undefined;
  if (target.startsWith('@')) {
    const id = target.slice(1);
    const name = dir.users[id] ?? label ?? id;
    return `<span class="sk-mention" data-user="${escapeHtml(id)}">@${escapeHtml(name.replace(/^@/, ''))}</span>`;
  }
  if (target.startsWith('#')) {
    const id = target.slice(1);
    const name = dir.channels[id] ?? label ?? id;
    return `<span class="sk-mention sk-channel">#${escapeHtml(name.replace(/^#/, ''))}</span>`;
  }
  if (target.startsWith('!subteam^')) {
    const id = target.slice('!subteam^'.length);
    const handle = dir.groups[id] ?? label ?? id;
    return `<span class="sk-mention sk-group" data-group="${escapeHtml(id)}">@${escapeHtml(handle.replace(/^@/, ''))}</span>`;
  }
  if (target.startsWith('!date^')) {
    const epoch = Number(target.split('^')[1]);
    return renderDate(epoch, label ?? '');
  }
  if (target.startsWith('!')) {
    const word = target.slice(1);
    if (['here', 'channel', 'everyone'].includes(word))
      return `<span class="sk-mention sk-broadcast">@${escapeHtml(word)}</span>`;
    return escapeHtml(label ?? word);
  }
  const url = decodeEntities(target);
  if (SAFE_URL.test(url)) {
    const text = label ?? url;
    return `<a class="sk-link" href="${escapeHtml(url)}" target="_blank" rel="noopener noreferrer">${escapeHtml(text)}</a>`;
  }
  // Not something Slack would link: show it as the text it is.
  return escapeHtml(`<${decodeEntities(inner)}>`);
}

/** Bold, italic and strike on escaped text (placeholders are opaque to these patterns). */
function applyEmphasis(s: string): string {
  return s
    .replace(/(^|[^\w*])\*(?!\s)([^*\n]+?)\*(?!\w)/g, '$1<b>$2</b>')
    .replace(/(^|[^\w_])_(?!\s)([^_\n]+?)_(?!\w)/g, '$1<i>$2</i>')
    .replace(/(^|[^\w~])~(?!\s)([^~\n]+?)~(?!\w)/g, '$1<s>$2</s>');
}

/** One line of mrkdwn (no code fences) → HTML. */
function renderInline(line: string, dir: RenderDirectory, spans: string[]): string {
  const hold = (html: string) => {
    spans.push(html);
    return `${PH_OPEN}${spans.length - 1}${PH_CLOSE}`;
  };
  let s = line.replace(/`([^`\n]+)`/g, (_m, body: string) =>
    hold(`<code>${escapeHtml(decodeEntities(body))}</code>`),
  );
  s = s.replace(/<([^<>\n]*)>/g, (_m, inner: string) => hold(renderAngle(inner, dir)));
  s = emojify(escapeHtml(decodeEntities(s)));
  return applyEmphasis(s);
}

const fill = (html: string, spans: string[]): string => {
  // Spans may hold placeholders of earlier spans only in theory; one pass is enough here.
  return html.replace(PH_RE, (_m, i: string) => spans[Number(i)] ?? '');
};

/** Slack mrkdwn → HTML: *bold*, _italic_, ~strike~, `code`, ```blocks```, > quotes, links, mentions, dates, emoji. */
export function renderMrkdwn(text: string, dir: RenderDirectory = EMPTY_DIRECTORY): string {
  const src = stripPlaceholders(String(text ?? ''));
  const spans: string[] = [];
  const out: string[] = [];
  const parts = src.split(/```/);
  parts.forEach((part, i) => {
    // Odd parts are inside a fence (an unclosed last fence is shown as text, like Slack).
    const fenced = i % 2 === 1 && i < parts.length - 1;
    if (fenced) {
      out.push(`<pre class="sk-pre">${escapeHtml(decodeEntities(part.replace(/^\n/, '')))}</pre>`);
      return;
    }
    const chunk = i % 2 === 1 ? `\`\`\`${part}` : part;
    out.push(renderLines(chunk, dir, spans));
  });
  return fill(out.join(''), spans);
}

function renderLines(chunk: string, dir: RenderDirectory, spans: string[]): string {
  if (chunk === '') return '';
  const lines = chunk.split('\n');
  const html: string[] = [];
  let quote: string[] = [];
  const flushQuote = () => {
    if (quote.length) html.push(`<blockquote class="sk-quote">${quote.join('<br>')}</blockquote>`);
    quote = [];
  };
  const plainLines: string[] = [];
  const flushPlain = () => {
    if (plainLines.length) html.push(plainLines.join('<br>'));
    plainLines.length = 0;
  };
  for (const line of lines) {
    const q = /^(?:>|&gt;) ?(.*)$/.exec(line);
    if (q) {
      flushPlain();
      quote.push(renderInline(q[1] as string, dir, spans));
    } else {
      flushQuote();
      plainLines.push(renderInline(line, dir, spans));
    }
  }
  flushQuote();
  flushPlain();
  return html.join('');
}

/** A text object (plain_text or mrkdwn) → HTML. */
export function renderText(t: unknown, dir: RenderDirectory = EMPTY_DIRECTORY): string {
  if (!isObj(t)) return '';
  const text = str(t.text);
  if (t.type === 'mrkdwn') return renderMrkdwn(text, dir);
  const escaped = escapeHtml(text);
  return t.emoji === false ? escaped : emojify(escaped);
}

/** The confirm dialog of a button as plain strings (the page shows them with textContent). */
export interface ConfirmSpec {
  title: string;
  text: string;
  confirm: string;
  deny: string;
  style?: string;
}

export function confirmSpec(c: unknown): ConfirmSpec | undefined {
  if (!isObj(c)) return undefined;
  const t = (v: unknown, d: string) => (isObj(v) && typeof v.text === 'string' ? v.text : d);
  const style = c.style === 'danger' || c.style === 'primary' ? c.style : undefined;
  return {
    title: t(c.title, 'Are you sure?'),
    text: t(c.text, ''),
    confirm: t(c.confirm, 'Yes'),
    deny: t(c.deny, 'Cancel'),
    ...(style ? { style } : {}),
  };
}

function renderButton(e: Obj, blockId: string): string {
  const style = e.style === 'primary' || e.style === 'danger' ? ` sk-btn-${e.style}` : '';
  const label = renderText(e.text);
  const url = str(e.url);
  if (url && SAFE_URL.test(url)) {
    return `<a class="sk-btn${style}" href="${escapeHtml(url)}" target="_blank" rel="noopener noreferrer">${label}</a>`;
  }
  const confirm = confirmSpec(e.confirm);
  const attrs = [
    `class="sk-btn${style}"`,
    'type="button"',
    `data-action-id="${escapeHtml(str(e.action_id))}"`,
    `data-block-id="${escapeHtml(blockId)}"`,
    confirm ? `data-confirm="${escapeHtml(JSON.stringify(confirm))}"` : '',
  ].filter(Boolean);
  return `<button ${attrs.join(' ')}>${label}</button>`;
}

/**
 * Message checkboxes (the Contain plan's steps): ticked as `initial_options` says; the page keeps
 * what the person changes and sends it as the click's `state.values`, as Slack does.
 */
function renderCheckboxes(e: Obj, blockId: string): string {
  const options = Array.isArray(e.options) ? e.options.filter(isObj) : [];
  const initial = new Set(
    (Array.isArray(e.initial_options) ? e.initial_options.filter(isObj) : []).map((o) => str(o.value)),
  );
  const actionId = escapeHtml(str(e.action_id));
  const boxes = options.map((o) => {
    const value = str(o.value);
    return `<label class="sk-checkbox"><input type="checkbox" data-action-id="${actionId}" data-block-id="${escapeHtml(blockId)}" value="${escapeHtml(value)}"${initial.has(value) ? ' checked' : ''}> ${renderText(o.text)}</label>`;
  });
  return `<div class="sk-checkboxes">${boxes.join('')}</div>`;
}

/** Elements this page cannot drive (selects, date pickers…) show as a disabled chip. */
function renderElement(e: unknown, blockId: string, dir: RenderDirectory): string {
  if (!isObj(e)) return '';
  if (e.type === 'button') return renderButton(e, blockId);
  if (e.type === 'checkboxes') return renderCheckboxes(e, blockId);
  if (e.type === 'image') return `<span class="sk-img-alt">[${escapeHtml(str(e.alt_text))}]</span>`;
  if (e.type === 'mrkdwn' || e.type === 'plain_text') return `<span>${renderText(e, dir)}</span>`;
  return `<span class="sk-unsupported">[${escapeHtml(str(e.type) || 'element')}]</span>`;
}

function renderRichText(b: Obj): string {
  // Rich text from the bot is rare; show its text content, escaped.
  const texts: string[] = [];
  const walk = (v: unknown) => {
    if (Array.isArray(v)) v.forEach(walk);
    else if (isObj(v)) {
      if (typeof v.text === 'string') texts.push(v.text);
      if (v.elements) walk(v.elements);
    }
  };
  walk(b.elements);
  return `<div class="sk-block sk-rich">${escapeHtml(texts.join(''))}</div>`;
}

/** A table cell: `raw_text` (plain, Slack parses nothing) or `rich_text` (its text content). */
function renderTableCell(cell: unknown, tag: 'th' | 'td'): string {
  if (!isObj(cell)) return `<${tag}></${tag}>`;
  if (cell.type === 'raw_text') return `<${tag}>${escapeHtml(str(cell.text))}</${tag}>`;
  return `<${tag}>${renderRichText(cell).replace(/^<div class="sk-block sk-rich">|<\/div>$/g, '')}</${tag}>`;
}

/** A `table` block: the first row is the header, as Slack shows it. */
function renderTable(b: Obj): string {
  const rows = Array.isArray(b.rows) ? b.rows.filter(Array.isArray) : [];
  const html = rows.map(
    (row, i) =>
      `<tr>${(row as unknown[]).map((c) => renderTableCell(c, i === 0 ? 'th' : 'td')).join('')}</tr>`,
  );
  return `<div class="sk-block sk-table"><table>${html.join('')}</table></div>`;
}

/** One block → HTML. Unknown blocks show their type instead of disappearing. */
export function renderBlock(block: unknown, dir: RenderDirectory = EMPTY_DIRECTORY): string {
  if (!isObj(block)) return '';
  const blockId = str(block.block_id);
  switch (block.type) {
    case 'header':
      return `<div class="sk-block sk-header">${renderText(block.text, dir)}</div>`;
    case 'divider':
      return '<hr class="sk-block sk-divider">';
    case 'section': {
      const text = block.text ? `<div class="sk-section-text">${renderText(block.text, dir)}</div>` : '';
      const fields = Array.isArray(block.fields)
        ? `<div class="sk-fields">${block.fields.map((f) => `<div class="sk-field">${renderText(f, dir)}</div>`).join('')}</div>`
        : '';
      const accessory = block.accessory
        ? `<div class="sk-accessory">${renderElement(block.accessory, blockId, dir)}</div>`
        : '';
      return `<div class="sk-block sk-section"><div class="sk-section-body">${text}${fields}</div>${accessory}</div>`;
    }
    case 'context': {
      const els = Array.isArray(block.elements) ? block.elements : [];
      return `<div class="sk-block sk-context">${els.map((e) => renderElement(e, blockId, dir)).join('')}</div>`;
    }
    case 'actions': {
      const els = Array.isArray(block.elements) ? block.elements : [];
      return `<div class="sk-block sk-actions">${els.map((e) => renderElement(e, blockId, dir)).join('')}</div>`;
    }
    case 'image':
      return `<div class="sk-block sk-img-alt">[image: ${escapeHtml(str(block.alt_text))}]</div>`;
    case 'rich_text':
      return renderRichText(block);
    case 'table':
      return renderTable(block);
    default:
      return `<div class="sk-block sk-unsupported">[${escapeHtml(str(block.type) || 'unknown')} block]</div>`;
  }
}

export function renderBlocks(blocks: unknown, dir: RenderDirectory = EMPTY_DIRECTORY): string {
  return Array.isArray(blocks) ? blocks.map((b) => renderBlock(b, dir)).join('') : '';
}

const ATTACHMENT_COLORS: Record<string, string> = { good: '#2eb67d', warning: '#ecb22e', danger: '#e01e5a' };

/**
 * A message body: blocks when present (Slack then uses `text` only for notifications), else the
 * text as mrkdwn; attachments after it with their colour bar.
 */
export function renderMessageBody(
  m: { text?: string | undefined; blocks?: unknown; attachments?: unknown },
  dir: RenderDirectory = EMPTY_DIRECTORY,
): string {
  const body =
    Array.isArray(m.blocks) && m.blocks.length > 0
      ? renderBlocks(m.blocks, dir)
      : `<div class="sk-block sk-text">${renderMrkdwn(m.text ?? '', dir)}</div>`;
  const attachments = Array.isArray(m.attachments)
    ? m.attachments
        .filter(isObj)
        .map((a) => {
          const raw = str(a.color);
          const color =
            ATTACHMENT_COLORS[raw] ?? (/^#?[0-9a-f]{6}$/i.test(raw) ? `#${raw.replace('#', '')}` : '#ddd');
          const inner =
            Array.isArray(a.blocks) && a.blocks.length
              ? renderBlocks(a.blocks, dir)
              : renderMrkdwn(str(a.text) || str(a.fallback), dir);
          return `<div class="sk-attachment" style="border-left-color:${color}">${inner}</div>`;
        })
        .join('')
    : '';
  return body + attachments;
}
