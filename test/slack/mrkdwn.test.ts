import { describe, expect, it } from 'vitest';
import { ErrorCode } from '../../src/errors.js';
import {
  code,
  escapeMrkdwn,
  groupMention,
  link,
  mrkdwn,
  oneLine,
  plain,
  principalMention,
  truncate,
  userMention,
} from '../../src/slack/mrkdwn.js';

const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;

describe('escapeMrkdwn', () => {
  it('escapes &, < and > so no control sequence can form', () => {
    const s = escapeMrkdwn('<!channel> <@U123> <https://evil.example|click> a & b <#C1>');
    expect(s).not.toMatch(/[<>]/);
    expect(s).toContain('&lt;!channel&gt;');
    expect(s).toContain('&lt;@U123&gt;');
    expect(s).toContain('a &amp; b');
  });

  it('does not double-escape entities the attacker wrote', () => {
    expect(escapeMrkdwn('&lt;!here&gt;')).toBe('&amp;lt;!here&amp;gt;');
  });

  it('neutralises @here, @channel and @everyone text mentions', () => {
    const s = escapeMrkdwn('hey @here and @Channel and @everyone');
    expect(s).not.toMatch(/@(here|channel|everyone)/i);
    expect(s.replace(/\u200D/g, '')).toBe('hey @here and @Channel and @everyone');
  });

  it('defangs URL schemes so they are not auto-linked', () => {
    expect(escapeMrkdwn('see https://evil.example/x and ftp://h')).toBe(
      'see https[:]//evil.example/x and ftp[:]//h',
    );
  });

  it('shows bidi controls and control characters instead of applying them', () => {
    expect(escapeMrkdwn('a\u202Eevil\u0007b')).toBe('a[U+202E]evil[U+0007]b');
  });

  it('shows zero-width and other invisible characters as [U+XXXX], keeping emoji joiners', () => {
    expect(escapeMrkdwn('x\u200By\u200Cz\u200Dw\uFEFFv\u2060u\u00ADt')).toBe(
      'x[U+200B]y[U+200C]z[U+200D]w[U+FEFF]v[U+2060]u[U+00AD]t',
    );
    // Unicode "tag" characters smuggle invisible ASCII; Hangul fillers look like nothing.
    expect(escapeMrkdwn('a\u{E0041}\u{E0042}b\u3164c')).toBe('a[U+E0041][U+E0042]b[U+3164]c');
    expect(escapeMrkdwn('👩‍👧 ok')).toBe('👩‍👧 ok');
    expect(code('rm\u200B -rf', 40)).toBe('`rm[U+200B] -rf`');
  });
});

