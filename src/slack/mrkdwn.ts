/**
 * The only way finding text reaches Slack. Everything a finding carries (process names, command
 * lines, paths, domains, even titles) may come from a compromised container, so it is escaped
 * for mrkdwn (`&`, `<`, `>`: no `<!channel>`, `<@U…>` or `<https://x|y>` can form), kept out of
 * mentions and links, and cut to a budget without splitting an emoji or a surrogate pair.
 *
 * Every function here guarantees `result.length <= max` in UTF-16 units (what JSON and Slack's
 * length checks see), so callers can pass Block Kit limits straight through.
 */
import { EcsGuardError, ErrorCode } from '../errors.js';

const ZWJ = '\u200D';
const segmenter = new Intl.Segmenter('en', { granularity: 'grapheme' });

/**
 * Shows control characters (except \n and \t), bidi overrides/isolates, zero-width and other
 * invisible characters as `[U+XXXX]` instead of passing them on: right-to-left tricks cannot
 * reorder the text ("trojan source"), and nothing can hide inside a title or a command line.
 * A zero-width joiner between two emoji (👩‍👧) is kept: it is how those emoji are written.
 */
const INVISIBLE =
  // biome-ignore lint/suspicious/noControlCharactersInRegex lint/suspicious/noMisleadingCharacterClass: each one is found and shown on its own, on purpose
  /(?!(?<=\p{Extended_Pictographic}[\uFE0F\u{1F3FB}-\u{1F3FF}]?)\u200D(?=\p{Extended_Pictographic}))[\p{Cf}\u0000-\u0008\u000B-\u001F\u007F-\u009F\u034F\u115F\u1160\u17B4\u17B5\u180B-\u180D\u180F\u2028\u2029\u3164\uFE00-\uFE0D\uFFA0\u{E0100}-\u{E01EF}]/gu;

const codeOf = (c: string): string =>
  `[U+${(c.codePointAt(0) ?? 0).toString(16).toUpperCase().padStart(4, '0')}]`;

function clean(s: string): string {
  return s.replace(/\r\n/g, '\n').replace(INVISIBLE, codeOf);
}

/** `@here` / `@channel` / `@everyone` as text: a zero-width joiner after `@` keeps them inert. */
const neutraliseMentions = (s: string): string => s.replace(/@(here|channel|everyone)/gi, `@${ZWJ}$1`);

