import { describe, expect, it } from 'vitest';
import {
  confirmSpec,
  escapeHtml,
  type RenderDirectory,
  renderBlock,
  renderBlocks,
  renderMessageBody,
  renderMrkdwn,
  renderText,
} from '../../../sandbox/web/render.js';
import { channelView } from '../../../sandbox/web/view-model.js';
import { normaliseFinding } from '../../../src/findings/normalise.js';
import { buildContainPlan } from '../../../src/slack/blocks/contain-plan.js';
import { buildFindingCard } from '../../../src/slack/blocks/finding-card.js';
import { escapeMrkdwn } from '../../../src/slack/mrkdwn.js';
import { fixture, WIRE } from '../../findings/fixtures.js';
import { EVIL, hostileFinding } from '../../slack/blocks/hostile.js';

const dir: RenderDirectory = {
  users: { URITA0001: 'rita', UALICE001: 'alice' },
  groups: { SSECAPPRV: 'sec-approvers' },
  channels: { CSECALERTS: 'security-alerts' },
};

const ALLOWED_TAGS = new Set([
  'table',
  'tr',
  'th',
  'td',
  'a',
  'b',
  'blockquote',
  'br',
  'button',
  'code',
  'div',
  'hr',
  'i',
  'pre',
  's',
  'span',
  'time',
]);
const ALLOWED_ATTRS = /^(class|data-[a-z-]+|href|target|rel|type|datetime|style)$/;

/** Every tag in `html` is one the renderer writes, with only its attributes; links are http(s)/mailto. */
function assertOnlyOurMarkup(html: string): void {
  const tags = [...html.matchAll(/<\/?([a-zA-Z][\w-]*)([^>]*)>/g)];
  for (const [whole, name, attrs] of tags) {
    expect(ALLOWED_TAGS.has((name as string).toLowerCase()), `unexpected tag ${whole}`).toBe(true);
    for (const [, attr] of (attrs as string).matchAll(/\s([^\s=]+)(?:="[^"]*")?/g)) {
      expect(attr, `unexpected attribute in ${whole}`).toMatch(ALLOWED_ATTRS);
    }
    const href = /href="([^"]*)"/.exec(attrs as string)?.[1];
    if (href !== undefined) expect(href).toMatch(/^(https?:\/\/|mailto:)/);
    const style = /style="([^"]*)"/.exec(attrs as string)?.[1];
    if (style !== undefined) expect(style).toMatch(/^border-left-color:#[0-9a-fA-F]{3,6}$/);
  }
  // Outside tags, no raw angle brackets or quotes that could open one.
  const text = html.replace(/<\/?[a-zA-Z][\w-]*(?:\s[^>]*)?>/g, '');
  expect(text).not.toMatch(/[<>]/);
}

describe('escapeHtml', () => {
  it('escapes the five HTML-significant characters', () => {
    expect(escapeHtml(`<a href="x" onclick='y'>&</a>`)).toBe(
      '&lt;a href=&quot;x&quot; onclick=&#39;y&#39;&gt;&amp;&lt;/a&gt;',
    );
  });
});