describe('oneLine', () => {
  const fake = 'Crypto miner\n\n:white_check_mark: *Stop task succeeded* · approved by @alice';

  it('keeps a title on one line and neutralises the markup that could fake a status line', () => {
    const s = oneLine(fake, 300);
    expect(s).not.toMatch(/[\n\r*_~`]/);
    expect(s).not.toContain(':white_check_mark:');
    expect(s.startsWith('Crypto miner ')).toBe(true);
    expect(oneLine('a\r\n\tb\u2028c   d', 50)).toBe('a b c   d');
    expect(oneLine('_it_ ~st~ `co` *b*', 50)).toBe(
      '\u02CDit\u02CD \u223Cst\u223C \u02CBco\u02CB \u2217b\u2217',
    );
    // Times and finding types keep their colons.
    expect(oneLine('Execution:Runtime/NewBinaryExecuted at 12:30:45', 80)).toBe(
      'Execution:Runtime/NewBinaryExecuted at 12:30:45',
    );
  });

  it('still escapes, defangs, neutralises mentions and respects the budget', () => {
    const s = oneLine('<!channel> @here https://x.example \u200B'.repeat(50), 120);
    expect(s.length).toBeLessThanOrEqual(120);
    expect(s).not.toMatch(/[<>]|@here|https:\/\/|\u200B/);
    expect(s).toContain('[U+200B]');
  });
});

describe('truncate', () => {
  it('returns short strings unchanged', () => {
    expect(truncate('hello', 5)).toBe('hello');
  });

  it('cuts with a marker counting dropped code points and never exceeds max', () => {
    const s = 'a'.repeat(10_000);
    const t = truncate(s, 100);
    expect(t.length).toBeLessThanOrEqual(100);
    expect(t).toMatch(/… \[truncated (\d+) chars\]$/);
    const kept = t.replace(/… \[truncated \d+ chars\]$/, '').length;
    expect(Number(/(\d+) chars/.exec(t)?.[1])).toBe(10_000 - kept);
  });

  it('never splits a surrogate pair or an emoji sequence', () => {
    const family = '👩‍👩‍👧‍👦'; // 7 code points, 11 UTF-16 units, one grapheme
    const s = `${'😀'.repeat(500)}${family.repeat(200)}`;
    for (const max of [1, 2, 3, 31, 32, 33, 100, 101, 999, 2000, 2001]) {
      const t = truncate(s, max);
      expect(t.length).toBeLessThanOrEqual(max);
      expect(t).not.toMatch(LONE_SURROGATE);
    }
    const t = truncate(s, 40);
    // 500 emoji × 1 code point + 200 × 7: dropped count is in code points, not UTF-16 units.
    const kept = Array.from(t.replace(/… \[truncated \d+ chars\]$/, '')).length;
    expect(Number(/(\d+) chars/.exec(t)?.[1])).toBe(500 + 200 * 7 - kept);
  });

  it('handles RTL text', () => {
    const s = 'שלום עולם مرحبا بالعالم '.repeat(200);
    const t = truncate(s, 120);
    expect(t.length).toBeLessThanOrEqual(120);
    expect(t.startsWith('שלום עולם')).toBe(true);
  });
});

describe('mrkdwn(s, max)', () => {
  it('escapes and fits the escaped result, without cutting an entity in half', () => {
    const s = '<'.repeat(5000);
    const t = mrkdwn(s, 300);
    expect(t.length).toBeLessThanOrEqual(300);
    expect(t).not.toContain('<');
    expect(t.replace(/… \[truncated \d+ chars\]$/, '')).toMatch(/^(&lt;)+$/);
  });
});

describe('code', () => {
  it('keeps backticks from breaking out of inline code or a code block', () => {
    const inline = code('a`b```c', 100);
    expect(inline).toMatch(/^`[^`]*`$/);
    const block = code('x\n```\n*bold* <!channel>\n```', 200, true);
    expect(block.startsWith('```')).toBe(true);
    expect(block.endsWith('```')).toBe(true);
    expect(block.slice(3, -3)).not.toContain('`');
    expect(block).not.toContain('<');
  });

  it('puts newlines on one line in inline code and fits max including fences', () => {
    expect(code('a\nb', 50)).toBe('`a ⏎ b`');
    const t = code('x'.repeat(10_000), 1500, true);
    expect(t.length).toBeLessThanOrEqual(1500);
    expect(t).toContain('[truncated');
  });

  it('renders an empty value visibly', () => {
    expect(code('', 10)).toBe('` `');
  });
});

describe('plain', () => {
  it('is single-line, non-empty and within max', () => {
    expect(plain('a\n\nb', 10)).toBe('a b');
    expect(plain('', 10)).toBe(' ');
    expect(plain('x'.repeat(500), 150).length).toBeLessThanOrEqual(150);
  });
});

describe('mentions and links', () => {
  it('builds mentions only from valid ids', () => {
    expect(userMention('U0123ABC')).toBe('<@U0123ABC>');
    expect(userMention('W0123ABC')).toBe('<@W0123ABC>');
    expect(groupMention('S0123ABC')).toBe('<!subteam^S0123ABC>');
    for (const bad of ['u123', 'U12>3', '<!channel>', 'U123|x', '', 'S123']) {
      expect(() => userMention(bad)).toThrow(expect.objectContaining({ code: ErrorCode.InvalidInput }));
    }
    expect(() => groupMention('U123')).toThrow();
    expect(principalMention('S0ABC')).toBe('<!subteam^S0ABC>');
    expect(principalMention('<!here>')).not.toContain('<');
  });

  it('links only safe URLs and escapes the label', () => {
    expect(link('https://console.aws.amazon.com/x?a=1#b', 'Open <now>')).toBe(
      '<https://console.aws.amazon.com/x?a=1#b|Open &lt;now&gt;>',
    );
    expect(() => link('https://x|evil', 'a')).toThrow();
    expect(() => link('javascript:alert(1)', 'a')).toThrow();
    expect(() => link('https://x y', 'a')).toThrow();
  });
});