/** `https://x` in untrusted text must not become a link: `https[:]//x` (the usual "defang"). */
const defangSchemes = (s: string): string => s.replace(/\b([a-z][a-z0-9+.-]{1,15}):\/\//gi, '$1[:]//');

const escapeEntities = (s: string): string =>
  s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');

const codePoints = (s: string): number => {
  let n = 0;
  for (const _ of s) n++;
  return n;
};

/**
 * Fits `source` into `max` UTF-16 units after per-grapheme `render`, cutting only between
 * grapheme clusters and appending `… [truncated N chars]` (N in code points) when cut.
 */
function fitTo(source: string, max: number, render: (g: string) => string = (g) => g): string {
  const limit = Math.max(0, Math.floor(max));
  // Fast path (almost every string): it fits, so nothing is cut and no grapheme segmentation is
  // needed. Both renderers work character by character, so rendering the whole string equals
  // rendering it grapheme by grapheme.
  if (source.length <= limit) {
    const all = render(source);
    if (all.length <= limit) return all;
  }
  // Rendering never shortens a grapheme, so a source longer than the limit is cut for sure and
  // only a prefix needs segmenting (this keeps a 1 MB command line cheap).
  const whole = source.length <= limit + 64;
  const prefix = whole ? source : source.slice(0, limit + 64);
  const graphemes = Array.from(segmenter.segment(prefix), (x) => x.segment);
  // The prefix may end inside a grapheme (or a surrogate pair): never keep its last one.
  if (!whole) graphemes.pop();
  const rendered = graphemes.map(render);
  if (whole) {
    let total = 0;
    for (const r of rendered) total += r.length;
    if (total <= limit) return rendered.join('');
  }

  const sourcePoints = codePoints(source);
  // The marker's own length depends on N; N's digits never exceed those of the whole length.
  const marker = (n: number) => `… [truncated ${n} chars]`;
  const room = limit - marker(sourcePoints).length;
  if (room < 0) {
    // No room for a marker: hard cut (still never splits a surrogate pair).
    return fitHard(rendered, limit);
  }
  let used = 0;
  let keptPoints = 0;
  let out = '';
  for (let i = 0; i < rendered.length; i++) {
    const r = rendered[i] as string;
    if (used + r.length > room) break;
    out += r;
    used += r.length;
    keptPoints += codePoints(graphemes[i] as string);
  }
  return out + marker(sourcePoints - keptPoints);
}

function fitHard(rendered: string[], limit: number): string {
  let out = '';
  for (const r of rendered) {
    if (out.length + r.length > limit) break;
    out += r;
  }
  return out;
}

/** Untrusted text → safe mrkdwn (no length limit; prefer `mrkdwn(s, max)` inside blocks). */
export function escapeMrkdwn(s: string): string {
  return escapeEntities(defangSchemes(neutraliseMentions(clean(String(s)))));
}

/** Untrusted text → safe mrkdwn of at most `max` UTF-16 units. */
export function mrkdwn(s: string, max: number): string {
  return fitTo(defangSchemes(neutraliseMentions(clean(String(s)))), max, escapeEntities);
}

/** Plain truncation (no escaping) at a grapheme boundary with a `… [truncated N chars]` marker. */
export function truncate(s: string, max: number): string {
  return fitTo(String(s), max);
}

/**
 * Text for `plain_text` objects (header, buttons, confirm dialogs). Slack does not parse these,
 * but `<` and `>` still become look-alikes (‹ ›) so no `<!channel>`-shaped text is ever sent.
 */
export function plain(s: string, max: number): string {
  const oneLine = defangSchemes(neutraliseMentions(clean(String(s))))
    .replace(/\s*\n\s*/g, ' ')
    .replace(/</g, '\u2039')
    .replace(/>/g, '\u203A');
  return fitTo(oneLine, Math.max(1, max)) || ' ';
}

/**
 * Mrkdwn's inline markup characters as look-alikes that Slack does not format (`*` ∗, `_` ˍ,
 * `~` ∼, backtick ˋ), and `:name:` emoji codes broken (꞉), so one-line untrusted text cannot
 * make bold, italic, strike or code, nor draw a ✅ status line of its own.
 */
const neutraliseMarkup = (s: string): string =>
  s
    .replace(/\*/g, '\u2217')
    .replace(/_/g, '\u02CD')
    .replace(/~/g, '\u223C')
    .replace(/`/g, '\u02CB')
    .replace(/:(?=[a-z+-][a-z0-9+-]*:)/gi, '\uA789');

/**
 * Untrusted text that must stay on one line (a finding's title, the fields of a fallback text):
 * newlines and tabs collapse to one space and inline markup is neutralised, then escaped as
 * `mrkdwn` does, in at most `max` UTF-16 units.
 */
export function oneLine(s: string, max: number): string {
  const flat = String(s).replace(/[\s\u2028\u2029]*[\r\n\t\v\f\u2028\u2029]+[\s\u2028\u2029]*/g, ' ');
  return fitTo(neutraliseMarkup(defangSchemes(neutraliseMentions(clean(flat)))), max, escapeEntities);
}

// Backticks inside code cannot end the span: use U+02CB (modifier grave), which looks the same.
const noBackticks = (s: string): string => s.replace(/`/g, '\u02CB');

/**
 * Untrusted text as inline code (`block = false`; newlines shown as ⏎) or a code block. The result,
 * fences included, is at most `max` units. URL schemes are defanged here too, in case a client links inside code.
 */
export function code(s: string, max: number, block = false): string {
  let body = noBackticks(defangSchemes(neutraliseMentions(clean(String(s)))));
  if (!block) body = body.replace(/\r?\n/g, ' ⏎ ');
  const fence = block ? '```' : '`';
  // An empty span renders as literal backticks; show a visible placeholder instead.
  const inner = fitTo(body === '' ? ' ' : body, max - fence.length * 2, escapeEntities);
  return `${fence}${inner}${fence}`;
}

const USER_ID = /^[UW][A-Z0-9]+$/;
const GROUP_ID = /^S[A-Z0-9]+$/;

/** A user mention for a trusted Slack user id (`U…`/`W…`). Anything else throws. */
export function userMention(id: string): string {
  if (!USER_ID.test(id)) throw new EcsGuardError(ErrorCode.InvalidInput, 'not a Slack user id');
  return `<@${id}>`;
}

/** A user-group mention for a trusted user-group id (`S…`). */
export function groupMention(id: string): string {
  if (!GROUP_ID.test(id)) throw new EcsGuardError(ErrorCode.InvalidInput, 'not a Slack user-group id');
  return `<!subteam^${id}>`;
}

/** A user (`U…`/`W…`) or user-group (`S…`) id as a mention; other input renders escaped, not mentioned. */
export function principalMention(id: string): string {
  if (USER_ID.test(id)) return userMention(id);
  if (GROUP_ID.test(id)) return groupMention(id);
  return code(id, 80);
}

/**
 * A link we built ourselves. The URL must be https and free of the characters that end a Slack
 * link (`|`, `>`, `<`, whitespace); the label is escaped as untrusted text.
 */
export function link(url: string, label: string, maxLabel = 200): string {
  if (!/^https:\/\/[^\s|<>]+$/.test(url)) throw new EcsGuardError(ErrorCode.InvalidInput, 'unsafe link URL');
  return `<${url}|${mrkdwn(label, maxLabel).replace(/\|/g, '\u2223')}>`;
}