describe('renderMrkdwn', () => {
  it('renders bold, italic, strike, inline code and code blocks', () => {
    expect(renderMrkdwn('*bold* and _it_ and ~gone~')).toBe('<b>bold</b> and <i>it</i> and <s>gone</s>');
    expect(renderMrkdwn('run `rm -rf /` now')).toBe('run <code>rm -rf /</code> now');
    expect(renderMrkdwn('before\n```\nline 1\n*not bold*\n```\nafter')).toBe(
      'before<br><pre class="sk-pre">line 1\n*not bold*\n</pre><br>after',
    );
  });

  it('leaves snake_case and arithmetic alone', () => {
    expect(renderMrkdwn('aws_guardduty_agent 2*3*4')).toBe('aws_guardduty_agent 2*3*4');
  });

  it('decodes Slack entities once and escapes for HTML', () => {
    expect(renderMrkdwn('a &lt;b&gt; &amp;amp; "q"')).toBe('a &lt;b&gt; &amp;amp; &quot;q&quot;');
    expect(renderMrkdwn('`&lt;script&gt;`')).toBe('<code>&lt;script&gt;</code>');
  });

  it('renders user mentions, user groups, channels and broadcasts by name', () => {
    const html = renderMrkdwn(
      '<@URITA0001> asks <!subteam^SSECAPPRV> in <#CSECALERTS> <!here> <@UNKNOWN1>',
      dir,
    );
    expect(html).toContain('<span class="sk-mention" data-user="URITA0001">@rita</span>');
    expect(html).toContain('<span class="sk-mention sk-group" data-group="SSECAPPRV">@sec-approvers</span>');
    expect(html).toContain('#security-alerts');
    expect(html).toContain('@here');
    expect(html).toContain('@UNKNOWN1');
    expect(renderMrkdwn('<!subteam^SNOPE|@oncall>', dir)).toContain('@oncall');
  });

  it('renders links, only for http(s) and mailto', () => {
    expect(renderMrkdwn('<https://console.aws.amazon.com/x?a=1&amp;b=2|Open in console>', dir)).toBe(
      '<a class="sk-link" href="https://console.aws.amazon.com/x?a=1&amp;b=2" target="_blank" rel="noopener noreferrer">Open in console</a>',
    );
    expect(renderMrkdwn('<https://example.com>')).toContain('>https://example.com</a>');
    const js = renderMrkdwn('<javascript:alert(1)|click>');
    expect(js).not.toContain('href');
    expect(js).toBe('&lt;javascript:alert(1)|click&gt;');
  });

  it('renders dates with their epoch (the page localises them)', () => {
    const html = renderMrkdwn('<!date^1700000000^{date_short_pretty} {time_secs}|2023-11-14T22:13:20.000Z>');
    expect(html).toContain('data-epoch="1700000000"');
    expect(html).toContain('2023-11-14 22:13:20 UTC');
  });

  it('renders quotes and emoji', () => {
    expect(renderMrkdwn('> quoted *x*\n> two\nplain')).toBe(
      '<blockquote class="sk-quote">quoted <b>x</b><br>two</blockquote>plain',
    );
    expect(renderMrkdwn(':white_check_mark: done :no_such_emoji:')).toBe('✅ done :no_such_emoji:');
  });

  it('keeps attacker text inert: what the bot escaped shows as text', () => {
    const html = renderMrkdwn(`*${escapeMrkdwn(EVIL)}*`, dir);
    assertOnlyOurMarkup(html);
    expect(html).not.toContain('sk-mention');
    expect(html).not.toContain('href');
    expect(html).toContain('&lt;!channel&gt;');
  });

  it('keeps raw hostile text inert even when nobody escaped it', () => {
    const raw = [
      '<img src=x onerror=alert(1)>',
      '"><script>alert(1)</script>',
      '<https://x.example" onmouseover="alert(1)|label>',
      "<a href='javascript:alert(1)'>x</a>",
      '\uE0000\uE001 placeholder lookalikes',
      '```<svg onload=alert(1)>```',
      '`<b>`',
    ];
    for (const s of raw) {
      const html = renderMrkdwn(s, dir);
      assertOnlyOurMarkup(html);
      expect(html).not.toMatch(/<(img|script|svg)/i);
      expect(html).not.toMatch(/<[^>]*\son\w+=/i);
    }
  });
});

