import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { type SlackEmulator, startSlackEmulator } from '../../../sandbox/slack/index.js';
import { platformError, type WebClient, webClient } from './web-client.js';

const C = 'C0ALERTS';
const section = (text: string) => ({ type: 'section', text: { type: 'mrkdwn', text } });

describe('Slack emulator Web API methods (real WebClient)', () => {
  let emu: SlackEmulator;
  let web: WebClient;

  beforeAll(async () => {
    emu = await startSlackEmulator({ pacing: { enabled: false } });
    emu.addChannel({ id: C, name: 'alerts' });
    emu.addUser({ id: 'U0ALICE', name: 'alice', real_name: 'Alice A' });
    emu.addUser({ id: 'U0BOB', name: 'bob' });
    emu.addGroup({ id: 'S0ONCALL', handle: 'oncall', users: ['U0ALICE', 'U0BOB'] });
    web = webClient(emu);
  });
  afterAll(async () => {
    await emu.close();
  });
  beforeEach(() => emu.clearCalls());

  it('auth.test answers with the workspace and bot identity', async () => {
    const res = await web.auth.test();
    expect(res).toMatchObject({ ok: true, team_id: emu.teamId, user_id: emu.botUserId, bot_id: emu.botId });
    expect(emu.apiUrl.endsWith('/api/')).toBe(true);
  });

  it('checks the bot token: invalid_auth for a wrong one, not_authed for none', async () => {
    const wrong = webClient(emu, 'xoxb-wrong');
    expect((await platformError(wrong.auth.test())).error).toBe('invalid_auth');
    const res = await fetch(`${emu.apiUrl}auth.test`, { method: 'POST' });
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({ ok: false, error: 'not_authed' });
    expect(emu.calls('auth.test').map((c) => c.error)).toEqual(['invalid_auth', 'not_authed']);
  });

  it('accepts JSON bodies with a Bearer token', async () => {
    const res = await fetch(`${emu.apiUrl}chat.postMessage`, {
      method: 'POST',
      headers: { 'content-type': 'application/json; charset=utf-8', authorization: `Bearer ${emu.botToken}` },
      body: JSON.stringify({ channel: C, text: 'json', blocks: [section('json body')] }),
    });
    const body = (await res.json()) as { ok: boolean; ts: string };
    expect(body.ok).toBe(true);
    expect(emu.message(C, body.ts)?.blocks).toEqual([section('json body')]);
  });

  it('conversations.history: top-level messages newest first, bounded by oldest/latest, cursor-paged', async () => {
    const H = 'C0HISTORY';
    emu.addChannel({ id: H, name: 'history' });
    const posted: string[] = [];
    for (let i = 0; i < 5; i++) posted.push((await web.chat.postMessage({ channel: H, text: `m${i}` })).ts!);
    await web.chat.postMessage({ channel: H, text: 'reply', thread_ts: posted[0] });
    const first = await web.conversations.history({ channel: H, limit: 2 });
    expect(first.messages?.map((m) => m.text)).toEqual(['m4', 'm3']);
    expect(first.has_more).toBe(true);
    const next = await web.conversations.history({
      channel: H,
      limit: 10,
      cursor: first.response_metadata?.next_cursor as string,
    });
    expect(next.messages?.map((m) => m.text)).toEqual(['m2', 'm1', 'm0']);
    expect(next.has_more).toBe(false);
    expect(next.messages?.[2]).toMatchObject({ type: 'message', user: emu.botUserId, bot_id: emu.botId });
    const one = await web.conversations.history({
      channel: H,
      oldest: posted[2],
      latest: posted[2],
      inclusive: true,
      limit: 1,
    });
    expect(one.messages?.map((m) => m.text)).toEqual(['m2']);
    const excl = await web.conversations.history({ channel: H, oldest: posted[2], latest: posted[4] });
    expect(excl.messages?.map((m) => m.text)).toEqual(['m3']);
    expect((await platformError(web.conversations.history({ channel: 'C0NOPE' }))).error).toBe(
      'channel_not_found',
    );
  });

  it('chat.postMessage stores the message with monotonically increasing Slack-style ts', async () => {
    const a = await web.chat.postMessage({ channel: C, text: 'one', blocks: [section('*one*')] as never });
    const b = await web.chat.postMessage({ channel: C, text: 'two' });
    expect(a.ts).toMatch(/^\d{10}\.\d{6}$/);
    expect(Number(b.ts)).toBeGreaterThan(Number(a.ts));
    expect(a.channel).toBe(C);
    const stored = emu.message(C, a.ts!);
    expect(stored).toMatchObject({ text: 'one', user: emu.botUserId, blocks: [section('*one*')] });
    const call = emu.calls('chat.postMessage')[0];
    expect(call?.args).toMatchObject({ channel: C, text: 'one', blocks: [section('*one*')] });
    expect(call?.args.token).toBeUndefined();
    expect(call?.ok).toBe(true);
  });

  it('unknown channels and threads are errors', async () => {
    expect((await platformError(web.chat.postMessage({ channel: 'C0NOPE', text: 'x' }))).error).toBe(
      'channel_not_found',
    );
    expect(
      (await platformError(web.chat.postMessage({ channel: C, text: 'x', thread_ts: '1.000001' }))).error,
    ).toBe('thread_not_found');
  });

  it('thread replies are linked to their parent', async () => {
    const parent = await web.chat.postMessage({ channel: C, text: 'parent' });
    const r1 = await web.chat.postMessage({ channel: C, text: 'r1', thread_ts: parent.ts! });
    await web.chat.postMessage({ channel: C, text: 'r2', thread_ts: parent.ts! });
    const thread = emu.thread(C, parent.ts!);
    expect(thread.map((m) => m.text)).toEqual(['parent', 'r1', 'r2']);
    expect(emu.message(C, parent.ts!)?.reply_count).toBe(2);
    expect(emu.messages(C).some((m) => m.ts === r1.ts)).toBe(false);
    expect(emu.messages(C, { includeReplies: true }).some((m) => m.ts === r1.ts)).toBe(true);
  });

  it('chat.update keeps the edit history; chat.delete removes the message', async () => {
    const { ts } = await web.chat.postMessage({ channel: C, text: 'v1', blocks: [section('v1')] as never });
    const upd = await web.chat.update({ channel: C, ts: ts!, text: 'v2', blocks: [section('v2')] as never });
    expect(upd).toMatchObject({ ok: true, channel: C, ts, text: 'v2' });
    const stored = emu.message(C, ts!);
    expect(stored?.blocks).toEqual([section('v2')]);
    expect(stored?.history.map((h) => h.text)).toEqual(['v1']);
    expect(stored?.edited?.user).toBe(emu.botUserId);
    expect((await platformError(web.chat.update({ channel: C, ts: '1.000001', text: 'x' }))).error).toBe(
      'message_not_found',
    );
    await expect(web.chat.delete({ channel: C, ts: ts! })).resolves.toMatchObject({ ok: true });
    expect(emu.message(C, ts!)).toBeUndefined();
    expect((await platformError(web.chat.delete({ channel: C, ts: ts! }))).error).toBe('message_not_found');
  });

  it('chat.postEphemeral is stored per user and channel', async () => {
    const res = await web.chat.postEphemeral({ channel: C, user: 'U0ALICE', text: 'only you' });
    expect(res.message_ts).toMatch(/^\d+\.\d{6}$/);
    expect(emu.ephemerals({ user: 'U0ALICE' }).at(-1)).toMatchObject({ channel: C, text: 'only you' });
    expect(emu.ephemerals({ user: 'U0BOB' })).toEqual([]);
    expect((await platformError(web.chat.postEphemeral({ channel: C, user: C, text: 'x' }))).error).toBe(
      'user_not_in_channel',
    );
  });

  it('chat.getPermalink links to a stored message', async () => {
    const { ts } = await web.chat.postMessage({ channel: C, text: 'link me' });
    const res = await web.chat.getPermalink({ channel: C, message_ts: ts! });
    expect(res.permalink).toBe(`${emu.url}/archives/${C}/p${ts!.replace('.', '')}`);
    expect((await platformError(web.chat.getPermalink({ channel: C, message_ts: '1.000001' }))).error).toBe(
      'message_not_found',
    );
  });

  it('views.open needs a fresh trigger id once; views.update replaces the view', async () => {
    const view = {
      type: 'modal' as const,
      title: { type: 'plain_text' as const, text: 'ECS context' },
      blocks: [section('cluster prod')],
    };
    expect((await platformError(web.views.open({ trigger_id: 'made-up', view: view as never }))).error).toBe(
      'invalid_trigger_id',
    );
    const trigger = emu.createTriggerId();
    const opened = await web.views.open({ trigger_id: trigger, view: view as never });
    expect(opened.view?.id).toMatch(/^V/);
    expect((await platformError(web.views.open({ trigger_id: trigger, view: view as never }))).error).toBe(
      'exchanged_trigger_id',
    );
    const bad = { ...view, title: { type: 'plain_text', text: 'x'.repeat(25) } };
    expect(
      (await platformError(web.views.open({ trigger_id: emu.createTriggerId(), view: bad as never }))).error,
    ).toBe('invalid_blocks');
    const updated = await web.views.update({
      view_id: opened.view!.id!,
      view: { ...view, blocks: [section('cluster prod, 3 tasks')] } as never,
    });
    expect(updated.ok).toBe(true);
    const stored = emu.views().find((v) => v.id === opened.view!.id);
    expect(stored?.view.blocks).toEqual([section('cluster prod, 3 tasks')]);
    expect(stored?.history).toHaveLength(1);
    expect((await platformError(web.views.update({ view_id: 'V0NOPE', view: view as never }))).error).toBe(
      'not_found',
    );
  });

  it('users.info, usergroups.users.list and conversations.info read the workspace', async () => {
    const u = await web.users.info({ user: 'U0ALICE' });
    expect(u.user).toMatchObject({
      id: 'U0ALICE',
      name: 'alice',
      real_name: 'Alice A',
      is_bot: false,
      deleted: false,
    });
    expect((await platformError(web.users.info({ user: 'U0NOPE' }))).error).toBe('user_not_found');
    const g = await web.usergroups.users.list({ usergroup: 'S0ONCALL' });
    expect(g.users).toEqual(['U0ALICE', 'U0BOB']);
    expect((await platformError(web.usergroups.users.list({ usergroup: 'S0NOPE' }))).error).toBe(
      'no_such_subteam',
    );
    const c = await web.conversations.info({ channel: C });
    expect(c.channel).toMatchObject({ id: C, name: 'alerts', is_channel: true });
    expect((await platformError(web.conversations.info({ channel: 'C0NOPE' }))).error).toBe(
      'channel_not_found',
    );
  });

  it('conversations.members pages through the listed members; a channel the bot is not in is not found', async () => {
    const users = Array.from({ length: 5 }, (_, i) => `U0MEM${i}`);
    emu.addChannel({ id: 'G0PRIVATE', name: 'private', is_private: true, members: users });
    const first = await web.conversations.members({ channel: 'G0PRIVATE', limit: 4 });
    expect(first.members).toEqual([emu.botUserId, ...users.slice(0, 3)]);
    const cursor = first.response_metadata?.next_cursor;
    expect(cursor).toBeTruthy();
    const rest = await web.conversations.members({
      channel: 'G0PRIVATE',
      limit: 4,
      cursor: cursor as string,
    });
    expect(rest.members).toEqual(users.slice(3));
    expect(rest.response_metadata?.next_cursor).toBe('');
    // An open test channel (no members listed) holds every registered user.
    const open = await web.conversations.members({ channel: C });
    expect(open.members).toEqual(expect.arrayContaining(['U0ALICE', 'U0BOB', emu.botUserId]));
    const notIn = emu.addChannel({ id: 'G0NOTBOT', name: 'no-bot', is_private: true, members: [] });
    notIn.members?.delete(emu.botUserId);
    for (const channel of ['G0NOTBOT', 'C0NOPE'])
      expect((await platformError(web.conversations.members({ channel }))).error).toBe('channel_not_found');
    expect((await platformError(web.conversations.members({ channel: C, limit: 5000 }))).error).toBe(
      'invalid_limit',
    );
  });

  it('posting to a user id opens a DM', async () => {
    const res = await web.chat.postMessage({ channel: 'U0BOB', text: 'dm' });
    expect(res.channel).toBe('D0BOB');
    expect(emu.messages('D0BOB').map((m) => m.text)).toEqual(['dm']);
  });

  it('autoCreateChannels creates well-formed unknown channels on first use', async () => {
    emu.workspace.autoCreateChannels = true;
    try {
      await expect(web.chat.postMessage({ channel: 'C0NEW', text: 'hi' })).resolves.toMatchObject({
        channel: 'C0NEW',
      });
      expect(emu.workspace.channels.get('C0NEW')?.name).toBe('c0new');
      expect((await platformError(web.chat.postMessage({ channel: 'general', text: 'x' }))).error).toBe(
        'channel_not_found',
      );
    } finally {
      emu.workspace.autoCreateChannels = false;
    }
  });

  it('unknown methods answer unknown_method', async () => {
    expect((await platformError(web.apiCall('chat.scheduleMessage', { channel: C, text: 'x' }))).error).toBe(
      'unknown_method',
    );
  });
});
