import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type SlackEmulator, startSlackEmulator, validateBlocks } from '../../../sandbox/slack/index.js';
import { platformError, type WebClient, webClient } from './web-client.js';

const plain = (text: string) => ({ type: 'plain_text', text });
const mrkdwn = (text: string) => ({ type: 'mrkdwn', text });
const section = (text: string, extra: Record<string, unknown> = {}) => ({
  type: 'section',
  text: mrkdwn(text),
  ...extra,
});
const button = (extra: Record<string, unknown> = {}) => ({
  type: 'button',
  text: plain('Stop task'),
  action_id: 'stop_task',
  value: 'card-1',
  ...extra,
});
const actions = (elements: unknown[], extra: Record<string, unknown> = {}) => ({
  type: 'actions',
  elements,
  ...extra,
});
const confirm = (extra: Record<string, unknown> = {}) => ({
  title: plain('Stop this task?'),
  text: mrkdwn('The task will be stopped.'),
  confirm: plain('Stop'),
  deny: plain('Cancel'),
  ...extra,
});
const cell = (text: string) => ({ type: 'raw_text', text });
const table = (rows: unknown[][], extra: Record<string, unknown> = {}) => ({ type: 'table', rows, ...extra });
const x = (n: number) => 'x'.repeat(n);
const many = <T>(n: number, f: (i: number) => T) => Array.from({ length: n }, (_, i) => f(i));