describe('renderText and buttons', () => {
  it('plain_text is escaped, emoji shortcodes shown unless emoji is false', () => {
    expect(renderText({ type: 'plain_text', text: '<b>:warning:</b>', emoji: true })).toBe(
      '&lt;b&gt;⚠️&lt;/b&gt;',
    );
    expect(renderText({ type: 'plain_text', text: ':warning:', emoji: false })).toBe(':warning:');
  });

  it('renders buttons with their style, ids and confirm dialog', () => {
    const html = renderBlock({
      type: 'actions',
      block_id: 'acts',
      elements: [
        {
          type: 'button',
          action_id: 'stop_task',
          text: { type: 'plain_text', text: 'Stop task' },
          value: 'c1',
          style: 'danger',
          confirm: {
            title: { type: 'plain_text', text: 'Stop "this" task?' },
            text: { type: 'plain_text', text: '<b>sure</b>' },
            confirm: { type: 'plain_text', text: 'Request stop' },
            deny: { type: 'plain_text', text: 'Cancel' },
            style: 'danger',
          },
        },
        {
          type: 'button',
          action_id: 'approve',
          text: { type: 'plain_text', text: 'Approve' },
          style: 'primary',
        },
        { type: 'button', action_id: 'plain', text: { type: 'plain_text', text: 'Plain' }, style: 'evil' },
        {
          type: 'button',
          action_id: 'open',
          text: { type: 'plain_text', text: 'Console' },
          url: 'https://x.example/',
        },
        { type: 'static_select', action_id: 'sel' },
      ],
    });
    assertOnlyOurMarkup(html);
    expect(html).toContain('class="sk-btn sk-btn-danger"');
    expect(html).toContain('data-action-id="stop_task" data-block-id="acts"');
    expect(html).toContain('class="sk-btn sk-btn-primary" type="button" data-action-id="approve"');
    expect(html).toContain('<button class="sk-btn" type="button" data-action-id="plain"');
    expect(html).toContain('<a class="sk-btn" href="https://x.example/"');
    expect(html).toContain('[static_select]');
    const attr = /data-confirm="([^"]*)"/.exec(html)?.[1] ?? '';
    const decoded = attr
      .replace(/&quot;/g, '"')
      .replace(/&lt;/g, '<')
      .replace(/&gt;/g, '>')
      .replace(/&#39;/g, "'");
    expect(JSON.parse(decoded.replace(/&amp;/g, '&'))).toEqual({
      title: 'Stop "this" task?',
      text: '<b>sure</b>',
      confirm: 'Request stop',
      deny: 'Cancel',
      style: 'danger',
    });
  });

  it('confirmSpec fills Slack defaults', () => {
    expect(confirmSpec({})).toEqual({ title: 'Are you sure?', text: '', confirm: 'Yes', deny: 'Cancel' });
    expect(confirmSpec('x')).toBeUndefined();
  });
});

