/**
 * Proves SlackTestClient against Bolt's own request verification: a real @slack/bolt App on an
 * HTTPReceiver, its WebClient and respond() pointed at the emulator.
 */
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { App, HTTPReceiver } from '@slack/bolt';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { type SlackEmulator, SlackTestClient, startSlackEmulator } from '../../../sandbox/slack/index.js';
import { waitFor } from '../../helpers/wait.js';
import { silentLogger, type WebClient, webClient } from './web-client.js';

const C = 'C0ALERTS';
const ALICE = 'U0ALICE';
const BOB = 'U0BOB';

const card = (id: string) => ({
  text: 'Crypto miner on prod/api',
  blocks: [
    {
      type: 'section',
      block_id: 'summary',
      text: { type: 'mrkdwn', text: '*CryptoCurrency:Runtime/BitcoinTool.B*' },
    },
    {
      type: 'actions',
      block_id: `card_actions_${id}`,
      elements: [
        {
          type: 'button',
          action_id: 'stop_task',
          text: { type: 'plain_text', text: 'Stop task' },
          value: id,
          style: 'danger',
        },
        { type: 'button', action_id: 'archive', text: { type: 'plain_text', text: 'Archive' }, value: id },
      ],
    },
  ],
});

describe('SlackTestClient against a real Bolt app', () => {
  let emu: SlackEmulator;
  let web: WebClient;
  let app: App;
  let server: Server;
  let slack: SlackTestClient;
  const seen: {
    commands: Array<{ text: string; retryNum?: number }>;
    actions: Array<Record<string, unknown>>;
  } = {
    commands: [],
    actions: [],
  };

  const postCard = (id: string) => {
    const c = card(id);
    return web.chat.postMessage({ channel: C, text: c.text, blocks: c.blocks as never });
  };

  beforeAll(async () => {
    emu = await startSlackEmulator({
      pacing: { enabled: false },
      channels: [{ id: C, name: 'alerts' }],
      users: [
        { id: ALICE, name: 'alice' },
        { id: BOB, name: 'bob' },
      ],
    });
    web = webClient(emu);
    const receiver = new HTTPReceiver({ signingSecret: emu.signingSecret, logger: silentLogger });
    app = new App({
      token: emu.botToken,
      botId: emu.botId,
      botUserId: emu.botUserId,
      receiver,
      logger: silentLogger,
      clientOptions: { slackApiUrl: emu.apiUrl, retryConfig: { retries: 0 } },
    });
    app.command('/ecs-guard', async ({ command, ack, respond, context }) => {
      seen.commands.push({
        text: command.text,
        ...(context.retryNum !== undefined ? { retryNum: context.retryNum } : {}),
      });
      if (command.text === 'ack-message') {
        await ack({ text: 'shown from the ack body' });
        return;
      }
      await ack();
      if (command.text === 'announce') await respond({ response_type: 'in_channel', text: 'for everyone' });
      else await respond({ text: `you asked: ${command.text}` });
    });
    app.action('stop_task', async ({ ack, body, action, respond, client }) => {
      await ack();
      seen.actions.push({ body, action });
      if (body.type !== 'block_actions' || !body.channel || !body.message) return;
      await client.chat.update({
        channel: body.channel.id,
        ts: body.message.ts,
        text: 'Stop requested',
        blocks: [{ type: 'section', text: { type: 'mrkdwn', text: `Stop requested by <@${body.user.id}>` } }],
      });
      await respond({ text: 'Your request needs an approver.' });
    });
    app.action('archive', async ({ ack, respond, body }) => {
      await ack();
      seen.actions.push({ body });
      await respond({ replace_original: true, text: 'Archived' });
    });
    app.action('dismiss', async ({ ack, respond }) => {
      await ack();
      await respond({ delete_original: true });
    });
    server = (await app.start({ port: 0, host: '127.0.0.1' })) as Server;
    const { port } = server.address() as AddressInfo;
    slack = new SlackTestClient({ eventsUrl: `http://127.0.0.1:${port}/slack/events`, emulator: emu });
  });

  afterAll(async () => {
    await app.stop();
    await emu.close();
  });

  beforeEach(() => {
    seen.commands.length = 0;
    seen.actions.length = 0;
  });

  it('a signed slash command is verified, acked 200 and answered through response_url', async () => {
    const res = await slack.slashCommand({ userId: ALICE, channelId: C, text: 'coverage' });
    expect(res.status).toBe(200);
    expect(res.ackMs).toBeGreaterThan(0);
    expect(res.responseUrl.startsWith(`${emu.url}/response/`)).toBe(true);
    expect(slack.lastResponseUrl).toBe(res.responseUrl);
    expect(seen.commands).toEqual([{ text: 'coverage' }]);
    expect(res.payload).toMatchObject({ command: '/ecs-guard', user_name: 'alice', channel_name: 'alerts' });
    const eph = await waitFor(() =>
      emu.ephemerals({ user: ALICE }).find((e) => e.text === 'you asked: coverage'),
    );
    expect(eph).toMatchObject({ channel: C, via: 'response_url' });
    expect(emu.messages(C).some((m) => m.text === 'you asked: coverage')).toBe(false);
  });

  it('response_type in_channel posts a channel message; an ack body shows as an ephemeral', async () => {
    await slack.slashCommand({ userId: ALICE, channelId: C, text: 'announce' });
    await waitFor(() => emu.messages(C).find((m) => m.text === 'for everyone'), { what: 'in_channel post' });
    const res = await slack.slashCommand({ userId: BOB, channelId: C, text: 'ack-message' });
    expect(res.body).toEqual({ text: 'shown from the ack body' });
    expect(emu.ephemerals({ user: BOB }).map((e) => [e.text, e.via])).toContainEqual([
      'shown from the ack body',
      'ack',
    ]);
  });

  it('a click on "Stop task" (by label) sends the stored message and runs the action handler', async () => {
    const { ts } = await postCard('card-1');
    const res = await slack.click({ userId: BOB, channelId: C, ts: ts!, action: 'Stop task' });
    expect(res.status).toBe(200);
    expect(seen.actions).toHaveLength(1);
    const { body, action } = seen.actions[0] as {
      body: Record<string, unknown>;
      action: Record<string, unknown>;
    };
    expect(action).toMatchObject({
      action_id: 'stop_task',
      block_id: 'card_actions_card-1',
      value: 'card-1',
      style: 'danger',
    });
    expect(body).toMatchObject({
      type: 'block_actions',
      user: { id: BOB, username: 'bob' },
      container: { type: 'message', message_ts: ts, channel_id: C, is_ephemeral: false },
      channel: { id: C, name: 'alerts' },
      message: { ts, blocks: card('card-1').blocks },
    });
    await waitFor(() => emu.message(C, ts!)?.text === 'Stop requested', {
      what: 'chat.update from the handler',
    });
    expect(emu.message(C, ts!)?.history).toHaveLength(1);
    await waitFor(() =>
      emu.ephemerals({ user: BOB }).find((e) => e.text === 'Your request needs an approver.'),
    );
  });

  it('replace_original replaces the clicked message; a forged value is passed through as sent', async () => {
    const { ts } = await postCard('card-2');
    const res = await slack.click({
      userId: ALICE,
      channelId: C,
      ts: ts!,
      action: 'archive',
      value: 'forged',
    });
    expect(res.status).toBe(200);
    const sent = seen.actions[0]?.body as { actions: Array<{ value: string }> } | undefined;
    expect(sent?.actions[0]?.value).toBe('forged');
    await waitFor(() => emu.message(C, ts!)?.text === 'Archived', { what: 'replace_original' });
    expect(emu.message(C, ts!)?.blocks).toEqual([]);
  });

  it('clicks in ephemeral messages and delete_original', async () => {
    const eph = await web.chat.postEphemeral({
      channel: C,
      user: ALICE,
      text: 'confirm',
      blocks: [
        {
          type: 'actions',
          elements: [{ type: 'button', action_id: 'dismiss', text: { type: 'plain_text', text: 'Dismiss' } }],
        },
      ] as never,
    });
    const res = await slack.click({ userId: ALICE, channelId: C, ts: eph.message_ts!, action: 'Dismiss' });
    expect(res.status).toBe(200);
    expect(res.payload).toMatchObject({ container: { is_ephemeral: true } });
    expect(res.payload.message).toBeUndefined();
    await waitFor(() => emu.ephemerals({ user: ALICE }).find((e) => e.ts === eph.message_ts)?.deleted);
  });

  it('clicking a button that is not there throws a clear error', async () => {
    const { ts } = await postCard('card-3');
    await expect(slack.click({ userId: ALICE, channelId: C, ts: ts!, action: 'Approve' })).rejects.toThrow(
      /no button "Approve".*"Stop task" \(stop_task\), "Archive" \(archive\)/,
    );
    await expect(
      slack.click({ userId: ALICE, channelId: C, ts: '1.000001', action: 'Stop task' }),
    ).rejects.toThrow(/no message C0ALERTS\/1\.000001/);
  });

  it('a wrong signing secret gets 401 and the handler never runs', async () => {
    const res = await slack.slashCommand({
      userId: ALICE,
      channelId: C,
      text: 'coverage',
      secret: 'not-the-secret',
    });
    expect(res.status).toBe(401);
    expect(seen.commands).toEqual([]);
  });

  it('a stale timestamp (> 5 minutes) gets 401', async () => {
    const old = Math.floor(Date.now() / 1000) - 5 * 60 - 10;
    const res = await slack.slashCommand({ userId: ALICE, channelId: C, text: 'coverage', timestamp: old });
    expect(res.status).toBe(401);
    const { ts } = await postCard('card-4');
    const click = await slack.click({
      userId: ALICE,
      channelId: C,
      ts: ts!,
      action: 'stop_task',
      timestamp: old,
    });
    expect(click.status).toBe(401);
    expect(seen.commands).toEqual([]);
    expect(seen.actions).toEqual([]);
  });

  it('sendRaw sends unsigned bodies (401) and retry headers reach Bolt', async () => {
    const raw = await slack.sendRaw('command=%2Fecs-guard&text=x', {
      'content-type': 'application/x-www-form-urlencoded',
    });
    expect(raw.status).toBe(401);
    const retried = await slack.slashCommand({ userId: ALICE, channelId: C, text: 'again', retry: 1 });
    expect(retried.status).toBe(200);
    expect(seen.commands).toEqual([{ text: 'again', retryNum: 1 }]);
  });

  it('a response_url works 5 times, then answers 404 used_url', async () => {
    const res = await slack.slashCommand({ userId: ALICE, channelId: C, text: 'count' });
    await waitFor(() => emu.ephemerals({ user: ALICE }).find((e) => e.text === 'you asked: count'));
    const post = (text: string) =>
      fetch(res.responseUrl, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ text }),
      });
    for (let i = 2; i <= 5; i++) expect((await post(`use ${i}`)).status).toBe(200);
    const sixth = await post('use 6');
    expect(sixth.status).toBe(404);
    expect(await sixth.json()).toEqual({ ok: false, error: 'used_url' });
  });
});