/** Each limit: the largest valid value passes, one more is rejected at the expected pointer. */
const cases: Array<{ name: string; ok: unknown[]; bad: unknown[]; pointer: string }> = [
  {
    name: 'at most 50 blocks per message',
    ok: many(50, () => ({ type: 'divider' })),
    bad: many(51, () => ({ type: 'divider' })),
    pointer: '/blocks]',
  },
  {
    name: 'section text ≤ 3000',
    ok: [section(x(3000))],
    bad: [section(x(3001))],
    pointer: '/blocks/0/text/text',
  },
  {
    name: 'section ≤ 10 fields',
    ok: [{ type: 'section', fields: many(10, (i) => mrkdwn(`f${i}`)) }],
    bad: [{ type: 'section', fields: many(11, (i) => mrkdwn(`f${i}`)) }],
    pointer: '/blocks/0/fields]',
  },
  {
    name: 'section field ≤ 2000',
    ok: [{ type: 'section', fields: [mrkdwn(x(2000))] }],
    bad: [{ type: 'section', fields: [mrkdwn('a'), mrkdwn(x(2001))] }],
    pointer: '/blocks/0/fields/1/text',
  },
  {
    name: 'header plain_text ≤ 150',
    ok: [{ type: 'header', text: plain(x(150)) }],
    bad: [{ type: 'header', text: plain(x(151)) }],
    pointer: '/blocks/0/text/text',
  },
  {
    name: 'header text must be plain_text',
    ok: [{ type: 'header', text: plain('Crypto miner') }],
    bad: [{ type: 'header', text: mrkdwn('*Crypto miner*') }],
    pointer: '/blocks/0/text/type',
  },
  {
    name: 'button text ≤ 75',
    ok: [actions([button({ text: plain(x(75)) })])],
    bad: [actions([button({ text: plain(x(76)) })])],
    pointer: '/blocks/0/elements/0/text/text',
  },
  {
    name: 'button text must be plain_text',
    ok: [actions([button()])],
    bad: [actions([button({ text: mrkdwn('Stop') })])],
    pointer: '/blocks/0/elements/0/text/type',
  },
  {
    name: 'action_id ≤ 255',
    ok: [actions([button({ action_id: x(255) })])],
    bad: [actions([button({ action_id: x(256) })])],
    pointer: '/blocks/0/elements/0/action_id',
  },
  {
    name: 'block_id ≤ 255',
    ok: [section('a', { block_id: x(255) })],
    bad: [section('a', { block_id: x(256) })],
    pointer: '/blocks/0/block_id',
  },
  {
    name: 'button value ≤ 2000',
    ok: [actions([button({ value: x(2000) })])],
    bad: [actions([button({ value: x(2001) })])],
    pointer: '/blocks/0/elements/0/value',
  },
  {
    name: 'button url ≤ 3000',
    ok: [actions([button({ url: `https://e.x/${x(3000 - 12)}` })])],
    bad: [actions([button({ url: `https://e.x/${x(3001 - 12)}` })])],
    pointer: '/blocks/0/elements/0/url',
  },
  {
    name: 'button style primary|danger',
    ok: [actions([button({ style: 'danger' })])],
    bad: [actions([button({ style: 'red' })])],
    pointer: '/blocks/0/elements/0/style',
  },
  {
    name: 'confirm title ≤ 100',
    ok: [actions([button({ confirm: confirm({ title: plain(x(100)) }) })])],
    bad: [actions([button({ confirm: confirm({ title: plain(x(101)) }) })])],
    pointer: '/blocks/0/elements/0/confirm/title/text',
  },
  {
    name: 'confirm text ≤ 300',
    ok: [actions([button({ confirm: confirm({ text: mrkdwn(x(300)) }) })])],
    bad: [actions([button({ confirm: confirm({ text: mrkdwn(x(301)) }) })])],
    pointer: '/blocks/0/elements/0/confirm/text/text',
  },
  {
    name: 'confirm button ≤ 30',
    ok: [actions([button({ confirm: confirm({ confirm: plain(x(30)) }) })])],
    bad: [actions([button({ confirm: confirm({ confirm: plain(x(31)) }) })])],
    pointer: '/blocks/0/elements/0/confirm/confirm/text',
  },
  {
    name: 'confirm deny ≤ 30',
    ok: [actions([button({ confirm: confirm({ deny: plain(x(30)) }) })])],
    bad: [actions([button({ confirm: confirm({ deny: plain(x(31)) }) })])],
    pointer: '/blocks/0/elements/0/confirm/deny/text',
  },
  {
    name: 'confirm requires title, text, confirm and deny',
    ok: [actions([button({ confirm: confirm() })])],
    bad: [actions([button({ confirm: { text: mrkdwn('sure?') } })])],
    pointer: '/blocks/0/elements/0/confirm/title',
  },
  {
    name: 'context ≤ 10 elements',
    ok: [{ type: 'context', elements: many(10, (i) => mrkdwn(`c${i}`)) }],
    bad: [{ type: 'context', elements: many(11, (i) => mrkdwn(`c${i}`)) }],
    pointer: '/blocks/0/elements]',
  },
  {
    name: 'actions ≤ 25 elements',
    ok: [actions(many(25, (i) => button({ action_id: `a${i}` })))],
    bad: [actions(many(26, (i) => button({ action_id: `a${i}` })))],
    pointer: '/blocks/0/elements]',
  },
  {
    name: 'block_id unique per message',
    ok: [section('a', { block_id: 'b1' }), section('b', { block_id: 'b2' })],
    bad: [section('a', { block_id: 'b1' }), section('b', { block_id: 'b1' })],
    pointer: '/blocks/1/block_id',
  },
  {
    name: 'action_id unique per actions block',
    ok: [actions([button({ action_id: 'approve' }), button({ action_id: 'reject' })])],
    bad: [actions([button({ action_id: 'approve' }), button({ action_id: 'approve' })])],
    pointer: '/blocks/0/elements/1/action_id',
  },
  {
    name: 'known block types only',
    ok: [{ type: 'divider' }],
    bad: [{ type: 'card' }],
    pointer: '/blocks/0/type',
  },
  {
    name: 'known element types only',
    ok: [actions([button()])],
    bad: [actions([{ type: 'link', action_id: 'a' }])],
    pointer: '/blocks/0/elements/0/type',
  },
  {
    name: 'text objects are plain_text or mrkdwn',
    ok: [section('ok')],
    bad: [{ type: 'section', text: { type: 'markdown', text: 'no' } }],
    pointer: '/blocks/0/text/type',
  },
  {
    name: 'table ≤ 100 rows',
    ok: [table(many(100, (i) => [cell(`r${i}`)]))],
    bad: [table(many(101, (i) => [cell(`r${i}`)]))],
    pointer: '/blocks/0/rows]',
  },
  {
    name: 'table row ≤ 20 cells',
    ok: [table([many(20, (i) => cell(`c${i}`))])],
    bad: [table([[cell('a')], many(21, (i) => cell(`c${i}`))])],
    pointer: '/blocks/0/rows/1]',
  },
  {
    name: 'table column_settings ≤ 20, align left|center|right',
    ok: [table([[cell('a')]], { column_settings: many(20, () => ({ align: 'right', is_wrapped: true })) })],
    bad: [table([[cell('a')]], { column_settings: [{ align: 'middle' }] })],
    pointer: '/blocks/0/column_settings/0/align',
  },
  {
    name: 'table cells are raw_text (non-empty) or rich_text',
    ok: [table([[cell('a'), { type: 'rich_text', elements: [] }]])],
    bad: [table([[cell('a'), cell('')]])],
    pointer: '/blocks/0/rows/0/1/text',
  },
  {
    name: 'only one table per message',
    ok: [table([[cell('a')]]), section('between')],
    bad: [table([[cell('a')]]), table([[cell('b')]])],
    pointer: '/blocks/1]',
  },
  {
    name: 'emoji is not allowed on mrkdwn',
    ok: [{ type: 'section', text: { type: 'plain_text', text: 'ok', emoji: true } }],
    bad: [{ type: 'section', text: { type: 'mrkdwn', text: 'no', emoji: true } }],
    pointer: '/blocks/0/text]',
  },
];