describe('renderBlocks', () => {
  it('renders the Contain plan: checkboxes ticked as initial_options says, labels and values escaped', () => {
    const plan = buildContainPlan({
      cardId: 'c1',
      taskId: 'abc',
      offered: [
        { step: 'hold-service', label: 'Hold <b>it</b>' },
        { step: 'stop-task', label: 'Stop this task' },
      ],
      defaults: ['stop-task'],
    });
    const html = renderBlocks(plan.blocks);
    const boxes = [...html.matchAll(/<input type="checkbox"([^>]*)>/g)].map((m) => m[1]!);
    expect(boxes).toHaveLength(2);
    expect(boxes[0]).toContain('value="hold-service"');
    expect(boxes[0]).not.toContain('checked');
    expect(boxes[1]).toContain('value="stop-task"');
    expect(boxes[1]).toContain(' checked');
    expect(boxes[0]).toContain('data-block-id="contain-steps"');
    expect(boxes[0]).toContain('data-action-id="contain_steps"');
    expect(html).not.toContain('<b>it');
    expect(
      renderBlock({
        type: 'actions',
        block_id: 'b',
        elements: [
          { type: 'checkboxes', options: [{ value: '"><x', text: { type: 'plain_text', text: 'v' } }] },
        ],
      }),
    ).toContain('value="&quot;&gt;&lt;x"');
  });

  it('renders a table block as an HTML table, header row first, cell text escaped', () => {
    const html = renderBlock({
      type: 'table',
      rows: [
        [
          { type: 'raw_text', text: 'Cluster' },
          { type: 'raw_text', text: 'Status' },
        ],
        [
          { type: 'raw_text', text: 'batch-jobs <b>' },
          {
            type: 'rich_text',
            elements: [{ type: 'rich_text_section', elements: [{ type: 'text', text: 'UNHEALTHY' }] }],
          },
        ],
      ],
    });
    assertOnlyOurMarkup(html);
    expect(html).toBe(
      '<div class="sk-block sk-table"><table><tr><th>Cluster</th><th>Status</th></tr>' +
        '<tr><td>batch-jobs &lt;b&gt;</td><td>UNHEALTHY</td></tr></table></div>',
    );
  });

  it('renders header, section text and fields, context, divider and unknown blocks', () => {
    const html = renderBlocks(
      [
        { type: 'header', text: { type: 'plain_text', text: 'High · Execution:Runtime/ReverseShell' } },
        {
          type: 'section',
          text: { type: 'mrkdwn', text: '*Reverse shell*' },
          fields: [
            { type: 'mrkdwn', text: '*Cluster*\n`prod-web`' },
            { type: 'mrkdwn', text: '*Task*\n`abc`' },
          ],
        },
        { type: 'context', elements: [{ type: 'mrkdwn', text: 'seen 3 times' }] },
        { type: 'divider' },
        { type: 'video', title: 'x' },
      ],
      dir,
    );
    assertOnlyOurMarkup(html);
    expect(html).toContain('<div class="sk-block sk-header">High · Execution:Runtime/ReverseShell</div>');
    expect(html).toContain('<div class="sk-field"><b>Cluster</b><br><code>prod-web</code></div>');
    expect(html).toContain('<div class="sk-block sk-context"><span>seen 3 times</span></div>');
    expect(html).toContain('<hr class="sk-block sk-divider">');
    expect(html).toContain('[video block]');
  });

  it("renders the bot's real finding card, hostile text included, with only our markup", () => {
    const card = buildFindingCard(
      hostileFinding(),
      { cardId: 'card_01' },
      { consoleUrl: 'https://console.aws.amazon.com' },
    );
    const html = renderBlocks(card.blocks, dir);
    assertOnlyOurMarkup(html);
    expect(html).not.toMatch(/<(img|script|svg)/i);
    for (const label of ['Stop task', 'Archive', 'ECS context']) expect(html).toContain(`>${label}</button>`);
    const plainCard = buildFindingCard(
      normaliseFinding(fixture(WIRE)),
      { cardId: 'card_02' },
      {
        consoleUrl: 'https://console.aws.amazon.com',
      },
    );
    expect(renderBlocks(plainCard.blocks, dir)).toContain('Execution:Runtime/NewBinaryExecuted');
  });

  it('falls back to text when a message has no blocks, and shows attachments', () => {
    expect(renderMessageBody({ text: 'hi *there*' })).toBe(
      '<div class="sk-block sk-text">hi <b>there</b></div>',
    );
    const html = renderMessageBody({
      text: 'x',
      blocks: [],
      attachments: [
        { color: 'danger', text: 'bad' },
        { color: '"><script>', blocks: [{ type: 'divider' }] },
      ],
    });
    assertOnlyOurMarkup(html);
    expect(html).toContain('border-left-color:#e01e5a');
    expect(html).toContain('border-left-color:#ddd');
  });
});

describe('channelView', () => {
  const msg = (ts: string, text: string, extra: Record<string, unknown> = {}) => ({ ts, text, ...extra });
  const eph = (ts: string, user: string, extra: Record<string, unknown> = {}) => ({
    ts,
    channel: 'C1',
    user,
    text: `for ${user}`,
    replaced: false,
    deleted: false,
    ...extra,
  });

  it('shows top-level messages with their replies, and only the viewer’s ephemerals', () => {
    const items = channelView(
      [
        msg('1.000001', 'card', { history: [{}] }),
        msg('3.000001', 'reply', { thread_ts: '1.000001' }),
        msg('4.000001', 'second'),
      ],
      [
        eph('2.000001', 'URITA0001'),
        eph('2.500001', 'UALICE001'),
        eph('5.000001', 'URITA0001', { thread_ts: '1.000001' }),
        eph('6.000001', 'URITA0001', { deleted: true }),
        eph('7.000001', 'URITA0001', { channel: 'C2' }),
      ],
      'C1',
      'URITA0001',
      dir,
    );
    expect(items.map((i) => [i.ts, i.ephemeral])).toEqual([
      ['1.000001', false],
      ['2.000001', true],
      ['4.000001', false],
    ]);
    expect(items[0]?.edits).toBe(1);
    expect(items[0]?.replies.map((r) => [r.ts, r.ephemeral])).toEqual([
      ['3.000001', false],
      ['5.000001', true],
    ]);
    expect(items[1]?.html).toContain('for URITA0001');
  });
});