describe('Block Kit limits through the real WebClient', () => {
  let emu: SlackEmulator;
  let web: WebClient;
  const channel = 'C0ALERTS';

  beforeAll(async () => {
    // Pacing off: this file is about validation, not rate limits.
    emu = await startSlackEmulator({
      pacing: { enabled: false },
      channels: [{ id: channel, name: 'alerts' }],
    });
    web = webClient(emu);
  });
  afterAll(async () => {
    await emu.close();
  });

  it.each(cases)('$name', async ({ ok, bad, pointer }) => {
    await expect(
      web.chat.postMessage({ channel, text: 'fallback', blocks: ok as never }),
    ).resolves.toMatchObject({
      ok: true,
    });
    const data = await platformError(
      web.chat.postMessage({ channel, text: 'fallback', blocks: bad as never }),
    );
    expect(data.error).toBe('invalid_blocks');
    const messages = (data.response_metadata as { messages: string[] }).messages;
    expect(messages.some((m) => m.startsWith('[ERROR]') && m.includes(`[json-pointer:${pointer}`))).toBe(
      true,
    );
  });

  it('rejects invalid blocks in chat.update, chat.postEphemeral and attachments too', async () => {
    const posted = await web.chat.postMessage({ channel, text: 'card', blocks: [section('card')] as never });
    const tooLong = [section(x(3001))] as never;
    expect((await platformError(web.chat.update({ channel, ts: posted.ts!, blocks: tooLong }))).error).toBe(
      'invalid_blocks',
    );
    expect(emu.message(channel, posted.ts!)?.history).toHaveLength(0);
    expect(
      (await platformError(web.chat.postEphemeral({ channel, user: 'U0ALICE', text: 't', blocks: tooLong })))
        .error,
    ).toBe('invalid_blocks');
    const att = await platformError(
      web.chat.postMessage({
        channel,
        text: 't',
        attachments: [{ color: 'danger', blocks: tooLong }] as never,
      }),
    );
    expect(att.error).toBe('invalid_blocks');
    expect(JSON.stringify(att)).toContain('/attachments/0/blocks/0/text/text');
  });

  it('requires text when there are no blocks, and caps text at 40,000 chars', async () => {
    expect((await platformError(web.chat.postMessage({ channel, text: '' }))).error).toBe('no_text');
    expect((await platformError(web.chat.postMessage({ channel, text: x(40_001) }))).error).toBe(
      'msg_too_long',
    );
    await expect(web.chat.postMessage({ channel, text: x(40_000) })).resolves.toMatchObject({ ok: true });
    // Blocks without text are accepted (the client only warns).
    await expect(
      web.chat.postMessage({ channel, blocks: [section('only blocks')] } as never),
    ).resolves.toMatchObject({
      ok: true,
    });
  });

  it('rejects blocks that are not JSON with invalid_blocks_format (form-encoded call)', async () => {
    const res = await fetch(`${emu.apiUrl}chat.postMessage`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ token: emu.botToken, channel, text: 't', blocks: '[{"type":' }).toString(),
    });
    expect(res.status).toBe(200);
    expect(await res.json()).toMatchObject({ ok: false, error: 'invalid_blocks_format' });
  });

  it('allows 100 blocks in a modal but not 101, and input blocks only in modals', async () => {
    const ok = validateBlocks(
      many(100, () => ({ type: 'divider' })),
      { surface: 'modal' },
    );
    expect(ok).toEqual([]);
    const bad = validateBlocks(
      many(101, () => ({ type: 'divider' })),
      { surface: 'modal' },
    );
    expect(bad).toEqual(['[ERROR] must provide no more than 100 items [json-pointer:/blocks]']);
    const input = {
      type: 'input',
      label: plain('Reason'),
      element: { type: 'plain_text_input', action_id: 'r' },
    };
    expect(validateBlocks([input], { surface: 'modal' })).toEqual([]);
    expect(validateBlocks([input], { surface: 'message' })).toHaveLength(1);
    // …and a table only in messages.
    const t = { type: 'table', rows: [[{ type: 'raw_text', text: 'a' }]] };
    expect(validateBlocks([t], { surface: 'message' })).toEqual([]);
    expect(validateBlocks([t], { surface: 'modal' })).toHaveLength(1);
  });
});
